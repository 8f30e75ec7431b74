"""``jzctl account``: real-name accounts, their lifecycle and bulk import / export."""

from __future__ import annotations

import typer

from console.cli import runtime
from console.cli.account import (
    archive,
    create,
    disable,
    export,
    import_,
    list_,
    lock,
    mfa,
    reset,
    restore,
    show,
    status,
    suspend,
    sweep,
    unlock,
    update,
)
from console.i18n import t

app = typer.Typer(no_args_is_help=True, add_completion=False)
app.command("create", help=t("cli.account_create_help"))(runtime.guarded(create.run))
app.command("import", help=t("cli.account_import_help"))(runtime.guarded(import_.run))
app.command("export", help=t("cli.account_export_help"))(runtime.guarded(export.run))
app.command("list", help=t("cli.account_list_help"))(runtime.guarded(list_.run))
app.command("show", help=t("cli.account_show_help"))(runtime.guarded(show.run))
app.command("update", help=t("cli.account_update_help"))(runtime.guarded(update.run))
app.command("status", help=t("cli.account_status_help"))(runtime.guarded(status.run))
app.command("lock", help=t("cli.account_lock_help"))(runtime.guarded(lock.run))
app.command("unlock", help=t("cli.account_unlock_help"))(runtime.guarded(unlock.run))
app.command("suspend", help=t("cli.account_suspend_help"))(runtime.guarded(suspend.run))
app.command("disable", help=t("cli.account_disable_help"))(runtime.guarded(disable.run))
app.command("archive", help=t("cli.account_archive_help"))(runtime.guarded(archive.run))
app.command("restore", help=t("cli.account_restore_help"))(runtime.guarded(restore.run))
app.command("reset", help=t("cli.account_reset_help"))(runtime.guarded(reset.run))
app.command("mfa", help=t("cli.account_mfa_help"))(runtime.guarded(mfa.run))
app.command("sweep", help=t("cli.account_sweep_help"))(runtime.guarded(sweep.run))
