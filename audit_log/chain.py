"""Appending to the chain: canonical encoding, SM3 hashes, the head lock, anchors.

``record`` joins the caller's transaction, so the event commits if and only if the change
does. Writers serialise on the single ``audit_head`` row (``SELECT … FOR UPDATE`` on
PostgreSQL; SQLite writers already hold the database's write lock), so concurrent consoles
never fork the chain or reuse a sequence number.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, event, insert, select, update
from sqlalchemy.orm import Session

from audit_log.actor import Actor
from audit_log.models import AuditAnchor, AuditEvent, AuditHead
from casedb import crypto
from casedb.engine import UnitOfWork

OUTCOMES = ("ok", "denied", "failed")
_SECRET_KEYS = {
    "password",
    "password_hash",
    "passphrase",
    "secret",
    "totp_secret",
    "token",
    "activation_code",
    "otp",
    "key",
    "data_key",
}
_SECRET_SUFFIXES = ("_password", "_secret", "_token", "_passphrase", "_code_hash")


def mask_id_number(value: str) -> str:
    return value[:6] + "*" * 8 + value[-4:] if len(value) >= 15 else "*" * len(value)


def mask_mobile(value: str) -> str:
    return value[:3] + "****" + value[-4:] if len(value) >= 11 else "*" * len(value)


def _safe(key: str, value: Any) -> Any:
    low = key.lower()
    if value is None:
        return None
    if low in _SECRET_KEYS or low.endswith(_SECRET_SUFFIXES):
        return "***"
    if "id_number" in low or low in ("idcard", "id_card"):
        return mask_id_number(str(value))
    if "mobile" in low or "phone" in low:
        return mask_mobile(str(value))
    if isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, (list, tuple)):
        return [_safe(key, v) for v in value]
    if isinstance(value, dict):
        return {str(k): _safe(str(k), v) for k, v in value.items()}
    return str(value)


def field_diff(
    before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
) -> dict[str, list[Any]]:
    """{field: [before, after]} for the fields that differ; secrets never, personal data masked."""
    b, a = before or {}, after or {}
    out: dict[str, list[Any]] = {}
    for key in sorted(set(b) | set(a)):
        old, new = b.get(key), a.get(key)
        if old != new or key not in b or key not in a:
            out[key] = [_safe(key, old), _safe(key, new)]
    return out


_CANONICAL = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def format_at(at: datetime) -> str:
    """``2026-11-24T08:00:00.000000Z`` (isoformat is several times faster than strftime)."""
    if at.tzinfo is None:  # naive values are UTC (how SQLite hands them back)
        return at.isoformat(timespec="microseconds") + "Z"
    if at.tzinfo is not UTC:
        at = at.astimezone(UTC)
    return at.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def canonical(
    seq: int,
    at: datetime,
    actor: str,
    actor_id: int | None,
    acting_as: str,
    host: str,
    terminal: str,
    action: str,
    target_kind: str,
    target_id: str,
    region_code: str | None,
    department_code: str | None,
    outcome: str,
    reason: str,
    diff: str,
    prev_hash: str,
) -> bytes:
    """Every field, in a fixed order, as compact UTF-8 JSON: what the hash covers."""
    return _CANONICAL.encode(
        [
            seq,
            format_at(at),
            actor,
            actor_id,
            acting_as,
            host,
            terminal,
            action,
            target_kind,
            target_id,
            region_code,
            department_code,
            outcome,
            reason,
            diff,
            prev_hash,
        ]
    ).encode("utf-8")


# The fields the hash covers, in canonical() order.
HASHED_FIELDS = (
    "seq", "at", "actor", "actor_id", "acting_as", "host", "terminal", "action", "target_kind",
    "target_id", "region_code", "department_code", "outcome", "reason", "diff", "prev_hash",
)  # fmt: skip


def hash_fields(fields: Mapping[str, Any]) -> str:
    """The SM3 hash of an event given as a mapping of its fields."""
    return crypto.sm3_hex(canonical(*(fields[f] for f in HASHED_FIELDS)))


def event_hash(ev: AuditEvent) -> str:
    return hash_fields({f: getattr(ev, f) for f in HASHED_FIELDS})


@dataclass(frozen=True)
class Head:
    chain_id: str
    seq: int
    hash: str
    anchor_every: int


@dataclass(frozen=True)
class Recorded:
    seq: int
    hash: str
    at: datetime


_HEAD = cast(Table, AuditHead.__table__)
_EVENTS = cast(Table, AuditEvent.__table__)


def lock_head(session: Session) -> Head:
    """Read the chain head, holding it until the transaction ends (PostgreSQL row lock;
    SQLite writers already hold the database's write lock)."""
    row = session.execute(
        select(_HEAD.c.chain_id, _HEAD.c.seq, _HEAD.c.hash, _HEAD.c.anchor_every)
        .where(_HEAD.c.id == 1)
        .with_for_update()
    ).one()
    return Head(row[0], row[1], row[2], row[3])


def record(
    session: Session,
    actor: Actor,
    action: str,
    *,
    target_kind: str = "",
    target_id: str = "",
    region: str | None = None,
    department: str | None = None,
    outcome: str = "ok",
    reason: str = "",
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    details: Mapping[str, Any] | None = None,
    at: datetime | None = None,
) -> Recorded:
    """Append one event in the caller's transaction (committed with it, or not at all).

    Core statements rather than ORM objects: this runs in every state-changing transaction,
    and the unit-of-work machinery tripled its cost.
    """
    if outcome not in OUTCOMES:
        raise ValueError(outcome)
    diff: dict[str, Any] = field_diff(before, after)
    if details:
        diff = {**diff, "_": {k: _safe(k, v) for k, v in details.items()}}
    head = lock_head(session)
    fields: dict[str, Any] = {
        "seq": head.seq + 1,
        "at": at or datetime.now(UTC),
        "actor": actor.login[:64],
        "actor_id": actor.account_id,
        "acting_as": actor.acting_as[:64],
        "host": actor.host[:128],
        "terminal": actor.terminal[:64],
        "action": action[:64],
        "target_kind": target_kind[:32],
        "target_id": str(target_id)[:64],
        "region_code": region,
        "department_code": department,
        "outcome": outcome,
        "reason": reason[:400],
        "diff": json.dumps(diff, ensure_ascii=False, sort_keys=True, separators=(",", ":")),
        "prev_hash": head.hash,
    }
    fields["hash"] = hash_fields(fields)
    session.execute(insert(_EVENTS), fields)
    session.execute(
        update(_HEAD).where(_HEAD.c.id == 1).values(seq=fields["seq"], hash=fields["hash"])
    )
    new_head = Head(head.chain_id, fields["seq"], fields["hash"], head.anchor_every)
    _pending(session)["head"] = (head.chain_id, new_head.seq, new_head.hash)
    if new_head.seq % head.anchor_every == 0:
        anchor_head(session, new_head)
    return Recorded(new_head.seq, new_head.hash, fields["at"])


def anchor_head(session: Session, head: Head | None = None) -> AuditAnchor | None:
    """Sign the current head with the anchor key (None when it is already anchored)."""
    head = head or lock_head(session)
    if head.seq == 0 or session.get(AuditAnchor, head.seq) is not None:
        return None
    from audit_log import anchors

    key = anchors.anchor_key(session, head.chain_id)
    anchor = AuditAnchor(
        seq=head.seq,
        hash=head.hash,
        at=datetime.now(UTC),
        key_id=anchors.key_id(key),
        mac=anchors.mac(key, head.chain_id, head.seq, head.hash),
    )
    session.add(anchor)
    session.flush()
    _pending(session).setdefault("anchors", []).append(anchors.anchor_line(head.chain_id, anchor))
    return anchor


def _pending(session: Session) -> dict[str, Any]:
    """What to write outside the database once (and only if) this transaction commits."""
    pending: dict[str, Any] | None = session.info.get("jz_audit_pending")
    if pending is None:
        pending = {}
        session.info["jz_audit_pending"] = pending
        if not session.info.get("jz_audit_hooked"):
            session.info["jz_audit_hooked"] = True
            event.listen(session, "after_commit", _after_commit)
            event.listen(session, "after_rollback", _after_rollback)
    return pending


def _after_commit(session: Session) -> None:
    pending = session.info.pop("jz_audit_pending", None)
    if pending:
        from audit_log import anchors

        anchors.write_outside(pending)


def _after_rollback(session: Session) -> None:
    session.info.pop("jz_audit_pending", None)


def record_refusal(
    uow: UnitOfWork,
    actor: Actor,
    action: str,
    *,
    reason: str,
    outcome: str = "denied",
    **kwargs: Any,
) -> None:
    """A refused or failed action is recorded in a transaction of its own, since the
    refused change itself rolls back."""
    with uow:
        record(uow.session, actor, action, outcome=outcome, reason=reason, **kwargs)
        uow.commit()
