"""Personnel change requests, their review chain, deputies and hand-overs

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "change_requests",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column(
            "target_account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("target_region", sa.String(length=12), nullable=False),
        sa.Column("target_department", sa.String(length=16), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("reason", sa.String(length=400), nullable=False),
        sa.Column("doc_no", sa.String(length=64), nullable=False),
        sa.Column("reviewer_role", sa.String(length=32), nullable=False),
        sa.Column("reviewer_unit", sa.String(length=32), nullable=False),
        sa.Column("executor_role", sa.String(length=32), nullable=False),
        sa.Column("executor_unit", sa.String(length=32), nullable=False),
        sa.Column(
            "submitted_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "reviewed_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "reviewed_for", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "executed_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "executed_for", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("executed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rejected_reason", sa.String(length=400), nullable=False),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('onboard', 'modify', 'transfer', 'offboard', 'suspend')",
            name=op.f("ck_change_requests_kind_values"),
        ),
        sa.CheckConstraint(
            "state IN ('draft', 'submitted', 'reviewed', 'executed', 'rejected', 'withdrawn', 'expired')",
            name=op.f("ck_change_requests_state_values"),
        ),
        sa.ForeignKeyConstraint(
            ["closed_by"], ["accounts.id"], name=op.f("fk_change_requests_closed_by_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["executed_by"], ["accounts.id"], name=op.f("fk_change_requests_executed_by_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["executed_for"], ["accounts.id"], name=op.f("fk_change_requests_executed_for_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by"], ["accounts.id"], name=op.f("fk_change_requests_reviewed_by_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_for"], ["accounts.id"], name=op.f("fk_change_requests_reviewed_for_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by"], ["accounts.id"], name=op.f("fk_change_requests_submitted_by_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["target_account_id"],
            ["accounts.id"],
            name=op.f("fk_change_requests_target_account_id_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_requests")),
    )
    with op.batch_alter_table("change_requests", schema=None) as batch_op:
        batch_op.create_index(
            "ix_change_requests_state_deadline", ["state", "deadline"], unique=False
        )
        batch_op.create_index("ix_change_requests_submitter", ["submitted_by"], unique=False)
        batch_op.create_index("ix_change_requests_target", ["target_account_id"], unique=False)

    op.create_table(
        "deputies",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "deputy_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_deputies_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["deputy_id"], ["accounts.id"], name=op.f("fk_deputies_deputy_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deputies")),
    )
    with op.batch_alter_table("deputies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deputies_account_id"), ["account_id"], unique=False)
        batch_op.create_index("ix_deputies_deputy", ["deputy_id", "valid_until"], unique=False)

    op.create_table(
        "change_handovers",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "request_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("from_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "successor_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_change_handovers_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["from_id"], ["accounts.id"], name=op.f("fk_change_handovers_from_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["change_requests.id"],
            name=op.f("fk_change_handovers_request_id_change_requests"),
        ),
        sa.ForeignKeyConstraint(
            ["successor_id"],
            ["accounts.id"],
            name=op.f("fk_change_handovers_successor_id_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_handovers")),
    )
    with op.batch_alter_table("change_handovers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_change_handovers_request_id"), ["request_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("change_handovers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_change_handovers_request_id"))

    op.drop_table("change_handovers")
    with op.batch_alter_table("deputies", schema=None) as batch_op:
        batch_op.drop_index("ix_deputies_deputy")
        batch_op.drop_index(batch_op.f("ix_deputies_account_id"))

    op.drop_table("deputies")
    with op.batch_alter_table("change_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_change_requests_target")
        batch_op.drop_index("ix_change_requests_submitter")
        batch_op.drop_index("ix_change_requests_state_deadline")

    op.drop_table("change_requests")
