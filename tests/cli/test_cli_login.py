"""``jzctl init`` codes, ``activate``, ``login``, ``whoami``, ``logout`` through the entry point."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyotp
import pytest
import sqlalchemy as sa

from casedb.engine import Database
from tests.support.people import PASSWORD, cheap_hashing, make_person, sign_in_as

CliRun = Any
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
NEW_PASSWORD = "Harbour-Lantern-73!"


@pytest.fixture(autouse=True)
def _cheap() -> Iterator[None]:
    with cheap_hashing():
        yield


def init_with_codes(cli: CliRun, url: str) -> dict[str, str]:
    res = cli("--db", url, "--json", "init", "--show-codes")
    assert res.exit_code == 0, res.stdout + res.stderr
    return {a["login"]: a["activation_code"] for a in json.loads(res.stdout)["data"]["admins"]}


def secret_file(tmp_path: Path, text: str, name: str = "pw") -> str:
    path = tmp_path / name
    path.write_text(text + "\n", encoding="utf-8")
    return str(path)


def audit_rows(db: Database, action: str) -> list[tuple[str, str, str]]:
    with db.engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT actor, outcome, reason FROM audit_events WHERE action = :a"),
            {"a": action},
        )
        return [(r[0], r[1], r[2]) for r in rows]


def test_activate_enrols_totp_then_login_and_whoami(
    cli: CliRun, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    codes = init_with_codes(cli, db_url)
    monkeypatch.setattr(pyotp, "random_base32", lambda *a, **k: SECRET)
    totp = pyotp.TOTP(SECRET)
    monkeypatch.setattr(sys, "stdin", io.StringIO("000000\n" + totp.now() + "\n"))
    pw = secret_file(tmp_path, NEW_PASSWORD)
    res = cli("--db", db_url, "activate", "secadmin", "--code", codes["secadmin"],
              "--password-file", pw)  # fmt: skip
    assert res.exit_code == 0, res.stdout + res.stderr
    assert "otpauth://totp/" in res.stdout and SECRET in res.stdout
    assert "动态口令已绑定" in res.stdout
    # The code is one-time.
    again = cli("--db", db_url, "activate", "secadmin", "--code", codes["secadmin"],
                "--password-file", pw)  # fmt: skip
    assert again.exit_code == 3
    # Without the TOTP code the right password fails, with the one message.
    no_code = cli("--db", db_url, "login", "secadmin", "--password-file", pw)
    assert no_code.exit_code == 3 and "登录失败" in no_code.stderr
    later = totp.at(datetime.now(UTC) + timedelta(seconds=30))
    ok = cli("--db", db_url, "login", "secadmin", "--password-file", pw, "--totp", later)
    assert ok.exit_code == 0, ok.stderr
    who = cli("--db", db_url, "--json", "whoami")
    assert who.exit_code == 0, who.stderr
    data = json.loads(who.stdout)["data"]
    assert data["login"] == "secadmin" and data["region"] == "530000000000"
    assert data["roles"] == [
        {"role": "security_admin", "region": "530000000000", "department": "*",
         "domain": "530000000000|*"}
    ]  # fmt: skip
    assert data["session_age_s"] >= 0
    human = cli("--db", db_url, "whoami")
    assert "安全管理员" in human.stdout and "云南省" in human.stdout
    out = cli("--db", db_url, "logout")
    assert out.exit_code == 0 and "已退出" in out.stdout
    after = cli("--db", db_url, "whoami")
    assert after.exit_code == 3 and "jzctl login" in after.stderr
    assert cli("--db", db_url, "logout").stdout.strip() == "本控制台没有登录的会话。"


def test_a_caseworker_activates_without_totp(cli: CliRun, db_url: str, tmp_path: Path) -> None:
    from accounts import credentials
    from audit_log.actor import Actor

    init_with_codes(cli, db_url)
    db = Database(db_url)
    aid = make_person(db, "zhang.wei", role="caseworker", password=None)
    with db.uow() as uow:
        code = credentials.issue_activation(uow.session, aid, Actor(login="t"))
        uow.commit()
    pw = secret_file(tmp_path, NEW_PASSWORD)
    res = cli("--db", db_url, "--json", "activate", "zhang.wei", "--code", code,
              "--password-file", pw)  # fmt: skip
    assert res.exit_code == 0, res.stdout + res.stderr
    assert json.loads(res.stdout)["data"]["totp_enrolled"] is False
    ok = cli("--db", db_url, "login", "zhang.wei", "--password-file", pw)
    assert ok.exit_code == 0, ok.stderr
    db.dispose()


def test_wrong_password_and_unknown_login_say_the_same_and_five_failures_lock(
    cli: CliRun, db_url: str, tmp_path: Path
) -> None:
    init_with_codes(cli, db_url)
    db = Database(db_url)
    make_person(db, "li.na", role="caseworker")
    wrong = secret_file(tmp_path, "Not-The-Password-1", "wrong")
    right = secret_file(tmp_path, PASSWORD, "right")
    unknown = cli("--db", db_url, "login", "nobody", "--password-file", right)
    bad = cli("--db", db_url, "login", "li.na", "--password-file", wrong)
    assert unknown.exit_code == bad.exit_code == 3
    assert unknown.stderr == bad.stderr and "登录失败" in bad.stderr
    assert unknown.stdout == bad.stdout == ""
    for _ in range(4):
        assert cli("--db", db_url, "login", "li.na", "--password-file", wrong).exit_code == 3
    locked = cli("--db", db_url, "login", "li.na", "--password-file", right)
    assert locked.exit_code == 3 and locked.stderr == bad.stderr
    assert any(r[1] == "ok" for r in audit_rows(db, "account.lock"))
    db.dispose()


def test_whoami_can_answers_with_the_reason(cli: CliRun, db_url: str) -> None:
    assert cli("--db", db_url, "--json", "init").exit_code == 0
    db = Database(db_url)
    make_person(db, "wang.fang", role="caseworker", region="530102000000", department="civil")
    sign_in_as(db, "wang.fang")
    yes = cli("--db", db_url, "whoami", "--can", "case.handle", "530102", "civil")
    assert yes.exit_code == 0, yes.stderr
    assert yes.stdout.startswith("能。") and "g, a:" in yes.stdout
    no = cli("--db", db_url, "--json", "whoami", "--can", "case.handle", "530103", "civil")
    assert no.exit_code == 3
    doc = json.loads(no.stdout)["data"]
    assert doc["allowed"] is False and doc["reason"] == "rbac.deny_out_of_scope"
    role = cli("--db", db_url, "--lang", "en", "whoami", "--can", "role.grant", "530102")
    assert role.exit_code == 3 and "none of the account's roles" in role.stdout
    db.dispose()


def test_a_disabled_accounts_open_session_can_do_nothing(cli: CliRun, db_url: str) -> None:
    assert cli("--db", db_url, "--json", "init").exit_code == 0
    db = Database(db_url)
    aid = make_person(db, "zhao.lei", role="coord_admin", department="coord",
                      role_department="*")  # fmt: skip
    sign_in_as(db, "zhao.lei")
    ok = cli("--db", db_url, "whoami", "--can", "account.create", "530102", "civil")
    assert ok.exit_code == 0, ok.stderr
    with db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE accounts SET status = 'disabled' WHERE id = :i"), {"i": aid})
    refused = cli("--db", db_url, "whoami", "--can", "account.create", "530102", "civil")
    assert refused.exit_code == 3
    assert "会话已结束" in refused.stderr
    assert cli("--db", db_url, "role", "list").exit_code == 3
    db.dispose()
