"""What the ``jzctl account`` and ``jzctl key`` commands need beyond the core services.

Each function takes the signed-in operator's ``actor`` and ``authorize`` (or ``decide``)
callables, authorises before it changes or reads anything, records refusals in a
transaction of their own, and does its change and its audit events in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import String, cast, exists, literal, or_, select, update
from sqlalchemy.orm import Session

from accounts import accounts as acc
from accounts import credentials, personal, signin
from accounts.models import Credential, SigninSession
from audit_log.actor import Actor
from audit_log.chain import record, record_refusal
from casedb.engine import Database, UnitOfWork
from casedb.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from casedb.models import ACCOUNT_STATUSES, Account, Department, Region
from casedb.regions import expand, level_of, subtree_bounds
from rbac.models import PolicyRuleRow
from rbac.store import Grant
from rbac.templates import ACCOUNT_REVEAL, ACCOUNT_UPDATE, SYSTEM_CONFIG, TEMPLATES

Authorize = Callable[[Actor, str, str, str], None]
Decide = Callable[[str, str, str], bool]

ACTION_RESET = "account.reset"
ACTION_READ = "account.read"  # audit name of a refused read; decided as account.update
ACTION_SWEEP = "account.sweep"
PROVINCE = "530000000000"
ALL = "*"
MAX_LIMIT = 500
SWEEPABLE = ("pending", "active", "locked", "suspended")
RESETTABLE = frozenset({"pending", "active", "locked", "suspended"})


# --- finding an account ----------------------------------------------------------------------


def account_id_by_login(db: Database, login: str) -> int:
    with db.read() as s:
        found = s.scalar(select(Account.id).where(Account.login_name == login.strip().lower()))
    if found is None:
        raise NotFound("err.account_not_found", account=login.strip()[:64])
    return int(found)


def _unit(db: Database, account_id: int) -> tuple[str, str, str]:
    with db.read() as s:
        row = s.execute(
            select(Account.region_code, Account.department_code, Account.login_name).where(
                Account.id == account_id
            )
        ).first()
    if row is None:
        raise NotFound("err.account_not_found", account=str(account_id))
    return str(row[0]), str(row[1]), str(row[2])


def _authorise(
    db: Database,
    authorize: Authorize,
    actor: Actor,
    action: str,
    region: str,
    department: str,
    target: str,
    *,
    audit_as: str | None = None,
) -> None:
    try:
        authorize(actor, action, region, department)
    except PermissionDenied as exc:
        record_refusal(db.uow(), actor, audit_as or action, reason=exc.key,
                       target_kind="account", target_id=target[:64], region=region,
                       department=department)  # fmt: skip
        raise


# --- create with its activation code, in one transaction -------------------------------------


class _IssuingUnit(UnitOfWork):
    """A unit of work that issues the new account's activation code just before committing,
    so the account, the code and both audit events commit together (or none does)."""

    def __init__(self, engine: Any, login: str, actor: Actor) -> None:
        super().__init__(engine)
        self.login = login
        self.actor = actor
        self.code: str | None = None

    def commit(self) -> None:
        created = [
            obj
            for obj in self.session.identity_map.values()
            if isinstance(obj, Account) and obj.login_name == self.login and obj.status == "pending"
        ]
        if created and self.code is None:
            self.code = credentials.issue_activation(self.session, created[0].id, self.actor)
        super().commit()


def create_with_code(
    db: Database, cmd: acc.CreateAccount, actor: Actor, *, authorize: Authorize
) -> tuple[acc.AccountView, str]:
    """``account create``: the account (authorised by the service) and its one-time code."""
    from accounts import validation

    unit = _IssuingUnit(db.engine, validation.login_name(cmd.login_name), actor)
    view = acc.create_account(cmd, unit, actor, authorize=authorize)
    if unit.code is None:  # pragma: no cover - the service always commits through the unit
        raise Conflict("err.account_changed", account=view.login_name)
    return view, unit.code


# --- reset -------------------------------------------------------------------------------------


def reset_account(db: Database, login: str, actor: Actor, *, authorize: Authorize) -> str:
    """A new activation code: the password, TOTP and open sessions end; audited."""
    account_id = account_id_by_login(db, login)
    region, department, name = _unit(db, account_id)
    _authorise(db, authorize, actor, ACCOUNT_UPDATE, region, department, str(account_id),
               audit_as=ACTION_RESET)  # fmt: skip
    if actor.account_id == account_id:
        record_refusal(db.uow(), actor, ACTION_RESET, reason="own account",
                       target_kind="account", target_id=str(account_id), region=region,
                       department=department)  # fmt: skip
        raise PermissionDenied("err.reset_own_account")
    with db.uow() as uow:
        s = uow.session
        account = s.get(Account, account_id, with_for_update=True)
        if account is None:
            raise NotFound("err.account_not_found", account=name)
        if account.status not in RESETTABLE:
            raise Conflict("err.reset_status", login=name, status=account.status)
        now = datetime.now(UTC)
        cred = credentials.credential_for_update(s, account_id)
        cred.totp_secret = None
        cred.totp_enrolled_at = None
        cred.totp_last_step = None
        open_sessions = list(
            s.scalars(
                select(SigninSession.id).where(
                    SigninSession.account_id == account_id, SigninSession.ended_at.is_(None)
                )
            )
        )
        if open_sessions:
            s.execute(
                update(SigninSession)
                .where(SigninSession.id.in_(open_sessions))
                .values(ended_at=now, end_reason="reset")
            )
        ended = len(open_sessions)
        code = credentials.issue_activation(s, account_id, actor, now=now)
        record(s, actor, ACTION_RESET, target_kind="account", target_id=str(account_id),
               region=account.region_code, department=account.department_code, at=now,
               details={"sessions_ended": ended, "totp_cleared": True})  # fmt: skip
        uow.commit()
    return code


# --- lifecycle -------------------------------------------------------------------------------


def change_status(
    db: Database, login: str, status: str, reason: str, actor: Actor, *, authorize: Authorize
) -> acc.AccountView:
    account_id = account_id_by_login(db, login)
    cmd = acc.ChangeStatus(account_id, status, reason)
    return acc.change_status(cmd, db.uow(), actor, authorize=authorize)


def restore_target(db: Database, login: str) -> str:
    """``restore``: archived → disabled (kept for history); suspended or disabled → active."""
    account_id = account_id_by_login(db, login)
    with db.read() as s:
        status = s.scalar(select(Account.status).where(Account.id == account_id))
    return "disabled" if status == "archived" else "active"


@dataclass(frozen=True)
class UnlockResult:
    status_changed: bool
    failures_cleared: bool
    view: acc.AccountView | None


def unlock(
    db: Database, login: str, reason: str, actor: Actor, *, authorize: Authorize
) -> UnlockResult:
    """``unlock``: a locked account becomes active, and a failure lock (and its counter) ends."""
    account_id = account_id_by_login(db, login)
    with db.read() as s:
        status = s.scalar(select(Account.status).where(Account.id == account_id))
        cred = signin.credential_status(s, account_id)
    failures = cred.locked or cred.failed_count > 0
    if status != "locked" and not failures:
        region, department, name = _unit(db, account_id)
        _authorise(db, authorize, actor, acc.ACTION_STATUS, region, department,
                   str(account_id), audit_as="account.unlock")  # fmt: skip
        raise Conflict("err.account_not_locked", account=name)
    view = None
    if status == "locked":
        view = acc.change_status(
            acc.ChangeStatus(account_id, "active", reason), db.uow(), actor, authorize=authorize
        )
    if failures:
        with db.uow() as uow:
            signin.unlock(uow.session, account_id, actor, authorize=authorize)
            uow.commit()
    return UnlockResult(view is not None, failures, view)


# --- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatusInfo:
    view: acc.AccountView
    credential: signin.CredentialStatus


def read_account(
    db: Database, login: str, actor: Actor, *, authorize: Authorize
) -> acc.AccountView:
    """One account, masked, for an operator whose scope holds it."""
    account_id = account_id_by_login(db, login)
    region, department, _ = _unit(db, account_id)
    _authorise(db, authorize, actor, ACCOUNT_UPDATE, region, department, str(account_id),
               audit_as=ACTION_READ)  # fmt: skip
    with db.read() as s:
        account = s.get(Account, account_id)
        if account is None:
            raise NotFound("err.account_not_found", account=login[:64])
        return acc.view(account)


def status_of(db: Database, login: str, actor: Actor, *, authorize: Authorize) -> StatusInfo:
    view = read_account(db, login, actor, authorize=authorize)
    with db.read() as s:
        return StatusInfo(view, signin.credential_status(s, view.id))


def reveal(
    db: Database, login: str, field: str, actor: Actor, *, decide: Decide, authorize: Authorize
) -> tuple[acc.AccountView, str]:
    """The clear value of one field, for an operator allowed ``account.reveal``; audited."""
    view = read_account(db, login, actor, authorize=authorize)

    def may_reveal(_actor: Actor, account: Account) -> bool:
        return decide(ACCOUNT_REVEAL, account.region_code, account.department_code)

    with db.uow() as uow:
        value = personal.reveal(uow.session, actor, view.id, field, may_reveal=may_reveal)
        uow.commit()
    return view, value


def _scope_clause(grants: Sequence[Grant]) -> Any:
    parts = []
    for g in grants:
        low, high = subtree_bounds(g.region)
        cond: Any = Account.region_code.between(low, high)
        if g.department != ALL:
            cond = cond & (Account.department_code == g.department)
        parts.append(cond)
    return or_(*parts)


def admin_grants(grants: Sequence[Grant]) -> list[Grant]:
    """The grants through which an operator administers accounts (and so may read them)."""
    return [
        g for g in grants if g.role in TEMPLATES and ACCOUNT_UPDATE in TEMPLATES[g.role].actions
    ]


@dataclass(frozen=True)
class ListRow:
    id: int
    login_name: str
    full_name: str
    region_code: str
    region_name: str
    department_code: str
    post: str
    id_masked: str
    mobile_masked: str
    wechat_id: str
    status: str
    valid_from: datetime | None
    valid_until: datetime | None
    created_at: datetime

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(frozen=True)
class ListPage:
    rows: list[ListRow]
    next_after: str | None


@dataclass(frozen=True)
class ListFilter:
    region: str | None = None
    department: str | None = None
    role: str | None = None
    status: str | None = None
    name_prefix: str | None = None


def _check_filter(f: ListFilter) -> tuple[str, str] | None:
    if f.status is not None and f.status not in ACCOUNT_STATUSES:
        raise InvalidInput("err.status_unknown", field="status", status=f.status[:32],
                           statuses=", ".join(ACCOUNT_STATUSES))  # fmt: skip
    if f.role is not None and f.role not in TEMPLATES:
        raise InvalidInput("err.rbac_unknown_role", role=f.role[:32])
    if not f.region:
        return None
    code = expand(f.region)
    if code is None:
        raise InvalidInput("err.region_not_found", code=f.region[:20])
    try:
        level_of(code)
    except ValueError as exc:
        raise InvalidInput("err.region_not_found", code=f.region[:20]) from exc
    return subtree_bounds(code)


def _query(grants: Sequence[Grant], f: ListFilter) -> Any:
    bounds = _check_filter(f)
    query = (
        select(
            Account.id,
            Account.login_name,
            Account.full_name,
            Account.region_code,
            Region.name,
            Account.department_code,
            Account.post,
            Account.id_masked,
            Account.mobile_masked,
            Account.wechat_id,
            Account.status,
            Account.valid_from,
            Account.valid_until,
            Account.created_at,
        )
        .join(Region, Region.code == Account.region_code)
        .where(_scope_clause(grants))
    )
    if bounds is not None:
        query = query.where(Account.region_code.between(*bounds))
    if f.department:
        query = query.where(Account.department_code == f.department)
    if f.status:
        query = query.where(Account.status == f.status)
    prefix = (f.name_prefix or "").strip()[:64]
    if prefix:
        query = query.where(
            or_(
                Account.login_name.startswith(prefix.lower(), autoescape=True),
                Account.full_name.startswith(prefix, autoescape=True),
            )
        )
    if f.role:
        subject = literal("a:") + cast(Account.id, String)
        query = query.where(
            exists().where(
                PolicyRuleRow.ptype == "g",
                PolicyRuleRow.v1 == f.role,
                PolicyRuleRow.v0 == subject,
            )
        )
    return query


def _readable_grants(db: Database, actor: Actor, grants: Sequence[Grant], what: str) -> list[Grant]:
    usable = admin_grants(grants)
    if not usable:
        record_refusal(db.uow(), actor, ACTION_READ, reason="err.account_read_denied",
                       target_kind="account", target_id=what)  # fmt: skip
        raise PermissionDenied("err.account_read_denied", login=actor.login)
    return usable


def list_accounts(
    db: Database,
    actor: Actor,
    grants: Sequence[Grant],
    f: ListFilter,
    *,
    after: str | None = None,
    limit: int = 50,
) -> ListPage:
    """A keyset page (login order) of the accounts the operator administers, filtered."""
    scope = _readable_grants(db, actor, grants, "list")
    limit = max(1, min(limit, MAX_LIMIT))
    query = _query(scope, f)
    if after is not None:
        query = query.where(Account.login_name > after)
    with db.read() as s:
        rows = [ListRow(*r) for r in s.execute(query.order_by(Account.login_name).limit(limit + 1))]
    more = len(rows) > limit
    rows = rows[:limit]
    return ListPage(rows, rows[-1].login_name if more and rows else None)


def export_rows(
    db: Database, actor: Actor, grants: Sequence[Grant], f: ListFilter, *, fmt: str, target: str
) -> Iterator[ListRow]:
    """Every account of the operator's scope matching the filter (masked), in login order;
    the export is recorded before the first row is read."""
    scope = _readable_grants(db, actor, grants, "export")
    query = _query(scope, f)
    with db.uow() as uow:
        record(uow.session, actor, "account.export", target_kind="file", target_id=target[:64],
               details={"format": fmt, "region": f.region, "department": f.department,
                        "role": f.role, "status": f.status})  # fmt: skip
        uow.commit()
    last: str | None = None
    while True:
        q = query if last is None else query.where(Account.login_name > last)
        with db.read() as s:
            chunk = [ListRow(*r) for r in s.execute(q.order_by(Account.login_name).limit(2000))]
        if not chunk:
            return
        yield from chunk
        last = chunk[-1].login_name


def department_names(session: Session) -> dict[str, tuple[str, str]]:
    return {r[0]: (r[1], r[2]) for r in session.execute(select(Department.code, Department.name_zh,
                                                                Department.name_en))}  # fmt: skip


# --- sweep -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepRow:
    login_name: str
    status: str
    last_used: datetime | None


@dataclass(frozen=True)
class SweepResult:
    days: int
    cutoff: datetime
    disabled: list[SweepRow]
    out_of_scope: int
    dry_run: bool


def sweep(
    db: Database,
    actor: Actor,
    *,
    days: int,
    decide: Decide | None,
    dry_run: bool = False,
    now: datetime | None = None,
) -> SweepResult:
    """Disable accounts unused for ``days`` (no sign-in, nor creation, since): one transaction,
    one event per account and a summary event. With ``decide`` only the operator's scope is
    swept; without it (cron, no one signed in) the sweep runs as ``system``: it only ever
    takes access away."""
    if not 1 <= days <= 3650:
        raise InvalidInput("err.sweep_days", days=days)
    now = now or datetime.now(UTC)
    cutoff = now - timedelta(days=days)
    last_used = Credential.last_login_at
    query = (
        select(Account, last_used)
        .outerjoin(Credential, Credential.account_id == Account.id)
        .where(
            Account.status.in_(SWEEPABLE),
            or_(
                last_used < cutoff,
                (last_used.is_(None)) & (Account.created_at < cutoff),
            ),
        )
        .order_by(Account.login_name)
    )
    found: list[SweepRow] = []
    skipped = 0
    with db.uow() as uow:
        s = uow.session
        for account, used in s.execute(query.with_for_update(of=Account)).all():
            if account.id == actor.account_id:
                skipped += 1
                continue
            if decide is not None and not decide(
                acc.ACTION_STATUS, account.region_code, account.department_code
            ):
                skipped += 1
                continue
            found.append(SweepRow(account.login_name, account.status, used))
            if dry_run:
                continue
            before = {"status": account.status, "status_reason": account.status_reason}
            reason = f"unused for {days} days"
            account.status = "disabled"
            account.status_reason = reason
            account.status_changed_at = now
            s.flush()
            record(s, actor, acc.ACTION_STATUS, target_kind="account", target_id=str(account.id),
                   region=account.region_code, department=account.department_code, reason=reason,
                   before=before, after={"status": "disabled", "status_reason": reason},
                   at=now)  # fmt: skip
        if not dry_run:
            record(s, actor, ACTION_SWEEP, target_kind="account", target_id="*", at=now,
                   details={"days": days, "disabled": len(found), "out_of_scope": skipped,
                            "logins": [r.login_name for r in found][:1000]})  # fmt: skip
            uow.commit()
    return SweepResult(days, cutoff, found, skipped, dry_run)


# --- the data key ----------------------------------------------------------------------------


def authorise_key(db: Database, actor: Actor, action: str, *, authorize: Authorize) -> None:
    """Moving or rotating the data key is a system setting (``system.config``, province)."""
    try:
        authorize(actor, SYSTEM_CONFIG, PROVINCE, ALL)
    except PermissionDenied as exc:
        record_refusal(db.uow(), actor, action, reason=exc.key, target_kind="data_key",
                       target_id="-")  # fmt: skip
        raise
