"""``jzctl passwd``: the signed-in person changes their own password — the current one, then
the new one typed twice (or from files, for scripts). The policy and the last five passwords
are checked; a wrong current password counts as a failed sign-in."""

from __future__ import annotations

from pathlib import Path

import typer

from console.cli import runtime
from console.i18n import t


def run(
    password_file: Path | None = typer.Option(
        None, "--password-file", metavar="FILE", help=t("cli.opt_password_file")
    ),
    new_password_file: Path | None = typer.Option(
        None, "--new-password-file", metavar="FILE", help=t("cli.opt_new_password_file")
    ),
) -> None:
    from accounts.signin import change_own_password
    from console.cli.login import read_secret_file

    db = runtime.open_database()
    op = runtime.operator(db)
    if password_file is not None:
        current = read_secret_file(password_file)
    else:
        current = str(typer.prompt(t("passwd.prompt_current"), hide_input=True, err=True))
    if new_password_file is not None:
        new = read_secret_file(new_password_file)
    else:
        new = str(
            typer.prompt(
                t("activate.prompt_password"),
                hide_input=True,
                confirmation_prompt=t("activate.prompt_password_again"),
                err=True,
            )
        )
    change_own_password(db, op.account_id, current, new, op.actor)
    runtime.emit(
        {"login": op.actor.login, "changed": True},
        lambda: runtime.echo(t("passwd.done", login=op.actor.login)),
    )


def register(app: typer.Typer) -> None:
    app.command("passwd", help=t("cli.passwd_help"))(runtime.guarded(run))
