"""When a change request's current step was reminded of and escalated (one of each per step),
and inboxes found by the target's part of the province

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("change_requests") as batch:
        batch.add_column(sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index(
            "ix_change_requests_state_region", ["state", "target_region"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("change_requests") as batch:
        batch.drop_index("ix_change_requests_state_region")
        batch.drop_column("escalated_at")
        batch.drop_column("reminded_at")
