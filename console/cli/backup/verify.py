"""``jzctl backup verify ID|--latest [--dir DIR] [--scratch URL]``: digests, signature, a
restore into a scratch database and checks on it; recorded in the catalogue and, when the
database is at hand, in the audit trail. Exit 5 when the backup is not sound."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer

from console.cli import runtime
from console.cli.backup import _common as c
from console.i18n import t


def run(
    backup_id: str | None = typer.Argument(None, metavar="ID", help=t("cli.backup_arg_id")),
    latest: bool = typer.Option(False, "--latest", help=t("cli.backup_opt_latest")),
    directory: Path | None = c.DIR,
    scratch: str | None = typer.Option(
        None, "--scratch", metavar="URL", help=t("cli.backup_opt_scratch")
    ),
) -> None:
    from audit_log.chain import record
    from casedb.errors import UsageProblem
    from ops import catalogue, keys
    from ops import verify as v

    if (backup_id is None) == (not latest):
        raise UsageProblem("err.backup_id_or_latest")
    folder = c.root(directory)
    k = keys.load()
    cat = catalogue.read(folder, k)
    entry = cat.latest() if latest else cat.find(str(backup_id))
    who = c.who(v.ACTION, need_db=False)
    if scratch is None and who.db is not None and who.db.backend == "postgresql":
        scratch = who.db.raw_url
    with runtime.progress(t("backup.verify_progress", id=entry.id)) as advance:
        report = v.verify(folder, entry.id, k, scratch_url=scratch, progress=advance)
    at = datetime.now(UTC).isoformat()
    fact = {"fact": "verified", "id": entry.id, "at": at, "status": report.status,
            "problems": report.problems[:20]}  # fmt: skip
    catalogue.append(folder, k, fact)
    if who.db is not None:
        with who.db.uow() as uow:
            record(uow.session, who.actor, v.ACTION, target_kind="backup", target_id=entry.id,
                   outcome="ok" if report.status == v.OK else "failed",
                   reason="" if report.status == v.OK else "backup.invalid",
                   details={"status": report.status, "problems": report.problems[:20],
                            "rows": report.rows})  # fmt: skip
            uow.commit()
    runtime.emit(report.as_dict(), lambda: _human(report, who.db is not None))
    if report.status != v.OK:
        raise typer.Exit(5)


def _human(report: object, audited: bool) -> None:
    from ops.verify import OK, Report

    assert isinstance(report, Report)
    for p in report.parts:
        runtime.echo(t("backup.part_line", part=p.name,
                       status=t(f"backup.status.{p.status.replace(' ', '_')}")))  # fmt: skip
    for pr in report.problems:
        runtime.echo("  " + _problem(pr))
    if report.status == OK:
        runtime.echo(t("backup.verified_ok", id=report.id, tables=report.tables,
                       rows=report.rows, events=report.audit_events or 0,
                       seconds=f"{report.seconds:.1f}"))  # fmt: skip
    else:
        runtime.echo(t("backup.verified_bad", id=report.id, count=len(report.problems)))
    if not audited:
        runtime.note(t("backup.not_audited"))


def _problem(pr: dict[str, object]) -> str:
    kind = str(pr["kind"]).replace(" ", "_")
    params = {k: ("-" if v is None else v) for k, v in pr.items() if k != "kind"}
    if "status" in params:
        params["status"] = t(f"backup.status.{str(params['status']).replace(' ', '_')}")
    if "reason" in params and kind == "manifest":
        params["reason"] = t(f"backup.problem.{str(params['reason']).replace(' ', '_')}")
    if "reason_key" in params:
        params["reason"] = t(str(params["reason_key"]), **params)
    return t(f"backup.problem_{kind}", **params)
