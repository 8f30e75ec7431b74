"""Case supervision services (issue 8; DOMAIN.md art. 21-24): who may look at which cases,
supervision notices (督办) tracked to closure, reassignment of cases, and step limits.

Scope: an actor sees the cases of the domains where one of their grants carries the action
(``case.read`` to look, ``case.supervise`` to issue and close notices, ``case.reassign`` to
move cases): a region's subtree × a department or all of them. A county supervisor never
sees another county's cases. Narrowing by ``--region``/``--dept`` intersects that scope; a
region wholly outside it is refused and the refusal recorded.

Notices: a supervisor issues one per case (on a case or on a filtered set, sharing a batch)
to the unit responsible for the case's current step (its region cut to the step's level ×
its department). The unit answers in order — handled (交必办), result reached (办必果), result
reported (果必报) — before the notice's own limit (working days); the supervising office then
closes it. Every transition is ``UPDATE … WHERE id AND state AND version``: of two people
acting at once exactly one wins, the other gets Conflict.

Reassignment moves open cases between accounts of one unit and is refused for an account
outside the unit, not active, or without the role that handles the case's item there; bulk
reassignment by filter is planned by the same function for its preview and its execution.

Each write takes (command, uow, actor) and runs in one transaction with its audit event;
a permission refusal is recorded in a transaction of its own and raised as PermissionDenied.
Reads take the ``Database`` (a read-only transaction; a refusal is recorded separately).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Table, insert, select, update
from sqlalchemy.orm import Session

from accounts import validation
from accounts.changes import _refuse, _Refused, run_audited
from audit_log.actor import Actor
from audit_log.chain import record, record_refusal
from casedb import supervision_queries as q
from casedb.calendar import WorkCalendar
from casedb.engine import Database, UnitOfWork
from casedb.errors import Conflict, InvalidInput, NotFound
from casedb.limits import (
    DUE_SOON_WORKDAYS,
    NOTICE_REPLY_MAX_WORKDAYS,
    NOTICE_REPLY_WORKDAYS,
    Limits,
    set_limit,
)
from casedb.models import Account, Case, CaseEvent, Department
from casedb.reference import ITEMS
from casedb.supervision_models import SupervisionEvent, SupervisionNotice
from rbac.store import Grant, load_grants, subject_of
from rbac.templates import (
    CASE_HANDLE,
    CASE_READ,
    CASE_REASSIGN,
    CASE_SUPERVISE,
    SYSTEM_CONFIG,
    TEMPLATES,
)

_T = TypeVar("_T")

PROVINCE = "530000000000"
ACTION_READ = "case.read"
ACTION_NOTICE = "case.supervise"
ACTION_REPLY = "case.notice_reply"
ACTION_CLOSE = "case.notice_close"
ACTION_REASSIGN = "case.reassign"
ACTION_LIMIT = "case.limit"
# What the unit answers, in order; then the supervising office closes the notice.
REPLY_STAGES: tuple[str, ...] = ("handled", "resulted", "reported")
NEXT_STATE = {"issued": "handled", "handled": "resulted", "resulted": "reported"}
# A notice on a filtered set, or a bulk reassignment, touches at most this many cases.
MAX_BATCH = 2000
ITEM_DEPARTMENT = {it.code: it.department for it in ITEMS}


# --- refusals ------------------------------------------------------------------------------


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def _run(
    uow: UnitOfWork,
    actor: Actor,
    action: str,
    target_kind: str,
    target_id: str,
    body: Callable[[Session], _T],
) -> _T:
    return run_audited(uow, actor, action, target_kind, target_id, body)


def _read(
    db: Database, actor: Actor, action: str, target_id: str, body: Callable[[Session], _T]
) -> _T:
    """A read in a read-only transaction; a refusal is recorded in a writable one."""
    with db.read() as session:
        try:
            return body(session)
        except _Refused as refused:
            error = refused
    _record_refusal(db.uow(), actor, action, "case", target_id, error)
    raise error.error


def _record_refusal(
    uow: UnitOfWork, actor: Actor, action: str, kind: str, target_id: str, error: _Refused
) -> None:
    record_refusal(uow, actor, action, reason=error.error.key, target_kind=kind,
                   target_id=target_id[:64], details=error.details)  # fmt: skip


def active_account(session: Session, account_id: int | None, now: datetime) -> Account | None:
    """The account if it can act now (active, inside its validity window), else None."""
    if account_id is None:
        return None
    account = session.get(Account, account_id)
    if account is None or account.status != "active":
        return None
    if account.valid_from is not None and now < account.valid_from:
        return None
    if account.valid_until is not None and now >= account.valid_until:
        return None
    return account


def _grants_for(session: Session, actor: Actor, now: datetime) -> list[Grant]:
    if active_account(session, actor.account_id, now) is None:
        _refuse("err.case_actor_unusable")
    assert actor.account_id is not None
    return load_grants(session, subject_of(actor.account_id))


def holds(grants: Sequence[Grant], action: str, region: str, department: str) -> bool:
    """Whether one of the grants' roles may do ``action`` over the unit (role templates)."""
    return any(
        g.role in TEMPLATES and action in TEMPLATES[g.role].actions and g.covers(region, department)
        for g in grants
    )


def domains_of(grants: Sequence[Grant], action: str) -> list[q.Domain]:
    """Where the grants carry ``action``: region subtree × department (or all)."""
    return q.simplify(
        q.Domain(g.prefix, g.department)
        for g in grants
        if g.role in TEMPLATES and action in TEMPLATES[g.role].actions
    )


def _scope(
    session: Session,
    actor: Actor,
    action: str,
    now: datetime,
    region: str | None = None,
    department: str | None = None,
) -> list[q.Domain]:
    """The actor's domains for ``action``, narrowed to region and department; refused when
    nothing is left."""
    grants = _grants_for(session, actor, now)
    mine = domains_of(grants, action)
    if not mine:
        _refuse("err.case_not_authorised", action=action)
    narrowed = q.narrow(mine, region, department)
    if not narrowed:
        _refuse("err.case_outside_scope", region=region or "-", department=department or "*")
    return narrowed


def _check_department(department: str | None) -> None:
    if department is not None and department not in {*ITEM_DEPARTMENT.values(), "coord"}:
        raise InvalidInput("err.case_department_unknown", department=department[:16])


def _check_item(item: str | None) -> None:
    if item is not None and item not in ITEM_DEPARTMENT:
        raise InvalidInput("err.case_item_unknown", item=item[:32])


# --- reading -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseQuery:
    """A filter over open cases. ``region`` is 12 digits (``casedb.supervision_queries.
    region_arg``); ``due_within`` is the due-soon window in working days."""

    kind: q.Kind = "overdue"
    region: str | None = None
    department: str | None = None
    item: str | None = None
    assignee_id: int | None = None
    case_no_prefix: str | None = None
    due_within: int = DUE_SOON_WORKDAYS

    def case_filter(self) -> q.CaseFilter:
        return q.CaseFilter(self.kind, self.item, self.assignee_id, self.case_no_prefix)


def _check_query(query: CaseQuery) -> None:
    if query.kind not in q.KINDS:
        raise InvalidInput("err.case_kind_unknown", kind=str(query.kind)[:16])
    _check_department(query.department)
    _check_item(query.item)
    if not 0 <= query.due_within <= 30:
        raise InvalidInput("err.case_due_within", days=query.due_within)


def soon_until(query: CaseQuery, cal: WorkCalendar, now: datetime) -> datetime | None:
    if query.kind != "due_soon":
        return None
    return cal.add_workdays(now, query.due_within)


def list_cases(
    query: CaseQuery,
    db: Database,
    actor: Actor,
    *,
    after: str | None = None,
    limit: int = 50,
    now: datetime | None = None,
    cal: WorkCalendar | None = None,
) -> q.CasePage:
    """One page of overdue, due-soon or 10-day cases the actor may read."""
    at = _now(now)
    _check_query(query)

    def body(s: Session) -> q.CasePage:
        domains = _scope(s, actor, CASE_READ, at, query.region, query.department)
        calendar = cal or WorkCalendar.load(s)
        return q.list_cases(s, domains, query.case_filter(), now=at,
                            soon_until=soon_until(query, calendar, at), after=after,
                            limit=limit)  # fmt: skip

    return _read(db, actor, ACTION_READ, query.region or "", body)


@dataclass(frozen=True)
class CaseShown:
    detail: q.CaseDetail
    limit: dict[str, Any]
    overdue: bool
    ten_day: bool


def show_case(
    case_no: str, db: Database, actor: Actor, *, now: datetime | None = None
) -> CaseShown:
    """A case with its step history, its notices and the current step's limit."""
    at = _now(now)

    def body(s: Session) -> CaseShown:
        grants = _grants_for(s, actor, at)
        detail = q.case_detail(s, case_no)
        c = detail.case
        if not holds(grants, CASE_READ, c.region_code, c.department_code):
            _refuse("err.case_not_authorised", action=CASE_READ)
        limit = Limits.load(s).of(c.item_code, c.step).as_dict() if c.closed_at is None else {}
        overdue = c.closed_at is None and c.step_deadline is not None and c.step_deadline < at
        ten_day = c.closed_at is None and c.created_at <= q.ten_day_cutoff(at)
        return CaseShown(detail, limit, overdue, ten_day)

    return _read(db, actor, ACTION_READ, case_no, body)


@dataclass(frozen=True)
class StatsQuery:
    start: datetime
    end: datetime
    by: tuple[str, ...] = ("department",)
    region: str | None = None
    department: str | None = None


def region_len_below(domains: Sequence[q.Domain], region: str | None) -> int:
    """Regions are grouped one level below the narrowest region asked for (or reached)."""
    if region is not None:
        base = len(q.prefix_of(region))
    else:
        base = min((len(d.prefix) for d in domains), default=2)
    return {0: 2, 2: 4, 4: 6, 6: 9, 9: 12}.get(base, 12)


def case_stats(
    query: StatsQuery, db: Database, actor: Actor, *, now: datetime | None = None
) -> list[q.StatRow]:
    at = _now(now)
    _check_department(query.department)
    if query.end <= query.start:
        raise InvalidInput("err.case_period_invalid")

    def body(s: Session) -> list[q.StatRow]:
        domains = _scope(s, actor, CASE_READ, at, query.region, query.department)
        return q.case_stats(s, domains, start=query.start, end=query.end, by=query.by, now=at,
                            region_len=region_len_below(domains, query.region))  # fmt: skip

    return _read(db, actor, ACTION_READ, query.region or "", body)


def data_checks(
    db: Database,
    actor: Actor,
    *,
    region: str | None = None,
    department: str | None = None,
    only: Sequence[str] = q.CHECKS,
    show: int = 20,
    now: datetime | None = None,
) -> list[q.Finding]:
    at = _now(now)
    _check_department(department)

    def body(s: Session) -> list[q.Finding]:
        domains = _scope(s, actor, CASE_READ, at, region, department)
        return q.data_checks(s, domains, now=at, only=only, show=show)

    return _read(db, actor, ACTION_READ, region or "", body)


def list_notices(
    db: Database,
    actor: Actor,
    *,
    overdue_only: bool = False,
    open_only: bool = True,
    after_id: int | None = None,
    limit: int = 50,
    now: datetime | None = None,
) -> tuple[list[q.NoticeView], int | None]:
    """Notices to units the actor may read (their inbox, or those their office sent down)."""
    at = _now(now)

    def body(s: Session) -> tuple[list[q.NoticeView], int | None]:
        domains = _scope(s, actor, CASE_READ, at)
        return q.list_notices(s, domains, now=at, open_only=open_only,
                              overdue_only=overdue_only, after_id=after_id,
                              limit=limit)  # fmt: skip

    return _read(db, actor, ACTION_READ, "", body)


# --- supervision notices -------------------------------------------------------------------


@dataclass(frozen=True)
class IssueNotice:
    """A notice on named cases (``case_nos``) or on every case of a filter (``query``)."""

    reason: str
    case_nos: tuple[str, ...] = ()
    query: CaseQuery | None = None
    reply_workdays: int = NOTICE_REPLY_WORKDAYS


@dataclass(frozen=True)
class IssuePlan:
    cases: list[Case]
    skipped: list[str]  # case numbers that already have an open notice
    due_at: datetime


@dataclass(frozen=True)
class Issued:
    batch: str
    notices: list[q.NoticeView]
    skipped: list[str]
    due_at: datetime


def _notice_reason(raw: str) -> str:
    reason = validation.reason(raw, "reason")
    if not reason:
        raise InvalidInput("err.case_reason_required")
    return reason


def _plan_notices(
    s: Session, cmd: IssueNotice, actor: Actor, at: datetime, cal: WorkCalendar
) -> IssuePlan:
    if bool(cmd.case_nos) == (cmd.query is not None):
        raise InvalidInput("err.case_notice_target")
    if not 1 <= cmd.reply_workdays <= NOTICE_REPLY_MAX_WORKDAYS:
        raise InvalidInput("err.case_reply_days", days=cmd.reply_workdays,
                           max=NOTICE_REPLY_MAX_WORKDAYS)  # fmt: skip
    grants = _grants_for(s, actor, at)
    if cmd.query is not None:
        _check_query(cmd.query)
        domains = _scope(s, actor, CASE_SUPERVISE, at, cmd.query.region, cmd.query.department)
        ids = q.matching_case_ids(s, domains, cmd.query.case_filter(), now=at,
                                  soon_until=soon_until(cmd.query, cal, at),
                                  cap=MAX_BATCH)  # fmt: skip
        if len(ids) > MAX_BATCH:
            raise InvalidInput("err.case_batch_too_large", max=MAX_BATCH)
        by_id = {c.id: c for c in s.scalars(select(Case).where(Case.id.in_(ids)))}
        cases = [by_id[i] for i in ids]
    else:
        if len(cmd.case_nos) > MAX_BATCH:
            raise InvalidInput("err.case_batch_too_large", max=MAX_BATCH)
        cases = [q.find_case(s, no) for no in dict.fromkeys(cmd.case_nos)]
        for c in cases:
            if not holds(grants, CASE_SUPERVISE, c.region_code, c.department_code):
                _refuse("err.case_not_authorised", action=CASE_SUPERVISE, case=c.case_no)
            if c.closed_at is not None:
                raise Conflict("err.case_closed", case=c.case_no)
    busy = q.open_notice_counts(s, [c.id for c in cases])
    if cmd.case_nos and busy:
        first = next(c for c in cases if c.id in busy)
        raise Conflict("err.case_notice_open", case=first.case_no)
    skipped = [c.case_no for c in cases if c.id in busy]
    todo = [c for c in cases if c.id not in busy]
    return IssuePlan(todo, skipped, cal.add_workdays(at, cmd.reply_workdays))


def preview_notices(
    cmd: IssueNotice,
    db: Database,
    actor: Actor,
    *,
    now: datetime | None = None,
    cal: WorkCalendar | None = None,
) -> IssuePlan:
    """What ``issue_notices`` would do now, without doing it."""
    at = _now(now)

    def body(s: Session) -> IssuePlan:
        return _plan_notices(s, cmd, actor, at, cal or WorkCalendar.load(s))

    return _read(db, actor, ACTION_NOTICE, ",".join(cmd.case_nos), body)


def issue_notices(
    cmd: IssueNotice,
    uow: UnitOfWork,
    actor: Actor,
    *,
    now: datetime | None = None,
    cal: WorkCalendar | None = None,
) -> Issued:
    """Send a notice on each case to the unit responsible for its current step."""
    at = _now(now)
    reason = _notice_reason(cmd.reason)

    def body(s: Session) -> Issued:
        plan = _plan_notices(s, cmd, actor, at, cal or WorkCalendar.load(s))
        if not plan.cases:
            raise InvalidInput("err.case_notice_nothing", skipped=len(plan.skipped))
        assert actor.account_id is not None
        batch = at.strftime("%Y%m%d") + secrets.token_hex(6)
        notices = []
        for c in plan.cases:
            n = SupervisionNotice(
                case_id=c.id, batch=batch, unit_region=q.unit_of(c.region_code, c.step_level),
                unit_department=c.department_code, state="issued", reason=reason, step=c.step,
                step_level=c.step_level, issued_by=actor.account_id, issued_at=at,
                due_at=plan.due_at, updated_at=at, version=1,
            )  # fmt: skip
            s.add(n)
            notices.append((n, c))
        s.flush()
        s.execute(
            insert(SupervisionEvent),
            [
                {
                    "notice_id": n.id,
                    "at": at,
                    "action": "issued",
                    "actor_id": actor.account_id,
                    "note": reason,
                }
                for n, _ in notices
            ],
        )
        s.execute(
            insert(CaseEvent),
            [
                {
                    "case_id": c.id,
                    "at": at,
                    "action": "supervised",
                    "step": c.step,
                    "step_level": c.step_level,
                    "actor_id": actor.account_id,
                    "note": f"notice {n.id}",
                }
                for n, c in notices
            ],
        )
        units = {(n.unit_region, n.unit_department) for n, _ in notices}
        one = next(iter(units)) if len(units) == 1 else (None, None)
        record(
            s, actor, ACTION_NOTICE, target_kind="supervision_batch", target_id=batch,
            region=one[0], department=one[1], reason=reason,
            details={"notices": len(notices), "skipped": len(plan.skipped),
                     "due_at": plan.due_at.isoformat(),
                     "cases": [c.case_no for _, c in notices][:200]},
        )  # fmt: skip
        views = [q.notice_view(s, n, c.case_no, timeline=False) for n, c in notices]
        return Issued(batch, views, plan.skipped, plan.due_at)

    return _run(uow, actor, ACTION_NOTICE, "supervision_batch", ",".join(cmd.case_nos), body)


@dataclass(frozen=True)
class ReplyNotice:
    """The unit's answer: ``handled``, then ``resulted``, then ``reported`` (note required
    for the last two: what was done, what came of it)."""

    notice_id: int
    stage: str
    note: str = ""


@dataclass(frozen=True)
class CloseNotice:
    notice_id: int
    note: str = ""


_NOTICES: Table = SupervisionNotice.__table__  # type: ignore[assignment]


def _load_notice(s: Session, notice_id: int) -> tuple[SupervisionNotice, Case]:
    n = s.get(SupervisionNotice, notice_id, populate_existing=True)
    if n is None:
        raise NotFound("err.case_notice_not_found", notice=str(notice_id))
    c = s.get(Case, n.case_id)
    assert c is not None
    return n, c


def _move(s: Session, n: SupervisionNotice, new_state: str, at: datetime, **values: Any) -> None:
    result = s.execute(
        update(_NOTICES)
        .where(_NOTICES.c.id == n.id, _NOTICES.c.state == n.state, _NOTICES.c.version == n.version)
        .values(state=new_state, version=n.version + 1, updated_at=at, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("err.case_notice_changed", notice=str(n.id), state=n.state)
    s.refresh(n)


def _notice_event(
    s: Session, actor: Actor, action: str, n: SupervisionNotice, before: str, note: str
) -> None:
    s.add(SupervisionEvent(notice_id=n.id, at=n.updated_at, action=action,
                           actor_id=actor.account_id, note=note))  # fmt: skip
    record(
        s, actor, ACTION_REPLY if action in REPLY_STAGES else ACTION_CLOSE,
        target_kind="supervision_notice", target_id=str(n.id), region=n.unit_region,
        department=n.unit_department, reason=note,
        before={"state": before}, after={"state": n.state, "version": n.version},
    )  # fmt: skip


def reply_notice(
    cmd: ReplyNotice, uow: UnitOfWork, actor: Actor, *, now: datetime | None = None
) -> q.NoticeView:
    """The responsible unit moves the notice on by one stage (交必办、办必果、果必报)."""
    at = _now(now)
    if cmd.stage not in REPLY_STAGES:
        raise InvalidInput("err.case_reply_stage", stage=cmd.stage[:16],
                           stages=", ".join(REPLY_STAGES))  # fmt: skip
    note = validation.reason(cmd.note, "note")
    if cmd.stage != "handled" and not note:
        raise InvalidInput("err.case_reply_note_required", stage=cmd.stage)

    def body(s: Session) -> q.NoticeView:
        n, c = _load_notice(s, cmd.notice_id)
        grants = _grants_for(s, actor, at)
        if not (
            holds(grants, CASE_HANDLE, n.unit_region, n.unit_department)
            or holds(grants, CASE_REASSIGN, n.unit_region, n.unit_department)
        ):
            _refuse("err.case_not_unit", notice=n.id, unit=f"{n.unit_region}|{n.unit_department}")
        if NEXT_STATE.get(n.state) != cmd.stage:
            raise Conflict("err.case_reply_order", notice=str(n.id), state=n.state,
                           stage=cmd.stage)  # fmt: skip
        before = n.state
        _move(s, n, cmd.stage, at)
        _notice_event(s, actor, cmd.stage, n, before, note)
        return q.notice_view(s, n, c.case_no)

    return _run(uow, actor, ACTION_REPLY, "supervision_notice", str(cmd.notice_id), body)


def close_notice(
    cmd: CloseNotice, uow: UnitOfWork, actor: Actor, *, now: datetime | None = None
) -> q.NoticeView:
    """The supervising office closes a notice whose result was reported."""
    at = _now(now)
    note = validation.reason(cmd.note, "note")

    def body(s: Session) -> q.NoticeView:
        n, c = _load_notice(s, cmd.notice_id)
        grants = _grants_for(s, actor, at)
        if not holds(grants, CASE_SUPERVISE, c.region_code, c.department_code):
            _refuse("err.case_not_authorised", action=CASE_SUPERVISE, case=c.case_no)
        if n.state != "reported":
            raise Conflict("err.case_close_order", notice=str(n.id), state=n.state)
        _move(s, n, "closed", at, closed_at=at, closed_by=actor.account_id)
        _notice_event(s, actor, "closed", n, "reported", note)
        return q.notice_view(s, n, c.case_no)

    return _run(uow, actor, ACTION_CLOSE, "supervision_notice", str(cmd.notice_id), body)


# --- reassignment --------------------------------------------------------------------------


@dataclass(frozen=True)
class Move:
    case_id: int
    case_no: str
    from_id: int | None
    to_id: int

    def as_dict(self) -> dict[str, Any]:
        return {"case_id": self.case_id, "case_no": self.case_no, "from": self.from_id,
                "to": self.to_id}  # fmt: skip


@dataclass(frozen=True)
class Reassign:
    """Named cases to one account (``to``), or, with ``from_id``, every open case of that
    account matching the filter to ``to`` (one account or several in turn)."""

    to: tuple[int, ...]
    reason: str
    case_nos: tuple[str, ...] = ()
    from_id: int | None = None
    item: str | None = None
    region: str | None = None
    overdue_only: bool = False


@dataclass(frozen=True)
class ReassignPlan:
    moves: list[Move] = field(default_factory=list)


def handler_problem(
    session: Session,
    candidate: Account | None,
    case_region: str,
    case_department: str,
    previous: Account | None,
    now: datetime,
) -> str | None:
    """Why ``candidate`` cannot take a case (a catalogue key), or None: not active, outside
    the previous handler's unit (or, for an unassigned case, not a unit on the case's path
    with its department), or without a role that handles the case's item there."""
    if candidate is None or active_account(session, candidate.id, now) is None:
        return "err.case_reassign_inactive"
    if previous is not None:
        if (candidate.region_code, candidate.department_code) != (
            previous.region_code,
            previous.department_code,
        ):
            return "err.case_reassign_other_unit"
    elif candidate.department_code != case_department or not case_region.startswith(
        q.prefix_of(candidate.region_code)
    ):
        return "err.case_reassign_other_unit"
    grants = load_grants(session, subject_of(candidate.id))
    if not holds(grants, CASE_HANDLE, case_region, case_department):
        return "err.case_reassign_no_role"
    return None


def _plan_reassign(s: Session, cmd: Reassign, actor: Actor, at: datetime) -> ReassignPlan:
    if not cmd.to:
        raise InvalidInput("err.case_reassign_to_required")
    if bool(cmd.case_nos) == (cmd.from_id is not None):
        raise InvalidInput("err.case_reassign_target")
    _check_item(cmd.item)
    grants = _grants_for(s, actor, at)
    if cmd.from_id is not None:
        if s.get(Account, cmd.from_id) is None:
            raise NotFound("err.account_not_found", account=str(cmd.from_id))
        domains = q.narrow(domains_of(grants, CASE_REASSIGN), cmd.region, None)
        if not domains:
            _refuse("err.case_not_authorised", action=CASE_REASSIGN)
        sel = select(Case).where(Case.assignee_id == cmd.from_id, q.OPEN, q.case_scope(domains))
        if cmd.item is not None:
            sel = sel.where(Case.item_code == cmd.item)
        if cmd.overdue_only:
            sel = sel.where(Case.step_deadline < at)
        cases = list(s.scalars(sel.order_by(Case.id).limit(MAX_BATCH + 1)))
        if len(cases) > MAX_BATCH:
            raise InvalidInput("err.case_batch_too_large", max=MAX_BATCH)
    else:
        if len(cmd.to) != 1:
            raise InvalidInput("err.case_reassign_one_to")
        cases = [q.find_case(s, no) for no in dict.fromkeys(cmd.case_nos)]
        for c in cases:
            if not holds(grants, CASE_REASSIGN, c.region_code, c.department_code):
                _refuse("err.case_not_authorised", action=CASE_REASSIGN, case=c.case_no)
            if c.closed_at is not None:
                raise Conflict("err.case_closed", case=c.case_no)
    people: dict[int, Account | None] = {}

    def person(account_id: int) -> Account | None:
        if account_id not in people:
            people[account_id] = s.get(Account, account_id)
        return people[account_id]

    moves: list[Move] = []
    for i, c in enumerate(cases):
        to = cmd.to[i % len(cmd.to)]
        if to == c.assignee_id:
            raise InvalidInput("err.case_reassign_same", case=c.case_no)
        previous = person(c.assignee_id) if c.assignee_id is not None else None
        problem = handler_problem(s, person(to), c.region_code, c.department_code, previous, at)
        if problem is not None:
            who = person(to)
            raise InvalidInput(problem, case=c.case_no,
                               account=who.login_name if who else str(to))  # fmt: skip
        moves.append(Move(c.id, c.case_no, c.assignee_id, to))
    return ReassignPlan(moves)


def preview_reassign(
    cmd: Reassign, db: Database, actor: Actor, *, now: datetime | None = None
) -> ReassignPlan:
    """The moves ``reassign`` would make now (the same planning, nothing written)."""
    at = _now(now)
    return _read(db, actor, ACTION_REASSIGN, str(cmd.from_id or ",".join(cmd.case_nos)),
                 lambda s: _plan_reassign(s, cmd, actor, at))  # fmt: skip


_CASES: Table = Case.__table__  # type: ignore[assignment]


def reassign(
    cmd: Reassign,
    uow: UnitOfWork,
    actor: Actor,
    *,
    now: datetime | None = None,
    expect: int | None = None,
) -> ReassignPlan:
    """Move the cases, with a case event each and one audit event. ``expect``: the number
    of cases the preview showed; another number means the cases changed (Conflict)."""
    at = _now(now)
    reason = validation.reason(cmd.reason, "reason")
    if not reason:
        raise InvalidInput("err.case_reason_required")

    def body(s: Session) -> ReassignPlan:
        plan = _plan_reassign(s, cmd, actor, at)
        if not plan.moves:
            raise InvalidInput("err.case_reassign_nothing")
        if expect is not None and expect != len(plan.moves):
            raise Conflict("err.case_plan_changed", expected=expect, found=len(plan.moves))
        for m in plan.moves:
            done = s.execute(
                update(_CASES)
                .where(
                    _CASES.c.id == m.case_id,
                    _CASES.c.closed_at.is_(None),
                    _CASES.c.assignee_id.is_(None)
                    if m.from_id is None
                    else _CASES.c.assignee_id == m.from_id,
                )
                .values(assignee_id=m.to_id)
            )
            if done.rowcount != 1:  # type: ignore[attr-defined]
                raise Conflict("err.case_changed", case=m.case_no)
        steps = {
            r.id: (r.step, r.step_level)
            for r in s.execute(select(Case.id, Case.step, Case.step_level)
                               .where(Case.id.in_([m.case_id for m in plan.moves])))
        }  # fmt: skip
        s.execute(
            insert(CaseEvent),
            [{"case_id": m.case_id, "at": at, "action": "reassigned",
              "step": steps[m.case_id][0], "step_level": steps[m.case_id][1],
              "actor_id": actor.account_id,
              "note": f"{m.from_id or '-'} -> {m.to_id}: {reason}"[:200]}
             for m in plan.moves],
        )  # fmt: skip
        first = s.get(Case, plan.moves[0].case_id)
        assert first is not None
        record(
            s, actor, ACTION_REASSIGN, target_kind="case",
            target_id=plan.moves[0].case_no if len(plan.moves) == 1 else f"{len(plan.moves)}",
            region=first.region_code if len(plan.moves) == 1 else None,
            department=first.department_code, reason=reason,
            details={"cases": len(plan.moves), "from": cmd.from_id, "to": list(cmd.to),
                     "moves": [m.as_dict() for m in plan.moves[:200]]},
        )  # fmt: skip
        return plan

    target = str(cmd.from_id or ",".join(cmd.case_nos))
    return _run(uow, actor, ACTION_REASSIGN, "case", target, body)


# --- step limits ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SetLimit:
    item: str
    step: str
    amount: int
    unit: str


def set_step_limit(
    cmd: SetLimit, uow: UnitOfWork, actor: Actor, *, now: datetime | None = None
) -> dict[str, Any]:
    """Set one item's step limit (provincial data: province-level supervision of the item's
    department, or system configuration)."""
    at = _now(now)

    def body(s: Session) -> dict[str, Any]:
        grants = _grants_for(s, actor, at)
        dept = ITEM_DEPARTMENT.get(cmd.item)
        if dept is None:
            raise InvalidInput("err.case_item_unknown", item=cmd.item[:32])
        if s.get(Department, dept) is None:
            raise NotFound("err.department_not_found", code=dept)
        if not (
            holds(grants, CASE_SUPERVISE, PROVINCE, dept)
            or holds(grants, SYSTEM_CONFIG, PROVINCE, dept)
        ):
            _refuse("err.case_not_authorised", action=ACTION_LIMIT)
        before, after = set_limit(s, cmd.item, cmd.step, cmd.amount, cmd.unit, by=actor.login,
                                  at=at)  # fmt: skip
        record(s, actor, ACTION_LIMIT, target_kind="case_step_limit",
               target_id=f"{cmd.item}/{cmd.step}", department=dept, before=before,
               after=after)  # fmt: skip
        return {"item": cmd.item, "step": cmd.step, "before": before, "after": after}

    return _run(uow, actor, ACTION_LIMIT, "case_step_limit", f"{cmd.item}/{cmd.step}", body)
