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
    from datetime import UTC, datetime

    from accounts.cli_support import PROVINCE
    from audit_log.chain import record
    from casedb.calendar import CLEAR, KINDS, parse_day, set_day
    from casedb.errors import InvalidInput
    from console.cli.calendar._auth import authorise

    when = parse_day(day)
    kind = kind.strip().lower()
    if kind not in (*KINDS, CLEAR):
        raise InvalidInput("err.calendar_kind_invalid", kind=kind)
    db = runtime.open_database()
    op = authorise(db, "calendar.set", when.isoformat())
    now = datetime.now(UTC)
    with db.uow() as uow:
        before, after = set_day(uow.session, when, kind, name=name.strip(), by=op.actor.login,
                                at=now)  # fmt: skip
        record(uow.session, op.actor, "calendar.set", target_kind="calendar_day",
               target_id=when.isoformat(), region=PROVINCE, before=before, after=after,
               at=now)  # fmt: skip
        uow.commit()
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
