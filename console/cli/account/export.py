"""``jzctl account export --format csv|xlsx --to FILE``: masked, safe to open in a spreadsheet."""

from __future__ import annotations

from pathlib import Path

import typer

from console.cli import runtime
from console.cli.account import list_ as filters
from console.i18n import t

COLUMNS = (
    "login_name", "full_name", "region_code", "region_name", "department_code", "post",
    "id_masked", "mobile_masked", "wechat_id", "status", "valid_from", "valid_until",
    "created_at",
)  # fmt: skip


def run(
    fmt: str = typer.Option("csv", "--format", metavar="csv|xlsx", help=t("cli.opt_export_format")),
    to: Path = typer.Option(..., "--to", metavar="FILE", help=t("cli.opt_export_to")),
    region: str | None = filters.REGION,
    department: str | None = filters.DEPARTMENT,
    role: str | None = filters.ROLE,
    status: str | None = filters.STATUS,
    name: str | None = filters.NAME,
) -> None:
    import csv
    import os
    from datetime import datetime

    from accounts import cli_support as cs
    from audit_log.export import csv_safe
    from casedb.errors import Conflict, InvalidInput

    if fmt not in ("csv", "xlsx"):
        raise InvalidInput("err.account_export_format", fmt=fmt[:16])
    if to.exists():
        raise Conflict("err.export_file_exists", path=str(to))
    db = runtime.open_database()
    op = runtime.operator(db)
    f = cs.ListFilter(region, department, role, status, name)
    rows = cs.export_rows(
        db, op.actor, op.enforcer.grants_of(op.account_id), f, fmt=fmt, target=to.name
    )

    def cell(value: object) -> str:
        if isinstance(value, datetime):
            return value.isoformat()
        return csv_safe(value)

    tmp = to.with_name(to.name + ".part")
    count = 0
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        if fmt == "csv":
            with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as out:
                writer = csv.writer(out)
                writer.writerow(COLUMNS)
                for r in rows:
                    writer.writerow([cell(getattr(r, k)) for k in COLUMNS])
                    count += 1
        else:
            os.close(fd)
            from openpyxl import Workbook

            wb = Workbook(write_only=True)
            ws = wb.create_sheet("accounts")
            ws.append(list(COLUMNS))
            for r in rows:
                ws.append([cell(getattr(r, k)) for k in COLUMNS])
                count += 1
            wb.save(tmp)
        tmp.replace(to)
    finally:
        tmp.unlink(missing_ok=True)
    runtime.emit(
        {"file": str(to), "format": fmt, "accounts": count},
        lambda: runtime.echo(t("account.export_done", count=count, path=str(to))),
    )
