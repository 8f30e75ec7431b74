"""What the backup verbs share: the backup folder, the keys, and who is acting."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from console.cli import runtime
from console.i18n import language, t

if TYPE_CHECKING:
    from audit_log.actor import Actor
    from casedb.engine import Database

DIR = typer.Option(None, "--dir", metavar="DIR", help=t("cli.backup_opt_dir"))


def size(n: int) -> str:
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return str(n)  # pragma: no cover


def when(at: object) -> str:
    from datetime import datetime

    from console.cli.account._common import show_time

    return show_time(at) if isinstance(at, datetime) else "-"


def class_title(name: str) -> str:
    from ops.classes import policy

    c = policy().get(name)
    return c.title_zh if language() == "zh" else c.title_en


@dataclass
class Who:
    db: Database | None
    actor: Actor


def who(action: str, *, need_db: bool) -> Who:
    """The signed-in admin, authorised for backups. Without ``need_db``, a console whose
    database is missing or unreachable (the case a restore is for) acts as its OS user:
    the keyring holding the backup keys is then the boundary, and the event is recorded
    in the restored database."""
    from audit_log.actor import local_actor
    from casedb.errors import Conflict, InvalidInput, NotFound
    from ops.access import authorise

    try:
        db = runtime.open_database()
    except (NotFound, InvalidInput, Conflict):
        if need_db:
            raise
        return Who(None, local_actor())
    op = runtime.operator(db)
    authorise(db, op.actor, action, authorize=op.authorize)
    return Who(db, op.actor)


def root(option: Path | None) -> Path:
    from ops.catalogue import root_of

    return root_of(option)
