"""``jzctl incident open``: an incident (category, grade) or a report-and-file record
(``--filing``); the matching emergency plan is started with it, its reporting deadline set."""

from __future__ import annotations

import typer

from console.cli import runtime
from console.cli.incident import _common as c
from console.i18n import t


def run(
    category: str = typer.Option(
        ..., "--category", metavar="NAME", help=t("cli.incident_opt_category")
    ),
    title: str = typer.Option(..., "--title", help=t("cli.incident_opt_title")),
    reporter: str = typer.Option(..., "--reporter", help=t("cli.incident_opt_reporter")),
    grade: str | None = typer.Option(
        None, "--grade", metavar="I|II|III|IV", help=t("cli.incident_opt_grade")
    ),
    filing: bool = typer.Option(False, "--filing", help=t("cli.incident_opt_filing")),
    systems: str = typer.Option("", "--systems", help=t("cli.incident_opt_systems")),
    units: str = typer.Option("", "--units", help=t("cli.incident_opt_units")),
    detected: str | None = typer.Option(
        None, "--detected", metavar="TIME", help=t("cli.incident_opt_detected")
    ),
    body: str = typer.Option("", "--note", help=t("cli.incident_opt_note")),
    no_plan: bool = typer.Option(False, "--no-plan", help=t("cli.incident_opt_no_plan")),
) -> None:
    from datetime import UTC, datetime

    from audit_log import incidents as inc
    from console.cli.account._common import date_option
    from ops import plans

    db = runtime.open_database()
    op = c.operator(db, write=True)
    kind = "filing" if filing else "incident"
    plan = None
    if not filing and not no_plan:
        with db.read() as s:
            plan = plans.for_category(s, category)
    cmd = inc.OpenIncident(
        kind=kind,
        category=category,
        title=title,
        reporter=reporter,
        grade=grade.strip().upper() if grade else None,
        systems=systems,
        units=units,
        detected_at=date_option(detected, "--detected"),
        body=body,
        plan_code=plan.code if plan else None,
        plan_version=plan.version if plan else None,
    )
    v = inc.open_incident(cmd, db.uow(), op.actor, authorize=op.authorize, rules=c.rules())
    now = datetime.now(UTC)
    steps = c.plan_steps(db, v)

    def human() -> None:
        runtime.echo(
            t(
                "incident.opened",
                id=v.id,
                kind=t(f"incident.kind.{v.kind}"),
                category=c.category(v.category),
            )
        )
        runtime.echo(t("incident.f_deadline") + ": " + c.deadline_text(v, now))
        if plan is not None:
            runtime.echo(
                t("incident.plan_started", title=plan.title, code=plan.code, version=plan.version)
            )
            for st in steps:
                runtime.echo(f"  {st['n']}. {st['title']} ({t('rbac.role.' + st['owner_role'])})")
            runtime.echo(t("incident.plan_hint", id=v.id))

    runtime.emit({**v.as_dict(now), "plan_steps": steps}, human)
