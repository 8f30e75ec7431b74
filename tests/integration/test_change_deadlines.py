"""Deadlines of personnel change requests on both backends: reminders before a deadline,
escalation to the level above once overdue (who may then act, and who sees it), expiry, and
the executor choosing successors on the day."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from accounts import changes
from accounts.change_models import ChangeHandover
from accounts.change_queries import handover_preview, list_requests
from accounts.changes import ActOn, SubmitChange, Sweep
from audit_log.models import AuditEvent
from casedb.engine import Database
from casedb.errors import Conflict, InvalidInput, PermissionDenied
from casedb.models import Account, Case
from tests.integration.test_changes import (
    NOW,
    ROWS,
    cast_for,
    modify,
    offboard_ready,
    open_cases,
    person,
    who,
)

DAY = timedelta(days=1)


def events(db: Database, action: str) -> list[AuditEvent]:
    with db.read() as s:
        return list(s.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def county_above(db: Database) -> int:
    """The prefecture's civil-affairs admin: the level above the county executor."""
    return person(
        db, "prefecture", region="530100000000", department="civil", role="dept_admin",
        role_region="530100000000", role_department="civil",
    )  # fmt: skip


def test_an_overdue_review_escalates_to_the_level_above(db: Database) -> None:
    c = cast_for(db, ROWS[0])  # township row: the township leader reviews
    above = person(
        db, "county_admin2", region="530102000000", department="civil", role="dept_admin",
        role_region="530102000000", role_department="civil",
    )  # fmt: skip
    req = modify(db, c)
    assert req.deadline is not None
    # Before the deadline the county admin may not review; the step is not theirs.
    with pytest.raises(PermissionDenied):
        changes.review(ActOn(req.id), db.uow(), who(db, above), now=NOW)
    with db.read() as s:
        assert list_requests(s, above, "overdue", now=NOW).items == []
    late = req.deadline + DAY
    with db.read() as s:
        seen = list_requests(s, above, "overdue", now=late).items
        assert [v.id for v in seen] == [req.id]
        # The reviewer still sees it in their own inbox.
        assert [v.id for v in list_requests(s, c.reviewer, "to_review", now=late).items] == [req.id]
    done = changes.review(ActOn(req.id), db.uow(), who(db, above), now=late)
    assert done.state == "reviewed" and done.reviewed_by == above
    last = events(db, changes.ACTION_REVIEW)[-1]
    assert json.loads(last.diff)["_"]["escalated"] is True


def test_escalation_never_lets_the_person_concerned_act(db: Database) -> None:
    c = cast_for(db, ROWS[1])  # county row
    prefecture = county_above(db)
    req = changes.submit(
        SubmitChange("modify", prefecture, "岗位调整", {"post": "科长"}),
        db.uow(), who(db, c.submitter),
    )  # fmt: skip
    assert req.deadline is not None
    with pytest.raises(PermissionDenied):
        changes.review(ActOn(req.id), db.uow(), who(db, prefecture), now=req.deadline + DAY)


def test_sweep_reminds_escalates_and_expires_once_each(db: Database) -> None:
    c = cast_for(db, ROWS[0])
    county = person(
        db, "county_civil", region="530102000000", department="civil", role="dept_admin",
        role_region="530102000000", role_department="civil",
    )  # fmt: skip
    req = modify(db, c)
    assert req.deadline is not None
    sweeper = who(db, county)
    # Far from the deadline nothing happens.
    r0 = changes.sweep(Sweep(), db.uow(), sweeper, now=req.deadline - 3 * DAY)
    assert (r0.reminded, r0.escalated, r0.expired) == ([], [], [])
    # Within a day of it: one reminder, and only one however often the sweep runs.
    soon = req.deadline - timedelta(hours=6)
    assert changes.sweep(Sweep(), db.uow(), sweeper, now=soon).reminded == [req.id]
    assert changes.sweep(Sweep(), db.uow(), sweeper, now=soon).reminded == []
    # Overdue: escalated once.
    late = req.deadline + DAY
    assert changes.sweep(Sweep(), db.uow(), sweeper, now=late).escalated == [req.id]
    assert changes.sweep(Sweep(), db.uow(), sweeper, now=late).escalated == []
    # Long overdue: expired, and nobody can act on it any more.
    gone = changes.sweep(Sweep(expire_after_days=3), db.uow(), sweeper, now=late + 3 * DAY)
    assert gone.expired == [req.id]
    with db.read() as s:
        assert changes.get(s, req.id).state == "expired"
    assert [len(events(db, a)) for a in ("change.remind", "change.escalate", "change.expire")] == [
        1,
        1,
        1,
    ]


def test_a_review_restarts_the_reminders_for_the_next_step(db: Database) -> None:
    c = cast_for(db, ROWS[0])
    req = modify(db, c)
    assert req.deadline is not None
    sweeper = who(db, c.executor)
    soon = req.deadline - timedelta(hours=6)
    assert changes.sweep(Sweep(), db.uow(), sweeper, now=soon).reminded == [req.id]
    reviewed = changes.review(ActOn(req.id), db.uow(), who(db, c.reviewer), now=soon)
    assert reviewed.deadline is not None
    again = reviewed.deadline - timedelta(hours=6)
    assert changes.sweep(Sweep(), db.uow(), sweeper, now=again).reminded == [req.id]


def test_sweep_leaves_units_outside_the_sweeper_alone_and_suspensions_open(
    db: Database,
) -> None:
    c = cast_for(db, ROWS[0])
    req = modify(db, c)
    elsewhere = person(
        db, "other_county", region="530103000000", department="civil", role="dept_admin",
        role_region="530103000000", role_department="civil",
    )  # fmt: skip
    assert req.deadline is not None
    far = req.deadline + 30 * DAY
    assert changes.sweep(Sweep(), db.uow(), who(db, elsewhere), now=far).expired == []
    susp = changes.suspend(
        changes.Suspend(c.caseworker, "手机丢失"), db.uow(), who(db, c.submitter)
    )
    assert susp.deadline is not None
    result = changes.sweep(Sweep(), db.uow(), who(db, c.executor), now=susp.deadline + 30 * DAY)
    assert req.id in result.expired and susp.id not in result.expired
    assert susp.id in result.escalated
    with pytest.raises(InvalidInput):
        changes.sweep(Sweep(expire_after_days=0), db.uow(), who(db, c.executor))


def test_a_caseworker_may_not_sweep(db: Database) -> None:
    c = cast_for(db, ROWS[0])
    with pytest.raises(PermissionDenied):
        changes.sweep(Sweep(), db.uow(), who(db, c.caseworker))


def test_the_executor_picks_the_successors_on_the_day(db: Database) -> None:
    c, successors, cases = offboard_ready(db)
    third = person(db, "succ_late", region="530102001000", role="caseworker")
    req = changes.submit(
        SubmitChange("offboard", c.target, "调离", {"successors": successors}),
        db.uow(), who(db, c.submitter),
    )  # fmt: skip
    changes.review(ActOn(req.id), db.uow(), who(db, c.reviewer))
    with db.read() as s:
        preview = handover_preview(s, req.id)
    assert preview.open_cases == len(cases)
    assert preview.named == successors
    assert {x.account_id for x in preview.candidates} >= {*successors, third}
    assert c.target not in {x.account_id for x in preview.candidates}
    # A successor outside the unit is refused at execution and nothing changes.
    with pytest.raises(InvalidInput):
        changes.execute(ActOn(req.id, (c.executor,)), db.uow(), who(db, c.executor))
    with db.read() as s:
        assert changes.get(s, req.id).state == "reviewed"
    done = changes.execute(ActOn(req.id, (third,)), db.uow(), who(db, c.executor))
    assert done.payload["successors"] == [third]
    with db.read() as s:
        owners = set(s.scalars(sa.select(Case.assignee_id).where(Case.id.in_(cases))))
        moved = s.scalar(sa.select(sa.func.count()).select_from(ChangeHandover))
    assert owners == {third} and moved == len(cases)


def test_successors_are_refused_for_kinds_without_hand_over(db: Database) -> None:
    c = cast_for(db, ROWS[0])
    open_cases(db, c.target, 1)
    req = modify(db, c)
    changes.review(ActOn(req.id), db.uow(), who(db, c.reviewer))
    with pytest.raises(InvalidInput):
        changes.execute(ActOn(req.id, (c.caseworker,)), db.uow(), who(db, c.executor))


def test_a_draft_has_no_deadline_until_its_author_files_it(db: Database) -> None:
    c = cast_for(db, ROWS[0])
    draft = changes.submit(
        SubmitChange("modify", c.target, "岗位调整", {"post": "科员"}, draft=True),
        db.uow(), who(db, c.submitter),
    )  # fmt: skip
    assert (draft.state, draft.deadline) == ("draft", None)
    with db.read() as s:
        assert list_requests(s, c.reviewer, "to_review").items == []
        assert [v.id for v in list_requests(s, c.submitter, "mine").items] == [draft.id]
    with pytest.raises(Conflict):
        changes.review(ActOn(draft.id), db.uow(), who(db, c.reviewer))
    with pytest.raises(PermissionDenied):
        changes.submit_draft(ActOn(draft.id), db.uow(), who(db, c.reviewer))
    filed = changes.submit_draft(ActOn(draft.id), db.uow(), who(db, c.submitter))
    assert filed.state == "submitted" and filed.deadline is not None
    assert changes.review(ActOn(draft.id), db.uow(), who(db, c.reviewer)).state == "reviewed"


def test_a_draft_is_checked_again_when_filed(db: Database) -> None:
    c = cast_for(db, ROWS[0])
    open_cases(db, c.target, 1)
    heir = person(db, "heir", region="530102001000", role="caseworker")
    draft = changes.submit(
        SubmitChange("offboard", c.target, "调离", {"successors": [heir]}, draft=True),
        db.uow(), who(db, c.submitter),
    )  # fmt: skip
    with db.uow() as uow:
        gone = uow.session.get(Account, heir)
        assert gone is not None
        gone.status = "disabled"
        uow.commit()
    with pytest.raises(InvalidInput):
        changes.submit_draft(ActOn(draft.id), db.uow(), who(db, c.submitter))
    with db.read() as s:
        assert changes.get(s, draft.id).state == "draft"


def test_a_successor_without_a_case_role_is_refused(db: Database) -> None:
    c = cast_for(db, ROWS[0])
    open_cases(db, c.target, 1)
    clerk_without_role = person(db, "no_role", region="530102001000")
    with pytest.raises(InvalidInput) as err:
        changes.submit(
            SubmitChange("offboard", c.target, "调离", {"successors": [clerk_without_role]}),
            db.uow(), who(db, c.submitter),
        )  # fmt: skip
    assert err.value.key == "err.change_successor_unfit"
