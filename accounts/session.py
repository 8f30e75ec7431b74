"""Who is signed in: look an account up by its login name for the console's header."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from casedb.models import Account


@dataclass(frozen=True)
class AccountInfo:
    """Plain data about one account, safe to hand to a user interface thread."""

    id: int
    login_name: str
    full_name: str
    region_code: str
    department_code: str
    status: str


def find_account(session: Session, login: str) -> AccountInfo | None:
    """The account with this login name, or None when there is none."""
    row = session.execute(
        select(
            Account.id,
            Account.login_name,
            Account.full_name,
            Account.region_code,
            Account.department_code,
            Account.status,
        ).where(Account.login_name == login)
    ).first()
    if row is None:
        return None
    return AccountInfo(
        id=int(row.id),
        login_name=row.login_name,
        full_name=row.full_name,
        region_code=row.region_code,
        department_code=row.department_code,
        status=row.status,
    )
