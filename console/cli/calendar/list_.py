"""``jzctl calendar list [--year Y]``: a year's holidays and make-up working days."""

from __future__ import annotations

import typer

from console.cli import runtime
from console.figures import holiday_name
from console.i18n import t


def run(
    year: int | None = typer.Option(
        None, "--year", metavar="YEAR", help=t("cli.calendar_opt_year")
    ),
) -> None:
    from casedb.calendar import SOURCE_FALLBACK, WorkCalendar, check_year, special_days
    from casedb.clock import local_zone

    db = runtime.open_database()
    if year is None:
        from datetime import datetime

        year = datetime.now(local_zone()).year
    check_year(year)
    with db.read() as session:
        cal = WorkCalendar.load(session)
    days = special_days(cal, year)
    source = cal.year_source(year)
    fallback = source == SOURCE_FALLBACK
    data = {
        "year": year,
        "source": source,
        "fallback": fallback,
        "complete_in_table": year in cal.complete_years,
        "days": [d.as_dict() for d in days],
    }

    def human() -> None:
        runtime.echo(t("calendar.list_title", year=year, source=t(f"calendar.source_{source}")))
        if days:
            rows = [(t("calendar.col_date"), t("calendar.col_kind"), t("calendar.col_name"),
                     t("calendar.col_source"))]  # fmt: skip
            for d in days:
                kind = "workday" if d.workday else "holiday"
                rows.append((d.day.isoformat(), t(f"calendar.kind_{kind}"), holiday_name(d.name),
                             t(f"calendar.source_{d.source}")))  # fmt: skip
            runtime.echo(runtime.table(rows, align_right=()))
        else:
            runtime.echo(t("calendar.list_none"))
        if fallback:
            runtime.note(t("calendar.fallback_warning", year=year))

    runtime.emit(data, human)
