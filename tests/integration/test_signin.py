"""Sign-in, the shared failure counter, lockout, TOTP, sessions and sign-out, on both backends."""

from __future__ import annotations

import contextlib
import multiprocessing
from collections.abc import Iterator
from datetime import datetime, timedelta

import pyotp
import pytest
import sqlalchemy as sa

from accounts import credentials, signin
from accounts.models import SigninSession
from audit_log.actor import Actor
from casedb import keystore
from casedb.engine import Database
from casedb.errors import Conflict, PermissionDenied
from casedb.models import Account
from tests.integration.test_credentials import (
    ADMIN,
    NOW,
    PASSWORD,
    actions,
    audit_text,
    cred_of,
    everything_stored,
    give_password,
    make_account,
)

HOST = {"host": "testhost", "terminal": "/dev/pts/3"}


@pytest.fixture(autouse=True)
def _fast_hashing() -> Iterator[None]:
    credentials.configure_hashing(memory_cost=8, time_cost=1)
    yield
    credentials.configure_hashing()


def fails(db: Database, login: str, password: str, code: str | None = None, **kw: object) -> str:
    with pytest.raises(PermissionDenied) as exc:
        signin.sign_in(db, login, password, code, **HOST, now=kw.pop("now", NOW), **kw)  # type: ignore[arg-type]
    return exc.value.key


def keyring_token(db: Database) -> str | None:
    with db.read() as s:
        return keystore.get_secret(signin.keyring_name(signin.chain_id(s)))


def test_sign_in_success_keeps_the_token_out_of_the_database(db: Database) -> None:
    aid = make_account(db)
    give_password(db, aid)
    result = signin.sign_in(db, "li.ming", PASSWORD, None, **HOST, now=NOW)
    assert result.account_id == aid
    assert not result.needs_password_change and not result.needs_totp_enrolment
    assert keyring_token(db) == result.token
    stored = everything_stored(db)
    assert result.token not in stored and PASSWORD not in stored
    assert signin.token_hash(result.token) in stored
    assert PASSWORD not in audit_text(db) and result.token not in audit_text(db)
    assert ("auth.signin", "ok") in actions(db)
    cur = signin.current_session(db, NOW + timedelta(minutes=5))
    assert cur.account_id == aid and cur.login_name == "li.ming"
    # Full-width input of the same password is the same password (NFKC).
    signin.sign_in(db, "li.ming", "Ｔｅａ-Ｇａｒｄｅｎ-２０２６", None, **HOST, now=NOW)


def test_every_failure_has_the_same_message(db: Database) -> None:
    aid = make_account(db)
    give_password(db, aid)
    keys = {
        fails(db, "li.ming", "Wrong-Password-1"),
        fails(db, "nobody", PASSWORD),
        fails(db, "li.ming", "x" * (1024 * 1024)),
        fails(db, "", ""),
    }
    assert keys == {"err.signin_failed"}
    assert cred_of(db, aid).failed_count == 2
    assert [o for a, o in actions(db) if a == "auth.signin"] == ["failed"] * 4


def test_five_failures_lock_for_thirty_minutes(db: Database) -> None:
    aid = make_account(db)
    give_password(db, aid)
    for i in range(5):
        assert fails(db, "li.ming", f"Wrong-Password-{i}", now=NOW + timedelta(seconds=i))
    cred = cred_of(db, aid)
    assert cred.failed_count == 5
    assert cred.locked_until == NOW + timedelta(seconds=4, minutes=30)
    # The right password now fails too, with the same message as a wrong one.
    assert fails(db, "li.ming", PASSWORD, now=NOW + timedelta(minutes=10)) == "err.signin_failed"
    assert fails(db, "li.ming", PASSWORD, now=NOW + timedelta(minutes=30)) == "err.signin_failed"
    with db.read() as s:
        status = signin.credential_status(s, aid, NOW + timedelta(minutes=20))
    assert status.locked and status.failed_count == 5
    # After 30 minutes the lock ends by itself.
    signin.sign_in(db, "li.ming", PASSWORD, None, **HOST, now=NOW + timedelta(minutes=35))
    cred = cred_of(db, aid)
    assert cred.failed_count == 0 and cred.locked_until is None
    acts = actions(db)
    assert acts.count(("account.lock", "ok")) == 1
    assert ("account.unlock", "ok") in acts
    with db.read() as s:
        from audit_log.models import AuditEvent

        reasons = dict(s.execute(sa.select(AuditEvent.action, AuditEvent.reason).where(
            AuditEvent.action.in_(["account.lock", "account.unlock"]))).all())  # fmt: skip
    assert reasons == {"account.lock": "too many failures", "account.unlock": "lock expired"}
    assert PASSWORD not in audit_text(db)


def test_the_lockout_is_configurable(db: Database) -> None:
    aid = make_account(db)
    give_password(db, aid)
    policy = signin.SignInPolicy(max_failures=2, lock_for=timedelta(minutes=5))
    for _ in range(2):
        fails(db, "li.ming", "Wrong-Password-1", policy=policy)
    assert cred_of(db, aid).locked_until == NOW + timedelta(minutes=5)
    signin.sign_in(db, "li.ming", PASSWORD, None, **HOST, now=NOW + timedelta(minutes=6),
                   policy=policy)  # fmt: skip


def test_an_admin_unlocks_within_scope(db: Database) -> None:
    aid = make_account(db)
    give_password(db, aid)
    for _ in range(5):
        fails(db, "li.ming", "Wrong-Password-1")

    def deny(actor: Actor, action: str, region: str, department: str) -> None:
        raise PermissionDenied("err.rbac_policy_denied")

    def allow(actor: Actor, action: str, region: str, department: str) -> None:
        assert (action, region, department) == ("account.status", "530102000000", "civil")

    with db.uow() as uow, pytest.raises(PermissionDenied):
        signin.unlock(uow.session, aid, ADMIN, authorize=deny, now=NOW)
    assert ("account.unlock", "denied") in actions(db)
    with db.uow() as uow:
        signin.unlock(uow.session, aid, ADMIN, authorize=allow, now=NOW)
        uow.commit()
    with db.uow() as uow, pytest.raises(Conflict):
        signin.unlock(uow.session, aid, ADMIN, authorize=allow, now=NOW)
    signin.sign_in(db, "li.ming", PASSWORD, None, **HOST, now=NOW + timedelta(minutes=1))


@pytest.mark.parametrize(
    ("status", "window"),
    [
        ("suspended", {}),
        ("disabled", {}),
        ("archived", {}),
        ("locked", {}),
        ("pending", {}),
        ("active", {"valid_until": NOW - timedelta(days=1)}),
        ("active", {"valid_from": NOW + timedelta(days=1)}),
    ],
)
def test_an_account_that_cannot_act_cannot_sign_in(
    db: Database, status: str, window: dict[str, datetime]
) -> None:
    aid = make_account(db, status=status, **window)
    give_password(db, aid)
    assert fails(db, "li.ming", PASSWORD) == "err.signin_failed"
    assert keyring_token(db) is None


def test_legacy_bcrypt_hash_verifies_and_is_upgraded(db: Database) -> None:
    import bcrypt

    legacy = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(4)).decode()
    aid = make_account(db)
    give_password(db, aid)
    with db.uow() as uow:
        uow.session.execute(
            sa.text("UPDATE credentials SET password_hash = :h, password_history = :j "
                    "WHERE account_id = :a"),
            {"h": legacy, "a": aid, "j": f'["{legacy}"]'},
        )  # fmt: skip
        uow.commit()
    assert fails(db, "li.ming", "Wrong-Password-1") == "err.signin_failed"
    signin.sign_in(db, "li.ming", PASSWORD, None, **HOST, now=NOW)
    cred = cred_of(db, aid)
    assert cred.password_hash is not None and cred.password_hash.startswith("$argon2id$")
    assert credentials.history_of(cred)[0] == cred.password_hash
    signin.sign_in(db, "li.ming", PASSWORD, None, **HOST, now=NOW)


def enrolled(db: Database, aid: int) -> pyotp.TOTP:
    with db.uow() as uow:
        _, secret = credentials.enrol_totp(uow.session, aid, now=NOW - timedelta(hours=1))
        uow.commit()
    totp = pyotp.TOTP(secret)
    with db.uow() as uow:
        at = NOW - timedelta(hours=1)
        credentials.confirm_totp(uow.session, aid, totp.at(at), now=at)
        uow.commit()
    return totp


def test_totp_is_required_once_enrolled_and_wrong_codes_count(db: Database) -> None:
    aid = make_account(db)
    give_password(db, aid)
    totp = enrolled(db, aid)
    assert fails(db, "li.ming", PASSWORD, None) == "err.signin_failed"
    wrong = "000000" if totp.at(NOW) != "000000" else "111111"
    assert fails(db, "li.ming", PASSWORD, wrong) == "err.signin_failed"
    assert cred_of(db, aid).failed_count == 2
    result = signin.sign_in(db, "li.ming", PASSWORD, totp.at(NOW), **HOST, now=NOW)
    assert result.account_id == aid and cred_of(db, aid).failed_count == 0
    # Replay: the same code (same time step) is refused, and counts.
    assert fails(db, "li.ming", PASSWORD, totp.at(NOW), now=NOW + timedelta(seconds=5))
    assert cred_of(db, aid).failed_count == 1
    later = NOW + timedelta(seconds=60)
    signin.sign_in(db, "li.ming", PASSWORD, totp.at(later), **HOST, now=later)


def test_totp_enrolment_is_asked_for_when_required(db: Database) -> None:
    aid = make_account(db)
    give_password(db, aid)
    result = signin.sign_in(db, "li.ming", PASSWORD, None, **HOST, now=NOW, requires_totp=True)
    assert result.needs_totp_enrolment
    enrolled(db, aid)
    code = pyotp.TOTP(pyotp.random_base32()).at(NOW)  # a code from another secret is wrong
    fails(db, "li.ming", PASSWORD, code, requires_totp=True)


def test_an_old_password_must_be_changed(db: Database) -> None:
    aid = make_account(db)
    give_password(db, aid)
    later = NOW + timedelta(days=91)
    assert signin.sign_in(db, "li.ming", PASSWORD, None, **HOST, now=later).needs_password_change


def test_idle_timeout_and_sign_out(db: Database) -> None:
    aid = make_account(db)
    give_password(db, aid)
    signin.sign_in(db, "li.ming", PASSWORD, None, **HOST, now=NOW)
    # Activity keeps the session alive: 3 × 14 minutes.
    for i in range(1, 4):
        assert signin.current_session(db, NOW + timedelta(minutes=14 * i)).account_id == aid
    with pytest.raises(PermissionDenied) as exc:
        signin.current_session(db, NOW + timedelta(minutes=42 + 16))
    assert exc.value.key == "err.session_expired"
    assert keyring_token(db) is None
    with pytest.raises(PermissionDenied) as exc:
        signin.current_session(db, NOW + timedelta(minutes=60))
    assert exc.value.key == "err.signin_required"

    result = signin.sign_in(db, "li.ming", PASSWORD, None, **HOST, now=NOW + timedelta(hours=1))
    assert signin.sign_out(db, NOW + timedelta(hours=1, minutes=1))
    assert keyring_token(db) is None
    assert not signin.sign_out(db, NOW + timedelta(hours=1, minutes=2))
    with db.read() as s:
        rows = s.scalars(sa.select(SigninSession).order_by(SigninSession.id)).all()
    assert [(r.end_reason, r.ended_at is not None) for r in rows] == [
        ("idle", True), ("signout", True)]  # fmt: skip
    assert result.token not in everything_stored(db)
    assert ("auth.signout", "ok") in actions(db)
    assert ("auth.session_end", "ok") in actions(db)


def test_a_session_ends_when_its_account_is_disabled(db: Database) -> None:
    aid = make_account(db)
    give_password(db, aid)
    signin.sign_in(db, "li.ming", PASSWORD, None, **HOST, now=NOW)
    with db.uow() as uow:
        account = uow.session.get(Account, aid)
        assert account is not None
        account.status = "disabled"
        uow.commit()
    with pytest.raises(PermissionDenied) as exc:
        signin.current_session(db, NOW + timedelta(minutes=1))
    assert exc.value.key == "err.session_ended"


def test_a_new_sign_in_replaces_the_previous_session(db: Database) -> None:
    aid = make_account(db)
    give_password(db, aid)
    first = signin.sign_in(db, "li.ming", PASSWORD, None, **HOST, now=NOW)
    second = signin.sign_in(db, "li.ming", PASSWORD, None, **HOST, now=NOW)
    assert first.token != second.token and keyring_token(db) == second.token
    with db.read() as s:
        reasons = s.scalars(sa.select(SigninSession.end_reason).order_by(SigninSession.id)).all()
    assert list(reasons) == ["replaced", ""]


def _fail_n(url: str, n: int, keyring_env: dict[str, str]) -> None:
    import os

    os.environ.update(keyring_env)
    credentials.configure_hashing(memory_cost=8, time_cost=1)
    db = Database(url)
    policy = signin.SignInPolicy(max_failures=1000)
    for i in range(n):
        with contextlib.suppress(PermissionDenied):
            signin.sign_in(db, "li.ming", f"Wrong-{i}", None, host="p", terminal="-",
                           policy=policy)  # fmt: skip
    db.dispose()


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_concurrent_failures_never_lose_a_count(db: Database) -> None:
    import os

    aid = make_account(db)
    give_password(db, aid)
    env = {k: v for k, v in os.environ.items() if k.startswith("JZ_")}
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(2) as pool:
        pool.starmap(_fail_n, [(db.raw_url, 15, env), (db.raw_url, 15, env)])
    assert cred_of(db, aid).failed_count == 30
    # With the default limit, two consoles failing 5 times each lock the account once.
    other = make_account(db, login="wang.fang")
    give_password(db, other)
    with ctx.Pool(2) as pool:
        pool.starmap(_fail_default, [(db.raw_url, env), (db.raw_url, env)])
    cred = cred_of(db, other)
    assert cred.failed_count == 5 and cred.locked_until is not None
    assert actions(db).count(("account.lock", "ok")) == 1


def _fail_default(url: str, keyring_env: dict[str, str]) -> None:
    import os

    os.environ.update(keyring_env)
    credentials.configure_hashing(memory_cost=8, time_cost=1)
    db = Database(url)
    for i in range(5):
        with contextlib.suppress(PermissionDenied):
            signin.sign_in(db, "wang.fang", f"Wrong-{i}", None, host="p", terminal="-")
    db.dispose()
