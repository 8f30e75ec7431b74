"""Annual account review (账号年度复核) campaigns and their items, on casedb's declarative Base
(migration 0008). See accounts.review for the rules."""

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

CAMPAIGN_STATES = ("open", "closed")
DECISIONS = ("pending", "confirmed", "revoked")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class ReviewCampaign(Base):
    """One review of every account at ``level`` (1 province … 5 village) in the scope
    ``region_code``'s subtree × ``department`` (a department code or ``*``)."""

    __tablename__ = "review_campaigns"
    __table_args__ = (
        CheckConstraint(_in("state", CAMPAIGN_STATES), name="state_values"),
        CheckConstraint("level BETWEEN 1 AND 5", name="level_range"),
        Index("ix_review_campaigns_state", "state", "level"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    level: Mapped[int] = mapped_column(SmallInteger)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    department: Mapped[str] = mapped_column(String(16))
    year: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(80), default="")
    state: Mapped[str] = mapped_column(String(8))
    items: Mapped[int] = mapped_column(Integer, default=0)
    started_by: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # The end of the last working day reviewers have; pending items escalate after it.
    deadline: Mapped[datetime] = mapped_column(UtcDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), default=None)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)


class ReviewItem(Base):
    """One account to confirm or revoke: its unit, the reviewer resolved by the change chain
    when the campaign started, and its grants then (JSON list of [role, region, department])."""

    __tablename__ = "review_items"
    __table_args__ = (
        UniqueConstraint("campaign_id", "account_id", name="uq_review_items_campaign_id"),
        CheckConstraint(_in("decision", DECISIONS), name="decision_values"),
        # Status per unit, and the items a reviewer's grants reach (code range).
        Index("ix_review_items_campaign_unit", "campaign_id", "unit_region", "unit_department"),
        Index("ix_review_items_account", "account_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("review_campaigns.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    unit_region: Mapped[str] = mapped_column(String(12))
    unit_department: Mapped[str] = mapped_column(String(16))
    reviewer_role: Mapped[str] = mapped_column(String(32))
    reviewer_unit: Mapped[str] = mapped_column(String(32))
    grants: Mapped[str] = mapped_column(Text, default="[]")
    decision: Mapped[str] = mapped_column(String(12), default="pending")
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), default=None)
    # The reviewer a deputy decided for (None when the reviewer decided in person).
    decided_for: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    note: Mapped[str] = mapped_column(String(400), default="")
    change_request_id: Mapped[int | None] = mapped_column(
        ForeignKey("change_requests.id"), default=None
    )
    escalated_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
