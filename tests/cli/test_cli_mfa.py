"""``jzctl account mfa``: an admin in scope clears someone's TOTP enrolment (never their
own); the signed-in person enrols or re-enrols, confirmed by a code, atomically."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pyotp
import pytest
import sqlalchemy as sa

from accounts import credentials, personal
from accounts.models import Credential
from casedb.engine import Database
from tests.support.people import SETUP, cheap_hashing, make_person, sign_in_as

CliRun = Any
SIBLING = "530103000000"


@pytest.fixture(autouse=True)
def _cheap() -> Iterator[None]:
    with cheap_hashing():
        yield


def enrol(db: Database, account_id: int) -> str:
    """TOTP enrolled through the domain path; returns the secret."""
    with db.uow() as uow:
        _, secret = credentials.enrol_totp(uow.session, account_id, actor=SETUP)
        credentials.confirm_totp(uow.session, account_id, pyotp.TOTP(secret).now(), actor=SETUP)
        uow.commit()
    return secret


def totp_of(db: Database, account_id: int) -> str | None:
    with db.read() as s:
        cred = s.get(Credential, account_id)
        assert cred is not None
        if cred.totp_enrolled_at is None:
            return None
        assert cred.totp_secret is not None
        return personal.unseal(s, cred.totp_secret, aad=credentials.totp_aad(account_id))


def events(db: Database, action: str) -> list[tuple[str, str, str]]:
    with db.engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT outcome, reason, target_id FROM audit_events WHERE action = :a"),
            {"a": action},
        )
        return [(r[0], r[1], r[2]) for r in rows]


@pytest.fixture
def county(cli: CliRun, db_url: str) -> Iterator[tuple[Database, dict[str, int]]]:
    assert cli("--db", db_url, "--json", "init").exit_code == 0
    db = Database(db_url)
    ids = {
        "coord": make_person(db, "coord.530102", department="coord", role="coord_admin",
                             role_department="*"),
        "liu": make_person(db, "liu.civil", department="civil", role="dept_admin"),
        "chen": make_person(db, "chen.civil", department="civil", region=SIBLING,
                            role="dept_admin"),
    }  # fmt: skip
    for who in ("liu", "chen"):
        enrol(db, ids[who])
    sign_in_as(db, "coord.530102")
    yield db, ids
    db.dispose()


def test_reset_in_scope_clears_the_enrolment(
    cli: CliRun, db_url: str, county: tuple[Database, dict[str, int]]
) -> None:
    db, ids = county
    res = cli("--db", db_url, "account", "mfa", "liu.civil", "--reset")
    assert res.exit_code == 0, res.stderr
    assert "liu.civil" in res.stdout
    assert totp_of(db, ids["liu"]) is None
    assert events(db, "account.totp_reset") == [("ok", "", str(ids["liu"]))]
    again = cli("--db", db_url, "--json", "account", "mfa", "liu.civil", "--reset")
    assert again.exit_code == 0
    assert json.loads(again.stdout)["data"]["was_enrolled"] is False


def test_reset_out_of_scope_or_of_ones_own_account_is_refused(
    cli: CliRun, db_url: str, county: tuple[Database, dict[str, int]]
) -> None:
    db, ids = county
    before = {k: totp_of(db, v) for k, v in ids.items()}
    assert before["chen"] is not None
    out = cli("--db", db_url, "account", "mfa", "chen.civil", "--reset")
    assert out.exit_code == 3
    own = cli("--db", db_url, "account", "mfa", "coord.530102", "--reset")
    assert own.exit_code == 3
    assert "自己" in own.stderr
    assert {k: totp_of(db, v) for k, v in ids.items()} == before
    refused = events(db, "account.totp_reset")
    assert [(o, t) for o, _, t in refused] == [
        ("denied", str(ids["chen"])),
        ("denied", str(ids["coord"])),
    ]
    assert refused[1][1] == "err.mfa_reset_own_account"
    assert cli("--db", db_url, "account", "mfa", "nobody", "--reset").exit_code == 4
    # A person without an admin role in scope may not reset anyone.
    make_person(db, "zhao.worker", role="caseworker")
    sign_in_as(db, "zhao.worker")
    assert cli("--db", db_url, "account", "mfa", "chen.civil", "--reset").exit_code == 3


def test_usage_needs_exactly_one_mode(
    cli: CliRun, db_url: str, county: tuple[Database, dict[str, int]]
) -> None:
    assert cli("--db", db_url, "account", "mfa").exit_code == 2
    assert cli("--db", db_url, "account", "mfa", "liu.civil").exit_code == 2
    assert cli("--db", db_url, "account", "mfa", "liu.civil", "--enrol").exit_code == 2
    assert cli("--db", db_url, "account", "mfa", "--reset").exit_code == 2


def test_enrol_and_re_enrol_confirmed_by_a_code(
    cli: CliRun,
    db_url: str,
    county: tuple[Database, dict[str, int]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db, ids = county
    # liu loses the authenticator: an admin clears it, liu signs in and enrols again.
    assert cli("--db", db_url, "account", "mfa", "liu.civil", "--reset").exit_code == 0
    sign_in_as(db, "liu.civil")
    secret = pyotp.random_base32()
    monkeypatch.setattr(pyotp, "random_base32", lambda: secret)
    code = pyotp.TOTP(secret).now()
    wrong = f"{(int(code) + 500_000) % 1_000_000:06d}"
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{wrong}\n{code}\n"))
    res = cli("--db", db_url, "account", "mfa", "--enrol")
    assert res.exit_code == 0, res.stderr
    assert "otpauth://totp/" in res.stdout and secret in res.stdout
    assert totp_of(db, ids["liu"]) == secret

    # Re-enrolment replaces the secret only once a code proves the new one.
    old = secret
    new = pyotp.random_base32()
    monkeypatch.setattr(pyotp, "random_base32", lambda: new)
    monkeypatch.setattr("sys.stdin", io.StringIO("000000\n111111\n222222\n"))
    bad = cli("--db", db_url, "account", "mfa", "--enrol")
    if pyotp.TOTP(new).now() not in ("000000", "111111", "222222"):
        assert bad.exit_code == 5
        assert totp_of(db, ids["liu"]) == old
    monkeypatch.setattr("sys.stdin", io.StringIO(pyotp.TOTP(new).now() + "\n"))
    ok = cli("--db", db_url, "--json", "account", "mfa", "--enrol")
    assert ok.exit_code == 0, ok.stderr
    assert json.loads(ok.stdout)["data"] == {"login_name": "liu.civil", "totp_enrolled": True}
    assert totp_of(db, ids["liu"]) == new
