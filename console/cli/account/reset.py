"""``jzctl account reset LOGIN [--code-file FILE]``: a new one-time activation code; the
password, the TOTP enrolment and open sessions end."""

from __future__ import annotations

from pathlib import Path

from console.cli import runtime
from console.cli.account import _common as c
from console.i18n import t


def run(login: str = c.LOGIN, code_file: Path | None = c.CODE_FILE) -> None:
    from contextlib import nullcontext

    from accounts.cli_support import reset_account

    db = runtime.open_database()
    op = runtime.operator(db)
    with c.secret_file(code_file) if code_file is not None else nullcontext() as fh:
        code = reset_account(db, login, op.actor, authorize=op.authorize)
        if fh is not None:
            fh.write(t("account.code_file_line", login=login, code=code) + "\n")
    data: dict[str, str] = {"login_name": login}
    if code_file is None:
        data["activation_code"] = code
    else:
        data["code_file"] = str(code_file)

    def human() -> None:
        runtime.echo(t("account.reset_done", login=login))
        if code_file is None:
            runtime.echo(t("account.activation_code", code=code))
            runtime.note(t("account.code_once"))
        else:
            runtime.echo(t("account.code_written", path=str(code_file)))

    runtime.emit(data, human)
