"""``jzctl account unlock LOGIN --reason TEXT``: a locked account becomes active, and a
lock after failed sign-ins ends with its counter."""

from __future__ import annotations

from console.cli import runtime
from console.cli.account import _common as c
from console.i18n import t


def run(login: str = c.LOGIN, reason: str = c.REASON) -> None:
    from accounts import cli_support as cs

    db = runtime.open_database()
    op = runtime.operator(db)
    res = cs.unlock(db, login, reason, op.actor, authorize=op.authorize)
    data = {
        "login_name": login,
        "status_changed": res.status_changed,
        "failures_cleared": res.failures_cleared,
        "status": res.view.status if res.view else None,
    }

    def human() -> None:
        if res.status_changed:
            runtime.echo(t("account.status_changed", login=login, status=t("status.active")))
        if res.failures_cleared:
            runtime.echo(t("account.failures_cleared", login=login))

    runtime.emit(data, human)
