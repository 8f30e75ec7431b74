"""Case supervision: step time limits as data, supervision notices and their timeline

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_OPEN = sa.text("closed_at IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(
            "ix_cases_open_created",
            ["created_at"],
            unique=False,
            sqlite_where=_OPEN,
            postgresql_where=_OPEN,
        )

    op.create_table(
        "case_step_limits",
        sa.Column("item_code", sa.String(length=32), nullable=False),
        sa.Column("step", sa.String(length=24), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=8), nullable=False),
        sa.Column("set_by", sa.String(length=64), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "unit IN ('hours', 'days', 'workdays')", name=op.f("ck_case_step_limits_unit_values")
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_case_step_limits_amount_positive")),
        sa.ForeignKeyConstraint(
            ["item_code"],
            ["service_items.code"],
            name=op.f("fk_case_step_limits_item_code_service_items"),
        ),
        sa.PrimaryKeyConstraint("item_code", "step", name=op.f("pk_case_step_limits")),
    )

    op.create_table(
        "supervision_notices",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("case_id", _ID, nullable=False),
        sa.Column("batch", sa.String(length=32), nullable=False),
        sa.Column("unit_region", sa.String(length=12), nullable=False),
        sa.Column("unit_department", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=400), nullable=False),
        sa.Column("step", sa.String(length=24), nullable=False),
        sa.Column("step_level", sa.SmallInteger(), nullable=False),
        sa.Column("issued_by", _ID, nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_by", _ID, nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "state IN ('issued', 'handled', 'resulted', 'reported', 'closed')",
            name=op.f("ck_supervision_notices_state_values"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_supervision_notices_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["closed_by"], ["accounts.id"], name=op.f("fk_supervision_notices_closed_by_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["issued_by"], ["accounts.id"], name=op.f("fk_supervision_notices_issued_by_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["unit_department"],
            ["departments.code"],
            name=op.f("fk_supervision_notices_unit_department_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_region"],
            ["regions.code"],
            name=op.f("fk_supervision_notices_unit_region_regions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_notices")),
    )
    with op.batch_alter_table("supervision_notices", schema=None) as batch_op:
        batch_op.create_index("ix_supervision_notices_batch", ["batch"], unique=False)
        batch_op.create_index("ix_supervision_notices_case", ["case_id", "issued_at"], unique=False)
        batch_op.create_index(
            "ix_supervision_notices_open_unit",
            ["unit_department", "unit_region", "due_at"],
            unique=False,
            sqlite_where=_OPEN,
            postgresql_where=_OPEN,
        )

    op.create_table(
        "supervision_events",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("notice_id", _ID, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("actor_id", _ID, nullable=True),
        sa.Column("note", sa.String(length=400), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["accounts.id"], name=op.f("fk_supervision_events_actor_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["supervision_notices.id"],
            name=op.f("fk_supervision_events_notice_id_supervision_notices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_events")),
    )
    with op.batch_alter_table("supervision_events", schema=None) as batch_op:
        batch_op.create_index("ix_supervision_events_notice", ["notice_id", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("supervision_events", schema=None) as batch_op:
        batch_op.drop_index("ix_supervision_events_notice")

    op.drop_table("supervision_events")
    with op.batch_alter_table("supervision_notices", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_supervision_notices_open_unit", sqlite_where=_OPEN, postgresql_where=_OPEN
        )
        batch_op.drop_index("ix_supervision_notices_case")
        batch_op.drop_index("ix_supervision_notices_batch")

    op.drop_table("supervision_notices")
    op.drop_table("case_step_limits")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_open_created", sqlite_where=_OPEN, postgresql_where=_OPEN)
