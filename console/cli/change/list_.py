"""``jzctl change list [--to-review|--to-execute|--mine] [--overdue] [--match TEXT]``:
requests the signed-in actor may act on now, or filed themselves; newest first, keyset paged.
``--overdue`` alone lists every overdue step the actor may take, escalated ones from the level
below included; each row says whether its step is overdue or due within a working day;
``--match`` keeps those the words find (the TUI's ``/`` filter)."""

from __future__ import annotations

from datetime import UTC, datetime

import typer

from console.cli import runtime
from console.cli.change import _common as c
from console.i18n import t


def run(
    to_review: bool = typer.Option(False, "--to-review", help=t("cli.change_opt_to_review")),
    to_execute: bool = typer.Option(False, "--to-execute", help=t("cli.change_opt_to_execute")),
    mine: bool = typer.Option(False, "--mine", help=t("cli.change_opt_mine")),
    overdue: bool = typer.Option(False, "--overdue", help=t("cli.change_opt_overdue")),
    before: int | None = typer.Option(
        None, "--before", metavar="ID", help=t("cli.change_opt_before")
    ),
    limit: int = typer.Option(50, "--limit", min=1, max=500, help=t("cli.change_opt_limit")),
    match: str = typer.Option("", "--match", metavar="TEXT", help=t("cli.change_opt_match")),
) -> None:
    from accounts import changes
    from accounts.change_queries import list_requests
    from casedb.errors import InvalidInput
    from console.cli.account._common import show_time

    chosen = [
        s for s, on in (("to_review", to_review), ("to_execute", to_execute), ("mine", mine)) if on
    ]
    if len(chosen) > 1:
        raise InvalidInput("err.cli_change_one_scope")
    scope = chosen[0] if chosen else ("overdue" if overdue else "to_review")
    db = runtime.open_database()
    op = runtime.operator(db)
    now = datetime.now(UTC)
    with db.read() as s:
        page = list_requests(
            s, op.account_id, scope, match=match, overdue_only=overdue, before=before,
            limit=limit, now=now,
        )  # fmt: skip
    soon = c.load_calendar(db).add_workdays(now, changes.REMIND_BEFORE_DAYS)

    def timing(deadline: datetime | None) -> str:
        if deadline is None:
            return ""
        if deadline < now:
            return "overdue"
        return "due_soon" if deadline < soon else ""

    data = {
        "scope": scope,
        "items": [
            {
                "id": v.id,
                "kind": v.kind,
                "state": v.state,
                "target_unit": v.target_unit,
                "deadline": v.deadline,
                "timing": timing(v.deadline) or None,
                "reason": v.reason,
            }
            for v in page.items
        ],
        "next_before": page.next_before,
    }

    def human() -> None:
        if not page.items:
            runtime.echo(t("change.list_empty"))
            return
        head = (t("change.f_id"), t("change.f_kind"), t("change.f_state"),
                t("change.f_unit"), t("change.f_deadline"), t("change.f_reason"))  # fmt: skip
        rows = [head] + [
            (
                str(v.id),
                t(f"change.kind.{v.kind}"),
                t(f"change.state.{v.state}"),
                v.target_unit,
                show_time(v.deadline)
                + (f" ({t('change.timing.' + timing(v.deadline))})" if timing(v.deadline) else ""),
                v.reason,
            )
            for v in page.items
        ]
        runtime.echo(runtime.table(rows))
        if page.next_before is not None:
            runtime.note(t("change.list_more", before=page.next_before))

    runtime.emit(data, human)
