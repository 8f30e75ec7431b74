"""Working days: Chinese public holidays, make-up Saturdays, deadlines, unknown years."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from casedb.calendar import (
    HOLIDAY,
    WORKDAY,
    WorkCalendar,
    end_of_local_day,
    package_knows,
    parse_csv,
    special_days,
)
from casedb.errors import InvalidInput

SHANGHAI_8H = timedelta(hours=8)


def test_national_day_week_is_off_and_its_make_up_saturday_is_worked() -> None:
    cal = WorkCalendar()
    for day in range(1, 8):
        assert cal.is_workday(date(2026, 10, day)) == (False, "chinese_calendar")
    # Saturday 10 October 2026 is a make-up working day; Sunday the 11th is not.
    assert date(2026, 10, 10).weekday() == 5
    assert cal.is_workday(date(2026, 10, 10)) == (True, "chinese_calendar")
    assert cal.is_workday(date(2026, 10, 11)) == (False, "chinese_calendar")
    assert cal.warnings == set()
    assert cal.name_of(date(2026, 10, 1)) == "National Day"


def test_three_working_days_across_national_day() -> None:
    cal = WorkCalendar()
    # Wednesday 30 September 2026, 16:00 in Kunming.
    start = datetime(2026, 9, 30, 8, 0, tzinfo=UTC)
    due = cal.add_workdays(start, 3)
    # 1-7 October off; 8 (Thu), 9 (Fri), 10 (the make-up Saturday).
    assert due == end_of_local_day(date(2026, 10, 10))
    assert due == datetime(2026, 10, 10, 23, 59, 59, tzinfo=UTC) - SHANGHAI_8H
    assert cal.workdays_between(start, due) == 3
    assert cal.workdays_between(due, start) == -3
    assert cal.workdays_between(date(2026, 9, 30), date(2026, 10, 7)) == 0


def test_start_late_in_the_evening_counts_from_the_local_day() -> None:
    cal = WorkCalendar()
    # 17:30 UTC on Friday 16 October is 01:30 on Saturday 17 October in Kunming.
    start = datetime(2026, 10, 16, 17, 30, tzinfo=UTC)
    assert cal.add_workdays(start, 1) == end_of_local_day(date(2026, 10, 19))
    assert cal.add_workdays(start, 0) == end_of_local_day(date(2026, 10, 19))


def test_naive_start_and_negative_n_are_refused() -> None:
    cal = WorkCalendar()
    with pytest.raises(ValueError):
        cal.add_workdays(datetime(2026, 10, 1), 3)
    with pytest.raises(ValueError):
        cal.add_workdays(datetime(2026, 10, 1, tzinfo=UTC), -1)


def test_2027_falls_back_to_monday_to_friday_with_a_warning() -> None:
    assert not package_knows(2027)
    cal = WorkCalendar()
    # Friday 1 October 2027 (National Day) is a working day by the fallback.
    assert cal.is_workday(date(2027, 10, 1)) == (True, "weekday_fallback")
    assert cal.is_workday(date(2027, 10, 2)) == (False, "weekday_fallback")
    assert cal.warnings == {2027}
    start = datetime(2027, 9, 30, 2, 0, tzinfo=UTC)
    assert cal.add_workdays(start, 3) == end_of_local_day(date(2027, 10, 5))
    assert cal.year_source(2027) == "weekday_fallback"


def test_a_completed_2027_changes_the_answer() -> None:
    overrides = {date(2027, 10, d): HOLIDAY for d in range(1, 8)}
    overrides[date(2027, 10, 9)] = WORKDAY
    cal = WorkCalendar(overrides=overrides, complete_years=frozenset({2027}))
    assert cal.is_workday(date(2027, 10, 1)) == (False, "table")
    assert cal.is_workday(date(2027, 10, 9)) == (True, "table")
    assert cal.is_workday(date(2027, 10, 8)) == (True, "table")
    start = datetime(2027, 9, 30, 2, 0, tzinfo=UTC)
    assert cal.add_workdays(start, 3) == end_of_local_day(date(2027, 10, 11))
    assert cal.warnings == set()


def test_overrides_win_over_the_package() -> None:
    cal = WorkCalendar(overrides={date(2026, 10, 8): HOLIDAY}, names={date(2026, 10, 8): "加休"})
    assert cal.is_workday(date(2026, 10, 8)) == (False, "table")
    assert cal.name_of(date(2026, 10, 8)) == "加休"
    specials = {s.day: s for s in special_days(cal, 2026)}
    assert specials[date(2026, 10, 8)].source == "table"
    assert specials[date(2026, 10, 10)].workday and specials[date(2026, 10, 1)].source == (
        "chinese_calendar"
    )
    assert date(2026, 10, 17) not in specials  # an ordinary Saturday


def test_deadlines_never_raise_far_ahead() -> None:
    cal = WorkCalendar()
    due = cal.add_workdays(datetime(2026, 12, 28, tzinfo=UTC), 250)
    assert due.year == 2027 and cal.warnings == {2027}


def test_csv_rows_are_all_checked_before_anything() -> None:
    rows = parse_csv("date,kind,name\n2027-10-01,holiday,国庆节\n2027-10-09,workday\n")
    assert [(r.day, r.kind, r.name) for r in rows] == [
        (date(2027, 10, 1), "holiday", "国庆节"),
        (date(2027, 10, 9), "workday", ""),
    ]
    with pytest.raises(InvalidInput) as exc:
        parse_csv("2027-10-01,holiday\n2027-13-01,holiday\n2027-10-02,off\n2027-10-01,workday\nx\n")
    assert [d["line"] for d in exc.value.details] == [2, 3, 4, 5]
    assert exc.value.details[2]["reason"] == "bad.calendar_duplicate"
