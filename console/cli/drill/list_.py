"""``jzctl drill list [--months N]``: each plan, when it was last drilled, flagged when never
or more than N months ago (12); then the drills, newest first."""

from __future__ import annotations

import typer

from console.cli import runtime
from console.i18n import t


def run(
    months: int = typer.Option(12, "--months", metavar="N", help=t("cli.drill_opt_months")),
    limit: int = typer.Option(20, "--limit", min=1, max=500, help=t("cli.drill_opt_limit")),
) -> None:
    from console.cli.account._common import show_time
    from ops import drills

    db = runtime.open_database()
    op = runtime.operator(db)
    drills.authorise_read(db, op.actor, op.authorize)
    with db.read() as s:
        status = drills.plan_status(s, months=months)
        recent = drills.list_drills(s, limit)
    overdue = [p.code for p in status if p.overdue]
    data = {
        "months": months,
        "plans": [p.as_dict() for p in status],
        "overdue": overdue,
        "drills": [{k: v for k, v in d.as_dict().items() if k != "steps"} for d in recent],
    }

    def human() -> None:
        head = tuple(t(f"drill.col_{k}") for k in ("plan", "drill", "last", "state", "flag"))
        body = [
            (
                p.code,
                t(f"drill.kind.{p.drill}") if p.drill else "-",
                show_time(p.last_drilled),
                t(f"drill.state.{p.last_state}") if p.last_state else "-",
                t("drill.overdue_flag", months=months) if p.overdue else "",
            )
            for p in status
        ]
        runtime.echo(runtime.table([head, *body], align_right=()))
        if recent:
            runtime.echo("")
            head2 = tuple(t(f"drill.col_{k}") for k in ("id", "drill", "plan", "state", "when"))
            rows = [
                (
                    str(d.id),
                    t(f"drill.kind.{d.kind}"),
                    d.plan_code,
                    t(f"drill.state.{d.state}"),
                    show_time(d.finished_at or d.scheduled_for),
                )
                for d in recent
            ]
            runtime.echo(runtime.table([head2, *rows], align_right=(0,)))
        if overdue:
            runtime.note(t("drill.overdue_warning", count=len(overdue), months=months))

    runtime.emit(data, human)
