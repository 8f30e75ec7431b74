"""``jzctl org coverage``: county departments without an active caseworker and townships
without an active township leader, on a small tree."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from casedb.engine import Database
from rbac.queries import coverage
from rbac.templates import BUSINESS_DEPARTMENTS
from tests.support.people import cheap_hashing, make_person, sign_in_as

CliRun = Any
COUNTY = "530102000000"


@pytest.fixture(autouse=True)
def _cheap() -> Iterator[None]:
    with cheap_hashing():
        yield


def townships(db: Database) -> list[str]:
    with db.read() as s:
        return list(
            s.scalars(
                sa.text("SELECT code FROM regions WHERE level = 4 AND code LIKE '530102%' "
                        "ORDER BY code")
            )
        )  # fmt: skip


def test_coverage_of_one_county(db: Database) -> None:
    towns = townships(db)
    assert len(towns) >= 2
    make_person(db, "cw.civil", role="caseworker", department="civil")
    make_person(db, "cw.health", role="caseworker", department="health", status="disabled")
    make_person(db, "cw.far", role="caseworker", department="education", region="530103000000")
    make_person(db, "tl.one", role="township_leader", region=towns[0], department="coord",
                role_department="*")  # fmt: skip
    with db.read() as s:
        result = coverage(s, COUNTY)
    assert result.cells == len(BUSINESS_DEPARTMENTS)
    assert result.townships == len(towns)
    operator = {g.department for g in result.gaps if g.kind == "operator"}
    assert operator == set(BUSINESS_DEPARTMENTS) - {"civil"}  # a disabled one does not count
    approver = [g.region for g in result.gaps if g.kind == "approver"]
    assert approver == towns[1:]
    with db.read() as s:
        township_only = coverage(s, towns[0])
    assert township_only.cells == 0 and township_only.gaps == ()


def test_org_coverage_command(cli: CliRun, db_url: str) -> None:
    assert cli("--db", db_url, "--json", "init").exit_code == 0
    db = Database(db_url)
    make_person(db, "coord", department="coord", role="coord_admin", role_department="*")
    make_person(db, "cw", role="caseworker", department="civil")
    res = cli("--db", db_url, "org", "coverage", "530102")
    assert res.exit_code == 3  # not signed in
    sign_in_as(db, "coord")
    res = cli("--db", db_url, "--json", "org", "coverage", "530102")
    assert res.exit_code == 0, res.stderr
    data = json.loads(res.stdout)["data"]
    assert data["root"] == COUNTY
    assert data["operator_gaps"] == len(BUSINESS_DEPARTMENTS) - 1
    assert data["approver_gaps"] == len(townships(db))
    human = cli("--db", db_url, "org", "coverage", "530102")
    assert "无经办人员" in human.stdout and "无审核人" in human.stdout
    db.dispose()


def test_coverage_counts_only_accounts_inside_their_validity_window(db: Database) -> None:
    from datetime import UTC, datetime, timedelta

    from casedb.models import Account

    now = datetime.now(UTC)
    ids = {
        "cw.expired": make_person(db, "cw.expired", role="caseworker", department="water"),
        "cw.later": make_person(db, "cw.later", role="caseworker", department="hrss"),
        "cw.window": make_person(db, "cw.window", role="caseworker", department="housing"),
    }
    make_person(db, "cw.all", role="caseworker", department="coord", role_department="*",
                region="530103000000")  # fmt: skip
    windows = {
        "cw.expired": (None, now - timedelta(days=1)),
        "cw.later": (now + timedelta(days=1), None),
        "cw.window": (now - timedelta(days=1), now + timedelta(days=1)),
    }
    with db.uow() as uow:
        for login, (start, end) in windows.items():
            account = uow.session.get(Account, ids[login])
            assert account is not None
            account.valid_from, account.valid_until = start, end
        uow.commit()
    with db.read() as s:
        gaps = {g.department for g in coverage(s, COUNTY).gaps if g.kind == "operator"}
        other = [g for g in coverage(s, "530103000000").gaps if g.kind == "operator"]
    assert "water" in gaps and "hrss" in gaps  # expired, not yet valid
    assert "housing" not in gaps  # inside its window
    assert other == []  # one caseworker for all departments covers every department
