"""Policy tables: Casbin ``p`` and ``g`` rules, and a version bumped with every change."""

from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, Index, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from casedb.models import Base, BigId

RULE_FIELDS = ("v0", "v1", "v2", "v3", "v4", "v5")


class PolicyRuleRow(Base):
    """One Casbin rule. ``p, role, action`` and ``g, a:<account id>, role, region|dept``.

    Unused fields hold "" rather than NULL so that the unique constraint holds on both
    backends (NULLs never collide)."""

    __tablename__ = "policy_rules"
    __table_args__ = (
        UniqueConstraint("ptype", "v0", "v1", "v2", "v3", "v4", "v5", name="uq_policy_rules_rule"),
        # Who holds a role in a domain (coverage, lint): g rules by domain.
        Index("ix_policy_rules_domain", "ptype", "v2", "v1"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    ptype: Mapped[str] = mapped_column(String(8))
    v0: Mapped[str] = mapped_column(String(100), default="")
    v1: Mapped[str] = mapped_column(String(100), default="")
    v2: Mapped[str] = mapped_column(String(100), default="")
    v3: Mapped[str] = mapped_column(String(100), default="")
    v4: Mapped[str] = mapped_column(String(100), default="")
    v5: Mapped[str] = mapped_column(String(100), default="")


class PolicyVersion(Base):
    """One row; bumped in the transaction of every policy change, so that other consoles
    notice (``Enforcer.reload_if_stale``)."""

    __tablename__ = "policy_version"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger)
