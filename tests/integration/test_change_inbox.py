"""The inbox's read side (accounts.change_inbox) on both backends: the diff of a request
predicts what executing it does, field by field and grant by grant; the detail carries the
hand-over and the people; closed requests show no diff."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from accounts import changes
from accounts.change_inbox import (
    FIELDS,
    GRANT,
    DiffRow,
    Snapshot,
    detail,
    diff_rows,
    grant_text,
    inbox_rows,
    load_diff,
)
from accounts.changes import ActOn, RejectChange, SubmitChange
from audit_log.actor import Actor
from casedb.engine import Database
from casedb.models import Account, Case
from rbac.store import Grant, add_grant, bump_version, load_grants, subject_of
from tests.support.people import make_person

TOWNSHIP = "530102001000"  # 护国街道
OTHER_TOWNSHIP = "530102002000"
VILLAGE = "530102001001"
COUNTY = "530102000000"  # 五华区
SECONDS = datetime.now(UTC).replace(microsecond=0)


def who(db: Database, account_id: int) -> Actor:
    with db.read() as s:
        account = s.get(Account, account_id)
        assert account is not None
        return Actor(account.login_name, account_id, host="test", terminal="-")


def person(db: Database, login: str, **kw: Any) -> int:
    return make_person(db, login, password=None, **kw)


@dataclass
class Cast:
    target: int
    submitter: int
    reviewer: int
    executor: int


def cast(db: Database) -> Cast:
    """The township row of the chain: a caseworker at a township, its leader reviews, the
    county's civil-affairs admin executes."""
    target = person(db, "target", full_name="张三", region=TOWNSHIP, role="caseworker")
    with db.uow() as uow:  # a second grant, kept or not by each kind
        add_grant(uow.session, Grant(subject_of(target), "caseworker", VILLAGE, "civil"))
        bump_version(uow.session)
        uow.commit()
    return Cast(
        target=target,
        submitter=person(db, "submitter", region=COUNTY, role="coord_admin", role_department="*"),
        reviewer=person(
            db, "reviewer", region=TOWNSHIP, role="township_leader", role_department="*"
        ),
        executor=person(db, "executor", region=COUNTY, role="dept_admin"),
    )


def submit(db: Database, c: Cast, kind: str, payload: dict[str, Any]) -> changes.ChangeView:
    target = None if kind == "onboard" else c.target
    cmd = SubmitChange(kind, target, "人事调整", payload, doc_no="滇民任〔2026〕7号")
    return changes.submit(cmd, db.uow(), who(db, c.submitter))


def carry_out(db: Database, c: Cast, request_id: int) -> changes.ChangeView:
    changes.review(ActOn(request_id), db.uow(), who(db, c.reviewer))
    return changes.execute(ActOn(request_id), db.uow(), who(db, c.executor))


def state_of(db: Database, account_id: int) -> tuple[dict[str, Any], set[str]]:
    with db.read() as s:
        account = s.get(Account, account_id)
        assert account is not None
        snap = Snapshot.of(account)
        grants = {
            grant_text(g.role, g.region, g.department)
            for g in load_grants(s, subject_of(account_id))
        }
    return {name: getattr(snap, name) for name in FIELDS}, grants


def predicted(rows: list[DiffRow]) -> tuple[dict[str, Any], set[str]]:
    fields = {r.field: r.after for r in rows if r.field != GRANT}
    grants = {str(r.after) for r in rows if r.field == GRANT and r.after is not None}
    return fields, grants


def changed(rows: list[DiffRow]) -> dict[str, tuple[Any, Any]]:
    return {r.field: (r.before, r.after) for r in rows if r.field != GRANT and r.changed}


def grant_moves(rows: list[DiffRow]) -> tuple[set[str], set[str], set[str]]:
    kept = {str(r.before) for r in rows if r.field == GRANT and not r.changed}
    gone = {str(r.before) for r in rows if r.field == GRANT and r.after is None}
    new = {str(r.after) for r in rows if r.field == GRANT and r.before is None}
    return kept, gone, new


CASEWORKER = grant_text("caseworker", TOWNSHIP, "civil")
SECOND = grant_text("caseworker", VILLAGE, "civil")


def test_transfer_diff_predicts_the_execution(db: Database) -> None:
    c = cast(db)
    new_grant = {"role": "caseworker", "region": OTHER_TOWNSHIP, "department": "civil"}
    req = submit(
        db,
        c,
        "transfer",
        {
            "region_code": OTHER_TOWNSHIP,
            "department_code": "civil",
            "post": "副站长",
            "grants": [new_grant],
        },
    )
    with db.read() as s:
        rows = load_diff(s, changes.get(s, req.id))
    assert changed(rows) == {
        "region_code": (TOWNSHIP, OTHER_TOWNSHIP),
        "post": ("", "副站长"),
    }
    kept, gone, new = grant_moves(rows)
    assert (kept, gone) == (set(), {CASEWORKER, SECOND})
    assert new == {grant_text("caseworker", OTHER_TOWNSHIP, "civil")}
    expected = predicted(rows)
    carry_out(db, c, req.id)
    assert state_of(db, c.target) == expected


def test_offboard_diff_predicts_the_execution(db: Database) -> None:
    c = cast(db)
    req = submit(db, c, "offboard", {})
    with db.read() as s:
        rows = load_diff(s, changes.get(s, req.id))
    assert changed(rows) == {"status": ("active", "disabled")}
    assert grant_moves(rows) == (set(), {CASEWORKER, SECOND}, set())
    expected = predicted(rows)
    carry_out(db, c, req.id)
    assert state_of(db, c.target) == expected


def test_modify_diff_predicts_the_execution(db: Database) -> None:
    c = cast(db)
    until = SECONDS + timedelta(days=90)
    payload = {
        "post": "站长",
        "full_name": "张叁",
        "valid_until": until.isoformat(),
        "grants": [{"role": "caseworker", "region": OTHER_TOWNSHIP, "department": "civil"}],
        "revokes": [{"role": "caseworker", "region": VILLAGE, "department": "civil"}],
    }
    req = submit(db, c, "modify", payload)
    with db.read() as s:
        rows = load_diff(s, changes.get(s, req.id))
    assert changed(rows) == {
        "full_name": ("张三", "张叁"),
        "post": ("", "站长"),
        "valid_until": (None, until),
    }
    assert grant_moves(rows) == (
        {CASEWORKER},
        {SECOND},
        {grant_text("caseworker", OTHER_TOWNSHIP, "civil")},
    )
    expected = predicted(rows)
    carry_out(db, c, req.id)
    assert state_of(db, c.target) == expected


def test_onboard_diff_is_a_new_pending_account(db: Database) -> None:
    c = cast(db)
    payload = {
        "login_name": "newbie",
        "full_name": "李四",
        "region_code": TOWNSHIP,
        "department_code": "civil",
        "post": "经办人",
        "grants": [{"role": "caseworker", "region": TOWNSHIP, "department": "civil"}],
    }
    req = submit(db, c, "onboard", payload)
    with db.read() as s:
        rows = load_diff(s, changes.get(s, req.id))
        listed = inbox_rows(s, [changes.get(s, req.id)])
    assert all(r.before is None for r in rows)
    assert changed(rows)["status"] == (None, "pending")
    assert listed[0].target is not None and listed[0].target.login_name == "newbie"
    expected = predicted(rows)
    done = carry_out(db, c, req.id)
    assert done.target_account_id is not None
    assert state_of(db, done.target_account_id) == expected


def test_detail_has_the_handover_the_people_and_no_diff_once_closed(db: Database) -> None:
    c = cast(db)
    heirs = [
        person(db, f"heir{i}", full_name=f"接手{i}", region=TOWNSHIP, role="caseworker")
        for i in range(2)
    ]
    with db.uow() as uow:
        for i in range(3):
            uow.session.add(
                Case(
                    case_no=f"C-{i}",
                    region_code=TOWNSHIP,
                    department_code="civil",
                    item_code="dibao",
                    channel="self",
                    status="open",
                    step="accept",
                    step_level=4,
                    assignee_id=c.target,
                    created_at=SECONDS,
                )
            )
        uow.commit()
    req = submit(db, c, "offboard", {"successors": [heirs[1]]})
    with db.read() as s:
        shown = detail(s, req.id)
    assert shown.target is not None and shown.target.login_name == "target"
    assert shown.people[c.submitter].login_name == "submitter"
    assert shown.handover is not None
    assert shown.handover.open_cases == 3
    assert [oc.case_no for oc in shown.handover.first_cases] == ["C-0", "C-1", "C-2"]
    assert shown.handover.named == [heirs[1]]
    assert {cand.account_id for cand in shown.handover.candidates} >= set(heirs)
    assert shown.regions[TOWNSHIP] == "护国街道"
    assert changed(shown.diff) == {"status": ("active", "disabled")}

    changes.reject(RejectChange(req.id, "材料不全"), db.uow(), who(db, c.reviewer))
    with db.read() as s:
        closed = detail(s, req.id)
        open_cases = s.scalar(
            sa.select(sa.func.count()).where(Case.assignee_id == c.target, Case.closed_at.is_(None))
        )
    assert closed.view.state == "rejected" and closed.view.rejected_reason == "材料不全"
    assert closed.diff == [] and closed.handover is None
    assert open_cases == 3


@pytest.mark.parametrize(
    ("kind", "payload", "status"),
    [("offboard", {}, "disabled"), ("suspend", {}, "suspended"), ("modify", {}, "active")],
)
def test_diff_rows_is_pure(kind: str, payload: dict[str, Any], status: str) -> None:
    before = Snapshot("zs", "张三", TOWNSHIP, "civil", "经办人", "active")
    grants = [Grant("a:1", "caseworker", TOWNSHIP, "civil")]
    rows = diff_rows(kind, payload, before, grants)
    assert [r.field for r in rows] == [*FIELDS, GRANT]
    assert next(r for r in rows if r.field == "status").after == status
    assert rows[-1].before == CASEWORKER
    assert (rows[-1].after is None) == (kind == "offboard")
