"""Pilot tests of the Cases screen (工单): overdue lists in the admin's scope, the filter,
a case's history, supervising and reassigning from the list, notices and statistics."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from rich.text import Text
from textual.pilot import Pilot
from textual.widgets import Checkbox, DataTable, Input, OptionList, Static
from textual_plotext import PlotextPlot

import casedb.supervision_models  # noqa: F401
from accounts.session import AccountInfo, find_account
from casedb.engine import Database
from casedb.models import Case, CaseEvent
from casedb.supervision_models import SupervisionNotice
from console.tui.app import JzApp
from console.tui.screens import cases as cases_screen
from console.tui.screens.cases import (
    CaseDetailScreen,
    CasesScreen,
    CaseTable,
    ReassignDialog,
    SuperviseDialog,
)
from tests.support.cases import (
    COUNTY,
    NOW,
    OTHER_COUNTY,
    OTHER_COUNTY_TOWNSHIP,
    OTHER_TOWNSHIP,
    TOWNSHIP,
    add_case,
)
from tests.support.people import make_person
from tests.tui.conftest import screen_text, wait_until

pytestmark = pytest.mark.both_backends  # lists paged and filtered in SQL

SIZE = (80, 24)
WIDE = (150, 40)


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cases_screen, "clock", lambda: NOW)


def person(db: Database, login: str, **kw: Any) -> int:
    return make_person(db, login, password=None, **kw)


def info(db: Database, login: str) -> AccountInfo:
    with db.read() as s:
        found = find_account(s, login)
    assert found is not None
    return found


def supervisors(db: Database) -> None:
    person(db, "county_sup", region=COUNTY, department="coord", role="supervisor",
           role_department="*")  # fmt: skip
    person(db, "other_sup", region=OTHER_COUNTY, department="coord", role="supervisor",
           role_department="*")  # fmt: skip


def late(hours: int = 5) -> Any:
    return NOW - timedelta(hours=hours)


def screen(app: JzApp) -> CasesScreen:
    for s in app.screen_stack:
        if isinstance(s, CasesScreen):
            return s
    raise AssertionError("no cases screen")


def numbers(app: JzApp) -> list[str]:
    table = screen(app).query_one(CaseTable)
    out = []
    for i in range(table.row_count):
        cell = table.get_row_at(i)[0 if screen(app).view != "notices" else 1]
        text = cell.plain if isinstance(cell, Text) else str(cell)
        out.append(text.split(" ")[0])
    return out


def settled(app: JzApp) -> bool:
    s = screen(app)
    return app.current_mode == "cases" and not s.fetching and not s.busy


def status(app: JzApp) -> str:
    widget = screen(app).query_one("#cs-status", Static)
    return str(getattr(widget.visual, "plain", widget.visual))


def footer(app: JzApp) -> str:
    return screen_text(app).splitlines()[-1]


def notices(db: Database) -> list[tuple[str, str, str]]:
    with db.read() as s:
        rows = s.execute(
            sa.select(Case.case_no, SupervisionNotice.state, SupervisionNotice.reason)
            .join(Case, Case.id == SupervisionNotice.case_id)
            .order_by(SupervisionNotice.id)
        ).all()
    return [(r[0], r[1], r[2]) for r in rows]


async def open_cases(app: JzApp, pilot: Pilot[int]) -> None:
    await pilot.press("5")
    await wait_until(pilot, lambda: app.current_mode == "cases" and settled(app))
    await wait_until(pilot, lambda: screen(app).grants is not None)


async def type_filter(app: JzApp, pilot: Pilot[int], text: str) -> None:
    await pilot.press("slash")
    field = screen(app).query_one("#cs-filter", Input)
    field.value = ""
    await pilot.press(*text)
    await wait_until(pilot, lambda: screen(app).case_filter == cases_screen.parse_filter(text))
    await wait_until(pilot, lambda: settled(app))


# --- lists and scope ---------------------------------------------------------------------


async def test_a_county_supervisor_sees_only_their_countys_overdue_cases(db: Database) -> None:
    supervisors(db)
    add_case(db, deadline=late(5), case_no="YN0001")
    add_case(db, region=OTHER_COUNTY_TOWNSHIP, deadline=late(5), case_no="YN0002")
    add_case(db, deadline=NOW + timedelta(hours=20), case_no="YN0003")
    add_case(db, created=NOW - timedelta(days=11), deadline=NOW + timedelta(days=6),
             case_no="YN0004")  # fmt: skip
    app = JzApp(db, user=info(db, "county_sup"))
    async with app.run_test(size=SIZE) as pilot:
        await open_cases(app, pilot)
        assert numbers(app) == ["YN0001"]
        text = screen_text(app)
        assert "超时0天5时" in text and "护国街道" in text
        await pilot.press("d")
        await wait_until(pilot, lambda: settled(app) and screen(app).view == "due_soon")
        assert numbers(app) == ["YN0003"]
        await pilot.press("t")
        await wait_until(pilot, lambda: settled(app) and screen(app).view == "ten_days")
        assert numbers(app) == ["YN0004"]
        assert "已11天0时" in screen_text(app)

    app = JzApp(db, user=info(db, "other_sup"))
    async with app.run_test(size=SIZE) as pilot:
        await open_cases(app, pilot)
        assert numbers(app) == ["YN0002"]


async def test_typing_in_the_filter_narrows_the_list(db: Database) -> None:
    supervisors(db)
    worker = person(db, "worker", region=TOWNSHIP, role="caseworker")
    add_case(db, deadline=late(9), case_no="YN1001", assignee=worker)
    add_case(db, deadline=late(8), department="water", item="drinking_water", case_no="YN1002")
    add_case(db, region=OTHER_TOWNSHIP, deadline=late(7), case_no="YN2001")
    app = JzApp(db, user=info(db, "county_sup"))
    async with app.run_test(size=SIZE) as pilot:
        await open_cases(app, pilot)
        assert numbers(app) == ["YN1001", "YN1002", "YN2001"]
        await type_filter(app, pilot, "低保")
        assert numbers(app) == ["YN1001", "YN2001"]
        await type_filter(app, pilot, "dept:water")
        assert numbers(app) == ["YN1002"]
        await type_filter(app, pilot, "大观")  # a region by (the start of) its name
        assert numbers(app) == ["YN2001"]
        await type_filter(app, pilot, "@worker")
        assert numbers(app) == ["YN1001"]
        await type_filter(app, pilot, "yn100")
        assert numbers(app) == ["YN1001", "YN1002"]
        # A region outside the supervisor's county is refused in words; the list says so.
        await type_filter(app, pilot, "region:530103")
        assert numbers(app) == [] and "不在本人权限范围内" in status(app)


async def test_enter_shows_the_step_history(db: Database) -> None:
    supervisors(db)
    worker = person(db, "worker", region=TOWNSHIP, role="caseworker")
    no = add_case(db, deadline=late(3), case_no="YN3001", assignee=worker)
    with db.uow() as uow:
        case_id = uow.session.scalar(sa.select(Case.id).where(Case.case_no == no))
        uow.session.add(CaseEvent(case_id=case_id, at=NOW - timedelta(days=1), action="advanced",
                                  step="investigate", step_level=4, actor_id=worker,
                                  note="[b]入户[/b]核查"))  # fmt: skip
        uow.commit()
    app = JzApp(db, user=info(db, "county_sup"))
    async with app.run_test(size=SIZE) as pilot:
        await open_cases(app, pilot)
        await pilot.press("enter")
        await wait_until(
            pilot,
            lambda: isinstance(app.screen, CaseDetailScreen) and app.screen.shown is not None,
        )
        history = app.screen.query_one("#cs-history", DataTable)
        actions = [str(history.get_row_at(i)[1]) for i in range(history.row_count)]
        assert actions == ["受理", "流转"]
        text = screen_text(app)
        assert "[b]入户[/b]核查" in text  # shown as typed, never as markup
        assert "已超时" in text and "worker" in text
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, CasesScreen))


# --- supervising -------------------------------------------------------------------------


async def test_supervising_a_case_from_the_list_creates_a_notice(db: Database) -> None:
    supervisors(db)
    add_case(db, deadline=late(6), case_no="YN4001")
    add_case(db, deadline=late(5), case_no="YN4002")
    app = JzApp(db, user=info(db, "county_sup"))
    async with app.run_test(size=SIZE) as pilot:
        await open_cases(app, pilot)
        assert "s 督办" in footer(app)
        await pilot.press("s")
        await wait_until(pilot, lambda: isinstance(app.screen, SuperviseDialog))
        assert "全部 2 件" in screen_text(app)
        await pilot.press(*"请尽快核查", "enter")
        await wait_until(pilot, lambda: settled(app) and "已发出 1 份督办单" in status(app))
        assert notices(db) == [("YN4001", "issued", "请尽快核查")]
        await pilot.press("n")
        await wait_until(pilot, lambda: settled(app) and screen(app).view == "notices")
        assert numbers(app) == ["YN4001"]
        assert "已发出" in screen_text(app)


async def test_a_bulk_notice_needs_the_count_typed(db: Database) -> None:
    supervisors(db)
    for i in range(3):
        add_case(db, deadline=late(4 + i), case_no=f"YN500{i}")
    app = JzApp(db, user=info(db, "county_sup"))
    async with app.run_test(size=SIZE) as pilot:
        await open_cases(app, pilot)
        await pilot.press("s")
        await wait_until(pilot, lambda: isinstance(app.screen, SuperviseDialog))
        dialog = app.screen
        await pilot.press(*"集中督办")
        dialog.query_one("#supervise-bulk", Checkbox).value = True
        await wait_until(pilot, lambda: dialog.query_one("#supervise-confirm-row").display)
        await pilot.click("#supervise-ok")
        await wait_until(pilot, lambda: dialog.query_one("#supervise-error").display)
        assert "须输入件数 3 确认" in screen_text(app)
        assert notices(db) == []
        await pilot.press(*"2", "enter")  # the wrong count
        await pilot.pause()
        assert isinstance(app.screen, SuperviseDialog) and notices(db) == []
        dialog.query_one("#supervise-confirm", Input).value = ""
        await pilot.press(*"3", "enter")
        await wait_until(pilot, lambda: settled(app) and "已发出 3 份督办单" in status(app))
    assert sorted(n[0] for n in notices(db)) == ["YN5000", "YN5001", "YN5002"]


async def test_a_unit_replies_and_the_supervisor_closes_from_the_notices_view(
    db: Database,
) -> None:
    supervisors(db)
    person(db, "worker", region=TOWNSHIP, role="caseworker")
    add_case(db, deadline=late(6), case_no="YN6001")
    app = JzApp(db, user=info(db, "county_sup"))
    async with app.run_test(size=WIDE) as pilot:
        await open_cases(app, pilot)
        await pilot.press("s")
        await wait_until(pilot, lambda: isinstance(app.screen, SuperviseDialog))
        await pilot.press(*"督办", "enter")
        await wait_until(pilot, lambda: settled(app) and notices(db) != [])
    app = JzApp(db, user=info(db, "worker"))
    async with app.run_test(size=WIDE) as pilot:
        await open_cases(app, pilot)
        await pilot.press("n")
        await wait_until(pilot, lambda: settled(app) and numbers(app) == ["YN6001"])
        assert "h 答复" in footer(app) and "c 办结督办" not in footer(app)
        for stage, note in (("handled", ""), ("resulted", "已入户"), ("reported", "已告知")):
            await pilot.press("h")
            await wait_until(pilot, lambda: app.screen.query("#note-text").first() is not None)
            await pilot.press(*note, "enter")
            await wait_until(pilot, lambda s=stage: settled(app) and notices(db)[0][1] == s)  # type: ignore[misc]
    app = JzApp(db, user=info(db, "county_sup"))
    async with app.run_test(size=WIDE) as pilot:
        await open_cases(app, pilot)
        await pilot.press("n")
        await wait_until(pilot, lambda: settled(app) and numbers(app) == ["YN6001"])
        assert "已反馈结果" in screen_text(app)
        await pilot.press("c")
        await wait_until(pilot, lambda: app.screen.query("#note-text").first() is not None)
        await pilot.press("enter")
        await wait_until(pilot, lambda: settled(app) and notices(db)[0][1] == "closed")
        assert numbers(app) == []  # open ones only, until "a"
        await pilot.press("a")
        await wait_until(pilot, lambda: settled(app) and numbers(app) == ["YN6001"])


# --- reassigning -------------------------------------------------------------------------


async def test_reassign_lists_the_refused_colleagues_with_their_reason(db: Database) -> None:
    supervisors(db)
    person(db, "head", region=TOWNSHIP, department="coord", role="township_leader",
           role_department="*")  # fmt: skip
    a = person(db, "a", region=TOWNSHIP, role="caseworker")
    b = person(db, "b", region=TOWNSHIP, role="caseworker")
    person(db, "no_role", region=TOWNSHIP)
    person(db, "gone", region=TOWNSHIP, role="caseworker", status="disabled")
    person(db, "elsewhere", region=OTHER_TOWNSHIP, role="caseworker")
    add_case(db, deadline=late(6), case_no="YN7001", assignee=a)

    app = JzApp(db, user=info(db, "county_sup"))  # supervises, does not reassign
    async with app.run_test(size=SIZE) as pilot:
        await open_cases(app, pilot)
        assert "g 改派" not in footer(app)

    app = JzApp(db, user=info(db, "head"))
    async with app.run_test(size=WIDE) as pilot:
        await open_cases(app, pilot)
        assert "g 改派" in footer(app) and "s 督办" not in footer(app)
        await pilot.press("g")
        await wait_until(pilot, lambda: isinstance(app.screen, ReassignDialog))
        dialog = app.screen
        assert isinstance(dialog, ReassignDialog)
        people = {c.login_name: c.problem for c in dialog.candidates}
        assert set(people) == {"b", "no_role", "gone"}  # the unit's colleagues only
        assert people["b"] is None
        assert "没有办理该事项的角色" in (people["no_role"] or "")
        assert "已停用" in (people["gone"] or "")
        text = screen_text(app)
        assert "没有办理该事项的角色" in text
        options = dialog.query_one("#reassign-people", OptionList)
        assert [options.get_option_at_index(i).disabled for i in range(3)] == [False, True, True]
        await pilot.click("#reassign-reason")
        await pilot.press(*"休假", "enter")
        await wait_until(pilot, lambda: settled(app) and "已改派工单 YN7001" in status(app))
    with db.read() as s:
        assert s.scalar(sa.select(Case.assignee_id).where(Case.case_no == "YN7001")) == b


# --- read-only, statistics ---------------------------------------------------------------


async def test_read_only_mode_hides_supervise_and_reassign(db: Database) -> None:
    person(db, "boss", region=COUNTY, department="coord", role="supervisor", role_department="*")
    with db.uow() as uow:  # the same person also heads a township's office
        from rbac.store import Grant, add_grant, bump_version, subject_of

        boss = info(db, "boss").id
        add_grant(uow.session, Grant(subject_of(boss), "township_leader", TOWNSHIP, "*"))
        bump_version(uow.session)
        uow.commit()
    add_case(db, deadline=late(6), case_no="YN8001")
    app = JzApp(db, user=info(db, "boss"))
    async with app.run_test(size=WIDE) as pilot:
        await open_cases(app, pilot)
        assert "s 督办" in footer(app) and "g 改派" in footer(app)
    app = JzApp(db, user=info(db, "boss"), readonly=True)
    async with app.run_test(size=WIDE) as pilot:
        await open_cases(app, pilot)
        assert numbers(app) == ["YN8001"]
        assert "s 督办" not in footer(app) and "g 改派" not in footer(app)
        await pilot.press("s")
        await pilot.press("g")
        await pilot.pause()
        assert isinstance(app.screen, CasesScreen)
    assert notices(db) == []


async def test_the_stats_view_shows_the_table_and_the_chart(db: Database) -> None:
    supervisors(db)
    add_case(db, deadline=late(6), case_no="YN9001")
    add_case(db, created=NOW - timedelta(days=3), closed=NOW - timedelta(days=1),
             case_no="YN9002")  # fmt: skip
    add_case(db, region=OTHER_COUNTY_TOWNSHIP, case_no="YN9003")
    app = JzApp(db, user=info(db, "county_sup"))
    async with app.run_test(size=SIZE) as pilot:
        await open_cases(app, pilot)
        await pilot.press("m")
        await wait_until(pilot, lambda: settled(app) and screen(app).view == "stats")
        s = screen(app)
        chart = s.query_one("#cs-chart", PlotextPlot)
        table = s.query_one("#cs-stats-table", DataTable)
        assert chart.display and chart.size.height >= 5 and not s.query_one(CaseTable).display
        month = NOW.strftime("%Y-%m")
        rows = {str(table.get_row_at(i)[0]): table.get_row_at(i) for i in range(table.row_count)}
        assert set(rows) == {month, "合计"}
        assert [str(c) for c in rows[month][1:5]] == ["2", "1", "1", "1"]  # the other county's not
        text = screen_text(app)
        assert "受理" in text and "合计" in text
        await pilot.press("b")
        await wait_until(pilot, lambda: settled(app) and s.dimension == "department")
        assert str(table.get_row_at(0)[0]) == "民政"
