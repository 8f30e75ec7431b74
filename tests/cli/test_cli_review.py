"""``jzctl review`` through the entry point: a county-level campaign started, listed, decided
(confirm, revoke → an offboarding the prefecture executes), its status per unit, refusals
(exit 3), bad input (exit 2/4/5), a second decision on the same item (exit 6), escalation and
closing; every message a translated sentence, never a traceback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from casedb.engine import Database
from tests.support.people import cheap_hashing, make_person, sign_in_as

CliRun = Any
PROVINCE, PREFECTURE = "530000000000", "530100000000"
COUNTY_A, COUNTY_B = "530102000000", "530103000000"


@pytest.fixture(autouse=True)
def _cheap() -> Iterator[None]:
    with cheap_hashing():
        yield


@pytest.fixture
def people(cli: CliRun, db_url: str) -> Iterator[Database]:
    assert cli("--db", db_url, "--json", "init").exit_code == 0
    db = Database(db_url)
    make_person(db, "admin", region=PROVINCE, department="coord", role="coord_admin",
                role_department="*")  # fmt: skip
    make_person(db, "head_a", region=COUNTY_A, role="unit_head")
    make_person(db, "staff_a1", full_name="张三丰", region=COUNTY_A, role="caseworker")
    make_person(db, "staff_a2", region=COUNTY_A, role="caseworker")
    make_person(db, "staff_b", region=COUNTY_B, role="caseworker")
    make_person(db, "pref_admin", region=PREFECTURE, role="dept_admin")
    yield db
    db.dispose()


def data(res: Any) -> Any:
    assert res.exit_code == 0, res.stderr + res.stdout
    return json.loads(res.stdout)["data"]


def test_a_campaign_walked_through_the_cli(cli: CliRun, db_url: str, people: Database) -> None:
    def run(*args: str) -> Any:
        return cli("--db", db_url, *args)

    sign_in_as(people, "head_a")
    denied = run("review", "start", "--level", "county")
    assert denied.exit_code == 3 and "Traceback" not in denied.stderr

    sign_in_as(people, "admin")
    assert run("review", "start", "--level", "hamlet").exit_code == 5
    assert run("review", "start", "--level", "county", "--region", "5399").exit_code == 4
    campaign = data(run("--json", "review", "start", "--level", "county", "--days", "10"))
    assert campaign["items"] == 4 and campaign["state"] == "open"
    cid = str(campaign["id"])
    again = run("review", "start", "--level", "county", "--region", "530102")
    assert again.exit_code == 6 and f"jzctl review close {cid}" in again.stderr

    sign_in_as(people, "head_a")
    listed = data(run("--json", "review", "list", "--pending"))
    logins = {item["login_name"]: item for item in listed["items"]}
    assert set(logins) == {"staff_a1", "staff_a2"}, "never their own account"
    assert logins["staff_a1"]["full_name"] == "张**"
    human = run("review", "list")
    assert human.exit_code == 0 and "staff_a1" in human.stdout and "张三丰" not in human.stdout
    a1, a2 = str(logins["staff_a1"]["id"]), str(logins["staff_a2"]["id"])

    assert run("review", "decide", a1, "maybe").exit_code == 5
    assert run("review", "decide", a1, "revoke").exit_code == 5, "a reason is required"
    assert run("review", "decide", "99999", "confirm").exit_code == 4
    assert run("review", "decide", "confirm").exit_code == 2
    res = run("review", "decide", a2, "confirm", "--reason", "在岗")
    assert res.exit_code == 0, res.stderr
    assert "已确认" in res.stdout
    lost = run("review", "decide", a2, "revoke", "--reason", "调离")
    assert lost.exit_code == 6 and "jzctl review list" in lost.stderr
    done = data(run("--json", "review", "decide", a1, "revoke", "--reason", "调离"))
    [decided] = done["items"]
    assert decided["change_kind"] == "offboard" and decided["change_request_id"]
    rid = str(decided["change_request_id"])

    status = data(run("--json", "review", "status", cid))
    assert [(u["region"], u["confirmed"], u["revoked"], u["pending"]) for u in status["units"]] == [
        (COUNTY_A, 1, 1, 1)
    ]
    shown = run("review", "status")
    assert shown.exit_code == 0 and "合计" in shown.stdout

    sign_in_as(people, "staff_b")
    assert run("review", "decide", a1, "confirm").exit_code == 6
    assert data(run("--json", "review", "list"))["items"] == []

    sign_in_as(people, "pref_admin")
    res = run("change", "execute", rid, "--yes")
    assert res.exit_code == 0, res.stderr

    sign_in_as(people, "admin")
    everything = data(run("--json", "review", "status", cid))
    assert everything["totals"] == {"total": 4, "confirmed": 1, "revoked": 1, "pending": 2,
                                    "overdue": 0, "escalated": 0}  # fmt: skip
    nothing = run("review", "escalate")
    assert nothing.exit_code == 0 and "没有需要上报" in nothing.stdout
    assert data(run("--json", "review", "close", cid))["state"] == "closed"
    assert run("review", "close", cid).exit_code == 6
    english = run("--lang", "en", "review", "status", cid)
    assert english.exit_code == 0 and "Review " in english.stdout and "closed" in english.stdout


def test_help_and_unknown_campaign(cli: CliRun, db_url: str, people: Database) -> None:
    sign_in_as(people, "admin")
    assert cli("--db", db_url, "review", "status", "42").exit_code == 4
    assert cli("--db", db_url, "review", "status").exit_code == 4
    helped = cli("--db", db_url, "review", "decide", "--help")
    assert helped.exit_code == 0 and "confirm|revoke" in helped.stdout
