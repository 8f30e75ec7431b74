"""``jzctl change sweep``: remind of steps due within a working day, escalate overdue steps
to the level above, expire requests left overdue too long — in the signed-in admin's units.
Run it from a daily timer (scripts/) or by hand; each outcome is one audit event."""

from __future__ import annotations

import typer

from console.cli import runtime
from console.cli.change import _common as c
from console.i18n import t


def run(
    remind_days: int = typer.Option(
        1, "--remind-days", min=0, max=30, metavar="N", help=t("cli.change_opt_remind_days")
    ),
    expire_days: int = typer.Option(
        10, "--expire-days", min=1, max=365, metavar="N", help=t("cli.change_opt_expire_days")
    ),
) -> None:
    from accounts import changes

    db = runtime.open_database()
    op = runtime.operator(db)
    cal = c.load_calendar(db)
    result = changes.sweep(
        changes.Sweep(remind_days, expire_days), db.uow(), op.actor, deadline_for=cal.add_workdays
    )
    c.warn_calendar(cal)
    data = {"reminded": result.reminded, "escalated": result.escalated, "expired": result.expired}

    def human() -> None:
        for key, ids in data.items():
            shown = ", ".join(str(i) for i in ids) or "-"
            runtime.echo(t(f"change.swept_{key}", n=len(ids), ids=shown))

    runtime.emit(data, human)
