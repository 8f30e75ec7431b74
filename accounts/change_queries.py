"""List queries over personnel change requests (``jzctl change list``): the requests the
signed-in actor may review or execute now (by their grants, or today's deputy appointments,
covering the resolved units), and those they submitted. Keyset paged by id, newest first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts.change_models import ChangeRequest
from accounts.changes import ChangeView, deputised_by, holds_role, view
from rbac.store import Grant, load_grants, subject_of

SCOPES = ("to_review", "to_execute", "mine")
_BATCH = 200


@dataclass(frozen=True)
class Page:
    items: list[ChangeView]
    next_before: int | None


def _may(grants: Sequence[Sequence[Grant]], role: str, unit: str) -> bool:
    region, _, department = unit.partition("|")
    return any(holds_role(g, role, region, department) for g in grants)


def _fits(req: ChangeRequest, scope: str, me: int, grants: Sequence[Sequence[Grant]]) -> bool:
    if scope == "mine":
        return req.submitted_by == me
    if me in (req.submitted_by, req.target_account_id):
        return False
    if scope == "to_review":
        return req.state == "submitted" and _may(grants, req.reviewer_role, req.reviewer_unit)
    return req.state == "reviewed" and _may(grants, req.executor_role, req.executor_unit)


def list_requests(
    session: Session,
    account_id: int,
    scope: str,
    *,
    overdue: bool = False,
    before: int | None = None,
    limit: int = 50,
    now: datetime | None = None,
) -> Page:
    """One page of the scope's requests with ids below ``before``; ``next_before`` pages on."""
    if scope not in SCOPES:
        raise ValueError(scope)
    at = now or datetime.now(UTC)
    grants: list[list[Grant]] = [load_grants(session, subject_of(account_id))]
    if scope != "mine":
        for principal in deputised_by(session, account_id, at):
            grants.append(load_grants(session, subject_of(principal)))
    found: list[ChangeView] = []
    cursor = before
    while len(found) <= limit:
        q = select(ChangeRequest).order_by(ChangeRequest.id.desc()).limit(_BATCH)
        if cursor is not None:
            q = q.where(ChangeRequest.id < cursor)
        if scope == "mine":
            q = q.where(ChangeRequest.submitted_by == account_id)
        else:
            wanted = "submitted" if scope == "to_review" else "reviewed"
            q = q.where(ChangeRequest.state == wanted)
        if overdue:
            q = q.where(ChangeRequest.deadline.is_not(None), ChangeRequest.deadline < at)
        rows = list(session.scalars(q))
        for req in rows:
            if _fits(req, scope, account_id, grants):
                found.append(view(req))
        if len(rows) < _BATCH:
            break
        cursor = rows[-1].id
    if len(found) > limit:
        return Page(found[:limit], found[limit - 1].id)
    return Page(found, None)
