"""The audit trail's operations as the console calls them: authorised at entry by the
caller's ``may_read`` (``may_anchor`` for an anchor; see ``audit_log.access``), and each one
itself recorded (searches, exports and verifications included, refusals too)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from audit_log import anchors
from audit_log.access import ReadPolicy, authorize_read
from audit_log.actor import Actor
from audit_log.chain import anchor_head, lock_head, record
from audit_log.export import FORMATS, export
from audit_log.models import AuditAnchor
from audit_log.retention import ArchiveResult, archive
from audit_log.search import AuditQuery, Page, search
from audit_log.verify import Progress, VerifyResult, verify
from casedb.engine import Database
from casedb.errors import InvalidInput


def search_events(db: Database, actor: Actor, q: AuditQuery, *, may_read: ReadPolicy) -> Page:
    authorize_read(db, actor, "audit.search", may_read)
    with db.uow() as uow:
        page = search(uow.session, q)
        record(uow.session, actor, "audit.search", target_kind="audit", details=q.as_dict())
        uow.commit()
    return page


def verify_chain(
    db: Database,
    actor: Actor,
    *,
    may_read: ReadPolicy,
    from_seq: int | None = None,
    anchor_file: Path | None = None,
    progress: Progress | None = None,
) -> VerifyResult:
    authorize_read(db, actor, "audit.verify", may_read)
    if anchor_file is not None and not anchor_file.is_file():
        raise InvalidInput("err.file_not_found", path=str(anchor_file))
    with db.read() as session:
        result = verify(session, from_seq=from_seq, anchor_file=anchor_file, progress=progress)
    with db.uow() as uow:
        record(
            uow.session,
            actor,
            "audit.verify",
            target_kind="audit",
            outcome="ok" if result.clean else "failed",
            reason="" if result.clean else f"first bad event {result.first_bad_seq}",
            details={
                "from": from_seq,
                "events": result.events,
                "findings": len(result.findings),
                "first_bad_seq": result.first_bad_seq,
            },
        )
        uow.commit()
    return result


def export_events(
    db: Database, actor: Actor, q: AuditQuery, fmt: str, out: TextIO, *, may_read: ReadPolicy
) -> tuple[int, VerifyResult]:
    authorize_read(db, actor, "audit.export", may_read)
    if fmt not in FORMATS:
        raise InvalidInput("err.audit_format", fmt=fmt, formats=", ".join(FORMATS))
    with db.read() as session:
        result = verify(session)
        n = export(session, q, fmt, out, result)
    with db.uow() as uow:
        record(
            uow.session,
            actor,
            "audit.export",
            target_kind="audit",
            details={"format": fmt, "events": n, "clean": result.clean, **q.as_dict()},
        )
        uow.commit()
    return n, result


def anchor_now(db: Database, actor: Actor, *, may_anchor: ReadPolicy) -> dict[str, Any]:
    """Record the request and sign the head it makes; the anchor covers its own event.

    The audit admin's (``audit_log.access``): a refusal is recorded and raises."""
    authorize_read(db, actor, "audit.anchor", may_anchor)
    with db.uow() as uow:
        ev = record(uow.session, actor, "audit.anchor", target_kind="audit")
        head = lock_head(uow.session)
        # Recording may have anchored already (every N events): then that anchor is the one.
        anchor = anchor_head(uow.session, head) or uow.session.get(AuditAnchor, ev.seq)
        uow.commit()
    assert anchor is not None and anchor.seq == ev.seq
    return anchors.anchor_line(head.chain_id, anchor)


def archive_events(
    db: Database,
    actor: Actor,
    before: datetime,
    out: Path,
    *,
    may_read: ReadPolicy,
    keep_days: int | None = None,
) -> ArchiveResult:
    authorize_read(db, actor, "audit.archive", may_read)
    with db.uow() as uow:
        result = archive(uow.session, actor, before, out, keep_days=keep_days)
        uow.commit()
    return result
