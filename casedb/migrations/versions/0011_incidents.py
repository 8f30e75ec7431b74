"""Incident register, report-and-file records, emergency plans and drills

Revision ID: 0011
Revises: 0010

The timeline (``incident_notes``) is append-only in the database: triggers refuse UPDATE,
DELETE and TRUNCATE on both backends; incidents are never deleted.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

SQLITE_TRIGGERS = [
    "CREATE TRIGGER incident_notes_no_update BEFORE UPDATE ON incident_notes "
    "BEGIN SELECT RAISE(ABORT, 'incident_notes is append-only'); END",
    "CREATE TRIGGER incident_notes_no_delete BEFORE DELETE ON incident_notes "
    "BEGIN SELECT RAISE(ABORT, 'incident_notes is append-only'); END",
    "CREATE TRIGGER incidents_no_delete BEFORE DELETE ON incidents "
    "BEGIN SELECT RAISE(ABORT, 'incidents are never deleted'); END",
]
SQLITE_TRIGGER_NAMES = [s.split()[2] for s in SQLITE_TRIGGERS]

PG_TRIGGERS = [
    "CREATE FUNCTION jz_incident_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$",
    "CREATE TRIGGER incident_notes_append_only BEFORE UPDATE OR DELETE ON incident_notes "
    "FOR EACH ROW EXECUTE FUNCTION jz_incident_refuse()",
    "CREATE TRIGGER incident_notes_no_truncate BEFORE TRUNCATE ON incident_notes "
    "FOR EACH STATEMENT EXECUTE FUNCTION jz_incident_refuse()",
    "CREATE TRIGGER incidents_no_delete BEFORE DELETE ON incidents "
    "FOR EACH ROW EXECUTE FUNCTION jz_incident_refuse()",
    "CREATE TRIGGER incidents_no_truncate BEFORE TRUNCATE ON incidents "
    "FOR EACH STATEMENT EXECUTE FUNCTION jz_incident_refuse()",
]


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("grade", sa.String(length=4), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("systems", sa.String(length=400), nullable=False),
        sa.Column("units", sa.String(length=400), nullable=False),
        sa.Column("reporter", sa.String(length=64), nullable=False),
        sa.Column("opened_by", ID, nullable=True),
        sa.Column("detected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("report_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("plan_code", sa.String(length=32), nullable=True),
        sa.Column("plan_version", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "category IN ('harmful_program', 'network_attack', 'information_destruction', "
            "'information_content', 'equipment_failure', 'disaster', 'other', "
            "'system_upgrade', 'interface_change', 'major_failure')",
            name=op.f("ck_incidents_category_values"),
        ),
        sa.CheckConstraint(
            "grade IS NULL OR grade IN ('I', 'II', 'III', 'IV')",
            name=op.f("ck_incidents_grade_values"),
        ),
        sa.CheckConstraint("kind IN ('incident', 'filing')", name=op.f("ck_incidents_kind_values")),
        sa.CheckConstraint(
            "status IN ('open', 'contained', 'resolved', 'reviewed')",
            name=op.f("ck_incidents_status_values"),
        ),
        sa.ForeignKeyConstraint(
            ["opened_by"], ["accounts.id"], name=op.f("fk_incidents_opened_by_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
    )
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.create_index("ix_incidents_status", ["status", "opened_at"], unique=False)

    op.create_table(
        "incident_notes",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("incident_id", ID, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("author_id", ID, nullable=True),
        sa.Column("author", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("ref_kind", sa.String(length=16), nullable=False),
        sa.Column("ref_id", sa.String(length=64), nullable=False),
        sa.Column("corrects_seq", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('opened', 'note', 'status', 'step', 'link', 'reported', 'correction')",
            name=op.f("ck_incident_notes_kind_values"),
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["accounts.id"], name=op.f("fk_incident_notes_author_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_notes_incident_id_incidents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_notes")),
        sa.UniqueConstraint("incident_id", "seq", name=op.f("uq_incident_notes_incident_id")),
    )

    op.create_table(
        "emergency_plans",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", ID, nullable=True),
        sa.Column("reason", sa.String(length=400), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["accounts.id"], name=op.f("fk_emergency_plans_created_by_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_emergency_plans")),
        sa.UniqueConstraint("code", "version", name=op.f("uq_emergency_plans_code")),
    )

    op.create_table(
        "drills",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("plan_code", sa.String(length=32), nullable=False),
        sa.Column("plan_version", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("scheduled_for", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("participants", sa.Text(), nullable=False),
        sa.Column("figures", sa.Text(), nullable=False),
        sa.Column("log", sa.Text(), nullable=False),
        sa.Column("created_by", ID, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('restore', 'compromised_admin', 'audit_tamper')",
            name=op.f("ck_drills_kind_values"),
        ),
        sa.CheckConstraint(
            "state IN ('planned', 'passed', 'failed')", name=op.f("ck_drills_state_values")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["accounts.id"], name=op.f("fk_drills_created_by_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drills")),
    )
    with op.batch_alter_table("drills", schema=None) as batch_op:
        batch_op.create_index("ix_drills_plan", ["plan_code", "finished_at"], unique=False)

    op.create_table(
        "drill_steps",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("drill_id", ID, nullable=False),
        sa.Column("seq", sa.SmallInteger(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=8), nullable=False),
        sa.Column("ms", sa.Integer(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "outcome IN ('pass', 'fail', 'skip')", name=op.f("ck_drill_steps_outcome_values")
        ),
        sa.ForeignKeyConstraint(
            ["drill_id"], ["drills.id"], name=op.f("fk_drill_steps_drill_id_drills")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drill_steps")),
        sa.UniqueConstraint("drill_id", "seq", name=op.f("uq_drill_steps_drill_id")),
    )

    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)
    else:
        for statement in PG_TRIGGERS:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in SQLITE_TRIGGER_NAMES:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    else:
        op.execute("DROP FUNCTION IF EXISTS jz_incident_refuse() CASCADE")
    op.drop_table("drill_steps")
    with op.batch_alter_table("drills", schema=None) as batch_op:
        batch_op.drop_index("ix_drills_plan")
    op.drop_table("drills")
    op.drop_table("emergency_plans")
    op.drop_table("incident_notes")
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index("ix_incidents_status")
    op.drop_table("incidents")
