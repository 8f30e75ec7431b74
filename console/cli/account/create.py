"""``jzctl account create``: a real-name account, pending activation, and its one-time code."""

from __future__ import annotations

from pathlib import Path

import typer

from console.cli import runtime
from console.cli.account import _common as c
from console.i18n import t


def run(
    login: str = typer.Option(..., "--login", metavar="LOGIN", help=t("cli.opt_login")),
    full_name: str = typer.Option(..., "--name", metavar="NAME", help=t("cli.opt_full_name")),
    id_number: str = typer.Option(..., "--id-number", metavar="ID", help=t("cli.opt_id_number")),
    region: str = typer.Option(..., "--region", metavar="CODE", help=t("cli.opt_unit_region")),
    department: str = typer.Option(
        ..., "--department", metavar="DEPT", help=t("cli.opt_unit_department")
    ),
    mobile: str = typer.Option("", "--mobile", metavar="MOBILE", help=t("cli.opt_mobile")),
    wechat: str = typer.Option("", "--wechat", metavar="ID", help=t("cli.opt_wechat")),
    post: str = typer.Option("", "--post", metavar="POST", help=t("cli.opt_post")),
    valid_from: str | None = typer.Option(
        None, "--valid-from", metavar="TIME", help=t("cli.opt_valid_from")
    ),
    valid_until: str | None = typer.Option(
        None, "--valid-until", metavar="TIME", help=t("cli.opt_valid_until")
    ),
    code_file: Path | None = c.CODE_FILE,
) -> None:
    from contextlib import nullcontext

    from accounts.accounts import CreateAccount
    from accounts.cli_support import create_with_code
    from casedb.regions import expand

    cmd = CreateAccount(
        login_name=login,
        full_name=full_name,
        id_number=id_number,
        region_code=expand(region) or region,
        department_code=department,
        mobile=mobile,
        wechat_id=wechat,
        post=post,
        valid_from=c.date_option(valid_from, "valid_from"),
        valid_until=c.date_option(valid_until, "valid_until"),
    )
    db = runtime.open_database()
    op = runtime.operator(db)
    with c.secret_file(code_file) if code_file is not None else nullcontext() as fh:
        view, code = create_with_code(db, cmd, op.actor, authorize=op.authorize)
        if fh is not None:
            fh.write(t("account.code_file_line", login=view.login_name, code=code) + "\n")
    data = c.view_dict(view)
    if code_file is None:
        data["activation_code"] = code
    else:
        data["code_file"] = str(code_file)

    def human() -> None:
        runtime.echo(t("account.created", login=view.login_name, name=view.full_name))
        if code_file is None:
            runtime.echo(t("account.activation_code", code=code))
            runtime.note(t("account.code_once"))
        else:
            runtime.echo(t("account.code_written", path=str(code_file)))

    runtime.emit(data, human)
