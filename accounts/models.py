"""Credential and sign-in tables, on casedb's declarative Base (migration 0005).

Nothing here holds a secret in clear: passwords are argon2id hashes, activation codes and
session tokens are SM3 hashes, the TOTP secret is sealed with the data key (SM4-GCM,
accounts.personal), and the session token itself lives in the keyring only.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from casedb.models import Base, BigId, UtcDateTime


class Credential(Base):
    """One row per account: how it proves who it is, and its failure counter."""

    __tablename__ = "credentials"

    account_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True,
        autoincrement=False,
    )  # fmt: skip
    # None until the account is activated (or after a reset): there is no default password.
    password_hash: Mapped[str | None] = mapped_column(String(255), default=None)
    password_changed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    # JSON list of the last hashes, newest first (the current one included).
    password_history: Mapped[str] = mapped_column(Text, default="[]", server_default="[]")
    totp_secret: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    totp_enrolled_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    # The last TOTP time step accepted: a code is never accepted twice (replay).
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger, default=None)
    activation_code_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    activation_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    failed_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_failed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)


class SigninSession(Base):
    """A console session: only the SM3 hash of its token is kept here."""

    __tablename__ = "signin_sessions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    # signout | idle | replaced | unusable
    end_reason: Mapped[str] = mapped_column(String(16), default="", server_default="")
    host: Mapped[str] = mapped_column(String(128), default="", server_default="")
    terminal: Mapped[str] = mapped_column(String(64), default="", server_default="")
