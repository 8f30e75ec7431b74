"""``jzctl key``: move the data key between consoles, and rotate it."""

from __future__ import annotations

import typer

from console.cli import runtime
from console.cli.key import export, import_, rotate
from console.i18n import t

app = typer.Typer(no_args_is_help=True, add_completion=False)
app.command("export", help=t("cli.key_export_help"))(runtime.guarded(export.run))
app.command("import", help=t("cli.key_import_help"))(runtime.guarded(import_.run))
app.command("rotate", help=t("cli.key_rotate_help"))(runtime.guarded(rotate.run))
