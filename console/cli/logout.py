"""``jzctl logout``: end this console's session and forget its token."""

from __future__ import annotations

import typer

from console.cli import runtime
from console.i18n import t


def run() -> None:
    from accounts.signin import sign_out

    db = runtime.open_database()
    ended = sign_out(db)

    def human() -> None:
        runtime.echo(t("logout.done" if ended else "logout.none"))

    runtime.emit({"ended": ended}, human)


def register(app: typer.Typer) -> None:
    app.command("logout", help=t("cli.logout_help"))(runtime.guarded(run))
