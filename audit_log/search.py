"""Finding events: filters on time, actor, action prefix, region subtree, outcome and target,
newest first, paged by keyset (``before`` a sequence number), never by offset."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from audit_log.chain import format_at
from audit_log.models import AuditEvent
from casedb.regions import subtree_bounds

MAX_LIMIT = 1000


@dataclass(frozen=True)
class AuditQuery:
    since: datetime | None = None
    until: datetime | None = None
    actor: str | None = None
    action: str | None = None  # a prefix: "account." matches account.create, account.lock …
    region: str | None = None  # a 12-digit code; its subtree matches
    outcome: str | None = None
    target_kind: str | None = None
    target_id: str | None = None
    before: int | None = None  # keyset cursor: events with a smaller sequence number
    limit: int = 50

    def as_dict(self) -> dict[str, Any]:
        return {
            k: (format_at(v) if isinstance(v, datetime) else v)
            for k, v in self.__dict__.items()
            if v is not None and k not in ("limit",)
        }


@dataclass(frozen=True)
class EventView:
    seq: int
    at: datetime
    actor: str
    acting_as: str
    host: str
    terminal: str
    action: str
    target_kind: str
    target_id: str
    region_code: str | None
    department_code: str | None
    outcome: str
    reason: str
    diff: dict[str, Any]
    prev_hash: str
    hash: str

    def as_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["at"] = format_at(self.at)
        return d


@dataclass(frozen=True)
class Page:
    events: list[EventView]
    next_before: int | None


def filtered(q: AuditQuery) -> Select[Any]:
    stmt = select(AuditEvent)
    if q.since is not None:
        stmt = stmt.where(AuditEvent.at >= q.since)
    if q.until is not None:
        stmt = stmt.where(AuditEvent.at < q.until)
    if q.actor:
        stmt = stmt.where(AuditEvent.actor == q.actor)
    if q.action:
        prefix = q.action.rstrip("*")
        if prefix.endswith("."):
            stmt = stmt.where(AuditEvent.action.startswith(prefix, autoescape=True))
        else:
            stmt = stmt.where(
                (AuditEvent.action == prefix)
                | AuditEvent.action.startswith(prefix + ".", autoescape=True)
            )
    if q.region:
        lo, hi = subtree_bounds(q.region)
        stmt = stmt.where(AuditEvent.region_code.between(lo, hi))
    if q.outcome:
        stmt = stmt.where(AuditEvent.outcome == q.outcome)
    if q.target_kind:
        stmt = stmt.where(AuditEvent.target_kind == q.target_kind)
    if q.target_id:
        stmt = stmt.where(AuditEvent.target_id == q.target_id)
    return stmt


def view(ev: AuditEvent) -> EventView:
    try:
        diff = json.loads(ev.diff)
    except ValueError:
        diff = {"_raw": ev.diff}
    return EventView(
        ev.seq,
        ev.at,
        ev.actor,
        ev.acting_as,
        ev.host,
        ev.terminal,
        ev.action,
        ev.target_kind,
        ev.target_id,
        ev.region_code,
        ev.department_code,
        ev.outcome,
        ev.reason,
        diff,
        ev.prev_hash,
        ev.hash,
    )


def search(session: Session, q: AuditQuery) -> Page:
    limit = max(1, min(q.limit, MAX_LIMIT))
    stmt = filtered(q)
    if q.before is not None:
        stmt = stmt.where(AuditEvent.seq < q.before)
    rows = list(session.scalars(stmt.order_by(AuditEvent.seq.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return Page([view(r) for r in rows], rows[-1].seq if more and rows else None)


def parse_filters(
    *,
    since: str | None = None,
    until: str | None = None,
    actor: str | None = None,
    action: str | None = None,
    region: str | None = None,
    outcome: str | None = None,
    target: str | None = None,
    before: int | None = None,
    limit: int = 50,
) -> AuditQuery:
    """Filters as a person types them, checked one by one with a clear error each."""
    from casedb.clock import parse_local
    from casedb.errors import InvalidInput
    from casedb.regions import expand

    region_code = None
    if region:
        region_code = expand(region)
        if region_code is None:
            raise InvalidInput("err.region_not_found", code=region)
    if outcome and outcome not in ("ok", "denied", "failed"):
        raise InvalidInput("err.outcome_invalid", value=outcome)
    kind = ident = None
    if target:
        kind, _, rest = target.partition(":")
        if not kind:
            raise InvalidInput("err.target_invalid", value=target)
        ident = rest or None
    return AuditQuery(
        since=parse_local(since) if since else None,
        until=parse_local(until) if until else None,
        actor=actor or None,
        action=action or None,
        region=region_code,
        outcome=outcome or None,
        target_kind=kind,
        target_id=ident,
        before=before,
        limit=limit,
    )
