"""``jzctl change``: personnel change requests (issue 5) — request, show, review, execute,
reject, withdraw."""

from __future__ import annotations

import typer

from console.cli import runtime
from console.cli.change import act, deputy, list_, request, show, sweep
from console.i18n import t

app = typer.Typer(no_args_is_help=True, add_completion=False)
app.command("request", help=t("cli.change_request_help"))(runtime.guarded(request.run))
app.command("submit", help=t("cli.change_submit_help"))(runtime.guarded(request.run_submit))
app.command("show", help=t("cli.change_show_help"))(runtime.guarded(show.run))
app.command("review", help=t("cli.change_review_help"))(runtime.guarded(act.run_review))
app.command("execute", help=t("cli.change_execute_help"))(runtime.guarded(act.run_execute))
app.command("reject", help=t("cli.change_reject_help"))(runtime.guarded(act.run_reject))
app.command("withdraw", help=t("cli.change_withdraw_help"))(runtime.guarded(act.run_withdraw))
app.command("list", help=t("cli.change_list_help"))(runtime.guarded(list_.run))
app.command("deputy", help=t("cli.change_deputy_help"))(runtime.guarded(deputy.run))
app.command("sweep", help=t("cli.change_sweep_help"))(runtime.guarded(sweep.run))
