"""Helpers to build and damage audit chains in tests (raw SQL, as an intruder would)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from audit_log.actor import Actor
from audit_log.chain import HASHED_FIELDS, hash_fields, record
from audit_log.models import GENESIS_HASH, AuditEvent
from casedb.engine import Database

ACTOR = Actor(login="tester", host="testhost", terminal="/dev/pts/9")


def append(db: Database, n: int, *, per_transaction: int = 50, action: str = "test.event") -> None:
    """n events through the real ``record`` path (anchors included)."""
    done = 0
    while done < n:
        with db.uow() as uow:
            for _ in range(min(per_transaction, n - done)):
                done += 1
                record(
                    uow.session,
                    ACTOR,
                    action,
                    target_kind="thing",
                    target_id=str(done),
                    region="530102000000",
                    reason=f"event {done}",
                    before={"name": "old"},
                    after={"name": f"new {done}"},
                )
            uow.commit()


def bulk_chain(db: Database, n: int, *, start_at: datetime | None = None) -> None:
    """A long valid chain written directly (for volume tests); no anchors, head updated."""
    at0 = start_at or datetime(2026, 1, 1, tzinfo=UTC)
    prev = GENESIS_HASH
    rows = []
    with db.uow() as uow:
        head_row = uow.session.execute(sa.text("SELECT seq, hash FROM audit_head")).one()
        assert head_row[0] == 0
        uow.session.execute(sa.text("UPDATE audit_head SET anchor_every = :n"), {"n": n + 1})
        for seq in range(1, n + 1):
            at = at0 + timedelta(seconds=seq)
            diff = json.dumps({"n": [seq - 1, seq]}, separators=(",", ":"))
            row = dict(
                zip(
                    HASHED_FIELDS,
                    (seq, at, "bulk", None, "", "h", "-", "bulk.event", "k", str(seq), None,
                     None, "ok", "", diff, prev),
                    strict=True,
                )
            )  # fmt: skip
            h = hash_fields(row)
            rows.append({**row, "hash": h})
            prev = h
            if len(rows) == 10_000:
                uow.session.execute(sa.insert(AuditEvent), rows)
                rows.clear()
        if rows:
            uow.session.execute(sa.insert(AuditEvent), rows)
        uow.session.execute(
            sa.text("UPDATE audit_head SET seq = :s, hash = :h"), {"s": n, "h": prev}
        )
        uow.commit()


def drop_guards(db: Database) -> None:
    """What an intruder with database rights does first: switch the triggers off."""
    with db.engine.begin() as conn:
        if db.backend == "sqlite":
            names = (
                conn.execute(sa.text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
                .scalars()
                .all()
            )
            for name in names:
                conn.execute(sa.text(f"DROP TRIGGER {name}"))
        else:
            for table in ("audit_events", "audit_anchors", "audit_head", "audit_archives"):
                conn.execute(sa.text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))


def raw(db: Database, sql: str, **params: object) -> None:
    with db.engine.begin() as conn:
        conn.execute(sa.text(sql), params)


def concurrent_writer(url: str, n: int, name: str) -> float:
    """One console appending n events, one transaction each; returns its seconds."""
    import time

    from audit_log.actor import Actor

    db = Database(url)
    me = Actor(login=name, host=name, terminal="-")
    started = time.perf_counter()
    for i in range(n):
        with db.uow() as uow:
            record(uow.session, me, "test.concurrent", target_id=f"{name}-{i}")
            uow.commit()
    db.dispose()
    return time.perf_counter() - started
