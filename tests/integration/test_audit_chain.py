"""The audit chain on SQLite and PostgreSQL: appended in the caller's transaction, guarded by
the database, and every kind of tampering named by ``verify`` at the first bad event."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from audit_log import anchors
from audit_log.chain import hash_fields, record, record_refusal
from audit_log.models import AuditEvent
from audit_log.verify import verify
from casedb import crypto, keystore
from casedb.engine import Database
from casedb.models import Region
from tests.support.audit import ACTOR, append, bulk_chain, drop_guards, raw


def check(db: Database):  # type: ignore[no-untyped-def]
    with db.read() as s:
        return verify(s)


@pytest.fixture
def chain(db: Database) -> Database:
    """25 events, an anchor every 10 (at 10 and 20)."""
    raw(db, "UPDATE audit_head SET anchor_every = 10")
    append(db, 25, per_transaction=3)
    return db


def kinds(result) -> list[tuple[str, int | None]]:  # type: ignore[no-untyped-def]
    return [(f.kind, f.seq) for f in result.findings]


def test_an_untouched_chain_verifies_clean(chain: Database) -> None:
    result = check(chain)
    assert result.clean, result.findings
    assert (result.events, result.last_seq, result.anchors, result.last_anchor) == (25, 25, 2, 20)
    assert result.unanchored_tail == 5
    anchor_lines = anchors.anchor_file(result.chain_id).read_text().splitlines()
    assert [json.loads(x)["seq"] for x in anchor_lines] == [10, 20]


def test_events_carry_who_where_and_a_masked_diff(db: Database) -> None:
    with db.uow() as uow:
        record(
            uow.session,
            ACTOR,
            "account.update",
            target_kind="account",
            target_id="7",
            before={"mobile": "13812345678", "id_number": "530102199001011234", "post": "a"},
            after={
                "mobile": "13912345678",
                "id_number": "530102199001011234",
                "post": "b",
                "password": "S3cret!pass",
            },
        )
        uow.commit()
    with db.read() as s:
        ev = s.scalars(sa.select(AuditEvent)).one()
    diff = json.loads(ev.diff)
    assert diff["mobile"] == ["138****5678", "139****5678"]
    assert diff["post"] == ["a", "b"]
    assert diff["password"] == [None, "***"]
    assert "id_number" not in diff  # unchanged fields are not in the diff
    assert "13812345678" not in ev.diff and "S3cret" not in ev.diff
    assert (ev.actor, ev.host, ev.terminal, ev.outcome) == (
        "tester",
        "testhost",
        "/dev/pts/9",
        "ok",
    )
    assert ev.at.tzinfo is not None


def test_the_event_commits_if_and_only_if_the_change_does(db: Database) -> None:
    with pytest.raises(RuntimeError), db.uow() as uow:
        uow.session.add(
            Region(code="530102001001", name="回滚村", level=5, parent_code="530102001000")
        )
        record(uow.session, ACTOR, "org.region.create", target_id="530102001001")
        uow.session.flush()
        raise RuntimeError("the change fails after its event was written")
    with db.read() as s:
        assert s.get(Region, "530102001001") is None
        assert s.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 0
    record_refusal(db.uow(), ACTOR, "org.import", reason="not allowed", target_id="x")
    with db.read() as s:
        ev = s.scalars(sa.select(AuditEvent)).one()
    assert (ev.seq, ev.outcome, ev.reason) == (1, "denied", "not allowed")
    assert check(db).clean


def test_the_database_refuses_to_alter_or_remove_events(chain: Database) -> None:
    for sql in (
        "UPDATE audit_events SET reason = 'x' WHERE seq = 3",
        "DELETE FROM audit_events WHERE seq = 3",
        "DELETE FROM audit_anchors WHERE seq = 10",
        "UPDATE audit_anchors SET mac = 'x' WHERE seq = 10",
        "UPDATE audit_head SET seq = 3",
        "DELETE FROM audit_head",
    ):
        with pytest.raises(DBAPIError):
            raw(chain, sql)
    assert check(chain).clean


def test_a_changed_event_is_named(chain: Database) -> None:
    drop_guards(chain)
    raw(chain, "UPDATE audit_events SET reason = 'nothing happened' WHERE seq = 7")
    result = check(chain)
    assert ("changed", 7) in kinds(result)
    assert result.first_bad_seq == 7


def test_a_deleted_event_is_a_gap(chain: Database) -> None:
    drop_guards(chain)
    raw(chain, "DELETE FROM audit_events WHERE seq = 7")
    result = check(chain)
    assert ("missing", 7) in kinds(result)
    assert result.first_bad_seq == 7


def test_an_inserted_event_breaks_the_link(chain: Database) -> None:
    """The intruder makes room at 6 and writes a self-consistent forged event there."""
    drop_guards(chain)
    with chain.engine.begin() as conn:
        rows = (
            conn.execute(
                sa.select(AuditEvent.__table__)
                .where(AuditEvent.seq >= 6)
                .order_by(AuditEvent.seq.desc())
            )
            .mappings()
            .all()
        )
        for r in rows:
            conn.execute(
                sa.update(AuditEvent.__table__)
                .where(AuditEvent.seq == r["seq"])
                .values(seq=r["seq"] + 1)
            )
        prev = conn.execute(sa.select(AuditEvent.hash).where(AuditEvent.seq == 5)).scalar_one()
        forged = dict(rows[-1], seq=6, reason="forged", prev_hash=prev)
        forged["hash"] = hash_fields(forged)
        conn.execute(sa.insert(AuditEvent.__table__), forged)
    result = check(chain)
    assert ("broken_link", 7) in kinds(result)
    assert result.first_bad_seq == 7


def test_reordered_events_are_named(chain: Database) -> None:
    drop_guards(chain)
    with chain.engine.begin() as conn:
        a = (
            conn.execute(sa.select(AuditEvent.__table__).where(AuditEvent.seq == 3))
            .mappings()
            .one()
        )
        b = (
            conn.execute(sa.select(AuditEvent.__table__).where(AuditEvent.seq == 4))
            .mappings()
            .one()
        )
        conn.execute(
            sa.update(AuditEvent.__table__)
            .where(AuditEvent.seq == 3)
            .values({k: v for k, v in b.items() if k != "seq"})
        )
        conn.execute(
            sa.update(AuditEvent.__table__)
            .where(AuditEvent.seq == 4)
            .values({k: v for k, v in a.items() if k != "seq"})
        )
    result = check(chain)
    assert result.first_bad_seq == 3
    assert {("changed", 3), ("changed", 4)} <= set(kinds(result))


def test_a_tail_cut_after_the_last_anchor_is_found(chain: Database) -> None:
    drop_guards(chain)
    with chain.engine.begin() as conn:
        h20 = conn.execute(sa.select(AuditEvent.hash).where(AuditEvent.seq == 20)).scalar_one()
        conn.execute(sa.text("DELETE FROM audit_events WHERE seq > 20"))
        conn.execute(sa.text("UPDATE audit_head SET seq = 20, hash = :h"), {"h": h20})
    result = check(chain)
    assert ("tail_cut", 21) in kinds(result)
    assert result.first_bad_seq == 21


def test_a_tail_cut_with_its_anchor_removed_is_found_from_the_anchor_file(
    chain: Database,
) -> None:
    drop_guards(chain)
    with chain.engine.begin() as conn:
        h14 = conn.execute(sa.select(AuditEvent.hash).where(AuditEvent.seq == 14)).scalar_one()
        conn.execute(sa.text("DELETE FROM audit_events WHERE seq > 14"))
        conn.execute(sa.text("DELETE FROM audit_anchors WHERE seq > 14"))
        conn.execute(sa.text("UPDATE audit_head SET seq = 14, hash = :h"), {"h": h14})
    with chain.read() as s:
        chain_id = s.execute(sa.text("SELECT chain_id FROM audit_head")).scalar_one()
    anchors.head_file(chain_id).unlink()  # even without this console's head witness
    result = check(chain)
    assert ("tail_cut", 15) in kinds(result)
    assert ("anchor_missing", 20) in kinds(result)
    assert result.first_bad_seq == 15


def test_a_rewritten_chain_is_caught_by_its_anchor(chain: Database) -> None:
    """The intruder edits event 5 and recomputes every hash after it, head included."""
    drop_guards(chain)
    with chain.engine.begin() as conn:
        rows = (
            conn.execute(sa.select(AuditEvent.__table__).order_by(AuditEvent.seq)).mappings().all()
        )
        prev = rows[3]["hash"]
        for r in rows[4:]:
            new = dict(r, prev_hash=prev)
            if r["seq"] == 5:
                new["reason"] = "rewritten"
            new["hash"] = hash_fields(new)
            conn.execute(
                sa.update(AuditEvent.__table__)
                .where(AuditEvent.seq == r["seq"])
                .values(prev_hash=new["prev_hash"], reason=new["reason"], hash=new["hash"])
            )
            prev = new["hash"]
        conn.execute(sa.text("UPDATE audit_head SET hash = :h"), {"h": prev})
    result = check(chain)
    assert ("anchor_mismatch", 10) in kinds(result)
    assert result.first_bad_seq == 10


def test_a_forged_anchor_is_named(chain: Database) -> None:
    drop_guards(chain)
    raw(chain, "UPDATE audit_anchors SET mac = :m WHERE seq = 10", m="ab" * 32)
    result = check(chain)
    assert ("anchor_forged", 10) in kinds(result)


def test_a_deleted_anchor_is_missing(chain: Database) -> None:
    drop_guards(chain)
    raw(chain, "DELETE FROM audit_anchors WHERE seq = 10")
    result = check(chain)
    assert ("anchor_missing", 10) in kinds(result)
    assert result.first_bad_seq == 10


def test_a_wrong_key_is_named(chain: Database) -> None:
    with chain.read() as s:
        chain_id = s.execute(sa.text("SELECT chain_id FROM audit_head")).scalar_one()
    keystore.set_secret(anchors.key_name(chain_id), crypto.random_bytes(32).hex())
    anchors.forget_cached_keys()
    result = check(chain)
    assert ("wrong_key", 10) in kinds(result)
    assert not result.clean


def test_a_missing_key_is_never_clean(chain: Database, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("JZ_KEYRING_FILE", str(tmp_path / "other.jzkr"))
    anchors.forget_cached_keys()
    result = check(chain)
    assert ("key_missing", None) in kinds(result)


def test_verify_from_a_sequence_number(chain: Database) -> None:
    with chain.read() as s:
        result = verify(s, from_seq=12)
    assert result.clean
    assert (result.first_seq, result.events) == (12, 14)


def test_a_hundred_thousand_events_verify_clean(db: Database) -> None:
    bulk_chain(db, 100_000)
    result = check(db)
    assert result.clean, result.findings[:5]
    assert result.events == 100_000
