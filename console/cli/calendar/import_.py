"""``jzctl calendar import FILE.csv [--year-complete Y]``: overrides from a CSV file
(``date,kind,name``); every row is checked first and a bad file writes nothing (audited)."""

from __future__ import annotations

from pathlib import Path

import typer

from console.cli import runtime
from console.i18n import t


def run(
    file: Path = typer.Argument(..., metavar="FILE.csv", help=t("cli.calendar_arg_file")),
    year_complete: int | None = typer.Option(
        None, "--year-complete", metavar="YEAR", help=t("cli.calendar_opt_year_complete")
    ),
) -> None:
    from datetime import UTC, datetime

    from accounts.cli_support import PROVINCE
    from audit_log.chain import record
    from casedb.calendar import check_year, import_days, parse_csv
    from casedb.errors import InvalidInput, NotFound
    from console.cli.calendar._auth import authorise

    if year_complete is not None:
        check_year(year_complete)
    db = runtime.open_database()
    op = authorise(db, "calendar.import", file.name)
    try:
        raw = file.read_bytes()
    except FileNotFoundError as exc:
        raise NotFound("err.calendar_file_missing", path=str(file)) from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput("err.calendar_file_encoding", path=str(file)) from exc
    rows = parse_csv(text)
    now = datetime.now(UTC)
    with db.uow() as uow:
        result = import_days(uow.session, rows, by=op.actor.login, at=now,
                             complete_year=year_complete)  # fmt: skip
        record(uow.session, op.actor, "calendar.import", target_kind="calendar",
               target_id=file.name, region=PROVINCE, at=now,
               details={"rows": result.rows, "added": result.added, "changed": result.changed,
                        "unchanged": result.unchanged, "complete_year": year_complete,
                        "dates": [r.day.isoformat() for r in rows][:400]})  # fmt: skip
        uow.commit()
    data = {
        "file": str(file),
        "rows": result.rows,
        "added": result.added,
        "changed": result.changed,
        "unchanged": result.unchanged,
        "complete_year": year_complete,
    }

    def human() -> None:
        runtime.echo(t("calendar.import_done", rows=result.rows, added=result.added,
                       changed=result.changed, unchanged=result.unchanged))  # fmt: skip
        if year_complete is not None:
            runtime.echo(t("calendar.year_complete", year=year_complete))

    runtime.emit(data, human)
