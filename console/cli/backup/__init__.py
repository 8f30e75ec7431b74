"""``jzctl backup``: backups by class and grade, with verified restore (issue 6)."""

from __future__ import annotations

import typer

from console.cli import runtime
from console.cli.backup import copy, create, list_, prune, restore, status, verify
from console.i18n import t

app = typer.Typer(no_args_is_help=True, add_completion=False)
app.command("create", help=t("cli.backup_create_help"))(runtime.guarded(create.run))
app.command("list", help=t("cli.backup_list_help"))(runtime.guarded(list_.run))
app.command("status", help=t("cli.backup_status_help"))(runtime.guarded(status.run))
app.command("verify", help=t("cli.backup_verify_help"))(runtime.guarded(verify.run))
app.command("restore", help=t("cli.backup_restore_help"))(runtime.guarded(restore.run))
app.command("copy", help=t("cli.backup_copy_help"))(runtime.guarded(copy.run))
app.command("prune", help=t("cli.backup_prune_help"))(runtime.guarded(prune.run))
