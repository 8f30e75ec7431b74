"""Real-name accounts: personal data, credentials, sessions

Revision ID: 0003
Revises: 0002

Accounts gain their encrypted personal data (SM4-GCM ciphertexts, HMAC-SM3 blind indexes,
the key version that sealed them), a gov-WeChat id, a validity window and the lifecycle
status with its constraint. Every new column is nullable or has a server default, so that
existing (demo, legacy) rows stay valid; the data keys themselves live in the keyring only.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES = ("pending", "active", "locked", "suspended", "disabled", "archived")
STATUS_CHECK = "status IN (" + ", ".join(f"'{s}'" for s in STATUSES) + ")"


def upgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("id_cipher", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("id_index", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("mobile_cipher", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("mobile_index", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("mobile_masked", sa.String(length=11), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("key_version", sa.SmallInteger(), nullable=True))
        batch_op.add_column(
            sa.Column("wechat_id", sa.String(length=64), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("valid_from", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("status_reason", sa.String(length=200), server_default="", nullable=False)
        )
        batch_op.create_unique_constraint(op.f("uq_accounts_id_index"), ["id_index"])
        batch_op.create_index(op.f("ix_accounts_mobile_index"), ["mobile_index"], unique=False)
        batch_op.create_check_constraint(op.f("ck_accounts_status_values"), STATUS_CHECK)


def downgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_accounts_status_values"), type_="check")
        batch_op.drop_index(op.f("ix_accounts_mobile_index"))
        batch_op.drop_constraint(op.f("uq_accounts_id_index"), type_="unique")
        for column in (
            "status_reason",
            "status_changed_at",
            "valid_until",
            "valid_from",
            "wechat_id",
            "key_version",
            "mobile_masked",
            "mobile_index",
            "mobile_cipher",
            "id_index",
            "id_cipher",
        ):
            batch_op.drop_column(column)
