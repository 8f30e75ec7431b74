"""``jzctl backup list [--dir DIR]``: the catalogue; works without a database."""

from __future__ import annotations

from pathlib import Path

from console.cli import runtime
from console.cli.backup import _common as c
from console.i18n import t


def run(directory: Path | None = c.DIR) -> None:
    from casedb.errors import InvalidInput
    from ops import catalogue, keys

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
                     t("backup.col_size"), t("backup.col_verified"))]  # fmt: skip
            for e in reversed(live):
                state = t(f"backup.verify_{e.verify_status or 'never'}")
                if not (folder / e.directory).is_dir():
                    state = t("backup.status.missing")
                rows.append((e.id, c.class_title(e.backup_class), c.when(e.created_at),
                             c.size(e.size), state))  # fmt: skip
            runtime.echo(runtime.table(rows, align_right=(3,)))
        if k is None:
            runtime.note(t("backup.list_unchecked"))
        if cat.untrusted_lines:
            runtime.note(t("backup.list_untrusted", count=cat.untrusted_lines))

    runtime.emit(data, human)
