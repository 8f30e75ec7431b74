"""List queries over personnel change requests (``jzctl change list``): the requests the
signed-in actor may review or execute now (by their grants, or today's deputy appointments,
covering the resolved units), and those they submitted. Keyset paged by id, newest first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from accounts.change_chain import escalation
from accounts.change_models import ChangeRequest
from accounts.changes import (
    ChangeView,
    deputised_by,
    holds_action,
    holds_role,
    overdue,
    route_of,
    view,
)
from casedb.regions import subtree_bounds
from rbac.store import Grant, load_grants, subject_of
from rbac.templates import ALL_DEPARTMENTS, CASE_HANDLE

SCOPES = ("to_review", "to_execute", "mine", "overdue")
_BATCH = 200


@dataclass(frozen=True)
class Page:
    items: list[ChangeView]
    next_before: int | None


def _may(grants: Sequence[Sequence[Grant]], role: str, unit: str) -> bool:
    region, _, department = unit.partition("|")
    return any(holds_role(g, role, region, department) for g in grants)


def _may_step(
    req: ChangeRequest, me: int, grants: Sequence[Sequence[Grant]], now: datetime
) -> bool:
    """Whether ``me`` may take the request's current step: by the chain, as a deputy, or,
    once it is overdue, by its escalation to the level above."""
    if me in (req.submitted_by, req.target_account_id):
        return False
    if req.state == "submitted":
        role, unit, step = req.reviewer_role, req.reviewer_unit, "review"
    elif req.state == "reviewed":
        role, unit, step = req.executor_role, req.executor_unit, "execute"
    else:
        return False
    if _may(grants, role, unit):
        return True
    if overdue(req, now):
        esc = escalation(route_of(req), step)  # type: ignore[arg-type]
        return _may(grants, esc.role, esc.unit)
    return False


def _fits(
    req: ChangeRequest, scope: str, me: int, grants: Sequence[Sequence[Grant]], now: datetime
) -> bool:
    if scope == "mine":
        return req.submitted_by == me
    return _may_step(req, me, grants, now)


def _reach(grants: Sequence[Sequence[Grant]]) -> list[Any]:
    """SQL conditions for requests the grants could ever cover: a step's unit is always the
    target's unit or one of its ancestors, so the target lies in the grant's subtree. The
    exact role check is ``_may_step``; this only keeps the scan to the actor's part of the
    province."""
    seen: set[tuple[str, str]] = set()
    out: list[Any] = []
    for g in (g for group in grants for g in group):
        if (g.region, g.department) in seen:
            continue
        seen.add((g.region, g.department))
        lo, hi = subtree_bounds(g.region)
        cond: Any = ChangeRequest.target_region.between(lo, hi)
        if g.department != ALL_DEPARTMENTS:
            cond = and_(cond, ChangeRequest.target_department == g.department)
        out.append(cond)
    return out


def matching(text: str) -> list[Any]:
    """SQL conditions for a list filter as typed (every word must match): a request number,
    a division code prefix of the target's unit, ``kind:offboard``, ``dept:civil``, or the
    start of the target's login or part of their name."""
    from casedb.models import Account

    out: list[Any] = []
    for word in text.split():
        key, sep, value = word.partition(":")
        if sep and key == "kind":
            out.append(ChangeRequest.kind == value)
        elif sep and key == "dept":
            out.append(ChangeRequest.target_department == value)
        elif word.isascii() and word.isdigit():
            cond: Any = ChangeRequest.target_region.startswith(word, autoescape=True)
            out.append(or_(ChangeRequest.id == int(word), cond) if len(word) <= 9 else cond)
        else:
            people = select(Account.id).where(
                or_(
                    Account.login_name.startswith(word.lower(), autoescape=True),
                    Account.full_name.icontains(word, autoescape=True),
                )
            )
            # An onboarding names its person only in its payload until it is executed.
            newcomer = and_(
                ChangeRequest.target_account_id.is_(None),
                ChangeRequest.payload.contains(word, autoescape=True),
            )
            out.append(or_(ChangeRequest.target_account_id.in_(people), newcomer))
    return out


def list_requests(
    session: Session,
    account_id: int,
    scope: str,
    *,
    match: str = "",
    overdue_only: bool = False,
    before: int | None = None,
    limit: int = 50,
    now: datetime | None = None,
) -> Page:
    """One page of the scope's requests with ids below ``before`` (those ``match`` finds, if
    given); ``next_before`` pages on."""
    if scope not in SCOPES:
        raise ValueError(scope)
    at = now or datetime.now(UTC)
    grants: list[list[Grant]] = [load_grants(session, subject_of(account_id))]
    if scope != "mine":
        for principal in deputised_by(session, account_id, at):
            grants.append(load_grants(session, subject_of(principal)))
    reach = _reach(grants) if scope != "mine" else None
    if reach is not None and not reach:
        return Page([], None)
    found: list[ChangeView] = []
    cursor = before
    while len(found) <= limit:
        q = select(ChangeRequest).order_by(ChangeRequest.id.desc()).limit(_BATCH)
        if cursor is not None:
            q = q.where(ChangeRequest.id < cursor)
        if scope == "mine":
            q = q.where(ChangeRequest.submitted_by == account_id)
        elif scope == "overdue":
            q = q.where(ChangeRequest.state.in_(("submitted", "reviewed")))
        else:
            wanted = "submitted" if scope == "to_review" else "reviewed"
            q = q.where(ChangeRequest.state == wanted)
        if reach is not None:
            q = q.where(or_(*reach))
        if overdue_only or scope == "overdue":
            q = q.where(ChangeRequest.deadline.is_not(None), ChangeRequest.deadline < at)
        if match:
            q = q.where(*matching(match))
        rows = list(session.scalars(q))
        for req in rows:
            if _fits(req, scope, account_id, grants, at):
                found.append(view(req))
        if len(rows) < _BATCH:
            break
        cursor = rows[-1].id
    if len(found) > limit:
        return Page(found[:limit], found[limit - 1].id)
    return Page(found, None)


@dataclass(frozen=True)
class OpenCase:
    id: int
    case_no: str
    item_code: str
    step: str
    step_deadline: datetime | None


@dataclass(frozen=True)
class Candidate:
    """An active colleague in the leaver's unit, with the open cases they already hold."""

    account_id: int
    login_name: str
    full_name: str
    post: str
    open_cases: int


@dataclass(frozen=True)
class Handover:
    """What executing a request would hand over, and to whom it could go."""

    open_cases: int
    first_cases: list[OpenCase]
    named: list[int]
    candidates: list[Candidate]


def handover_preview(session: Session, request_id: int, *, show: int = 20) -> Handover:
    """The target's open cases (count and the first ``show``) and the active accounts of the
    same unit that could take them, least loaded first."""
    from accounts.changes import get

    req = get(session, request_id)
    if req.target_account_id is None or req.kind not in ("offboard", "transfer"):
        return Handover(0, [], [], [])
    named = [int(x) for x in req.payload.get("successors", []) if isinstance(x, int)]
    return handover_for(session, req.target_account_id, named=named, show=show)


def handover_for(
    session: Session, account_id: int, *, named: Sequence[int] = (), show: int = 20
) -> Handover:
    """The same for a person before any request is filed (the form that files one)."""
    from sqlalchemy import func

    from casedb.errors import NotFound
    from casedb.models import Account, Case

    target = session.get(Account, account_id)
    if target is None:
        raise NotFound("err.account_not_found", account=str(account_id))
    open_q = select(Case).where(Case.assignee_id == target.id, Case.closed_at.is_(None))
    total = session.scalar(select(func.count()).select_from(open_q.subquery())) or 0
    first = [
        OpenCase(c.id, c.case_no, c.item_code, c.step, c.step_deadline)
        for c in session.scalars(open_q.order_by(Case.id).limit(show))
    ]
    # Correlated per candidate: each count is one probe of the open-cases-by-assignee index.
    load = (
        select(func.count())
        .where(Case.assignee_id == Account.id, Case.closed_at.is_(None))
        .correlate(Account)
        .scalar_subquery()
    )
    rows = session.execute(
        select(Account, load)
        .where(
            Account.region_code == target.region_code,
            Account.department_code == target.department_code,
            Account.status == "active",
            Account.id != target.id,
        )
        .order_by(load, Account.id)
        .limit(200)
    )
    # Only those who could take the cases: a role that handles cases in the unit.
    candidates = [
        Candidate(a.id, a.login_name, a.full_name, a.post, int(n))
        for a, n in rows
        if holds_action(
            load_grants(session, subject_of(a.id)), CASE_HANDLE,
            target.region_code, target.department_code,
        )
    ]  # fmt: skip
    return Handover(int(total), first, list(named), candidates)
