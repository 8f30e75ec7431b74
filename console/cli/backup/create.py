"""``jzctl backup create [--class core|important|general] [--to DIR]``."""

from __future__ import annotations

from pathlib import Path

import typer

from console.cli import runtime
from console.cli.backup import _common as c
from console.i18n import t


def run(
    backup_class: str | None = typer.Option(
        None, "--class", metavar="core|important|general", help=t("cli.backup_opt_class")
    ),
    to: Path | None = typer.Option(None, "--to", metavar="DIR", help=t("cli.backup_opt_to")),
) -> None:
    from ops import backup, keys
    from ops.classes import policy

    cls = policy().get(backup_class).name if backup_class else policy().full
    who = c.who(backup.ACTION, need_db=True)
    assert who.db is not None
    folder = c.root(to)
    with runtime.progress(t("backup.create_progress", cls=cls)) as advance:
        advance(0, 0)
        made = backup.create(who.db, who.actor, keys.load(create=True), backup_class=cls,
                             root=folder)  # fmt: skip
        advance(1, 1)
    doc = made.manifest
    data = {
        "id": made.id,
        "class": doc["class"],
        "directory": str(made.directory),
        "size": made.size,
        "tables": doc["tables"],
        "rows": made.rows,
        "schema_revision": doc["schema_revision"],
        "audit": doc["audit"],
        "tools": doc["tools"],
    }
    runtime.emit(
        data,
        lambda: runtime.echo(
            t("backup.created", id=made.id, cls=c.class_title(cls), tables=len(doc["tables"]),
              rows=made.rows, size=c.size(made.size), path=str(made.directory))
        ),
    )  # fmt: skip
