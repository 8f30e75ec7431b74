"""``jzctl audit search``: newest first, a page at a time."""

from __future__ import annotations

import typer

from console.cli import runtime
from console.cli.audit import _filters as f
from console.cli.audit._reader import audit_reader
from console.i18n import t


def run(
    since: str | None = f.SINCE,
    until: str | None = f.UNTIL,
    actor: str | None = f.ACTOR,
    action: str | None = f.ACTION,
    region: str | None = f.REGION,
    outcome: str | None = f.OUTCOME,
    target: str | None = f.TARGET,
    before: int | None = typer.Option(
        None, "--before", min=1, metavar="SEQ", help=t("cli.opt_before")
    ),
    limit: int = typer.Option(50, "--limit", min=1, max=1000, help=t("cli.opt_limit")),
) -> None:
    from audit_log.service import search_events
    from casedb.clock import show_local

    q = f.build_query(since, until, actor, action, region, outcome, target, before, limit)
    db = runtime.open_database()
    reader, may_read = audit_reader(db)
    page = search_events(db, reader, q, may_read=may_read)
    data = {"events": [e.as_dict() for e in page.events], "next_before": page.next_before}

    def human() -> None:
        if not page.events:
            runtime.echo(t("audit.search_none"))
            return
        rows: list[tuple[str, ...]] = [
            (
                t("audit.col_seq"),
                t("audit.col_at"),
                t("audit.col_actor"),
                t("audit.col_action"),
                t("audit.col_target"),
                t("audit.col_outcome"),
                t("audit.col_reason"),
            )
        ]
        for e in page.events:
            target_text = f"{e.target_kind}:{e.target_id}" if e.target_id else e.target_kind
            rows.append(
                (
                    str(e.seq),
                    show_local(e.at),
                    e.actor,
                    e.action,
                    target_text,
                    t(f"audit.outcome.{e.outcome}"),
                    e.reason[:60],
                )
            )
        runtime.echo(runtime.table(rows, align_right=(0,)))
        if page.next_before is not None:
            runtime.note(t("audit.search_more", cursor=page.next_before))

    runtime.emit(data, human)
