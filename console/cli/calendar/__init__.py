"""``jzctl calendar``: the working-day calendar (holidays and make-up working days)."""

from __future__ import annotations

import typer

from console.cli import runtime
from console.cli.calendar import import_, list_, set_
from console.i18n import t

app = typer.Typer(no_args_is_help=True, add_completion=False)
app.command("set", help=t("cli.calendar_set_help"))(runtime.guarded(set_.run))
app.command("list", help=t("cli.calendar_list_help"))(runtime.guarded(list_.run))
app.command("import", help=t("cli.calendar_import_help"))(runtime.guarded(import_.run))
