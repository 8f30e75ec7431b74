"""``jzctl review decide ITEM_ID... confirm|revoke [--role R]... [--reason TEXT]
[--successor LOGIN]...``: confirm items, or revoke them (whole accounts: offboarding requests;
``--role``: just those roles, a modify request). All the items or none."""

from __future__ import annotations

from dataclasses import asdict

import typer

from console.cli import runtime
from console.i18n import t


def run(
    item_ids: list[int] = typer.Argument(..., metavar="ITEM_ID...", help=t("cli.review_arg_items")),
    decision: str = typer.Argument(
        ..., metavar="confirm|revoke", help=t("cli.review_arg_decision")
    ),
    roles: list[str] = typer.Option([], "--role", metavar="ROLE", help=t("cli.review_opt_role")),
    reason: str = typer.Option("", "--reason", metavar="TEXT", help=t("cli.review_opt_reason")),
    successors: list[str] = typer.Option(
        [], "--successor", metavar="LOGIN", help=t("cli.review_opt_successor")
    ),
) -> None:
    from accounts import review
    from accounts.bootstrap import account_id_by_login

    db = runtime.open_database()
    op = runtime.operator(db)
    heirs: tuple[int, ...] = ()
    if successors:
        with db.read() as s:
            heirs = tuple(account_id_by_login(s, who) for who in successors)
    cmd = review.Decide(tuple(item_ids), decision.strip().lower(), reason, tuple(roles), heirs)
    done = review.decide(cmd, db.uow(), op.actor)

    def human() -> None:
        for d in done:
            if d.change_request_id is None:
                runtime.echo(t(f"review.decided_{d.decision}", item=d.item_id))
            else:
                runtime.echo(
                    t(
                        "review.decided_revoked_request",
                        item=d.item_id,
                        request=d.change_request_id,
                        kind=t(f"change.kind.{d.change_kind}"),
                    )
                )

    runtime.emit({"items": [asdict(d) for d in done]}, human)
