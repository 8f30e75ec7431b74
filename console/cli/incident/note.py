"""``jzctl incident note ID TEXT``: append to the timeline — a note, a plan step done
(``--step N``), a link to an audit event, backup or drill (``--link audit:SEQ``), or a
correction of an earlier note (``--corrects SEQ``). Nothing is ever edited or deleted."""

from __future__ import annotations

import typer

from console.cli import runtime
from console.cli.incident import _common as c
from console.i18n import t


def run(
    incident_id: int = c.INCIDENT_ID,
    body: str = typer.Argument("", metavar="TEXT", help=t("cli.incident_arg_text")),
    step: int | None = typer.Option(None, "--step", metavar="N", help=t("cli.incident_opt_step")),
    link: str | None = typer.Option(
        None, "--link", metavar="KIND:REF", help=t("cli.incident_opt_link")
    ),
    corrects: int | None = typer.Option(
        None, "--corrects", metavar="SEQ", help=t("cli.incident_opt_corrects")
    ),
) -> None:
    from audit_log import incidents as inc

    db = runtime.open_database()
    op = c.operator(db, write=True)
    steps: int | None = None
    if step is not None:
        with db.read() as s:
            v = inc.get(s, incident_id)
        steps = len(c.plan_steps(db, v)) or None
    cmd = inc.AddNote(incident_id, body, step=step, link=link, corrects=corrects)
    n = inc.add_note(cmd, db.uow(), op.actor, authorize=op.authorize, plan_steps=steps)
    data = {
        "incident": incident_id,
        "seq": n.seq,
        "kind": n.kind,
        "at": n.at.isoformat(),
        "ref": f"{n.ref_kind}:{n.ref_id}" if n.ref_kind else None,
        "corrects": n.corrects_seq,
    }
    runtime.emit(data, lambda: runtime.echo(t("incident.noted", id=incident_id, seq=n.seq)))
