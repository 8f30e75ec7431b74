"""``jzctl case stats --month YYYY-MM | --from DATE --to DATE [--by DIMS]``: cases received
in the period in the actor's scope, by department, service item, region (one level below the
region asked for) and month: received, closed, closed within 10 days, overdue now, median and
90th-percentile handling time; ``--csv FILE`` / ``--xlsx FILE`` export the table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from console.cli import runtime
from console.cli.case import _common as c
from console.i18n import t

COLUMNS = ("received", "closed", "closed_on_time", "overdue", "median_hours", "p90_hours")


def _period(month: str | None, from_: str | None, to: str | None) -> tuple[Any, Any]:
    from datetime import timedelta

    from casedb.clock import parse_local
    from casedb.errors import InvalidInput
    from casedb.supervision_queries import month_bounds

    if month is not None:
        if from_ is not None or to is not None:
            raise InvalidInput("err.cli_case_period_one")
        return month_bounds(month)
    if from_ is None or to is None:
        raise InvalidInput("err.cli_case_period_needed")
    # --to is a day, included: up to the start of the next day.
    return parse_local(from_), parse_local(to) + timedelta(days=1)


def _label(dim: str, value: str) -> str:
    if dim == "department":
        return runtime.department_name(value)
    if dim == "item":
        return c.item_name(value)
    return value


def _write(path: Path, fmt: str, header: list[str], rows: list[list[Any]]) -> None:
    """All or nothing: a ``.part`` file renamed into place."""
    import csv
    import os

    from audit_log.export import csv_safe
    from casedb.errors import Conflict

    if path.exists():
        raise Conflict("err.export_file_exists", path=str(path))
    tmp = path.with_name(path.name + ".part")
    try:
        if fmt == "csv":
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as out:
                writer = csv.writer(out)
                writer.writerow(header)
                for r in rows:
                    writer.writerow([csv_safe(v) if isinstance(v, str) else v for v in r])
        else:
            from openpyxl import Workbook

            wb = Workbook(write_only=True)
            ws = wb.create_sheet("stats")
            ws.append(header)
            for r in rows:
                ws.append([csv_safe(v) if isinstance(v, str) else v for v in r])
            wb.save(tmp)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def run(
    month: str | None = typer.Option(None, "--month", metavar="YYYY-MM",
                                     help=t("cli.case_opt_month")),
    from_: str | None = typer.Option(None, "--from", metavar="DATE",
                                     help=t("cli.case_opt_from_day")),
    to: str | None = typer.Option(None, "--to", metavar="DATE", help=t("cli.case_opt_to_day")),
    by: str = typer.Option("department", "--by", metavar="DIMS", help=t("cli.case_opt_by")),
    region: str | None = c.REGION,
    department: str | None = c.DEPARTMENT,
    csv_to: Path | None = typer.Option(None, "--csv", metavar="FILE", help=t("cli.case_opt_csv")),
    xlsx_to: Path | None = typer.Option(None, "--xlsx", metavar="FILE",
                                        help=t("cli.case_opt_xlsx")),
) -> None:  # fmt: skip
    from datetime import UTC, datetime

    from accounts import supervision
    from casedb.errors import InvalidInput
    from casedb.supervision_queries import DIMENSIONS, total_row

    dims = tuple(d.strip() for d in by.split(",") if d.strip())
    if not dims or len(set(dims)) != len(dims):
        raise InvalidInput("err.case_stats_dimension", dim=by[:40], dims=", ".join(DIMENSIONS))
    start, end = _period(month, from_, to)
    db = runtime.open_database()
    op = runtime.operator(db)
    query = supervision.StatsQuery(start, end, dims, c.region_of(region), department)
    rows = supervision.case_stats(query, db, op.actor, now=datetime.now(UTC))
    total = total_row(rows)
    header = [*dims, *COLUMNS]
    table_rows = [[r.key[d] for d in dims] + [r.as_dict()[k] for k in COLUMNS] for r in rows]
    files = []
    for path, fmt in ((csv_to, "csv"), (xlsx_to, "xlsx")):
        if path is not None:
            _write(path, fmt, header, table_rows)
            files.append(str(path))
    data = {"from": start, "to": end, "by": list(dims),
            "rows": [r.as_dict() for r in rows], "total": total.as_dict(),
            "files": files}  # fmt: skip

    def human() -> None:
        if not rows:
            runtime.echo(t("case.stats_empty"))
            return
        head = tuple(t(f"case.dim.{d}") for d in dims) + tuple(t(f"case.stat.{k}") for k in COLUMNS)

        def cells(values: dict[str, Any]) -> tuple[str, ...]:
            return tuple("-" if values[k] is None else str(values[k]) for k in COLUMNS)

        out = [head] + [tuple(_label(d, r.key[d]) for d in dims) + cells(r.as_dict()) for r in rows]
        out.append((t("case.total"),) + ("",) * (len(dims) - 1) + cells(total.as_dict()))
        runtime.echo(runtime.table(out, align_right=tuple(range(len(dims), len(head)))))
        for f in files:
            runtime.note(t("case.stats_written", path=f))

    runtime.emit(data, human)
