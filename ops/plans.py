"""Emergency plans (DOMAIN.md art. 18): versioned plans per incident category with ordered
steps, owner roles and contacts; the drill kind that exercises each one.

A plan is a small TOML document (``ops/plan_files/*.toml`` ship version 1 of one plan per
category). ``edit`` stores the next version in ``emergency_plans``; no version is ever
rewritten, so an incident keeps pointing at the version it was handled under. Who may edit:
the security or the system admin (as for incidents); the three separated roles may read.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from audit_log.actor import Actor
from audit_log.chain import record
from audit_log.incident_models import DRILL_KINDS, INCIDENT_CATEGORIES, EmergencyPlan
from audit_log.incidents import WRITE_ACTIONS, Authorize, authorise
from casedb import crypto
from casedb.engine import UnitOfWork
from casedb.errors import Conflict, InvalidInput, NotFound
from rbac.templates import TEMPLATES

PLAN_FOLDER = "plan_files"
ACTION_EDIT = "plan.edit"
MAX_SOURCE = 64_000


@dataclass(frozen=True)
class Step:
    title: str
    owner_role: str


@dataclass(frozen=True)
class Plan:
    code: str
    version: int
    category: str
    title: str
    owner_role: str
    drill: str | None
    contacts: tuple[str, ...]
    steps: tuple[Step, ...]
    source: str
    origin: str = "shipped"  # shipped | edited
    created_at: datetime | None = None
    reason: str = ""

    @property
    def digest(self) -> str:
        return crypto.sm3_hex(self.source.encode("utf-8"))[:16]

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "version": self.version,
            "category": self.category,
            "title": self.title,
            "owner_role": self.owner_role,
            "drill": self.drill,
            "contacts": list(self.contacts),
            "steps": [
                {"n": i, "title": s.title, "owner_role": s.owner_role}
                for i, s in enumerate(self.steps, 1)
            ],
            "origin": self.origin,
            "created_at": self.created_at.isoformat() if self.created_at else None,
            "reason": self.reason,
            "digest": self.digest,
        }


def _bad(reason: str, where: str) -> InvalidInput:
    return InvalidInput("err.plan_bad", reason_key=f"plan.problem.{reason}", where=where)


def _role(value: Any, where: str) -> str:
    if not isinstance(value, str) or value not in TEMPLATES:
        raise _bad("role", f"{where}: {value}")
    return value


def _string(doc: dict[str, Any], key: str, limit: int) -> str:
    value = doc.get(key)
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise _bad("field", key)
    return value.strip()


def parse(text: str, *, version: int = 1, origin: str = "shipped") -> Plan:
    """A plan from its TOML text; any problem is one clear InvalidInput."""
    if len(text) > MAX_SOURCE:
        raise _bad("too_long", "-")
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _bad("toml", str(exc).splitlines()[0][:120]) from None
    code = _string(doc, "code", 32)
    if not code.replace("_", "").isalnum() or not code.isascii():
        raise _bad("field", "code")
    category = _string(doc, "category", 32)
    if category not in INCIDENT_CATEGORIES:
        raise _bad("category", category)
    drill = doc.get("drill")
    if drill is not None and drill not in DRILL_KINDS:
        raise _bad("drill", str(drill))
    contacts = doc.get("contacts", [])
    if not isinstance(contacts, list) or not all(isinstance(c, str) for c in contacts):
        raise _bad("field", "contacts")
    raw_steps = doc.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise _bad("no_steps", "steps")
    steps = []
    for i, raw in enumerate(raw_steps, 1):
        if not isinstance(raw, dict):
            raise _bad("field", f"steps[{i}]")
        steps.append(Step(_string(raw, "title", 400), _role(raw.get("owner_role"), f"steps[{i}]")))
    return Plan(
        code=code,
        version=version,
        category=category,
        title=_string(doc, "title", 200),
        owner_role=_role(doc.get("owner_role"), "owner_role"),
        drill=drill,
        contacts=tuple(c.strip() for c in contacts if c.strip()),
        steps=tuple(steps),
        source=text,
        origin=origin,
    )


@cache
def shipped() -> dict[str, Plan]:
    folder = resources.files("ops") / PLAN_FOLDER
    out: dict[str, Plan] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            plan = parse(entry.read_text("utf-8"))
            out[plan.code] = plan
    return out


def _from_row(row: EmergencyPlan) -> Plan:
    plan = parse(row.source, version=row.version, origin="edited")
    return Plan(**{**plan.__dict__, "created_at": row.created_at, "reason": row.reason})


def current(s: Session, code: str) -> Plan:
    row = s.scalars(
        select(EmergencyPlan)
        .where(EmergencyPlan.code == code)
        .order_by(EmergencyPlan.version.desc())
        .limit(1)
    ).first()
    if row is not None:
        return _from_row(row)
    plan = shipped().get(code)
    if plan is None:
        raise NotFound("err.plan_not_found", code=code, codes=", ".join(sorted(shipped())))
    return plan


def version_of(s: Session, code: str, version: int) -> Plan:
    row = s.scalars(
        select(EmergencyPlan).where(EmergencyPlan.code == code, EmergencyPlan.version == version)
    ).first()
    if row is not None:
        return _from_row(row)
    plan = shipped().get(code)
    if plan is not None and version == plan.version:
        return plan
    raise NotFound("err.plan_version_not_found", code=code, version=version)


def all_current(s: Session) -> list[Plan]:
    codes = set(shipped()) | set(s.scalars(select(EmergencyPlan.code).distinct()))
    return [current(s, c) for c in sorted(codes)]


def history(s: Session, code: str) -> list[Plan]:
    rows = s.scalars(
        select(EmergencyPlan).where(EmergencyPlan.code == code).order_by(EmergencyPlan.version)
    ).all()
    out = [_from_row(r) for r in rows]
    if code in shipped() and not any(p.version == 1 for p in out):
        out.insert(0, shipped()[code])
    if not out:
        raise NotFound("err.plan_not_found", code=code, codes=", ".join(sorted(shipped())))
    return out


def for_category(s: Session, category: str) -> Plan | None:
    """The plan an incident of ``category`` starts (the one coded as the category, else the
    first whose category matches)."""
    try:
        return current(s, category)
    except NotFound:
        pass
    for plan in all_current(s):
        if plan.category == category:
            return plan
    return None


def for_drill(s: Session, kind: str) -> Plan:
    for plan in all_current(s):
        if plan.drill == kind:
            return plan
    raise NotFound("err.plan_for_drill_missing", kind=kind)


@dataclass(frozen=True)
class EditPlan:
    """A new version of plan ``code`` from its full TOML text."""

    code: str
    text: str
    reason: str = ""


def edit(
    cmd: EditPlan,
    uow: UnitOfWork,
    actor: Actor,
    *,
    authorize: Authorize,
    now: datetime | None = None,
) -> Plan:
    at = now or datetime.now(UTC)
    plan = parse(cmd.text)
    if plan.code != cmd.code:
        raise InvalidInput("err.plan_code_differs", code=cmd.code, found=plan.code)
    reason = cmd.reason.strip()[:400]
    authorise(uow, actor, ACTION_EDIT, authorize, WRITE_ACTIONS, target_kind="plan",
              target_id=cmd.code)  # fmt: skip
    with uow:
        s = uow.session
        try:
            before = current(s, cmd.code)
        except NotFound:
            before = None
        if before is not None and before.source.strip() == cmd.text.strip():
            raise Conflict("err.plan_unchanged", code=cmd.code, version=before.version)
        last = s.scalar(select(func.max(EmergencyPlan.version)).where(
            EmergencyPlan.code == cmd.code))  # fmt: skip
        version = max(last or 0, before.version if before else 0) + 1
        s.add(EmergencyPlan(code=cmd.code, version=version, category=plan.category,
                            source=cmd.text, created_at=at, created_by=actor.account_id,
                            reason=reason))  # fmt: skip
        s.flush()
        record(s, actor, ACTION_EDIT, target_kind="plan", target_id=cmd.code, reason=reason,
               before={"version": before.version, "digest": before.digest} if before else None,
               after={"version": version, "digest": plan.digest,
                      "steps": len(plan.steps)}, at=at)  # fmt: skip
        uow.commit()
    return Plan(**{**plan.__dict__, "version": version, "origin": "edited",
                   "created_at": at, "reason": reason})  # fmt: skip
