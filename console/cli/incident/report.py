"""``jzctl incident report ID [--out FILE] [--submitted]``: the report to the provincial
office as Markdown (stdout, or a file written whole). ``--submitted`` records that it was
sent (once), which stops the deadline clock. PDF: no well-kept PDF library is installed with
jzctl, so the Markdown is the report (print it, or convert it with the office's own tools)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer

from console.cli import runtime
from console.cli.incident import _common as c
from console.i18n import t


def run(
    incident_id: int = c.INCIDENT_ID,
    out: Path | None = typer.Option(None, "--out", metavar="FILE", help=t("cli.incident_opt_out")),
    submitted: bool = typer.Option(False, "--submitted", help=t("cli.incident_opt_submitted")),
    body: str = typer.Option("", "--note", help=t("cli.incident_opt_note")),
) -> None:
    from audit_log import incidents as inc

    db = runtime.open_database()
    op = c.operator(db, write=submitted)
    if submitted:
        inc.mark_reported(
            inc.MarkReported(incident_id, body), db.uow(), op.actor, authorize=op.authorize
        )
    with db.read() as s:
        v = inc.get(s, incident_id)
    now = datetime.now(UTC)
    text = markdown(v, c.plan_steps(db, v), now)
    if out is not None:
        _write(out, text)
    data = {
        "id": v.id,
        "format": "markdown",
        "out": str(out) if out else None,
        "deadline": v.deadline(now),
        "reported_at": v.reported_at,
        "markdown": text,
    }

    def human() -> None:
        if out is None:
            runtime.echo(text)
        else:
            runtime.echo(t("incident.report_written", path=str(out)))

    runtime.emit(data, human)


def _write(path: Path, text: str) -> None:
    """Whole or not at all: a temporary file beside it, renamed into place."""
    import os
    import tempfile

    from casedb.errors import InvalidInput

    target = path.expanduser()
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".report-")
    except OSError as exc:
        raise InvalidInput(
            "err.incident_report_write", path=str(path), reason=exc.strerror or "-"
        ) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise InvalidInput(
            "err.incident_report_write", path=str(path), reason=exc.strerror or "-"
        ) from None


def markdown(v: object, steps: list[dict[str, object]], now: datetime) -> str:
    from audit_log.incidents import IncidentView

    assert isinstance(v, IncidentView)
    lines = [
        "# " + t("incident.report_title", id=v.id, title=v.title),
        "",
        t("incident.report_to"),
        "",
        "| " + t("incident.report_item") + " | " + t("incident.report_value") + " |",
        "|---|---|",
    ]
    rows = [
        (t("incident.f_kind"), t(f"incident.kind.{v.kind}")),
        (t("incident.f_category"), c.category(v.category)),
        (t("incident.f_grade"), t(f"incident.grade.{v.grade}") if v.grade else "-"),
        (t("incident.f_status"), t(f"incident.status.{v.status}")),
        (t("incident.f_systems"), v.systems or "-"),
        (t("incident.f_units"), v.units or "-"),
        (t("incident.f_reporter"), v.reporter),
        (t("incident.f_detected"), c.when(v.detected_at)),
        (t("incident.f_opened"), c.when(v.opened_at)),
        (t("incident.f_deadline"), c.deadline_text(v, now)),
    ]
    lines += [f"| {k} | {_cell(val)} |" for k, val in rows]
    if steps:
        lines += [
            "",
            "## " + t("incident.plan_steps", code=v.plan_code, version=v.plan_version),
            "",
        ]
        lines += [f"- [{'x' if st['done'] else ' '}] {st['n']}. {st['title']}" for st in steps]
    lines += ["", "## " + t("incident.timeline"), ""]
    lines += ["- " + _cell(c.note_line(n)) for n in v.notes]
    lines += ["", t("incident.report_generated", at=c.when(now)), ""]
    return "\n".join(lines)


def _cell(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", " ")
