"""``jzctl case reassign CASE_NO... --to LOGIN --reason TEXT``: named cases to a colleague
in the same unit; ``--from LOGIN [--item] [--region] [--overdue]``: every open case of one
account (round robin over several ``--to``), shown first with ``--preview`` and done with
``--yes`` (``--expect N``: only if the preview's N cases are still the ones to move)."""

from __future__ import annotations

import typer

from console.cli import runtime
from console.cli.case import _common as c
from console.i18n import t


def run(
    case_nos: list[str] = typer.Argument(None, metavar="[CASE_NO]...",
                                         help=t("cli.case_arg_case_nos")),
    to: list[str] = typer.Option([], "--to", metavar="LOGIN", help=t("cli.case_opt_to")),
    from_: str | None = typer.Option(None, "--from", metavar="LOGIN",
                                     help=t("cli.case_opt_from")),
    item: str | None = c.ITEM,
    region: str | None = c.REGION,
    overdue: bool = typer.Option(False, "--overdue", help=t("cli.case_opt_overdue_only")),
    reason: str = typer.Option("", "--reason", metavar="TEXT", help=t("cli.case_opt_reason")),
    preview: bool = typer.Option(False, "--preview", help=t("cli.case_opt_preview")),
    yes: bool = typer.Option(False, "--yes", help=t("cli.case_opt_yes")),
    expect: int | None = typer.Option(None, "--expect", metavar="N",
                                      help=t("cli.case_opt_expect")),
) -> None:  # fmt: skip
    from accounts import supervision
    from casedb.errors import InvalidInput

    db = runtime.open_database()
    op = runtime.operator(db)
    cmd = supervision.Reassign(
        to=tuple(c.account_id(db, who) for who in to),
        reason=reason,
        case_nos=tuple(case_nos or ()),
        from_id=c.account_id(db, from_) if from_ else None,
        item=item,
        region=c.region_of(region),
        overdue_only=overdue,
    )
    if preview:
        plan = supervision.preview_reassign(cmd, db, op.actor)
        done = False
    else:
        if cmd.from_id is not None and not yes:
            raise InvalidInput("err.cli_case_bulk_needs_yes")
        if not reason.strip():
            raise InvalidInput("err.case_reason_required")
        plan = supervision.reassign(cmd, db.uow(), op.actor, expect=expect)
        done = True
    ids = {m.to_id for m in plan.moves} | {m.from_id for m in plan.moves if m.from_id}
    with db.read() as s:
        from sqlalchemy import select

        from casedb.models import Account

        found = s.execute(select(Account.id, Account.login_name).where(Account.id.in_(ids)))
        logins = {r.id: r.login_name for r in found}
    moves = [
        {**m.as_dict(), "from_login": logins.get(m.from_id or 0), "to_login": logins[m.to_id]}
        for m in plan.moves
    ]
    data = {"done": done, "count": len(moves), "moves": moves}

    def human() -> None:
        rows = [(t("case.f_case_no"), t("case.f_from"), t("case.f_to"))] + [
            (m["case_no"], m["from_login"] or "-", m["to_login"]) for m in moves[:50]
        ]
        runtime.echo(runtime.table(rows, align_right=()))
        if len(moves) > 50:
            runtime.echo(t("case.more_rows", count=len(moves) - 50))
        key = "case.reassigned" if done else "case.reassign_preview"
        runtime.echo(t(key, count=len(moves)))

    runtime.emit(data, human)
