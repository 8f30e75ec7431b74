"""Tables of case supervision (DOMAIN.md, art. 21-24): step time limits as data, and
supervision notices (督办) with their timeline.

* ``case_step_limits`` holds an admin's limit for one service item's step; a step without a
  row takes the shipped default (``casedb.limits``).
* ``supervision_notices``: one notice per case, sent by a supervising office to the unit
  responsible for the case's current step. Notices issued together on a filtered set share a
  ``batch``. A notice goes issued → handled → resulted → reported → closed (交必办、办必果、
  果必报); ``due_at`` is the notice's own limit for the unit's report.
* ``supervision_events``: the notice's timeline, appended, never rewritten.
* ``ix_cases_open_created`` on ``cases``: open cases by age, for the 10-day rule.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, SmallInteger, String, text
from sqlalchemy.orm import Mapped, mapped_column

from casedb.models import OPEN_CASE, Base, BigId, Case, UtcDateTime

LIMIT_UNITS: tuple[str, ...] = ("hours", "days", "workdays")
NOTICE_STATES: tuple[str, ...] = ("issued", "handled", "resulted", "reported", "closed")
OPEN_NOTICE = text("closed_at IS NULL")


# Open cases by age: the 10-day rule (art. 22) reads the oldest open cases first.
IX_CASES_OPEN_CREATED = Index(
    "ix_cases_open_created",
    Case.created_at,
    sqlite_where=OPEN_CASE,
    postgresql_where=OPEN_CASE,
)


def _values(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class CaseStepLimit(Base):
    """An admin's time limit for one step of one service item (overrides the default)."""

    __tablename__ = "case_step_limits"
    __table_args__ = (
        CheckConstraint(_values("unit", LIMIT_UNITS), name="unit_values"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    item_code: Mapped[str] = mapped_column(ForeignKey("service_items.code"), primary_key=True)
    step: Mapped[str] = mapped_column(String(24), primary_key=True)
    amount: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(8))
    set_by: Mapped[str] = mapped_column(String(64))
    set_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SupervisionNotice(Base):
    """A supervision notice on one case, to the unit responsible for its current step."""

    __tablename__ = "supervision_notices"
    __table_args__ = (
        CheckConstraint(_values("state", NOTICE_STATES), name="state_values"),
        Index("ix_supervision_notices_case", "case_id", "issued_at"),
        # Open notices of a unit (its inbox) and the overdue ones, by department and subtree.
        Index(
            "ix_supervision_notices_open_unit",
            "unit_department",
            "unit_region",
            "due_at",
            sqlite_where=OPEN_NOTICE,
            postgresql_where=OPEN_NOTICE,
        ),
        Index("ix_supervision_notices_batch", "batch"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    batch: Mapped[str] = mapped_column(String(32))
    unit_region: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    unit_department: Mapped[str] = mapped_column(ForeignKey("departments.code"))
    state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(400))
    # The case's step when the notice went out (what the unit was asked to move on).
    step: Mapped[str] = mapped_column(String(24))
    step_level: Mapped[int] = mapped_column(SmallInteger)
    issued_by: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), default=None)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)


class SupervisionEvent(Base):
    """One entry of a notice's timeline: issued, a reply (handled, resulted, reported), closed."""

    __tablename__ = "supervision_events"
    __table_args__ = (Index("ix_supervision_events_notice", "notice_id", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("supervision_notices.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    action: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), default=None)
    note: Mapped[str] = mapped_column(String(400), default="")
