"""Bootstrap (``jzctl init``): the three separated provincial admins, and the few account
facts the sign-in commands need (who is signed in, TOTP enrolment after activation).

``bootstrap_admins`` creates the system, security and audit admins, each pending activation
with a one-time code (72 h) and holding exactly one separated role at the province, through
``rbac.grants.bootstrap_grant``; nothing else. It runs only while nobody holds any of the
three roles: a second ``init`` creates nothing. The codes are returned once and stored only
as hashes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts import credentials
from audit_log.actor import Actor
from casedb.engine import Database
from casedb.errors import Conflict, NotFound
from casedb.models import Account, Department, Region
from casedb.reference import COORDINATOR
from rbac.grants import bootstrap_grant
from rbac.queries import requires_totp
from rbac.store import holders
from rbac.templates import AUDIT_ADMIN, SECURITY_ADMIN, SEPARATED_ROLES, SYSTEM_ADMIN, TEMPLATES

PROVINCE = "530000000000"
# (login, role): the post and the name the account carries are the role's Chinese name.
BOOTSTRAP_LOGINS: tuple[tuple[str, str], ...] = (
    ("sysadmin", SYSTEM_ADMIN),
    ("secadmin", SECURITY_ADMIN),
    ("auditadmin", AUDIT_ADMIN),
)


@dataclass(frozen=True)
class BootstrapAdmin:
    account_id: int
    login: str
    role: str
    activation_code: str
    expires_at: datetime


def has_admin(session: Session) -> bool:
    """Whether any account holds one of the separated roles already."""
    return any(holders(session, role) for role in sorted(SEPARATED_ROLES))


def bootstrap_admins(
    session: Session, actor: Actor, *, now: datetime | None = None
) -> list[BootstrapAdmin]:
    """The three separated admins with activation codes, in the caller's transaction (the
    caller commits); an empty list when an admin exists already. A login already taken by
    an account that holds no separated role is a Conflict: nothing is created."""
    now = now or datetime.now(UTC)
    if has_admin(session):
        return []
    logins = [login for login, _ in BOOTSTRAP_LOGINS]
    taken = session.scalars(select(Account.login_name).where(Account.login_name.in_(logins)))
    clash = sorted(taken)
    if clash:
        raise Conflict("err.bootstrap_login_taken", login=", ".join(clash))
    out: list[BootstrapAdmin] = []
    for login, role in BOOTSTRAP_LOGINS:
        post = TEMPLATES[role].post
        account = Account(
            login_name=login,
            full_name=post,
            region_code=PROVINCE,
            department_code=COORDINATOR,
            post=post,
            status="pending",
            created_at=now,
            status_changed_at=now,
        )
        session.add(account)
        session.flush()
        bootstrap_grant(session, account, role, PROVINCE, actor)
        code = credentials.issue_activation(session, account.id, actor, now=now)
        out.append(
            BootstrapAdmin(account.id, login, role, code, now + credentials.ACTIVATION_VALID)
        )
    return out


# --- the signed-in account, as whoami shows it ---------------------------------------------


@dataclass(frozen=True)
class Identity:
    account_id: int
    login: str
    full_name: str
    region_code: str
    region_name: str
    department_code: str
    department_zh: str
    department_en: str
    post: str
    status: str


def identity(session: Session, account_id: int) -> Identity:
    row = session.execute(
        select(Account, Region.name, Department.name_zh, Department.name_en)
        .join(Region, Region.code == Account.region_code)
        .join(Department, Department.code == Account.department_code)
        .where(Account.id == account_id)
    ).first()
    if row is None:
        raise NotFound("err.account_not_found", account=str(account_id))
    a: Account = row[0]
    return Identity(
        a.id, a.login_name, a.full_name, a.region_code, row[1], a.department_code,
        row[2], row[3], a.post, a.status,
    )  # fmt: skip


def account_id_by_login(session: Session, login: str) -> int:
    found = session.scalar(select(Account.id).where(Account.login_name == login.strip()))
    if found is None:
        raise NotFound("err.account_not_found", account=login[:64])
    return int(found)


# --- TOTP enrolment after activation or at sign-in -----------------------------------------


def totp_pending(db: Database, account_id: int) -> bool:
    """Whether this account must use TOTP and has not enrolled it yet."""
    from accounts.models import Credential

    with db.read() as s:
        cred = s.get(Credential, account_id)
        enrolled = cred is not None and cred.totp_enrolled_at is not None
        return not enrolled and requires_totp(s, account_id)


def begin_totp(db: Database, account_id: int, actor: Actor) -> tuple[str, str]:
    """A new pending TOTP secret (replacing an unconfirmed one): (otpauth URI, secret)."""
    with db.uow() as uow:
        uri, secret = credentials.enrol_totp(uow.session, account_id, actor=actor)
        uow.commit()
    return uri, secret


def finish_totp(db: Database, account_id: int, code: str, actor: Actor) -> None:
    """Confirm the enrolment with the authenticator's first code (InvalidInput if wrong)."""
    with db.uow() as uow:
        credentials.confirm_totp(uow.session, account_id, code, actor=actor)
        uow.commit()
