"""``jzctl drill``: emergency drills that really run, in a sandbox (ops.drills) — plan, run,
list."""

from __future__ import annotations

import typer

from console.cli import runtime
from console.cli.drill import list_, plan, run
from console.i18n import t

app = typer.Typer(no_args_is_help=True, add_completion=False)
app.command("plan", help=t("cli.drill_plan_help"))(runtime.guarded(plan.run))
app.command("run", help=t("cli.drill_run_help"))(runtime.guarded(run.run))
app.command("list", help=t("cli.drill_list_help"))(runtime.guarded(list_.run))
