"""Times as users write and read them: the province's local time (Asia/Shanghai unless
``JZ_TZ`` says otherwise); stored and compared in UTC."""

from __future__ import annotations

import os
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from casedb.errors import InvalidInput


def local_zone() -> tzinfo:
    try:
        return ZoneInfo(os.environ.get("JZ_TZ", "Asia/Shanghai"))
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def parse_local(value: str) -> datetime:
    """``2026-11-01``, ``2026-11-01 08:00`` or an ISO time with offset, as aware UTC."""
    text = value.strip().replace("/", "-")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput("err.date_invalid", value=value) from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=local_zone())
    return parsed.astimezone(UTC)


def show_local(at: datetime, *, seconds: bool = True) -> str:
    return at.astimezone(local_zone()).strftime(
        "%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M"
    )
