"""``jzctl account update LOGIN``: post, mobile, gov-WeChat id, validity window."""

from __future__ import annotations

import typer

from console.cli import runtime
from console.cli.account import _common as c
from console.i18n import t


def run(
    login: str = c.LOGIN,
    post: str | None = typer.Option(None, "--post", metavar="POST", help=t("cli.opt_post")),
    mobile: str | None = typer.Option(
        None, "--mobile", metavar="MOBILE", help=t("cli.opt_update_mobile")
    ),
    wechat: str | None = typer.Option(None, "--wechat", metavar="ID", help=t("cli.opt_wechat")),
    valid_from: str | None = typer.Option(
        None, "--valid-from", metavar="TIME", help=t("cli.opt_update_valid_from")
    ),
    valid_until: str | None = typer.Option(
        None, "--valid-until", metavar="TIME", help=t("cli.opt_update_valid_until")
    ),
) -> None:
    from datetime import datetime

    from accounts.accounts import KEEP, Keep, UpdateAccount, update_account
    from accounts.cli_support import account_id_by_login
    from casedb.errors import UsageProblem

    if all(v is None for v in (post, mobile, wechat, valid_from, valid_until)):
        raise UsageProblem("err.update_nothing")

    def window(value: str | None, field: str) -> datetime | Keep | None:
        if value is None:
            return KEEP
        return c.date_option(value, field)  # "" clears the bound

    db = runtime.open_database()
    op = runtime.operator(db)
    cmd = UpdateAccount(
        account_id=account_id_by_login(db, login),
        post=KEEP if post is None else post,
        mobile=KEEP if mobile is None else mobile,
        wechat_id=KEEP if wechat is None else wechat,
        valid_from=window(valid_from, "valid_from"),
        valid_until=window(valid_until, "valid_until"),
    )
    view = update_account(cmd, db.uow(), op.actor, authorize=op.authorize)
    runtime.emit(
        c.view_dict(view), lambda: runtime.echo(t("account.updated", login=view.login_name))
    )
