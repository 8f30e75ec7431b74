"""Personnel change requests (issue 5): submit → review → execute, or reject / withdraw.

Who reviews and who executes is resolved from the *target* unit by the chain table
(accounts.change_chain); authority is decided at action time from the actor's grants: the
actor must hold the step's role in a domain covering the resolved unit, or be today's deputy
of someone who does (the audit event then names whom they acted for). Nobody reviews,
rejects or executes a request they submitted or that concerns themselves (invariant 3).
Pending reviews are never assigned to a person: a leaver's pending work is re-routed simply
because the next actor is resolved by role (and deputy) when they act, and offboarding ends
the deputy appointments that name the leaver.

Each service call takes (command, uow, actor) and runs in one transaction that holds the
change and its audit event (with before/after). A refusal is recorded in a transaction of its
own and raised as PermissionDenied. Every transition is ``UPDATE … WHERE id = :id AND
state = :expected AND version = :v``: of two people acting at once exactly one wins, the other
gets Conflict("err.change_state_changed").

Execution is one transaction: the account change, its grants (policy version bumped), its
sessions, the hand-over of open cases and the audit events commit together or not at all.
Tests may set ``_fail_after`` to a step name to force a failure midway.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, NoReturn, TypeVar

from sqlalchemy import Table, insert, select, update
from sqlalchemy.orm import Session

from accounts import validation
from accounts.change_chain import Escalation, Route, escalation, resolve
from accounts.change_models import CHANGE_KINDS, ChangeHandover, ChangeRequest, Deputy
from accounts.models import SigninSession
from audit_log.actor import Actor
from audit_log.chain import record, record_refusal
from casedb.engine import UnitOfWork
from casedb.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from casedb.models import Account, Case, CaseEvent, Department, Region
from rbac.grants import check_grant, template_problem
from rbac.store import Grant, add_grant, bump_version, load_grants, remove_grant, subject_of
from rbac.templates import ACCOUNT_STATUS, ACCOUNT_UPDATE, CASE_HANDLE, TEMPLATES

DeadlineFor = Callable[[datetime, int], datetime]
_T = TypeVar("_T")

STEP_DAYS = 3
# A step this many working days past its deadline expires the request (suspensions excepted:
# the account stays suspended until someone reviews it).
EXPIRE_AFTER_DAYS = 10
# Reminders go out this many working days before a deadline.
REMIND_BEFORE_DAYS = 1
TARGET_KIND = "change_request"
ACTION_SUBMIT = "change.submit"
ACTION_REVIEW = "change.review"
ACTION_REJECT = "change.reject"
ACTION_WITHDRAW = "change.withdraw"
ACTION_EXECUTE = "change.execute"
ACTION_SUSPEND = "change.suspend"
ACTION_DEPUTY = "change.deputy"
ACTION_STATUS = "account.status"
ACTION_UPDATE = "account.update"
ACTION_HANDOVER = "case.handover"
ACTION_REMIND = "change.remind"
ACTION_ESCALATE = "change.escalate"
ACTION_EXPIRE = "change.expire"

OPEN_STATES = ("submitted", "reviewed")
SESSION_END_REASON = "offboarded"

# Test-only failure injection: the name of an execution step after which to fail.
_fail_after: str | None = None


def plus_calendar_days(start: datetime, days: int) -> datetime:
    """The default time limit: plain calendar days (a working-day calendar plugs in here)."""
    return start + timedelta(days=days)


# --- commands ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubmitChange:
    """A request. ``payload`` by kind:

    - onboard: login_name, full_name, region_code, department_code, post?, grants?
    - modify: post?, full_name?, valid_from?, valid_until? (ISO 8601 or null), grants?, revokes?
    - transfer: region_code, department_code, post?, grants?, successors?
    - offboard: successors? (required when the person has open cases)

    ``grants`` / ``revokes`` are lists of {"role", "region", "department"}; ``successors`` is
    a list of account ids in the person's unit, taking the open cases in turn.
    """

    kind: str
    target_account_id: int | None
    reason: str
    payload: dict[str, Any] = field(default_factory=dict)
    doc_no: str = ""
    # A draft waits, without a deadline, until its author submits it (``submit_draft``).
    draft: bool = False


@dataclass(frozen=True)
class ActOn:
    """Review, execute or withdraw a request. On execution of an offboarding or a transfer,
    ``successors`` (account ids in the person's unit) replace those named when it was filed:
    the executor sees who is at work on the day."""

    request_id: int
    successors: tuple[int, ...] | None = None


@dataclass(frozen=True)
class RejectChange:
    request_id: int
    reason: str


@dataclass(frozen=True)
class Suspend:
    """Emergency suspension, applied at once; the request stays open for review afterwards."""

    account_id: int
    reason: str
    doc_no: str = ""


@dataclass(frozen=True)
class NameDeputy:
    """``actor`` names ``deputy_id`` to act for them between the two instants."""

    deputy_id: int
    valid_from: datetime
    valid_until: datetime


@dataclass(frozen=True)
class ChangeView:
    id: int
    kind: str
    state: str
    target_account_id: int | None
    target_unit: str
    reviewer_role: str
    reviewer_unit: str
    executor_role: str
    executor_unit: str
    submitted_by: int
    reviewed_by: int | None
    reviewed_for: int | None
    executed_by: int | None
    executed_for: int | None
    reason: str
    doc_no: str
    rejected_reason: str
    deadline: datetime | None
    version: int
    payload: dict[str, Any]


def view(req: ChangeRequest) -> ChangeView:
    return ChangeView(
        id=req.id,
        kind=req.kind,
        state=req.state,
        target_account_id=req.target_account_id,
        target_unit=f"{req.target_region}|{req.target_department}",
        reviewer_role=req.reviewer_role,
        reviewer_unit=req.reviewer_unit,
        executor_role=req.executor_role,
        executor_unit=req.executor_unit,
        submitted_by=req.submitted_by,
        reviewed_by=req.reviewed_by,
        reviewed_for=req.reviewed_for,
        executed_by=req.executed_by,
        executed_for=req.executed_for,
        reason=req.reason,
        doc_no=req.doc_no,
        rejected_reason=req.rejected_reason,
        deadline=req.deadline,
        version=req.version,
        payload=json.loads(req.payload or "{}"),
    )


def _state_fields(req: ChangeRequest) -> dict[str, Any]:
    return {
        "state": req.state,
        "reviewed_by": req.reviewed_by,
        "reviewed_for": req.reviewed_for,
        "executed_by": req.executed_by,
        "executed_for": req.executed_for,
        "rejected_reason": req.rejected_reason,
        "deadline": req.deadline,
        "version": req.version,
    }


# --- refusals and authority -------------------------------------------------------------------


class _Refused(Exception):
    def __init__(self, error: PermissionDenied, details: dict[str, Any]) -> None:
        super().__init__(error.key)
        self.error = error
        self.details = details


def _refuse(key: str, **details: Any) -> NoReturn:
    raise _Refused(PermissionDenied(key, **details), details)


@dataclass(frozen=True)
class Authority:
    """Who acts in person, and for whom when they act as a deputy (None in person)."""

    account_id: int
    acting_for: int | None = None
    # True when the actor holds the step only by its escalation (the step is overdue).
    escalated: bool = False


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def _active(session: Session, account_id: int, now: datetime) -> Account | None:
    account = session.get(Account, account_id)
    if account is None or account.status != "active":
        return None
    if account.valid_from is not None and now < account.valid_from:
        return None
    if account.valid_until is not None and now >= account.valid_until:
        return None
    return account


def holds_role(grants: Sequence[Grant], role: str, region: str, department: str) -> bool:
    """Whether one of the grants is ``role`` in a domain covering the unit."""
    return any(g.role == role and g.covers(region, department) for g in grants)


def holds_action(grants: Sequence[Grant], action: str, region: str, department: str) -> bool:
    """Whether one of the grants' roles may do ``action`` (role templates) over the unit."""
    return any(
        g.role in TEMPLATES and action in TEMPLATES[g.role].actions and g.covers(region, department)
        for g in grants
    )


def deputised_by(session: Session, deputy_id: int, now: datetime) -> list[int]:
    """The accounts ``deputy_id`` may act for at ``now``."""
    rows = session.scalars(
        select(Deputy.account_id).where(
            Deputy.deputy_id == deputy_id, Deputy.valid_from <= now, Deputy.valid_until > now
        )
    )
    return sorted(set(rows))


def _authority(
    session: Session,
    actor: Actor,
    role: str,
    region: str,
    department: str,
    excluded: set[int],
    now: datetime,
    escalated_to: Escalation | None = None,
) -> Authority:
    """The actor's authority to act as ``role`` over the unit, or a refusal. Once the step
    is overdue, ``escalated_to`` names who may act on it as well."""
    if actor.account_id is None or _active(session, actor.account_id, now) is None:
        _refuse("err.change_actor_unusable")
    if actor.account_id in excluded:
        _refuse("err.change_own_request")
    steps = [(role, region, department, False)]
    if escalated_to is not None:
        steps.append((escalated_to.role, escalated_to.region, escalated_to.department, True))
    mine = load_grants(session, subject_of(actor.account_id))
    for r, reg, dept, esc in steps:
        if holds_role(mine, r, reg, dept):
            return Authority(actor.account_id, escalated=esc)
    for principal in deputised_by(session, actor.account_id, now):
        if principal in excluded or _active(session, principal, now) is None:
            continue
        theirs = load_grants(session, subject_of(principal))
        for r, reg, dept, esc in steps:
            if holds_role(theirs, r, reg, dept):
                return Authority(actor.account_id, principal, escalated=esc)
    _refuse("err.change_not_authorised", role=role, unit=f"{region}|{department}")


def overdue(req: ChangeRequest, now: datetime) -> bool:
    return req.deadline is not None and req.deadline < now


def _escalation_of(req: ChangeRequest, now: datetime) -> Escalation | None:
    """The step's escalation once it is overdue, else None."""
    if not overdue(req, now) or req.state not in OPEN_STATES:
        return None
    return escalation(route_of(req), "review" if req.state == "submitted" else "execute")


def _how(who: Authority) -> dict[str, Any]:
    return {"acting_for": who.acting_for, "escalated": who.escalated}


def _as(actor: Actor, authority: Authority, session: Session) -> Actor:
    """The audit actor: ``acting_as`` names the principal a deputy acted for."""
    if authority.acting_for is None:
        return actor
    principal = session.get(Account, authority.acting_for)
    login = principal.login_name if principal is not None else str(authority.acting_for)
    return Actor(actor.login, actor.account_id, login, actor.host, actor.terminal)


def run_audited(
    uow: UnitOfWork,
    actor: Actor,
    action: str,
    target_kind: str,
    target_id: str,
    body: Callable[[Session], _T],
    *,
    rename: dict[str, str] | None = None,
) -> _T:
    """Run ``body`` in one transaction; a refusal (``_refuse``) is recorded in a transaction
    of its own and raised as PermissionDenied (its key renamed by ``rename``, if given).
    Shared by the change, review and supervision services."""
    with uow:
        try:
            result = body(uow.session)
        except _Refused as refused:
            error = refused
        else:
            uow.commit()
            return result
    key = (rename or {}).get(error.error.key, error.error.key)
    record_refusal(
        uow,
        actor,
        action,
        reason=key,
        target_kind=target_kind,
        target_id=target_id[:64],
        details=error.details,
    )
    if key == error.error.key:
        raise error.error
    raise PermissionDenied(key, **error.error.params)


def _run(
    uow: UnitOfWork, actor: Actor, action: str, target_id: str, body: Callable[[Session], _T]
) -> _T:
    return run_audited(uow, actor, action, TARGET_KIND, target_id, body)


# --- reading and transitions ------------------------------------------------------------------


def _load(session: Session, request_id: int) -> ChangeRequest:
    req = session.get(ChangeRequest, request_id, populate_existing=True)
    if req is None:
        raise NotFound("err.change_not_found", request=str(request_id))
    return req


def _expect(req: ChangeRequest, *states: str) -> None:
    if req.state not in states:
        raise Conflict("err.change_state_changed", request=str(req.id), state=req.state)


_REQUESTS: Table = ChangeRequest.__table__  # type: ignore[assignment]


def _transition(session: Session, req: ChangeRequest, new_state: str, **values: Any) -> None:
    """Move the request on, if nobody else has since it was read; else Conflict."""
    expected_state, expected_version = req.state, req.version
    result = session.execute(
        update(_REQUESTS)
        .where(
            _REQUESTS.c.id == req.id,
            _REQUESTS.c.state == expected_state,
            _REQUESTS.c.version == expected_version,
        )
        .values(state=new_state, version=expected_version + 1, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("err.change_state_changed", request=str(req.id), state=expected_state)
    session.refresh(req)


def route_of(req: ChangeRequest) -> Route:
    return resolve(req.target_region, req.target_department)


def _excluded(req: ChangeRequest) -> set[int]:
    out = {req.submitted_by}
    if req.target_account_id is not None:
        out.add(req.target_account_id)
    return out


def _audit(
    session: Session,
    actor: Actor,
    action: str,
    req: ChangeRequest,
    before: dict[str, Any] | None,
    *,
    reason: str = "",
    details: dict[str, Any] | None = None,
) -> None:
    record(
        session,
        actor,
        action,
        target_kind=TARGET_KIND,
        target_id=str(req.id),
        region=req.target_region,
        department=req.target_department,
        reason=reason,
        before=before,
        after=_state_fields(req),
        details=details,
    )


# --- validation -------------------------------------------------------------------------------


def _required_reason(raw: str) -> str:
    reason = validation.reason(raw, "reason")
    if not reason:
        raise InvalidInput("err.change_reason_required", field="reason")
    return reason


def _parse_when(value: Any, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise InvalidInput("err.change_bad_payload", field=name) from exc
    if when.tzinfo is None:
        raise InvalidInput("err.change_bad_payload", field=name)
    return when.astimezone(UTC)


def _grants_of(payload: dict[str, Any], key: str, subject: str) -> list[Grant]:
    raw = payload.get(key) or []
    if not isinstance(raw, list):
        raise InvalidInput("err.change_bad_payload", field=key)
    out = []
    for item in raw:
        if not isinstance(item, dict) or not {"role", "region", "department"} <= set(item):
            raise InvalidInput("err.change_bad_payload", field=key)
        role, region, dept = str(item["role"]), str(item["region"]), str(item["department"])
        if role not in TEMPLATES:
            raise InvalidInput("err.rbac_unknown_role", role=role[:40])
        try:
            problem = template_problem(role, region, dept)
        except ValueError:
            problem = "err.rbac_bad_domain"
        if problem:
            raise InvalidInput(problem, role=role, domain=f"{region}|{dept}"[:40])
        out.append(Grant(subject, role, region, dept))
    return out


def _successor_ids(payload: dict[str, Any]) -> list[int]:
    raw = payload.get("successors") or []
    if not isinstance(raw, list) or not all(isinstance(x, int) for x in raw):
        raise InvalidInput("err.change_bad_payload", field="successors")
    return list(dict.fromkeys(raw))


def _unit_exists(session: Session, region: str, department: str) -> None:
    if session.get(Region, region) is None:
        raise NotFound("err.region_not_found", code=region)
    if session.get(Department, department) is None:
        raise NotFound("err.department_not_found", code=department)


def _open_cases(session: Session, account_id: int) -> list[int]:
    return list(
        session.scalars(
            select(Case.id)
            .where(Case.assignee_id == account_id, Case.closed_at.is_(None))
            .order_by(Case.id)
        )
    )


def _check_successors(
    session: Session, target: Account, successors: Sequence[int], now: datetime
) -> None:
    if _open_cases(session, target.id) and not successors:
        raise InvalidInput("err.change_successor_required", account=target.login_name)
    for sid in successors:
        other = _active(session, sid, now)
        if (
            other is None
            or other.id == target.id
            or (other.region_code, other.department_code)
            != (target.region_code, target.department_code)
            # They must be able to handle the cases: a role with case.handle in the unit.
            or not holds_action(
                load_grants(session, subject_of(sid)), CASE_HANDLE,
                target.region_code, target.department_code,
            )
        ):  # fmt: skip
            raise InvalidInput("err.change_successor_unfit", successor=str(sid))


def _validate(
    session: Session, cmd: SubmitChange, now: datetime
) -> tuple[Account | None, str, str]:
    """Check the command; returns (target, region, department) of the unit the chain uses."""
    if cmd.kind not in CHANGE_KINDS or cmd.kind == "suspend":
        raise InvalidInput("err.change_kind_unknown", kind=cmd.kind[:16])
    payload = cmd.payload
    if cmd.kind == "onboard":
        if cmd.target_account_id is not None:
            raise InvalidInput("err.change_bad_payload", field="target_account_id")
        for key in ("login_name", "full_name", "region_code", "department_code"):
            if not isinstance(payload.get(key), str) or not payload[key]:
                raise InvalidInput("err.change_bad_payload", field=key)
        region, dept = payload["region_code"], payload["department_code"]
        _unit_exists(session, region, dept)
        taken = session.scalars(
            select(Account.id).where(Account.login_name == payload["login_name"])
        ).first()
        if taken is not None:
            raise Conflict("err.change_login_taken", login=payload["login_name"][:64])
        _grants_of(payload, "grants", "")
        return None, region, dept
    if cmd.target_account_id is None:
        raise InvalidInput("err.change_bad_payload", field="target_account_id")
    target = session.get(Account, cmd.target_account_id)
    if target is None:
        raise NotFound("err.account_not_found", account=str(cmd.target_account_id))
    if cmd.kind == "modify":
        _parse_when(payload.get("valid_from"), "valid_from")
        _parse_when(payload.get("valid_until"), "valid_until")
        _grants_of(payload, "grants", "")
        _grants_of(payload, "revokes", "")
    elif cmd.kind == "transfer":
        region, dept = payload.get("region_code"), payload.get("department_code")
        if not isinstance(region, str) or not isinstance(dept, str):
            raise InvalidInput("err.change_bad_payload", field="region_code")
        _unit_exists(session, region, dept)
        _grants_of(payload, "grants", "")
        _check_successors(session, target, _successor_ids(payload), now)
    elif cmd.kind == "offboard":
        _check_successors(session, target, _successor_ids(payload), now)
    return target, target.region_code, target.department_code


# --- services ---------------------------------------------------------------------------------


def _new_request(
    kind: str,
    target_id: int | None,
    region: str,
    department: str,
    payload: str,
    reason: str,
    doc_no: str,
    actor: Actor,
    at: datetime,
    deadline_for: DeadlineFor,
    *,
    draft: bool = False,
) -> ChangeRequest:
    """A submitted request (or a draft), its reviewer and executor resolved from the target
    unit."""
    route = resolve(region, department)
    return ChangeRequest(
        kind=kind,
        state="draft" if draft else "submitted",
        target_account_id=target_id,
        target_region=region,
        target_department=department,
        payload=payload,
        reason=reason,
        doc_no=doc_no,
        reviewer_role=route.reviewer_role,
        reviewer_unit=route.reviewer_unit,
        executor_role=route.executor_role,
        executor_unit=route.executor_unit,
        submitted_by=actor.account_id,
        submitted_at=at,
        updated_at=at,
        deadline=None if draft else deadline_for(at, STEP_DAYS),
        version=1,
    )


def submit(
    cmd: SubmitChange,
    uow: UnitOfWork,
    actor: Actor,
    *,
    now: datetime | None = None,
    deadline_for: DeadlineFor = plus_calendar_days,
) -> ChangeView:
    """File a request; the submitter needs account.update over the target unit."""
    at = _now(now)
    reason = _required_reason(cmd.reason)
    doc_no = validation.plain_text(cmd.doc_no, "doc_no", 64)

    def body(s: Session) -> ChangeView:
        target, region, dept = _validate(s, cmd, at)
        if actor.account_id is None or _active(s, actor.account_id, at) is None:
            _refuse("err.change_actor_unusable")
        if cmd.target_account_id == actor.account_id:
            _refuse("err.change_own_request")
        grants = load_grants(s, subject_of(actor.account_id))
        if not holds_action(grants, ACCOUNT_UPDATE, region, dept):
            _refuse("err.change_not_authorised", role=ACCOUNT_UPDATE, unit=f"{region}|{dept}")
        req = _new_request(
            cmd.kind, target.id if target is not None else None, region, dept,
            json.dumps(cmd.payload, ensure_ascii=False, sort_keys=True), reason, doc_no,
            actor, at, deadline_for, draft=cmd.draft,
        )  # fmt: skip
        s.add(req)
        s.flush()
        _audit(
            s,
            actor,
            ACTION_SUBMIT,
            req,
            None,
            reason=reason,
            details={"kind": cmd.kind, "payload": cmd.payload, "draft": cmd.draft},
        )
        return view(req)

    return _run(uow, actor, ACTION_SUBMIT, str(cmd.target_account_id or ""), body)


def submit_draft(
    cmd: ActOn,
    uow: UnitOfWork,
    actor: Actor,
    *,
    now: datetime | None = None,
    deadline_for: DeadlineFor = plus_calendar_days,
) -> ChangeView:
    """The author sends a draft on: it is checked again as if filed now (the person may
    have moved since), and its first step's deadline starts."""
    at = _now(now)

    def body(s: Session) -> ChangeView:
        req = _load(s, cmd.request_id)
        if actor.account_id is None or actor.account_id != req.submitted_by:
            _refuse("err.change_submitter_only")
        _expect(req, "draft")
        again = SubmitChange(req.kind, req.target_account_id, req.reason,
                             json.loads(req.payload or "{}"), req.doc_no)  # fmt: skip
        _, region, dept = _validate(s, again, at)
        grants = load_grants(s, subject_of(actor.account_id))
        if not holds_action(grants, ACCOUNT_UPDATE, region, dept):
            _refuse("err.change_not_authorised", role=ACCOUNT_UPDATE, unit=f"{region}|{dept}")
        route = resolve(region, dept)
        before = _state_fields(req)
        _transition(
            s, req, "submitted", submitted_at=at, updated_at=at,
            deadline=deadline_for(at, STEP_DAYS),
            target_region=region, target_department=dept,
            reviewer_role=route.reviewer_role, reviewer_unit=route.reviewer_unit,
            executor_role=route.executor_role, executor_unit=route.executor_unit,
        )  # fmt: skip
        _audit(s, actor, ACTION_SUBMIT, req, before, details={"from_draft": True})
        return view(req)

    return _run(uow, actor, ACTION_SUBMIT, str(cmd.request_id), body)


def review(
    cmd: ActOn,
    uow: UnitOfWork,
    actor: Actor,
    *,
    now: datetime | None = None,
    deadline_for: DeadlineFor = plus_calendar_days,
) -> ChangeView:
    """Approve a submitted request (the chain's reviewer, or their deputy)."""
    at = _now(now)

    def body(s: Session) -> ChangeView:
        req = _load(s, cmd.request_id)
        _expect(req, "submitted")
        route = route_of(req)
        who = _authority(
            s,
            actor,
            route.reviewer_role,
            route.reviewer_region,
            route.reviewer_department,
            _excluded(req),
            at,
            _escalation_of(req, at),
        )
        before = _state_fields(req)
        _transition(
            s,
            req,
            "reviewed",
            reviewed_by=who.account_id,
            reviewed_for=who.acting_for,
            reviewed_at=at,
            updated_at=at,
            deadline=deadline_for(at, STEP_DAYS),
            reminded_at=None,
            escalated_at=None,
        )
        _audit(s, _as(actor, who, s), ACTION_REVIEW, req, before, details=_how(who))
        return view(req)

    return _run(uow, actor, ACTION_REVIEW, str(cmd.request_id), body)


def reject(
    cmd: RejectChange, uow: UnitOfWork, actor: Actor, *, now: datetime | None = None
) -> ChangeView:
    """Refuse a request with a reason: the reviewer while submitted, the executor after.
    Rejecting an emergency suspension lifts it."""
    at = _now(now)
    reason = _required_reason(cmd.reason)

    def body(s: Session) -> ChangeView:
        req = _load(s, cmd.request_id)
        _expect(req, *OPEN_STATES)
        route = route_of(req)
        if req.state == "submitted":
            role, region = route.reviewer_role, route.reviewer_region
        else:
            role, region = route.executor_role, route.executor_region
        who = _authority(
            s, actor, role, region, route.reviewer_department, _excluded(req), at,
            _escalation_of(req, at),
        )  # fmt: skip
        before = _state_fields(req)
        _transition(
            s,
            req,
            "rejected",
            rejected_reason=reason,
            closed_by=who.account_id,
            closed_at=at,
            updated_at=at,
            deadline=None,
        )
        audit_actor = _as(actor, who, s)
        if req.kind == "suspend" and req.target_account_id is not None:
            target = s.get(Account, req.target_account_id, with_for_update=True)
            if target is not None and target.status == "suspended":
                _set_status(s, audit_actor, target, "active", reason, at)
        _audit(
            s,
            audit_actor,
            ACTION_REJECT,
            req,
            before,
            reason=reason,
            details=_how(who),
        )
        return view(req)

    return _run(uow, actor, ACTION_REJECT, str(cmd.request_id), body)


def withdraw(
    cmd: ActOn, uow: UnitOfWork, actor: Actor, *, now: datetime | None = None
) -> ChangeView:
    """The submitter takes back a request not yet executed."""
    at = _now(now)

    def body(s: Session) -> ChangeView:
        req = _load(s, cmd.request_id)
        if actor.account_id is None or actor.account_id != req.submitted_by:
            _refuse("err.change_submitter_only")
        _expect(req, "draft", *OPEN_STATES)
        if req.kind == "suspend":
            raise Conflict("err.change_state_changed", request=str(req.id), state=req.state)
        before = _state_fields(req)
        _transition(
            s,
            req,
            "withdrawn",
            closed_by=actor.account_id,
            closed_at=at,
            updated_at=at,
            deadline=None,
        )
        _audit(s, actor, ACTION_WITHDRAW, req, before)
        return view(req)

    return _run(uow, actor, ACTION_WITHDRAW, str(cmd.request_id), body)


def execute(
    cmd: ActOn, uow: UnitOfWork, actor: Actor, *, now: datetime | None = None
) -> ChangeView:
    """Carry out a reviewed request in one transaction (the chain's executor, or deputy)."""
    at = _now(now)

    def body(s: Session) -> ChangeView:
        req = _load(s, cmd.request_id)
        _expect(req, "reviewed")
        route = route_of(req)
        who = _authority(
            s,
            actor,
            route.executor_role,
            route.executor_region,
            route.executor_department,
            _excluded(req),
            at,
            _escalation_of(req, at),
        )
        before = _state_fields(req)
        extra: dict[str, Any] = {}
        if cmd.successors is not None:
            if req.kind not in ("offboard", "transfer"):
                raise InvalidInput("err.change_bad_payload", field="successors")
            payload = json.loads(req.payload or "{}")
            payload["successors"] = list(dict.fromkeys(cmd.successors))
            extra["payload"] = json.dumps(payload, ensure_ascii=False, sort_keys=True)
        _transition(
            s,
            req,
            "executed",
            executed_by=who.account_id,
            executed_for=who.acting_for,
            executed_at=at,
            updated_at=at,
            deadline=None,
            **extra,
        )
        _checkpoint("transition")
        audit_actor = _as(actor, who, s)
        granter = load_grants(s, subject_of(who.acting_for or who.account_id))
        _apply(s, audit_actor, granter, req, at)
        _audit(s, audit_actor, ACTION_EXECUTE, req, before, details=_how(who))
        _checkpoint("audit")
        return view(req)

    return _run(uow, actor, ACTION_EXECUTE, str(cmd.request_id), body)


def suspend(
    cmd: Suspend,
    uow: UnitOfWork,
    actor: Actor,
    *,
    now: datetime | None = None,
    deadline_for: DeadlineFor = plus_calendar_days,
) -> ChangeView:
    """Emergency suspension by any admin in scope (account.status over the person's unit):
    the account is suspended and its sessions end at once; a request records it for review
    afterwards (review confirms it, rejection lifts it)."""
    at = _now(now)
    reason = _required_reason(cmd.reason)
    doc_no = validation.plain_text(cmd.doc_no, "doc_no", 64)

    def body(s: Session) -> ChangeView:
        target = s.get(Account, cmd.account_id, with_for_update=True)
        if target is None:
            raise NotFound("err.account_not_found", account=str(cmd.account_id))
        if actor.account_id is None or _active(s, actor.account_id, at) is None:
            _refuse("err.change_actor_unusable")
        if actor.account_id == target.id:
            _refuse("err.change_own_request")
        grants = load_grants(s, subject_of(actor.account_id))
        if not holds_action(grants, ACCOUNT_STATUS, target.region_code, target.department_code):
            _refuse(
                "err.change_not_authorised",
                role=ACCOUNT_STATUS,
                unit=f"{target.region_code}|{target.department_code}",
            )
        if target.status != "active":
            raise Conflict("err.change_not_active", account=target.login_name)
        req = _new_request(
            "suspend", target.id, target.region_code, target.department_code,
            json.dumps({"applied_at": at.isoformat()}), reason, doc_no, actor, at, deadline_for,
        )  # fmt: skip
        s.add(req)
        s.flush()
        _set_status(s, actor, target, "suspended", reason, at)
        _end_sessions(s, target.id, at)
        _audit(s, actor, ACTION_SUSPEND, req, None, reason=reason)
        return view(req)

    return _run(uow, actor, ACTION_SUSPEND, str(cmd.account_id), body)


def name_deputy(
    cmd: NameDeputy, uow: UnitOfWork, actor: Actor, *, now: datetime | None = None
) -> int:
    """The actor names a deputy for a date range; returns the appointment's id."""
    at = _now(now)
    if cmd.valid_from.tzinfo is None or cmd.valid_until.tzinfo is None:
        raise InvalidInput("err.change_bad_payload", field="valid_from")
    if cmd.valid_until <= cmd.valid_from:
        raise InvalidInput("err.change_deputy_range")

    def body(s: Session) -> int:
        if actor.account_id is None or _active(s, actor.account_id, at) is None:
            _refuse("err.change_actor_unusable")
        if cmd.deputy_id == actor.account_id:
            raise InvalidInput("err.change_deputy_self")
        if _active(s, cmd.deputy_id, at) is None:
            raise InvalidInput("err.change_deputy_unusable", deputy=str(cmd.deputy_id))
        row = Deputy(
            account_id=actor.account_id,
            deputy_id=cmd.deputy_id,
            valid_from=cmd.valid_from,
            valid_until=cmd.valid_until,
            created_at=at,
        )
        s.add(row)
        s.flush()
        after = {
            "account_id": row.account_id,
            "deputy_id": row.deputy_id,
            "valid_from": row.valid_from,
            "valid_until": row.valid_until,
        }
        record(
            s,
            actor,
            ACTION_DEPUTY,
            target_kind="deputy",
            target_id=str(row.id),
            before=None,
            after=after,
        )
        return row.id

    return _run(uow, actor, ACTION_DEPUTY, str(cmd.deputy_id), body)


@dataclass(frozen=True)
class Sweep:
    """Remind, escalate and expire open requests in the actor's scope."""

    remind_before_days: int = REMIND_BEFORE_DAYS
    expire_after_days: int = EXPIRE_AFTER_DAYS


@dataclass(frozen=True)
class SweepResult:
    reminded: list[int]
    escalated: list[int]
    expired: list[int]


def sweep(
    cmd: Sweep,
    uow: UnitOfWork,
    actor: Actor,
    *,
    now: datetime | None = None,
    deadline_for: DeadlineFor = plus_calendar_days,
) -> SweepResult:
    """One pass over the open requests whose target unit the actor administers
    (account.update): a step due within ``remind_before_days`` working days is reminded of
    once; an overdue step is escalated once (the level above may then act on it, see
    ``escalation``); a step overdue by more than ``expire_after_days`` working days expires
    the request. Each is one audit event; the pass is one transaction. Meant for a daily
    timer as well as by hand."""
    at = _now(now)
    if cmd.remind_before_days < 0 or cmd.expire_after_days < 1:
        raise InvalidInput("err.change_bad_payload", field="days")

    def body(s: Session) -> SweepResult:
        if actor.account_id is None or _active(s, actor.account_id, at) is None:
            _refuse("err.change_actor_unusable")
        grants = load_grants(s, subject_of(actor.account_id))
        if not any(
            ACCOUNT_UPDATE in TEMPLATES[g.role].actions for g in grants if g.role in TEMPLATES
        ):
            _refuse("err.change_not_authorised", role=ACCOUNT_UPDATE, unit="-")
        # Anything due before this instant is at most remind_before_days working days away.
        horizon = deadline_for(at, cmd.remind_before_days)
        rows = s.scalars(
            select(ChangeRequest)
            .where(
                ChangeRequest.state.in_(OPEN_STATES),
                ChangeRequest.deadline.is_not(None),
                ChangeRequest.deadline < horizon,
            )
            .order_by(ChangeRequest.id)
        )
        out = SweepResult([], [], [])
        for req in list(rows):
            if not holds_action(grants, ACCOUNT_UPDATE, req.target_region, req.target_department):
                continue
            assert req.deadline is not None
            if req.kind != "suspend" and deadline_for(req.deadline, cmd.expire_after_days) <= at:
                before = _state_fields(req)
                _transition(
                    s, req, "expired", closed_by=actor.account_id, closed_at=at,
                    updated_at=at, deadline=None,
                )  # fmt: skip
                _audit(s, actor, ACTION_EXPIRE, req, before,
                       details={"expire_after_days": cmd.expire_after_days})  # fmt: skip
                out.expired.append(req.id)
            elif req.deadline < at and req.escalated_at is None:
                esc = _escalation_of(req, at)
                assert esc is not None
                _transition(s, req, req.state, escalated_at=at, updated_at=at)
                _audit(s, actor, ACTION_ESCALATE, req, None,
                       details={"role": esc.role, "unit": esc.unit})  # fmt: skip
                out.escalated.append(req.id)
            elif req.deadline >= at and req.reminded_at is None:
                route = route_of(req)
                role, unit = (
                    (route.reviewer_role, route.reviewer_unit)
                    if req.state == "submitted"
                    else (route.executor_role, route.executor_unit)
                )
                _transition(s, req, req.state, reminded_at=at, updated_at=at)
                _audit(s, actor, ACTION_REMIND, req, None,
                       details={"role": role, "unit": unit, "deadline": req.deadline})  # fmt: skip
                out.reminded.append(req.id)
        return out

    return _run(uow, actor, "change.sweep", "", body)


def get(session: Session, request_id: int) -> ChangeView:
    return view(_load(session, request_id))


# --- execution steps --------------------------------------------------------------------------


def _checkpoint(step: str) -> None:
    if _fail_after == step:
        raise RuntimeError(f"injected failure after {step}")


def _set_status(
    s: Session, actor: Actor, account: Account, status: str, reason: str, at: datetime
) -> None:
    before = {"status": account.status, "status_reason": account.status_reason}
    account.status = status
    account.status_reason = reason[:200]
    account.status_changed_at = at
    s.flush()
    record(
        s,
        actor,
        ACTION_STATUS,
        target_kind="account",
        target_id=str(account.id),
        region=account.region_code,
        department=account.department_code,
        reason=reason,
        before=before,
        after={"status": status, "status_reason": account.status_reason},
    )


def _end_sessions(s: Session, account_id: int, at: datetime) -> int:
    result = s.execute(
        update(SigninSession)
        .where(SigninSession.account_id == account_id, SigninSession.ended_at.is_(None))
        .values(ended_at=at, end_reason=SESSION_END_REASON)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def _remove_grants(s: Session, account_id: int) -> list[str]:
    removed = []
    for g in load_grants(s, subject_of(account_id)):
        if remove_grant(s, g):
            removed.append(g.line())
    return removed


def _add_grants(s: Session, granter: Sequence[Grant], grants: Sequence[Grant]) -> list[str]:
    added = []
    for g in grants:
        verdict = check_grant(granter, g.role, g.domain)
        if not verdict.allowed:
            raise _Refused(
                PermissionDenied(verdict.reason, role=g.role, domain=g.domain),
                {"role": g.role, "domain": g.domain},
            )
        add_grant(s, g)
        added.append(g.line())
    return added


def _hand_over(
    s: Session,
    actor: Actor,
    req: ChangeRequest,
    target: Account,
    successors: Sequence[int],
    at: datetime,
) -> dict[int, int]:
    """Every open case of the target to the successors in turn; Conflict/InvalidInput if
    a successor cannot take them. Returns {case_id: successor_id}."""
    _check_successors(s, target, successors, at)
    cases = _open_cases(s, target.id)
    if not cases:
        return {}
    moves = {case_id: successors[i % len(successors)] for i, case_id in enumerate(cases)}
    case_t: Table = Case.__table__  # type: ignore[assignment]
    for successor in successors:
        ids = [c for c, who in moves.items() if who == successor]
        if ids:
            s.execute(
                update(case_t)
                .where(case_t.c.id.in_(ids), case_t.c.closed_at.is_(None))
                .values(assignee_id=successor)
            )
    steps = {
        c.id: (c.step, c.step_level)
        for c in s.execute(select(Case.id, Case.step, Case.step_level).where(Case.id.in_(cases)))
    }
    s.execute(
        insert(CaseEvent),
        [
            {
                "case_id": c,
                "at": at,
                "action": "handover",
                "step": steps[c][0],
                "step_level": steps[c][1],
                "actor_id": actor.account_id,
                "note": f"change {req.id}: {target.id} -> {who}",
            }
            for c, who in moves.items()
        ],
    )
    s.execute(
        insert(ChangeHandover),
        [
            {"request_id": req.id, "case_id": c, "from_id": target.id, "successor_id": who}
            for c, who in moves.items()
        ],
    )
    record(
        s,
        actor,
        ACTION_HANDOVER,
        target_kind="account",
        target_id=str(target.id),
        region=target.region_code,
        department=target.department_code,
        details={"request": req.id, "cases": len(moves), "successors": list(successors)},
    )
    return moves


def _end_deputies(s: Session, account_id: int, at: datetime) -> None:
    s.execute(
        update(Deputy)
        .where(
            (Deputy.account_id == account_id) | (Deputy.deputy_id == account_id),
            Deputy.valid_until > at,
        )
        .values(valid_until=at)
        .execution_options(synchronize_session=False)
    )


def _apply(
    s: Session, actor: Actor, granter: Sequence[Grant], req: ChangeRequest, at: datetime
) -> None:
    payload: dict[str, Any] = json.loads(req.payload or "{}")
    if req.kind == "suspend":
        return  # applied when it was filed; review and execution confirm it
    if req.kind == "onboard":
        _onboard(s, actor, granter, req, payload, at)
        return
    assert req.target_account_id is not None
    target = s.get(Account, req.target_account_id, with_for_update=True)
    if target is None:
        raise NotFound("err.account_not_found", account=str(req.target_account_id))
    subject = subject_of(target.id)
    before = _account_fields(target)
    if req.kind == "modify":
        for key in ("post", "full_name"):
            if isinstance(payload.get(key), str):
                setattr(target, key, payload[key])
        for key in ("valid_from", "valid_until"):
            if key in payload:
                setattr(target, key, _parse_when(payload[key], key))
        s.flush()
        _checkpoint("account")
        revoked = [g.line() for g in _grants_of(payload, "revokes", subject) if remove_grant(s, g)]
        added = _add_grants(s, granter, _grants_of(payload, "grants", subject))
        _checkpoint("grants")
    elif req.kind == "transfer":
        _hand_over(s, actor, req, target, _successor_ids(payload), at)
        _checkpoint("cases")
        target.region_code = payload["region_code"]
        target.department_code = payload["department_code"]
        if isinstance(payload.get("post"), str):
            target.post = payload["post"]
        s.flush()
        _checkpoint("account")
        revoked = _remove_grants(s, target.id)
        added = _add_grants(s, granter, _grants_of(payload, "grants", subject))
        _end_deputies(s, target.id, at)
        _checkpoint("grants")
    else:  # offboard
        if target.status == "disabled":
            raise Conflict("err.change_not_active", account=target.login_name)
        _hand_over(s, actor, req, target, _successor_ids(payload), at)
        _checkpoint("cases")
        _set_status(s, actor, target, "disabled", req.reason, at)
        _checkpoint("status")
        _end_sessions(s, target.id, at)
        _checkpoint("sessions")
        revoked, added = _remove_grants(s, target.id), []
        _end_deputies(s, target.id, at)
        _checkpoint("grants")
    if revoked or added:
        bump_version(s)
    record(
        s,
        actor,
        ACTION_UPDATE,
        target_kind="account",
        target_id=str(target.id),
        region=target.region_code,
        department=target.department_code,
        reason=req.reason,
        before={**before, "grants": sorted(revoked)},
        after={**_account_fields(target), "grants": sorted(added)},
        details={"request": req.id},
    )


def _account_fields(account: Account) -> dict[str, Any]:
    return {
        "region_code": account.region_code,
        "department_code": account.department_code,
        "post": account.post,
        "full_name": account.full_name,
        "status": account.status,
        "valid_from": account.valid_from,
        "valid_until": account.valid_until,
    }


def _onboard(
    s: Session,
    actor: Actor,
    granter: Sequence[Grant],
    req: ChangeRequest,
    payload: dict[str, Any],
    at: datetime,
) -> None:
    """The new account is created pending (it activates with a one-time code)."""
    taken = s.scalars(select(Account.id).where(Account.login_name == payload["login_name"]))
    if taken.first() is not None:
        raise Conflict("err.change_login_taken", login=str(payload["login_name"])[:64])
    account = Account(
        login_name=payload["login_name"],
        full_name=payload["full_name"],
        region_code=payload["region_code"],
        department_code=payload["department_code"],
        post=str(payload.get("post", "")),
        status="pending",
        created_at=at,
    )
    s.add(account)
    s.flush()
    _checkpoint("account")
    req.target_account_id = account.id
    s.execute(
        update(_REQUESTS)
        .where(_REQUESTS.c.id == req.id)
        .values(target_account_id=account.id)
        .execution_options(synchronize_session=False)
    )
    added = _add_grants(s, granter, _grants_of(payload, "grants", subject_of(account.id)))
    if added:
        bump_version(s)
    _checkpoint("grants")
    record(
        s,
        actor,
        "account.create",
        target_kind="account",
        target_id=str(account.id),
        region=account.region_code,
        department=account.department_code,
        reason=req.reason,
        before=None,
        after={**_account_fields(account), "grants": sorted(added)},
        details={"request": req.id},
    )


__all__ = [
    "ActOn",
    "Authority",
    "ChangeView",
    "NameDeputy",
    "RejectChange",
    "SubmitChange",
    "Suspend",
    "Sweep",
    "SweepResult",
    "execute",
    "get",
    "name_deputy",
    "reject",
    "review",
    "submit",
    "submit_draft",
    "suspend",
    "sweep",
    "withdraw",
]
