"""``jzctl plan show CODE [--version N] [--history] [--source]``: a plan's steps, owners and
contacts; its versions; or its TOML text (what ``plan edit`` takes)."""

from __future__ import annotations

import typer

from console.cli import runtime
from console.cli.plan import _common as c
from console.i18n import t


def run(
    code: str = c.PLAN_CODE,
    version: int | None = typer.Option(
        None, "--version", metavar="N", help=t("cli.plan_opt_version")
    ),
    history: bool = typer.Option(False, "--history", help=t("cli.plan_opt_history")),
    source: bool = typer.Option(False, "--source", help=t("cli.plan_opt_source")),
) -> None:
    from console.cli.account._common import show_time
    from ops import plans

    db = runtime.open_database()
    c.reader(db)
    with db.read() as s:
        plan = plans.version_of(s, code, version) if version else plans.current(s, code)
        versions = plans.history(s, code) if history else []
    data = {**plan.as_dict(), "source": plan.source}
    if history:
        data["history"] = [
            {
                "version": p.version,
                "origin": p.origin,
                "created_at": p.created_at,
                "reason": p.reason,
                "digest": p.digest,
            }
            for p in versions
        ]

    def human() -> None:
        if source:
            runtime.echo(plan.source.rstrip("\n"))
            return
        runtime.echo(
            t(
                "plan.header",
                title=plan.title,
                code=plan.code,
                version=plan.version,
                origin=t(f"plan.origin.{plan.origin}"),
            )
        )
        runtime.echo(t("plan.category", category=t(f"incident.category.{plan.category}")))
        runtime.echo(t("plan.owner", role=t(f"rbac.role.{plan.owner_role}")))
        runtime.echo(t("plan.drill", drill=c.drill_name(plan.drill)))
        runtime.echo(t("plan.contacts", contacts="; ".join(plan.contacts) or "-"))
        for i, st in enumerate(plan.steps, 1):
            runtime.echo(f"  {i}. {st.title} ({t('rbac.role.' + st.owner_role)})")
        for p in versions:
            runtime.echo(
                t(
                    "plan.version_line",
                    version=p.version,
                    origin=t(f"plan.origin.{p.origin}"),
                    at=show_time(p.created_at),
                    reason=p.reason or "-",
                )
            )

    runtime.emit(data, human)
