"""``jzctl role``: grants of roles in domains (region subtree × department)."""

from __future__ import annotations

import typer

from console.cli import runtime
from console.cli.role import grant, list_
from console.i18n import t

app = typer.Typer(no_args_is_help=True, add_completion=False)
app.command("list", help=t("cli.role_list_help"))(runtime.guarded(list_.run))
app.command("grant", help=t("cli.role_grant_help"))(runtime.guarded(grant.run_grant))
app.command("revoke", help=t("cli.role_revoke_help"))(runtime.guarded(grant.run_revoke))
