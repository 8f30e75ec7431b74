"""Retention: events younger than the retention period (default 184 days, the legal minimum;
configurable upward only) are never removed. Older ones are archived to a verified export,
and only then removed; the archive row keeps the boundary hash, so the chain still verifies
across the cut."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from audit_log.actor import Actor
from audit_log.chain import record
from audit_log.models import AuditArchive, AuditEvent
from audit_log.search import view
from audit_log.verify import verify
from casedb import crypto
from casedb.errors import Conflict, InvalidInput

RETENTION_FLOOR_DAYS = 184


@dataclass(frozen=True)
class ArchiveResult:
    first_seq: int
    last_seq: int
    events: int
    file: str
    file_sm3: str
    boundary_hash: str


def retention_days(configured: int | None = None) -> int:
    days = configured if configured is not None else RETENTION_FLOOR_DAYS
    if days < RETENTION_FLOOR_DAYS:
        raise InvalidInput("err.audit_retention_floor", days=days, floor=RETENTION_FLOOR_DAYS)
    return days


def archive(
    session: Session,
    actor: Actor,
    before: datetime,
    out: Path,
    *,
    keep_days: int | None = None,
    now: datetime | None = None,
) -> ArchiveResult:
    """Move the oldest events (all older than both ``before`` and the retention period) to
    ``out``; the caller commits. Refuses a damaged chain and an existing file."""
    now = now or datetime.now(UTC)
    cutoff = min(before, now - timedelta(days=retention_days(keep_days)))
    if out.exists():
        raise Conflict("err.audit_archive_exists", path=str(out))
    result = verify(session)
    if not result.clean:
        raise Conflict("err.audit_archive_unverified", seq=result.first_bad_seq)
    first_young = session.scalar(select(func.min(AuditEvent.seq)).where(AuditEvent.at >= cutoff))
    first = session.scalar(select(func.min(AuditEvent.seq)))
    if first is None:
        raise InvalidInput("err.audit_archive_nothing", cutoff=cutoff.date().isoformat())
    last = (
        (first_young - 1)
        if first_young is not None
        else session.scalar(select(func.max(AuditEvent.seq)))
    )
    if last is None or last < first:
        raise InvalidInput("err.audit_archive_nothing", cutoff=cutoff.date().isoformat())
    boundary = session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == last))
    prev = session.scalar(select(AuditEvent.prev_hash).where(AuditEvent.seq == first))
    assert boundary is not None and prev is not None
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    digest = crypto.Sm3Stream()
    with tmp.open("w", encoding="utf-8") as fh:
        head = {
            "jzctl_audit_archive": 1,
            "chain": result.chain_id,
            "first_seq": first,
            "last_seq": last,
            "prev_hash": prev,
            "boundary_hash": boundary,
            "cutoff": cutoff.isoformat(),
        }
        line = json.dumps(head, ensure_ascii=False) + "\n"
        fh.write(line)
        digest.update(line.encode())
        stmt = select(AuditEvent).where(AuditEvent.seq <= last).order_by(AuditEvent.seq)
        for ev in session.scalars(stmt, execution_options={"yield_per": 5000}):
            doc = view(ev).as_dict()
            doc["actor_id"] = ev.actor_id
            line = json.dumps(doc, ensure_ascii=False) + "\n"
            fh.write(line)
            digest.update(line.encode())
        fh.flush()
        os.fsync(fh.fileno())
    file_sm3 = digest.hexdigest()
    count = last - first + 1
    session.add(
        AuditArchive(
            first_seq=first,
            last_seq=last,
            boundary_hash=boundary,
            events=count,
            file_name=str(out),
            file_sm3=file_sm3,
            at=now,
        )
    )
    session.flush()
    session.execute(delete(AuditEvent).where(AuditEvent.seq <= last))
    record(
        session,
        actor,
        "audit.archive",
        target_kind="audit",
        target_id=f"{first}-{last}",
        details={"events": count, "file": str(out), "file_sm3": file_sm3, "boundary": boundary},
    )
    session.flush()
    os.replace(tmp, out)
    return ArchiveResult(first, last, count, str(out), file_sm3, boundary)
