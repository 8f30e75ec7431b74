"""Step time limits (DOMAIN.md, art. 21-22; seed 003) as data, and the deadlines they give.

Every step of a case has a limit, in ``hours`` (clock time), ``days`` (calendar days) or
``workdays`` (the working-day calendar, ``casedb.calendar``). The shipped defaults follow the
water rule of seed 003, which the other items share until an admin sets their own limits
(``case_step_limits``, one row per item and step; a row always wins):

* the county accepts or refuses within 24 hours,
* the township goes on site within 2 working days,
* the county department approves within 5 working days,
* the township fixes the problem (carries the decision out) within 5 working days,
* the village reports back to the citizen within 2 working days.

A case still open 10 days after it was raised is supervised by the provincial office
(art. 22: "超过10天仍未办结"; calendar days, as the text counts them).

This module sits in ``casedb``: it reads and writes rows and reports what it changed; the
caller records the audit event in the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from casedb.calendar import WorkCalendar
from casedb.errors import InvalidInput
from casedb.reference import ITEMS
from casedb.regions import Level
from casedb.supervision_models import LIMIT_UNITS, CaseStepLimit

HOURS, DAYS, WORKDAYS = "hours", "days", "workdays"
# A limit beyond this is a typing mistake, not a rule.
MAX_AMOUNT = {HOURS: 24 * 30, DAYS: 90, WORKDAYS: 60}


@dataclass(frozen=True)
class StepDef:
    code: str
    level: Level  # who handles the step: county, township or village


# The life of a case (the platform's work-order flow; accounts.demo seeds the same steps).
STEPS: tuple[StepDef, ...] = (
    StepDef("accept", Level.COUNTY),
    StepDef("investigate", Level.TOWNSHIP),
    StepDef("approve", Level.COUNTY),
    StepDef("deliver", Level.TOWNSHIP),
    StepDef("feedback", Level.VILLAGE),
)
STEP_CODES: tuple[str, ...] = tuple(s.code for s in STEPS)
STEP_LEVEL: dict[str, int] = {s.code: int(s.level) for s in STEPS}
ITEM_CODES: tuple[str, ...] = tuple(it.code for it in ITEMS)

# Art. 22: open longer than this and the provincial office supervises.
PROVINCE_SUPERVISION_DAYS = 10
# Art. 21: remind this many working days before a step's limit runs out.
DUE_SOON_WORKDAYS = 1
# A supervision notice's own limit for the unit's report, unless the supervisor sets one.
NOTICE_REPLY_WORKDAYS = 3
NOTICE_REPLY_MAX_WORKDAYS = 30


@dataclass(frozen=True)
class Limit:
    amount: int
    unit: str

    def as_dict(self) -> dict[str, Any]:
        return {"amount": self.amount, "unit": self.unit}

    def deadline(self, start: datetime, cal: WorkCalendar) -> datetime:
        """When a step started at ``start`` runs out of time."""
        if self.unit == HOURS:
            return start + timedelta(hours=self.amount)
        if self.unit == DAYS:
            return start + timedelta(days=self.amount)
        return cal.add_workdays(start, self.amount)


DEFAULT_STEP_LIMITS: dict[str, Limit] = {
    "accept": Limit(24, HOURS),
    "investigate": Limit(2, WORKDAYS),
    "approve": Limit(5, WORKDAYS),
    "deliver": Limit(5, WORKDAYS),
    "feedback": Limit(2, WORKDAYS),
}
# Seed 003 states the water rule in full; other items take the defaults above until set.
DEFAULT_ITEM_LIMITS: dict[tuple[str, str], Limit] = {
    ("drinking_water", "accept"): Limit(24, HOURS),
    ("drinking_water", "investigate"): Limit(2, WORKDAYS),
    ("drinking_water", "deliver"): Limit(5, WORKDAYS),
}


@dataclass(frozen=True)
class LimitRow:
    item: str
    step: str
    level: int
    limit: Limit
    source: str  # "table" (an admin's) or "default"

    def as_dict(self) -> dict[str, Any]:
        return {"item": self.item, "step": self.step, "level": self.level,
                **self.limit.as_dict(), "source": self.source}  # fmt: skip


@dataclass
class Limits:
    """Every item's step limits: the admin's rows over the shipped defaults."""

    overrides: Mapping[tuple[str, str], Limit] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session) -> Limits:
        rows = session.execute(
            select(
                CaseStepLimit.item_code,
                CaseStepLimit.step,
                CaseStepLimit.amount,
                CaseStepLimit.unit,
            )
        ).all()
        return cls({(r.item_code, r.step): Limit(r.amount, r.unit) for r in rows})

    def source(self, item: str, step: str) -> str:
        return "table" if (item, step) in self.overrides else "default"

    def of(self, item: str, step: str) -> Limit:
        found = self.overrides.get((item, step)) or DEFAULT_ITEM_LIMITS.get((item, step))
        if found is not None:
            return found
        return DEFAULT_STEP_LIMITS.get(step, Limit(5, WORKDAYS))

    def deadline(self, item: str, step: str, start: datetime, cal: WorkCalendar) -> datetime:
        return self.of(item, step).deadline(start, cal)

    def rows(self, item: str | None = None) -> list[LimitRow]:
        items = [item] if item is not None else list(ITEM_CODES)
        return [
            LimitRow(i, s.code, int(s.level), self.of(i, s.code), self.source(i, s.code))
            for i in items
            for s in STEPS
        ]


def check_limit(item: str, step: str, amount: int, unit: str) -> Limit:
    if item not in ITEM_CODES:
        raise InvalidInput("err.case_item_unknown", item=item[:32])
    if step not in STEP_CODES:
        raise InvalidInput("err.case_step_unknown", step=step[:24], steps=", ".join(STEP_CODES))
    if unit not in LIMIT_UNITS:
        raise InvalidInput("err.case_limit_unit", unit=unit[:16], units=", ".join(LIMIT_UNITS))
    if not 0 < amount <= MAX_AMOUNT[unit]:
        raise InvalidInput("err.case_limit_amount", amount=amount, max=MAX_AMOUNT[unit], unit=unit)
    return Limit(amount, unit)


def set_limit(
    session: Session, item: str, step: str, amount: int, unit: str, *, by: str, at: datetime
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Set one item's step limit; returns the limit before and after for the audit event."""
    new = check_limit(item, step, amount, unit)
    before = Limits.load(session).of(item, step)
    row = session.get(CaseStepLimit, (item, step))
    if row is None:
        session.add(CaseStepLimit(item_code=item, step=step, amount=new.amount, unit=new.unit,
                                  set_by=by[:64], set_at=at))  # fmt: skip
    else:
        row.amount, row.unit, row.set_by, row.set_at = new.amount, new.unit, by[:64], at
    session.flush()
    return before.as_dict(), new.as_dict()
