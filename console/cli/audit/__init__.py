"""``jzctl audit``: the tamper-evident audit trail."""

from __future__ import annotations

import typer

from console.cli import runtime
from console.cli.audit import anchor, archive, export, search, verify
from console.i18n import t

app = typer.Typer(no_args_is_help=True, add_completion=False)
app.command("search", help=t("cli.audit_search_help"))(runtime.guarded(search.run))
app.command("verify", help=t("cli.audit_verify_help"))(runtime.guarded(verify.run))
app.command("anchor", help=t("cli.audit_anchor_help"))(runtime.guarded(anchor.run))
app.command("export", help=t("cli.audit_export_help"))(runtime.guarded(export.run))
app.command("archive", help=t("cli.audit_archive_help"))(runtime.guarded(archive.run))
