"""``jzctl backup create [--class core|important|general] [--to DIR] [--copy-to DIR]…``:
``--to`` is where the backup is written, ``--copy-to`` (repeatable) a second location it is
copied to and checked at (see ``backup copy``); exit 5 when a copy is not sound."""

from __future__ import annotations

from pathlib import Path

import typer

from console.cli import runtime
from console.cli.backup import _common as c
from console.cli.backup import copy
from console.i18n import t


def run(
    backup_class: str | None = typer.Option(
        None, "--class", metavar="core|important|general", help=t("cli.backup_opt_class")
    ),
    to: Path | None = typer.Option(None, "--to", metavar="DIR", help=t("cli.backup_opt_to")),
    copy_to: list[Path] | None = copy.COPY_TO,
) -> None:
    from ops import backup, catalogue, keys
    from ops.classes import policy

    cls = policy().get(backup_class).name if backup_class else policy().full
    who = c.who(backup.ACTION, need_db=True)
    assert who.db is not None
    folder = c.root(to)
    k = keys.load(create=True)
    with runtime.progress(t("backup.create_progress", cls=cls)) as advance:
        advance(0, 0)
        made = backup.create(who.db, who.actor, k, backup_class=cls, root=folder)
        advance(1, 1)
    entry = catalogue.read(folder, k).find(made.id) if copy_to else None
    copied = [copy.copy_and_record(who, folder, entry, k, d) for d in copy_to or [] if entry]
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
        "copies": [r.as_dict() for r in copied],
    }

    def human() -> None:
        runtime.echo(t("backup.created", id=made.id, cls=c.class_title(cls),
                       tables=len(doc["tables"]), rows=made.rows, size=c.size(made.size),
                       path=str(made.directory)))  # fmt: skip
        for r in copied:
            copy.human(r, audited=True)

    runtime.emit(data, human)
    if any(r.status != "ok" for r in copied):
        raise typer.Exit(5)
