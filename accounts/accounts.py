"""Real-name accounts: create, update and move through their lifecycle.

Each service call (DESIGN.md "Services and transactions"): authorises first (the ``authorize``
callable rbac provides; a refusal is recorded in a transaction of its own and re-raised),
validates, changes the row and appends its audit event, all in one transaction of the unit of
work it is given. Views and audit diffs carry masked personal data only.

Lifecycle::

    pending ─► active ◄─► locked / suspended
       │         │              │
       └────────►└──► disabled ◄┘ ◄─► archived (kept for history; restore → disabled)

``disabled → active`` re-enables an account; ``archived → disabled`` restores one.
Anything else (including staying in the same state) is a Conflict.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts import personal, validation
from audit_log.actor import Actor
from audit_log.chain import record, record_refusal
from casedb.engine import UnitOfWork
from casedb.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from casedb.models import ACCOUNT_STATUSES, Account, Department, Region

Authorize = Callable[[Actor, str, str, str], None]

ACTION_CREATE = "account.create"
ACTION_UPDATE = "account.update"
ACTION_STATUS = "account.status"

PENDING, ACTIVE, LOCKED, SUSPENDED, DISABLED, ARCHIVED = ACCOUNT_STATUSES
TRANSITIONS: Mapping[str, frozenset[str]] = {
    PENDING: frozenset({ACTIVE, DISABLED}),
    ACTIVE: frozenset({LOCKED, SUSPENDED, DISABLED}),
    LOCKED: frozenset({ACTIVE, SUSPENDED, DISABLED}),
    SUSPENDED: frozenset({ACTIVE, DISABLED}),
    DISABLED: frozenset({ACTIVE, ARCHIVED}),
    ARCHIVED: frozenset({DISABLED}),
}
USABLE_STATUSES = frozenset({ACTIVE})


class Keep(Enum):
    """Leave a field as it is (``None`` clears an optional one)."""

    KEEP = "keep"


KEEP = Keep.KEEP


@dataclass(frozen=True)
class CreateAccount:
    login_name: str
    full_name: str
    id_number: str
    region_code: str
    department_code: str
    mobile: str = ""
    wechat_id: str = ""
    post: str = ""
    valid_from: datetime | None = None
    valid_until: datetime | None = None


@dataclass(frozen=True)
class UpdateAccount:
    account_id: int
    full_name: str | Keep = KEEP
    mobile: str | Keep = KEEP  # "" removes it
    wechat_id: str | Keep = KEEP
    post: str | Keep = KEEP
    region_code: str | Keep = KEEP
    department_code: str | Keep = KEEP
    valid_from: datetime | Keep | None = KEEP
    valid_until: datetime | Keep | None = KEEP


@dataclass(frozen=True)
class ChangeStatus:
    account_id: int
    status: str
    reason: str = ""


@dataclass(frozen=True)
class AccountView:
    """An account as anyone may see it: personal data masked."""

    id: int
    login_name: str
    full_name: str
    region_code: str
    department_code: str
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


def view(account: Account) -> AccountView:
    return AccountView(
        id=account.id,
        login_name=account.login_name,
        full_name=account.full_name,
        region_code=account.region_code,
        department_code=account.department_code,
        post=account.post,
        id_masked=account.id_masked,
        mobile_masked=account.mobile_masked,
        wechat_id=account.wechat_id,
        status=account.status,
        status_reason=account.status_reason,
        status_changed_at=account.status_changed_at,
        valid_from=account.valid_from,
        valid_until=account.valid_until,
        created_at=account.created_at,
    )


def is_usable(account: Account | AccountView, now: datetime | None = None) -> bool:
    """Whether the account may act at all (invariant 6): active and inside its window."""
    now = now or datetime.now(UTC)
    if account.status not in USABLE_STATUSES:
        return False
    if account.valid_from is not None and now < account.valid_from:
        return False
    return account.valid_until is None or now < account.valid_until


def _audit_fields(account: Account) -> dict[str, Any]:
    """What the audit diff shows of an account: masked personal data only."""
    return {
        "login_name": account.login_name,
        "full_name": account.full_name,
        "region_code": account.region_code,
        "department_code": account.department_code,
        "post": account.post,
        "id_masked": account.id_masked,
        "mobile_masked": account.mobile_masked,
        "wechat_id": account.wechat_id,
        "status": account.status,
        "valid_from": account.valid_from,
        "valid_until": account.valid_until,
    }


def _authorise(
    uow: UnitOfWork,
    authorize: Authorize,
    actor: Actor,
    action: str,
    region: str,
    department: str,
    target: str,
) -> None:
    try:
        authorize(actor, action, region, department)
    except PermissionDenied as exc:
        record_refusal(uow, actor, action, reason=exc.key, target_kind="account",
                       target_id=target, region=region, department=department)  # fmt: skip
        raise


def _unit(session: Session, region_code: str, department_code: str) -> tuple[str, str]:
    region = validation.plain_text(region_code, "region_code", 12, required=True)
    if session.get(Region, region) is None:
        raise NotFound("err.region_not_found", code=region)
    department = validation.plain_text(department_code, "department_code", 16, required=True)
    if session.get(Department, department) is None:
        raise NotFound("err.department_not_found", code=department)
    return region, department


def find_by_login(session: Session, login: str) -> Account | None:
    return session.scalars(select(Account).where(Account.login_name == login)).first()


def find_by_id_number(session: Session, raw: str) -> Account | None:
    """The account of a person, looked up by the blind index of their ID number."""
    number = validation.id_number(raw, None)
    index = personal.blind_index(session, number, purpose=personal.PURPOSE_ID_NUMBER)
    return session.scalars(select(Account).where(Account.id_index == index)).first()


def find_by_mobile(session: Session, raw: str) -> list[Account]:
    number = validation.mobile(raw)
    index = personal.blind_index(session, number, purpose=personal.PURPOSE_MOBILE)
    return list(session.scalars(select(Account).where(Account.mobile_index == index)))


def _get(session: Session, account_id: int) -> Account:
    account = session.get(Account, account_id, with_for_update=True)
    if account is None:
        raise NotFound("err.account_not_found", account=str(account_id))
    return account


def _set_mobile(session: Session, account: Account, number: str) -> None:
    if number:
        account.mobile_cipher = personal.seal(session, number, aad=personal.AAD_MOBILE)
        account.mobile_index = personal.blind_index(
            session, number, purpose=personal.PURPOSE_MOBILE
        )
        account.mobile_masked = personal.mask_mobile(number)
        account.key_version = personal.blob_version(account.mobile_cipher)
    else:
        account.mobile_cipher = account.mobile_index = None
        account.mobile_masked = ""


def create_account(
    cmd: CreateAccount, uow: UnitOfWork, actor: Actor, *, authorize: Authorize
) -> AccountView:
    """A new account, pending activation; refuses a second account for the same person."""
    _authorise(uow, authorize, actor, ACTION_CREATE, cmd.region_code, cmd.department_code,
               cmd.login_name[:64])  # fmt: skip
    login = validation.login_name(cmd.login_name)
    name = validation.full_name(cmd.full_name)
    mobile = validation.mobile(cmd.mobile) if cmd.mobile.strip() else ""
    wechat = validation.wechat_id(cmd.wechat_id)
    post = validation.post(cmd.post)
    valid_from, valid_until = validation.validity(cmd.valid_from, cmd.valid_until)
    duplicate: tuple[str, str] | None = None
    with uow:
        s = uow.session
        region, department = _unit(s, cmd.region_code, cmd.department_code)
        number = validation.id_number(cmd.id_number, validation.known_counties(s))
        # Sealing first takes the audit head lock: the version and the duplicate check below
        # cannot be overtaken by a concurrent rotation or creation (PostgreSQL).
        id_cipher = personal.seal(s, number, aad=personal.AAD_ID_NUMBER)
        id_index = personal.blind_index(s, number, purpose=personal.PURPOSE_ID_NUMBER)
        existing = s.scalars(select(Account).where(Account.id_index == id_index)).first()
        if existing is not None:
            duplicate = (existing.login_name, existing.id_masked)
        elif find_by_login(s, login) is not None:
            raise Conflict("err.login_taken", login=login)
        else:
            now = datetime.now(UTC)
            account = Account(
                login_name=login,
                full_name=name,
                region_code=region,
                department_code=department,
                post=post,
                id_masked=personal.mask_id_number(number),
                status=PENDING,
                created_at=now,
                id_cipher=id_cipher,
                id_index=id_index,
                key_version=personal.blob_version(id_cipher),
                wechat_id=wechat,
                valid_from=valid_from,
                valid_until=valid_until,
                status_changed_at=now,
                status_reason="",
            )
            _set_mobile(s, account, mobile)
            s.add(account)
            s.flush()
            record(s, actor, ACTION_CREATE, target_kind="account", target_id=str(account.id),
                   region=region, department=department,
                   after=_audit_fields(account))  # fmt: skip
            uow.commit()
            return view(account)
    # A second account for one person: recorded (masked) as a failed attempt, then refused.
    login_existing, masked = duplicate
    record_refusal(uow, actor, ACTION_CREATE, outcome="failed", reason="duplicate person",
                   target_kind="account", target_id=login, region=cmd.region_code,
                   department=cmd.department_code,
                   details={"existing": login_existing, "id_masked": masked})  # fmt: skip
    raise Conflict("err.person_has_account", existing=login_existing, id_masked=masked)


def _unit_of(uow: UnitOfWork, account_id: int) -> tuple[str, str, str]:
    with uow:
        row = uow.session.execute(
            select(Account.region_code, Account.department_code, Account.login_name).where(
                Account.id == account_id
            )
        ).first()
    if row is None:
        raise NotFound("err.account_not_found", account=str(account_id))
    return row[0], row[1], row[2]


def update_account(
    cmd: UpdateAccount, uow: UnitOfWork, actor: Actor, *, authorize: Authorize
) -> AccountView:
    """Change an account's details; a move to another unit needs the right at both ends."""
    region0, department0, login = _unit_of(uow, cmd.account_id)
    _authorise(uow, authorize, actor, ACTION_UPDATE, region0, department0, str(cmd.account_id))
    new_region = region0 if isinstance(cmd.region_code, Keep) else cmd.region_code
    new_department = department0 if isinstance(cmd.department_code, Keep) else cmd.department_code
    if (new_region, new_department) != (region0, department0):
        _authorise(uow, authorize, actor, ACTION_UPDATE, new_region, new_department,
                   str(cmd.account_id))  # fmt: skip
    name = None if isinstance(cmd.full_name, Keep) else validation.full_name(cmd.full_name)
    mobile: str | None = None
    if not isinstance(cmd.mobile, Keep):
        mobile = validation.mobile(cmd.mobile) if cmd.mobile.strip() else ""
    wechat = None if isinstance(cmd.wechat_id, Keep) else validation.wechat_id(cmd.wechat_id)
    post = None if isinstance(cmd.post, Keep) else validation.post(cmd.post)
    with uow:
        s = uow.session
        account = _get(s, cmd.account_id)
        if (account.region_code, account.department_code) != (region0, department0):
            raise Conflict("err.account_changed", account=login)
        before = _audit_fields(account)
        if (new_region, new_department) != (region0, department0):
            account.region_code, account.department_code = _unit(s, new_region, new_department)
        if name is not None:
            account.full_name = name
        if wechat is not None:
            account.wechat_id = wechat
        if post is not None:
            account.post = post
        valid_from = account.valid_from if isinstance(cmd.valid_from, Keep) else cmd.valid_from
        valid_until = account.valid_until if isinstance(cmd.valid_until, Keep) else cmd.valid_until
        account.valid_from, account.valid_until = validation.validity(valid_from, valid_until)
        mobile_changed = mobile is not None and mobile != _current_mobile(s, account)
        if mobile is not None and mobile_changed:
            _set_mobile(s, account, mobile)
        after = _audit_fields(account)
        if after == before and not mobile_changed:
            return view(account)  # nothing to change, nothing to record
        s.flush()
        record(s, actor, ACTION_UPDATE, target_kind="account", target_id=str(account.id),
               region=account.region_code, department=account.department_code,
               before=before, after=after)  # fmt: skip
        uow.commit()
        return view(account)


def _current_mobile(session: Session, account: Account) -> str:
    if account.mobile_cipher is None:
        return ""
    return personal.unseal(session, account.mobile_cipher, aad=personal.AAD_MOBILE)


def change_status(
    cmd: ChangeStatus, uow: UnitOfWork, actor: Actor, *, authorize: Authorize
) -> AccountView:
    """Move an account along its lifecycle; an illegal transition is a Conflict."""
    if cmd.status not in ACCOUNT_STATUSES:
        raise InvalidInput(
            "err.status_unknown", field="status", status=cmd.status[:32],
            statuses=", ".join(ACCOUNT_STATUSES),
        )  # fmt: skip
    region, department, login = _unit_of(uow, cmd.account_id)
    _authorise(uow, authorize, actor, ACTION_STATUS, region, department, str(cmd.account_id))
    if actor.account_id is not None and actor.account_id == cmd.account_id:
        record_refusal(uow, actor, ACTION_STATUS, reason="own account", target_kind="account",
                       target_id=str(cmd.account_id), region=region,
                       department=department)  # fmt: skip
        raise PermissionDenied("err.status_own_account")
    reason = validation.reason(cmd.reason, "reason")
    with uow:
        s = uow.session
        account = _get(s, cmd.account_id)
        current = account.status
        if cmd.status not in TRANSITIONS.get(current, frozenset()):
            raise Conflict("err.status_transition", account=login, current=current,
                           target=cmd.status)  # fmt: skip
        before = {"status": current, "status_reason": account.status_reason}
        account.status = cmd.status
        account.status_reason = reason
        account.status_changed_at = datetime.now(UTC)
        s.flush()
        record(s, actor, ACTION_STATUS, target_kind="account", target_id=str(account.id),
               region=account.region_code, department=account.department_code, reason=reason,
               before=before,
               after={"status": cmd.status, "status_reason": reason})  # fmt: skip
        uow.commit()
        return view(account)
