"""Reassigning cases on both backends: between accounts of one unit only, refused for an
account outside the unit, not active, or without the role; bulk by filter with a preview
that equals what is done; one transaction with case events and one audit event."""

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
from casedb.engine import Database
from casedb.errors import Conflict, InvalidInput, PermissionDenied
from casedb.models import Case, CaseEvent
from tests.support.cases import NOW, OTHER_TOWNSHIP, TOWNSHIP, actor_of, add_case
from tests.support.people import make_person


def person(db: Database, login: str, **kw: object) -> int:
    return make_person(db, login, password=None, **kw)  # type: ignore[arg-type]


@pytest.fixture
def cast(db: Database) -> dict[str, int]:
    return {
        "head": person(db, "head", region=TOWNSHIP, department="coord",
                       role="township_leader", role_department="*"),
        "a": person(db, "a", region=TOWNSHIP, role="caseworker"),
        "b": person(db, "b", region=TOWNSHIP, role="caseworker"),
        "c": person(db, "c", region=TOWNSHIP, role="caseworker"),
        "elsewhere": person(db, "elsewhere", region=OTHER_TOWNSHIP, role="caseworker"),
        "disabled": person(db, "disabled", region=TOWNSHIP, role="caseworker",
                           status="disabled"),
        "no_role": person(db, "no_role", region=TOWNSHIP),
        "other_dept": person(db, "other_dept", region=TOWNSHIP, department="water",
                             role="caseworker"),
        "worker": person(db, "worker", region=TOWNSHIP, role="caseworker"),
    }  # fmt: skip


def assignee(db: Database, case_no: str) -> int | None:
    with db.read() as s:
        return s.scalar(sa.select(Case.assignee_id).where(Case.case_no == case_no))


def test_one_case_to_a_colleague(db: Database, cast: dict[str, int]) -> None:
    no = add_case(db, assignee=cast["a"])
    head = actor_of(db, cast["head"])
    plan = sv.reassign(sv.Reassign((cast["b"],), "休假", (no,)), db.uow(), head, now=NOW)
    assert [(m.case_no, m.from_id, m.to_id) for m in plan.moves] == [(no, cast["a"], cast["b"])]
    assert assignee(db, no) == cast["b"]
    with db.read() as s:
        events = s.scalars(sa.select(CaseEvent.action).order_by(CaseEvent.id)).all()
        audit = s.scalars(sa.select(AuditEvent.action).where(AuditEvent.outcome == "ok")).all()
    assert events[-1] == "reassigned" and audit[-1] == "case.reassign"


@pytest.mark.parametrize(
    ("who", "key"),
    [
        ("elsewhere", "err.case_reassign_other_unit"),
        ("other_dept", "err.case_reassign_other_unit"),
        ("disabled", "err.case_reassign_inactive"),
        ("no_role", "err.case_reassign_no_role"),
    ],
)
def test_unfit_accounts_are_refused(db: Database, cast: dict[str, int], who: str, key: str) -> None:
    no = add_case(db, assignee=cast["a"])
    with pytest.raises(InvalidInput) as exc:
        sv.reassign(sv.Reassign((cast[who],), "调整", (no,)), db.uow(), actor_of(db, cast["head"]),
                    now=NOW)  # fmt: skip
    assert exc.value.key == key
    assert assignee(db, no) == cast["a"]


def test_only_a_role_with_case_reassign_may_move_cases(db: Database, cast: dict[str, int]) -> None:
    no = add_case(db, assignee=cast["a"])
    with pytest.raises(PermissionDenied):
        sv.reassign(sv.Reassign((cast["b"],), "自己调", (no,)), db.uow(),
                    actor_of(db, cast["worker"]), now=NOW)  # fmt: skip
    assert assignee(db, no) == cast["a"]
    with db.read() as s:
        denied = s.scalars(sa.select(AuditEvent.action).where(AuditEvent.outcome == "denied")).all()
    assert denied == ["case.reassign"]
    with pytest.raises(InvalidInput):  # a reason is required
        sv.reassign(sv.Reassign((cast["b"],), " ", (no,)), db.uow(), actor_of(db, cast["head"]))


def test_an_unassigned_case_goes_to_a_handler_on_its_path(
    db: Database, cast: dict[str, int]
) -> None:
    no = add_case(db, assignee=None)
    head = actor_of(db, cast["head"])
    with pytest.raises(InvalidInput):
        sv.reassign(sv.Reassign((cast["elsewhere"],), "分派", (no,)), db.uow(), head, now=NOW)
    sv.reassign(sv.Reassign((cast["a"],), "分派", (no,)), db.uow(), head, now=NOW)
    assert assignee(db, no) == cast["a"]


def test_bulk_preview_equals_what_is_done(db: Database, cast: dict[str, int]) -> None:
    overdue = [add_case(db, assignee=cast["a"], deadline=NOW - timedelta(hours=h))
               for h in (1, 2, 3, 4, 5)]  # fmt: skip
    on_time = add_case(db, assignee=cast["a"])
    water = add_case(db, assignee=cast["a"], item="temp_assist")
    closed = add_case(db, assignee=cast["a"], closed=NOW - timedelta(days=1))
    head = actor_of(db, cast["head"])
    cmd = sv.Reassign((cast["b"], cast["c"]), "调离", from_id=cast["a"], overdue_only=True)
    preview = sv.preview_reassign(cmd, db, head, now=NOW)
    assert sorted(m.case_no for m in preview.moves) == sorted(overdue)
    assert {m.to_id for m in preview.moves} == {cast["b"], cast["c"]}
    assert assignee(db, overdue[0]) == cast["a"]  # a preview changes nothing
    with pytest.raises(Conflict):
        sv.reassign(cmd, db.uow(), head, now=NOW, expect=len(preview.moves) + 1)
    done = sv.reassign(cmd, db.uow(), head, now=NOW, expect=len(preview.moves))
    assert done.moves == preview.moves
    for m in done.moves:
        assert assignee(db, m.case_no) == m.to_id
    assert assignee(db, on_time) == cast["a"] and assignee(db, closed) == cast["a"]
    # The rest, by item.
    rest = sv.Reassign((cast["b"],), "调离", from_id=cast["a"], item="temp_assist")
    assert [m.case_no for m in sv.reassign(rest, db.uow(), head, now=NOW).moves] == [water]


def test_bulk_with_an_unfit_successor_moves_nothing(db: Database, cast: dict[str, int]) -> None:
    cases = [add_case(db, assignee=cast["a"]) for _ in range(3)]
    cmd = sv.Reassign((cast["b"], cast["disabled"]), "调离", from_id=cast["a"])
    with pytest.raises(InvalidInput):
        sv.reassign(cmd, db.uow(), actor_of(db, cast["head"]), now=NOW)
    assert [assignee(db, no) for no in cases] == [cast["a"]] * 3
