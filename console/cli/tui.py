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
    as_login: str | None = typer.Option(None, "--as", metavar="LOGIN", help=t("cli.opt_tui_as")),
    readonly: bool = typer.Option(False, "--readonly", help=t("cli.opt_tui_readonly")),
) -> None:
    from casedb.errors import NotFound, UsageProblem

    if not _is_terminal():
        raise UsageProblem("err.tui_no_terminal")

    from accounts.demo import DEMO_ADMIN_LOGIN, is_demo_database
    from accounts.session import find_account

    db = runtime.open_database()
    try:
        user: AccountInfo | None = None
        if as_login is not None and not demo:
            raise UsageProblem("err.tui_as_demo_only")
        if demo:
            # Demo people have no passwords (their data is fictitious): --as picks one, so
            # that the chain's second and third person can be tried at one desk.
            with db.read() as session:
                if as_login is not None and not is_demo_database(session):
                    raise UsageProblem("err.tui_as_demo_only")
                user = find_account(session, as_login or DEMO_ADMIN_LOGIN)
            if user is None and as_login is not None:
                raise NotFound("err.account_not_found", account=as_login[:64])
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
