"""Data checks (seed 001), statistics and step limits on both backends with a fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

import accounts.models  # noqa: F401
import audit_log.models  # noqa: F401
import casedb.supervision_models  # noqa: F401
import rbac.models  # noqa: F401
from accounts import supervision as sv
from casedb.engine import Database
from casedb.errors import InvalidInput, PermissionDenied
from casedb.limits import Limit, Limits
from casedb.supervision_queries import month_bounds
from tests.support.cases import (
    COUNTY,
    NOW,
    OTHER_COUNTY,
    OTHER_COUNTY_TOWNSHIP,
    PREFECTURE,
    TOWNSHIP,
    actor_of,
    add_case,
)
from tests.support.people import make_person


def person(db: Database, login: str, **kw: object) -> int:
    return make_person(db, login, password=None, **kw)  # type: ignore[arg-type]


@pytest.fixture
def sup(db: Database) -> int:
    return person(db, "sup", region=COUNTY, department="coord", role="supervisor",
                  role_department="*")  # fmt: skip


def findings(db: Database, account: int) -> dict[str, tuple[int, list[dict[str, object]]]]:
    got = sv.data_checks(db, actor_of(db, account), now=NOW)
    return {f.check: (f.count, f.items) for f in got}


def test_data_checks_find_what_seed_001_warns_about(db: Database, sup: int) -> None:
    worker = person(db, "worker", region=TOWNSHIP, role="caseworker")
    gone = person(db, "gone", region=TOWNSHIP, role="caseworker", status="disabled")
    fine = add_case(db, assignee=worker)
    orphan = add_case(db, assignee=gone)
    backwards = add_case(db, assignee=worker, created=NOW - timedelta(days=1),
                         closed=NOW - timedelta(days=2))  # fmt: skip
    future = add_case(db, assignee=worker, created=NOW + timedelta(days=1))
    # Health has nobody at work in the township nor in the county.
    add_case(db, department="health", item="chronic_care", assignee=None)
    add_case(db, department="health", item="chronic_care", assignee=None)
    # Another county's problems are not this supervisor's.
    add_case(db, region=OTHER_COUNTY_TOWNSHIP, department="health", item="chronic_care")

    got = findings(db, sup)
    count, items = got["assigned_to_inactive"]
    assert count == 1 and items[0]["case_no"] == orphan and items[0]["status"] == "disabled"
    count, items = got["impossible_timeline"]
    assert count == 2
    assert {(i["case_no"], i["problem"]) for i in items} == {
        (backwards, "closed_before_created"),
        (future, "created_in_future"),
    }
    count, items = got["unit_without_handler"]
    assert count == 1 and items == [{"unit": f"{TOWNSHIP}|health", "open_cases": 2}]
    assert fine not in str(got)
    # A county health caseworker covers the township's health cases.
    person(db, "county_health", region=COUNTY, department="health", role="caseworker")
    assert findings(db, sup)["unit_without_handler"][0] == 0
    with pytest.raises(InvalidInput):
        sv.data_checks(db, actor_of(db, sup), only=("everything",), now=NOW)


def test_month_statistics(db: Database, sup: int) -> None:
    start, end = month_bounds("2026-10")
    day = datetime(2026, 10, 10, 2, tzinfo=UTC)
    # civil: 3 received, 2 closed (10 h on time, 12 days late), 1 open overdue
    add_case(db, created=day, closed=day + timedelta(hours=10))
    add_case(db, created=day, closed=day + timedelta(days=12))
    add_case(db, created=day, deadline=NOW - timedelta(hours=1))
    # water: 1 received, open and not overdue
    add_case(db, created=day, department="water", item="drinking_water")
    # outside the month, or the scope: not counted
    add_case(db, created=end + timedelta(hours=1), closed=end + timedelta(hours=2))
    add_case(db, created=day, region=OTHER_COUNTY_TOWNSHIP, closed=day + timedelta(hours=1))

    me = actor_of(db, sup)
    rows = sv.case_stats(sv.StatsQuery(start, end, ("department",)), db, me, now=NOW)
    got = {r.key["department"]: r.as_dict() for r in rows}
    assert got["civil"] == {
        "department": "civil", "received": 3, "closed": 2, "closed_on_time": 1, "overdue": 1,
        "median_hours": 149.0, "p90_hours": 288.0,
    }  # fmt: skip
    assert got["water"]["received"] == 1 and got["water"]["overdue"] == 0
    assert got["water"]["median_hours"] is None

    by = ("item", "region", "month")
    rows = sv.case_stats(sv.StatsQuery(start, end, by), db, me, now=NOW)
    keys = {tuple(r.key.values()) for r in rows}
    # Regions one level below the county: its townships.
    assert ("dibao", TOWNSHIP, "2026-10") in keys
    assert all(k[1] != OTHER_COUNTY_TOWNSHIP for k in keys)
    with pytest.raises(InvalidInput):
        sv.case_stats(sv.StatsQuery(start, end, ("colour",)), db, me, now=NOW)
    with pytest.raises(PermissionDenied):
        sv.case_stats(sv.StatsQuery(start, end, region=OTHER_COUNTY), db, me, now=NOW)
    # Asking for the prefecture narrows to the supervisor's own county.
    wide = sv.case_stats(sv.StatsQuery(start, end, region=PREFECTURE), db, me, now=NOW)
    assert sum(r.received for r in wide) == 4


def test_step_limits_are_set_by_the_province_only(db: Database) -> None:
    province = person(db, "prov_sup", region="530000000000", department="coord",
                      role="supervisor", role_department="*")  # fmt: skip
    county = person(db, "county_sup", region=COUNTY, department="coord", role="supervisor",
                    role_department="*")  # fmt: skip
    cmd = sv.SetLimit("dibao", "investigate", 3, "workdays")
    with pytest.raises(PermissionDenied):
        sv.set_step_limit(cmd, db.uow(), actor_of(db, county), now=NOW)
    changed = sv.set_step_limit(cmd, db.uow(), actor_of(db, province), now=NOW)
    assert changed["before"] == {"amount": 2, "unit": "workdays"}
    with db.read() as s:
        assert Limits.load(s).of("dibao", "investigate") == Limit(3, "workdays")
    with pytest.raises(InvalidInput):
        sv.set_step_limit(sv.SetLimit("dibao", "investigate", 0, "workdays"), db.uow(),
                          actor_of(db, province), now=NOW)  # fmt: skip
