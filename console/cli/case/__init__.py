"""``jzctl case``: case supervision (issue 8) — overdue, show, reassign, supervise, stats,
check, and the step limits they count with."""

from __future__ import annotations

import typer

from console.cli import runtime
from console.cli.case import check, limits, overdue, reassign, show, stats, supervise
from console.i18n import t

app = typer.Typer(no_args_is_help=True, add_completion=False)
app.command("overdue", help=t("cli.case_overdue_help"))(runtime.guarded(overdue.run))
app.command("show", help=t("cli.case_show_help"))(runtime.guarded(show.run))
app.command("reassign", help=t("cli.case_reassign_help"))(runtime.guarded(reassign.run))
app.add_typer(supervise.app, name="supervise", help=t("cli.case_supervise_help"))
app.command("stats", help=t("cli.case_stats_help"))(runtime.guarded(stats.run))
app.command("check", help=t("cli.case_check_help"))(runtime.guarded(check.run))
app.command("limits", help=t("cli.case_limits_help"))(runtime.guarded(limits.run))
