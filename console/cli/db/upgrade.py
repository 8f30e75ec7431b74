"""``jzctl db upgrade``."""

from __future__ import annotations

from console.cli import runtime
from console.i18n import t


def run() -> None:
    from casedb.schema import upgrade

    db = runtime.open_database(require_schema=False)
    before, after = upgrade(db.engine)
    runtime.emit(
        {"database": db.redacted_url, "revision_before": before, "revision": after},
        lambda: runtime.echo(
            t("db.already_current", revision=after)
            if before == after
            else t("db.upgraded", before=before or "-", revision=after)
        ),
    )
