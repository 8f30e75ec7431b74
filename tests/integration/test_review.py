"""Annual account review on both backends: who may start a campaign and what it holds, who
may decide each item (never on their own account), revocations filed as change requests that
the chain's executor carries out, status per unit, escalation past the deadline with a fixed
clock, and two people deciding the same item at once."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from accounts import changes, review
from accounts.change_models import ChangeRequest
from accounts.review import Decide, StartReview
from accounts.review_models import ReviewCampaign, ReviewItem
from audit_log.actor import Actor
from audit_log.models import AuditEvent
from casedb.engine import Database
from casedb.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from casedb.models import Account
from rbac.store import load_grants, subject_of
from tests.support.people import make_person

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # a Monday, 10:00 in Kunming
PROVINCE, PREFECTURE = "530000000000", "530100000000"
COUNTY_A, COUNTY_B = "530102000000", "530103000000"
TOWNSHIP = "530102001000"


def plus_days(at: datetime, n: int) -> datetime:
    return at + timedelta(days=n)


def who(db: Database, account_id: int) -> Actor:
    with db.read() as s:
        account = s.get(Account, account_id)
        assert account is not None
        return Actor(account.login_name, account_id, host="test", terminal="-")


def person(db: Database, login: str, **kw: Any) -> int:
    return make_person(db, login, password=None, **kw)


@dataclass
class Cast:
    admin: int  # coordinator admin of the province (account.update over everything)
    county_admin: int  # civil-affairs department admin of county A
    head_a: int  # unit head of county A's civil affairs (also reviewed: a county account)
    head_b: int
    staff_a1: int
    staff_a2: int
    staff_b: int
    pref_admin: int  # prefecture civil-affairs admin: executor and escalation of county A
    township_staff: int
    gone: int  # a disabled county account: not reviewed


@pytest.fixture
def cast(db: Database) -> Cast:
    coord: dict[str, Any] = {"role": "coord_admin", "role_department": "*"}
    return Cast(
        admin=person(db, "admin", region=PROVINCE, department="coord", **coord),
        county_admin=person(db, "county_admin", region=COUNTY_A, role="dept_admin"),
        head_a=person(db, "head_a", region=COUNTY_A, role="unit_head"),
        head_b=person(db, "head_b", region=COUNTY_B, role="unit_head"),
        staff_a1=person(db, "staff_a1", region=COUNTY_A, role="caseworker"),
        staff_a2=person(db, "staff_a2", region=COUNTY_A, role="caseworker"),
        staff_b=person(db, "staff_b", region=COUNTY_B, role="caseworker"),
        pref_admin=person(db, "pref_admin", region=PREFECTURE, role="dept_admin"),
        township_staff=person(db, "township_staff", region=TOWNSHIP, role="caseworker"),
        gone=person(db, "gone", region=COUNTY_A, status="disabled"),
    )


def denials(db: Database) -> int:
    with db.read() as s:
        return int(s.scalar(sa.select(sa.func.count()).where(AuditEvent.outcome == "denied")) or 0)


def start(db: Database, actor_id: int, **kw: Any) -> review.CampaignView:
    cmd = StartReview(kw.pop("level", "county"), **kw)
    return review.start(cmd, db.uow(), who(db, actor_id), now=T0, deadline_for=plus_days).campaign


def item_of(db: Database, campaign_id: int, account_id: int) -> ReviewItem:
    with db.read() as s:
        item = s.scalars(
            sa.select(ReviewItem).where(
                ReviewItem.campaign_id == campaign_id, ReviewItem.account_id == account_id
            )
        ).one()
        return item


def decide(
    db: Database, actor_id: int, item_ids: list[int], decision: str, *,
    now: datetime = T0, **kw: Any,
) -> list[review.Decided]:  # fmt: skip
    cmd = Decide(tuple(item_ids), decision, **kw)
    return review.decide(cmd, db.uow(), who(db, actor_id), now=now, deadline_for=plus_days)


def test_start_creates_one_item_per_account_at_the_level_in_scope(db: Database, cast: Cast) -> None:
    campaign = start(db, cast.admin, days=10, title="2026 年度复核")
    county_people = {cast.county_admin, cast.head_a, cast.head_b, cast.staff_a1, cast.staff_a2,
                     cast.staff_b}  # fmt: skip
    assert campaign.items == len(county_people)
    assert campaign.level == "county" and campaign.region_code == PROVINCE
    assert campaign.deadline == T0 + timedelta(days=10)
    assert campaign.year == 2026 and campaign.state == "open"
    with db.read() as s:
        items = list(s.scalars(sa.select(ReviewItem).where(ReviewItem.campaign_id == campaign.id)))
        assert {i.account_id for i in items} == county_people
        a1 = next(i for i in items if i.account_id == cast.staff_a1)
        assert (a1.reviewer_role, a1.reviewer_unit) == ("unit_head", f"{COUNTY_A}|civil")
        assert json.loads(a1.grants) == [["caseworker", COUNTY_A, "civil"]]
        assert a1.decision == "pending"
        started = s.scalars(sa.select(AuditEvent).where(AuditEvent.action == "review.start")).one()
        assert started.target_id == str(campaign.id) and started.outcome == "ok"

    # An overlapping open campaign at the same level is refused; a township one is not.
    with pytest.raises(Conflict):
        start(db, cast.admin, region_code="530102")
    township = start(db, cast.admin, level="township", region_code="530102")
    assert township.items == 1
    review.close(review.CampaignRef(campaign.id), db.uow(), who(db, cast.admin), now=T0)
    one_county = start(db, cast.admin, region_code="530102")
    assert one_county.items == 4


def test_only_account_admins_over_the_whole_scope_may_start(db: Database, cast: Cast) -> None:
    for actor, kw in [
        (cast.county_admin, {}),  # the province is not theirs
        (cast.county_admin, {"region_code": COUNTY_A}),  # all departments are not theirs
        (cast.head_a, {"region_code": COUNTY_A, "department": "civil"}),  # no account.update
    ]:
        before = denials(db)
        with pytest.raises(PermissionDenied):
            start(db, actor, **kw)
        assert denials(db) == before + 1, "each refusal is recorded"
    with db.read() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(ReviewCampaign)) == 0
    mine = start(db, cast.county_admin, region_code=COUNTY_A, department="civil")
    assert mine.items == 4
    with pytest.raises(InvalidInput):
        start(db, cast.admin, level="county", region_code=TOWNSHIP)
    with pytest.raises(InvalidInput):
        start(db, cast.admin, level="hamlet")
    with pytest.raises(InvalidInput):
        start(db, cast.admin, level="village", region_code=COUNTY_B)  # nobody there
    with pytest.raises(NotFound):
        start(db, cast.admin, region_code="539999")


def test_wrong_reviewers_and_self_review_are_refused_and_recorded(db: Database, cast: Cast) -> None:
    campaign = start(db, cast.admin)
    a1 = item_of(db, campaign.id, cast.staff_a1)
    own = item_of(db, campaign.id, cast.head_a)
    for actor in (cast.head_b, cast.staff_a2, cast.admin, cast.pref_admin):
        before = denials(db)
        with pytest.raises(PermissionDenied) as exc:
            decide(db, actor, [a1.id], "confirm")
        assert exc.value.key == "err.review_not_authorised"
        assert denials(db) == before + 1
    before = denials(db)
    with pytest.raises(PermissionDenied) as exc:
        decide(db, cast.head_a, [own.id], "confirm")
    assert exc.value.key == "err.review_own_account"
    assert denials(db) == before + 1
    # All or nothing: a batch with one item the actor may not decide changes nothing.
    with pytest.raises(PermissionDenied):
        decide(db, cast.head_a, [a1.id, own.id], "confirm")
    assert item_of(db, campaign.id, cast.staff_a1).decision == "pending"

    done = decide(db, cast.head_a, [a1.id], "confirm", reason="在岗")
    assert [(d.decision, d.change_request_id) for d in done] == [("confirmed", None)]
    item = item_of(db, campaign.id, cast.staff_a1)
    assert (item.decision, item.decided_by, item.note) == ("confirmed", cast.head_a, "在岗")
    with db.read() as s:
        ev = s.scalars(
            sa.select(AuditEvent).where(
                AuditEvent.action == "review.decide", AuditEvent.outcome == "ok"
            )
        ).one()
        diff = json.loads(ev.diff)
        assert diff["decision"] == ["pending", "confirmed"]
        assert diff["decided_by"] == [None, cast.head_a]
    with pytest.raises(Conflict):
        decide(db, cast.head_a, [a1.id], "revoke", reason="重复")


def test_a_deputy_decides_for_the_reviewer(db: Database, cast: Cast) -> None:
    campaign = start(db, cast.admin)
    changes.name_deputy(
        changes.NameDeputy(cast.staff_a2, T0 - timedelta(days=1), T0 + timedelta(days=5)),
        db.uow(), who(db, cast.head_a), now=T0,
    )  # fmt: skip
    a1 = item_of(db, campaign.id, cast.staff_a1)
    own = item_of(db, campaign.id, cast.staff_a2)
    with pytest.raises(PermissionDenied):
        decide(db, cast.staff_a2, [own.id], "confirm")
    [done] = decide(db, cast.staff_a2, [a1.id], "confirm")
    assert done.decided_for == cast.head_a
    # The unit head's own item goes to their deputy.
    head = item_of(db, campaign.id, cast.head_a)
    with pytest.raises(PermissionDenied):
        decide(db, cast.staff_a2, [head.id], "confirm")  # head_a cannot decide it: nor for them


def test_revoking_an_account_files_an_offboarding_the_executor_carries_out(
    db: Database, cast: Cast
) -> None:
    campaign = start(db, cast.admin)
    a1 = item_of(db, campaign.id, cast.staff_a1)
    with pytest.raises(InvalidInput):
        decide(db, cast.head_a, [a1.id], "revoke")  # a reason is required
    [done] = decide(db, cast.head_a, [a1.id], "revoke", reason="已调离")
    assert done.change_kind == "offboard" and done.change_request_id is not None
    with db.read() as s:
        req = s.get(ChangeRequest, done.change_request_id)
        assert req is not None
        assert (req.kind, req.state, req.target_account_id) == ("offboard", "reviewed",
                                                                cast.staff_a1)  # fmt: skip
        assert req.submitted_by == req.reviewed_by == cast.head_a
        assert (req.executor_role, req.executor_unit) == ("dept_admin", f"{PREFECTURE}|civil")
        assert req.deadline == T0 + timedelta(days=changes.STEP_DAYS)
        actions = list(s.scalars(
            sa.select(AuditEvent.action).where(AuditEvent.target_id.in_(
                [str(req.id), str(a1.id)]), AuditEvent.target_kind.in_(
                ["change_request", "review_item"])).order_by(AuditEvent.seq)
        ))  # fmt: skip
        assert actions == ["change.submit", "change.review", "review.decide"]
    assert item_of(db, campaign.id, cast.staff_a1).change_request_id == req.id

    # The decider cannot execute it, nor can the county admin; the prefecture admin does.
    for wrong in (cast.head_a, cast.county_admin):
        with pytest.raises(PermissionDenied):
            changes.execute(changes.ActOn(req.id), db.uow(), who(db, wrong))
    view = changes.execute(changes.ActOn(req.id), db.uow(), who(db, cast.pref_admin))
    assert view.state == "executed"
    with db.read() as s:
        target = s.get(Account, cast.staff_a1)
        assert target is not None and target.status == "disabled"
        assert load_grants(s, subject_of(cast.staff_a1)) == []


def test_revoking_roles_files_a_modify_with_revokes(db: Database, cast: Cast) -> None:
    campaign = start(db, cast.admin)
    a2 = item_of(db, campaign.id, cast.staff_a2)
    with pytest.raises(InvalidInput):
        decide(db, cast.head_a, [a2.id], "revoke", reason="x", revoke_roles=("supervisor",))
    with pytest.raises(InvalidInput):
        decide(db, cast.head_a, [a2.id], "confirm", revoke_roles=("caseworker",))
    [done] = decide(db, cast.head_a, [a2.id], "revoke", reason="不再经办",
                    revoke_roles=("caseworker",))  # fmt: skip
    assert done.change_kind == "modify"
    with db.read() as s:
        req = s.get(ChangeRequest, done.change_request_id)
        assert req is not None
        assert json.loads(req.payload) == {
            "revokes": [{"role": "caseworker", "region": COUNTY_A, "department": "civil"}]
        }
    changes.execute(changes.ActOn(req.id), db.uow(), who(db, cast.pref_admin))
    with db.read() as s:
        assert load_grants(s, subject_of(cast.staff_a2)) == []
        account = s.get(Account, cast.staff_a2)
        assert account is not None and account.status == "active"


def test_status_counts_per_unit_and_escalation_after_the_deadline(db: Database, cast: Cast) -> None:
    campaign = start(db, cast.admin, days=10)
    a1 = item_of(db, campaign.id, cast.staff_a1)
    a2 = item_of(db, campaign.id, cast.staff_a2)
    b = item_of(db, campaign.id, cast.staff_b)
    decide(db, cast.head_a, [a1.id], "confirm")
    decide(db, cast.head_a, [a2.id], "revoke", reason="调离")
    with db.read() as s:
        st = review.status(s, campaign.id, now=T0)
    units = {(u.region, u.department): u for u in st.units}
    a = units[(COUNTY_A, "civil")]
    assert (a.total, a.confirmed, a.revoked, a.pending, a.overdue) == (4, 1, 1, 2, 0)
    assert units[(COUNTY_B, "civil")].pending == 2
    assert st.totals()["total"] == 6
    with db.read() as s:
        mine = review.status(s, campaign.id, viewer=cast.head_b, now=T0)
    assert [(u.region, u.department) for u in mine.units] == [(COUNTY_B, "civil")]

    # Before the deadline the level above may not decide; escalation finds nothing.
    with pytest.raises(PermissionDenied):
        decide(db, cast.pref_admin, [b.id], "confirm")
    assert review.escalate(db.uow(), who(db, cast.admin), now=T0).campaigns == {}
    late = T0 + timedelta(days=11)
    with pytest.raises(PermissionDenied):
        review.escalate(db.uow(), who(db, cast.head_a), campaign_id=campaign.id, now=late)
    result = review.escalate(db.uow(), who(db, cast.admin), now=late)
    assert result.campaigns == {campaign.id: 4}
    assert review.escalate(db.uow(), who(db, cast.admin), now=late).campaigns == {}
    with db.read() as s:
        st = review.status(s, campaign.id, now=late, escalated_only=True)
        assert sum(1 for _ in s.scalars(sa.select(AuditEvent).where(
            AuditEvent.action == "review.escalate", AuditEvent.outcome == "ok"))) == 1  # fmt: skip
    a = {(u.region, u.department): u for u in st.units}[(COUNTY_A, "civil")]
    assert (a.pending, a.overdue, a.escalated) == (2, 2, 2)

    # The prefecture's civil-affairs admin now sees and decides county B's and A's items.
    with db.read() as s:
        page = review.list_items(s, cast.pref_admin, escalated_only=True, now=late)
    assert {v.account_id for v in page.items} == {cast.head_a, cast.county_admin,
                                                  cast.head_b, cast.staff_b}  # fmt: skip
    assert all(v.overdue for v in page.items)
    [done] = decide(db, cast.pref_admin, [b.id], "confirm", now=late)
    assert done.decision == "confirmed"
    # The unit head's own item, once escalated, has someone to decide it.
    head = item_of(db, campaign.id, cast.head_a)
    decide(db, cast.pref_admin, [head.id], "confirm", now=late)


def test_list_shows_a_reviewer_their_items_but_never_their_own(db: Database, cast: Cast) -> None:
    campaign = start(db, cast.admin)
    with db.read() as s:
        page = review.list_items(s, cast.head_a, now=T0)
        assert {v.account_id for v in page.items} == {cast.county_admin, cast.staff_a1,
                                                      cast.staff_a2}  # fmt: skip
        first = review.list_items(s, cast.head_a, campaign.id, limit=2, now=T0)
        assert len(first.items) == 2 and first.next_after == first.items[-1].id
        rest = review.list_items(s, cast.head_a, campaign.id, after=first.next_after, now=T0)
        assert len(rest.items) == 1 and rest.next_after is None
        assert review.list_items(s, cast.staff_a1, now=T0).items == []
    review.close(review.CampaignRef(campaign.id), db.uow(), who(db, cast.admin), now=T0)
    with pytest.raises(Conflict):
        decide(db, cast.head_a, [page.items[0].id], "confirm")
    with pytest.raises(Conflict):
        review.close(review.CampaignRef(campaign.id), db.uow(), who(db, cast.admin), now=T0)


def test_two_people_deciding_one_item_at_once_exactly_one_wins(db: Database, cast: Cast) -> None:
    campaign = start(db, cast.admin)
    changes.name_deputy(
        changes.NameDeputy(cast.staff_a2, T0 - timedelta(days=1), T0 + timedelta(days=5)),
        db.uow(), who(db, cast.head_a), now=T0,
    )  # fmt: skip
    a1 = item_of(db, campaign.id, cast.staff_a1)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def act(actor: int, decision: str) -> None:
        barrier.wait()
        try:
            decide(db, actor, [a1.id], decision, reason="并发")
            outcomes.append("ok")
        except Conflict as exc:
            outcomes.append(exc.key)

    threads = [
        threading.Thread(target=act, args=(cast.head_a, "revoke")),
        threading.Thread(target=act, args=(cast.staff_a2, "confirm")),
    ]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(outcomes) == ["err.review_already_decided", "ok"]
    item = item_of(db, campaign.id, cast.staff_a1)
    with db.read() as s:
        requests = s.scalar(sa.select(sa.func.count()).select_from(ChangeRequest))
        decided = s.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "review.decide"))
    assert decided == 1
    assert requests == (1 if item.decision == "revoked" else 0)
