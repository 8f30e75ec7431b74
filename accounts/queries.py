"""Reading accounts for lists: keyset-paged, filtered pages of plain rows (masked data only).

Pages are ordered by login name (unique) and continue after the last login of the previous
page, so a page costs the same wherever it is in the list. Filters: a unit subtree (a range
of region codes, ``casedb.regions.subtree_bounds``, which the ``(region_code,
department_code)`` index serves), a department, a status and a prefix of the login name or
the full name. Rows carry the masked ID and mobile only; the clear values never leave the
ciphertext here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from casedb.errors import InvalidInput
from casedb.models import ACCOUNT_STATUSES, Account, Department, Region
from casedb.regions import expand, level_of, subtree_bounds

MAX_LIMIT = 500
PREFIX_MAX = 64


@dataclass(frozen=True)
class AccountRow:
    """One account as a list and its detail pane show it."""

    id: int
    login_name: str
    full_name: str
    region_code: str
    region_name: str
    department_code: str
    department_zh: str
    department_en: str
    post: str
    id_masked: str
    mobile_masked: str
    wechat_id: str
    status: str
    status_reason: str
    status_changed_at: datetime | None
    valid_from: datetime | None
    valid_until: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class Page:
    """One page; ``next_after`` is the key to pass as ``after`` for the next one, or None."""

    rows: list[AccountRow]
    next_after: str | None


def _columns() -> Select[*tuple[Any, ...]]:
    return select(
        Account.id,
        Account.login_name,
        Account.full_name,
        Account.region_code,
        Region.name,
        Account.department_code,
        Department.name_zh,
        Department.name_en,
        Account.post,
        Account.id_masked,
        Account.mobile_masked,
        Account.wechat_id,
        Account.status,
        Account.status_reason,
        Account.status_changed_at,
        Account.valid_from,
        Account.valid_until,
        Account.created_at,
    ).select_from(
        Account.__table__.join(Region.__table__, Region.code == Account.region_code).join(
            Department.__table__, Department.code == Account.department_code
        )
    )


def _row(r: tuple[Any, ...]) -> AccountRow:
    return AccountRow(*r)


def region_bounds(region: str) -> tuple[str, str]:
    """``5301``, ``530102`` or a 12-digit code as an inclusive code range; InvalidInput else."""
    code = expand(region)
    if code is None:
        raise InvalidInput("err.region_not_found", code=region[:20])
    try:
        level_of(code)
    except ValueError as exc:
        raise InvalidInput("err.region_not_found", code=region[:20]) from exc
    return subtree_bounds(code)


def list_accounts(
    session: Session,
    *,
    region_prefix: str | None = None,
    department: str | None = None,
    status: str | None = None,
    name_prefix: str | None = None,
    after: str | None = None,
    limit: int = 100,
) -> Page:
    """A page of accounts in login order after the login ``after``, filtered."""
    if status is not None and status not in ACCOUNT_STATUSES:
        raise InvalidInput(
            "err.status_unknown",
            field="status",
            status=status[:32],
            statuses=", ".join(ACCOUNT_STATUSES),
        )
    limit = max(1, min(limit, MAX_LIMIT))
    query = _columns()
    if region_prefix:
        low, high = region_bounds(region_prefix)
        query = query.where(Account.region_code.between(low, high))
    if department:
        query = query.where(Account.department_code == department)
    if status:
        query = query.where(Account.status == status)
    prefix = (name_prefix or "").strip()[:PREFIX_MAX]
    if prefix:
        query = query.where(
            or_(
                Account.login_name.startswith(prefix.lower(), autoescape=True),
                Account.full_name.startswith(prefix, autoescape=True),
            )
        )
    if after is not None:
        query = query.where(Account.login_name > after)
    rows = [
        _row(tuple(r)) for r in session.execute(query.order_by(Account.login_name).limit(limit + 1))
    ]
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, rows[-1].login_name if more and rows else None)


def get_account(session: Session, account_id: int) -> AccountRow | None:
    """One account's row (after a change, to refresh the list), or None."""
    r = session.execute(_columns().where(Account.id == account_id)).first()
    return None if r is None else _row(tuple(r))


def find_login(session: Session, login: str) -> AccountRow | None:
    r = session.execute(_columns().where(Account.login_name == login.strip().lower())).first()
    return None if r is None else _row(tuple(r))
