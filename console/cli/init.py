"""``jzctl init``: create or upgrade the schema and load the reference data."""

from __future__ import annotations

import typer

from console.cli import runtime
from console.i18n import t


def init() -> None:
    from accounts.org import load_divisions, shipped_divisions
    from casedb.reference import sync_reference
    from casedb.schema import upgrade

    db = runtime.open_database(require_schema=False, create=True)
    before, after = upgrade(db.engine)
    with db.uow() as uow:
        conn = uow.session.connection()
        ref = sync_reference(conn)
        added, renamed = load_divisions(conn, shipped_divisions())
        uow.commit()
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
