"""``jzctl doctor [--dir DIR] [--anchor-days N] [--max-skew SECONDS]``: the database, schema
revision, keyring, clock, audit anchors, backup keys and each class's backup freshness, and
the working-day calendar; per check ok / warn / fail / skip and one sentence of what to fix.

No sign-in is needed and none of the checks needs one: a console that cannot sign anybody in
is exactly the one to diagnose. Exit 0 when nothing fails (warnings included); exit 5 when a
check fails: like ``backup verify``, "what was checked is not sound" (the invalid-input code,
casedb.errors); 1 stays "doctor itself broke" and 6 the schema conflict other commands give.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from console.cli import runtime
from console.i18n import t

if TYPE_CHECKING:
    from ops.doctor import Check

EXIT_FAILED = 5


def run(
    directory: Path | None = typer.Option(
        None, "--dir", metavar="DIR", help=t("cli.doctor_opt_dir")
    ),
    anchor_days: int = typer.Option(
        7, "--anchor-days", min=1, max=3650, metavar="N", help=t("cli.doctor_opt_anchor_days")
    ),
    max_skew: float = typer.Option(
        60.0, "--max-skew", min=1, metavar="SECONDS", help=t("cli.doctor_opt_max_skew")
    ),
) -> None:
    from casedb.config import resolve_url
    from ops import doctor
    from ops.catalogue import root_of

    resolved = resolve_url(runtime.settings.db_url)
    report = doctor.run(resolved.url, url_source=resolved.source, backup_root=root_of(directory),
                        anchor_days=anchor_days, max_skew_s=max_skew)  # fmt: skip
    data = {
        "checks": [c.as_dict() | {"message": message(c)} for c in report.checks],
        "counts": {s: report.count(s) for s in doctor.STATUSES},
        "exit_code": EXIT_FAILED if report.failed else 0,
    }

    def human() -> None:
        marks = {s: t(f"doctor.status.{s}") for s in doctor.STATUSES}
        width = max(runtime.display_width(m) for m in marks.values())
        for c in report.checks:
            mark = marks[c.status]
            pad = " " * (width - runtime.display_width(mark))
            runtime.echo(t("doctor.line", status=mark + pad, check=label(c), message=message(c)))
        runtime.echo(t("doctor.summary", **{s: report.count(s) for s in doctor.STATUSES}))

    runtime.emit(data, human)
    if report.failed:
        raise typer.Exit(EXIT_FAILED)


def label(c: Check) -> str:
    base = t(f"doctor.check.{c.kind}")
    subject = c.params.get("cls") or c.params.get("year")
    if c.kind == "backup" and c.params.get("cls"):
        from console.cli.backup._common import class_title

        subject = class_title(str(c.params["cls"]))
    return t("doctor.check_of", check=base, subject=subject) if subject else base


def message(c: Check) -> str:
    """The check's sentence; parameters named ``*_key`` are catalogue keys themselves."""
    params = dict(c.params)
    for name, value in c.params.items():
        if name.endswith("_key") and isinstance(value, str):
            params[name[:-4]] = t(value, **c.params)
    return t(c.key, **params)


def register(app: typer.Typer) -> None:
    app.command("doctor", help=t("cli.doctor_help"))(runtime.guarded(run))
