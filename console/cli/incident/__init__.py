"""``jzctl incident``: the incident register (DOMAIN.md art. 13 and 18) — open, note,
status, show, list, report. The timeline is append-only: there is no verb to edit or delete a
note, only ``note --corrects SEQ`` to add a correction."""

from __future__ import annotations

import typer

from console.cli import runtime
from console.cli.incident import list_, note, open_, report, show, status
from console.i18n import t

app = typer.Typer(no_args_is_help=True, add_completion=False)
app.command("open", help=t("cli.incident_open_help"))(runtime.guarded(open_.run))
app.command("note", help=t("cli.incident_note_help"))(runtime.guarded(note.run))
app.command("status", help=t("cli.incident_status_help"))(runtime.guarded(status.run))
app.command("show", help=t("cli.incident_show_help"))(runtime.guarded(show.run))
app.command("list", help=t("cli.incident_list_help"))(runtime.guarded(list_.run))
app.command("report", help=t("cli.incident_report_help"))(runtime.guarded(report.run))
