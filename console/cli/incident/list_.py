"""``jzctl incident list [--open] [--overdue] [--status S]``: newest first, each with its
reporting deadline state; missed deadlines are flagged."""

from __future__ import annotations

from datetime import UTC, datetime

import typer

from console.cli import runtime
from console.cli.incident import _common as c
from console.i18n import t


def run(
    open_only: bool = typer.Option(False, "--open", help=t("cli.incident_opt_open")),
    overdue: bool = typer.Option(False, "--overdue", help=t("cli.incident_opt_overdue")),
    status: str | None = typer.Option(
        None, "--status", metavar="STATUS", help=t("cli.incident_opt_status")
    ),
    limit: int = typer.Option(200, "--limit", min=1, max=1000, help=t("cli.incident_opt_limit")),
) -> None:
    from audit_log import incidents as inc

    db = runtime.open_database()
    c.operator(db, write=False)
    now = datetime.now(UTC)
    q = inc.IncidentQuery(status=status, open_only=open_only, overdue_only=overdue, limit=limit)
    with db.read() as s:
        rows = inc.list_incidents(s, q, now)
    data = {
        "items": [v.as_dict(now) for v in rows],
        "overdue": [v.id for v in rows if v.deadline(now) == inc.OVERDUE],
    }

    def human() -> None:
        if not rows:
            runtime.echo(t("incident.list_empty"))
            return
        head = tuple(
            t(f"incident.col_{k}")
            for k in ("id", "grade", "category", "status", "title", "deadline")
        )
        body = [
            (
                str(v.id),
                v.grade or "-",
                c.category(v.category),
                t(f"incident.status.{v.status}"),
                v.title[:30],
                ("!! " if v.deadline(now) == inc.OVERDUE else "") + c.deadline_text(v, now),
            )
            for v in rows
        ]
        runtime.echo(runtime.table([head, *body], align_right=(0,)))
        late = [v.id for v in rows if v.deadline(now) == inc.OVERDUE]
        if late:
            runtime.note(t("incident.overdue_warning", count=len(late)))

    runtime.emit(data, human)
