"""``jzctl incident show ID``: the incident, its reporting deadline (counting down, or
flagged when missed), its plan's steps done and to do, and the whole timeline."""

from __future__ import annotations

from datetime import UTC, datetime

from console.cli import runtime
from console.cli.incident import _common as c
from console.i18n import t


def run(incident_id: int = c.INCIDENT_ID) -> None:
    from audit_log import incidents as inc
    from console.cli.account._common import echo_pairs

    db = runtime.open_database()
    c.operator(db, write=False)
    with db.read() as s:
        v = inc.get(s, incident_id)
    now = datetime.now(UTC)
    steps = c.plan_steps(db, v)

    def human() -> None:
        echo_pairs(
            [
                (t("incident.f_id"), str(v.id)),
                (t("incident.f_kind"), t(f"incident.kind.{v.kind}")),
                (t("incident.f_category"), c.category(v.category)),
                (t("incident.f_grade"), t(f"incident.grade.{v.grade}") if v.grade else "-"),
                (t("incident.f_title"), v.title),
                (t("incident.f_status"), t(f"incident.status.{v.status}")),
                (t("incident.f_systems"), v.systems or "-"),
                (t("incident.f_units"), v.units or "-"),
                (t("incident.f_reporter"), v.reporter),
                (t("incident.f_detected"), c.when(v.detected_at)),
                (t("incident.f_deadline"), c.deadline_text(v, now)),
            ]
        )
        if steps:
            runtime.echo(t("incident.plan_steps", code=v.plan_code, version=v.plan_version))
            for st in steps:
                mark = "[x]" if st["done"] else "[ ]"
                runtime.echo(f"  {mark} {st['n']}. {st['title']}")
        runtime.echo(t("incident.timeline"))
        for n in v.notes:
            runtime.echo("  " + c.note_line(n))

    runtime.emit({**v.as_dict(now), "plan_steps": steps}, human)
