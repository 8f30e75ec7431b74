"""``jzctl account import FILE.csv|FILE.xlsx --codes FILE [--dry-run] [--skip-bad]``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from console.cli import runtime
from console.cli.account import _common as c
from console.i18n import t


def run(
    file: Path = typer.Argument(
        ..., metavar="FILE.csv|FILE.xlsx", help=t("cli.arg_account_import_file")
    ),
    codes: Path | None = typer.Option(None, "--codes", metavar="FILE", help=t("cli.opt_codes")),
    dry_run: bool = typer.Option(False, "--dry-run", help=t("cli.opt_dry_run")),
    skip_bad: bool = typer.Option(False, "--skip-bad", help=t("cli.opt_skip_bad")),
) -> None:
    import csv
    from contextlib import nullcontext

    from accounts.account_import import IssuedCode, run_import
    from audit_log.export import csv_safe
    from casedb.errors import InvalidInput, UsageProblem

    if codes is None and not dry_run:
        raise UsageProblem("err.import_codes_required")
    db = runtime.open_database()
    op = runtime.operator(db)

    def decide(action: str, region: str, department: str) -> bool:
        return op.decide(action, region, department).allowed

    sink = c.secret_file(codes) if codes is not None and not dry_run else nullcontext()
    with sink as fh, runtime.progress(t("account.import_progress", file=file.name)) as advance:

        def write_codes(issued: list[IssuedCode]) -> None:
            assert fh is not None
            out = csv.writer(fh)
            out.writerow(["login_name", "full_name", "activation_code", "expires_at"])
            for i in issued:
                out.writerow(
                    [csv_safe(i.login_name), csv_safe(i.full_name), i.code,
                     i.expires_at.isoformat()]
                )  # fmt: skip

        try:
            result = run_import(
                db, op.actor, file, decide=decide, skip_bad=skip_bad, dry_run=dry_run,
                write_codes=write_codes, progress=advance,
            )  # fmt: skip
        except InvalidInput as exc:
            if exc.details and not runtime.settings.json:
                # On the screen each bad row says its column too.
                exc.details = [_cell_detail(d) for d in exc.details]
            raise
    bad = [
        {"line": b.line, "column": b.column, "reason": b.reason,
         "message": t(b.reason, **b.params)}
        for b in result.bad
    ]  # fmt: skip
    data = {
        "file": str(file),
        "rows": result.rows,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "skipped": bad,
        "dry_run": dry_run,
        "codes_file": str(codes) if codes is not None and not dry_run else None,
        "plan": [
            {"line": p.line, "login_name": p.login_name, "action": p.action,
             "changes": p.changes if p.action == "update" else []}
            for p in result.plans
        ],
    }  # fmt: skip

    def human() -> None:
        for b in bad:
            runtime.note(
                t("account.bad_cell_skipped", line=b["line"], column=b["column"],
                  reason=b["message"])
            )  # fmt: skip
        if dry_run:
            for p in result.plans:
                what = t(f"account.plan_{p.action}", login=p.login_name,
                         changes=", ".join(p.changes))  # fmt: skip
                runtime.echo(t("account.plan_line", line=p.line, what=what))
        key = "account.import_dry_run" if dry_run else "account.import_done"
        runtime.echo(
            t(key, rows=result.rows, created=result.created, updated=result.updated,
              unchanged=result.unchanged, skipped=len(result.bad_lines))
        )  # fmt: skip
        if not dry_run and result.created:
            runtime.echo(t("account.code_written", path=str(codes)))

    runtime.emit(data, human)


def _cell_detail(d: dict[str, Any]) -> dict[str, Any]:
    params = {k: v for k, v in d.items() if k not in ("line", "column", "reason")}
    what = t(d["reason"], **params)
    return {"line": d["line"], "reason": "account.bad_cell", "column": d["column"], "what": what}
