"""``jzctl change deputy`` through the entry point: a reviewer names a deputy, who reviews
for them within the range (``change show`` says "for" the reviewer) and is refused outside
it (exit 3)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from casedb.clock import local_zone
from casedb.engine import Database
from tests.support.people import cheap_hashing, make_person, sign_in_as

CliRun = Any
TOWNSHIP = "530102001000"


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
    make_person(db, "standin", region=TOWNSHIP, role="caseworker")
    yield db
    db.dispose()


def _day(offset: int) -> str:
    return (datetime.now(local_zone()) + timedelta(days=offset)).strftime("%Y-%m-%d")


def _submit(cli: CliRun, db_url: str, people: Database) -> str:
    sign_in_as(people, "submitter")
    res = cli("--db", db_url, "--json", "change", "request", "modify", "target",
              "--reason", "岗位调整", "--post", "副站长")  # fmt: skip
    assert res.exit_code == 0, res.stderr
    return str(json.loads(res.stdout)["data"]["id"])


def test_deputy_reviews_within_the_range(cli: CliRun, db_url: str, people: Database) -> None:
    rid = _submit(cli, db_url, people)
    sign_in_as(people, "leader")
    res = cli("--db", db_url, "--json", "change", "deputy", "standin",
              "--from", _day(-1), "--until", _day(2))  # fmt: skip
    assert res.exit_code == 0, res.stderr
    named = json.loads(res.stdout)["data"]
    assert named["deputy"] == "standin" and named["id"]

    sign_in_as(people, "standin")
    res = cli("--db", db_url, "change", "review", rid)
    assert res.exit_code == 0, res.stderr
    data = json.loads(cli("--db", db_url, "--json", "change", "show", rid).stdout)["data"]
    assert data["state"] == "reviewed"
    assert "standin" in data["reviewed"] and "leader" in data["reviewed"]
    shown = cli("--db", db_url, "change", "show", rid)
    assert "standin（代 leader）" in shown.stdout


def test_deputy_outside_the_range_is_refused(cli: CliRun, db_url: str, people: Database) -> None:
    rid = _submit(cli, db_url, people)
    sign_in_as(people, "leader")
    res = cli("--db", db_url, "change", "deputy", "standin",
              "--from", _day(3), "--until", _day(5))  # fmt: skip
    assert res.exit_code == 0, res.stderr
    assert "standin" in res.stdout

    sign_in_as(people, "standin")
    assert cli("--db", db_url, "change", "review", rid).exit_code == 3
    data = json.loads(cli("--db", db_url, "--json", "change", "show", rid).stdout)["data"]
    assert data["state"] == "submitted"


def test_bad_range_and_dates(cli: CliRun, db_url: str, people: Database) -> None:
    sign_in_as(people, "leader")
    res = cli("--db", db_url, "change", "deputy", "standin",
              "--from", _day(2), "--until", _day(1))  # fmt: skip
    assert res.exit_code == 5
    res = cli("--db", db_url, "change", "deputy", "standin",
              "--from", "yesterday", "--until", _day(1))  # fmt: skip
    assert res.exit_code == 5
    res = cli("--db", db_url, "change", "deputy", "leader",
              "--from", _day(0), "--until", _day(1))  # fmt: skip
    assert res.exit_code == 5
