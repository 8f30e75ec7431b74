"""The incident register on both backends: open → note → status → reported, refusals
recorded, reporting deadlines by grade (a missed one flagged, with a fixed clock), and a
timeline nobody can edit or delete: not through the services, not through the ORM, not by
raw SQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

import audit_log.incident_models
from accounts.authz import Operator, operator_for
from audit_log import incidents as inc
from audit_log.incident_models import Incident, IncidentNote
from audit_log.models import AuditEvent
from casedb.engine import Database
from casedb.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from ops import plans
from tests.support.people import make_person

T0 = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
PROVINCE = "530000000000"


def admin(db: Database, login: str, role: str) -> Operator:
    account = make_person(db, login, region=PROVINCE, department="coord", role=role,
                          role_department="*", password=None)  # fmt: skip
    return operator_for(db, account, login)


def opened(db: Database, op: Operator, grade: str = "II", **kw: object) -> inc.IncidentView:
    cmd = inc.OpenIncident(kind="incident", category="network_attack", grade=grade,
                           title="管理员账号异常登录", reporter="王五", systems="政府端",
                           units="省乡村振兴局", detected_at=T0, **kw)  # type: ignore[arg-type]  # fmt: skip
    return inc.open_incident(cmd, db.uow(), op.actor, authorize=op.authorize, now=T0)


def events(db: Database, action: str) -> list[tuple[str, str]]:
    with db.read() as s:
        rows = s.execute(
            sa.select(AuditEvent.outcome, AuditEvent.reason)
            .where(AuditEvent.action == action)
            .order_by(AuditEvent.seq)
        ).all()
    return [(r[0], r[1]) for r in rows]


def test_open_note_status_report_with_audit_events(db: Database) -> None:
    sec = admin(db, "sec.admin", "security_admin")
    with db.read() as s:
        plan = plans.for_category(s, "network_attack")
    assert plan is not None and plan.drill == "compromised_admin"
    v = opened(db, sec, plan_code=plan.code, plan_version=plan.version)
    assert v.status == "open" and v.report_due_at == T0 + timedelta(hours=4)
    assert [n.kind for n in v.notes] == ["opened"]
    note = inc.add_note(inc.AddNote(v.id, "已停用可疑账号"), db.uow(), sec.actor,
                        authorize=sec.authorize, now=T0 + timedelta(minutes=5))  # fmt: skip
    assert note.seq == 2
    step = inc.add_note(inc.AddNote(v.id, "", step=2), db.uow(), sec.actor,
                        authorize=sec.authorize, plan_steps=len(plan.steps))  # fmt: skip
    link = inc.add_note(inc.AddNote(v.id, "", link="audit:1"), db.uow(), sec.actor,
                        authorize=sec.authorize)  # fmt: skip
    assert (step.kind, link.ref_kind, link.ref_id) == ("step", "audit", "1")
    with pytest.raises(InvalidInput):
        inc.add_note(inc.AddNote(v.id, "", step=99), db.uow(), sec.actor,
                     authorize=sec.authorize, plan_steps=len(plan.steps))  # fmt: skip
    with pytest.raises(InvalidInput):
        inc.add_note(inc.AddNote(v.id, "", link="nonsense:1"), db.uow(), sec.actor,
                     authorize=sec.authorize)  # fmt: skip
    v = inc.set_status(inc.SetStatus(v.id, "contained", "已控制"), db.uow(), sec.actor,
                       authorize=sec.authorize, now=T0 + timedelta(hours=1))  # fmt: skip
    assert v.status == "contained"
    with pytest.raises(Conflict):
        inc.set_status(inc.SetStatus(v.id, "open"), db.uow(), sec.actor, authorize=sec.authorize)
    v = inc.mark_reported(inc.MarkReported(v.id, "电话报告省办"), db.uow(), sec.actor,
                          authorize=sec.authorize, now=T0 + timedelta(hours=2))  # fmt: skip
    assert v.deadline(T0 + timedelta(days=1)) == inc.REPORTED
    with pytest.raises(Conflict):
        inc.mark_reported(inc.MarkReported(v.id), db.uow(), sec.actor, authorize=sec.authorize)
    with db.read() as s:
        full = inc.get(s, v.id)
    assert [n.kind for n in full.notes] == ["opened", "note", "step", "link", "status",
                                            "reported"]  # fmt: skip
    assert full.steps_done() == {2}
    for action in ("incident.open", "incident.note", "incident.status", "incident.reported"):
        assert events(db, action) and events(db, action)[-1][0] == "ok"


def test_system_admin_files_a_report_and_file_record(db: Database) -> None:
    sys_admin = admin(db, "sys.admin", "system_admin")
    cmd = inc.OpenIncident(kind="filing", category="interface_change", title="民政接口地址变更",
                           reporter="民政厅信息中心")  # fmt: skip
    v = inc.open_incident(cmd, db.uow(), sys_admin.actor, authorize=sys_admin.authorize, now=T0)
    assert v.kind == "filing" and v.grade is None and v.report_due_at is None
    assert v.deadline(T0 + timedelta(days=30)) == inc.NONE
    with pytest.raises(InvalidInput):
        bad = inc.OpenIncident(kind="filing", category="network_attack", title="x", reporter="y")
        inc.open_incident(bad, db.uow(), sys_admin.actor, authorize=sys_admin.authorize)
    with pytest.raises(InvalidInput):
        bad = inc.OpenIncident(kind="incident", category="disaster", title="x", reporter="y")
        inc.open_incident(bad, db.uow(), sys_admin.actor, authorize=sys_admin.authorize)


def test_only_the_separated_roles_act_and_refusals_are_recorded(db: Database) -> None:
    sec = admin(db, "sec.admin", "security_admin")
    auditor = admin(db, "audit.admin", "audit_admin")
    county = make_person(db, "county.admin", department="coord", role="coord_admin",
                         role_department="*", password=None)  # fmt: skip
    county_op = operator_for(db, county, "county.admin")
    v = opened(db, sec)
    for op in (auditor, county_op):
        with pytest.raises(PermissionDenied):
            opened(db, op)
        with pytest.raises(PermissionDenied):
            inc.add_note(inc.AddNote(v.id, "x"), db.uow(), op.actor, authorize=op.authorize)
    assert [o for o, _ in events(db, "incident.open")].count("denied") == 2
    assert [o for o, _ in events(db, "incident.note")] == ["denied", "denied"]
    # The audit admin reads; the county admin does not.
    assert inc.allowed(auditor.actor, auditor.authorize, inc.READ_ACTIONS) == "audit.read"
    assert inc.allowed(county_op.actor, county_op.authorize, inc.READ_ACTIONS) is None


def test_missed_reporting_deadline_is_flagged_with_a_fixed_clock(db: Database) -> None:
    sec = admin(db, "sec.admin", "security_admin")
    v = opened(db, sec, grade="I")
    general = opened(db, sec, grade="IV")
    assert general.report_due_at is None
    due = T0 + timedelta(hours=4)
    assert v.report_due_at == due
    with db.read() as s:
        assert inc.overdue(s, now=due - timedelta(minutes=1)) == []
        assert [x.id for x in inc.overdue(s, now=due + timedelta(minutes=1))] == [v.id]
        late = inc.get(s, v.id)
    assert late.deadline(due - timedelta(minutes=1)) == inc.DUE
    assert late.deadline(due + timedelta(minutes=1)) == inc.OVERDUE
    assert late.as_dict(due + timedelta(minutes=30))["seconds_left"] == -1800
    done = inc.mark_reported(inc.MarkReported(v.id), db.uow(), sec.actor,
                             authorize=sec.authorize, now=due + timedelta(hours=1))  # fmt: skip
    assert done.deadline(due + timedelta(days=1)) == inc.LATE
    assert done.notes[-1].ref_id == inc.LATE
    with db.read() as s:
        assert inc.overdue(s, now=due + timedelta(days=1)) == []


def test_critical_infrastructure_and_configured_deadlines() -> None:
    rules = inc.ReportingRules(critical_infrastructure=True)
    assert rules.due("III", T0) == T0 + timedelta(hours=1)
    assert rules.due("IV", T0) is None
    conf = inc.ReportingRules.from_config({"report_hours": {"IV": 24, "I": 2}})
    assert conf.due("IV", T0) == T0 + timedelta(hours=24)
    assert conf.due("I", T0) == T0 + timedelta(hours=2)
    for bad in ({"report_hours": {"V": 1}}, {"report_hours": {"I": -1}},
                {"critical_infrastructure": "yes"}):  # fmt: skip
        with pytest.raises(InvalidInput):
            inc.ReportingRules.from_config(bad)


def _raw_attempts(db: Database, note_id: int) -> list[str]:
    statements = [
        "UPDATE incident_notes SET body = 'rewritten' WHERE id = :id",
        "UPDATE incident_notes SET at = at WHERE id = :id",
        "DELETE FROM incident_notes WHERE id = :id",
        "DELETE FROM incident_notes",
        "DELETE FROM incidents",
    ]
    if db.backend == "postgresql":
        statements.append("TRUNCATE incident_notes CASCADE")
        statements.append("TRUNCATE incidents CASCADE")
    refused = []
    for sql in statements:
        try:
            with db.engine.begin() as conn:
                conn.execute(sa.text(sql), {"id": note_id})
        except DBAPIError:
            refused.append(sql)
    return refused


def test_timeline_notes_cannot_be_edited_or_deleted_by_any_path(db: Database) -> None:
    sec = admin(db, "sec.admin", "security_admin")
    v = opened(db, sec)
    inc.add_note(inc.AddNote(v.id, "第一条记录"), db.uow(), sec.actor, authorize=sec.authorize)
    with db.read() as s:
        before = s.execute(sa.select(IncidentNote.id, IncidentNote.body).order_by(
            IncidentNote.id)).all()  # fmt: skip
    note_id = before[-1][0]
    # The service layer has no way to edit or delete: a correction is a new note.
    names = [n for n in dir(inc) if any(w in n.lower() for w in ("edit", "delete", "remove"))]
    assert names == []
    fixed = inc.add_note(inc.AddNote(v.id, "更正：应为第二条", corrects=2), db.uow(), sec.actor,
                         authorize=sec.authorize)  # fmt: skip
    assert fixed.kind == "correction" and fixed.corrects_seq == 2
    with pytest.raises(NotFound):
        inc.add_note(inc.AddNote(v.id, "x", corrects=99), db.uow(), sec.actor,
                     authorize=sec.authorize)  # fmt: skip
    # Through the ORM.
    with db.uow() as uow, pytest.raises(DBAPIError):
        note = uow.session.get(IncidentNote, note_id)
        assert note is not None
        note.body = "rewritten"
        uow.commit()
    with db.uow() as uow, pytest.raises(DBAPIError):
        note = uow.session.get(IncidentNote, note_id)
        uow.session.delete(note)
        uow.commit()
    with db.uow() as uow, pytest.raises(DBAPIError):
        incident = uow.session.get(Incident, v.id)
        uow.session.delete(incident)
        uow.commit()
    # By raw SQL, every form.
    attempts = _raw_attempts(db, note_id)
    assert len(attempts) == (7 if db.backend == "postgresql" else 5)
    with db.read() as s:
        after = s.execute(sa.select(IncidentNote.id, IncidentNote.body).order_by(
            IncidentNote.id)).all()  # fmt: skip
    assert after[: len(before)] == before
    assert len(after) == len(before) + 1
    assert audit_log.incident_models.IncidentNote.__tablename__ == "incident_notes"


def test_bad_input_is_refused_before_anything_is_written(db: Database) -> None:
    sec = admin(db, "sec.admin", "security_admin")
    cases = [
        {"grade": "V"},
        {"grade": None},
        {"title": "  "},
        {"reporter": ""},
        {"detected_at": datetime(2026, 1, 1)},
        {"detected_at": T0 + timedelta(days=2)},
        {"title": "x" * 300},
        {"title": "bad\x00title"},
    ]
    for change in cases:
        fields = {"kind": "incident", "category": "other", "grade": "III", "title": "t",
                  "reporter": "r", **change}  # fmt: skip
        with pytest.raises(InvalidInput):
            inc.open_incident(inc.OpenIncident(**fields), db.uow(), sec.actor,  # type: ignore[arg-type]
                              authorize=sec.authorize, now=T0)  # fmt: skip
    with pytest.raises(NotFound):
        inc.add_note(inc.AddNote(424242, "x"), db.uow(), sec.actor, authorize=sec.authorize)
    with db.read() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Incident)) == 0
