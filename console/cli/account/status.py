"""``jzctl account status LOGIN``: lifecycle status, failed sign-ins and lock state."""

from __future__ import annotations

from console.cli import runtime
from console.cli.account import _common as c
from console.i18n import t


def run(login: str = c.LOGIN) -> None:
    from accounts.cli_support import status_of

    db = runtime.open_database()
    op = runtime.operator(db)
    info = status_of(db, login, op.actor, authorize=op.authorize)
    v, cred = info.view, info.credential
    data = {
        "login_name": v.login_name,
        "status": v.status,
        "status_reason": v.status_reason,
        "status_changed_at": v.status_changed_at,
        "valid_from": v.valid_from,
        "valid_until": v.valid_until,
        "failed_count": cred.failed_count,
        "locked": cred.locked,
        "locked_until": cred.locked_until,
        "password_set": cred.password_set,
        "password_expired": cred.password_expired,
        "totp_enrolled": cred.totp_enrolled,
        "activation_pending": cred.activation_pending,
        "last_login_at": cred.last_login_at,
    }

    def yes(flag: bool) -> str:
        return t("account.yes") if flag else t("account.no")

    def human() -> None:
        locked = (
            t("account.locked_until", until=c.show_time(cred.locked_until))
            if cred.locked
            else t("account.no")
        )
        c.echo_pairs(
            [
                (t("field.login_name"), v.login_name),
                (t("field.status"), t(f"status.{v.status}")),
                (t("field.reason"), v.status_reason or "-"),
                (t("account.status_changed_at"), c.show_time(v.status_changed_at)),
                (t("account.valid_window"),
                 f"{c.show_time(v.valid_from)} ~ {c.show_time(v.valid_until)}"),
                (t("account.failed_count"), str(cred.failed_count)),
                (t("account.failure_lock"), locked),
                (t("account.password_set"), yes(cred.password_set)),
                (t("account.password_expired"), yes(cred.password_expired)),
                (t("account.totp_enrolled"), yes(cred.totp_enrolled)),
                (t("account.activation_pending"), yes(cred.activation_pending)),
                (t("account.last_login_at"), c.show_time(cred.last_login_at)),
            ]
        )  # fmt: skip

    runtime.emit(data, human)
