"""``jzctl policy export [--format csv|json] [--to FILE]``: the role → action policy."""

from __future__ import annotations

import csv
import io
import json
from enum import StrEnum
from pathlib import Path

import typer

from console.cli import runtime
from console.i18n import t


class Format(StrEnum):
    csv = "csv"
    json = "json"


def run(
    fmt: Format = typer.Option(
        Format.csv, "--format", case_sensitive=False, help=t("cli.opt_policy_format")
    ),
    to: Path | None = typer.Option(None, "--to", metavar="FILE", help=t("cli.opt_to")),
) -> None:
    from casedb.errors import InvalidInput
    from console.cli.policy._common import admin_operator
    from rbac.store import load_policy

    db = runtime.open_database()
    admin_operator(db)
    with db.read() as s:
        lines = sorted((p.role, p.action) for p in load_policy(s))
    rows = [{"role": r, "action": a} for r, a in lines]
    if fmt == Format.json:
        text = json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    else:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(["role", "action"])
        writer.writerows(lines)
        text = buf.getvalue()
    if to is not None:
        try:
            to.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise InvalidInput("err.export_unwritable", path=str(to), reason=exc.strerror) from None
        runtime.emit(
            {"file": str(to), "rules": len(rows), "format": fmt.value},
            lambda: runtime.echo(t("policy.exported", n=len(rows), file=str(to))),
        )
        return
    if runtime.settings.json:
        runtime.emit(rows)
    else:
        runtime.echo(text.rstrip("\n"))
