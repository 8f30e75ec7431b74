"""``jzctl activate LOGIN``: the first sign-in with the one-time activation code. Sets the
password (typed twice) and, for every administrator role, enrols TOTP: the otpauth URI and
the secret are shown once, and the authenticator's first code confirms them."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from console.cli import runtime
from console.i18n import t

if TYPE_CHECKING:
    from audit_log.actor import Actor
    from casedb.engine import Database

TOTP_TRIES = 3


def _show(text: str) -> None:
    # With --json stdout carries the one result document; the enrolment talks on stderr.
    (runtime.note if runtime.settings.json else runtime.echo)(text)


def enrol_totp_interactively(db: Database, account_id: int, actor: Actor) -> None:
    """Show a new TOTP secret once and confirm it with a code typed from the authenticator
    (three tries); InvalidInput when none matched (the password stays set)."""
    from accounts.bootstrap import begin_totp, finish_totp
    from casedb.errors import InvalidInput

    uri, secret = begin_totp(db, account_id, actor)
    _show(t("activate.totp_intro"))
    _show(f"  {uri}")
    _show(t("activate.totp_secret", secret=secret))
    for attempt in range(1, TOTP_TRIES + 1):
        code = str(typer.prompt(t("activate.prompt_totp"), err=True))
        try:
            finish_totp(db, account_id, code, actor)
            return
        except InvalidInput:
            if attempt == TOTP_TRIES:
                raise
            runtime.note(t("err.totp_invalid"))


def run(
    login: str = typer.Argument(..., metavar="LOGIN", help=t("cli.arg_login")),
    code: str | None = typer.Option(
        None, "--code", metavar="CODE", help=t("cli.opt_activation_code")
    ),
    password_file: Path | None = typer.Option(
        None, "--password-file", metavar="FILE", help=t("cli.opt_new_password_file")
    ),
) -> None:
    from accounts.bootstrap import totp_pending
    from accounts.signin import activate
    from audit_log.actor import local_actor
    from console.cli.login import read_secret_file

    if code is None:
        code = str(typer.prompt(t("activate.prompt_code"), hide_input=True, err=True))
    if password_file is not None:
        password = read_secret_file(password_file)
    else:
        password = str(
            typer.prompt(
                t("activate.prompt_password"),
                hide_input=True,
                confirmation_prompt=t("activate.prompt_password_again"),
                err=True,
            )
        )
    db = runtime.open_database()
    here = local_actor()
    account_id = activate(db, login, code, password, host=here.host, terminal=here.terminal)
    actor = local_actor(login=login.strip(), account_id=account_id)
    totp = totp_pending(db, account_id)
    if totp:
        enrol_totp_interactively(db, account_id, actor)
    data = {"login": actor.login, "account_id": account_id, "totp_enrolled": totp}

    def human() -> None:
        runtime.echo(t("activate.done", login=actor.login))
        if totp:
            runtime.echo(t("activate.totp_done"))
        runtime.echo(t("activate.next", login=actor.login))

    runtime.emit(data, human)


def register(app: typer.Typer) -> None:
    app.command("activate", help=t("cli.activate_help"))(runtime.guarded(run))
