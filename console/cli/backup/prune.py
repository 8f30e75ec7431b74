"""``jzctl backup prune [--dry-run] [--dir DIR]``: retention per class (the policy file's
daily / weekly / monthly counts); the newest verified backup of a class is never deleted."""

from __future__ import annotations

from pathlib import Path

import typer

from console.cli import runtime
from console.cli.backup import _common as c
from console.i18n import t

ACTION = "backup.prune"


def run(
    dry_run: bool = typer.Option(False, "--dry-run", help=t("cli.backup_opt_dry_run")),
    directory: Path | None = c.DIR,
) -> None:
    from audit_log.chain import record
    from ops import catalogue, keys, retention
    from ops.classes import policy

    folder = c.root(directory)
    k = keys.load()
    who = c.who(ACTION, need_db=False)
    cat = catalogue.read(folder, k)
    result = retention.prune(cat, policy(), k, dry_run=dry_run)
    if who.db is not None and not dry_run and result.deleted:
        with who.db.uow() as uow:
            record(uow.session, who.actor, ACTION, target_kind="backup", target_id="*",
                   details={"deleted": [e.id for e in result.deleted][:500]})  # fmt: skip
            uow.commit()
    data = {
        "dry_run": dry_run,
        "deleted": [e.id for e in result.deleted],
        "kept": [e.id for e in result.kept],
    }

    def human() -> None:
        key = "backup.would_delete" if dry_run else "backup.deleted"
        for e in result.deleted:
            runtime.echo(t(key, id=e.id))
        runtime.echo(t("backup.prune_summary", deleted=len(result.deleted),
                       kept=len(result.kept)))  # fmt: skip

    runtime.emit(data, human)
