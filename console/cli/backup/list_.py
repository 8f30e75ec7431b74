"""``jzctl backup list [--dir DIR]``: the catalogue; works without a database."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from console.cli import runtime
from console.cli.backup import _common as c
from console.i18n import t

if TYPE_CHECKING:
    from ops.catalogue import Entry


def run(directory: Path | None = c.DIR) -> None:
    from casedb.errors import InvalidInput
    from ops import catalogue, keys
    from ops.copies import latest_copies

    folder = c.root(directory)
    try:
        k = keys.load()
    except InvalidInput:
        k = None  # no keyring here: the lines are listed unchecked, and we say so
    cat = catalogue.read(folder, k)
    live = cat.live()
    data = {
        "directory": str(folder),
        "signatures_checked": k is not None,
        "untrusted_lines": cat.untrusted_lines,
        "backups": [e.as_dict() | {"present": (folder / e.directory).is_dir()} for e in live],
    }

    def human() -> None:
        if not live:
            runtime.echo(t("backup.list_empty", path=str(folder)))
        else:
            rows = [(t("backup.col_id"), t("backup.col_class"), t("backup.col_created"),
                     t("backup.col_size"), t("backup.col_verified"),
                     t("backup.col_copies"))]  # fmt: skip
            for e in reversed(live):
                state = t(f"backup.verify_{e.verify_status or 'never'}")
                if not (folder / e.directory).is_dir():
                    state = t("backup.status.missing")
                rows.append((e.id, c.class_title(e.backup_class), c.when(e.created_at),
                             c.size(e.size), state, _copies_cell(e)))  # fmt: skip
            runtime.echo(runtime.table(rows, align_right=(3,)))
            for e in reversed(live):
                for cp in latest_copies(e):
                    runtime.echo(t("backup.copy_line", id=e.id, to=cp.to, at=_at(cp.at),
                                   status=t(f"backup.copy_status_{cp.status}")))  # fmt: skip
        if k is None:
            runtime.note(t("backup.list_unchecked"))
        if cat.untrusted_lines:
            runtime.note(t("backup.list_untrusted", count=cat.untrusted_lines))

    runtime.emit(data, human)


def _copies_cell(e: Entry) -> str:
    from ops.copies import latest_copies

    states = latest_copies(e)
    if not states:
        return "-"
    good = sum(1 for s in states if s.status == "ok")
    return t("backup.copies_cell", ok=good, failed=len(states) - good)


def _at(iso: str) -> str:
    from datetime import datetime

    try:
        return c.when(datetime.fromisoformat(iso))
    except ValueError:
        return iso
