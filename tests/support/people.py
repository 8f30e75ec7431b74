"""People for tests: accounts with a role, and a signed-in admin at this console.

Set-up writes grants directly (the rules that refuse grants are tested elsewhere); sign-in
goes through the real path, so the session token lands in the test's keyring.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from accounts import credentials, signin
from audit_log.actor import Actor
from casedb.engine import Database
from casedb.models import Account
from rbac.store import Grant, add_grant, bump_version, subject_of

PASSWORD = "Correct-Horse-42!"
SETUP = Actor(login="test-setup", host="test", terminal="-")


@contextmanager
def cheap_hashing() -> Iterator[None]:
    """argon2 at test cost: the production parameters are checked by their own test."""
    credentials.configure_hashing(memory_cost=8, time_cost=1)
    try:
        yield
    finally:
        credentials.configure_hashing()


def make_person(
    db: Database,
    login: str,
    *,
    full_name: str = "测试人员",
    region: str = "530102000000",
    department: str = "civil",
    status: str = "active",
    role: str | None = None,
    role_region: str | None = None,
    role_department: str | None = None,
    password: str | None = PASSWORD,
) -> int:
    """An account (and optionally one grant and a password); returns its id."""
    with db.uow() as uow:
        s = uow.session
        account = Account(
            login_name=login,
            full_name=full_name,
            region_code=region,
            department_code=department,
            status=status,
            created_at=datetime.now(UTC),
        )
        s.add(account)
        s.flush()
        if role is not None:
            add_grant(
                s,
                Grant(
                    subject_of(account.id),
                    role,
                    role_region or region,
                    role_department or department,
                ),
            )
            bump_version(s)
        if password is not None:
            credentials.set_password(s, account.id, password, SETUP)
        uow.commit()
        return account.id


def sign_in_as(db: Database, login: str, password: str = PASSWORD) -> str:
    """Sign in at this console (the token goes to the test's keyring); returns the token."""
    result = signin.sign_in(db, login, password, None, host="testhost", terminal="/dev/pts/0")
    return result.token
