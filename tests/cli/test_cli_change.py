"""``jzctl change`` through the entry point: a township staff offboarding walked end to end
by three signed-in people in turn, refusals (exit 3), bad input, and a lost race (exit 6)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from casedb.engine import Database
from tests.support.people import cheap_hashing, make_person, sign_in_as

CliRun = Any
TOWNSHIP = "530102001000"
COUNTY = "530102000000"


@pytest.fixture(autouse=True)
def _cheap() -> Iterator[None]:
    with cheap_hashing():
        yield


@pytest.fixture
def people(cli: CliRun, db_url: str) -> Iterator[Database]:
    assert cli("--db", db_url, "--json", "init").exit_code == 0
    db = Database(db_url)
    make_person(db, "target", full_name="张三丰", region=TOWNSHIP, role="caseworker")
    make_person(db, "submitter", department="coord", role="coord_admin", role_department="*")
    make_person(db, "leader", region=TOWNSHIP, role="township_leader", role_department="*")
    make_person(db, "deptadmin", role="dept_admin")
    yield db
    db.dispose()


def test_offboarding_walked_end_to_end(cli: CliRun, db_url: str, people: Database) -> None:
    def run(*args: str) -> Any:
        return cli("--db", db_url, *args)

    sign_in_as(people, "submitter")
    res = run("--json", "change", "request", "offboard", "target", "--reason", "调离",
              "--doc-no", "滇民任〔2026〕1号")  # fmt: skip
    assert res.exit_code == 0, res.stderr
    req = json.loads(res.stdout)["data"]
    rid = str(req["id"])
    assert req["state"] == "submitted" and req["deadline"]
    assert run("change", "review", rid).exit_code == 3
    assert run("change", "reject", rid, "--reason", " ").exit_code in (2, 5)

    sign_in_as(people, "deptadmin")
    not_theirs = run("--json", "change", "list", "--to-review")
    assert not_theirs.exit_code == 0, not_theirs.stderr
    assert json.loads(not_theirs.stdout)["data"]["items"] == []

    sign_in_as(people, "leader")
    listed = run("--json", "change", "list", "--to-review")
    assert listed.exit_code == 0, listed.stderr
    assert [item["id"] for item in json.loads(listed.stdout)["data"]["items"]] == [int(rid)]
    assert "调离" in run("change", "list").stdout
    # --match: the same words as the TUI's / filter.
    for words, found in (
        ("张三", True),
        ("kind:offboard", True),
        (rid, True),
        ("530102", True),
        ("kind:onboard", False),
        ("李四", False),
        ("5329", False),
    ):
        res = run("--json", "change", "list", "--to-review", "--match", words)
        assert res.exit_code == 0, res.stderr
        ids = [item["id"] for item in json.loads(res.stdout)["data"]["items"]]
        assert ids == ([int(rid)] if found else []), words
    res = run("change", "review", rid)
    assert res.exit_code == 0, res.stderr

    sign_in_as(people, "deptadmin")
    res = run("change", "execute", rid)
    assert res.exit_code == 5, "off a terminal an offboarding needs --yes"
    todo = json.loads(run("--json", "change", "list", "--to-execute").stdout)["data"]["items"]
    assert [item["id"] for item in todo] == [int(rid)]
    res = run("change", "execute", rid, "--yes")
    assert res.exit_code == 0, res.stderr
    again = run("change", "execute", rid, "--yes")
    assert again.exit_code == 6
    assert f"jzctl change show {rid}" in again.stderr

    shown = run("change", "show", rid)
    assert shown.exit_code == 0, shown.stderr
    assert "已执行" in shown.stdout and "张**" in shown.stdout and "张三丰" not in shown.stdout
    assert "leader" in shown.stdout and "deptadmin" in shown.stdout
    data = json.loads(run("--json", "change", "show", rid).stdout)["data"]
    assert data["reviewed"] == "leader" and data["executed"] == "deptadmin"
    assert data["before"]["status"] == "disabled"


def test_unknown_request_and_login(cli: CliRun, db_url: str, people: Database) -> None:
    sign_in_as(people, "submitter")
    assert cli("--db", db_url, "change", "show", "999").exit_code == 4
    res = cli("--db", db_url, "change", "request", "modify", "nobody", "--reason", "x",
              "--post", "科员")  # fmt: skip
    assert res.exit_code == 4
    res = cli("--db", db_url, "change", "request", "promote", "target", "--reason", "x")
    assert res.exit_code == 5


def test_withdraw_by_the_submitter(cli: CliRun, db_url: str, people: Database) -> None:
    sign_in_as(people, "submitter")
    res = cli("--db", db_url, "--json", "change", "request", "modify", "target",
              "--reason", "岗位调整", "--post", "副站长")  # fmt: skip
    assert res.exit_code == 0, res.stderr
    rid = str(json.loads(res.stdout)["data"]["id"])
    sign_in_as(people, "leader")
    assert cli("--db", db_url, "change", "withdraw", rid).exit_code == 3
    sign_in_as(people, "submitter")
    res = cli("--db", db_url, "change", "withdraw", rid)
    assert res.exit_code == 0, res.stderr
    assert cli("--db", db_url, "change", "withdraw", rid).exit_code == 6
    mine = json.loads(cli("--db", db_url, "--json", "change", "list", "--mine").stdout)["data"]
    assert [item["state"] for item in mine["items"]] == ["withdrawn"]
    both = cli("--db", db_url, "change", "list", "--mine", "--to-review")
    assert both.exit_code == 5
