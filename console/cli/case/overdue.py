"""``jzctl case overdue [--due-soon [--within DAYS] | --ten-day]``: open cases past their
step's limit (default), due within a few working days (art. 21's reminders), or open longer
than 10 days (art. 22's provincial supervision) — in the signed-in actor's scope only,
oldest first, keyset paged (``--after`` the cursor the previous page printed)."""

from __future__ import annotations

from datetime import UTC, datetime

import typer

from console.cli import runtime
from console.cli.case import _common as c
from console.i18n import t


def run(
    due_soon: bool = c.DUE_SOON,
    ten_day: bool = c.TEN_DAY,
    within: int = c.WITHIN,
    region: str | None = c.REGION,
    department: str | None = c.DEPARTMENT,
    item: str | None = c.ITEM,
    assignee: str | None = typer.Option(
        None, "--assignee", metavar="LOGIN", help=t("cli.case_opt_assignee")
    ),
    after: str | None = typer.Option(
        None, "--after", metavar="CURSOR", help=t("cli.case_opt_after")
    ),
    limit: int = typer.Option(50, "--limit", min=1, max=500, help=t("cli.case_opt_limit")),
) -> None:
    from accounts import supervision

    db = runtime.open_database()
    op = runtime.operator(db)
    query = c.query(db, due_soon=due_soon, ten_day=ten_day, region=region,
                    department=department, item=item, within=within,
                    assignee=assignee)  # fmt: skip
    cal = c.load_calendar(db)
    now = datetime.now(UTC)
    page = supervision.list_cases(query, db, op.actor, after=after, limit=limit, now=now, cal=cal)
    c.warn_calendar(cal)
    data = {
        "kind": query.kind,
        "items": [r.as_dict() for r in page.items],
        "next_after": page.next_after,
    }

    def human() -> None:
        if not page.items:
            runtime.echo(t(f"case.list_empty_{query.kind}"))
            return
        runtime.echo(c.case_rows(page.items, now, ten_day=query.kind == "ten_day"))
        if page.next_after is not None:
            runtime.note(t("case.list_more", cursor=page.next_after))

    runtime.emit(data, human)
