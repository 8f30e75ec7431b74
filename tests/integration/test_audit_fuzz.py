"""Random damage to a stored chain: verify never says clean, and never crashes."""

from __future__ import annotations

import shutil
from pathlib import Path

import sqlalchemy as sa
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from accounts.org import load_divisions, shipped_divisions
from audit_log.verify import verify
from casedb.engine import Database
from casedb.reference import sync_reference
from casedb.schema import upgrade
from tests.support.audit import append, drop_guards

N = 30
FIELDS = ["at", "actor", "action", "target_id", "reason", "diff", "prev_hash", "hash", "outcome"]

damage = st.one_of(
    st.tuples(st.just("edit"), st.integers(1, N), st.sampled_from(FIELDS)),
    st.tuples(st.just("delete"), st.integers(1, N)),
    st.tuples(st.just("swap"), st.integers(1, N - 1)),
    st.tuples(st.just("cut"), st.integers(2, N)),
    st.tuples(st.just("drop_anchor"), st.sampled_from([10, 20, 30])),
    st.tuples(st.just("forge_anchor"), st.sampled_from([10, 20, 30])),
    st.tuples(st.just("head"), st.integers(-3, 3).filter(lambda d: d != 0)),
)


def apply(conn: sa.Connection, op: tuple) -> None:  # type: ignore[type-arg]
    kind = op[0]
    if kind == "edit":
        _, seq, column = op
        if column == "at":
            conn.execute(
                sa.text("UPDATE audit_events SET at = datetime(at, '+1 second') WHERE seq = :s"),
                {"s": seq},
            )
        elif column == "outcome":
            conn.execute(
                sa.text(
                    "UPDATE audit_events SET outcome = CASE outcome WHEN 'ok' THEN 'failed' ELSE 'ok' END WHERE seq = :s"
                ),
                {"s": seq},
            )
        else:
            conn.execute(
                sa.text(f"UPDATE audit_events SET {column} = {column} || 'x' WHERE seq = :s"),
                {"s": seq},
            )
    elif kind == "delete":
        conn.execute(sa.text("DELETE FROM audit_events WHERE seq = :s"), {"s": op[1]})
    elif kind == "swap":
        s = op[1]
        conn.execute(sa.text("UPDATE audit_events SET seq = -1 WHERE seq = :s"), {"s": s})
        conn.execute(
            sa.text("UPDATE audit_events SET seq = :s WHERE seq = :t"), {"s": s, "t": s + 1}
        )
        conn.execute(sa.text("UPDATE audit_events SET seq = :t WHERE seq = -1"), {"t": s + 1})
    elif kind == "cut":
        s = op[1]
        conn.execute(sa.text("DELETE FROM audit_events WHERE seq >= :s"), {"s": s})
        conn.execute(
            sa.text(
                "UPDATE audit_head SET seq = :p, hash = COALESCE((SELECT hash FROM audit_events WHERE seq = :p), hash)"
            ),
            {"p": s - 1},
        )
    elif kind == "drop_anchor":
        conn.execute(sa.text("DELETE FROM audit_anchors WHERE seq = :s"), {"s": op[1]})
    elif kind == "forge_anchor":
        conn.execute(
            sa.text("UPDATE audit_anchors SET mac = substr(mac, 2) || '0' WHERE seq = :s"),
            {"s": op[1]},
        )
    elif kind == "head":
        conn.execute(sa.text("UPDATE audit_head SET seq = seq + :d"), {"d": op[1]})


def dump(conn: sa.Connection) -> list[object]:
    return [
        conn.execute(sa.text(f"SELECT * FROM {table} ORDER BY 1")).all()
        for table in ("audit_events", "audit_anchors", "audit_head")
    ]


def test_random_damage_is_never_reported_clean(tmp_path: Path) -> None:
    template = tmp_path / "template.db"
    db = Database(f"sqlite:///{template}")
    upgrade(db.engine)
    with db.uow() as uow:
        sync_reference(uow.session.connection())
        load_divisions(uow.session.connection(), shipped_divisions()[:20])
        uow.commit()
    with db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE audit_head SET anchor_every = 10"))
    append(db, N, per_transaction=4)
    drop_guards(db)
    with db.read() as s:
        assert verify(s).clean
    db.dispose()
    counter = iter(range(10_000))

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(damage, min_size=1, max_size=3))
    def run(ops: list[tuple]) -> None:  # type: ignore[type-arg]
        copy = tmp_path / f"d{next(counter)}.db"
        shutil.copy(template, copy)
        victim = Database(f"sqlite:///{copy}")
        try:
            with victim.engine.begin() as conn:
                before = dump(conn)
                for op in ops:
                    apply(conn, op)
                # Two swaps of the same pair, say, undo each other: that is no damage.
                assume(dump(conn) != before)
            with victim.read() as s:
                result = verify(s)
            assert not result.clean, ops
            assert result.first_bad_seq is not None or any(
                f.kind == "key_missing" for f in result.findings
            )
        finally:
            victim.dispose()
            copy.unlink()

    run()
