"""``jzctl audit anchor [--print]``."""

from __future__ import annotations

import json

import typer

from console.cli import runtime
from console.i18n import t


def run(
    show: bool = typer.Option(False, "--print", help=t("cli.opt_print")),
) -> None:
    from audit_log.actor import local_actor
    from audit_log.service import anchor_now

    db = runtime.open_database()
    line = anchor_now(db, local_actor())

    def human() -> None:
        runtime.echo(t("audit.anchor_done", seq=line["seq"], hash=line["hash"]))
        if show:
            runtime.echo(json.dumps(line, ensure_ascii=False))

    runtime.emit(line, human)
