"""``jzctl review``: the annual account review (账号年度复核) — start a campaign, see its
completion per unit, list the items to decide, confirm or revoke them, escalate, close."""

from __future__ import annotations

import typer

from console.cli import runtime
from console.cli.review import close, decide, escalate, list_, start, status
from console.i18n import t

app = typer.Typer(no_args_is_help=True, add_completion=False)
app.command("start", help=t("cli.review_start_help"))(runtime.guarded(start.run))
app.command("status", help=t("cli.review_status_help"))(runtime.guarded(status.run))
app.command("list", help=t("cli.review_list_help"))(runtime.guarded(list_.run))
app.command("decide", help=t("cli.review_decide_help"))(runtime.guarded(decide.run))
app.command("escalate", help=t("cli.review_escalate_help"))(runtime.guarded(escalate.run))
app.command("close", help=t("cli.review_close_help"))(runtime.guarded(close.run))
