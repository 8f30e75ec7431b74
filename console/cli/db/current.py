"""``jzctl db current``: the schema revision, and whether this jzctl matches it."""

from __future__ import annotations

import typer

from console.cli import runtime
from console.i18n import t


def run() -> None:
    from casedb.schema import status

    db = runtime.open_database(require_schema=False)
    st = status(db.engine)
    data = {
        "database": db.redacted_url,
        "backend": db.backend,
        "revision": st.current,
        "head": st.head,
        "state": st.state,
    }
    runtime.emit(
        data,
        lambda: runtime.echo(
            t(f"db.state_{st.state}", revision=st.current or "-", head=st.head, url=db.redacted_url)
        ),
    )
    if st.state == "ahead":
        raise typer.Exit(6)
