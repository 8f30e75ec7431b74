"""The shared schema: reference tables, accounts (simplest form) and the case tables.

Every table lives on one declarative ``Base`` whose metadata carries a naming convention, so
that Alembic can name and later alter constraints on SQLite (batch mode) and PostgreSQL alike.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    TypeDecorator,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit identity.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out, whatever the backend stores."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Region(Base):
    __tablename__ = "regions"
    __table_args__ = (CheckConstraint("level BETWEEN 1 AND 5", name="level_range"),)

    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    level: Mapped[int] = mapped_column(SmallInteger)
    parent_code: Mapped[str | None] = mapped_column(
        ForeignKey("regions.code"), index=True, default=None
    )


class Department(Base):
    __tablename__ = "departments"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(40))
    name_en: Mapped[str] = mapped_column(String(80))
    sort: Mapped[int] = mapped_column(SmallInteger)


class ServiceItem(Base):
    __tablename__ = "service_items"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    department_code: Mapped[str] = mapped_column(ForeignKey("departments.code"))
    name_zh: Mapped[str] = mapped_column(String(40))
    name_en: Mapped[str] = mapped_column(String(80))
    sort: Mapped[int] = mapped_column(SmallInteger)


ACCOUNT_STATUSES = ("pending", "active", "locked", "suspended", "disabled", "archived")


class Account(Base):
    """A real-name account. ID number and mobile are kept encrypted (SM4-GCM, ``*_cipher``),
    found by a keyed blind index (HMAC-SM3, ``*_index``) and shown masked (``*_masked``);
    see accounts/personal.py. Demo and legacy rows may carry the masked form only."""

    __tablename__ = "accounts"
    __table_args__ = (
        Index("ix_accounts_unit", "region_code", "department_code"),
        CheckConstraint(
            "status IN (" + ", ".join(f"'{s}'" for s in ACCOUNT_STATUSES) + ")",
            name="status_values",
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    login_name: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(64))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    department_code: Mapped[str] = mapped_column(ForeignKey("departments.code"))
    post: Mapped[str] = mapped_column(String(40), default="")
    # Display form only (530102********1234); the clear number lives in id_cipher.
    id_masked: Mapped[str] = mapped_column(String(18), default="")
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Personal data (accounts/personal.py): one person (blind index of the ID number), one account.
    id_cipher: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    id_index: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    mobile_cipher: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    mobile_index: Mapped[str | None] = mapped_column(String(64), index=True, default=None)
    mobile_masked: Mapped[str] = mapped_column(String(11), default="", server_default="")
    key_version: Mapped[int | None] = mapped_column(SmallInteger, default=None)
    wechat_id: Mapped[str] = mapped_column(String(64), default="", server_default="")
    # Validity window (secondments, temporary posts): outside it the account can do nothing.
    valid_from: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    valid_until: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    status_changed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    status_reason: Mapped[str] = mapped_column(String(200), default="", server_default="")


OPEN_CASE = text("closed_at IS NULL")


class Case(Base):
    """A work order (工单): a citizen's request in a village, handled step by step."""

    __tablename__ = "cases"
    __table_args__ = (
        # Open cases of one handler (hand-over on offboarding, reassignment).
        Index(
            "ix_cases_open_assignee",
            "assignee_id",
            sqlite_where=OPEN_CASE,
            postgresql_where=OPEN_CASE,
        ),
        # Open and overdue cases of a department in a region subtree (code range).
        Index(
            "ix_cases_open_dept_region",
            "department_code",
            "region_code",
            "step_deadline",
            sqlite_where=OPEN_CASE,
            postgresql_where=OPEN_CASE,
        ),
        # Open cases in a region subtree across departments (org show, dashboards).
        Index(
            "ix_cases_open_region",
            "region_code",
            "department_code",
            sqlite_where=OPEN_CASE,
            postgresql_where=OPEN_CASE,
        ),
        Index("ix_cases_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_no: Mapped[str] = mapped_column(String(24), unique=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    department_code: Mapped[str] = mapped_column(ForeignKey("departments.code"))
    item_code: Mapped[str] = mapped_column(ForeignKey("service_items.code"))
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    step: Mapped[str] = mapped_column(String(24))
    step_level: Mapped[int] = mapped_column(SmallInteger)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), default=None)
    step_deadline: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)


class CaseEvent(Base):
    """One step in a case's history; appended, never rewritten."""

    __tablename__ = "case_events"
    __table_args__ = (Index("ix_case_events_case", "case_id", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    action: Mapped[str] = mapped_column(String(24))
    step: Mapped[str] = mapped_column(String(24))
    step_level: Mapped[int] = mapped_column(SmallInteger)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), default=None)
    note: Mapped[str] = mapped_column(String(200), default="")
