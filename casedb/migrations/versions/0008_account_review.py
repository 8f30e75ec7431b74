"""Annual account review campaigns and their items

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "review_campaigns",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("department", sa.String(length=16), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=80), nullable=False),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("started_by", _id(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", _id(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("level BETWEEN 1 AND 5", name=op.f("ck_review_campaigns_level_range")),
        sa.CheckConstraint(
            "state IN ('open', 'closed')", name=op.f("ck_review_campaigns_state_values")
        ),
        sa.ForeignKeyConstraint(
            ["closed_by"], ["accounts.id"], name=op.f("fk_review_campaigns_closed_by_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_review_campaigns_region_code_regions")
        ),
        sa.ForeignKeyConstraint(
            ["started_by"], ["accounts.id"], name=op.f("fk_review_campaigns_started_by_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_campaigns")),
    )
    with op.batch_alter_table("review_campaigns", schema=None) as batch_op:
        batch_op.create_index("ix_review_campaigns_state", ["state", "level"], unique=False)

    op.create_table(
        "review_items",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("campaign_id", _id(), nullable=False),
        sa.Column("account_id", _id(), nullable=False),
        sa.Column("unit_region", sa.String(length=12), nullable=False),
        sa.Column("unit_department", sa.String(length=16), nullable=False),
        sa.Column("reviewer_role", sa.String(length=32), nullable=False),
        sa.Column("reviewer_unit", sa.String(length=32), nullable=False),
        sa.Column("grants", sa.Text(), nullable=False),
        sa.Column("decision", sa.String(length=12), nullable=False),
        sa.Column("decided_by", _id(), nullable=True),
        sa.Column("decided_for", _id(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.String(length=400), nullable=False),
        sa.Column("change_request_id", _id(), nullable=True),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "decision IN ('pending', 'confirmed', 'revoked')",
            name=op.f("ck_review_items_decision_values"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_review_items_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["review_campaigns.id"],
            name=op.f("fk_review_items_campaign_id_review_campaigns"),
        ),
        sa.ForeignKeyConstraint(
            ["change_request_id"],
            ["change_requests.id"],
            name=op.f("fk_review_items_change_request_id_change_requests"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["accounts.id"], name=op.f("fk_review_items_decided_by_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["decided_for"], ["accounts.id"], name=op.f("fk_review_items_decided_for_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_items")),
        sa.UniqueConstraint("campaign_id", "account_id", name=op.f("uq_review_items_campaign_id")),
    )
    with op.batch_alter_table("review_items", schema=None) as batch_op:
        batch_op.create_index(
            "ix_review_items_campaign_unit",
            ["campaign_id", "unit_region", "unit_department"],
            unique=False,
        )
        batch_op.create_index("ix_review_items_account", ["account_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("review_items", schema=None) as batch_op:
        batch_op.drop_index("ix_review_items_account")
        batch_op.drop_index("ix_review_items_campaign_unit")

    op.drop_table("review_items")
    with op.batch_alter_table("review_campaigns", schema=None) as batch_op:
        batch_op.drop_index("ix_review_campaigns_state")

    op.drop_table("review_campaigns")
