"""The calendar table on both backends: overrides, a completed year, a session's calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime

from casedb.calendar import (
    CalendarDay,
    WorkCalendar,
    end_of_local_day,
    import_days,
    mark_year_complete,
    parse_csv,
    set_day,
    unmark_year,
)
from casedb.engine import Database

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
NOTICE_2027 = (
    "date,kind,name\n"
    + "".join(f"2027-10-0{d},holiday,国庆节\n" for d in range(1, 8))
    + "2027-09-26,workday,国庆节\n2027-10-09,workday,国庆节\n"
)


def test_an_admin_completes_2027_and_the_answer_changes(db: Database) -> None:
    start = datetime(2027, 9, 30, 2, 0, tzinfo=UTC)
    with db.read() as s:
        before = WorkCalendar.load(s)
    assert before.is_workday(date(2027, 10, 1)) == (True, "weekday_fallback")
    assert before.add_workdays(start, 3) == end_of_local_day(date(2027, 10, 5))
    assert before.warnings == {2027}

    with db.uow() as uow:
        result = import_days(uow.session, parse_csv(NOTICE_2027), by="sys.admin", at=NOW,
                             complete_year=2027)  # fmt: skip
        uow.commit()
    assert (result.rows, result.added, result.complete_year) == (9, 9, 2027)

    with db.read() as s:
        after = WorkCalendar.load(s)
    assert after.is_workday(date(2027, 10, 1)) == (False, "table")
    assert after.is_workday(date(2027, 10, 9)) == (True, "table")  # the make-up Saturday
    assert after.is_workday(date(2027, 10, 11)) == (True, "table")  # an ordinary Monday
    # 8 Oct (Fri), 9 Oct (make-up Saturday), 11 Oct (Mon).
    assert after.add_workdays(start, 3) == end_of_local_day(date(2027, 10, 11))
    assert after.warnings == set()
    assert after.name_of(date(2027, 10, 1)) == "国庆节"

    # Withdrawing the marker keeps the overrides but the rest of the year falls back again.
    with db.uow() as uow:
        assert unmark_year(uow.session, 2027)
        uow.commit()
    with db.read() as s:
        partial = WorkCalendar.load(s)
    assert partial.is_workday(date(2027, 10, 1)) == (False, "table")
    assert partial.is_workday(date(2027, 10, 11)) == (True, "weekday_fallback")
    assert partial.warnings == {2027}


def test_set_and_clear_a_day_over_the_package(db: Database) -> None:
    with db.uow() as uow:
        assert set_day(uow.session, date(2026, 10, 8), "holiday", name="加休", by="a",
                       at=NOW) == (None, {"kind": "holiday", "name": "加休"})  # fmt: skip
        uow.commit()
    with db.read() as s:
        assert WorkCalendar.load(s).is_workday(date(2026, 10, 8)) == (False, "table")
        row = s.get(CalendarDay, date(2026, 10, 8))
        assert row is not None and row.set_at == NOW and row.set_by == "a"
    with db.uow() as uow:
        before, after = set_day(uow.session, date(2026, 10, 8), "clear", by="a", at=NOW)
        uow.commit()
    assert before == {"kind": "holiday", "name": "加休"} and after is None
    with db.read() as s:
        assert WorkCalendar.load(s).is_workday(date(2026, 10, 8)) == (True, "chinese_calendar")


def test_marking_a_year_twice_is_harmless(db: Database) -> None:
    with db.uow() as uow:
        assert mark_year_complete(uow.session, 2028, by="a", at=NOW)
        assert not mark_year_complete(uow.session, 2028, by="a", at=NOW)
        uow.commit()
    with db.read() as s:
        cal = WorkCalendar.load(s)
    assert cal.is_workday(date(2028, 1, 3)) == (True, "table")
    assert cal.warnings == set()
