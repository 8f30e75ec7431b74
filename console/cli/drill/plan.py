"""``jzctl drill plan KIND [--at TIME] [--plan CODE] [--participant NAME ...]``: schedule a
drill (``drill run --id N`` runs it)."""

from __future__ import annotations

import typer

from console.cli import runtime
from console.i18n import t


def run(
    kind: str = typer.Argument(
        ..., metavar="restore|compromised_admin|audit_tamper", help=t("cli.drill_arg_kind")
    ),
    at: str | None = typer.Option(None, "--at", metavar="TIME", help=t("cli.drill_opt_at")),
    plan_code: str | None = typer.Option(
        None, "--plan", metavar="CODE", help=t("cli.drill_opt_plan")
    ),
    participants: list[str] = typer.Option(
        [], "--participant", metavar="NAME", help=t("cli.drill_opt_participant")
    ),
) -> None:
    from console.cli.account._common import date_option, show_time
    from ops import drills

    db = runtime.open_database()
    op = runtime.operator(db)
    cmd = drills.PlanDrill(
        kind.strip().lower(), date_option(at, "--at"), plan_code, tuple(participants)
    )
    v = drills.plan_drill(cmd, db, op.actor, authorize=op.authorize)
    runtime.emit(
        v.as_dict(),
        lambda: runtime.echo(
            t(
                "drill.planned",
                id=v.id,
                kind=t(f"drill.kind.{v.kind}"),
                at=show_time(v.scheduled_for),
            )
        ),
    )
