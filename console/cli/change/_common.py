"""What the ``jzctl change`` verbs share: arguments, the lost-race message, rendering."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import typer

from console.cli import runtime
from console.i18n import t

if TYPE_CHECKING:
    from accounts.changes import ChangeView
    from casedb.calendar import WorkCalendar
    from casedb.engine import Database

REQUEST_ID = typer.Argument(..., metavar="ID", help=t("cli.change_arg_id"))


@contextmanager
def lost_race(request_id: int) -> Iterator[None]:
    """A lost race or an illegal transition: one sentence naming ``change show``."""
    from casedb.errors import Conflict

    try:
        yield
    except Conflict as exc:
        if exc.key != "err.change_state_changed":
            raise
        raise Conflict("err.cli_change_lost_race", request=str(request_id)) from None


def load_calendar(db: Database) -> WorkCalendar:
    """The working-day calendar deadlines are counted in."""
    from casedb.calendar import WorkCalendar

    with db.read() as s:
        return WorkCalendar.load(s)


def warn_calendar(cal: WorkCalendar) -> None:
    """The calendar's fallback warning, if any, on stderr."""
    for year in sorted(cal.warnings):
        runtime.note(t("calendar.fallback_warning", year=year))


def mask_name(name: str) -> str:
    return name[:1] + "*" * max(len(name) - 1, 1) if name else "-"


def view_data(view: ChangeView) -> dict[str, Any]:
    return asdict(view)


def done(view: ChangeView, key: str) -> None:
    runtime.emit(
        view_data(view),
        lambda: runtime.echo(t(key, id=view.id, state=t(f"change.state.{view.state}"))),
    )
