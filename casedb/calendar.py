"""Working days in China: the ``chinese-calendar`` package plus an admin-edited table.

The package knows the State Council's holiday notices only up to the year it was released
(2026 for 1.11) and raises ``NotImplementedError`` beyond. An admin fills the gap:

* ``calendar_days`` holds overrides, one row a date: ``holiday`` (a day off, usually on a
  weekday) or ``workday`` (a make-up working day, usually on a weekend). An override always wins.
* ``calendar_years`` marks a year whose notice has been entered completely; for such a year the
  table is authoritative: a day without an override follows Monday-Friday.

A year that neither the package nor the table knows falls back to Monday-Friday and the
calendar says so (``WorkCalendar.warnings``); it never raises.

Deadlines (``WorkCalendar.add_workdays``) end at the *end* of the n-th working day after the
start, in the province's local zone (23:59:59 Asia/Shanghai), returned as aware UTC: a step
received on Monday at 16:00 with 3 working days is due on Thursday before midnight, whatever
the hour it arrived. Working days are counted strictly after the start's local date.

This module sits in ``casedb`` (below ``audit_log``): it changes rows and reports what it
changed; the caller records the audit event in the same transaction.
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from sqlalchemy import CheckConstraint, Date, Integer, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from casedb.clock import local_zone
from casedb.errors import InvalidInput
from casedb.models import Base, UtcDateTime

HOLIDAY = "holiday"
WORKDAY = "workday"
KINDS: tuple[str, ...] = (HOLIDAY, WORKDAY)
CLEAR = "clear"

Source = Literal["table", "chinese_calendar", "weekday_fallback"]
SOURCE_TABLE: Source = "table"
SOURCE_PACKAGE: Source = "chinese_calendar"
SOURCE_FALLBACK: Source = "weekday_fallback"

NAME_MAX = 60
# Years an admin may enter: the platform's lifetime, with room on both sides.
YEAR_MIN, YEAR_MAX = 2000, 2100


class CalendarDay(Base):
    """An admin's override for one date: a day off or a make-up working day."""

    __tablename__ = "calendar_days"
    __table_args__ = (CheckConstraint("kind IN ('holiday', 'workday')", name="kind_values"),)

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(NAME_MAX), default="")
    set_by: Mapped[str] = mapped_column(String(64))
    set_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CalendarYear(Base):
    """A year whose holiday notice is entered completely: the table is authoritative."""

    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    set_by: Mapped[str] = mapped_column(String(64))
    set_at: Mapped[datetime] = mapped_column(UtcDateTime)


# --- the package ---------------------------------------------------------------------------


@functools.cache
def package_knows(year: int) -> bool:
    """Whether ``chinese-calendar`` has the holiday notice of that year (probed once)."""
    import chinese_calendar

    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def _package_is_workday(d: date) -> bool:
    import chinese_calendar

    return bool(chinese_calendar.is_workday(d))


def _package_name(d: date) -> str:
    import chinese_calendar

    _, name = chinese_calendar.get_holiday_detail(d)
    return str(name) if name else ""


def _weekday(d: date) -> bool:
    return d.weekday() < 5


# --- the calendar --------------------------------------------------------------------------


@dataclass
class WorkCalendar:
    """Working days for one session or request: load once (``load``), then ask freely."""

    overrides: Mapping[date, str] = field(default_factory=dict)
    complete_years: frozenset[int] = frozenset()
    names: Mapping[date, str] = field(default_factory=dict)
    # Years for which an answer fell back to Monday-Friday: tell the user.
    warnings: set[int] = field(default_factory=set)

    @classmethod
    def load(cls, session: Session) -> WorkCalendar:
        rows = session.execute(select(CalendarDay.day, CalendarDay.kind, CalendarDay.name)).all()
        years = session.scalars(select(CalendarYear.year)).all()
        return cls(
            overrides={r.day: r.kind for r in rows},
            complete_years=frozenset(years),
            names={r.day: r.name for r in rows},
        )

    def year_source(self, year: int) -> Source:
        """Who answers for a year without an override: the table, the package or nobody."""
        if year in self.complete_years:
            return SOURCE_TABLE
        if package_knows(year):
            return SOURCE_PACKAGE
        return SOURCE_FALLBACK

    def is_workday(self, d: date) -> tuple[bool, Source]:
        kind = self.overrides.get(d)
        if kind is not None:
            return kind == WORKDAY, SOURCE_TABLE
        source = self.year_source(d.year)
        if source == SOURCE_PACKAGE:
            return _package_is_workday(d), SOURCE_PACKAGE
        if source == SOURCE_FALLBACK:
            self.warnings.add(d.year)
        return _weekday(d), source

    def name_of(self, d: date) -> str:
        if d in self.overrides:
            return self.names.get(d, "")
        return _package_name(d) if self.year_source(d.year) == SOURCE_PACKAGE else ""

    def add_workdays(self, start: datetime, n: int) -> datetime:
        """The deadline ``n`` working days after ``start``: the end (23:59:59 local) of the
        n-th working day after the start's local date, as aware UTC. ``n == 0``: the end of
        the start's day if it is a working day, else of the next working day."""
        if n < 0:
            raise ValueError("n must not be negative")
        day = _local_date(start)
        if n == 0:
            while not self.is_workday(day)[0]:
                day += timedelta(days=1)
        counted = 0
        while counted < n:
            day += timedelta(days=1)
            if self.is_workday(day)[0]:
                counted += 1
        return end_of_local_day(day)

    def workdays_between(self, a: date | datetime, b: date | datetime) -> int:
        """Working days ``d`` with ``a < d <= b`` (local dates); negative when ``b < a``.

        ``workdays_between(start, add_workdays(start, n)) == n`` for every ``n >= 1``."""
        da = _local_date(a) if isinstance(a, datetime) else a
        db = _local_date(b) if isinstance(b, datetime) else b
        if db < da:
            return -self.workdays_between(db, da)
        count = 0
        day = da
        while day < db:
            day += timedelta(days=1)
            if self.is_workday(day)[0]:
                count += 1
        return count


def _local_date(at: datetime) -> date:
    if at.tzinfo is None:
        raise ValueError("naive datetime given to the working-day calendar")
    return at.astimezone(local_zone()).date()


def end_of_local_day(d: date) -> datetime:
    """23:59:59 of a local date, as aware UTC."""
    return datetime.combine(d, time(23, 59, 59), tzinfo=local_zone()).astimezone(UTC)


# --- what the admin sees ---------------------------------------------------------------------


@dataclass(frozen=True)
class Special:
    """A day that differs from Monday-Friday, or that the table overrides."""

    day: date
    workday: bool
    source: Source
    name: str

    def as_dict(self) -> dict[str, Any]:
        kind = WORKDAY if self.workday else HOLIDAY
        return {"date": self.day.isoformat(), "kind": kind, "source": self.source,
                "name": self.name}  # fmt: skip


def special_days(cal: WorkCalendar, year: int) -> list[Special]:
    """The year's holidays on weekdays and working days on weekends, plus every override."""
    out: list[Special] = []
    day = date(year, 1, 1)
    while day.year == year:
        working, source = cal.is_workday(day)
        if day in cal.overrides or working != _weekday(day):
            out.append(Special(day, working, source, cal.name_of(day)))
        day += timedelta(days=1)
    return out


# --- changes -------------------------------------------------------------------------------


def parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value.strip().replace("/", "-"))
    except ValueError as exc:
        raise InvalidInput("err.calendar_date_invalid", value=value) from exc


def check_year(year: int) -> int:
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise InvalidInput("err.calendar_year_invalid", year=year, low=YEAR_MIN, high=YEAR_MAX)
    return year


def _state(row: CalendarDay | None) -> dict[str, Any] | None:
    return None if row is None else {"kind": row.kind, "name": row.name}


def set_day(
    session: Session, day: date, kind: str, *, name: str = "", by: str, at: datetime
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """Set (``holiday``/``workday``) or remove (``clear``) a date's override; returns the
    override before and after, for the caller's audit event."""
    if kind not in (*KINDS, CLEAR):
        raise InvalidInput("err.calendar_kind_invalid", kind=kind)
    if len(name) > NAME_MAX:
        raise InvalidInput("err.calendar_name_too_long", max=NAME_MAX)
    check_year(day.year)
    row = session.get(CalendarDay, day)
    before = _state(row)
    if kind == CLEAR:
        if row is not None:
            session.delete(row)
            session.flush()
        return before, None
    if row is None:
        row = CalendarDay(day=day, kind=kind, name=name, set_by=by[:64], set_at=at)
        session.add(row)
    else:
        row.kind, row.name, row.set_by, row.set_at = kind, name, by[:64], at
    session.flush()
    return before, _state(row)


@dataclass(frozen=True)
class ImportRow:
    line: int
    day: date
    kind: str
    name: str


@dataclass(frozen=True)
class ImportResult:
    rows: int
    added: int
    changed: int
    unchanged: int
    complete_year: int | None


def parse_csv(text: str) -> list[ImportRow]:
    """``date,kind,name`` rows (a header line is optional); every row is checked first and
    InvalidInput lists all the bad ones, so that a bad file writes nothing."""
    rows: list[ImportRow] = []
    bad: list[dict[str, Any]] = []
    seen: dict[date, int] = {}
    for line_no, fields in enumerate(csv.reader(io.StringIO(text.lstrip("\ufeff"))), start=1):
        if not fields or all(not f.strip() for f in fields):
            continue
        cells = [f.strip() for f in fields]
        if line_no == 1 and cells[0].lower() in ("date", "日期"):
            continue
        if len(cells) < 2 or len(cells) > 3:
            bad.append({"line": line_no, "reason": "bad.calendar_columns"})
            continue
        try:
            day = date.fromisoformat(cells[0].replace("/", "-"))
        except ValueError:
            bad.append({"line": line_no, "reason": "bad.calendar_date", "value": cells[0]})
            continue
        kind = cells[1].lower()
        name = cells[2] if len(cells) == 3 else ""
        if kind not in KINDS:
            bad.append({"line": line_no, "reason": "bad.calendar_kind", "value": cells[1]})
        elif not YEAR_MIN <= day.year <= YEAR_MAX:
            bad.append({"line": line_no, "reason": "bad.calendar_year", "value": cells[0]})
        elif len(name) > NAME_MAX:
            bad.append({"line": line_no, "reason": "bad.calendar_name", "max": NAME_MAX})
        elif day in seen:
            bad.append({"line": line_no, "reason": "bad.calendar_duplicate", "first": seen[day]})
        else:
            seen[day] = line_no
            rows.append(ImportRow(line_no, day, kind, name))
    if bad:
        exc = InvalidInput("err.calendar_import_bad", count=len(bad))
        exc.details = bad
        raise exc
    return rows


def import_days(
    session: Session,
    rows: Iterable[ImportRow],
    *,
    by: str,
    at: datetime,
    complete_year: int | None = None,
) -> ImportResult:
    """Write checked rows as overrides and, if asked, mark a year as entered completely."""
    added = changed = unchanged = total = 0
    for r in rows:
        total += 1
        row = session.get(CalendarDay, r.day)
        if row is None:
            session.add(CalendarDay(day=r.day, kind=r.kind, name=r.name, set_by=by[:64],
                                    set_at=at))  # fmt: skip
            added += 1
        elif (row.kind, row.name) == (r.kind, r.name):
            unchanged += 1
        else:
            row.kind, row.name, row.set_by, row.set_at = r.kind, r.name, by[:64], at
            changed += 1
    if complete_year is not None:
        mark_year_complete(session, complete_year, by=by, at=at)
    session.flush()
    return ImportResult(total, added, changed, unchanged, complete_year)


def mark_year_complete(session: Session, year: int, *, by: str, at: datetime) -> bool:
    """Mark a year authoritative; False when it already was."""
    check_year(year)
    if session.get(CalendarYear, year) is not None:
        return False
    session.add(CalendarYear(year=year, set_by=by[:64], set_at=at))
    session.flush()
    return True


def unmark_year(session: Session, year: int) -> bool:
    """Withdraw a year's completeness marker; False when there was none."""
    done = session.execute(delete(CalendarYear).where(CalendarYear.year == year))
    return bool(getattr(done, "rowcount", 0))
