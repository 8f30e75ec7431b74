"""Recompute the chain and check the anchors; name exactly what is wrong, and where.

Finding kinds:
- ``changed``: an event's stored hash does not match its fields (edited in place);
- ``missing``: sequence numbers skipped (events deleted);
- ``broken_link``: an event does not point at the hash of the one before it (inserted,
  reordered or rewritten);
- ``tail_cut``: an anchor, the head row or this console's head witness knows events beyond
  the last one stored;
- ``head_mismatch``: the head row disagrees with the last event;
- ``anchor_forged``: an anchor's MAC does not verify under the key;
- ``anchor_mismatch``: an anchor signs a hash the stored event no longer has (rewritten chain);
- ``anchor_missing``: an anchor due every N events, or one in the anchor file, is not stored;
- ``wrong_key``: anchors were made with another key than the one in this keyring;
- ``key_missing``: the keyring holds no anchor key for this chain, so anchors are unchecked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, func, select, type_coerce
from sqlalchemy.orm import Session

from audit_log import anchors as anchor_mod
from audit_log.chain import canonical
from audit_log.models import GENESIS_HASH, AuditAnchor, AuditArchive, AuditEvent, AuditHead
from casedb import crypto
from casedb.errors import InvalidInput

Progress = Callable[[int, int], None]
PROGRESS_EVERY = 2_000


@dataclass(frozen=True)
class Finding:
    kind: str
    seq: int | None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class VerifyResult:
    chain_id: str
    events: int = 0
    first_seq: int | None = None
    last_seq: int | None = None
    anchors: int = 0
    last_anchor: int | None = None
    unanchored_tail: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.findings

    @property
    def first_bad_seq(self) -> int | None:
        seqs = [f.seq for f in self.findings if f.seq is not None]
        return min(seqs) if seqs else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "chain": self.chain_id,
            "clean": self.clean,
            "events": self.events,
            "first_seq": self.first_seq,
            "last_seq": self.last_seq,
            "anchors": self.anchors,
            "last_anchor": self.last_anchor,
            "unanchored_tail": self.unanchored_tail,
            "first_bad_seq": self.first_bad_seq,
            "findings": [{"kind": f.kind, "seq": f.seq, **f.detail} for f in self.findings],
        }


_COLUMNS = (
    AuditEvent.seq,
    # The stored value as the driver gives it (naive UTC on SQLite): one conversion fewer
    # per event on the hot path; canonical() formats either form identically.
    type_coerce(AuditEvent.at, DateTime()),
    AuditEvent.actor,
    AuditEvent.actor_id,
    AuditEvent.acting_as,
    AuditEvent.host,
    AuditEvent.terminal,
    AuditEvent.action,
    AuditEvent.target_kind,
    AuditEvent.target_id,
    AuditEvent.region_code,
    AuditEvent.department_code,
    AuditEvent.outcome,
    AuditEvent.reason,
    AuditEvent.diff,
    AuditEvent.prev_hash,
    AuditEvent.hash,
)


def verify(
    session: Session,
    *,
    from_seq: int | None = None,
    anchor_file: Path | None = None,
    progress: Progress | None = None,
    batch: int = 20_000,
) -> VerifyResult:
    head = session.execute(select(AuditHead).where(AuditHead.id == 1)).scalar_one()
    result = VerifyResult(chain_id=head.chain_id)
    findings = result.findings

    boundary = session.execute(
        select(AuditArchive.last_seq, AuditArchive.boundary_hash)
        .order_by(AuditArchive.last_seq.desc())
        .limit(1)
    ).first()
    start, prev = (boundary[0] + 1, boundary[1]) if boundary else (1, GENESIS_HASH)
    if from_seq is not None and from_seq > start:
        before = session.execute(
            select(AuditEvent.seq, AuditEvent.hash)
            .where(AuditEvent.seq < from_seq)
            .order_by(AuditEvent.seq.desc())
            .limit(1)
        ).first()
        if before is not None:
            start, prev = before[0] + 1, before[1]
        else:
            start = from_seq

    db_anchors = {
        a.seq: a for a in session.scalars(select(AuditAnchor).where(AuditAnchor.seq >= start))
    }
    total = (
        session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.seq >= start))
        or 0
    )
    stored_hash: dict[int, str] = {}
    wanted = set(db_anchors)
    file_path = anchor_file or anchor_mod.anchor_file(head.chain_id)
    file_anchors = [
        a for a in anchor_mod.read_anchor_file(file_path, head.chain_id) if a.seq >= start
    ]
    wanted |= {a.seq for a in file_anchors}
    witness = anchor_mod.read_head_witness(head.chain_id)
    if witness is not None and witness[0] >= start:
        wanted.add(witness[0])

    expected = start
    last_hash = prev
    done = 0
    # Core rows on the session's connection: no ORM row loading on the hot path.
    rows = session.connection().execute(
        select(*_COLUMNS).where(AuditEvent.seq >= start).order_by(AuditEvent.seq),
        execution_options={"yield_per": batch},
    )
    for row in rows:
        seq = row[0]
        if result.first_seq is None:
            result.first_seq = seq
        if seq != expected:
            findings.append(Finding("missing", expected, {"to": seq - 1, "count": seq - expected}))
        elif row[15] != last_hash:
            findings.append(Finding("broken_link", seq))
        recomputed = crypto.sm3_hex(canonical(*row[:16]))  # type: ignore[arg-type]
        if recomputed != row[16]:
            findings.append(Finding("changed", seq))
        if seq in wanted:
            stored_hash[seq] = row[16]
        last_hash = row[16]
        expected = seq + 1
        done += 1
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done, total)
    if progress is not None:
        progress(done, total)
    result.events = done
    last_seq = expected - 1 if done else start - 1
    result.last_seq = last_seq if done else None

    if head.seq > last_seq:
        findings.append(Finding("tail_cut", last_seq + 1, {"known_by": "head", "head": head.seq}))
    elif head.seq < last_seq:
        findings.append(Finding("head_mismatch", head.seq + 1, {"head": head.seq}))
    elif done and head.hash != last_hash:
        findings.append(Finding("head_mismatch", last_seq, {"head": head.seq}))
    if witness is not None:
        w_seq, w_hash = witness
        if w_seq > last_seq:
            findings.append(
                Finding("tail_cut", last_seq + 1, {"known_by": "witness", "head": w_seq})
            )
        elif w_seq in stored_hash and stored_hash[w_seq] != w_hash:
            findings.append(Finding("anchor_mismatch", w_seq, {"source": "witness"}))

    _check_anchors(result, head, db_anchors, file_anchors, stored_hash, last_seq, start)
    findings.sort(key=lambda f: (f.seq if f.seq is not None else -1, f.kind))
    return result


def _check_anchors(
    result: VerifyResult,
    head: AuditHead,
    db_anchors: dict[int, AuditAnchor],
    file_anchors: list[anchor_mod.FileAnchor],
    stored_hash: dict[int, str],
    last_seq: int,
    start: int,
) -> None:
    findings = result.findings
    key: bytes | None = None
    keyring_problem = ""
    if db_anchors or file_anchors:
        try:
            key = anchor_mod.load_key(head.chain_id)
        except InvalidInput as exc:  # no keyring here: the chain is still checked
            keyring_problem = exc.key
    all_anchors: list[tuple[str, int, str, str, str]] = [
        ("database", a.seq, a.hash, a.key_id, a.mac) for a in db_anchors.values()
    ]
    db_seqs = set(db_anchors)
    for fa in file_anchors:
        all_anchors.append(("file", fa.seq, fa.hash, fa.key_id, fa.mac))
        if fa.seq not in db_seqs:
            findings.append(Finding("anchor_missing", fa.seq, {"source": "file"}))
    if all_anchors and key is None:
        detail = {"keyring": keyring_problem} if keyring_problem else {}
        findings.append(Finding("key_missing", None, detail))
    wrong_key_reported = False
    for source, seq, hash_, kid, mac in all_anchors:
        if key is not None:
            if kid != anchor_mod.key_id(key):
                if not wrong_key_reported:
                    findings.append(Finding("wrong_key", seq, {"source": source}))
                    wrong_key_reported = True
                continue
            if not anchor_mod.mac_ok(key, head.chain_id, seq, hash_, mac):
                findings.append(Finding("anchor_forged", seq, {"source": source}))
                continue
        if seq > last_seq:
            findings.append(Finding("tail_cut", last_seq + 1, {"known_by": source, "head": seq}))
        elif seq in stored_hash and stored_hash[seq] != hash_:
            findings.append(Finding("anchor_mismatch", seq, {"source": source}))
        elif seq not in stored_hash and seq >= start:
            findings.append(Finding("anchor_mismatch", seq, {"source": source, "event": "absent"}))
    every = head.anchor_every
    first_due = ((start + every - 1) // every) * every
    for due in range(first_due, last_seq + 1, every):
        if due not in db_seqs:
            findings.append(Finding("anchor_missing", due, {"source": "database"}))
    anchored = [s for s in db_seqs if s <= last_seq]
    result.anchors = len(db_anchors)
    result.last_anchor = max(anchored) if anchored else None
    result.unanchored_tail = last_seq - (result.last_anchor or start - 1)
    # One cause may show in several places (a cut tail loses both events and anchors);
    # keep each (kind, seq) once.
    unique: dict[tuple[str, int | None], Finding] = {}
    for f in findings:
        unique.setdefault((f.kind, f.seq), f)
    result.findings[:] = list(unique.values())
