"""``jzctl calendar set|list|import``: the system admin edits, others are refused, bad files
write nothing, and every change is audited."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa

from casedb.engine import Database
from tests.cli.test_cli_account import _cheap, events, setup_admin
from tests.support.people import make_person, sign_in_as

__all__ = ["_cheap"]

PROVINCE = "530000000000"


def _system_admin(cli, db_url: str) -> Database:  # type: ignore[no-untyped-def]
    db = setup_admin(cli, db_url)
    make_person(db, "sys.admin", role="system_admin", region=PROVINCE, department="coord",
                role_department="*")  # fmt: skip
    sign_in_as(db, "sys.admin")
    return db


def _overrides(db: Database) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT count(*) FROM calendar_days")).scalar_one())


def test_set_list_and_clear(cli, db_url: str) -> None:  # type: ignore[no-untyped-def]
    db = _system_admin(cli, db_url)
    res = cli("--db", db_url, "calendar", "set", "2026-10-08", "holiday", "--name", "加休")
    assert res.exit_code == 0, res.stderr
    assert "2026-10-08" in res.stdout
    assert events(db, "calendar.set")[-1][1] == "ok"
    doc = json.loads(cli("--db", db_url, "--json", "calendar", "list", "--year", "2026").stdout)
    data = doc["data"]
    assert data["source"] == "chinese_calendar" and data["fallback"] is False
    days = {d["date"]: d for d in data["days"]}
    assert days["2026-10-08"] == {"date": "2026-10-08", "kind": "holiday", "source": "table",
                                  "name": "加休"}  # fmt: skip
    assert days["2026-10-10"]["kind"] == "workday"
    assert days["2026-10-01"]["source"] == "chinese_calendar"
    human = cli("--db", db_url, "calendar", "list", "--year", "2026")
    assert human.exit_code == 0 and "调休上班日" in human.stdout and "加休" in human.stdout
    cleared = cli("--db", db_url, "calendar", "set", "2026-10-08", "clear")
    assert cleared.exit_code == 0, cleared.stderr
    assert _overrides(db) == 0
    assert len(events(db, "calendar.set")) == 2


def test_list_says_2027_falls_back(cli, db_url: str) -> None:  # type: ignore[no-untyped-def]
    _system_admin(cli, db_url)
    res = cli("--db", db_url, "calendar", "list", "--year", "2027")
    assert res.exit_code == 0, res.stderr
    assert "2027" in res.stderr and "周一至周五" in res.stderr
    doc = json.loads(cli("--db", db_url, "--json", "calendar", "list", "--year", "2027").stdout)
    assert doc["data"]["fallback"] is True and doc["data"]["days"] == []


def test_import_and_complete_2027(cli, db_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = _system_admin(cli, db_url)
    f = tmp_path / "2027.csv"
    f.write_text("date,kind,name\n2027-10-01,holiday,国庆节\n2027-10-09,workday,国庆节\n",
                 encoding="utf-8")  # fmt: skip
    res = cli("--db", db_url, "--json", "calendar", "import", str(f), "--year-complete", "2027")
    assert res.exit_code == 0, res.stderr
    assert json.loads(res.stdout)["data"]["added"] == 2
    assert events(db, "calendar.import")[-1][1] == "ok"
    doc = json.loads(cli("--db", db_url, "--json", "calendar", "list", "--year", "2027").stdout)
    data = doc["data"]
    assert data["fallback"] is False and data["source"] == "table"
    assert [(d["date"], d["kind"]) for d in data["days"]] == [
        ("2027-10-01", "holiday"),
        ("2027-10-09", "workday"),
    ]


def test_bad_rows_write_nothing(cli, db_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = _system_admin(cli, db_url)
    f = tmp_path / "bad.csv"
    f.write_text("2027-10-01,holiday,国庆节\n2027-02-30,holiday,春节\n2027-10-09,off\n",
                 encoding="utf-8")  # fmt: skip
    res = cli("--db", db_url, "calendar", "import", str(f), "--year-complete", "2027")
    assert res.exit_code == 5
    assert "2027-02-30" in res.stderr and "off" in res.stderr
    assert _overrides(db) == 0
    with db.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM calendar_years")).scalar_one() == 0
    assert events(db, "calendar.import") == []
    bad_kind = cli("--db", db_url, "calendar", "set", "2027-10-01", "vacation")
    assert bad_kind.exit_code == 5


def test_a_non_admin_is_refused(cli, db_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = setup_admin(cli, db_url)  # a department admin, signed in
    res = cli("--db", db_url, "calendar", "set", "2027-10-01", "holiday")
    assert res.exit_code == 3
    assert events(db, "calendar.set")[-1][1] == "denied"
    f = tmp_path / "ok.csv"
    f.write_text("2027-10-01,holiday,国庆节\n", encoding="utf-8")
    assert cli("--db", db_url, "calendar", "import", str(f)).exit_code == 3
    assert events(db, "calendar.import")[-1][1] == "denied"
    assert _overrides(db) == 0
    # Anyone may read the calendar.
    assert cli("--db", db_url, "calendar", "list", "--year", "2026").exit_code == 0
