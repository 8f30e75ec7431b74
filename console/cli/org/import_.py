"""``jzctl org import FILE``: add or rename divisions (villages, mostly) from CSV or XLSX."""

from __future__ import annotations

from pathlib import Path

import typer

from console.cli import runtime
from console.i18n import t


def run(
    file: Path = typer.Argument(..., metavar="FILE.csv|FILE.xlsx", help=t("cli.arg_import_file")),
    skip_bad: bool = typer.Option(False, "--skip-bad", help=t("cli.opt_skip_bad")),
    dry_run: bool = typer.Option(False, "--dry-run", help=t("cli.opt_dry_run")),
) -> None:
    from accounts.org import run_import
    from audit_log.actor import local_actor

    db = runtime.open_database()
    result = run_import(db, local_actor(), file, skip_bad=skip_bad, dry_run=dry_run)
    bad = [
        {"line": b.line, "code": b.code, "reason": b.reason, "message": t(b.reason, **b.params)}
        for b in result.bad
    ]
    data = {
        "file": str(file),
        "rows": result.rows,
        "added": result.added,
        "renamed": result.renamed,
        "unchanged": result.unchanged,
        "skipped": bad,
        "dry_run": dry_run,
    }

    def human() -> None:
        for b in bad:
            runtime.note(t("cli.bad_row_skipped", line=b["line"], reason=b["message"]))
        key = "org.import_dry_run" if dry_run else "org.import_done"
        runtime.echo(
            t(
                key,
                rows=result.rows,
                added=result.added,
                renamed=result.renamed,
                unchanged=result.unchanged,
                skipped=len(bad),
            )
        )

    runtime.emit(data, human)
