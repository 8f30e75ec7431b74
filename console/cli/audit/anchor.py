"""``jzctl audit anchor [--print]``."""

from __future__ import annotations

import json

import typer

from console.cli import runtime
from console.cli.audit._reader import audit_reader
from console.i18n import t


def run(
    show: bool = typer.Option(False, "--print", help=t("cli.opt_print")),
) -> None:
    from audit_log.service import anchor_now

    db = runtime.open_database()
    actor, may_read = audit_reader(db)
    line = anchor_now(db, actor, may_anchor=may_read)

    def human() -> None:
        runtime.echo(t("audit.anchor_done", seq=line["seq"], hash=line["hash"]))
        if show:
            runtime.echo(json.dumps(line, ensure_ascii=False))

    runtime.emit(line, human)
