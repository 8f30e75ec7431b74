"""``jzctl backup status [--dir DIR]``: each class's newest verified backup, its age, and
whether the class's RPO is met; from the catalogue alone."""

from __future__ import annotations

from pathlib import Path

from console.cli import runtime
from console.cli.backup import _common as c
from console.i18n import t


def run(directory: Path | None = c.DIR) -> None:
    from casedb.errors import InvalidInput
    from ops import catalogue, keys, retention
    from ops.classes import policy

    folder = c.root(directory)
    try:
        k = keys.load()
    except InvalidInput:
        k = None
    cat = catalogue.read(folder, k)
    rows = retention.status(cat, policy())
    data = {"directory": str(folder), "classes": [r.as_dict() for r in rows]}

    def human() -> None:
        table = [(t("backup.col_class"), t("backup.col_rpo"), t("backup.col_last_verified"),
                  t("backup.col_age"), t("backup.col_rpo_met"))]  # fmt: skip
        for r in rows:
            table.append((
                c.class_title(r.name),
                t("backup.hours", hours=f"{r.rpo_hours:g}"),
                r.last_verified.id if r.last_verified else "-",
                t("backup.hours", hours=f"{r.age_hours:.1f}") if r.age_hours is not None else "-",
                t("backup.yes") if r.rpo_met else t("backup.no"),
            ))  # fmt: skip
        runtime.echo(runtime.table(table, align_right=(1, 3)))

    runtime.emit(data, human)
