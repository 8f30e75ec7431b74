"""Changing the working-day calendar (``jzctl calendar set``, the Rules area): one date's
override and its audit event in one transaction, by a holder of ``system.config`` for the
whole province (a refusal is recorded)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from accounts.authz import PROVINCE, Operator, require_province_config
from audit_log.chain import record
from casedb.calendar import CLEAR, KINDS, set_day
from casedb.errors import InvalidInput

Day = dict[str, Any] | None


def set_calendar_day(op: Operator, day: date, kind: str, name: str = "") -> tuple[Day, Day]:
    """Make ``day`` a holiday or a make-up working day, or clear it; (before, after)."""
    kind = kind.strip().lower()
    if kind not in (*KINDS, CLEAR):
        raise InvalidInput("err.calendar_kind_invalid", kind=kind)
    require_province_config(op, "calendar.set", "calendar", day.isoformat())
    now = datetime.now(UTC)
    with op.db.uow() as uow:
        before, after = set_day(uow.session, day, kind, name=name.strip(), by=op.actor.login,
                                at=now)  # fmt: skip
        record(uow.session, op.actor, "calendar.set", target_kind="calendar_day",
               target_id=day.isoformat(), region=PROVINCE, before=before, after=after,
               at=now)  # fmt: skip
        uow.commit()
    return before, after
