"""``jzctl calendar set DATE holiday|workday|clear``: one date's override (audited)."""

from __future__ import annotations

import typer

from console.cli import runtime
from console.i18n import t


def run(
    day: str = typer.Argument(..., metavar="DATE", help=t("cli.calendar_arg_date")),
    kind: str = typer.Argument(..., metavar="holiday|workday|clear",
                               help=t("cli.calendar_arg_kind")),
    name: str = typer.Option("", "--name", metavar="NAME", help=t("cli.calendar_opt_name")),
) -> None:  # fmt: skip
    from accounts.calendar_admin import set_calendar_day
    from casedb.calendar import parse_day

    when = parse_day(day)
    db = runtime.open_database()
    before, after = set_calendar_day(runtime.operator(db), when, kind, name)
    data = {"date": when.isoformat(), "before": before, "after": after}

    def human() -> None:
        if after is None:
            runtime.echo(t("calendar.cleared", date=when.isoformat()))
        else:
            kind_text = t(f"calendar.kind_{after['kind']}")
            runtime.echo(
                t(
                    "calendar.set_done",
                    date=when.isoformat(),
                    kind=kind_text,
                    name=after["name"] or "-",
                )
            )

    runtime.emit(data, human)
