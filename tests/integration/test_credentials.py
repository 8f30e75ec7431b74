"""Activation codes, first passwords, password changes and TOTP enrolment, on both backends."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
import sqlalchemy as sa

from accounts import credentials, signin
from accounts.models import Credential
from audit_log.actor import Actor
from audit_log.models import AuditEvent
from casedb.engine import Database
from casedb.errors import Conflict, InvalidInput, PermissionDenied
from casedb.models import Account, Base

NOW = datetime(2026, 12, 1, 2, 0, 0, tzinfo=UTC)
ADMIN = Actor(login="admin", account_id=None, host="testhost", terminal="/dev/pts/1")
PASSWORD = "Tea-Garden-2026"


@pytest.fixture(autouse=True)
def _fast_hashing() -> Iterator[None]:
    credentials.configure_hashing(memory_cost=8, time_cost=1)
    yield
    credentials.configure_hashing()


def make_account(db: Database, login: str = "li.ming", status: str = "active", **kw: object) -> int:
    with db.uow() as uow:
        account = Account(
            login_name=login,
            full_name="李明",
            region_code="530102000000",
            department_code="civil",
            status=status,
            created_at=NOW - timedelta(days=1),
            **kw,
        )
        uow.session.add(account)
        uow.session.flush()
        uow.commit()
        return account.id


def give_password(db: Database, account_id: int, password: str = PASSWORD) -> None:
    with db.uow() as uow:
        credentials.set_password(uow.session, account_id, password, ADMIN, now=NOW)
        uow.commit()


def everything_stored(db: Database) -> str:
    """Every row of every table, as text: what an intruder with the database would see."""
    parts: list[str] = []
    with db.read() as s:
        for table in Base.metadata.sorted_tables:
            if sa.inspect(s.connection()).has_table(table.name):
                for row in s.execute(sa.select(table)):
                    parts.append(repr(tuple(row)))
    return "\n".join(parts)


def audit_text(db: Database) -> str:
    with db.read() as s:
        rows = s.execute(sa.select(AuditEvent.action, AuditEvent.reason, AuditEvent.diff)).all()
    return "\n".join(" ".join(str(v) for v in row) for row in rows)


def actions(db: Database) -> list[tuple[str, str]]:
    with db.read() as s:
        rows = s.execute(
            sa.select(AuditEvent.action, AuditEvent.outcome).order_by(AuditEvent.seq)
        ).all()
    return [(a, o) for a, o in rows]


def cred_of(db: Database, account_id: int) -> Credential:
    with db.read() as s:
        cred = s.get(Credential, account_id)
        assert cred is not None
        return cred


def test_activation_code_is_shown_once_stored_hashed_and_single_use(db: Database) -> None:
    aid = make_account(db, status="pending")
    with db.uow() as uow:
        code = credentials.issue_activation(uow.session, aid, ADMIN, now=NOW)
        uow.commit()
    assert len(code) == 19 and code.count("-") == 3
    stored = everything_stored(db)
    assert code not in stored and code.replace("-", "") not in stored
    assert code not in audit_text(db)
    cred = cred_of(db, aid)
    assert cred.password_hash is None  # no default password
    assert cred.activation_code_hash == credentials.activation_hash(aid, code)
    assert cred.activation_expires_at == NOW + timedelta(hours=72)

    assert signin.activate(db, "li.ming", code, PASSWORD, now=NOW + timedelta(hours=1)) == aid
    with db.read() as s:
        account = s.get(Account, aid)
        assert account is not None and account.status == "active"
    cred = cred_of(db, aid)
    assert cred.activation_code_hash is None and cred.password_hash is not None
    assert cred.password_hash.startswith("$argon2id$")
    # Single use: the same code again fails.
    with pytest.raises(PermissionDenied) as exc:
        signin.activate(db, "li.ming", code, "Another-Pass-2026", now=NOW + timedelta(hours=2))
    assert exc.value.key == "err.activation_failed"
    text, stored = audit_text(db), everything_stored(db)
    assert cred.password_hash not in text
    for secret in (code, PASSWORD, "Another-Pass-2026"):
        assert secret not in text and secret not in stored
    assert ("account.activation_issue", "ok") in actions(db)
    assert ("account.activate", "ok") in actions(db)
    assert ("account.activate", "failed") in actions(db)


def test_activation_code_expires_after_72_hours(db: Database) -> None:
    aid = make_account(db, status="pending")
    with db.uow() as uow:
        code = credentials.issue_activation(uow.session, aid, ADMIN, now=NOW)
        uow.commit()
    late = NOW + timedelta(hours=72, seconds=1)
    with pytest.raises(PermissionDenied) as exc:
        signin.activate(db, "li.ming", code, PASSWORD, now=late)
    assert exc.value.key == "err.activation_failed"
    # Just inside the window it still works.
    assert signin.activate(db, "li.ming", code, PASSWORD, now=NOW + timedelta(hours=71))


def test_activation_refuses_a_weak_password_and_keeps_the_code(db: Database) -> None:
    aid = make_account(db, status="pending")
    with db.uow() as uow:
        code = credentials.issue_activation(uow.session, aid, ADMIN, now=NOW)
        uow.commit()
    with pytest.raises(InvalidInput) as exc:
        signin.activate(db, "li.ming", code, "short", now=NOW)
    assert exc.value.key == "err.password_too_short"
    with pytest.raises(InvalidInput) as exc:
        signin.activate(db, "li.ming", code, "Li.Ming-2026-x", now=NOW)
    assert exc.value.key == "err.password_contains_name"
    assert signin.activate(db, "li.ming", code, PASSWORD, now=NOW) == aid


def test_wrong_activation_codes_count_and_unknown_logins_look_the_same(db: Database) -> None:
    aid = make_account(db, status="pending")
    with db.uow() as uow:
        credentials.issue_activation(uow.session, aid, ADMIN, now=NOW)
        uow.commit()
    keys = set()
    for login in ("li.ming", "nobody"):
        with pytest.raises(PermissionDenied) as exc:
            signin.activate(db, login, "AAAA-BBBB-CCCC-DDDD", PASSWORD, now=NOW)
        keys.add(exc.value.key)
    assert keys == {"err.activation_failed"}
    assert cred_of(db, aid).failed_count == 1


def test_a_reset_ends_the_old_password_and_history_refuses_it(db: Database) -> None:
    aid = make_account(db)
    give_password(db, aid)
    with db.uow() as uow:
        code = credentials.issue_activation(uow.session, aid, ADMIN, now=NOW)
        uow.commit()
    with pytest.raises(PermissionDenied):
        signin.sign_in(db, "li.ming", PASSWORD, None, host="h", terminal="t", now=NOW)
    with pytest.raises(InvalidInput) as exc:
        signin.activate(db, "li.ming", code, PASSWORD, now=NOW)
    assert exc.value.key == "err.password_reused"
    signin.activate(db, "li.ming", code, "Fresh-Password-77", now=NOW)


def test_password_history_keeps_five(db: Database) -> None:
    aid = make_account(db)
    for i in range(6):
        give_password(db, aid, f"Rotating-Pass-{i}")
    with db.uow() as uow:
        for i in range(2, 6):
            with pytest.raises(InvalidInput):
                credentials.set_password(uow.session, aid, f"Rotating-Pass-{i}", ADMIN, now=NOW)
        # The sixth-last is forgotten.
        credentials.set_password(uow.session, aid, "Rotating-Pass-0", ADMIN, now=NOW)
        uow.commit()
    assert len(credentials.history_of(cred_of(db, aid))) == 5


def test_totp_enrol_and_confirm(db: Database) -> None:
    aid = make_account(db)
    with db.uow() as uow:
        uri, secret = credentials.enrol_totp(uow.session, aid, now=NOW)
        uow.commit()
    assert uri.startswith("otpauth://totp/") and "issuer=jzctl" in uri
    stored = everything_stored(db)
    assert secret not in stored and secret not in audit_text(db)
    cred = cred_of(db, aid)
    assert cred.totp_secret is not None and cred.totp_enrolled_at is None
    with db.uow() as uow, pytest.raises(InvalidInput) as exc:
        credentials.confirm_totp(uow.session, aid, "000000", now=NOW)
    assert exc.value.key == "err.totp_invalid"
    code = pyotp.TOTP(secret).at(NOW)
    with db.uow() as uow:
        credentials.confirm_totp(uow.session, aid, code, now=NOW)
        uow.commit()
    cred = cred_of(db, aid)
    assert cred.totp_enrolled_at == NOW
    assert cred.totp_last_step == credentials.time_step(NOW)
    with db.uow() as uow, pytest.raises(Conflict):
        credentials.enrol_totp(uow.session, aid, now=NOW)
    assert [a for a, _ in actions(db)] == ["account.totp_enrol", "account.totp_confirm"]


def test_totp_secret_is_bound_to_its_account(db: Database) -> None:
    from accounts import personal

    aid = make_account(db)
    other = make_account(db, login="wang.fang")
    with db.uow() as uow:
        credentials.enrol_totp(uow.session, aid, now=NOW)
        uow.commit()
    blob = cred_of(db, aid).totp_secret
    assert blob is not None
    with db.read() as s, pytest.raises(InvalidInput):
        personal.unseal(s, blob, aad=credentials.totp_aad(other))
