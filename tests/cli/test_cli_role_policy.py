"""``jzctl role`` and ``jzctl policy`` through the entry point: scope, escalation routes,
refusals that exit 3 and land in the audit trail, and the policy read tools."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from casedb.engine import Database
from tests.support.people import cheap_hashing, make_person, sign_in_as

CliRun = Any
COUNTY = "530102000000"
SIBLING = "530103000000"


@pytest.fixture(autouse=True)
def _cheap() -> Iterator[None]:
    with cheap_hashing():
        yield


@pytest.fixture
def county(cli: CliRun, db_url: str) -> Iterator[Database]:
    """A county coordinator admin signed in, and a few people in the county."""
    assert cli("--db", db_url, "--json", "init").exit_code == 0
    db = Database(db_url)
    make_person(db, "coord.530102", department="coord", role="coord_admin",
                role_department="*")  # fmt: skip
    make_person(db, "liu.civil", department="civil")
    make_person(db, "chen.civil", department="civil", region=SIBLING)
    sign_in_as(db, "coord.530102")
    yield db
    db.dispose()


def denied(db: Database, action: str) -> list[str]:
    with db.engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT reason FROM audit_events WHERE action = :a AND outcome = 'denied'"),
            {"a": action},
        )
        return [r[0] for r in rows]


def test_grant_in_scope_then_list_and_revoke(cli: CliRun, db_url: str, county: Database) -> None:
    res = cli("--db", db_url, "role", "grant", "liu.civil", "dept_admin", "--region", "530102")
    assert res.exit_code == 0, res.stderr
    assert "行业部门管理员" in res.stdout and "530102000000|civil" in res.stdout
    listed = json.loads(cli("--db", db_url, "--json", "role", "list", "liu.civil").stdout)
    assert listed["data"]["grants"] == [
        {"role": "dept_admin", "region": COUNTY, "department": "civil",
         "domain": "530102000000|civil"}
    ]  # fmt: skip
    twice = cli("--db", db_url, "role", "grant", "liu.civil", "dept_admin", "--region", "530102")
    assert twice.exit_code == 6
    mine = cli("--db", db_url, "role", "list")
    assert mine.exit_code == 0 and "coord_admin" in mine.stdout
    gone = cli("--db", db_url, "role", "revoke", "liu.civil", "dept_admin", "--region", "530102")
    assert gone.exit_code == 0, gone.stderr
    listed = json.loads(cli("--db", db_url, "--json", "role", "list", "liu.civil").stdout)
    assert listed["data"]["grants"] == []


def test_grant_in_a_sibling_county_is_refused_and_recorded(
    cli: CliRun, db_url: str, county: Database
) -> None:
    res = cli("--db", db_url, "role", "grant", "chen.civil", "dept_admin", "--region", SIBLING)
    assert res.exit_code == 3
    assert "该区划不在您可授权的范围内" in res.stderr
    assert "err.rbac_grant_out_of_scope" in denied(county, "role.grant")
    listed = json.loads(cli("--db", db_url, "--json", "role", "list", "liu.civil").stdout)
    assert listed["data"]["grants"] == []
    # Nor may the county admin read the grants of someone in the sibling county.
    assert cli("--db", db_url, "role", "list", "chen.civil").exit_code == 3


def test_granting_yourself_a_higher_role_is_refused(
    cli: CliRun, db_url: str, county: Database
) -> None:
    res = cli("--db", db_url, "role", "grant", "coord.530102", "coord_admin",
              "--region", "5301")  # fmt: skip
    assert res.exit_code == 3
    assert "err.rbac_self_grant" in denied(county, "role.grant")
    # A peer at the same grade, or one above, is refused on grade or scope too.
    make_person(county, "peer", department="coord")
    up = cli("--db", db_url, "--json", "role", "grant", "peer", "coord_admin", "--region", "5301")
    assert up.exit_code == 3
    assert json.loads(up.stdout)["error"]["code"] == "permission_denied"
    same = cli("--db", db_url, "role", "grant", "peer", "coord_admin", "--region", "530102")
    assert same.exit_code == 3
    separated = cli("--db", db_url, "role", "grant", "peer", "security_admin", "--region", "53")
    assert separated.exit_code == 3
    assert len(denied(county, "role.grant")) == 4


def test_a_non_admin_cannot_grant_nor_read_policy(cli: CliRun, db_url: str) -> None:
    assert cli("--db", db_url, "--json", "init").exit_code == 0
    db = Database(db_url)
    make_person(db, "worker", role="caseworker")
    make_person(db, "other")
    sign_in_as(db, "worker")
    res = cli("--db", db_url, "role", "grant", "other", "caseworker", "--region", "530102")
    assert res.exit_code == 3
    assert cli("--db", db_url, "policy", "show").exit_code == 3
    assert "policy.read" in {a for a in _actions(db)}
    db.dispose()


def _actions(db: Database) -> set[str]:
    with db.engine.connect() as conn:
        return {r[0] for r in conn.execute(sa.text("SELECT action FROM audit_events"))}


def test_policy_show_check_explain_lint_export(
    cli: CliRun, db_url: str, county: Database, tmp_path: Path
) -> None:
    show = cli("--db", db_url, "--json", "policy", "show", "caseworker")
    assert show.exit_code == 0, show.stderr
    assert json.loads(show.stdout)["data"] == [
        {"role": "caseworker", "actions": ["case.handle", "case.read"]}
    ]
    assert "安全管理员" in cli("--db", db_url, "policy", "show").stdout
    assert cli("--db", db_url, "policy", "show", "nosuchrole").exit_code == 5

    make_person(county, "zhou.worker", role="caseworker")
    yes = cli("--db", db_url, "policy", "check", "zhou.worker", "case.handle", COUNTY, "civil")
    assert yes.exit_code == 0 and yes.stdout.startswith("能。")
    no = cli("--db", db_url, "policy", "check", "zhou.worker", "case.handle", SIBLING, "civil")
    assert no.exit_code == 3 and no.stdout.startswith("不能。")
    why = cli("--db", db_url, "--json", "policy", "explain", "zhou.worker", "case.read",
              "530102", "civil")  # fmt: skip
    doc = json.loads(why.stdout)["data"]
    assert doc["allowed"] is True
    assert doc["lines"][0].endswith("caseworker, 530102000000|civil")
    assert doc["lines"][1] == "p, caseworker, case.read"
    assert doc["grants"][0]["decides"] is True

    lint = cli("--db", db_url, "--json", "policy", "lint")
    findings = json.loads(lint.stdout)["data"]["findings"]
    assert lint.exit_code == (1 if findings else 0)
    with county.engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO policy_rules (ptype, v0, v1, v2, v3, v4, v5) "
            "VALUES ('p', 'caseworker', '*', '', '', '', '')"
        ))  # fmt: skip
    dirty = cli("--db", db_url, "policy", "lint")
    assert dirty.exit_code == 1 and "通配操作" in dirty.stdout

    out = tmp_path / "policy.csv"
    exp = cli("--db", db_url, "policy", "export", "--to", str(out))
    assert exp.exit_code == 0, exp.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text("utf-8"))))
    assert {"role": "audit_admin", "action": "audit.read"} in rows
    as_json = cli("--db", db_url, "policy", "export", "--format", "json")
    assert {"role": "caseworker", "action": "case.handle"} in json.loads(as_json.stdout)
