"""``jzctl audit archive --before DATE --to FILE``."""

from __future__ import annotations

from pathlib import Path

import typer

from console.cli import runtime
from console.cli.audit._reader import audit_reader
from console.i18n import t


def run(
    before: str = typer.Option(..., "--before", metavar="DATE", help=t("cli.opt_archive_before")),
    to: Path = typer.Option(..., "--to", metavar="FILE", help=t("cli.opt_archive_to")),
    keep_days: int | None = typer.Option(
        None, "--keep-days", metavar="DAYS", help=t("cli.opt_keep_days")
    ),
) -> None:
    from audit_log.service import archive_events
    from casedb.clock import parse_local

    cutoff = parse_local(before)
    db = runtime.open_database()
    actor, may_read = audit_reader(db)
    res = archive_events(db, actor, cutoff, to, may_read=may_read, keep_days=keep_days)
    runtime.emit(
        res.__dict__,
        lambda: runtime.echo(
            t(
                "audit.archive_done",
                events=res.events,
                first=res.first_seq,
                last=res.last_seq,
                file=res.file,
                sm3=res.file_sm3,
            )
        ),
    )
