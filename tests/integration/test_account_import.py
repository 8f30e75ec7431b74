"""``account import``: every bad row reported and nothing written; dry run; --skip-bad; codes
only in the 0600 file; XLSX; changes to existing accounts; out-of-scope rows refused."""

from __future__ import annotations

import csv
import json
import os
import stat
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from casedb.engine import Database
from tests.cli.test_cli_account import _cheap, events, id_no, setup_admin

__all__ = ["_cheap"]

HEADER = ["login_name", "full_name", "id_number", "region_code", "department_code",
          "mobile", "wechat_id", "post", "valid_from", "valid_until"]  # fmt: skip


def row(n: int, **over: str) -> list[str]:
    base = {
        "login_name": f"imp{n:05d}", "full_name": "赵六", "id_number": id_no(n),
        "region_code": "530102", "department_code": "civil", "mobile": "13812345678",
        "wechat_id": f"wx{n}", "post": "经办人员", "valid_from": "", "valid_until": "",
    }  # fmt: skip
    base.update(over)
    return [base[h] for h in HEADER]


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        w.writerows(rows)
    return path


def count(db: Database, prefix: str = "imp") -> int:
    with db.engine.connect() as conn:
        return int(
            conn.execute(
                sa.text("SELECT COUNT(*) FROM accounts WHERE login_name LIKE :p"),
                {"p": prefix + "%"},
            ).scalar_one()
        )


def run(cli: Any, url: str, *args: str) -> Any:
    return cli("--db", url, "account", "import", *args)


def test_bad_rows_are_each_reported_and_nothing_is_written(
    cli, db_url: str, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    db = setup_admin(cli, db_url)
    rows = [
        row(1),
        row(2, id_number=id_no(2)[:-1] + ("0" if id_no(2)[-1] != "0" else "1")),
        row(3, mobile="12345"),
        row(4, login_name="imp00001"),  # repeats line 2
        row(5, department_code="nowhere"),
        row(6, region_code="530103", id_number=id_no(6, "530103")),  # out of scope
    ]
    src = write_csv(tmp_path / "people.csv", rows)
    codes = tmp_path / "codes.csv"
    res = run(cli, db_url, str(src), "--codes", str(codes))
    assert res.exit_code == 5
    for line, column in (
        (3, "id_number"),
        (4, "mobile"),
        (5, "login_name"),
        (6, "department_code"),
        (7, "region_code"),
    ):
        assert f"第 {line} 行：{column} 列" in res.stderr, line
    doc = json.loads(
        cli("--db", db_url, "--json", "account", "import", str(src), "--codes", str(codes)).stdout
    )
    cells = {(d["line"], d["column"]) for d in doc["error"]["details"]}
    assert cells == {(3, "id_number"), (4, "mobile"), (5, "login_name"),
                     (6, "department_code"), (7, "region_code")}  # fmt: skip
    assert count(db) == 0 and not codes.exists()
    assert any(e[1] == "denied" for e in events(db, "account.import"))
    db.dispose()


def test_dry_run_then_skip_bad_then_changes(cli, db_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = setup_admin(cli, db_url)
    src = write_csv(tmp_path / "people.csv", [row(1), row(2, mobile="12345"), row(3)])
    dry = cli("--db", db_url, "--json", "account", "import", str(src), "--dry-run", "--skip-bad")
    assert dry.exit_code == 0, dry.stdout + dry.stderr
    doc = json.loads(dry.stdout)["data"]
    assert [(p["line"], p["action"]) for p in doc["plan"]] == [(2, "create"), (4, "create")]
    assert count(db) == 0
    codes = tmp_path / "codes.csv"
    res = run(cli, db_url, str(src), "--skip-bad", "--codes", str(codes))
    assert res.exit_code == 0, res.stderr
    assert count(db) == 2
    assert stat.S_IMODE(os.stat(codes).st_mode) == 0o600
    issued = list(csv.DictReader(codes.read_text(encoding="utf-8").splitlines()))
    assert [r["login_name"] for r in issued] == ["imp00001", "imp00003"]
    for r in issued:
        assert r["activation_code"] not in res.stdout + res.stderr
    assert "第 3 行" in res.stderr  # the skipped row is still reported
    # The same people again, one with a new post: a change, one unchanged.
    again = write_csv(tmp_path / "again.csv", [row(1, post="科长"), row(3)])
    plan = json.loads(
        cli("--db", db_url, "--json", "account", "import", str(again), "--dry-run").stdout
    )["data"]["plan"]
    assert [(p["action"], p["changes"]) for p in plan] == [("update", ["post"]), ("unchanged", [])]
    codes2 = tmp_path / "codes2.csv"
    assert run(cli, db_url, str(again), "--codes", str(codes2)).exit_code == 0
    doc = json.loads(cli("--db", db_url, "--json", "account", "show", "imp00001").stdout)
    assert doc["data"]["post"] == "科长"
    # Another login for an existing person is refused.
    clash = write_csv(tmp_path / "clash.csv", [row(1, login_name="someone.else")])
    assert run(cli, db_url, str(clash), "--codes", str(tmp_path / "c3.csv")).exit_code == 5
    # A real import needs --codes.
    assert run(cli, db_url, str(src)).exit_code == 2
    db.dispose()


def test_xlsx_import(cli, db_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import Workbook

    db = setup_admin(cli, db_url)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["登录名", "姓名", "身份证号", "区划代码", "部门", "手机", "政务微信", "职务",
               "有效期起", "有效期止"])  # fmt: skip
    for n in range(1, 21):
        ws.append(row(n, valid_until="2099-12-31"))
    path = tmp_path / "people.xlsx"
    wb.save(path)
    codes = tmp_path / "codes.csv"
    res = cli("--db", db_url, "--json", "account", "import", str(path), "--codes", str(codes))
    assert res.exit_code == 0, res.stdout + res.stderr
    assert json.loads(res.stdout)["data"]["created"] == 20
    assert count(db) == 20
    assert len(codes.read_text(encoding="utf-8").splitlines()) == 21
    assert "activation_code" not in res.stdout
    assert [e[1] for e in events(db, "account.import")] == ["ok"]
    assert len([e for e in events(db, "account.create") if e[1] == "ok"]) == 20
    db.dispose()
