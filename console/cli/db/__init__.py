"""``jzctl db``: schema revisions."""

from __future__ import annotations

import typer

from console.cli import runtime
from console.cli.db import current, upgrade
from console.i18n import t

app = typer.Typer(no_args_is_help=True, add_completion=False)
app.command("upgrade", help=t("cli.db_upgrade_help"))(runtime.guarded(upgrade.run))
app.command("current", help=t("cli.db_current_help"))(runtime.guarded(current.run))
