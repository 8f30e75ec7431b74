"""Personnel change requests on both backends: the article-6 chain end to end, wrong actors
refused at every step, hand-over of open cases, all-or-nothing execution, races, deputies."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

import accounts.change_models
import accounts.models  # noqa: F401
import audit_log.models  # noqa: F401
import rbac.models  # noqa: F401
from accounts import changes
from accounts.change_models import ChangeRequest
from accounts.changes import ActOn, NameDeputy, RejectChange, SubmitChange, Suspend
from accounts.models import SigninSession
from audit_log.actor import Actor
from audit_log.models import AuditEvent
from casedb.engine import Database
from casedb.errors import Conflict, InvalidInput, PermissionDenied
from casedb.models import Account, Base, Case
from rbac.store import load_grants, subject_of
from tests.support.people import make_person

NOW = datetime.now(UTC)


def who(db: Database, account_id: int) -> Actor:
    with db.read() as s:
        account = s.get(Account, account_id)
        assert account is not None
        return Actor(account.login_name, account_id, host="test", terminal="-")


def person(db: Database, login: str, **kw: Any) -> int:
    return make_person(db, login, password=None, **kw)


@dataclass
class Row:
    name: str
    target_region: str
    submitter: tuple[str, str, str]  # role, region, department of the grant
    reviewer: tuple[str, str, str]
    executor: tuple[str, str, str]
    wrong_reviewer: tuple[str, str, str]
    wrong_executor: tuple[str, str, str]


ROWS = [
    Row(
        "township",
        "530102001000",
        ("coord_admin", "530102000000", "*"),
        ("township_leader", "530102001000", "*"),
        ("dept_admin", "530102000000", "civil"),
        ("township_leader", "530102002000", "*"),
        ("dept_admin", "530103000000", "civil"),
    ),
    Row(
        "county",
        "530102000000",
        ("coord_admin", "530100000000", "*"),
        ("unit_head", "530102000000", "civil"),
        ("dept_admin", "530100000000", "civil"),
        ("unit_head", "530103000000", "civil"),
        ("dept_admin", "530300000000", "civil"),
    ),
    Row(
        "province",
        "530000000000",
        ("coord_admin", "530000000000", "*"),
        ("leader", "530000000000", "civil"),
        ("dept_admin", "530000000000", "civil"),
        ("leader", "530000000000", "hrss"),
        ("dept_admin", "530100000000", "civil"),
    ),
]


@dataclass
class Cast:
    target: int
    submitter: int
    reviewer: int
    executor: int
    wrong_reviewer: int
    wrong_executor: int
    caseworker: int


def cast_for(db: Database, row: Row) -> Cast:
    def grantee(login: str, grant: tuple[str, str, str]) -> int:
        role, region, dept = grant
        return person(
            db,
            login,
            region=region,
            department="civil" if dept == "*" else dept,
            role=role,
            role_region=region,
            role_department=dept,
        )

    return Cast(
        target=person(db, "target", region=row.target_region, role="caseworker"),
        submitter=grantee("submitter", row.submitter),
        reviewer=grantee("reviewer", row.reviewer),
        executor=grantee("executor", row.executor),
        wrong_reviewer=grantee("wrong_reviewer", row.wrong_reviewer),
        wrong_executor=grantee("wrong_executor", row.wrong_executor),
        caseworker=person(db, "caseworker", region=row.target_region, role="caseworker"),
    )


def denials(db: Database) -> int:
    with db.read() as s:
        return int(s.scalar(sa.select(sa.func.count()).where(AuditEvent.outcome == "denied")) or 0)


def refused(db: Database, fn: Any, *args: Any) -> None:
    before = denials(db)
    with pytest.raises(PermissionDenied):
        fn(*args)
    assert denials(db) == before + 1, "each refusal is recorded"


def modify(db: Database, c: Cast, post: str = "副科长") -> changes.ChangeView:
    cmd = SubmitChange("modify", c.target, "岗位调整", {"post": post}, doc_no="滇民任〔2026〕1号")
    return changes.submit(cmd, db.uow(), who(db, c.submitter))


@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
def test_each_chain_row_end_to_end_and_every_wrong_actor_refused(db: Database, row: Row) -> None:
    c = cast_for(db, row)
    # Nobody files a request about themselves; a caseworker may not file one at all.
    for bad in (c.target, c.caseworker):
        cmd = SubmitChange("modify", c.target, "x", {"post": "y"})
        refused(db, changes.submit, cmd, db.uow(), who(db, bad))
    req = modify(db, c)
    assert req.state == "submitted"
    assert req.reviewer_role == row.reviewer[0]
    assert req.executor_role == row.executor[0]
    assert req.deadline is not None and req.deadline > NOW

    act = ActOn(req.id)
    for bad in (c.submitter, c.target, c.wrong_reviewer, c.caseworker, c.executor):
        refused(db, changes.review, act, db.uow(), who(db, bad))
    with pytest.raises(Conflict):  # not reviewed yet
        changes.execute(act, db.uow(), who(db, c.executor))
    reviewed = changes.review(act, db.uow(), who(db, c.reviewer))
    assert (reviewed.state, reviewed.reviewed_by, reviewed.reviewed_for) == (
        "reviewed",
        c.reviewer,
        None,
    )
    with pytest.raises(Conflict):  # reviewing twice
        changes.review(act, db.uow(), who(db, c.reviewer))

    for bad in (c.submitter, c.target, c.wrong_executor, c.caseworker, c.reviewer):
        refused(db, changes.execute, act, db.uow(), who(db, bad))
    done = changes.execute(act, db.uow(), who(db, c.executor))
    assert (done.state, done.executed_by) == ("executed", c.executor)
    with db.read() as s:
        target = s.get(Account, c.target)
        assert target is not None and target.post == "副科长"
        actions = list(
            s.scalars(
                sa.select(AuditEvent.action).where(
                    AuditEvent.target_kind == "change_request",
                    AuditEvent.target_id == str(req.id),
                    AuditEvent.outcome == "ok",
                )
            )
        )
    assert actions == ["change.submit", "change.review", "change.execute"]


def test_modify_grants_and_validity_in_one_step(db: Database) -> None:
    c = cast_for(db, ROWS[0])
    until = NOW + timedelta(days=90)
    payload = {
        "valid_until": until.isoformat(),
        "grants": [{"role": "caseworker", "region": "530102002000", "department": "civil"}],
        "revokes": [{"role": "caseworker", "region": "530102001000", "department": "civil"}],
    }
    req = changes.submit(
        SubmitChange("modify", c.target, "借调", payload), db.uow(), who(db, c.submitter)
    )
    changes.review(ActOn(req.id), db.uow(), who(db, c.reviewer))
    changes.execute(ActOn(req.id), db.uow(), who(db, c.executor))
    with db.read() as s:
        target = s.get(Account, c.target)
        assert target is not None and target.valid_until is not None
        assert abs((target.valid_until - until).total_seconds()) < 1
        grants = {(g.role, g.region) for g in load_grants(s, subject_of(c.target))}
    assert grants == {("caseworker", "530102002000")}


def test_reject_needs_a_reason_and_only_the_step_owner_may_reject(db: Database) -> None:
    c = cast_for(db, ROWS[1])
    req = modify(db, c)
    with pytest.raises(InvalidInput):
        changes.reject(RejectChange(req.id, "  "), db.uow(), who(db, c.reviewer))
    refused(db, changes.reject, RejectChange(req.id, "不同意"), db.uow(), who(db, c.submitter))
    refused(db, changes.reject, RejectChange(req.id, "不同意"), db.uow(), who(db, c.executor))
    out = changes.reject(RejectChange(req.id, "材料不全"), db.uow(), who(db, c.reviewer))
    assert (out.state, out.rejected_reason) == ("rejected", "材料不全")
    with pytest.raises(Conflict):
        changes.review(ActOn(req.id), db.uow(), who(db, c.reviewer))


def test_withdraw_is_for_the_submitter_only(db: Database) -> None:
    c = cast_for(db, ROWS[0])
    req = modify(db, c)
    for bad in (c.reviewer, c.target, c.executor):
        refused(db, changes.withdraw, ActOn(req.id), db.uow(), who(db, bad))
    out = changes.withdraw(ActOn(req.id), db.uow(), who(db, c.submitter))
    assert out.state == "withdrawn"
    with pytest.raises(Conflict):
        changes.withdraw(ActOn(req.id), db.uow(), who(db, c.submitter))


def open_cases(db: Database, assignee: int, n: int) -> list[int]:
    with db.uow() as uow:
        ids = []
        for i in range(n):
            case = Case(
                case_no=f"C{assignee}-{i}",
                region_code="530102001000",
                department_code="civil",
                item_code="dibao",
                channel="self",
                status="open",
                step="accept",
                step_level=4,
                assignee_id=assignee,
                created_at=NOW,
            )
            uow.session.add(case)
            uow.session.flush()
            ids.append(case.id)
        uow.commit()
        return ids


def signed_in(db: Database, account_id: int) -> None:
    with db.uow() as uow:
        uow.session.add(
            SigninSession(
                token_hash=f"{account_id:064d}",
                account_id=account_id,
                created_at=NOW,
                last_seen_at=NOW,
            )
        )
        uow.commit()


def offboard_ready(db: Database) -> tuple[Cast, list[int], list[int]]:
    c = cast_for(db, ROWS[0])
    successors = [
        person(db, f"succ{i}", region="530102001000", role="caseworker") for i in range(2)
    ]
    cases = open_cases(db, c.target, 5)
    signed_in(db, c.target)
    return c, successors, cases


def test_offboarding_requires_fit_successors_and_hands_every_open_case_over(db: Database) -> None:
    c, successors, cases = offboard_ready(db)
    sub = who(db, c.submitter)
    with pytest.raises(InvalidInput) as err:
        changes.submit(SubmitChange("offboard", c.target, "调离", {}), db.uow(), sub)
    assert err.value.key == "err.change_successor_required"
    elsewhere = person(db, "elsewhere", region="530102002000")
    with pytest.raises(InvalidInput) as err:
        changes.submit(
            SubmitChange("offboard", c.target, "调离", {"successors": [elsewhere]}), db.uow(), sub
        )
    assert err.value.key == "err.change_successor_unfit"

    req = changes.submit(
        SubmitChange("offboard", c.target, "调离", {"successors": successors}), db.uow(), sub
    )
    changes.review(ActOn(req.id), db.uow(), who(db, c.reviewer))
    # A successor that has since become unusable is refused at execution; nothing changes.
    with db.uow() as uow:
        gone = uow.session.get(Account, successors[1])
        assert gone is not None
        gone.status = "disabled"
        uow.commit()
    with pytest.raises(InvalidInput):
        changes.execute(ActOn(req.id), db.uow(), who(db, c.executor))
    with db.uow() as uow:
        back = uow.session.get(Account, successors[1])
        assert back is not None
        back.status = "active"
        uow.commit()

    done = changes.execute(ActOn(req.id), db.uow(), who(db, c.executor))
    assert done.state == "executed"
    with db.read() as s:
        target = s.get(Account, c.target)
        assert target is not None and target.status == "disabled"
        assert load_grants(s, subject_of(c.target)) == []
        live = s.scalars(sa.select(SigninSession).where(SigninSession.account_id == c.target))
        assert all(row.ended_at is not None for row in live)
        owners = {
            r[0]: r[1]
            for r in s.execute(sa.select(Case.id, Case.assignee_id).where(Case.id.in_(cases)))
        }
        assert sorted(v or 0 for v in owners.values()) == sorted(
            [successors[0]] * 3 + [successors[1]] * 2
        )
        # No open case points at a disabled account.
        stray = s.scalar(
            sa.select(sa.func.count())
            .select_from(Case)
            .join(Account, Case.assignee_id == Account.id)
            .where(Case.closed_at.is_(None), Account.status != "active")
        )
        assert stray == 0


def dump(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    with db.read() as s:
        return {
            t.name: sorted((tuple(r) for r in s.execute(sa.select(t))), key=repr)
            for t in Base.metadata.sorted_tables
        }


@pytest.mark.parametrize("step", ["transition", "cases", "status", "sessions", "grants", "audit"])
def test_a_failure_midway_through_execution_leaves_everything_as_before(
    db: Database, step: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    c, successors, _ = offboard_ready(db)
    req = changes.submit(
        SubmitChange("offboard", c.target, "调离", {"successors": successors}),
        db.uow(),
        who(db, c.submitter),
    )
    changes.review(ActOn(req.id), db.uow(), who(db, c.reviewer))
    before = dump(db)
    monkeypatch.setattr(changes, "_fail_after", step)
    with pytest.raises(RuntimeError, match=step):
        changes.execute(ActOn(req.id), db.uow(), who(db, c.executor))
    assert dump(db) == before
    monkeypatch.setattr(changes, "_fail_after", None)
    assert changes.execute(ActOn(req.id), db.uow(), who(db, c.executor)).state == "executed"


def race(db: Database, fn: Any, cmd: Any, actors: list[Actor]) -> list[object]:
    barrier = threading.Barrier(len(actors))
    results: list[object] = [None] * len(actors)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = fn(cmd, db.uow(), actors[i])
        except Exception as exc:  # collected and checked below
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(actors))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


@pytest.mark.parametrize("step", ["review", "execute"])
def test_two_people_acting_at_once_exactly_one_wins(db: Database, step: str) -> None:
    c = cast_for(db, ROWS[0])
    second = {
        "review": person(
            db, "reviewer2", region="530102001000", role="township_leader", role_department="*"
        ),
        "execute": person(db, "executor2", region="530102000000", role="dept_admin"),
    }[step]
    req = modify(db, c)
    first = c.reviewer
    if step == "execute":
        changes.review(ActOn(req.id), db.uow(), who(db, c.reviewer))
        first = c.executor
    fn = changes.review if step == "review" else changes.execute
    results = race(db, fn, ActOn(req.id), [who(db, first), who(db, second)])
    wins = [r for r in results if isinstance(r, changes.ChangeView)]
    lost = [r for r in results if isinstance(r, Conflict)]
    assert len(wins) == 1 and len(lost) == 1, results
    assert lost[0].key == "err.change_state_changed"
    with db.read() as s:
        row = s.get(ChangeRequest, req.id)
        assert row is not None and row.version == (2 if step == "review" else 3)


def test_a_deputy_acts_for_the_reviewer_and_is_recorded_as_such(db: Database) -> None:
    c = cast_for(db, ROWS[1])
    deputy = person(db, "deputy", region="530102000000")
    req = modify(db, c)
    refused(db, changes.review, ActOn(req.id), db.uow(), who(db, deputy))
    # A deputy period that is over gives no authority.
    changes.name_deputy(
        NameDeputy(deputy, NOW - timedelta(days=5), NOW - timedelta(days=1)),
        db.uow(),
        who(db, c.reviewer),
    )
    refused(db, changes.review, ActOn(req.id), db.uow(), who(db, deputy))
    with pytest.raises(InvalidInput):
        changes.name_deputy(
            NameDeputy(c.reviewer, NOW, NOW + timedelta(days=1)), db.uow(), who(db, c.reviewer)
        )
    changes.name_deputy(
        NameDeputy(deputy, NOW - timedelta(hours=1), NOW + timedelta(days=7)),
        db.uow(),
        who(db, c.reviewer),
    )
    out = changes.review(ActOn(req.id), db.uow(), who(db, deputy))
    assert (out.reviewed_by, out.reviewed_for) == (deputy, c.reviewer)
    with db.read() as s:
        ev = s.scalars(
            sa.select(AuditEvent).where(
                AuditEvent.action == "change.review", AuditEvent.outcome == "ok"
            )
        ).one()
    assert (ev.actor, ev.acting_as) == ("deputy", "reviewer")


def test_a_deputy_of_the_submitter_cannot_review_for_them(db: Database) -> None:
    c = cast_for(db, ROWS[1])
    req = modify(db, c)
    # The reviewer names the submitter as deputy: the submitter still may not review.
    changes.name_deputy(
        NameDeputy(c.submitter, NOW - timedelta(hours=1), NOW + timedelta(days=1)),
        db.uow(),
        who(db, c.reviewer),
    )
    refused(db, changes.review, ActOn(req.id), db.uow(), who(db, c.submitter))


def test_emergency_suspension_applies_at_once_and_is_reviewed_afterwards(db: Database) -> None:
    c = cast_for(db, ROWS[0])
    signed_in(db, c.target)
    refused(db, changes.suspend, Suspend(c.target, "手机丢失"), db.uow(), who(db, c.caseworker))
    req = changes.suspend(Suspend(c.target, "手机丢失"), db.uow(), who(db, c.submitter))
    assert (req.kind, req.state) == ("suspend", "submitted")
    with db.read() as s:
        target = s.get(Account, c.target)
        assert target is not None and target.status == "suspended"
        ended = s.scalars(
            sa.select(SigninSession.ended_at).where(SigninSession.account_id == c.target)
        ).all()
        assert ended and all(e is not None for e in ended)
    out = changes.reject(RejectChange(req.id, "误报，已找回"), db.uow(), who(db, c.reviewer))
    assert out.state == "rejected"
    with db.read() as s:
        target = s.get(Account, c.target)
        assert target is not None and target.status == "active"


def test_onboarding_creates_the_account_on_execution(db: Database) -> None:
    c = cast_for(db, ROWS[0])
    payload = {
        "login_name": "newcomer",
        "full_name": "新人",
        "region_code": "530102001000",
        "department_code": "civil",
        "post": "经办",
        "grants": [{"role": "caseworker", "region": "530102001000", "department": "civil"}],
    }
    req = changes.submit(
        SubmitChange("onboard", None, "新进人员", payload), db.uow(), who(db, c.submitter)
    )
    assert req.target_account_id is None and req.reviewer_role == "township_leader"
    # The inbox filter finds a newcomer by name before the account exists, case aside.
    from accounts.change_queries import list_requests

    with db.read() as s:
        for words, found in (("新人", True), ("kind:onboard 新人", True), ("旧人", False)):
            page = list_requests(s, c.reviewer, "to_review", match=words)
            assert [v.id for v in page.items] == ([req.id] if found else []), words
    changes.review(ActOn(req.id), db.uow(), who(db, c.reviewer))
    done = changes.execute(ActOn(req.id), db.uow(), who(db, c.executor))
    assert done.target_account_id is not None
    with db.read() as s:
        account = s.get(Account, done.target_account_id)
        assert account is not None and (account.login_name, account.status) == (
            "newcomer",
            "pending",
        )
        assert [g.role for g in load_grants(s, subject_of(account.id))] == ["caseworker"]
