"""``jzctl plan``: emergency plans (DOMAIN.md art. 18) — list, show, edit (a new version from
a file; no version is ever rewritten)."""

from __future__ import annotations

import typer

from console.cli import runtime
from console.cli.plan import edit, list_, show
from console.i18n import t

app = typer.Typer(no_args_is_help=True, add_completion=False)
app.command("list", help=t("cli.plan_list_help"))(runtime.guarded(list_.run))
app.command("show", help=t("cli.plan_show_help"))(runtime.guarded(show.run))
app.command("edit", help=t("cli.plan_edit_help"))(runtime.guarded(edit.run))
