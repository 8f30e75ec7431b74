"""``jzctl audit export --format jsonl|csv|syslog [--to FILE]``."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from console.cli import runtime
from console.cli.audit import _filters as f
from console.cli.audit._reader import audit_reader
from console.i18n import t


def run(
    fmt: str = typer.Option(
        "jsonl", "--format", metavar="jsonl|csv|syslog", help=t("cli.opt_format")
    ),
    to: Path | None = typer.Option(None, "--to", metavar="FILE", help=t("cli.opt_to")),
    since: str | None = f.SINCE,
    until: str | None = f.UNTIL,
    actor: str | None = f.ACTOR,
    action: str | None = f.ACTION,
    region: str | None = f.REGION,
    outcome: str | None = f.OUTCOME,
    target: str | None = f.TARGET,
) -> None:
    from audit_log.service import export_events

    q = f.build_query(since, until, actor, action, region, outcome, target)
    db = runtime.open_database()
    reader, may_read = audit_reader(db)
    if to is None:
        count, result = export_events(db, reader, q, fmt, sys.stdout, may_read=may_read)
    else:
        tmp = to.with_name(to.name + ".part")
        try:
            with tmp.open("w", encoding="utf-8", newline="") as out:
                count, result = export_events(db, reader, q, fmt, out, may_read=may_read)
            tmp.replace(to)
        finally:
            tmp.unlink(missing_ok=True)
    verdict = (
        t("audit.export_clean")
        if result.clean
        else t("audit.export_damaged", seq=result.first_bad_seq)
    )
    message = t("audit.export_done", count=count, verdict=verdict)
    if to is None:
        runtime.note(message)  # stdout carries the export itself
    else:
        runtime.emit(
            {"file": str(to), "events": count, "format": fmt, "verification": result.as_dict()},
            lambda: runtime.echo(message),
        )
