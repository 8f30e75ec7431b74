"""``jzctl change request offboard|modify|suspend LOGIN --reason TEXT``: file a personnel
change request; its deadline is counted in working days (calendar)."""

from __future__ import annotations

import typer

from console.cli import runtime
from console.cli.change import _common as c
from console.i18n import t

KINDS = ("offboard", "modify", "suspend")


def run(
    kind: str = typer.Argument(
        ..., metavar="offboard|modify|suspend", help=t("cli.change_arg_kind")
    ),
    login: str = typer.Argument(..., metavar="LOGIN", help=t("cli.change_arg_target")),
    reason: str = typer.Option(..., "--reason", metavar="TEXT", help=t("cli.change_opt_reason")),
    doc_no: str = typer.Option("", "--doc-no", metavar="N", help=t("cli.change_opt_doc_no")),
    successors: list[str] = typer.Option(
        [], "--successor", metavar="LOGIN", help=t("cli.change_opt_successor")
    ),
    post: str | None = typer.Option(None, "--post", metavar="P", help=t("cli.change_opt_post")),
) -> None:
    from accounts import changes
    from accounts.bootstrap import account_id_by_login
    from casedb.errors import InvalidInput

    if kind not in KINDS:
        raise InvalidInput("err.cli_change_kind", kind=kind[:20])
    if kind == "modify" and post is None:
        raise InvalidInput("err.cli_change_modify_nothing")
    db = runtime.open_database()
    op = runtime.operator(db)
    with db.read() as s:
        target = account_id_by_login(s, login)
        heirs = [account_id_by_login(s, who) for who in successors]
    cal = c.load_calendar(db)
    if kind == "suspend":
        view = changes.suspend(
            changes.Suspend(target, reason, doc_no), db.uow(), op.actor,
            deadline_for=cal.add_workdays,
        )  # fmt: skip
    else:
        payload: dict[str, object] = {}
        if kind == "offboard" and heirs:
            payload["successors"] = heirs
        if kind == "modify":
            payload["post"] = post
        cmd = changes.SubmitChange(kind, target, reason, payload, doc_no=doc_no)
        view = changes.submit(cmd, db.uow(), op.actor, deadline_for=cal.add_workdays)
    c.warn_calendar(cal)
    c.done(view, "change.submitted")
