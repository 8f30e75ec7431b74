"""``jzctl change deputy LOGIN --from DATE --until DATE``: the signed-in person names LOGIN as
their deputy for that range (audited by the service)."""

from __future__ import annotations

import typer

from console.cli import runtime
from console.i18n import t


def run(
    login: str = typer.Argument(..., metavar="LOGIN", help=t("cli.change_arg_deputy")),
    valid_from: str = typer.Option(
        ..., "--from", metavar="DATE", help=t("cli.change_opt_deputy_from")
    ),
    valid_until: str = typer.Option(
        ..., "--until", metavar="DATE", help=t("cli.change_opt_deputy_until")
    ),
) -> None:
    from accounts import changes
    from accounts.bootstrap import account_id_by_login
    from casedb.clock import parse_local, show_local

    start = parse_local(valid_from)
    end = parse_local(valid_until)
    db = runtime.open_database()
    op = runtime.operator(db)
    with db.read() as s:
        deputy = account_id_by_login(s, login)
    appointment = changes.name_deputy(changes.NameDeputy(deputy, start, end), db.uow(), op.actor)
    data = {
        "id": appointment,
        "deputy": login,
        "deputy_id": deputy,
        "valid_from": start,
        "valid_until": end,
    }
    runtime.emit(
        data,
        lambda: runtime.echo(
            t(
                "change.deputy_named",
                login=login,
                start=show_local(start, seconds=False),
                end=show_local(end, seconds=False),
            )
        ),
    )
