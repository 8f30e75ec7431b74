"""``jzctl review list [ID] [--pending] [--escalated]``: the review items the signed-in
person decides (as the chain's reviewer, today's deputy of one, or, past the deadline, the
level above); keyset paged by item id."""

from __future__ import annotations

from dataclasses import asdict

import typer

from console.cli import runtime
from console.cli.review import _common as c
from console.i18n import t


def _mask(name: str) -> str:
    return name[:1] + "*" * max(len(name) - 1, 1) if name else "-"


def run(
    campaign_id: int | None = c.CAMPAIGN_ID,
    pending: bool = typer.Option(False, "--pending", help=t("cli.review_opt_pending")),
    escalated: bool = typer.Option(False, "--escalated", help=t("cli.review_opt_escalated_items")),
    after: int | None = typer.Option(None, "--after", metavar="ID", help=t("cli.review_opt_after")),
    limit: int = typer.Option(50, "--limit", min=1, max=500, help=t("cli.review_opt_limit")),
) -> None:
    from accounts import review

    db = runtime.open_database()
    op = runtime.operator(db)
    with db.read() as s:
        page = review.list_items(
            s, op.account_id, campaign_id, pending_only=pending, escalated_only=escalated,
            after=after, limit=limit,
        )  # fmt: skip
    items = []
    for v in page.items:
        row = asdict(v)
        row["full_name"] = _mask(v.full_name)
        items.append(row)
    data = {"items": items, "next_after": page.next_after}

    def human() -> None:
        if not page.items:
            runtime.echo(t("review.list_empty"))
            return
        head = tuple(
            t(f"review.col_{k}")
            for k in ("item", "login", "full_name", "unit", "roles", "decision", "deadline")
        )
        rows = [head]
        for v in page.items:
            roles = ", ".join(t(f"rbac.role.{g[0]}") for g in v.grants) or "-"
            decision = t(f"review.decision.{v.decision}")
            if v.overdue:
                decision += t("review.overdue_mark")
            rows.append((str(v.id), v.login_name, _mask(v.full_name), v.unit, roles, decision,
                         c.show_time(v.deadline)))  # fmt: skip
        runtime.echo(runtime.table(rows, align_right=()))
        if page.next_after is not None:
            runtime.note(t("review.list_more", after=page.next_after))

    runtime.emit(data, human)
