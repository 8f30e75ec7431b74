"""The lifecycle verbs (lock, suspend, disable, archive, restore): one status change each."""

from __future__ import annotations

from console.cli import runtime
from console.cli.account import _common as c
from console.i18n import t


def change(login: str, status: str | None, reason: str) -> None:
    """Move LOGIN to ``status`` (None: ``restore``, which picks its target)."""
    from accounts import cli_support as cs

    db = runtime.open_database()
    op = runtime.operator(db)
    target = status or cs.restore_target(db, login)
    view = cs.change_status(db, login, target, reason, op.actor, authorize=op.authorize)
    data = {**c.view_dict(view)}
    runtime.emit(
        data,
        lambda: runtime.echo(
            t("account.status_changed", login=view.login_name, status=t(f"status.{view.status}"))
        ),
    )
