"""``jzctl init``: create or upgrade the schema and load the reference data."""

from __future__ import annotations

import typer

from console.cli import runtime
from console.i18n import t


def init() -> None:
    from accounts.setup import initialise
    from audit_log.actor import local_actor

    db = runtime.open_database(require_schema=False, create=True)
    res = initialise(db, local_actor())
    before, after = res.revision_before, res.revision
    added, renamed, ref = res.divisions_added, res.divisions_renamed, res.reference_rows
    data = {
        "database": db.redacted_url,
        "revision_before": before,
        "revision": after,
        "reference_rows": ref,
        "divisions_added": added,
        "divisions_renamed": renamed,
    }

    def human() -> None:
        if before == after:
            runtime.echo(t("init.current", revision=after, url=db.redacted_url))
        else:
            runtime.echo(
                t("init.upgraded", before=before or "-", revision=after, url=db.redacted_url)
            )
        runtime.echo(t("init.divisions", added=added, renamed=renamed))

    runtime.emit(data, human)


def register(app: typer.Typer) -> None:
    app.command("init", help=t("cli.init_help"))(runtime.guarded(init))
