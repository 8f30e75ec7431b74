"""``jzctl change review|execute|withdraw ID`` and ``change reject ID --reason``."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import typer

from console.cli import runtime
from console.cli.change import _common as c
from console.i18n import t

if TYPE_CHECKING:
    from casedb.engine import Database


def run_review(request_id: int = c.REQUEST_ID) -> None:
    from accounts import changes

    db = runtime.open_database()
    op = runtime.operator(db)
    cal = c.load_calendar(db)
    with c.lost_race(request_id):
        view = changes.review(
            changes.ActOn(request_id), db.uow(), op.actor, deadline_for=cal.add_workdays
        )
    c.warn_calendar(cal)
    c.done(view, "change.reviewed")


def _confirm_offboard(db: Database, request_id: int, yes: bool) -> None:
    """Offboarding is confirmed by typing the target's login (a terminal) or ``--yes``."""
    from accounts import changes
    from casedb.errors import InvalidInput
    from casedb.models import Account

    with db.read() as s:
        view = changes.get(s, request_id)
        target = s.get(Account, view.target_account_id) if view.target_account_id else None
    if view.kind != "offboard" or target is None or yes:
        return
    if not sys.stdin.isatty():
        raise InvalidInput("err.cli_change_confirm_needed")
    typed = str(typer.prompt(t("change.confirm_prompt", login=target.login_name), err=True))
    if typed.strip() != target.login_name:
        raise InvalidInput("err.cli_change_confirm_mismatch")


def run_execute(
    request_id: int = c.REQUEST_ID,
    yes: bool = typer.Option(False, "--yes", help=t("cli.change_opt_yes")),
    successors: list[str] = typer.Option(
        [], "--successor", metavar="LOGIN", help=t("cli.change_opt_successor_execute")
    ),
) -> None:
    from accounts import changes
    from accounts.bootstrap import account_id_by_login

    db = runtime.open_database()
    op = runtime.operator(db)
    heirs: tuple[int, ...] | None = None
    if successors:
        with db.read() as s:
            heirs = tuple(account_id_by_login(s, who) for who in successors)
    _confirm_offboard(db, request_id, yes)
    with c.lost_race(request_id):
        view = changes.execute(changes.ActOn(request_id, heirs), db.uow(), op.actor)
    c.done(view, "change.executed")


def run_reject(
    request_id: int = c.REQUEST_ID,
    reason: str = typer.Option(..., "--reason", metavar="TEXT", help=t("cli.change_opt_reason")),
) -> None:
    from accounts import changes

    db = runtime.open_database()
    op = runtime.operator(db)
    with c.lost_race(request_id):
        view = changes.reject(changes.RejectChange(request_id, reason), db.uow(), op.actor)
    c.done(view, "change.rejected")


def run_withdraw(request_id: int = c.REQUEST_ID) -> None:
    from accounts import changes

    db = runtime.open_database()
    op = runtime.operator(db)
    with c.lost_race(request_id):
        view = changes.withdraw(changes.ActOn(request_id), db.uow(), op.actor)
    c.done(view, "change.withdrawn")
