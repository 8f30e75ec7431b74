"""Graded administration: policy rules and their version

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The shipped role -> action rules (rbac.templates.default_policy() at this revision; a test
# keeps them equal). Later changes are the security admin's, through rbac.grants.edit_policy.
DEFAULT_POLICY: list[tuple[str, str]] = [
    ("audit_admin", "audit.read"),
    ("caseworker", "case.handle"),
    ("caseworker", "case.read"),
    ("coord_admin", "account.create"),
    ("coord_admin", "account.status"),
    ("coord_admin", "account.update"),
    ("coord_admin", "case.read"),
    ("coord_admin", "case.supervise"),
    ("coord_admin", "policy.read"),
    ("coord_admin", "role.grant"),
    ("coord_admin", "role.revoke"),
    ("dept_admin", "account.create"),
    ("dept_admin", "account.reveal"),
    ("dept_admin", "account.status"),
    ("dept_admin", "account.update"),
    ("dept_admin", "approval.execute"),
    ("dept_admin", "case.read"),
    ("dept_admin", "role.grant"),
    ("dept_admin", "role.revoke"),
    ("leader", "approval.review"),
    ("leader", "case.read"),
    ("leader", "case.reassign"),
    ("security_admin", "policy.edit"),
    ("security_admin", "policy.read"),
    ("security_admin", "role.grant"),
    ("security_admin", "role.revoke"),
    ("supervisor", "case.read"),
    ("supervisor", "case.supervise"),
    ("system_admin", "account.create"),
    ("system_admin", "account.status"),
    ("system_admin", "account.update"),
    ("system_admin", "system.config"),
    ("township_leader", "approval.review"),
    ("township_leader", "case.read"),
    ("township_leader", "case.reassign"),
    ("unit_head", "approval.review"),
    ("unit_head", "case.read"),
    ("unit_head", "case.reassign"),
]


def upgrade() -> None:
    rules = op.create_table(
        "policy_rules",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("ptype", sa.String(length=8), nullable=False),
        sa.Column("v0", sa.String(length=100), nullable=False),
        sa.Column("v1", sa.String(length=100), nullable=False),
        sa.Column("v2", sa.String(length=100), nullable=False),
        sa.Column("v3", sa.String(length=100), nullable=False),
        sa.Column("v4", sa.String(length=100), nullable=False),
        sa.Column("v5", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_rules")),
        sa.UniqueConstraint(
            "ptype", "v0", "v1", "v2", "v3", "v4", "v5", name=op.f("uq_policy_rules_rule")
        ),
    )
    with op.batch_alter_table("policy_rules", schema=None) as batch_op:
        batch_op.create_index("ix_policy_rules_domain", ["ptype", "v2", "v1"], unique=False)
    version = op.create_table(
        "policy_version",
        sa.Column("id", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_policy_version_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_version")),
    )
    op.bulk_insert(version, [{"id": 1, "version": 1}])
    op.bulk_insert(
        rules,
        [
            {"ptype": "p", "v0": role, "v1": action, "v2": "", "v3": "", "v4": "", "v5": ""}
            for role, action in DEFAULT_POLICY
        ],
    )


def downgrade() -> None:
    op.drop_table("policy_version")
    with op.batch_alter_table("policy_rules", schema=None) as batch_op:
        batch_op.drop_index("ix_policy_rules_domain")
    op.drop_table("policy_rules")
