"""``jzctl incident status ID STATUS``: open → contained → resolved → reviewed, forward only;
the change is a note on the timeline too."""

from __future__ import annotations

from datetime import UTC, datetime

import typer

from console.cli import runtime
from console.cli.incident import _common as c
from console.i18n import t


def run(
    incident_id: int = c.INCIDENT_ID,
    status: str = typer.Argument(
        ..., metavar="contained|resolved|reviewed", help=t("cli.incident_arg_status")
    ),
    body: str = typer.Option("", "--note", help=t("cli.incident_opt_note")),
) -> None:
    from audit_log import incidents as inc

    db = runtime.open_database()
    op = c.operator(db, write=True)
    cmd = inc.SetStatus(incident_id, status.strip().lower(), body)
    v = inc.set_status(cmd, db.uow(), op.actor, authorize=op.authorize)
    runtime.emit(
        v.as_dict(datetime.now(UTC)),
        lambda: runtime.echo(
            t("incident.status_set", id=v.id, status=t(f"incident.status.{v.status}"))
        ),
    )
