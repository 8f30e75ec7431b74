"""The incident register (DOMAIN.md art. 13 and 18): incidents and report-and-file records,
each with an append-only timeline, a status that only moves forward, and a reporting
deadline to the provincial office set by grade.

Who may do what (the three separated provincial roles of MLPS level 3):
- open an incident, add to its timeline, move its status, record that it was reported:
  the **security admin** (``policy.edit``: security incidents are theirs) or the **system
  admin** (``system.config``: failures, upgrades and interface changes are theirs);
- read the register (list, show, report): those two and the **audit admin** (``audit.read``),
  who oversees without writing.
Each is asked of the caller's ``authorize`` (the console builds it from the signed-in admin's
grants, as for backups) at the province over all departments. audit_log sits below rbac,
so the action names are plain strings here; ``rbac.templates`` defines them.

Nothing in the timeline is ever edited or deleted: this module offers no way to, and the
database refuses UPDATE, DELETE and TRUNCATE on ``incident_notes`` (migration 0011). A
correction is a new note naming the one it corrects.

Each service call takes (command, uow, actor) and runs in one transaction holding the change
and its audit event; a refusal is recorded on its own and raised as PermissionDenied.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from audit_log.actor import Actor
from audit_log.chain import record, record_refusal
from audit_log.incident_models import (
    FILING_CATEGORIES,
    GRADES,
    INCIDENT_CATEGORIES,
    KINDS,
    LINK_KINDS,
    STATUSES,
    Incident,
    IncidentNote,
)
from casedb.engine import UnitOfWork
from casedb.errors import Conflict, InvalidInput, NotFound, PermissionDenied

Authorize = Callable[[Actor, str, str, str], None]
_T = TypeVar("_T")

PROVINCE = "530000000000"
ALL = "*"
# rbac.templates: SYSTEM_CONFIG (system admin), POLICY_EDIT (security admin), AUDIT_READ.
WRITE_ACTIONS = ("policy.edit", "system.config")
READ_ACTIONS = (*WRITE_ACTIONS, "audit.read")
TARGET_KIND = "incident"
ACTION_OPEN = "incident.open"
ACTION_NOTE = "incident.note"
ACTION_STATUS = "incident.status"
ACTION_REPORTED = "incident.reported"
ACTION_READ = "incident.read"
MAX_TEXT = 4000


# --- reporting deadlines --------------------------------------------------------------------


@dataclass(frozen=True)
class ReportingRules:
    """Hours from detection to the report to the provincial office, by grade (None: no
    deadline). Defaults: grades I-III within 4 hours; ``critical_infrastructure`` tightens
    every deadline to 1 hour. Configurable (``from_config``)."""

    hours: dict[str, float | None] = field(
        default_factory=lambda: {"I": 4.0, "II": 4.0, "III": 4.0, "IV": None}
    )
    critical_infrastructure: bool = False
    critical_hours: float = 1.0

    def due(self, grade: str | None, detected_at: datetime) -> datetime | None:
        if grade is None:
            return None
        hours = self.hours.get(grade)
        if hours is None:
            return None
        if self.critical_infrastructure:
            hours = min(hours, self.critical_hours)
        return detected_at + timedelta(hours=hours)

    @classmethod
    def from_config(cls, doc: dict[str, Any]) -> ReportingRules:
        """From an ``[incidents]`` table: ``report_hours = {I = 4, ...}``,
        ``critical_infrastructure = true``, ``critical_hours = 1``."""
        base = cls()
        hours = dict(base.hours)
        raw = doc.get("report_hours", {})
        if not isinstance(raw, dict):
            raise InvalidInput("err.incident_config", field="report_hours")
        for grade, value in raw.items():
            if grade not in GRADES or not (value is None or isinstance(value, int | float)):
                raise InvalidInput("err.incident_config", field=f"report_hours.{grade}")
            if value is not None and value <= 0:
                raise InvalidInput("err.incident_config", field=f"report_hours.{grade}")
            hours[grade] = None if value is None else float(value)
        critical = doc.get("critical_infrastructure", False)
        critical_hours = doc.get("critical_hours", base.critical_hours)
        if not isinstance(critical, bool) or not isinstance(critical_hours, int | float):
            raise InvalidInput("err.incident_config", field="critical_infrastructure")
        return cls(hours, critical, float(critical_hours))


DEFAULT_RULES = ReportingRules()

# Deadline states: no deadline, still due, missed and not yet reported, reported in time,
# reported after the deadline.
NONE, DUE, OVERDUE, REPORTED, LATE = "none", "due", "overdue", "reported", "late"


def deadline_state(inc: Incident | IncidentView, now: datetime) -> str:
    if inc.report_due_at is None:
        return REPORTED if inc.reported_at is not None else NONE
    if inc.reported_at is not None:
        return REPORTED if inc.reported_at <= inc.report_due_at else LATE
    return OVERDUE if now > inc.report_due_at else DUE


# --- commands and views ---------------------------------------------------------------------


@dataclass(frozen=True)
class OpenIncident:
    kind: str  # incident | filing
    category: str
    title: str
    reporter: str
    grade: str | None = None
    systems: str = ""
    units: str = ""
    detected_at: datetime | None = None
    body: str = ""
    # The matching emergency plan (ops.plans offers it; the caller passes what was taken).
    plan_code: str | None = None
    plan_version: int | None = None


@dataclass(frozen=True)
class AddNote:
    """A note; a plan step done (``step``); a link (``link`` = ``audit:SEQ``,
    ``backup:ID`` or ``drill:ID``); or a correction of an earlier note (``corrects``)."""

    incident_id: int
    body: str
    step: int | None = None
    link: str | None = None
    corrects: int | None = None


@dataclass(frozen=True)
class SetStatus:
    incident_id: int
    status: str
    body: str = ""


@dataclass(frozen=True)
class MarkReported:
    """The report went to the provincial office (by whatever channel the body names)."""

    incident_id: int
    body: str = ""


@dataclass(frozen=True)
class NoteView:
    seq: int
    at: datetime
    author: str
    kind: str
    body: str
    ref_kind: str
    ref_id: str
    corrects_seq: int | None


@dataclass(frozen=True)
class IncidentView:
    id: int
    kind: str
    category: str
    grade: str | None
    title: str
    systems: str
    units: str
    reporter: str
    detected_at: datetime
    opened_at: datetime
    status: str
    status_at: datetime
    report_due_at: datetime | None
    reported_at: datetime | None
    plan_code: str | None
    plan_version: int | None
    version: int
    notes: tuple[NoteView, ...] = ()

    def deadline(self, now: datetime) -> str:
        return deadline_state(self, now)

    def steps_done(self) -> set[int]:
        return {int(n.ref_id) for n in self.notes if n.kind == "step" and n.ref_id.isdigit()}

    def as_dict(self, now: datetime) -> dict[str, Any]:
        left = None
        if self.report_due_at is not None and self.reported_at is None:
            left = int((self.report_due_at - now).total_seconds())
        return {
            "id": self.id,
            "kind": self.kind,
            "category": self.category,
            "grade": self.grade,
            "title": self.title,
            "systems": self.systems,
            "units": self.units,
            "reporter": self.reporter,
            "detected_at": self.detected_at.isoformat(),
            "opened_at": self.opened_at.isoformat(),
            "status": self.status,
            "status_at": self.status_at.isoformat(),
            "report_due_at": self.report_due_at.isoformat() if self.report_due_at else None,
            "reported_at": self.reported_at.isoformat() if self.reported_at else None,
            "deadline": self.deadline(now),
            "seconds_left": left,
            "plan": {"code": self.plan_code, "version": self.plan_version}
            if self.plan_code
            else None,
            "steps_done": sorted(self.steps_done()),
            "notes": [
                {
                    "seq": n.seq,
                    "at": n.at.isoformat(),
                    "author": n.author,
                    "kind": n.kind,
                    "body": n.body,
                    "ref": f"{n.ref_kind}:{n.ref_id}" if n.ref_kind else None,
                    "corrects": n.corrects_seq,
                }
                for n in self.notes
            ],
        }


def _note_view(n: IncidentNote) -> NoteView:
    return NoteView(n.seq, n.at, n.author, n.kind, n.body, n.ref_kind, n.ref_id, n.corrects_seq)


def view(s: Session, inc: Incident, *, notes: bool = True) -> IncidentView:
    rows: Sequence[IncidentNote] = ()
    if notes:
        rows = s.scalars(
            select(IncidentNote)
            .where(IncidentNote.incident_id == inc.id)
            .order_by(IncidentNote.seq)
        ).all()
    return IncidentView(
        inc.id, inc.kind, inc.category, inc.grade, inc.title, inc.systems, inc.units,
        inc.reporter, inc.detected_at, inc.opened_at, inc.status, inc.status_at,
        inc.report_due_at, inc.reported_at, inc.plan_code, inc.plan_version, inc.version,
        tuple(_note_view(n) for n in rows),
    )  # fmt: skip


def _state(inc: Incident) -> dict[str, Any]:
    return {
        "status": inc.status,
        "reported_at": inc.reported_at,
        "report_due_at": inc.report_due_at,
        "version": inc.version,
    }


# --- authority ------------------------------------------------------------------------------


def allowed(actor: Actor, authorize: Authorize, actions: Sequence[str]) -> str | None:
    """The first of ``actions`` the actor may do at the province (all departments), or None."""
    for action in actions:
        try:
            authorize(actor, action, PROVINCE, ALL)
        except PermissionDenied:
            continue
        return action
    return None


def authorise(
    uow: UnitOfWork,
    actor: Actor,
    action: str,
    authorize: Authorize,
    actions: Sequence[str],
    *,
    target_kind: str = TARGET_KIND,
    target_id: str = "-",
) -> str:
    """The action that lets the actor in; otherwise the refusal is recorded and raised."""
    found = allowed(actor, authorize, actions)
    if found is not None:
        return found
    record_refusal(uow, actor, action, reason="err.incident_not_permitted",
                   target_kind=target_kind, target_id=target_id,
                   details={"needs": list(actions)})  # fmt: skip
    raise PermissionDenied("err.incident_not_permitted", login=actor.login or "-",
                           needs=" / ".join(actions))  # fmt: skip


def _run(
    uow: UnitOfWork,
    actor: Actor,
    action: str,
    target_id: str,
    authorize: Authorize,
    body: Callable[[Session], _T],
) -> _T:
    authorise(uow, actor, action, authorize, WRITE_ACTIONS, target_id=target_id)
    with uow:
        result = body(uow.session)
        uow.commit()
    return result


# --- validation -----------------------------------------------------------------------------


def _text(raw: str, name: str, limit: int, *, required: bool = False) -> str:
    value = (raw or "").strip()
    if required and not value:
        raise InvalidInput("err.incident_text_required", field=name)
    if len(value) > limit:
        raise InvalidInput("err.incident_text_long", field=name, limit=limit)
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in value):
        raise InvalidInput("err.incident_text_control", field=name)
    return value


def _check_open(cmd: OpenIncident) -> None:
    if cmd.kind not in KINDS:
        raise InvalidInput("err.incident_kind", kind=cmd.kind, kinds=", ".join(KINDS))
    allowed_categories = INCIDENT_CATEGORIES if cmd.kind == "incident" else FILING_CATEGORIES
    if cmd.category not in allowed_categories:
        raise InvalidInput("err.incident_category", category=cmd.category,
                           categories=", ".join(allowed_categories))  # fmt: skip
    if cmd.grade is not None and cmd.grade not in GRADES:
        raise InvalidInput("err.incident_grade", grade=cmd.grade, grades=", ".join(GRADES))
    if cmd.kind == "incident" and cmd.grade is None:
        raise InvalidInput("err.incident_grade_required")
    if cmd.detected_at is not None and cmd.detected_at.tzinfo is None:
        raise InvalidInput("err.incident_time", field="detected_at")


def _load(s: Session, incident_id: int, *, lock: bool = False) -> Incident:
    inc = s.get(Incident, incident_id, with_for_update=lock, populate_existing=True)
    if inc is None:
        raise NotFound("err.incident_not_found", id=str(incident_id))
    return inc


def _append(
    s: Session,
    inc: Incident,
    actor: Actor,
    kind: str,
    body: str,
    at: datetime,
    *,
    ref_kind: str = "",
    ref_id: str = "",
    corrects: int | None = None,
) -> IncidentNote:
    last = s.scalar(select(func.max(IncidentNote.seq)).where(IncidentNote.incident_id == inc.id))
    note = IncidentNote(
        incident_id=inc.id,
        seq=(last or 0) + 1,
        at=at,
        author_id=actor.account_id,
        author=actor.login[:64],
        kind=kind,
        body=body,
        ref_kind=ref_kind,
        ref_id=ref_id,
        corrects_seq=corrects,
    )
    s.add(note)
    inc.version += 1
    s.flush()
    return note


def _audit(
    s: Session,
    actor: Actor,
    action: str,
    inc: Incident,
    before: dict[str, Any] | None,
    details: dict[str, Any],
    at: datetime,
) -> None:
    record(s, actor, action, target_kind=TARGET_KIND, target_id=str(inc.id), before=before,
           after=_state(inc), details=details, at=at)  # fmt: skip


# --- services -------------------------------------------------------------------------------


def open_incident(
    cmd: OpenIncident,
    uow: UnitOfWork,
    actor: Actor,
    *,
    authorize: Authorize,
    now: datetime | None = None,
    rules: ReportingRules = DEFAULT_RULES,
) -> IncidentView:
    at = now or datetime.now(UTC)
    _check_open(cmd)
    title = _text(cmd.title, "title", 200, required=True)
    reporter = _text(cmd.reporter, "reporter", 64, required=True)
    systems = _text(cmd.systems, "systems", 400)
    units = _text(cmd.units, "units", 400)
    body = _text(cmd.body, "body", MAX_TEXT)
    detected = cmd.detected_at or at
    if detected > at + timedelta(minutes=5):
        raise InvalidInput("err.incident_future", field="detected_at")

    def work(s: Session) -> IncidentView:
        inc = Incident(
            kind=cmd.kind, category=cmd.category, grade=cmd.grade, title=title,
            systems=systems, units=units, reporter=reporter, opened_by=actor.account_id,
            detected_at=detected, opened_at=at, status="open", status_at=at,
            report_due_at=rules.due(cmd.grade, detected), reported_at=None,
            plan_code=cmd.plan_code, plan_version=cmd.plan_version, version=0,
        )  # fmt: skip
        s.add(inc)
        s.flush()
        _append(s, inc, actor, "opened", body or title, at)
        _audit(s, actor, ACTION_OPEN, inc, None,
               {"kind": inc.kind, "category": inc.category, "grade": inc.grade,
                "title": title, "plan": cmd.plan_code}, at)  # fmt: skip
        return view(s, inc)

    return _run(uow, actor, ACTION_OPEN, "-", authorize, work)


def _parse_link(raw: str) -> tuple[str, str]:
    kind, _, ref = raw.partition(":")
    kind, ref = kind.strip().lower(), ref.strip()
    if kind not in LINK_KINDS or not ref or len(ref) > 64:
        raise InvalidInput("err.incident_link", link=raw, kinds=", ".join(LINK_KINDS))
    if kind in ("audit", "drill") and not ref.isdigit():
        raise InvalidInput("err.incident_link", link=raw, kinds=", ".join(LINK_KINDS))
    return kind, ref


def add_note(
    cmd: AddNote,
    uow: UnitOfWork,
    actor: Actor,
    *,
    authorize: Authorize,
    now: datetime | None = None,
    plan_steps: int | None = None,
) -> NoteView:
    """Append to the timeline. ``plan_steps`` (how many steps the incident's plan has, as
    ops.plans knows it) bounds ``step``."""
    at = now or datetime.now(UTC)
    chosen = [x is not None for x in (cmd.step, cmd.link, cmd.corrects)]
    if sum(chosen) > 1:
        raise InvalidInput("err.incident_note_one_kind")
    body = _text(cmd.body, "body", MAX_TEXT, required=cmd.link is None and cmd.step is None)
    ref_kind, ref_id, kind = "", "", "note"
    if cmd.link is not None:
        ref_kind, ref_id = _parse_link(cmd.link)
        kind = "link"
    if cmd.step is not None:
        if cmd.step < 1 or (plan_steps is not None and cmd.step > plan_steps):
            raise InvalidInput("err.incident_step", step=cmd.step, steps=plan_steps or 0)
        ref_kind, ref_id, kind = "step", str(cmd.step), "step"

    def work(s: Session) -> NoteView:
        inc = _load(s, cmd.incident_id, lock=True)
        if kind == "step" and inc.plan_code is None:
            raise Conflict("err.incident_no_plan", id=str(inc.id))
        if cmd.corrects is not None:
            exists = s.scalar(
                select(func.count()).where(
                    IncidentNote.incident_id == inc.id, IncidentNote.seq == cmd.corrects
                )
            )
            if not exists:
                raise NotFound("err.incident_note_not_found", id=str(inc.id),
                               seq=str(cmd.corrects))  # fmt: skip
        before = _state(inc)
        note = _append(s, inc, actor, "correction" if cmd.corrects else kind, body, at,
                       ref_kind=ref_kind, ref_id=ref_id, corrects=cmd.corrects)  # fmt: skip
        _audit(s, actor, ACTION_NOTE, inc, before,
               {"seq": note.seq, "kind": note.kind, "ref": f"{ref_kind}:{ref_id}" if ref_kind
                else None, "corrects": cmd.corrects, "text": body[:200]}, at)  # fmt: skip
        return _note_view(note)

    return _run(uow, actor, ACTION_NOTE, str(cmd.incident_id), authorize, work)


def set_status(
    cmd: SetStatus,
    uow: UnitOfWork,
    actor: Actor,
    *,
    authorize: Authorize,
    now: datetime | None = None,
) -> IncidentView:
    """Forward only: open → contained → resolved → reviewed (a step may be skipped)."""
    at = now or datetime.now(UTC)
    if cmd.status not in STATUSES:
        raise InvalidInput("err.incident_status", status=cmd.status,
                           statuses=", ".join(STATUSES))  # fmt: skip
    body = _text(cmd.body, "body", MAX_TEXT)

    def work(s: Session) -> IncidentView:
        inc = _load(s, cmd.incident_id, lock=True)
        if STATUSES.index(cmd.status) <= STATUSES.index(inc.status):
            raise Conflict("err.incident_status_backwards", id=str(inc.id), status=inc.status,
                           wanted=cmd.status)  # fmt: skip
        before = _state(inc)
        old = inc.status
        inc.status = cmd.status
        inc.status_at = at
        _append(s, inc, actor, "status", body, at, ref_kind="status", ref_id=cmd.status)
        _audit(s, actor, ACTION_STATUS, inc, before, {"from": old, "to": cmd.status}, at)
        return view(s, inc)

    return _run(uow, actor, ACTION_STATUS, str(cmd.incident_id), authorize, work)


def mark_reported(
    cmd: MarkReported,
    uow: UnitOfWork,
    actor: Actor,
    *,
    authorize: Authorize,
    now: datetime | None = None,
) -> IncidentView:
    """Record that the report went to the provincial office (once)."""
    at = now or datetime.now(UTC)
    body = _text(cmd.body, "body", MAX_TEXT)

    def work(s: Session) -> IncidentView:
        inc = _load(s, cmd.incident_id, lock=True)
        if inc.reported_at is not None:
            raise Conflict("err.incident_already_reported", id=str(inc.id))
        before = _state(inc)
        inc.reported_at = at
        state = deadline_state(inc, at)
        _append(s, inc, actor, "reported", body, at, ref_kind="deadline", ref_id=state)
        _audit(s, actor, ACTION_REPORTED, inc, before, {"deadline": state}, at)
        return view(s, inc)

    return _run(uow, actor, ACTION_REPORTED, str(cmd.incident_id), authorize, work)


# --- reading --------------------------------------------------------------------------------


def get(s: Session, incident_id: int) -> IncidentView:
    return view(s, _load(s, incident_id))


@dataclass(frozen=True)
class IncidentQuery:
    status: str | None = None
    open_only: bool = False
    overdue_only: bool = False
    limit: int = 200


def list_incidents(s: Session, q: IncidentQuery, now: datetime | None = None) -> list[IncidentView]:
    at = now or datetime.now(UTC)
    stmt = select(Incident).order_by(Incident.opened_at.desc(), Incident.id.desc())
    if q.status is not None:
        if q.status not in STATUSES:
            raise InvalidInput("err.incident_status", status=q.status,
                               statuses=", ".join(STATUSES))  # fmt: skip
        stmt = stmt.where(Incident.status == q.status)
    if q.open_only:
        stmt = stmt.where(Incident.status.in_(("open", "contained")))
    if q.overdue_only:
        stmt = stmt.where(Incident.reported_at.is_(None), Incident.report_due_at < at)
    rows = s.scalars(stmt.limit(q.limit)).all()
    return [view(s, inc, notes=False) for inc in rows]


def overdue(s: Session, now: datetime | None = None) -> list[IncidentView]:
    """Incidents whose report to the provincial office is past due and not made."""
    return list_incidents(s, IncidentQuery(overdue_only=True), now)
