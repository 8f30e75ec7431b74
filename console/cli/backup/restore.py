"""``jzctl backup restore ID --to URL [--force] [--dir DIR]``: all or nothing; a non-empty
target only with ``--force``; on a terminal the backup's ID must be typed to confirm."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from console.cli import runtime
from console.cli.backup import _common as c
from console.i18n import t


def run(
    backup_id: str = typer.Argument(..., metavar="ID", help=t("cli.backup_arg_id")),
    to: str = typer.Option(..., "--to", metavar="URL", help=t("cli.backup_opt_restore_to")),
    force: bool = typer.Option(False, "--force", help=t("cli.backup_opt_force")),
    directory: Path | None = c.DIR,
) -> None:
    from casedb.engine import normalise_url
    from casedb.errors import Conflict
    from ops import catalogue, keys
    from ops import restore as r

    folder = c.root(directory)
    k = keys.load()
    entry = catalogue.read(folder, k).find(backup_id)
    who = c.who(r.ACTION, need_db=False)
    if who.db is not None:
        who.db.dispose()
    target = normalise_url(to).render_as_string(hide_password=True)
    if sys.stdin.isatty() and not runtime.settings.json:
        typed = typer.prompt(t("backup.confirm_prompt", id=entry.id, target=target))
        if typed.strip() != entry.id:
            raise Conflict("err.backup_not_confirmed")
    with runtime.progress(t("backup.restore_progress", id=entry.id)) as advance:
        done = r.restore(folder, entry.id, k, to, who.actor, force=force, progress=advance)
    data = {
        "id": done.id,
        "target": done.target,
        "tables": done.tables,
        "rows": done.rows,
        "replaced": done.replaced,
        "audit_seq": done.audit_seq,
        "events_lost_here": done.events_lost_here,
    }

    def human() -> None:
        runtime.echo(t("backup.restored", id=done.id, target=done.target, tables=done.tables,
                       rows=done.rows))  # fmt: skip
        if done.events_lost_here:
            runtime.note(t("backup.events_lost", count=done.events_lost_here))

    runtime.emit(data, human)
