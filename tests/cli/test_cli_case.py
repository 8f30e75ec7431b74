"""``jzctl case`` through the entry point: the overdue list, a case shown, a notice walked to
closure by the supervisor and the unit, a bulk reassignment previewed then done, statistics
exported to CSV and XLSX, data checks, limits — and bad input as one sentence and exit code."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from casedb.engine import Database
from tests.support.cases import COUNTY, OTHER_COUNTY, OTHER_COUNTY_TOWNSHIP, TOWNSHIP, add_case
from tests.support.people import cheap_hashing, make_person, sign_in_as

CliRun = Any
NOW = datetime.now(UTC)


@pytest.fixture(autouse=True)
def _cheap() -> Iterator[None]:
    with cheap_hashing():
        yield


@pytest.fixture
def world(cli: CliRun, db_url: str) -> Iterator[dict[str, Any]]:
    assert cli("--db", db_url, "--json", "init").exit_code == 0
    db = Database(db_url)
    ids = {
        "sup": make_person(db, "sup", region=COUNTY, department="coord", role="supervisor",
                           role_department="*"),
        "head": make_person(db, "head", region=TOWNSHIP, department="coord",
                            role="township_leader", role_department="*"),
        "a": make_person(db, "a", region=TOWNSHIP, role="caseworker"),
        "b": make_person(db, "b", region=TOWNSHIP, role="caseworker"),
    }  # fmt: skip
    cases = {
        "late": add_case(db, assignee=ids["a"], deadline=NOW - timedelta(hours=5),
                         created=NOW - timedelta(days=2)),
        "later": add_case(db, assignee=ids["a"], deadline=NOW - timedelta(days=1),
                          created=NOW - timedelta(days=3)),
        "theirs": add_case(db, region=OTHER_COUNTY_TOWNSHIP, deadline=NOW - timedelta(hours=5)),
    }  # fmt: skip
    yield {"db": db, "ids": ids, "cases": cases}
    db.dispose()


def test_supervising_from_the_command_line(
    cli: CliRun, db_url: str, world: dict[str, Any], tmp_path: Path
) -> None:
    def run(*args: str) -> Any:
        return cli("--db", db_url, *args)

    db, cases = world["db"], world["cases"]
    assert run("case", "overdue").exit_code == 3  # nobody signed in
    sign_in_as(db, "sup")
    res = run("--json", "case", "overdue")
    assert res.exit_code == 0, res.stderr
    items = json.loads(res.stdout)["data"]["items"]
    assert [i["case_no"] for i in items] == [cases["later"], cases["late"]]
    human = run("case", "overdue")
    assert cases["late"] in human.stdout and "核查" in human.stdout
    assert cases["theirs"] not in human.stdout
    page = json.loads(run("--json", "case", "overdue", "--limit", "1").stdout)["data"]
    nxt = run("--json", "case", "overdue", "--limit", "1", "--after", page["next_after"])
    assert [i["case_no"] for i in json.loads(nxt.stdout)["data"]["items"]] == [cases["late"]]

    shown = run("case", "show", cases["late"])
    assert shown.exit_code == 0 and "环节记录" in shown.stdout
    assert run("case", "show", cases["theirs"]).exit_code == 3
    assert run("case", "show", "NOPE").exit_code == 4
    refused = run("--json", "case", "overdue", "--region", OTHER_COUNTY)
    assert refused.exit_code == 3
    assert json.loads(refused.stdout)["error"]["code"] == "permission_denied"

    dry = run("--json", "case", "supervise", "issue", "--overdue", "--reason", "超时", "--dry-run")
    assert dry.exit_code == 0, dry.stderr
    assert sorted(json.loads(dry.stdout)["data"]["cases"]) == sorted([cases["late"],
                                                                      cases["later"]])  # fmt: skip
    res = run("--json", "case", "supervise", "issue", cases["late"], "--reason", "超时未核查")
    assert res.exit_code == 0, res.stderr
    notice = json.loads(res.stdout)["data"]["notices"][0]["id"]
    assert run("case", "supervise", "issue", cases["late"], "--reason", "再督").exit_code == 6

    sign_in_as(db, "a")
    inbox = json.loads(run("--json", "case", "supervise", "list").stdout)["data"]["items"]
    assert [n["id"] for n in inbox] == [notice]
    nid = str(notice)
    assert (
        run("case", "supervise", "reply", nid, "--stage", "resulted", "--note", "x").exit_code == 6
    )
    assert run("case", "supervise", "reply", nid, "--stage", "done").exit_code == 5
    for stage, note in (("handled", ""), ("resulted", "已入户"), ("reported", "已告知")):
        res = run("case", "supervise", "reply", nid, "--stage", stage, "--note", note)
        assert res.exit_code == 0, res.stderr
    sign_in_as(db, "sup")
    res = run("--json", "case", "supervise", "close", nid, "--note", "属实")
    assert res.exit_code == 0, res.stderr
    assert json.loads(res.stdout)["data"]["state"] == "closed"

    sign_in_as(db, "head")
    preview = run("--json", "case", "reassign", "--from", "a", "--to", "b", "--preview")
    assert preview.exit_code == 0, preview.stderr
    moves = json.loads(preview.stdout)["data"]["moves"]
    assert len(moves) == 2
    assert run("case", "reassign", "--from", "a", "--to", "b", "--reason", "调离").exit_code == 5
    done = run("--json", "case", "reassign", "--from", "a", "--to", "b", "--reason", "调离",
               "--yes", "--expect", "2")  # fmt: skip
    assert done.exit_code == 0, done.stderr
    assert json.loads(done.stdout)["data"]["moves"] == moves

    sign_in_as(db, "sup")
    from casedb.clock import local_zone

    month = NOW.astimezone(local_zone()).strftime("%Y-%m")
    out_csv, out_xlsx = tmp_path / "s.csv", tmp_path / "s.xlsx"
    res = run("case", "stats", "--month", month, "--by", "department,item", "--csv", str(out_csv),
              "--xlsx", str(out_xlsx))  # fmt: skip
    assert res.exit_code == 0, res.stderr
    with out_csv.open(encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][:3] == ["department", "item", "received"]
    from openpyxl import load_workbook

    sheet = load_workbook(out_xlsx).active
    assert sheet is not None and sheet.max_row == len(rows)
    again = run("case", "stats", "--month", month, "--csv", str(out_csv))
    assert again.exit_code == 6  # never overwrite a file

    checks = json.loads(run("--json", "case", "check").stdout)["data"]["findings"]
    assert [f["check"] for f in checks] == [
        "assigned_to_inactive", "impossible_timeline", "unit_without_handler"
    ]  # fmt: skip
    limits = json.loads(run("--json", "case", "limits", "--item", "drinking_water").stdout)
    assert limits["data"]["limits"][0] == {"item": "drinking_water", "step": "accept",
                                           "level": 3, "amount": 24, "unit": "hours",
                                           "source": "default"}  # fmt: skip
    assert (
        run("case", "limits", "--item", "dibao", "--set", "investigate=3:workdays").exit_code == 3
    )


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("case", "overdue", "--region", "53x"), 5),
        (("case", "overdue", "--dept", "police"), 5),
        (("case", "overdue", "--due-soon", "--ten-day"), 5),
        (("case", "overdue", "--after", "yesterday"), 5),
        (("case", "stats", "--month", "2026-13"), 5),
        (("case", "stats"), 5),
        (("case", "stats", "--month", "2026-10", "--by", "colour"), 5),
        (("case", "check", "--only", "everything"), 5),
        (("case", "supervise", "close", "999"), 4),
        (("case", "reassign", "--to", "nobody", "X1"), 4),
        (("case", "limits", "--item", "dibao", "--set", "investigate"), 5),
        (("case", "overdue", "--limit", "0"), 2),
    ],
)
def test_bad_input_is_one_sentence_and_an_exit_code(
    cli: CliRun, db_url: str, world: dict[str, Any], args: tuple[str, ...], code: int
) -> None:
    sign_in_as(world["db"], "sup")
    res = cli("--db", db_url, *args)
    assert res.exit_code == code, (res.stdout, res.stderr)
    assert "Traceback" not in res.stderr and res.stderr.strip().count("\n") <= 1
    as_json = cli("--db", db_url, "--json", *args)
    assert json.loads(as_json.stdout)["error"]["message"]


def test_english_output(cli: CliRun, db_url: str, world: dict[str, Any]) -> None:
    sign_in_as(world["db"], "sup")
    res = cli("--db", db_url, "--lang", "en", "case", "overdue")
    assert res.exit_code == 0 and "investigate" in res.stdout
    bad = cli("--db", db_url, "--lang", "en", "case", "stats", "--month", "May")
    assert bad.exit_code == 5 and "2026-10" in bad.stderr
