"""``jzctl backup copy ID|--latest --to DIR [--dir DIR]``: an off-site copy of a backup,
checked where it lands (digests and signature of every part against the manifest), recorded
in the catalogue and, when the database is at hand, in the audit trail. Exit 5 when the copy
is not sound (it is then deleted, never kept looking good).

``--to`` is where this command writes, as for every backup verb; ``--dir`` the backup folder
it reads. ``backup create --copy-to DIR`` does the same right after a backup is made."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from console.cli import runtime
from console.cli.backup import _common as c
from console.i18n import t

if TYPE_CHECKING:
    from ops.catalogue import Entry
    from ops.copies import CopyReport
    from ops.keys import BackupKeys

COPY_TO = typer.Option(
    None, "--copy-to", metavar="DIR", help=t("cli.backup_opt_copy_to"), show_default=False
)


def run(
    backup_id: str | None = typer.Argument(None, metavar="ID", help=t("cli.backup_arg_id")),
    latest: bool = typer.Option(False, "--latest", help=t("cli.backup_opt_copy_latest")),
    to: Path = typer.Option(..., "--to", metavar="DIR", help=t("cli.backup_opt_copy_dest")),
    directory: Path | None = c.DIR,
) -> None:
    from casedb.errors import UsageProblem
    from ops import catalogue, copies, keys

    if (backup_id is None) == (not latest):
        raise UsageProblem("err.backup_id_or_latest")
    folder = c.root(directory)
    k = keys.load()
    cat = catalogue.read(folder, k)
    entry = cat.latest() if latest else cat.find(str(backup_id))
    who = c.who(copies.ACTION, need_db=False)
    report = copy_and_record(who, folder, entry, k, to)
    runtime.emit(report.as_dict(), lambda: human(report, audited=who.db is not None))
    if report.status != copies.OK:
        raise typer.Exit(5)


def copy_and_record(
    who: c.Who, folder: Path, entry: Entry, k: BackupKeys, dest: Path
) -> CopyReport:
    """Copy, check, record in the catalogue (ops.copies) and in the audit trail."""
    from audit_log.chain import record
    from ops import copies

    with runtime.progress(t("backup.copy_progress", id=entry.id, to=str(dest))) as advance:
        report = copies.copy(folder, entry, k, dest, progress=advance)
    if who.db is not None:
        ok = report.status == copies.OK
        with who.db.uow() as uow:
            record(uow.session, who.actor, copies.ACTION, target_kind="backup",
                   target_id=entry.id, outcome="ok" if ok else "failed",
                   reason="" if ok else "backup.copy_invalid",
                   details={"to": report.to, "status": report.status, "bytes": report.bytes,
                            "problems": report.problems[:20]})  # fmt: skip
            uow.commit()
    return report


def human(report: CopyReport, *, audited: bool) -> None:
    from console.cli.backup.verify import _problem
    from ops.copies import OK

    for p in report.parts:
        runtime.echo(t("backup.part_line", part=p.name,
                       status=t(f"backup.status.{p.status.replace(' ', '_')}")))  # fmt: skip
    for pr in report.problems:
        runtime.echo("  " + _problem(pr))
    if report.status == OK:
        runtime.echo(t("backup.copied_ok", id=report.id, path=report.directory,
                       size=c.size(report.bytes), seconds=f"{report.seconds:.1f}"))  # fmt: skip
    else:
        runtime.echo(t("backup.copied_bad", id=report.id, to=report.to,
                       count=len(report.problems)))  # fmt: skip
    if not audited:
        runtime.note(t("backup.copy_not_audited"))
