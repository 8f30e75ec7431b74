"""Personnel change requests, deputies and hand-overs, on casedb's declarative Base
(migration 0007). ``payload`` is JSON text: the requested new values, roles, unit and
successors (see accounts.changes)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from casedb.models import Base, BigId, UtcDateTime

CHANGE_KINDS = ("onboard", "modify", "transfer", "offboard", "suspend")
CHANGE_STATES = ("draft", "submitted", "reviewed", "executed", "rejected", "withdrawn", "expired")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class ChangeRequest(Base):
    __tablename__ = "change_requests"
    __table_args__ = (
        CheckConstraint(_in("kind", CHANGE_KINDS), name="kind_values"),
        CheckConstraint(_in("state", CHANGE_STATES), name="state_values"),
        Index("ix_change_requests_state_deadline", "state", "deadline"),
        Index("ix_change_requests_target", "target_account_id"),
        # Inboxes: open requests whose target lies in the actor's subtree (code range).
        Index("ix_change_requests_state_region", "state", "target_region"),
        Index("ix_change_requests_submitter", "submitted_by"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    # None for an onboarding until it is executed and the account exists.
    target_account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), default=None)
    # The unit the chain was resolved from (the target's unit when submitted).
    target_region: Mapped[str] = mapped_column(String(12))
    target_department: Mapped[str] = mapped_column(String(16))
    payload: Mapped[str] = mapped_column(Text, default="{}")
    reason: Mapped[str] = mapped_column(String(400), default="")
    doc_no: Mapped[str] = mapped_column(String(64), default="")
    # "region|department" of the reviewing and executing units, and their roles.
    reviewer_role: Mapped[str] = mapped_column(String(32))
    reviewer_unit: Mapped[str] = mapped_column(String(32))
    executor_role: Mapped[str] = mapped_column(String(32))
    executor_unit: Mapped[str] = mapped_column(String(32))
    submitted_by: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), default=None)
    # The reviewer a deputy acted for (None when the reviewer acted in person).
    reviewed_for: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), default=None)
    reviewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    executed_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), default=None)
    executed_for: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), default=None)
    executed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), default=None)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    rejected_reason: Mapped[str] = mapped_column(String(400), default="")
    # The current step's time limit.
    deadline: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # When the current step was reminded of (due soon) and escalated (overdue): once each.
    reminded_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    escalated_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    # Optimistic concurrency: every transition is UPDATE … WHERE state = :s AND version = :v.
    version: Mapped[int] = mapped_column(Integer, default=1)


class Deputy(Base):
    """Someone who may act for ``account_id`` on change requests between the two instants."""

    __tablename__ = "deputies"
    __table_args__ = (Index("ix_deputies_deputy", "deputy_id", "valid_until"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    deputy_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    valid_from: Mapped[datetime] = mapped_column(UtcDateTime)
    valid_until: Mapped[datetime] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ChangeHandover(Base):
    """One open case handed from the leaver to a successor by an executed request."""

    __tablename__ = "change_handovers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("change_requests.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    from_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    successor_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
