"""``jzctl login [LOGIN]``: password, then the TOTP code, and a console session whose token
goes to the keyring. Every failure gives the same one message (the reason is in the audit
trail only). An admin who still has to enrol TOTP does it here, before the session counts."""

from __future__ import annotations

from pathlib import Path

import typer

from console.cli import runtime
from console.i18n import t


def read_secret_file(path: Path) -> str:
    """The first line of a file (scripts and tests pass secrets this way, not as arguments)."""
    from casedb.errors import InvalidInput

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidInput("err.file_not_found", path=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput("err.secret_file_unreadable", path=str(path), reason=str(exc)) from None
    lines = text.splitlines()
    return lines[0] if lines else ""


def run(
    login: str | None = typer.Argument(None, metavar="LOGIN", help=t("cli.arg_login")),
    password_file: Path | None = typer.Option(
        None, "--password-file", metavar="FILE", help=t("cli.opt_password_file")
    ),
    totp: str | None = typer.Option(None, "--totp", metavar="CODE", help=t("cli.opt_totp")),
) -> None:
    from accounts.bootstrap import totp_pending
    from accounts.signin import sign_in, sign_out
    from audit_log.actor import local_actor

    if login is None:
        login = str(typer.prompt(t("login.prompt_login"), err=True))
    if password_file is not None:
        password = read_secret_file(password_file)
    else:
        password = str(typer.prompt(t("login.prompt_password"), hide_input=True, err=True))
        if totp is None:
            # Asked of everyone, enrolled or not, so that the question says nothing about
            # the account; an empty answer means "no authenticator".
            totp = str(
                typer.prompt(t("login.prompt_totp"), default="", show_default=False, err=True)
            )
    db = runtime.open_database()
    here = local_actor()
    result = sign_in(db, login, password, totp or None, host=here.host, terminal=here.terminal)
    actor = local_actor(login=login.strip(), account_id=result.account_id)
    enrolled_now = False
    if totp_pending(db, result.account_id):
        from console.cli.activate import enrol_totp_interactively

        try:
            enrol_totp_interactively(db, result.account_id, actor)
        except BaseException:
            sign_out(db)
            raise
        enrolled_now = True
    data = {
        "login": actor.login,
        "account_id": result.account_id,
        "needs_password_change": result.needs_password_change,
        "totp_enrolled_now": enrolled_now,
    }

    def human() -> None:
        runtime.echo(t("login.done", login=actor.login))
        if result.needs_password_change:
            runtime.echo(t("login.password_expired"))

    runtime.emit(data, human)


def register(app: typer.Typer) -> None:
    app.command("login", help=t("cli.login_help"))(runtime.guarded(run))
