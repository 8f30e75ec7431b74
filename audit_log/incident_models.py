"""Tables of the incident register (DOMAIN.md art. 13 and 18): incidents and report-and-file
records, their append-only timeline, emergency plans (versioned) and drills with their steps.

``incident_notes`` is append-only in the database itself: triggers (migration 0011) refuse
UPDATE, DELETE and TRUNCATE, so a correction is a new note that names the one it corrects.
``incidents`` rows move through their states but are never deleted (a trigger refuses it).
Plans and drills live here too, below ``ops``, so that one module declares the register.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from casedb.models import Base, BigId, UtcDateTime

# The national cyber-incident plan's classes (国家网络安全事件应急预案).
INCIDENT_CATEGORIES = (
    "harmful_program",
    "network_attack",
    "information_destruction",
    "information_content",
    "equipment_failure",
    "disaster",
    "other",
)
# Report-and-file (报告备案, art. 13): upgrades, interface changes, major failures.
FILING_CATEGORIES = ("system_upgrade", "interface_change", "major_failure")
KINDS = ("incident", "filing")
GRADES = ("I", "II", "III", "IV")
STATUSES = ("open", "contained", "resolved", "reviewed")
NOTE_KINDS = ("opened", "note", "status", "step", "link", "reported", "correction")
LINK_KINDS = ("audit", "backup", "drill")
DRILL_KINDS = ("restore", "compromised_admin", "audit_tamper")
DRILL_STATES = ("planned", "passed", "failed")
STEP_OUTCOMES = ("pass", "fail", "skip")


def _values(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class Incident(Base):
    __tablename__ = "incidents"
    __table_args__ = (
        CheckConstraint(_values("kind", KINDS), name="kind_values"),
        CheckConstraint(_values("status", STATUSES), name="status_values"),
        CheckConstraint(
            _values("category", INCIDENT_CATEGORIES + FILING_CATEGORIES), name="category_values"
        ),
        CheckConstraint("grade IS NULL OR " + _values("grade", GRADES), name="grade_values"),
        Index("ix_incidents_status", "status", "opened_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(32))
    grade: Mapped[str | None] = mapped_column(String(4), default=None)
    title: Mapped[str] = mapped_column(String(200))
    systems: Mapped[str] = mapped_column(String(400), default="")
    units: Mapped[str] = mapped_column(String(400), default="")
    reporter: Mapped[str] = mapped_column(String(64))
    opened_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), default=None)
    detected_at: Mapped[datetime] = mapped_column(UtcDateTime)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(16), default="open")
    status_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Reporting to the provincial office: due by grade (None: no deadline), when done.
    report_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    reported_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    plan_code: Mapped[str | None] = mapped_column(String(32), default=None)
    plan_version: Mapped[int | None] = mapped_column(Integer, default=None)
    version: Mapped[int] = mapped_column(Integer, default=1)


class IncidentNote(Base):
    """One entry of an incident's timeline: appended, never edited or deleted."""

    __tablename__ = "incident_notes"
    __table_args__ = (
        UniqueConstraint("incident_id", "seq"),
        CheckConstraint(_values("kind", NOTE_KINDS), name="kind_values"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), default=None)
    author: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text, default="")
    ref_kind: Mapped[str] = mapped_column(String(16), default="")
    ref_id: Mapped[str] = mapped_column(String(64), default="")
    corrects_seq: Mapped[int | None] = mapped_column(Integer, default=None)


class EmergencyPlan(Base):
    """One version of an emergency plan; an edit adds the next version, never rewrites one."""

    __tablename__ = "emergency_plans"
    __table_args__ = (UniqueConstraint("code", "version"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(Text)  # the plan as its TOML text
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), default=None)
    reason: Mapped[str] = mapped_column(String(400), default="")


class Drill(Base):
    __tablename__ = "drills"
    __table_args__ = (
        CheckConstraint(_values("kind", DRILL_KINDS), name="kind_values"),
        CheckConstraint(_values("state", DRILL_STATES), name="state_values"),
        Index("ix_drills_plan", "plan_code", "finished_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(24))
    plan_code: Mapped[str] = mapped_column(String(32))
    plan_version: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16))
    scheduled_for: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    participants: Mapped[str] = mapped_column(Text, default="[]")
    figures: Mapped[str] = mapped_column(Text, default="{}")
    log: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class DrillStep(Base):
    __tablename__ = "drill_steps"
    __table_args__ = (
        UniqueConstraint("drill_id", "seq"),
        CheckConstraint(_values("outcome", STEP_OUTCOMES), name="outcome_values"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    drill_id: Mapped[int] = mapped_column(ForeignKey("drills.id"))
    seq: Mapped[int] = mapped_column(SmallInteger)
    name: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(8))
    ms: Mapped[int] = mapped_column(Integer, default=0)  # how long the step took
    detail: Mapped[str] = mapped_column(Text, default="{}")
