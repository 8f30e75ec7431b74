"""``jzctl policy``: the role → action policy; reading it takes a signed-in admin."""

from __future__ import annotations

import typer

from console.cli import runtime
from console.cli.policy import apply, check, export, lint, plan, show
from console.i18n import t

app = typer.Typer(no_args_is_help=True, add_completion=False)
app.command("show", help=t("cli.policy_show_help"))(runtime.guarded(show.run))
app.command("check", help=t("cli.policy_check_help"))(runtime.guarded(check.run_check))
app.command("explain", help=t("cli.policy_explain_help"))(runtime.guarded(check.run_explain))
app.command("lint", help=t("cli.policy_lint_help"))(runtime.guarded(lint.run))
app.command("export", help=t("cli.policy_export_help"))(runtime.guarded(export.run))
app.command("plan", help=t("cli.policy_plan_help"))(runtime.guarded(plan.run))
app.command("apply", help=t("cli.policy_apply_help"))(runtime.guarded(apply.run))
