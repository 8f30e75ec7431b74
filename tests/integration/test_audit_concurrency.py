"""Several consoles, one chain: concurrent writers never fork it or reuse a number."""

from __future__ import annotations

import multiprocessing

import pytest
import sqlalchemy as sa

from audit_log.models import AuditAnchor, AuditEvent
from audit_log.verify import verify
from casedb.engine import Database
from tests.support.audit import concurrent_writer


@pytest.mark.parametrize("db_url", ["postgresql", "sqlite"], indirect=True)
def test_four_consoles_writing_at_once_leave_one_unbroken_chain(db: Database) -> None:
    per_process = 500 if db.backend == "postgresql" else 150
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(4) as pool:
        seconds = pool.starmap(
            concurrent_writer, [(db.raw_url, per_process, f"console{i}") for i in range(4)]
        )
    total = 4 * per_process
    with db.read() as s:
        seqs = s.scalars(sa.select(AuditEvent.seq).order_by(AuditEvent.seq)).all()
        per_actor = dict(
            s.execute(sa.select(AuditEvent.actor, sa.func.count()).group_by(AuditEvent.actor)).all()
        )
        anchored = s.scalars(sa.select(AuditAnchor.seq)).all()
        result = verify(s)
    assert list(seqs) == list(range(1, total + 1))
    assert per_actor == {f"console{i}": per_process for i in range(4)}
    assert result.clean, result.findings[:5]
    assert list(anchored) == list(range(1000, total + 1, 1000))
    assert max(seconds) < 120
