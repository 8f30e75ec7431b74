"""``jzctl init`` bootstraps exactly the three separated admins with activation codes, once."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from accounts import credentials
from accounts.bootstrap import bootstrap_admins
from accounts.setup import initialise
from audit_log.actor import Actor
from casedb.engine import Database
from casedb.errors import Conflict
from rbac.store import load_grants
from tests.support.people import make_person

ACTOR = Actor(login="test-init")
CliRun = Any


def test_initialise_creates_three_separated_admins_once(db_url: str) -> None:
    db = Database(db_url)
    res = initialise(db, ACTOR, bootstrap=True)
    assert sorted((a.login, a.role) for a in res.admins) == [
        ("auditadmin", "audit_admin"),
        ("secadmin", "security_admin"),
        ("sysadmin", "system_admin"),
    ]
    assert len({a.activation_code for a in res.admins}) == 3
    with db.read() as s:
        grants = load_grants(s)
        rows = s.execute(
            sa.text("SELECT login_name, status, region_code, department_code, post FROM accounts")
        ).all()
        creds = s.execute(
            sa.text("SELECT activation_code_hash, password_hash FROM credentials")
        ).all()
    assert sorted(g.role for g in grants) == ["audit_admin", "security_admin", "system_admin"]
    assert {g.domain for g in grants} == {"530000000000|*"}
    assert len({g.subject for g in grants}) == 3
    assert {(r[1], r[2], r[3]) for r in rows} == {("pending", "530000000000", "coord")}
    assert {r[4] for r in rows} == {"系统管理员", "安全管理员", "审计管理员"}
    # Codes are stored hashed, and no password exists.
    codes = {a.activation_code for a in res.admins}
    assert all(c[0] not in codes and c[1] is None for c in creds)
    for a in res.admins:
        with db.read() as s:
            stored = s.scalar(
                sa.text("SELECT activation_code_hash FROM credentials WHERE account_id = :i"),
                {"i": a.account_id},
            )
        assert credentials.activation_matches(a.account_id, a.activation_code, stored)
    again = initialise(db, ACTOR, bootstrap=True)
    assert again.admins == ()
    with db.read() as s:
        assert s.scalar(sa.text("SELECT count(*) FROM accounts")) == 3
    db.dispose()


def test_initialise_without_bootstrap_creates_no_account(db_url: str) -> None:
    db = Database(db_url)
    assert initialise(db, ACTOR).admins == ()
    with db.read() as s:
        assert s.scalar(sa.text("SELECT count(*) FROM accounts")) == 0
    db.dispose()


def test_a_taken_login_creates_nothing(db: Database) -> None:
    make_person(db, "secadmin", password=None)
    with db.uow() as uow, pytest.raises(Conflict):
        bootstrap_admins(uow.session, ACTOR)
    with db.read() as s:
        assert s.scalar(sa.text("SELECT count(*) FROM accounts")) == 1
        assert load_grants(s) == []


def test_cli_init_shows_codes_once_or_writes_them_to_a_private_file(
    cli: CliRun, db_url: str, tmp_path: Path
) -> None:
    plain = cli("--db", db_url, "--json", "init")
    doc = json.loads(plain.stdout)["data"]
    assert doc["admins"] == [] and doc["bootstrap_skipped"] is True
    codes = tmp_path / "codes.tsv"
    res = cli("--db", db_url, "init", "--codes", str(codes))
    assert res.exit_code == 0, res.stderr
    assert "sysadmin" not in res.stdout and str(codes) in res.stdout
    assert stat.S_IMODE(codes.stat().st_mode) == 0o600
    lines = [ln.split("\t") for ln in codes.read_text("utf-8").splitlines()]
    assert [ln[0] for ln in lines] == ["sysadmin", "secadmin", "auditadmin"]
    assert all(len(ln[2]) == 19 for ln in lines)
    # The file is never overwritten; a second init creates nobody.
    exists = cli("--db", db_url, "init", "--codes", str(codes))
    assert exists.exit_code == 6
    second = cli("--db", db_url, "--json", "init", "--show-codes")
    assert json.loads(second.stdout)["data"]["admins"] == []


def test_cli_init_prints_the_codes_only_when_asked_off_a_terminal(cli: CliRun, db_url: str) -> None:
    piped = cli("--db", db_url, "init")  # stdout is not a terminal here
    assert piped.exit_code == 0 and "sysadmin" not in piped.stdout
    assert "--show-codes" in piped.stderr
    res = cli("--db", db_url, "init", "--show-codes")
    assert res.exit_code == 0, res.stderr
    for login in ("sysadmin", "secadmin", "auditadmin"):
        assert login in res.stdout
    assert "jzctl activate" in res.stdout
    shown = cli("--db", db_url, "--json", "init", "--show-codes")
    assert json.loads(shown.stdout)["data"]["admins"] == []
