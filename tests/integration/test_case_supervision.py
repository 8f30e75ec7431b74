"""Case supervision on both backends with a fixed clock: overdue, due soon and the 10-day
rule, keyset pages, scope (a county supervisor never sees another county's cases), and
supervision notices tracked to closure (交必办、办必果、果必报)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

import accounts.models  # noqa: F401
import audit_log.models  # noqa: F401
import casedb.supervision_models  # noqa: F401
import rbac.models  # noqa: F401
from accounts import supervision as sv
from audit_log.models import AuditEvent
from casedb.calendar import WorkCalendar
from casedb.engine import Database
from casedb.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from tests.support.cases import (
    COUNTY,
    NOW,
    OTHER_COUNTY,
    OTHER_COUNTY_TOWNSHIP,
    OTHER_TOWNSHIP,
    PREFECTURE,
    TOWNSHIP,
    actor_of,
    add_case,
)
from tests.support.people import make_person

CAL = WorkCalendar()


def person(db: Database, login: str, **kw: object) -> int:
    return make_person(db, login, password=None, **kw)  # type: ignore[arg-type]


@pytest.fixture
def cast(db: Database) -> dict[str, int]:
    return {
        "county_sup": person(db, "county_sup", region=COUNTY, department="coord",
                             role="supervisor", role_department="*"),
        "other_sup": person(db, "other_sup", region=OTHER_COUNTY, department="coord",
                            role="supervisor", role_department="*"),
        "pref_sup": person(db, "pref_sup", region=PREFECTURE, department="coord",
                           role="supervisor", role_department="*"),
        "worker": person(db, "worker", region=TOWNSHIP, role="caseworker"),
        "other_worker": person(db, "other_worker", region=OTHER_TOWNSHIP, role="caseworker"),
        "water_worker": person(db, "water_worker", region=TOWNSHIP, department="water",
                               role="caseworker"),
        "nobody": person(db, "nobody", region=COUNTY),
    }  # fmt: skip


def numbers(page: sv.q.CasePage) -> list[str]:
    return [r.case_no for r in page.items]


def test_overdue_due_soon_and_ten_day_lists(db: Database, cast: dict[str, int]) -> None:
    late = add_case(db, deadline=NOW - timedelta(hours=5), case_no="LATE")
    later = add_case(db, deadline=NOW - timedelta(days=2), case_no="LATER")
    soon = add_case(db, deadline=NOW + timedelta(hours=20), case_no="SOON")
    add_case(db, deadline=NOW + timedelta(days=6), case_no="FAR")
    old = add_case(db, created=NOW - timedelta(days=11), case_no="OLD")
    add_case(db, created=NOW - timedelta(days=9), case_no="NINE")
    add_case(db, deadline=NOW - timedelta(days=3), closed=NOW - timedelta(days=1),
             case_no="DONE")  # fmt: skip
    me = actor_of(db, cast["county_sup"])

    overdue = sv.list_cases(sv.CaseQuery("overdue"), db, me, now=NOW, cal=CAL)
    assert numbers(overdue) == [later, late]  # most overdue first, closed cases never
    due = sv.list_cases(sv.CaseQuery("due_soon"), db, me, now=NOW, cal=CAL)
    assert numbers(due) == [soon]  # within one working day (Thursday's end)
    wider = sv.list_cases(sv.CaseQuery("due_soon", due_within=5), db, me, now=NOW, cal=CAL)
    assert "FAR" in numbers(wider)
    ten = sv.list_cases(sv.CaseQuery("ten_day"), db, me, now=NOW, cal=CAL)
    assert numbers(ten) == [old]


def test_keyset_pages_cover_every_row_once(db: Database, cast: dict[str, int]) -> None:
    made = [add_case(db, deadline=NOW - timedelta(hours=1 + i % 3)) for i in range(7)]
    me = actor_of(db, cast["county_sup"])
    seen: list[str] = []
    after = None
    while True:
        page = sv.list_cases(sv.CaseQuery(), db, me, after=after, limit=3, now=NOW, cal=CAL)
        seen += numbers(page)
        if page.next_after is None:
            break
        after = page.next_after
    assert sorted(seen) == sorted(made) and len(seen) == len(set(seen))


def test_a_county_supervisor_never_sees_another_countys_cases(
    db: Database, cast: dict[str, int]
) -> None:
    mine = add_case(db, deadline=NOW - timedelta(hours=1))
    theirs = add_case(db, region=OTHER_COUNTY_TOWNSHIP, deadline=NOW - timedelta(hours=1))
    me = actor_of(db, cast["county_sup"])
    assert numbers(sv.list_cases(sv.CaseQuery(), db, me, now=NOW, cal=CAL)) == [mine]
    other = actor_of(db, cast["other_sup"])
    assert numbers(sv.list_cases(sv.CaseQuery(), db, other, now=NOW, cal=CAL)) == [theirs]
    prefecture = actor_of(db, cast["pref_sup"])
    both = sv.list_cases(sv.CaseQuery(), db, prefecture, now=NOW, cal=CAL)
    assert sorted(numbers(both)) == sorted([mine, theirs])

    # Asking for the other county is refused, and the refusal is recorded.
    with pytest.raises(PermissionDenied) as exc:
        sv.list_cases(sv.CaseQuery(region=OTHER_COUNTY), db, me, now=NOW, cal=CAL)
    assert exc.value.key == "err.case_outside_scope"
    with pytest.raises(PermissionDenied):
        sv.show_case(theirs, db, me, now=NOW)
    with pytest.raises(PermissionDenied):
        sv.list_cases(sv.CaseQuery(), db, actor_of(db, cast["nobody"]), now=NOW, cal=CAL)
    with db.read() as s:
        denied = s.scalars(sa.select(AuditEvent.action).where(AuditEvent.outcome == "denied")).all()
    assert denied.count("case.read") == 3
    # A department-bound grant sees its department only.
    water = actor_of(db, cast["water_worker"])
    add_case(db, department="water", item="drinking_water", deadline=NOW - timedelta(hours=1),
             case_no="WATER")  # fmt: skip
    assert numbers(sv.list_cases(sv.CaseQuery(), db, water, now=NOW, cal=CAL)) == ["WATER"]


def test_show_gives_history_limit_and_flags(db: Database, cast: dict[str, int]) -> None:
    no = add_case(db, item="drinking_water", department="water", step="investigate",
                  deadline=NOW - timedelta(hours=1), created=NOW - timedelta(days=12))  # fmt: skip
    shown = sv.show_case(no, db, actor_of(db, cast["county_sup"]), now=NOW)
    assert shown.overdue and shown.ten_day
    assert shown.limit == {"amount": 2, "unit": "workdays"}
    assert [e["action"] for e in shown.detail.events] == ["created"]
    with pytest.raises(NotFound):
        sv.show_case("NOPE", db, actor_of(db, cast["county_sup"]), now=NOW)


def test_a_notice_is_tracked_to_closure(db: Database, cast: dict[str, int]) -> None:
    no = add_case(db, assignee=cast["worker"], deadline=NOW - timedelta(hours=3))
    sup = actor_of(db, cast["county_sup"])
    issued = sv.issue_notices(sv.IssueNotice("超时未核查", (no,)), db.uow(), sup, now=NOW,
                              cal=CAL)  # fmt: skip
    [notice] = issued.notices
    # Its own limit: 3 working days from Wednesday 18 November → Monday 23 November's end.
    assert issued.due_at == CAL.add_workdays(NOW, 3)
    assert notice.unit_region == TOWNSHIP and notice.unit_department == "civil"
    assert notice.state == "issued"
    with pytest.raises(Conflict):  # one open notice per case
        sv.issue_notices(sv.IssueNotice("again", (no,)), db.uow(), sup, now=NOW, cal=CAL)

    worker = actor_of(db, cast["worker"])
    outsider = actor_of(db, cast["other_worker"])
    with pytest.raises(PermissionDenied):  # another township's staff cannot answer
        sv.reply_notice(sv.ReplyNotice(notice.id, "handled"), db.uow(), outsider, now=NOW)
    with pytest.raises(Conflict):  # in order: handled before resulted
        sv.reply_notice(sv.ReplyNotice(notice.id, "resulted", "done"), db.uow(), worker, now=NOW)
    with pytest.raises(InvalidInput):  # a result needs a note
        sv.reply_notice(sv.ReplyNotice(notice.id, "resulted"), db.uow(), worker, now=NOW)
    with pytest.raises(Conflict):  # closing waits for the report
        sv.close_notice(sv.CloseNotice(notice.id), db.uow(), sup, now=NOW)

    t1, t2, t3 = (NOW + timedelta(hours=h) for h in (1, 20, 30))
    v = sv.reply_notice(sv.ReplyNotice(notice.id, "handled"), db.uow(), worker, now=t1)
    assert v.state == "handled"
    v = sv.reply_notice(sv.ReplyNotice(notice.id, "resulted", "已入户核查"), db.uow(), worker,
                        now=t2)  # fmt: skip
    v = sv.reply_notice(sv.ReplyNotice(notice.id, "reported", "已告知申请人"), db.uow(),
                        worker, now=t3)  # fmt: skip
    assert v.state == "reported"
    with pytest.raises(PermissionDenied):  # the unit does not close its own notice
        sv.close_notice(sv.CloseNotice(notice.id), db.uow(), worker, now=t3)
    closed = sv.close_notice(sv.CloseNotice(notice.id, "结果属实"), db.uow(), sup, now=t3)
    assert closed.state == "closed" and closed.closed_at == t3
    assert [e["action"] for e in closed.timeline] == [
        "issued", "handled", "resulted", "reported", "closed"
    ]  # fmt: skip
    shown = sv.show_case(no, db, sup, now=t3)
    assert [e["action"] for e in shown.detail.events] == ["created", "supervised"]
    with db.read() as s:
        actions = s.scalars(
            sa.select(AuditEvent.action).where(AuditEvent.outcome == "ok").order_by(AuditEvent.seq)
        ).all()
    assert actions[-5:] == ["case.supervise", "case.notice_reply", "case.notice_reply",
                            "case.notice_reply", "case.notice_close"]  # fmt: skip


def test_notice_deadlines_and_the_overdue_notice_list(db: Database, cast: dict[str, int]) -> None:
    no = add_case(db, deadline=NOW - timedelta(hours=3))
    sup = actor_of(db, cast["county_sup"])
    issued = sv.issue_notices(sv.IssueNotice("督办", (no,), reply_workdays=1), db.uow(), sup,
                              now=NOW, cal=CAL)  # fmt: skip
    due = issued.due_at
    views, _ = sv.list_notices(db, sup, overdue_only=True, now=due - timedelta(minutes=1))
    assert views == []
    views, _ = sv.list_notices(db, sup, overdue_only=True, now=due + timedelta(minutes=1))
    assert [v.case_no for v in views] == [no]
    # The unit sees it in its inbox; another county's supervisor does not.
    inbox, _ = sv.list_notices(db, actor_of(db, cast["worker"]), now=NOW)
    assert [v.id for v in inbox] == [issued.notices[0].id]
    assert sv.list_notices(db, actor_of(db, cast["other_sup"]), now=NOW)[0] == []
    with pytest.raises(InvalidInput):
        sv.issue_notices(sv.IssueNotice("x", (no,), reply_workdays=0), db.uow(), sup, now=NOW)


def test_a_notice_on_a_filtered_set(db: Database, cast: dict[str, int]) -> None:
    mine = [add_case(db, deadline=NOW - timedelta(hours=h)) for h in (1, 2, 3)]
    add_case(db, region=OTHER_COUNTY_TOWNSHIP, deadline=NOW - timedelta(hours=1))
    add_case(db, deadline=NOW + timedelta(days=2))
    sup = actor_of(db, cast["county_sup"])
    sv.issue_notices(sv.IssueNotice("先督一件", (mine[0],)), db.uow(), sup, now=NOW, cal=CAL)
    cmd = sv.IssueNotice("超时督办", query=sv.CaseQuery("overdue"))
    plan = sv.preview_notices(cmd, db, sup, now=NOW, cal=CAL)
    assert sorted(c.case_no for c in plan.cases) == sorted(mine[1:])
    assert plan.skipped == [mine[0]]
    issued = sv.issue_notices(cmd, db.uow(), sup, now=NOW, cal=CAL)
    assert sorted(n.case_no for n in issued.notices) == sorted(mine[1:])
    assert {n.batch for n in issued.notices} == {issued.batch}
    with pytest.raises(InvalidInput) as exc:
        sv.issue_notices(cmd, db.uow(), sup, now=NOW, cal=CAL)
    assert exc.value.key == "err.case_notice_nothing"
    # A caseworker cannot issue notices.
    with pytest.raises(PermissionDenied):
        sv.issue_notices(cmd, db.uow(), actor_of(db, cast["worker"]), now=NOW, cal=CAL)


def test_a_disabled_supervisor_can_do_nothing(db: Database, cast: dict[str, int]) -> None:
    gone = person(db, "gone_sup", region=COUNTY, department="coord", status="disabled",
                  role="supervisor", role_department="*")  # fmt: skip
    with pytest.raises(PermissionDenied) as exc:
        sv.list_cases(sv.CaseQuery(), db, actor_of(db, gone), now=NOW, cal=CAL)
    assert exc.value.key == "err.case_actor_unusable"
