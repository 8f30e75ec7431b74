"""What the ``jzctl incident`` verbs share: the signed-in admin's authority, the reporting
rules (``[incidents]`` in the config file), and rendering."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import typer

from console.cli import runtime
from console.i18n import t

if TYPE_CHECKING:
    from accounts.authz import Operator
    from audit_log.incidents import IncidentView, ReportingRules
    from casedb.engine import Database

INCIDENT_ID = typer.Argument(..., metavar="ID", help=t("cli.incident_arg_id"))


def operator(db: Database, *, write: bool) -> Operator:
    """The signed-in admin; for reads, refused (and recorded) unless one of the three
    separated roles."""
    from audit_log import incidents as inc

    op = runtime.operator(db)
    if not write:
        inc.authorise(db.uow(), op.actor, inc.ACTION_READ, op.authorize, inc.READ_ACTIONS)
    return op


def rules() -> ReportingRules:
    """Reporting deadlines: the defaults, or ``[incidents]`` in the config file."""
    import tomllib

    from audit_log.incidents import DEFAULT_RULES, ReportingRules
    from casedb.config import config_file
    from casedb.errors import InvalidInput

    path = config_file()
    if not path.is_file():
        return DEFAULT_RULES
    try:
        doc = tomllib.loads(path.read_text("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInput("err.config_unreadable", path=str(path), reason=str(exc)) from exc
    section = doc.get("incidents")
    return ReportingRules.from_config(section) if isinstance(section, dict) else DEFAULT_RULES


def when(at: datetime | None) -> str:
    from console.cli.account._common import show_time

    return show_time(at)


def category(name: str) -> str:
    return t(f"incident.category.{name}")


def deadline_text(v: IncidentView, now: datetime) -> str:
    state = v.deadline(now)
    if state == "none":
        return t("incident.deadline.none")
    if state == "due":
        assert v.report_due_at is not None
        left = int((v.report_due_at - now).total_seconds() // 60)
        return t(
            "incident.deadline.due", at=when(v.report_due_at), hours=left // 60, minutes=left % 60
        )
    if state == "overdue":
        assert v.report_due_at is not None
        late = int((now - v.report_due_at).total_seconds() // 60)
        return t(
            "incident.deadline.overdue",
            at=when(v.report_due_at),
            hours=late // 60,
            minutes=late % 60,
        )
    return t(f"incident.deadline.{state}", at=when(v.reported_at))


def plan_steps(db: Database, v: IncidentView) -> list[dict[str, Any]]:
    """The incident's plan steps (the version it was opened under), each done or not."""
    from ops import plans

    if v.plan_code is None or v.plan_version is None:
        return []
    with db.read() as s:
        plan = plans.version_of(s, v.plan_code, v.plan_version)
    done = v.steps_done()
    return [
        {"n": i, "title": st.title, "owner_role": st.owner_role, "done": i in done}
        for i, st in enumerate(plan.steps, 1)
    ]


def note_line(n: Any) -> str:
    ref = ""
    if n.kind == "step":
        ref = t("incident.ref_step", n=n.ref_id)
    elif n.kind == "link":
        ref = f"[{n.ref_kind}:{n.ref_id}]"
    elif n.kind == "status":
        ref = "→ " + t(f"incident.status.{n.ref_id}")
    elif n.kind == "correction":
        ref = t("incident.ref_corrects", seq=n.corrects_seq)
    elif n.kind == "reported":
        ref = t(f"incident.deadline_word.{n.ref_id}")
    parts = [f"#{n.seq}", when(n.at), n.author, t(f"incident.note_kind.{n.kind}")]
    if ref:
        parts.append(ref)
    if n.body:
        parts.append(n.body)
    return "  ".join(parts)
