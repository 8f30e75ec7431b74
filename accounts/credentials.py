"""Passwords, one-time activation codes and TOTP: how an account proves who it is.

Passwords
---------
argon2id through libpass's ``CryptContext``; bcrypt is listed only so that legacy hashes still
verify, and a successful sign-in with one rehashes it (``verify_and_update``). The policy
(``PasswordPolicy``) holds DESIGN.md's defaults, each configurable. Every password is
NFKC-normalised before it is checked or hashed, so the same characters typed on another input
method (full-width forms) give the same password. Over-long input is refused before any
hashing: bcrypt silently ignores everything past 72 bytes, and argon2 would spend its full
cost on a megabyte, so a 1 MB "password" is a cheap denial of service unless refused early.

Activation codes
----------------
No default password exists anywhere: a new account, or a reset, gets a one-time code of 16
characters from an alphabet without look-alikes (about 79 bits), shown once, valid 72 hours.
It is stored as an SM3 hash bound to the account id, not argon2: a slow hash protects *low*
entropy secrets against offline guessing, and 2^79 guesses are out of reach for any hash,
while online guessing is bounded by the shared failure counter and the expiry. A keyed HMAC
would add a keyring dependency (and coupling to data key rotation) for no gain.

TOTP
----
RFC 6238 (pyotp), 30-second steps, ±1 step accepted, and never the same or an earlier step
twice per account (``totp_last_step``), so a code seen over a shoulder cannot be replayed.
The secret is sealed with the data key (``accounts.personal.seal``, aad ``totp:<account id>``).
"""

from __future__ import annotations

import hmac
import json
import secrets
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
from passlib.context import CryptContext  # noqa: TID251
from sqlalchemy.orm import Session

from accounts import personal
from accounts.models import Credential
from audit_log.actor import Actor
from audit_log.chain import record
from casedb import crypto
from casedb.errors import Conflict, InvalidInput, NotFound
from casedb.models import Account

# --- hashing ---------------------------------------------------------------------------------

# OWASP Password Storage Cheat Sheet, "Argon2id": minimum configuration of 19 MiB of memory,
# an iteration count of 2 and 1 degree of parallelism (m=19456 KiB, t=2, p=1).
OWASP_ARGON2 = {"memory_cost": 19 * 1024, "time_cost": 2, "parallelism": 1}

# The cost in use. Tests lower it (``configure_hashing``); production never does.
_cost: dict[str, int] = dict(OWASP_ARGON2)
_context: CryptContext | None = None
_dummy: str | None = None


def make_context(*, memory_cost: int, time_cost: int, parallelism: int) -> CryptContext:
    return CryptContext(
        schemes=["argon2", "bcrypt"],
        deprecated=["bcrypt"],
        argon2__type="ID",
        argon2__memory_cost=memory_cost,
        argon2__time_cost=time_cost,
        argon2__parallelism=parallelism,
    )


def configure_hashing(**cost: int) -> None:
    """Replace the argon2 cost (tests use the smallest one); no argument restores OWASP's."""
    global _context, _dummy
    _cost.clear()
    _cost.update(OWASP_ARGON2 if not cost else {**OWASP_ARGON2, **cost})
    _context = None
    _dummy = None


def context() -> CryptContext:
    global _context
    if _context is None:
        _context = make_context(**_cost)
    return _context


def hash_password(password: str) -> str:
    result: str = context().hash(password)
    return result


def verify_password(password: str, stored: str) -> tuple[bool, str | None]:
    """(matches, new hash when the stored one is outdated: bcrypt or a weaker argon2)."""
    ctx = context()
    try:
        ok, new_hash = ctx.verify_and_update(password, stored)
    except ValueError:  # not a hash any scheme knows
        return False, None
    return bool(ok), new_hash


def dummy_verify(password: str) -> None:
    """Spend what a real verification costs, so an unknown login takes as long."""
    global _dummy
    if _dummy is None:
        _dummy = hash_password(secrets.token_urlsafe(16))
    context().verify(password, _dummy)


# --- policy ----------------------------------------------------------------------------------

CLASSES = ("lower", "upper", "digit", "other")


def normalise(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


def _classes(password: str) -> set[str]:
    found: set[str] = set()
    for ch in password:
        if ch.isdigit():
            found.add("digit")
        elif ch.islower():
            found.add("lower")
        elif ch.isupper():
            found.add("upper")
        else:
            found.add("other")
    return found


def _name_parts(login: str, full_name: str) -> set[str]:
    """What a password may not contain: the login, its parts (``zhang.san`` → ``zhang``,
    ``san``) of 3 characters or more, and the full name as written."""
    parts: set[str] = set()
    low = normalise(login).strip().casefold()
    if len(low) >= 3:
        parts.add(low)
    token = ""
    for ch in low + ".":
        if ch.isalnum():
            token += ch
        else:
            if len(token) >= 3:
                parts.add(token)
            token = ""
    name = "".join(normalise(full_name).split()).replace("·", "").casefold()
    if len(name) >= 2:
        parts.add(name)
    return parts


@dataclass(frozen=True)
class PasswordPolicy:
    """DESIGN.md's defaults; GB/T 22239 asks for complexity and periodic change without
    figures, so each is configurable."""

    min_length: int = 12
    min_classes: int = 3
    history: int = 5
    max_age: timedelta = timedelta(days=90)
    max_bytes: int = 1024

    def check(
        self,
        password: str,
        *,
        login: str = "",
        full_name: str = "",
        history_hashes: Sequence[str] = (),
    ) -> str:
        """The normalised password, or InvalidInput saying which rule it breaks."""
        # Refused before normalising (NFKC can grow a string) and before any hashing.
        if len(password) > self.max_bytes or len(password.encode("utf-8")) > self.max_bytes:
            raise InvalidInput("err.password_too_long", max_bytes=self.max_bytes)
        pw = normalise(password)
        if len(pw.encode("utf-8")) > self.max_bytes:
            raise InvalidInput("err.password_too_long", max_bytes=self.max_bytes)
        if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") for ch in pw):
            raise InvalidInput("err.password_control")
        if len(pw) < self.min_length:
            raise InvalidInput("err.password_too_short", min_length=self.min_length)
        if len(_classes(pw)) < self.min_classes:
            raise InvalidInput("err.password_classes", min_classes=self.min_classes)
        folded = pw.casefold()
        if any(part in folded for part in _name_parts(login, full_name)):
            raise InvalidInput("err.password_contains_name")
        for old in list(history_hashes)[: self.history]:
            if verify_password(pw, old)[0]:
                raise InvalidInput("err.password_reused", history=self.history)
        return pw

    def expired(self, changed_at: datetime | None, now: datetime) -> bool:
        return changed_at is None or now - changed_at > self.max_age


PASSWORD_POLICY = PasswordPolicy()


def history_of(cred: Credential) -> list[str]:
    try:
        value: Any = json.loads(cred.password_history or "[]")
    except json.JSONDecodeError:
        return []
    return [h for h in value if isinstance(h, str)] if isinstance(value, list) else []


def store_password(cred: Credential, password_hash: str, now: datetime, *, keep: int) -> None:
    """The new hash becomes current and heads the history (the last ``keep`` hashes)."""
    cred.password_hash = password_hash
    cred.password_changed_at = now
    cred.password_history = json.dumps([password_hash, *history_of(cred)][:keep])


def replace_current_hash(cred: Credential, new_hash: str) -> None:
    """A rehash of the same password (bcrypt → argon2id): history keeps one entry for it."""
    history = history_of(cred)
    if history and history[0] == cred.password_hash:
        history[0] = new_hash
    cred.password_hash = new_hash
    cred.password_history = json.dumps(history)


def set_password(
    session: Session,
    account_id: int,
    new_password: str,
    actor: Actor,
    *,
    now: datetime | None = None,
    policy: PasswordPolicy = PASSWORD_POLICY,
) -> None:
    """A new password for a signed-in account (or its activation), policy checked; audited
    without the password or its hash. The caller commits."""
    now = now or datetime.now(UTC)
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound("err.account_not_found", account=str(account_id))
    cred = credential_for_update(session, account_id)
    pw = policy.check(
        new_password,
        login=account.login_name,
        full_name=account.full_name,
        history_hashes=history_of(cred),
    )
    store_password(cred, hash_password(pw), now, keep=policy.history)
    session.flush()
    record(session, actor, "account.password_change", target_kind="account",
           target_id=str(account_id), region=account.region_code,
           department=account.department_code, at=now,
           details={"changed_at": now})  # fmt: skip


def credential_for_update(session: Session, account_id: int) -> Credential:
    """The account's credential row, locked (PostgreSQL) or created empty."""
    cred = session.get(Credential, account_id, with_for_update=True, populate_existing=True)
    if cred is None:
        cred = Credential(account_id=account_id, password_history="[]", failed_count=0)
        session.add(cred)
        session.flush()
    return cred


# --- activation codes ------------------------------------------------------------------------

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no I, L, O, 0, 1
CODE_GROUPS = 4
CODE_GROUP_LEN = 4
ACTIVATION_VALID = timedelta(hours=72)


def new_activation_code() -> str:
    groups = (
        "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUP_LEN))
        for _ in range(CODE_GROUPS)
    )
    return "-".join(groups)


def normalise_code(code: str) -> str:
    text = unicodedata.normalize("NFKC", code).upper()
    return "".join(ch for ch in text if ch.isalnum())


def activation_hash(account_id: int, code: str) -> str:
    return crypto.sm3_hex(f"jzctl activation\x00{account_id}\x00{normalise_code(code)}".encode())


def activation_matches(account_id: int, code: str, stored: str | None) -> bool:
    if stored is None:
        return False
    return hmac.compare_digest(activation_hash(account_id, code), stored)


def issue_activation(
    session: Session,
    account_id: int,
    actor: Actor,
    *,
    now: datetime | None = None,
    valid_for: timedelta = ACTIVATION_VALID,
) -> str:
    """A one-time code for a new account or a reset: returned once, stored hashed, audited
    without the code. A reset also ends the old password (it stays in the history).
    The caller authorises (account create / reset) and commits."""
    now = now or datetime.now(UTC)
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound("err.account_not_found", account=str(account_id))
    cred = credential_for_update(session, account_id)
    reset = cred.password_hash is not None
    code = new_activation_code()
    cred.activation_code_hash = activation_hash(account_id, code)
    cred.activation_expires_at = now + valid_for
    cred.password_hash = None
    session.flush()
    record(session, actor, "account.activation_issue", target_kind="account",
           target_id=str(account_id), region=account.region_code,
           department=account.department_code, at=now,
           details={"expires_at": cred.activation_expires_at, "reset": reset})  # fmt: skip
    return code


# --- TOTP ------------------------------------------------------------------------------------

TOTP_STEP_S = 30
TOTP_DIGITS = 6
TOTP_WINDOW = 1
TOTP_ISSUER = "jzctl"


def totp_aad(account_id: int) -> bytes:
    return b"totp:" + str(account_id).encode("ascii")


def totp_required(*, requires_totp: bool) -> bool:
    """Whether this account must use TOTP. Mandatory for province, prefecture and county
    admins and the three separated roles; until rbac says who holds which role, the caller
    decides (``requires_totp``)."""
    return requires_totp


def time_step(now: datetime) -> int:
    return int(now.timestamp()) // TOTP_STEP_S


def match_totp(secret: str, code: str | None, now: datetime) -> int | None:
    """The time step (±1 around now) whose code this is, or None."""
    if code is None:
        return None
    text = "".join(unicodedata.normalize("NFKC", code).split())
    if len(text) != TOTP_DIGITS or not (text.isascii() and text.isdigit()):
        return None
    totp = pyotp.TOTP(secret, digits=TOTP_DIGITS, interval=TOTP_STEP_S)
    current = time_step(now)
    found: int | None = None
    for step in range(current - TOTP_WINDOW, current + TOTP_WINDOW + 1):
        # Every candidate is compared, so the time taken says nothing about which matched.
        if hmac.compare_digest(str(totp.generate_otp(step)), text) and found is None:
            found = step
    return found


def enrol_totp(
    session: Session, account_id: int, *, actor: Actor | None = None, now: datetime | None = None
) -> tuple[str, str]:
    """A new TOTP secret, pending until ``confirm_totp``: (otpauth:// URI, base32 secret).
    Refused when TOTP is already enrolled (a reset clears it first). The caller commits."""
    now = now or datetime.now(UTC)
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound("err.account_not_found", account=str(account_id))
    cred = credential_for_update(session, account_id)
    if cred.totp_enrolled_at is not None:
        raise Conflict("err.totp_already_enrolled")
    secret = pyotp.random_base32()
    cred.totp_secret = personal.seal(session, secret, aad=totp_aad(account_id))
    cred.totp_last_step = None
    session.flush()
    who = actor or Actor(login=account.login_name, account_id=account_id)
    record(session, who, "account.totp_enrol", target_kind="account", target_id=str(account_id),
           region=account.region_code, department=account.department_code, at=now,
           details={"confirmed": False})  # fmt: skip
    uri: str = pyotp.TOTP(secret).provisioning_uri(name=account.login_name, issuer_name=TOTP_ISSUER)
    return uri, secret


def confirm_totp(
    session: Session,
    account_id: int,
    code: str,
    *,
    actor: Actor | None = None,
    now: datetime | None = None,
) -> None:
    """The first code from the authenticator proves the enrolment; the caller commits."""
    now = now or datetime.now(UTC)
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound("err.account_not_found", account=str(account_id))
    cred = credential_for_update(session, account_id)
    if cred.totp_secret is None:
        raise Conflict("err.totp_not_enrolled")
    if cred.totp_enrolled_at is not None:
        raise Conflict("err.totp_already_enrolled")
    secret = personal.unseal(session, cred.totp_secret, aad=totp_aad(account_id))
    step = match_totp(secret, code, now)
    if step is None:
        raise InvalidInput("err.totp_invalid")
    cred.totp_enrolled_at = now
    cred.totp_last_step = step
    session.flush()
    who = actor or Actor(login=account.login_name, account_id=account_id)
    record(session, who, "account.totp_confirm", target_kind="account",
           target_id=str(account_id), region=account.region_code,
           department=account.department_code, at=now,
           details={"confirmed": True})  # fmt: skip


def totp_secret_of(session: Session, cred: Credential) -> str | None:
    if cred.totp_secret is None or cred.totp_enrolled_at is None:
        return None
    return personal.unseal(session, cred.totp_secret, aad=totp_aad(cred.account_id))


def new_totp(account_login: str) -> tuple[str, str]:
    """A fresh TOTP secret held in memory only: (otpauth:// URI, base32 secret). Nothing is
    stored until ``replace_totp`` has seen a code from it."""
    secret = pyotp.random_base32()
    totp = pyotp.TOTP(secret, digits=TOTP_DIGITS, interval=TOTP_STEP_S)
    uri: str = totp.provisioning_uri(name=account_login, issuer_name=TOTP_ISSUER)
    return uri, secret


def replace_totp(
    session: Session,
    account_id: int,
    secret: str,
    code: str,
    *,
    actor: Actor | None = None,
    now: datetime | None = None,
) -> None:
    """(Re-)enrol in one step: a secret proved by a code from the authenticator replaces any
    earlier enrolment, pending or confirmed; a wrong code changes nothing (InvalidInput).
    Audited without the secret. The caller commits."""
    now = now or datetime.now(UTC)
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound("err.account_not_found", account=str(account_id))
    step = match_totp(secret, code, now)
    if step is None:
        raise InvalidInput("err.totp_invalid")
    cred = credential_for_update(session, account_id)
    replaced = cred.totp_enrolled_at is not None
    cred.totp_secret = personal.seal(session, secret, aad=totp_aad(account_id))
    cred.totp_enrolled_at = now
    cred.totp_last_step = step
    session.flush()
    who = actor or Actor(login=account.login_name, account_id=account_id)
    record(session, who, "account.totp_confirm", target_kind="account",
           target_id=str(account_id), region=account.region_code,
           department=account.department_code, at=now,
           details={"confirmed": True, "replaced": replaced})  # fmt: skip


def reset_totp(
    session: Session, account_id: int, actor: Actor, *, now: datetime | None = None
) -> bool:
    """Clear an account's TOTP enrolment (confirmed or pending), so that it enrols again at
    its next sign-in; returns whether there was one. The caller authorises (in scope, not
    one's own account) and commits; audited as ``account.totp_reset``."""
    now = now or datetime.now(UTC)
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound("err.account_not_found", account=str(account_id))
    cred = credential_for_update(session, account_id)
    had = cred.totp_secret is not None or cred.totp_enrolled_at is not None
    cred.totp_secret = None
    cred.totp_enrolled_at = None
    cred.totp_last_step = None
    session.flush()
    record(session, actor, "account.totp_reset", target_kind="account",
           target_id=str(account_id), region=account.region_code,
           department=account.department_code, at=now,
           details={"was_enrolled": had})  # fmt: skip
    return had
