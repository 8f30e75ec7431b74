"""Alembic environment: runs on the connection jzctl hands over in ``config.attributes``."""

from __future__ import annotations

from alembic import context

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    # Only autogenerate needs the models; the caller passes the metadata of every package
    # (casedb sits below the domain packages and does not import them).
    target_metadata=context.config.attributes.get("metadata"),
    # SQLite alters tables by copying them (batch mode); harmless on PostgreSQL.
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
