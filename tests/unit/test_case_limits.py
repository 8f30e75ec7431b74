"""Step time limits and working-day deadlines (DOMAIN.md art. 21-22, seed 003), scope
arithmetic of case supervision, and the small pure helpers — no database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from casedb.calendar import WorkCalendar
from casedb.errors import InvalidInput
from casedb.limits import (
    DEFAULT_STEP_LIMITS,
    HOURS,
    STEP_LEVEL,
    WORKDAYS,
    Limit,
    Limits,
    check_limit,
)
from casedb.supervision_queries import (
    ALL,
    Domain,
    _quantile,
    cursor_of,
    month_bounds,
    narrow,
    parse_cursor,
    region_arg,
    simplify,
    unit_of,
)

KUNMING = ZoneInfo("Asia/Shanghai")


def local(y: int, m: int, d: int, h: int = 10) -> datetime:
    return datetime(y, m, d, h, tzinfo=KUNMING).astimezone(UTC)


def end_of(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 23, 59, 59, tzinfo=KUNMING).astimezone(UTC)


def test_the_water_rule_is_the_default() -> None:
    limits = Limits()
    assert limits.of("drinking_water", "accept") == Limit(24, HOURS)
    assert limits.of("drinking_water", "investigate") == Limit(2, WORKDAYS)
    assert limits.of("drinking_water", "deliver") == Limit(5, WORKDAYS)
    # Other items share the defaults until an admin sets their own.
    assert limits.of("dibao", "approve") == DEFAULT_STEP_LIMITS["approve"]
    assert STEP_LEVEL == {"accept": 3, "investigate": 4, "approve": 3, "deliver": 4,
                          "feedback": 5}  # fmt: skip


def test_an_admins_limit_wins_and_is_reported_as_such() -> None:
    limits = Limits({("dibao", "investigate"): Limit(3, WORKDAYS)})
    assert limits.of("dibao", "investigate") == Limit(3, WORKDAYS)
    assert limits.source("dibao", "investigate") == "table"
    assert limits.source("dibao", "accept") == "default"
    rows = limits.rows("dibao")
    assert [r.step for r in rows] == ["accept", "investigate", "approve", "deliver", "feedback"]


def test_accepting_within_24_hours_is_clock_time_even_over_a_holiday() -> None:
    start = local(2026, 9, 30, 16)
    assert Limits().deadline("drinking_water", "accept", start, WorkCalendar()) == start + (
        timedelta(hours=24)
    )


def test_working_days_skip_national_day_2026_and_count_the_make_up_saturday() -> None:
    cal = WorkCalendar()
    start = local(2026, 9, 30, 16)  # Wednesday before the Golden Week
    # On site within 2 working days: Thursday 8 and Friday 9 October (1-7 are off).
    assert Limits().deadline("drinking_water", "investigate", start, cal) == end_of(2026, 10, 9)
    # Saturday 10 October is a make-up working day: the third working day.
    assert Limit(3, WORKDAYS).deadline(start, cal) == end_of(2026, 10, 10)
    # Fixed within 5 working days: Oct 8, 9, 10 (Sat), 12, 13.
    assert Limits().deadline("drinking_water", "deliver", start, cal) == end_of(2026, 10, 13)
    assert cal.warnings == set()


def test_a_deadline_into_2027_falls_back_to_weekdays_with_a_warning() -> None:
    cal = WorkCalendar()
    start = local(2026, 12, 30, 9)  # Wednesday
    deadline = Limit(5, WORKDAYS).deadline(start, cal)
    # 31 Dec (Thu), then 1 Jan 2027 counted as a Friday working day without a notice, 4, 5, 6.
    assert deadline == end_of(2027, 1, 6)
    assert cal.warnings == {2027}


def test_a_holiday_entered_for_2027_is_honoured() -> None:
    cal = WorkCalendar(overrides={date(2027, 1, 1): "holiday"}, complete_years=frozenset({2027}))
    deadline = Limit(5, WORKDAYS).deadline(local(2026, 12, 30, 9), cal)
    assert deadline == end_of(2027, 1, 7)
    assert cal.warnings == set()


@pytest.mark.parametrize(
    ("item", "step", "amount", "unit", "key"),
    [
        ("nope", "accept", 1, "hours", "err.case_item_unknown"),
        ("dibao", "nope", 1, "hours", "err.case_step_unknown"),
        ("dibao", "accept", 1, "weeks", "err.case_limit_unit"),
        ("dibao", "accept", 0, "hours", "err.case_limit_amount"),
        ("dibao", "accept", 61, "workdays", "err.case_limit_amount"),
    ],
)
def test_bad_limits_are_refused(item: str, step: str, amount: int, unit: str, key: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        check_limit(item, step, amount, unit)
    assert exc.value.key == key


def test_scope_narrows_and_never_widens() -> None:
    county = [Domain("530102", ALL)]
    assert narrow(county, "530102001000", None) == [Domain("530102001", ALL)]
    assert narrow(county, "530100000000", None) == [Domain("530102", ALL)]
    assert narrow(county, "530103000000", None) == []
    assert narrow(county, None, "water") == [Domain("530102", "water")]
    civil = [Domain("5301", "civil")]
    assert narrow(civil, None, "water") == []
    assert simplify([Domain("53", ALL), Domain("5301", "civil"), Domain("53", "water")]) == [
        Domain("53", ALL)
    ]
    assert Domain("530102", ALL).covers("530102001001", "health")
    assert not Domain("530102", "civil").covers("530102001001", "health")


def test_the_responsible_unit_is_the_region_at_the_steps_level() -> None:
    assert unit_of("530102001001", 3) == "530102000000"
    assert unit_of("530102001001", 4) == "530102001000"
    assert unit_of("530102001001", 5) == "530102001001"


def test_small_parsers() -> None:
    start, end = month_bounds("2026-10")
    assert start == datetime(2026, 10, 1, tzinfo=KUNMING).astimezone(UTC)
    assert end == datetime(2026, 11, 1, tzinfo=KUNMING).astimezone(UTC)
    assert month_bounds("2026-12")[1] == datetime(2027, 1, 1, tzinfo=KUNMING).astimezone(UTC)
    for bad in ("2026-13", "October", ""):
        with pytest.raises(InvalidInput):
            month_bounds(bad)
    at = datetime(2026, 11, 18, 2, 0, 0, 123456, tzinfo=UTC)
    assert parse_cursor(cursor_of(at, 42)) == (at, 42)
    with pytest.raises(InvalidInput):
        parse_cursor("yesterday")
    assert region_arg("5301") == "530100000000"
    with pytest.raises(InvalidInput):
        region_arg("53x1")


def test_quantiles_are_nearest_rank_in_hours() -> None:
    hours = [h * 3600.0 for h in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10)]
    assert _quantile(hours, 0.5) == 5.5
    assert _quantile(hours, 0.9) == 9
    assert _quantile([], 0.5) is None
