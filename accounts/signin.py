"""Sign-in, activation, console sessions, lockout and unlock.

Every path that checks a secret (password sign-in, the TOTP step, activation codes) shares one
failure counter per account, updated atomically under the credential row's lock
(``SELECT … FOR UPDATE`` on PostgreSQL; SQLite writers already serialise) with
``UPDATE … SET failed_count = failed_count + 1 … RETURNING``. Five failures (configurable)
lock the account for 30 minutes; while locked even the right password fails, with the same
message as a wrong one, and an unknown login gets that message too, after a dummy hash so that
it takes as long. Each failure is recorded (``auth.signin``, outcome ``failed``) in a
transaction that commits with the counter; lock and unlock are recorded (``account.lock``,
``account.unlock``).

The slow part (argon2) runs outside any write transaction: a snapshot is read first, the
password checked, then the decision is taken again under the row lock, so that a lock or a
password change in between is never missed.

Sessions: a random token (256 bits) whose SM3 hash alone is stored; the token goes to the
keyring under ``session:<chain id>`` (the database's identity). ``current_session`` refuses an
ended session, one idle for longer than 15 minutes (configurable) and one whose account can no
longer act (invariant 6).
"""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from keyring.errors import KeyringError, PasswordDeleteError
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from accounts import credentials, personal
from accounts.models import Credential, SigninSession
from audit_log.actor import Actor
from audit_log.chain import record, record_refusal
from audit_log.models import AuditHead
from casedb import crypto, keystore
from casedb.engine import Database, UnitOfWork
from casedb.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from casedb.models import Account

Authorize = Callable[[Actor, str, str, str], None]

SIGNIN_FAILED = "err.signin_failed"
ACTIVATION_FAILED = "err.activation_failed"
ACTION_UNLOCK = "account.status"  # the rbac action that covers lock and unlock
USABLE_STATUSES = frozenset({"active"})


@dataclass(frozen=True)
class SignInPolicy:
    max_failures: int = 5
    lock_for: timedelta = timedelta(minutes=30)
    idle_timeout: timedelta = timedelta(minutes=15)


SIGNIN_POLICY = SignInPolicy()


@dataclass(frozen=True)
class SignInResult:
    token: str
    account_id: int
    needs_password_change: bool
    needs_totp_enrolment: bool


@dataclass(frozen=True)
class CurrentSession:
    session_id: int
    account_id: int
    login_name: str
    created_at: datetime
    last_seen_at: datetime


@dataclass(frozen=True)
class CredentialStatus:
    """What ``account status NAME`` shows: failures and lock state, never a secret."""

    failed_count: int
    locked_until: datetime | None
    locked: bool
    password_set: bool
    password_expired: bool
    totp_enrolled: bool
    activation_pending: bool
    last_login_at: datetime | None


@dataclass(frozen=True)
class _Snapshot:
    account_id: int
    password_hash: str | None
    totp_secret: str | None


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def _login_key(login: str) -> str:
    return unicodedata.normalize("NFKC", login).strip()


def usable(account: Account, now: datetime) -> bool:
    """Active and inside its validity window (invariant 6). The window attributes are read
    with getattr so that rows of an older schema without them still work."""
    if account.status not in USABLE_STATUSES:
        return False
    valid_from: datetime | None = getattr(account, "valid_from", None)
    valid_until: datetime | None = getattr(account, "valid_until", None)
    if valid_from is not None and now < valid_from:
        return False
    return valid_until is None or now < valid_until


def _locked(cred: Credential, now: datetime) -> bool:
    return cred.locked_until is not None and cred.locked_until > now


def _engine(session: Session) -> Engine:
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


def chain_id(session: Session) -> str:
    value = session.scalar(select(AuditHead.chain_id).where(AuditHead.id == 1))
    if value is None:  # pragma: no cover - every initialised database has its head
        raise Conflict("err.schema_empty")
    return str(value)


def keyring_name(chain: str) -> str:
    return f"session:{chain}"


def token_hash(token: str) -> str:
    return crypto.sm3_hex(b"jzctl session\x00" + token.encode("utf-8"))


def _delete_secret(name: str) -> None:
    try:
        keystore.backend().delete_password(keystore.SERVICE, name)
    except PasswordDeleteError:
        pass
    except KeyringError as exc:
        raise InvalidInput("err.keyring_error", reason=str(exc)) from exc


# --- the shared failure counter --------------------------------------------------------------


def _expire_lock(s: Session, cred: Credential, account: Account, now: datetime) -> None:
    """A lock whose time has passed ends, with its counter, and says so in the trail."""
    if cred.locked_until is None or cred.locked_until > now:
        return
    s.execute(
        update(Credential)
        .where(Credential.account_id == cred.account_id)
        .values(failed_count=0, locked_until=None)
    )
    s.refresh(cred)
    record(s, Actor(login="system", host="", terminal=""), "account.unlock",
           target_kind="account", target_id=str(account.id), region=account.region_code,
           department=account.department_code, reason="lock expired", at=now,
           before={"locked": True}, after={"locked": False})  # fmt: skip


def _count_failure(
    s: Session, account: Account, now: datetime, policy: SignInPolicy, actor: Actor
) -> int:
    """One more failure, atomically; the lock (and its event) when the limit is reached."""
    count = s.execute(
        update(Credential)
        .where(Credential.account_id == account.id)
        .values(failed_count=Credential.failed_count + 1, last_failed_at=now)
        .returning(Credential.failed_count, Credential.locked_until)
    ).one()
    failures, locked_until = int(count[0]), count[1]
    if failures >= policy.max_failures and (locked_until is None or locked_until <= now):
        until = now + policy.lock_for
        s.execute(
            update(Credential).where(Credential.account_id == account.id).values(locked_until=until)
        )
        record(s, actor, "account.lock", target_kind="account", target_id=str(account.id),
               region=account.region_code, department=account.department_code,
               reason="too many failures", at=now,
               before={"locked": False}, after={"locked": True, "locked_until": until},
               details={"failures": failures})  # fmt: skip
    return failures


def _anonymous(typed_login: str, host: str, terminal: str) -> Actor:
    """Who tried, before we know it is an account: never what was typed (people type their
    password into the login field), only a pseudonym that links repeated tries."""
    tag = crypto.sm3_hex(b"jzctl-login:" + typed_login.encode("utf-8"))[:12]
    return Actor(login=f"unknown:{tag}", host=host, terminal=terminal)


def _fail(
    uow: UnitOfWork,
    actor: Actor,
    action: str,
    reason: str,
    now: datetime,
    account: Account | None,
    *,
    count: bool,
    policy: SignInPolicy,
    key: str,
) -> PermissionDenied:
    """Count (if asked) and record a failure, commit, and give the one error for all."""
    s = uow.session
    if account is not None and count:
        _count_failure(s, account, now, policy, actor)
    record(s, actor, action, outcome="failed", reason=reason, target_kind="account",
           target_id=str(account.id) if account else "",
           region=account.region_code if account else None,
           department=account.department_code if account else None, at=now)  # fmt: skip
    uow.commit()
    return PermissionDenied(key)


# --- sign-in ---------------------------------------------------------------------------------


def _snapshot(db: Database, login: str) -> _Snapshot | None:
    with db.read() as s:
        row = s.execute(
            select(Account.id, Credential.password_hash, Credential.totp_secret,
                   Credential.totp_enrolled_at)
            .outerjoin(Credential, Credential.account_id == Account.id)
            .where(Account.login_name == login)
        ).first()  # fmt: skip
        if row is None:
            return None
        secret = None
        if row[2] is not None and row[3] is not None:
            secret = personal.unseal(s, row[2], aad=credentials.totp_aad(row[0]))
        return _Snapshot(int(row[0]), row[1], secret)


def sign_in(
    db: Database,
    login: str,
    password: str,
    totp_code: str | None,
    *,
    host: str,
    terminal: str,
    now: datetime | None = None,
    requires_totp: bool = False,
    policy: SignInPolicy = SIGNIN_POLICY,
    password_policy: credentials.PasswordPolicy = credentials.PASSWORD_POLICY,
) -> SignInResult:
    """A new console session for the right login, password and (when enrolled) TOTP code;
    otherwise PermissionDenied(err.signin_failed), the same for every reason."""
    now = _now(now)
    key = _login_key(login)
    actor = _anonymous(key, host, terminal)
    snap = _snapshot(db, key)
    # Over-long input is never hashed (the policy refuses such passwords anyway).
    sane = len(password) <= password_policy.max_bytes and (
        len(password.encode("utf-8")) <= password_policy.max_bytes
    )
    pw = credentials.normalise(password) if sane else ""
    password_ok, new_hash = False, None
    if snap is None or snap.password_hash is None or not sane:
        credentials.dummy_verify(pw or "-")
    else:
        password_ok, new_hash = credentials.verify_password(pw, snap.password_hash)
    step = None
    if password_ok and snap is not None and snap.totp_secret is not None:
        step = credentials.match_totp(snap.totp_secret, totp_code, now)

    with db.uow() as uow:
        s = uow.session
        account = s.get(Account, snap.account_id) if snap else None
        if account is None or snap is None:
            raise _fail(uow, actor, "auth.signin", "unknown login", now, None, count=False,
                        policy=policy, key=SIGNIN_FAILED)  # fmt: skip
        actor = Actor(login=account.login_name, account_id=account.id, host=host,
                      terminal=terminal)  # fmt: skip
        cred = s.get(Credential, account.id, with_for_update=True, populate_existing=True)
        if cred is None or cred.password_hash is None:
            raise _fail(uow, actor, "auth.signin", "no password set", now, account, count=True,
                        policy=policy, key=SIGNIN_FAILED)  # fmt: skip
        _expire_lock(s, cred, account, now)
        reason, count = "", True
        if _locked(cred, now):
            reason, count = "account locked", False
        elif not password_ok:
            reason = "wrong password" if sane else "password too long"
        elif cred.password_hash != snap.password_hash:
            reason = "password changed meanwhile"
        elif cred.totp_enrolled_at is not None:
            if snap.totp_secret is None or step is None:
                reason = "wrong or missing TOTP code"
            elif cred.totp_last_step is not None and step <= cred.totp_last_step:
                reason = "TOTP code replayed"
        if not reason and not usable(account, now):
            reason, count = f"account not usable ({account.status})", False
        if reason:
            raise _fail(uow, actor, "auth.signin", reason, now, account, count=count,
                        policy=policy, key=SIGNIN_FAILED)  # fmt: skip

        # Success: the counter resets, an outdated hash is replaced, a session begins.
        if step is not None:
            cred.totp_last_step = step
        if new_hash is not None:
            credentials.replace_current_hash(cred, new_hash)
        cred.failed_count = 0
        cred.last_failed_at = None
        cred.last_login_at = now
        chain = chain_id(s)
        name = keyring_name(chain)
        previous = keystore.get_secret(name)
        if previous:
            _end(s, previous, now, "replaced")
        token = secrets.token_urlsafe(32)
        s.add(
            SigninSession(
                token_hash=token_hash(token),
                account_id=account.id,
                created_at=now,
                last_seen_at=now,
                host=host[:128],
                terminal=terminal[:64],
            )
        )
        s.flush()
        record(s, actor, "auth.signin", target_kind="account", target_id=str(account.id),
               region=account.region_code, department=account.department_code, at=now,
               details={"rehashed": new_hash is not None,
                        "totp": cred.totp_enrolled_at is not None})  # fmt: skip
        result = SignInResult(
            token=token,
            account_id=account.id,
            needs_password_change=password_policy.expired(cred.password_changed_at, now),
            needs_totp_enrolment=credentials.totp_required(requires_totp=requires_totp)
            and cred.totp_enrolled_at is None,
        )
        uow.commit()
    keystore.set_secret(name, token)
    return result


# --- activation ------------------------------------------------------------------------------


def activate(
    db: Database,
    login: str,
    code: str,
    new_password: str,
    *,
    host: str = "",
    terminal: str = "",
    now: datetime | None = None,
    policy: SignInPolicy = SIGNIN_POLICY,
    password_policy: credentials.PasswordPolicy = credentials.PASSWORD_POLICY,
) -> int:
    """The first password (or the one after a reset), with the one-time code; returns the
    account id. A wrong code counts as a failure, like a wrong password; an unknown login, a
    used or expired code and a locked account all give the same message. A password the
    policy refuses is InvalidInput, and the code stays valid."""
    now = _now(now)
    key = _login_key(login)
    actor = _anonymous(key, host, terminal)
    with db.uow() as uow:
        s = uow.session
        account = s.scalars(select(Account).where(Account.login_name == key)).first()
        if account is None:
            raise _fail(uow, actor, "account.activate", "unknown login", now, None, count=False,
                        policy=policy, key=ACTIVATION_FAILED)  # fmt: skip
        actor = Actor(login=account.login_name, account_id=account.id, host=host,
                      terminal=terminal)  # fmt: skip
        cred = s.get(Credential, account.id, with_for_update=True, populate_existing=True)
        if cred is None:
            raise _fail(uow, actor, "account.activate", "no activation code", now, account,
                        count=True, policy=policy, key=ACTIVATION_FAILED)  # fmt: skip
        _expire_lock(s, cred, account, now)
        reason, count = "", True
        if _locked(cred, now):
            reason, count = "account locked", False
        elif not credentials.activation_matches(account.id, code, cred.activation_code_hash):
            reason = "wrong or used activation code"
        elif cred.activation_expires_at is None or cred.activation_expires_at <= now:
            reason, count = "activation code expired", False
        elif account.status not in ("pending", "active") or not _in_window(account, now):
            reason, count = f"account not usable ({account.status})", False
        if reason:
            raise _fail(uow, actor, "account.activate", reason, now, account, count=count,
                        policy=policy, key=ACTIVATION_FAILED)  # fmt: skip
        pw = password_policy.check(
            new_password,
            login=account.login_name,
            full_name=account.full_name,
            history_hashes=credentials.history_of(cred),
        )
        before_status = account.status
        credentials.store_password(
            cred, credentials.hash_password(pw), now, keep=password_policy.history
        )
        cred.activation_code_hash = None
        cred.activation_expires_at = None
        cred.failed_count = 0
        if account.status == "pending":
            account.status = "active"
            if hasattr(account, "status_changed_at"):
                account.status_changed_at = now
        s.flush()
        record(s, actor, "account.activate", target_kind="account", target_id=str(account.id),
               region=account.region_code, department=account.department_code, at=now,
               before={"status": before_status}, after={"status": account.status},
               details={"password_set": True})  # fmt: skip
        uow.commit()
        return account.id


def _in_window(account: Account, now: datetime) -> bool:
    valid_from: datetime | None = getattr(account, "valid_from", None)
    valid_until: datetime | None = getattr(account, "valid_until", None)
    if valid_from is not None and now < valid_from:
        return False
    return valid_until is None or now < valid_until


# --- sessions --------------------------------------------------------------------------------


def _end(s: Session, token: str, now: datetime, reason: str) -> SigninSession | None:
    row = s.scalars(
        select(SigninSession).where(SigninSession.token_hash == token_hash(token)).with_for_update()
    ).first()
    if row is None or row.ended_at is not None:
        return None
    row.ended_at = now
    row.end_reason = reason
    return row


def current_session(
    db: Database, now: datetime | None = None, *, policy: SignInPolicy = SIGNIN_POLICY
) -> CurrentSession:
    """The signed-in session of this console, its idle clock restarted; PermissionDenied
    when there is none, it ended, it was idle too long or its account can no longer act."""
    now = _now(now)
    with db.read() as s:
        name = keyring_name(chain_id(s))
    token = keystore.get_secret(name)
    if not token:
        raise PermissionDenied("err.signin_required")
    with db.uow() as uow:
        s = uow.session
        row = s.scalars(
            select(SigninSession)
            .where(SigninSession.token_hash == token_hash(token))
            .with_for_update()
        ).first()
        why = ""
        if row is None or row.ended_at is not None:
            ended = True
        else:
            ended = False
            account = s.get(Account, row.account_id)
            cred = s.get(Credential, row.account_id)
            if now - row.last_seen_at > policy.idle_timeout:
                why = "idle"
            elif (
                account is None
                or not usable(account, now)
                or (cred is not None and _locked(cred, now))
            ):
                why = "unusable"
            if why:
                row.ended_at = now
                row.end_reason = why
                record(s, Actor(login=account.login_name if account else "-",
                                account_id=row.account_id, host=row.host, terminal=row.terminal),
                       "auth.session_end", target_kind="account", target_id=str(row.account_id),
                       region=account.region_code if account else None,
                       department=account.department_code if account else None,
                       reason=why, at=now)  # fmt: skip
                uow.commit()
            else:
                row.last_seen_at = now
                assert account is not None
                result = CurrentSession(
                    session_id=row.id,
                    account_id=row.account_id,
                    login_name=account.login_name,
                    created_at=row.created_at,
                    last_seen_at=now,
                )
                uow.commit()
                return result
    _delete_secret(name)
    if ended:
        raise PermissionDenied("err.signin_required")
    raise PermissionDenied("err.session_expired" if why == "idle" else "err.session_ended")


def change_own_password(
    db: Database,
    account_id: int,
    current: str,
    new_password: str,
    actor: Actor,
    *,
    now: datetime | None = None,
    policy: SignInPolicy = SIGNIN_POLICY,
    password_policy: credentials.PasswordPolicy = credentials.PASSWORD_POLICY,
) -> None:
    """The signed-in person's new password, given the current one. A wrong current password
    counts as a failed sign-in (it may lock the account) and gives the one sign-in error; a
    new password the policy refuses is InvalidInput and nothing changes."""
    now = _now(now)
    with db.uow() as uow:
        s = uow.session
        account = s.get(Account, account_id)
        cred = s.get(Credential, account_id, with_for_update=True)
        sane = len(current.encode("utf-8")) <= password_policy.max_bytes
        ok = False
        if cred is None or cred.password_hash is None or not sane:
            credentials.dummy_verify("-")
        else:
            ok, _ = credentials.verify_password(credentials.normalise(current), cred.password_hash)
        if account is None or cred is None or not ok or _locked(cred, now):
            raise _fail(uow, actor, "account.password_change", "wrong current password", now,
                        account, count=cred is not None and not _locked(cred, now),
                        policy=policy, key=SIGNIN_FAILED)  # fmt: skip
        credentials.set_password(s, account_id, new_password, actor, now=now,
                                 policy=password_policy)  # fmt: skip
        uow.commit()


def sign_out(db: Database, now: datetime | None = None) -> bool:
    """End this console's session and forget its token; False when none was open."""
    now = _now(now)
    with db.read() as s:
        name = keyring_name(chain_id(s))
    token = keystore.get_secret(name)
    if not token:
        return False
    ended = False
    with db.uow() as uow:
        s = uow.session
        row = _end(s, token, now, "signout")
        if row is not None:
            account = s.get(Account, row.account_id)
            record(s, Actor(login=account.login_name if account else "-",
                            account_id=row.account_id, host=row.host, terminal=row.terminal),
                   "auth.signout", target_kind="account", target_id=str(row.account_id),
                   region=account.region_code if account else None,
                   department=account.department_code if account else None,
                   at=now)  # fmt: skip
            uow.commit()
            ended = True
    _delete_secret(name)
    return ended


# --- administration --------------------------------------------------------------------------


def unlock(
    session: Session,
    account_id: int,
    actor: Actor,
    *,
    authorize: Authorize,
    now: datetime | None = None,
) -> None:
    """An admin ends a failure lock (and the counter) within their scope; audited. The
    caller commits. A refusal is recorded in a transaction of its own."""
    now = _now(now)
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound("err.account_not_found", account=str(account_id))
    try:
        authorize(actor, ACTION_UNLOCK, account.region_code, account.department_code)
    except PermissionDenied as exc:
        region, department = account.region_code, account.department_code
        # The refusal commits on its own; release this transaction first (on SQLite it may
        # hold the write lock the refusal needs).
        session.rollback()
        record_refusal(UnitOfWork(_engine(session)), actor, "account.unlock", reason=exc.key,
                       target_kind="account", target_id=str(account_id), region=region,
                       department=department)  # fmt: skip
        raise
    cred = session.get(Credential, account_id, with_for_update=True, populate_existing=True)
    if cred is None or (not _locked(cred, now) and cred.failed_count == 0):
        raise Conflict("err.account_not_locked", account=account.login_name)
    before: dict[str, Any] = {"locked": _locked(cred, now), "failed_count": cred.failed_count}
    cred.locked_until = None
    cred.failed_count = 0
    session.flush()
    record(session, actor, "account.unlock", target_kind="account", target_id=str(account_id),
           region=account.region_code, department=account.department_code, reason="by admin",
           at=now, before=before, after={"locked": False, "failed_count": 0})  # fmt: skip


def credential_status(
    session: Session,
    account_id: int,
    now: datetime | None = None,
    *,
    password_policy: credentials.PasswordPolicy = credentials.PASSWORD_POLICY,
) -> CredentialStatus:
    now = _now(now)
    cred = session.get(Credential, account_id)
    if cred is None:
        return CredentialStatus(0, None, False, False, True, False, False, None)
    return CredentialStatus(
        failed_count=cred.failed_count,
        locked_until=cred.locked_until if _locked(cred, now) else None,
        locked=_locked(cred, now),
        password_set=cred.password_hash is not None,
        password_expired=password_policy.expired(cred.password_changed_at, now),
        totp_enrolled=cred.totp_enrolled_at is not None,
        activation_pending=cred.activation_code_hash is not None,
        last_login_at=cred.last_login_at,
    )
