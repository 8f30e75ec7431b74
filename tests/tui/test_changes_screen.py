"""Pilot tests of the Changes screen (变更): the inbox of personnel change requests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from rich.text import Text
from textual.pilot import Pilot
from textual.widgets import Input, SelectionList, Static

from accounts import changes
from accounts.change_models import ChangeRequest
from accounts.changes import ActOn, SubmitChange
from accounts.session import AccountInfo, find_account
from audit_log.actor import Actor
from casedb.engine import Database
from casedb.models import Account, Case
from console.tui.app import JzApp
from console.tui.screens.changes import (
    PAGE_SIZE,
    ChangesScreen,
    ChangeTable,
    OffboardConfirm,
    RejectDialog,
)
from tests.support.people import make_person
from tests.tui.conftest import press_until, screen_text, wait_until

pytestmark = pytest.mark.both_backends  # lists paged and filtered in SQL

SIZE = (150, 45)
TOWNSHIP = "530102001000"  # 护国街道
OTHER_TOWNSHIP = "530102002000"  # 大观街道
COUNTY = "530102000000"  # 五华区


def person(db: Database, login: str, **kw: Any) -> int:
    return make_person(db, login, password=None, **kw)


def info(db: Database, login: str) -> AccountInfo:
    with db.read() as s:
        found = find_account(s, login)
    assert found is not None
    return found


def who(db: Database, login: str) -> Actor:
    user = info(db, login)
    return Actor(user.login_name, user.id, host="test", terminal="-")


class Cast:
    """The township row of the chain: a caseworker at a township; the township leader
    reviews, the county's civil-affairs admin executes; a coordinator admin submits."""

    def __init__(self, db: Database, target_name: str = "张三") -> None:
        self.target = person(
            db, "target", full_name=target_name, region=TOWNSHIP, role="caseworker"
        )
        self.submitter = person(
            db, "submitter", region=COUNTY, role="coord_admin", role_department="*"
        )
        self.reviewer = person(
            db, "reviewer", region=TOWNSHIP, role="township_leader", role_department="*"
        )
        self.executor = person(db, "executor", region=COUNTY, role="dept_admin")


def submit(db: Database, kind: str, payload: dict[str, Any], reason: str = "人事调整") -> int:
    target = info(db, "target").id
    cmd = SubmitChange(kind, target, reason, payload, doc_no="滇民任〔2026〕7号")
    return changes.submit(cmd, db.uow(), who(db, "submitter")).id


def state(db: Database, request_id: int) -> tuple[str, str]:
    with db.read() as s:
        req = s.get(ChangeRequest, request_id)
        assert req is not None
        return req.state, req.rejected_reason


def screen(app: JzApp) -> ChangesScreen:
    s = app.screen_stack[0]
    assert isinstance(s, ChangesScreen)
    return s


def ids(app: JzApp) -> list[int]:
    table = screen(app).query_one(ChangeTable)
    out = []
    for i in range(table.row_count):
        cell = table.get_row_at(i)[0]
        out.append(int(cell.plain if isinstance(cell, Text) else str(cell)))
    return out


def settled(app: JzApp) -> bool:
    return app.current_mode == "changes" and not screen(app).fetching and not screen(app).busy


def shown(app: JzApp, request_id: int) -> bool:
    s = screen(app)
    return s.detail is not None and s.detail.view.id == request_id


def plain(widget: Static) -> str:
    visual = widget.visual
    return getattr(visual, "plain", str(visual))


def pane(app: JzApp) -> str:
    s = screen(app)
    return "\n".join(plain(s.query_one(f"#{w}", Static)) for w in ("chg-facts", "chg-diff"))


def status(app: JzApp) -> str:
    return plain(screen(app).query_one("#chg-status", Static))


def footer_keys(app: JzApp) -> str:
    return screen_text(app).splitlines()[-1]


async def open_inbox(app: JzApp, pilot: Pilot[int], scope_key: str | None = None) -> None:
    await pilot.press("4")
    await wait_until(pilot, lambda: app.current_mode == "changes" and settled(app))
    if scope_key is not None:
        await pilot.press(scope_key)
        await wait_until(pilot, lambda: settled(app))


# --- the inbox ---------------------------------------------------------------------------


async def test_a_submitted_request_is_in_its_reviewers_inbox_and_no_one_elses(
    db: Database,
) -> None:
    Cast(db, target_name="[b]张[/b]三")  # markup in a name shows as typed
    request_id = submit(db, "modify", {"post": "站长"})
    app = JzApp(db, user=info(db, "reviewer"))
    async with app.run_test(size=SIZE) as pilot:
        await open_inbox(app, pilot)
        assert ids(app) == [request_id]
        await wait_until(pilot, lambda: shown(app, request_id) and "通过" in footer_keys(app))
        text = screen_text(app)
        assert "[b]张[/b]三" in text and "待审核" in text
        facts = pane(app)
        assert "人事调整" in facts and "滇民任〔2026〕7号" in facts
        assert "护国街道（530102001000） · 民政 乡镇领导 审核" in facts
        assert "职务：— → 站长" in facts
        await pilot.press("x")  # nothing to execute yet
        await wait_until(pilot, lambda: settled(app) and screen(app).scope == "to_execute")
        assert ids(app) == []
        assert "没有申请" in status(app)

    for login, scope in (("executor", None), ("executor", "x"), ("target", None)):
        app = JzApp(db, user=info(db, login))
        async with app.run_test(size=SIZE) as pilot:
            await open_inbox(app, pilot, scope)
            assert ids(app) == [], (login, scope)

    app = JzApp(db, user=info(db, "submitter"))
    async with app.run_test(size=SIZE) as pilot:
        await open_inbox(app, pilot, "m")
        assert ids(app) == [request_id]
        await wait_until(pilot, lambda: shown(app, request_id))
        assert "通过" not in footer_keys(app)  # nobody acts on their own request
        await pilot.press("a")
        await pilot.pause()
        assert state(db, request_id) == ("submitted", "")


async def test_approving_moves_it_to_the_executors_list(db: Database) -> None:
    Cast(db)
    request_id = submit(db, "modify", {"post": "站长"})
    app = JzApp(db, user=info(db, "reviewer"))
    async with app.run_test(size=SIZE) as pilot:
        await open_inbox(app, pilot)
        await wait_until(pilot, lambda: shown(app, request_id) and "通过" in footer_keys(app))
        await pilot.press("a")
        await wait_until(
            pilot, lambda: settled(app) and f"已审核通过申请 {request_id}" in status(app)
        )
        assert ids(app) == []
    assert state(db, request_id) == ("reviewed", "")

    app = JzApp(db, user=info(db, "executor"))
    async with app.run_test(size=SIZE) as pilot:
        await open_inbox(app, pilot, "x")
        assert ids(app) == [request_id]
        await wait_until(pilot, lambda: shown(app, request_id) and "已审核" in pane(app))
        await pilot.press("a")
        await wait_until(pilot, lambda: settled(app) and f"已执行申请 {request_id}" in status(app))
    assert state(db, request_id) == ("executed", "")
    with db.read() as s:
        target = s.get(Account, info(db, "target").id)
        assert target is not None and target.post == "站长"


async def test_rejecting_needs_a_reason_and_records_it(db: Database) -> None:
    Cast(db)
    request_id = submit(db, "modify", {"post": "站长"})
    app = JzApp(db, user=info(db, "reviewer"))
    async with app.run_test(size=SIZE) as pilot:
        await open_inbox(app, pilot)
        await wait_until(pilot, lambda: shown(app, request_id) and "驳回" in footer_keys(app))
        await pilot.press("j")
        await wait_until(pilot, lambda: isinstance(app.screen, RejectDialog))
        dialog = app.screen
        await wait_until(pilot, lambda: dialog.query_one("#reject-reason", Input).has_focus)
        await pilot.press("space", "enter")
        await wait_until(pilot, lambda: "请填写理由" in screen_text(app))
        assert isinstance(app.screen, RejectDialog)
        assert state(db, request_id) == ("submitted", "")
        await pilot.press(*"[red]", "enter")  # the service's check, in the dialog
        await wait_until(pilot, lambda: "含有形如 [b] 的标记" in screen_text(app))
        assert isinstance(app.screen, RejectDialog)
        dialog.query_one("#reject-reason", Input).value = ""
        await pilot.press("材", "料", "不", "全", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ChangesScreen))
        await wait_until(pilot, lambda: settled(app) and f"已驳回申请 {request_id}" in status(app))
        assert ids(app) == []
    assert state(db, request_id) == ("rejected", "材料不全")

    app = JzApp(db, user=info(db, "submitter"))
    async with app.run_test(size=SIZE) as pilot:
        await open_inbox(app, pilot, "m")
        await wait_until(pilot, lambda: shown(app, request_id))
        assert "驳回理由：材料不全" in pane(app)
        assert "申请已驳回，不再显示变更内容" in pane(app)


# --- offboarding ---------------------------------------------------------------------------


def open_cases(db: Database, assignee: int, n: int) -> list[int]:
    with db.uow() as uow:
        out = []
        for i in range(n):
            case = Case(
                case_no=f"C{assignee}-{i}",
                region_code=TOWNSHIP,
                department_code="civil",
                item_code="dibao",
                channel="self",
                status="open",
                step="accept",
                step_level=4,
                assignee_id=assignee,
                created_at=datetime.now(UTC),
            )
            uow.session.add(case)
            uow.session.flush()
            out.append(case.id)
        uow.commit()
        return out


async def test_executing_an_offboarding_needs_the_login_and_uses_the_successors_picked(
    db: Database,
) -> None:
    c = Cast(db)
    named = person(db, "heir_named", full_name="王五", region=TOWNSHIP, role="caseworker")
    picked = person(db, "heir_picked", full_name="赵六", region=TOWNSHIP, role="caseworker")
    cases = open_cases(db, c.target, 3)
    request_id = submit(db, "offboard", {"successors": [named]}, reason="调离")
    changes.review(ActOn(request_id), db.uow(), who(db, "reviewer"))
    app = JzApp(db, user=info(db, "executor"))
    async with app.run_test(size=SIZE) as pilot:
        await open_inbox(app, pilot, "x")
        assert ids(app) == [request_id]
        s = screen(app)
        picker = s.query_one("#chg-successors", SelectionList)
        await wait_until(pilot, lambda: shown(app, request_id) and picker.option_count > 0)
        assert "未办结工单 3 件" in plain(s.query_one("#chg-cases", Static))
        assert picker.selected == [named]  # the request's successor, preselected
        assert "状态：正常 → 已停用" in pane(app)
        # Enter opens the detail (the picker); the executor swaps the successors.
        await pilot.press("enter")
        await wait_until(pilot, lambda: picker.has_focus)
        for account_id in (named, picked):
            picker.highlighted = next(
                i
                for i in range(picker.option_count)
                if picker.get_option_at_index(i).value == account_id
            )
            await pilot.press("space")
        await wait_until(pilot, lambda: picker.selected == [picked])

        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, OffboardConfirm))
        confirm = app.screen
        assert "heir_picked" in screen_text(app)
        field = confirm.query_one("#offboard-login", Input)
        await wait_until(pilot, lambda: field.has_focus)
        await pilot.press(*"targe", "enter")
        await wait_until(pilot, lambda: "输入的登录名与 target 不符，未执行" in screen_text(app))
        assert isinstance(app.screen, OffboardConfirm)
        assert state(db, request_id) == ("reviewed", "")
        await pilot.press("t", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ChangesScreen))
        await wait_until(pilot, lambda: settled(app) and f"已执行申请 {request_id}" in status(app))
    assert state(db, request_id) == ("executed", "")
    with db.read() as s2:
        owners = set(s2.scalars(sa.select(Case.assignee_id).where(Case.id.in_(cases))))
        target = s2.get(Account, c.target)
    assert owners == {picked}
    assert target is not None and target.status == "disabled"


async def test_escape_in_the_confirmation_executes_nothing(db: Database) -> None:
    Cast(db)
    request_id = submit(db, "offboard", {}, reason="调离")
    changes.review(ActOn(request_id), db.uow(), who(db, "reviewer"))
    app = JzApp(db, user=info(db, "executor"))
    async with app.run_test(size=SIZE) as pilot:
        await open_inbox(app, pilot, "x")
        await wait_until(pilot, lambda: shown(app, request_id) and "通过" in footer_keys(app))
        assert "没有未办结的工单" in plain(screen(app).query_one("#chg-cases", Static))
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, OffboardConfirm))
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, ChangesScreen))
        assert ids(app) == [request_id]
    assert state(db, request_id) == ("reviewed", "")


# --- races and the diff ----------------------------------------------------------------------


async def test_a_lost_race_is_one_sentence_and_a_fresh_list(db: Database) -> None:
    Cast(db)
    person(db, "reviewer2", region=TOWNSHIP, role="township_leader", role_department="*")
    request_id = submit(db, "modify", {"post": "站长"})
    app = JzApp(db, user=info(db, "reviewer"))
    async with app.run_test(size=SIZE) as pilot:
        await open_inbox(app, pilot)
        await wait_until(pilot, lambda: shown(app, request_id) and "通过" in footer_keys(app))
        changes.review(ActOn(request_id), db.uow(), who(db, "reviewer2"))  # first
        await pilot.press("a")
        sentence = f"已有人先处理了申请 {request_id}：列表已刷新。"
        await wait_until(pilot, lambda: settled(app) and sentence in status(app))
        assert ids(app) == []
        assert sentence in screen_text(app)
    with db.read() as s:
        req = s.get(ChangeRequest, request_id)
        assert req is not None and req.reviewed_by == info(db, "reviewer2").id


async def test_the_diff_shows_before_and_after_for_a_transfer(db: Database) -> None:
    Cast(db)
    payload = {
        "region_code": OTHER_TOWNSHIP,
        "department_code": "civil",
        "post": "副站长",
        "grants": [{"role": "caseworker", "region": OTHER_TOWNSHIP, "department": "civil"}],
    }
    request_id = submit(db, "transfer", payload, reason="交流轮岗")
    app = JzApp(db, user=info(db, "reviewer"))
    async with app.run_test(size=SIZE) as pilot:
        await open_inbox(app, pilot)
        await wait_until(pilot, lambda: shown(app, request_id))
        diff = plain(screen(app).query_one("#chg-diff", Static))
        assert "区划：护国街道（530102001000） → 大观街道（530102002000）" in diff
        assert "职务：— → 副站长" in diff
        assert "- 角色：经办人员 · 护国街道（530102001000） · 民政  收回" in diff
        assert "+ 角色：经办人员 · 大观街道（530102002000） · 民政  授予" in diff
        assert "部门" not in diff  # unchanged fields are left out
        assert screen(app).query_one("#chg-handover").display


async def test_overdue_requests_are_marked_and_have_their_own_scope(db: Database) -> None:
    Cast(db)
    late = changes.submit(
        SubmitChange("modify", info(db, "target").id, "岗位调整", {"post": "站长"}),
        db.uow(),
        who(db, "submitter"),
        now=datetime.now(UTC) - timedelta(days=10),
    ).id
    on_time = submit(db, "modify", {"post": "副站长"})
    app = JzApp(db, user=info(db, "reviewer"))
    async with app.run_test(size=SIZE) as pilot:
        await open_inbox(app, pilot)
        assert ids(app) == [on_time, late]
        row = screen(app).query_one(ChangeTable).get_row_at(1)
        assert str(row[-1]).endswith("超期")
        await pilot.press("o")
        await wait_until(pilot, lambda: settled(app) and screen(app).scope == "overdue")
        assert ids(app) == [late]
        await wait_until(pilot, lambda: shown(app, late))
        assert "超期" in pane(app)


async def test_the_list_pages_as_the_cursor_reaches_the_end(db: Database) -> None:
    Cast(db)
    made = [submit(db, "modify", {"post": f"岗位{i}"}) for i in range(PAGE_SIZE + 5)]
    app = JzApp(db, user=info(db, "reviewer"))
    async with app.run_test(size=SIZE) as pilot:
        await open_inbox(app, pilot)
        assert ids(app) == made[::-1][:PAGE_SIZE]  # newest first
        assert "光标移到末行加载下一页" in status(app)
        table = screen(app).query_one(ChangeTable)
        await press_until(
            pilot,
            "end",
            lambda: table.row_count == len(made) and settled(app),
            idle=lambda: settled(app) and table.row_count == PAGE_SIZE,
        )
        assert ids(app) == made[::-1]
        await wait_until(pilot, lambda: f"共 {len(made)} 份申请" in status(app))


async def test_nobody_signed_in_sees_why_the_inbox_is_empty(db: Database) -> None:
    Cast(db)
    submit(db, "modify", {"post": "站长"})
    app = JzApp(db)
    async with app.run_test(size=SIZE) as pilot:
        await open_inbox(app, pilot)
        assert ids(app) == []
        assert "未登录" in status(app)
        assert "通过" not in footer_keys(app)


async def test_a_refusal_is_one_sentence_and_keeps_the_pick(db: Database) -> None:
    c = Cast(db)
    heir = person(db, "heir", full_name="王五", region=TOWNSHIP, role="caseworker")
    open_cases(db, c.target, 2)
    request_id = submit(db, "offboard", {"successors": [heir]}, reason="调离")
    changes.review(ActOn(request_id), db.uow(), who(db, "reviewer"))
    app = JzApp(db, user=info(db, "executor"))
    async with app.run_test(size=SIZE) as pilot:
        await open_inbox(app, pilot, "x")
        picker = screen(app).query_one("#chg-successors", SelectionList)
        await wait_until(pilot, lambda: shown(app, request_id) and picker.selected == [heir])
        picker.deselect_all()  # nobody to take the open cases
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, OffboardConfirm))
        await pilot.press(*"target", "enter")
        await wait_until(pilot, lambda: settled(app) and "请指定本单位的接手人" in status(app))
        assert ids(app) == [request_id] and shown(app, request_id)
        assert "通过" in footer_keys(app)
    assert state(db, request_id) == ("reviewed", "")
