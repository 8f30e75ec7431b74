"""``jzctl tui [--demo]``: the terminal interface over the same database as the CLI."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import typer

from console.cli import runtime
from console.i18n import t

if TYPE_CHECKING:
    from accounts.session import AccountInfo
    from casedb.engine import Database


def _is_terminal() -> bool:
    try:
        return sys.stdout.isatty() and sys.stdin.isatty()
    except (AttributeError, ValueError):  # a closed or replaced stream
        return False


def _signed_in(db: Database) -> AccountInfo | None:
    """The admin signed in at this console with ``jzctl login``, if any; nobody signed in
    means the console opens on its sign-in screen."""
    from accounts.session import find_account
    from accounts.signin import current_session
    from casedb.errors import InvalidInput, PermissionDenied

    try:
        current = current_session(db)
    except (PermissionDenied, InvalidInput):  # nobody signed in, or no keyring here
        return None
    with db.read() as session:
        return find_account(session, current.login_name)


def run(
    demo: bool = typer.Option(False, "--demo", help=t("cli.opt_tui_demo")),
    readonly: bool = typer.Option(False, "--readonly", help=t("cli.opt_tui_readonly")),
) -> None:
    from casedb.errors import NotFound, UsageProblem

    if not _is_terminal():
        raise UsageProblem("err.tui_no_terminal")

    from accounts.demo import DEMO_ADMIN_LOGIN
    from accounts.session import find_account

    db = runtime.open_database()
    try:
        user: AccountInfo | None = None
        if demo:
            with db.read() as session:
                user = find_account(session, DEMO_ADMIN_LOGIN)
            if user is None:
                raise NotFound("err.demo_admin_missing", login=DEMO_ADMIN_LOGIN)
        else:
            user = _signed_in(db)

        from console.tui.app import JzApp

        app = JzApp(db, user=user, demo=demo, readonly=readonly, sign_in=not demo)
        app.run()
        code = app.return_code or 0  # 1 when the app ended on an error (Textual shows it)
    finally:
        db.dispose()
    if code:
        raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    app.command("tui", help=t("cli.tui_help"))(runtime.guarded(run))
