"""Cases for tests of case supervision: a fixed clock and work orders written directly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count

from audit_log.actor import Actor
from casedb.engine import Database
from casedb.models import Account, Case, CaseEvent
from casedb.supervision_queries import unit_of

# A Wednesday in November 2026 (no holiday near), 10:00 in Kunming.
NOW = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)
COUNTY = "530102000000"
TOWNSHIP = "530102001000"
OTHER_TOWNSHIP = "530102002000"
OTHER_COUNTY = "530103000000"
OTHER_COUNTY_TOWNSHIP = "530103001000"
PREFECTURE = "530100000000"
_numbers = count(1)


def add_case(
    db: Database,
    *,
    region: str = TOWNSHIP,
    department: str = "civil",
    item: str = "dibao",
    step: str = "investigate",
    step_level: int = 4,
    assignee: int | None = None,
    deadline: datetime | None = None,
    created: datetime | None = None,
    closed: datetime | None = None,
    status: str | None = None,
    case_no: str | None = None,
) -> str:
    """One case (and its creation event); returns its number. Open unless ``closed``."""
    created = created or NOW - timedelta(days=2)
    if deadline is None and closed is None:
        deadline = NOW + timedelta(days=3)
    no = case_no or f"T{next(_numbers):08d}"
    with db.uow() as uow:
        c = Case(
            case_no=no,
            region_code=region,
            department_code=department,
            item_code=item,
            channel="self",
            status=status or ("closed" if closed else "open"),
            step="closed" if closed and step == "investigate" else step,
            step_level=step_level,
            assignee_id=assignee,
            step_deadline=None if closed else deadline,
            created_at=created,
            closed_at=closed,
        )
        uow.session.add(c)
        uow.session.flush()
        uow.session.add(CaseEvent(case_id=c.id, at=created, action="created", step="accept",
                                  step_level=3, actor_id=None, note=""))  # fmt: skip
        uow.commit()
    return no


def actor_of(db: Database, account_id: int) -> Actor:
    with db.read() as s:
        account = s.get(Account, account_id)
        assert account is not None
        return Actor(account.login_name, account_id, host="test", terminal="-")


__all__ = ["NOW", "actor_of", "add_case", "unit_of"]
