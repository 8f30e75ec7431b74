"""Alembic environment: runs on the connection jzctl hands over in ``config.attributes``."""

from __future__ import annotations

from alembic import context

from casedb.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite alters tables by copying them (batch mode); harmless on PostgreSQL.
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
