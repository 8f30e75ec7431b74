"""The three drills end to end on both backends, in a sandbox: their steps and figures
recorded, a failing step recorded as such, and the live database unchanged (checksum of
every table before and after), including what lives outside it (anchor files, keyring)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from accounts.authz import Operator, operator_for
from audit_log import anchors
from audit_log.chain import record
from audit_log.models import AuditEvent
from audit_log.verify import verify as audit_verify
from casedb import keystore
from casedb.engine import Database
from casedb.errors import Conflict, InvalidInput, PermissionDenied
from ops import backup, catalogue, drills, keys, plans
from ops import verify as bverify
from tests.support.people import SETUP, make_person

PROVINCE = "530000000000"
REGISTER = ("drills", "drill_steps", "audit_events", "audit_head", "audit_anchors")


@pytest.fixture
def live(db: Database) -> Iterator[tuple[Database, Operator]]:
    sys_id = make_person(db, "sys.admin", region=PROVINCE, department="coord",
                         role="system_admin", role_department="*", password=None)  # fmt: skip
    make_person(db, "dept.admin", role="dept_admin")
    make_person(db, "clerk", role="caseworker")
    with db.uow() as uow:  # some history for the chain
        for i in range(5):
            record(uow.session, SETUP, "test.setup", target_id=str(i))
        uow.commit()
    yield db, operator_for(db, sys_id, "sys.admin")


def _outside(db: Database) -> dict[str, str | None]:
    """What lives outside the database and belongs to it: anchor files, head witness, keys."""
    with db.read() as s:
        chain = s.execute(sa.text("SELECT chain_id FROM audit_head")).scalar_one()
    out: dict[str, str | None] = {}
    for path in (anchors.anchor_file(chain), anchors.head_file(chain)):
        out[path.name] = path.read_text() if path.exists() else None
    out["data-key-current"] = keystore.get_secret(f"data-key:{chain}:current")
    return out


def _run(db: Database, op: Operator, kind: str, **kw: object) -> drills.DrillView:
    head = _head(db)
    before = drills.checksum(db)
    outside = _outside(db)
    view = drills.run_drill(drills.RunDrill(kind=kind, **kw), db, op.actor,  # type: ignore[arg-type]
                            authorize=op.authorize)  # fmt: skip
    after = drills.checksum(db, skip=REGISTER)
    assert {k: v for k, v in before.tables.items() if k not in REGISTER} == after.tables
    # Outside the database: the anchor file and data key as they were; the head witness
    # at the live head (the drill's own event), never at a sandbox's.
    now_out = _outside(db)
    assert {k: v for k, v in now_out.items() if not k.endswith(".head.json")} == {
        k: v for k, v in outside.items() if not k.endswith(".head.json")
    }
    witness = [json.loads(v) for k, v in now_out.items() if k.endswith(".head.json") and v]
    assert [w["seq"] for w in witness] == [_head(db)]
    with db.read() as s:
        new = s.scalars(sa.select(AuditEvent.action).where(AuditEvent.seq > head)).all()
        assert set(new) <= {"drill.run", "backup.verify"}, new
        assert audit_verify(s).clean
    return view


def _head(db: Database) -> int:
    with db.read() as s:
        return int(s.execute(sa.text("SELECT seq FROM audit_head")).scalar_one())


def _steps(view: drills.DrillView) -> dict[str, str]:
    return {s.name: s.outcome for s in view.steps}


def test_compromised_admin_drill(live: tuple[Database, Operator]) -> None:
    db, op = live
    view = _run(db, op, "compromised_admin", target_login="dept.admin",
                participants=("sys.admin", "王五"))  # fmt: skip
    assert view.state == "passed", view.steps
    assert _steps(view) == {
        "choose_target": "pass", "sandbox_copy": "pass", "attacker_signed_in": "pass",
        "emergency_suspend": "pass", "sessions_ended": "pass", "credentials_rotated": "pass",
        "data_key_rotated": "pass", "can_do_nothing": "pass", "audit_trail_complete": "pass",
        "live_unchanged": "pass",
    }  # fmt: skip
    assert view.figures["target"] == "dept.admin"
    assert view.figures["denied_checks"] > 0 and view.figures["audit_findings"] == 0
    assert "containment_seconds" in view.figures and view.participants == ("sys.admin", "王五")
    assert view.plan_code == "network_attack"
    # The live account was never touched.
    with db.read() as s:
        status = s.execute(sa.text("SELECT status FROM accounts WHERE login_name = 'dept.admin'"))
        assert status.scalar_one() == "active"


def test_audit_tamper_drill_names_the_damage(live: tuple[Database, Operator]) -> None:
    db, op = live
    view = _run(db, op, "audit_tamper")
    assert view.state == "passed", view.steps
    damage = view.figures["damage"]
    assert f"changed@{damage['edited']}" in view.figures["findings"]
    assert f"missing@{damage['deleted']}" in view.figures["findings"]
    assert view.plan_code == "information_destruction"


def test_restore_drill_measures_rto_and_rpo(
    live: tuple[Database, Operator], tmp_path: Path
) -> None:
    db, op = live
    root = tmp_path / "backups"
    bkeys = keys.load(create=True)
    made = backup.create(db, op.actor, bkeys, root=root)
    # Without a verified backup the drill fails at its first step, and says so.
    failed = _run(db, op, "restore", backup_root=root)
    assert failed.state == "failed"
    assert failed.steps[0].outcome == "fail"
    assert failed.steps[0].detail["reason"] == "no_verified_backup"
    scratch = db.raw_url if db.backend == "postgresql" else None
    report = bverify.verify(root, made.id, bkeys, scratch_url=scratch)
    assert report.status == "ok", report.problems
    catalogue.append(root, bkeys, {"fact": "verified", "id": made.id,
                                   "at": datetime.now(UTC).isoformat(), "status": "ok"})  # fmt: skip
    view = _run(db, op, "restore", backup_root=root)
    assert view.state == "passed", view.steps
    f = view.figures
    assert f["backup"] == made.id and f["rows"] == made.rows
    assert 0 < f["rto_seconds"] < 3600 and 0 <= f["rpo_hours"] < 1
    assert f["rto_target_hours"] == 24 and f["rpo_target_hours"] == 168
    assert view.plan_code in {p.code for p in plans.shipped().values() if p.drill == "restore"}


def test_a_failing_step_is_recorded_and_the_rest_skipped(
    live: tuple[Database, Operator], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, op = live
    monkeypatch.setattr(drills, "_fail_step", "credentials_rotated")
    view = _run(db, op, "compromised_admin", target_login="dept.admin")
    assert view.state == "failed"
    steps = _steps(view)
    assert steps["emergency_suspend"] == "pass" and steps["credentials_rotated"] == "fail"
    assert steps["can_do_nothing"] == "skip" and steps["live_unchanged"] == "pass"
    with db.read() as s:
        ev = s.execute(sa.select(AuditEvent.outcome, AuditEvent.reason)
                       .where(AuditEvent.action == "drill.run")).one()  # fmt: skip
    assert ev == ("failed", "failed step credentials_rotated")
    # A real failure too: a target that cannot act to begin with.
    monkeypatch.setattr(drills, "_fail_step", None)
    make_person(db, "gone", role="caseworker", status="disabled", password=None)
    view = _run(db, op, "compromised_admin", target_login="gone")
    assert view.state == "failed"
    assert view.steps[2].detail["reason"] == "target_powerless_already"


def test_plan_list_and_refusals(live: tuple[Database, Operator]) -> None:
    db, op = live
    now = datetime(2026, 11, 24, tzinfo=UTC)
    planned = drills.plan_drill(drills.PlanDrill("audit_tamper", now + timedelta(days=7),
                                                 participants=("sys.admin",)),
                                db, op.actor, authorize=op.authorize, now=now)  # fmt: skip
    assert planned.state == "planned" and planned.plan_code == "information_destruction"
    with db.read() as s:
        status = {p.code: p for p in drills.plan_status(s, now=now)}
    assert all(p.overdue for p in status.values())
    ran = drills.run_drill(drills.RunDrill(drill_id=planned.id), db, op.actor,
                           authorize=op.authorize, now=now)  # fmt: skip
    assert ran.id == planned.id and ran.state == "passed"
    with pytest.raises(Conflict):
        drills.run_drill(drills.RunDrill(drill_id=planned.id), db, op.actor,
                         authorize=op.authorize)  # fmt: skip
    with db.read() as s:
        status = {p.code: p for p in drills.plan_status(s, now=now + timedelta(days=30))}
        assert not status["information_destruction"].overdue
        assert status["disaster"].overdue
        later = {p.code: p for p in drills.plan_status(s, now=now + timedelta(days=400))}
        assert later["information_destruction"].overdue
        short = {p.code: p for p in drills.plan_status(s, months=1, now=now + timedelta(days=40))}
        assert short["information_destruction"].overdue
        with pytest.raises(InvalidInput):
            drills.plan_status(s, months=0)
        stored = drills.get(s, ran.id)
    assert json.loads(json.dumps(stored.as_dict()))["steps"][0]["name"] == "sandbox_copy"
    clerk = operator_for(db, make_person(db, "dept2", role="dept_admin", password=None), "dept2")
    with pytest.raises(PermissionDenied):
        drills.run_drill(drills.RunDrill(kind="audit_tamper"), db, clerk.actor,
                         authorize=clerk.authorize)  # fmt: skip
    with pytest.raises(InvalidInput):
        drills.run_drill(drills.RunDrill(kind="fire"), db, op.actor, authorize=op.authorize)


def test_a_change_to_the_live_database_during_a_drill_fails_it(
    live: tuple[Database, Operator],
) -> None:
    db, op = live

    def meddle(step: str, state: str, detail: dict[str, object]) -> None:
        if step == "damage_copy" and state == "start":
            with db.uow() as uow:  # someone works on the live database meanwhile
                record(uow.session, SETUP, "test.meddle")
                uow.commit()

    view = drills.run_drill(drills.RunDrill(kind="audit_tamper"), db, op.actor,
                            authorize=op.authorize, hook=meddle)  # fmt: skip
    assert view.state == "failed"
    assert _steps(view)["verify_names_damage"] == "pass"
    assert _steps(view)["live_unchanged"] == "fail"
