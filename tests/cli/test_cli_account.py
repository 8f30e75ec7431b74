"""``jzctl account``: create, show, list, update, the lifecycle verbs, reset, sweep, export."""

from __future__ import annotations

import csv
import json
import os
import stat
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from accounts import idnumber
from casedb.engine import Database
from tests.support.people import cheap_hashing, make_person, sign_in_as

KUNMING_WUHUA = "530102000000"
KUNMING_PANLONG = "530103000000"


@pytest.fixture(autouse=True)
def _cheap() -> Iterator[None]:
    with cheap_hashing():
        yield


def id_no(n: int, county: str = "530102") -> str:
    born = date(1980, 1, 1) + timedelta(days=n % 9000)
    first17 = f"{county}{born:%Y%m%d}{n % 1000:03d}"
    return first17 + idnumber.check_digit(first17)


def setup_admin(
    cli: Any,
    url: str,
    *,
    login: str = "wuhua.admin",
    role: str = "dept_admin",
    region: str = KUNMING_WUHUA,
    department: str = "civil",
    role_department: str | None = None,
) -> Database:
    """An initialised database with one admin signed in at this console."""
    assert cli("--db", url, "init").exit_code == 0
    db = Database(url)
    make_person(db, login, role=role, region=region, department=department,
                role_department=role_department)  # fmt: skip
    sign_in_as(db, login)
    return db


def create(cli: Any, url: str, login: str, n: int, *extra: str, dept: str = "civil") -> Any:
    return cli(
        "--db", url, "account", "create", "--login", login, "--name", "张三",
        "--id-number", id_no(n), "--region", "530102", "--department", dept,
        "--mobile", "13812345678", *extra,
    )  # fmt: skip


def events(db: Database, action: str) -> list[tuple[str, str, str]]:
    with db.engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT action, outcome, reason FROM audit_events WHERE action = :a ORDER BY seq"
            ),
            {"a": action},
        ).all()
    return [(r[0], r[1], r[2]) for r in rows]


def test_create_shows_the_code_once_and_masks(cli, db_url: str) -> None:  # type: ignore[no-untyped-def]
    db = setup_admin(cli, db_url)
    res = create(cli, db_url, "zhang.san", 1, "--post", "经办人员")
    assert res.exit_code == 0, res.stderr
    code_line = [ln for ln in res.stdout.splitlines() if "激活码" in ln]
    assert len(code_line) == 1
    code = code_line[0].split("：", 1)[1].strip()
    assert len(code) == 19 and res.stdout.count(code) == 1
    assert "只显示这一次" in res.stderr
    doc = json.loads(cli("--db", db_url, "--json", "account", "show", "zhang.san").stdout)["data"]
    assert doc["id_number"] == "530102********" + id_no(1)[-4:]
    assert doc["mobile"] == "138****5678" and doc["status"] == "pending"
    assert events(db, "account.create")[-1][1] == "ok"
    assert events(db, "account.activation_issue")
    db.dispose()


def test_code_file_is_new_and_owner_only(cli, db_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = setup_admin(cli, db_url)
    target = tmp_path / "code.txt"
    res = create(cli, db_url, "li.si", 2, "--code-file", str(target))
    assert res.exit_code == 0, res.stderr
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    code = target.read_text().split("\t")[1].strip()
    assert code not in res.stdout and code not in res.stderr
    # An existing file is refused before anything is created.
    again = create(cli, db_url, "wang.wu", 3, "--code-file", str(target))
    assert again.exit_code == 6
    assert cli("--db", db_url, "account", "show", "wang.wu").exit_code == 4
    db.dispose()


def test_duplicate_person_bad_id_and_scope(cli, db_url: str) -> None:  # type: ignore[no-untyped-def]
    db = setup_admin(cli, db_url, login="wuhua.coord", role="coord_admin", department="coord",
                     role_department="*")  # fmt: skip
    assert create(cli, db_url, "zhang.san", 1).exit_code == 0
    dup = create(cli, db_url, "zhang.san2", 1)
    assert dup.exit_code == 6 and "已有账号" in dup.stderr
    bad = cli(
        "--db", db_url, "account", "create", "--login", "bad.id", "--name", "李四",
        "--id-number", id_no(5)[:-1] + ("0" if id_no(5)[-1] != "0" else "1"),
        "--region", "530102", "--department", "civil",
    )  # fmt: skip
    assert bad.exit_code == 5 and bad.stderr.count("\n") == 1
    # A county admin creating in another county: refused, and the refusal is audited.
    out = cli(
        "--db", db_url, "account", "create", "--login", "pan.long", "--name", "王五",
        "--id-number", id_no(6, "530103"), "--region", "530103", "--department", "civil",
    )  # fmt: skip
    assert out.exit_code == 3
    denied = [e for e in events(db, "account.create") if e[1] == "denied"]
    assert denied and cli("--db", db_url, "account", "show", "pan.long").exit_code == 4
    db.dispose()


def test_not_signed_in_is_refused_with_a_hint(cli, db_url: str) -> None:  # type: ignore[no-untyped-def]
    assert cli("--db", db_url, "init").exit_code == 0
    res = create(cli, db_url, "zhang.san", 1)
    assert res.exit_code == 3 and "jzctl login" in res.stderr
    as_json = cli("--db", db_url, "--json", "account", "list")
    assert as_json.exit_code == 3
    assert json.loads(as_json.stdout)["error"]["code"] == "permission_denied"


def test_reveal_is_permitted_and_audited(cli, db_url: str) -> None:  # type: ignore[no-untyped-def]
    db = setup_admin(cli, db_url)
    assert create(cli, db_url, "zhang.san", 1).exit_code == 0
    masked = cli("--db", db_url, "account", "show", "zhang.san")
    assert id_no(1) not in masked.stdout and "13812345678" not in masked.stdout
    shown = cli("--db", db_url, "account", "show", "zhang.san", "--reveal", "id_number")
    assert shown.exit_code == 0 and id_no(1) in shown.stdout
    assert events(db, "account.reveal")[-1][1] == "ok"
    # A coordinator admin administers accounts but may not see personal data in clear.
    make_person(db, "coord.admin", role="coord_admin", department="coord", role_department="*")
    sign_in_as(db, "coord.admin")
    refused = cli("--db", db_url, "account", "show", "zhang.san", "--reveal", "mobile")
    assert refused.exit_code == 3 and "13812345678" not in refused.stdout
    assert events(db, "account.reveal")[-1][1] == "denied"
    db.dispose()


def test_list_filters_and_pages(cli, db_url: str) -> None:  # type: ignore[no-untyped-def]
    db = setup_admin(cli, db_url, login="wuhua.coord", role="coord_admin", department="coord",
                     role_department="*")  # fmt: skip
    for i in range(7):
        dept = "civil" if i % 2 == 0 else "education"
        assert create(cli, db_url, f"user{i:02d}", 10 + i, dept=dept).exit_code == 0
    make_person(db, "other.county", region=KUNMING_PANLONG, password=None)
    make_person(db, "worker.one", role="caseworker", password=None)

    def page(*args: str) -> dict[str, Any]:
        res = cli("--db", db_url, "--json", "account", "list", *args)
        assert res.exit_code == 0, res.stderr
        data: dict[str, Any] = json.loads(res.stdout)["data"]
        return data

    first = page("--name", "user", "--limit", "3")
    assert [r["login_name"] for r in first["accounts"]] == ["user00", "user01", "user02"]
    second = page("--name", "user", "--limit", "3", "--after", first["next_after"])
    assert [r["login_name"] for r in second["accounts"]] == ["user03", "user04", "user05"]
    third = page("--name", "user", "--limit", "3", "--after", second["next_after"])
    assert [r["login_name"] for r in third["accounts"]] == ["user06"]
    assert third["next_after"] is None
    assert {r["login_name"] for r in page("--department", "education")["accounts"]} == {
        "user01", "user03", "user05",
    }  # fmt: skip
    assert [r["login_name"] for r in page("--role", "caseworker")["accounts"]] == ["worker.one"]
    assert page("--status", "active", "--name", "user")["accounts"] == []
    everyone = {r["login_name"] for r in page("--limit", "500")["accounts"]}
    assert "other.county" not in everyone and "user00" in everyone  # out of scope: not listed
    assert page("--region", "530102")["accounts"]
    assert cli("--db", db_url, "account", "list", "--status", "nonsense").exit_code == 5
    human = cli("--db", db_url, "account", "list", "--name", "user", "--limit", "2")
    assert "user00" in human.stdout and "--after user01" in human.stderr
    db.dispose()


def test_update_and_every_status_verb(cli, db_url: str) -> None:  # type: ignore[no-untyped-def]
    db = setup_admin(cli, db_url)
    assert create(cli, db_url, "zhang.san", 1).exit_code == 0
    up = cli("--db", db_url, "--json", "account", "update", "zhang.san", "--post", "科长",
             "--mobile", "13900001111", "--valid-until", "2099-01-01")  # fmt: skip
    assert up.exit_code == 0, up.stderr
    doc = json.loads(up.stdout)["data"]
    assert doc["post"] == "科长" and doc["mobile"] == "139****1111" and doc["valid_until"]
    assert cli("--db", db_url, "account", "update", "zhang.san").exit_code == 2
    assert cli("--db", db_url, "account", "update", "zhang.san", "--mobile", "123").exit_code == 5

    def verb(name: str, expect: int = 0) -> str:
        res = cli("--db", db_url, "--json", "account", name, "zhang.san", "--reason", "测试")
        assert res.exit_code == expect, (name, res.stdout, res.stderr)
        return str(json.loads(res.stdout).get("data", {}).get("status"))

    # pending accounts cannot be locked: an illegal transition is a conflict
    verb("lock", 6)
    with db.uow() as uow:
        uow.session.execute(
            sa.text("UPDATE accounts SET status = 'active' WHERE login_name = 'zhang.san'")
        )
        uow.commit()  # fmt: skip
    assert verb("lock") == "locked"
    assert verb("unlock") == "active"
    verb("unlock", 6)  # not locked any more
    assert verb("suspend") == "suspended"
    assert verb("restore") == "active"
    assert verb("disable") == "disabled"
    assert verb("archive") == "archived"
    assert verb("restore") == "disabled"
    assert cli("--db", db_url, "account", "lock", "zhang.san").exit_code == 2  # --reason missing
    assert cli("--db", db_url, "account", "lock", "nobody", "--reason", "x").exit_code == 4
    statuses = [e[1] for e in events(db, "account.status")]
    assert statuses.count("ok") == 7
    db.dispose()


def test_status_shows_failures_and_unlock_clears_them(cli, db_url: str) -> None:  # type: ignore[no-untyped-def]
    from accounts import signin
    from casedb.errors import PermissionDenied

    db = setup_admin(cli, db_url)
    make_person(db, "zhang.san")
    for _ in range(5):
        with pytest.raises(PermissionDenied):
            signin.sign_in(db, "zhang.san", "wrong password 1!", None, host="h", terminal="t")
    doc = json.loads(cli("--db", db_url, "--json", "account", "status", "zhang.san").stdout)
    assert doc["data"]["failed_count"] == 5 and doc["data"]["locked"] is True
    human = cli("--db", db_url, "account", "status", "zhang.san")
    assert "连续登录失败次数" in human.stdout
    res = cli("--db", db_url, "--json", "account", "unlock", "zhang.san", "--reason", "本人来电")
    assert res.exit_code == 0, res.stderr
    assert json.loads(res.stdout)["data"]["failures_cleared"] is True
    doc = json.loads(cli("--db", db_url, "--json", "account", "status", "zhang.san").stdout)
    assert doc["data"]["failed_count"] == 0 and doc["data"]["locked"] is False
    assert events(db, "account.unlock")[-1][1] == "ok"
    db.dispose()


def test_reset_issues_a_new_code_and_clears_the_password(cli, db_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = setup_admin(cli, db_url)
    make_person(db, "zhang.san")
    target = tmp_path / "reset.txt"
    res = cli("--db", db_url, "account", "reset", "zhang.san", "--code-file", str(target))
    assert res.exit_code == 0, res.stderr
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    doc = json.loads(cli("--db", db_url, "--json", "account", "status", "zhang.san").stdout)
    assert doc["data"]["password_set"] is False and doc["data"]["activation_pending"] is True
    own = cli("--db", db_url, "account", "reset", "wuhua.admin")
    assert own.exit_code == 3
    assert [e[1] for e in events(db, "account.reset")] == ["ok", "denied"]
    db.dispose()


def test_sweep_disables_unused_accounts(cli, db_url: str) -> None:  # type: ignore[no-untyped-def]
    db = setup_admin(cli, db_url)
    old, recent = make_person(db, "old.user"), make_person(db, "recent.user")
    long_ago = datetime.now(UTC) - timedelta(days=200)
    with db.uow() as uow:
        uow.session.execute(
            sa.text("UPDATE credentials SET last_login_at = :t WHERE account_id = :a"),
            {"t": long_ago.replace(tzinfo=None) if db.backend == "sqlite" else long_ago, "a": old},
        )
        uow.session.execute(
            sa.text("UPDATE accounts SET created_at = :t"),
            {"t": long_ago.replace(tzinfo=None) if db.backend == "sqlite" else long_ago},
        )
        uow.session.execute(
            sa.text("UPDATE credentials SET last_login_at = :t WHERE account_id = :a"),
            {"t": datetime.now(UTC).replace(tzinfo=None) if db.backend == "sqlite" else datetime.now(UTC), "a": recent},
        )  # fmt: skip
        uow.commit()
    dry = cli("--db", db_url, "--json", "account", "sweep", "--dry-run")
    assert [r["login_name"] for r in json.loads(dry.stdout)["data"]["disabled"]] == ["old.user"]
    assert events(db, "account.sweep") == []
    res = cli("--db", db_url, "account", "sweep", "--days", "90")
    assert res.exit_code == 0 and "old.user" in res.stdout
    doc = json.loads(cli("--db", db_url, "--json", "account", "show", "old.user").stdout)
    assert doc["data"]["status"] == "disabled"
    doc = json.loads(cli("--db", db_url, "--json", "account", "show", "recent.user").stdout)
    assert doc["data"]["status"] == "active"
    assert events(db, "account.sweep")[-1][1] == "ok"
    db.dispose()


def test_export_is_masked_and_formula_safe(cli, db_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = setup_admin(cli, db_url)
    assert create(cli, db_url, "zhang.san", 1, "--post", "-科员").exit_code == 0
    out = tmp_path / "accounts.csv"
    res = cli("--db", db_url, "account", "export", "--format", "csv", "--to", str(out))
    assert res.exit_code == 0, res.stderr
    text = out.read_text(encoding="utf-8-sig")
    assert id_no(1) not in text and "13812345678" not in text
    rows = list(csv.DictReader(text.splitlines()))
    row = next(r for r in rows if r["login_name"] == "zhang.san")
    assert row["post"] == "'-科员" and row["id_masked"].startswith("530102****")
    assert cli("--db", db_url, "account", "export", "--to", str(out)).exit_code == 6
    xlsx = tmp_path / "accounts.xlsx"
    res = cli("--db", db_url, "account", "export", "--format", "xlsx", "--to", str(xlsx))
    assert res.exit_code == 0, res.stderr
    from openpyxl import load_workbook

    values = [c for row in load_workbook(xlsx).active.iter_rows(values_only=True) for c in row]  # type: ignore[union-attr]
    assert "zhang.san" in values and id_no(1) not in values
    assert cli("--db", db_url, "account", "export", "--format", "pdf", "--to",
               str(tmp_path / "x.pdf")).exit_code == 5  # fmt: skip
    db.dispose()
