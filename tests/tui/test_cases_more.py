"""Pilot tests of the Cases area's data checks (``jzctl case check``) and step time limits
(``jzctl case limits``) views, and of the breadcrumb the area keeps."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from rich.text import Text
from textual.pilot import Pilot
from textual.widgets import Input, Select, Static

import audit_log.models  # noqa: F401
import casedb.supervision_models  # noqa: F401
from accounts.session import AccountInfo, find_account
from audit_log.models import AuditEvent
from casedb.engine import Database
from casedb.limits import Limit, Limits
from console.i18n import set_language
from console.tui.app import JzApp
from console.tui.screens import cases as cases_screen
from console.tui.screens.cases import CaseDetailScreen, CasesScreen, CaseTable, LimitDialog
from tests.support.cases import COUNTY, NOW, OTHER_COUNTY_TOWNSHIP, TOWNSHIP, add_case
from tests.support.people import make_person
from tests.tui.conftest import screen_text, wait_until

SIZE = (80, 24)
WIDE = (120, 40)
PROVINCE = "530000000000"


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


def screen(app: JzApp) -> CasesScreen:
    for s in app.screen_stack:
        if isinstance(s, CasesScreen):
            return s
    raise AssertionError("no cases screen")


def settled(app: JzApp) -> bool:
    s = screen(app)
    return app.current_mode == "cases" and not s.fetching and not s.busy


def status(app: JzApp) -> str:
    widget = screen(app).query_one("#cs-status", Static)
    return str(getattr(widget.visual, "plain", widget.visual))


def footer(app: JzApp) -> str:
    return screen_text(app).splitlines()[-1]


def column(app: JzApp, index: int) -> list[str]:
    table = screen(app).query_one(CaseTable)
    out = []
    for i in range(table.row_count):
        cell = table.get_row_at(i)[index]
        out.append(cell.plain if isinstance(cell, Text) else str(cell))
    return out


async def open_view(app: JzApp, pilot: Pilot[int], key: str, view: str) -> None:
    await pilot.press("5")
    await wait_until(pilot, lambda: app.current_mode == "cases" and settled(app))
    await wait_until(pilot, lambda: screen(app).grants is not None)
    await pilot.press(key)
    await wait_until(pilot, lambda: screen(app).view == view and settled(app))


def limit_events(db: Database) -> list[tuple[str, str, str]]:
    with db.read() as s:
        rows = s.execute(
            sa.select(AuditEvent.action, AuditEvent.target_id, AuditEvent.outcome)
            .where(AuditEvent.action == "case.limit")
            .order_by(AuditEvent.seq)
        ).all()
    return [(r[0], r[1], r[2]) for r in rows]


# --- data checks -------------------------------------------------------------------------


async def test_the_checks_show_a_case_of_a_disabled_account_and_enter_opens_it(
    db: Database,
) -> None:
    person(db, "county_sup", region=COUNTY, department="coord", role="supervisor",
           role_department="*")  # fmt: skip
    worker = person(db, "worker", region=TOWNSHIP, role="caseworker")
    gone = person(db, "gone", region=TOWNSHIP, role="caseworker", status="disabled")
    add_case(db, assignee=worker, case_no="YN0100")
    add_case(db, assignee=gone, case_no="YN0101")
    add_case(db, assignee=worker, created=NOW - timedelta(days=1),
             closed=NOW - timedelta(days=2), case_no="YN0102")  # fmt: skip
    # Outside the supervisor's county: not theirs to see.
    add_case(db, region=OTHER_COUNTY_TOWNSHIP, assignee=gone, case_no="YN0900")
    app = JzApp(db, user=info(db, "county_sup"))
    async with app.run_test(size=SIZE) as pilot:
        await open_view(app, pilot, "k", "checks")
        subjects = column(app, 1)
        assert "YN0101" in subjects and "YN0102" in subjects
        assert "YN0100" not in subjects and "YN0900" not in subjects
        text = screen_text(app)
        assert "经办人停用" in text and "1 件" in text and "gone（已停用）" in text
        assert "办结早于受理" in text
        assert "发现问题工单 2 件" in status(app)
        assert screen(app).breadcrumb_text() == "数据检查"
        # The cursor starts on the first case found: Enter opens it.
        assert screen(app).current_check_case == "YN0101"
        await pilot.press("enter")
        await wait_until(
            pilot,
            lambda: isinstance(app.screen, CaseDetailScreen) and app.screen.shown is not None,
        )
        detail = app.screen
        assert isinstance(detail, CaseDetailScreen) and detail.case_no == "YN0101"
        assert screen(app).breadcrumb_text() == "数据检查 > YN0101"
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, CasesScreen))
        assert screen(app).breadcrumb_text() == "数据检查"


async def test_the_checks_follow_the_filters_region_and_say_when_clean(db: Database) -> None:
    person(db, "prov_sup", region=PROVINCE, department="coord", role="supervisor",
           role_department="*")  # fmt: skip
    gone = person(db, "gone", region=OTHER_COUNTY_TOWNSHIP, role="caseworker",
                  status="suspended")  # fmt: skip
    add_case(db, region=OTHER_COUNTY_TOWNSHIP, assignee=gone, case_no="YN0200")
    person(db, "worker", region=TOWNSHIP, role="caseworker")
    set_language("en")  # the conftest puts Chinese back after the test
    app = JzApp(db, user=info(db, "prov_sup"))
    async with app.run_test(size=SIZE) as pilot:
        await open_view(app, pilot, "k", "checks")
        assert "YN0200" in column(app, 1)
        await pilot.press("slash")
        await pilot.press(*"region:530102")
        await wait_until(pilot, lambda: screen(app).case_filter.region == COUNTY and settled(app))
        assert "YN0200" not in column(app, 1)
        assert "The three checks found no problem." in status(app)


# --- time limits -------------------------------------------------------------------------


async def test_a_provincial_supervisor_changes_a_limit_and_it_is_audited(db: Database) -> None:
    person(db, "prov_sup", region=PROVINCE, department="coord", role="supervisor",
           role_department="*")  # fmt: skip
    app = JzApp(db, user=info(db, "prov_sup"))
    async with app.run_test(size=SIZE) as pilot:
        await open_view(app, pilot, "l", "limits")
        items = column(app, 0)
        assert len(items) == 75 and items[0] == "临时救助"
        assert "共 75 个环节时限" in status(app)
        assert "e 改时限" in footer(app)
        assert screen(app).breadcrumb_text() == "环节时限"
        # The minimum living allowance's investigation (2 working days by default).
        cs = screen(app)
        table = cs.query_one(CaseTable)
        table.move_cursor(row=table.get_row_index("dibao/investigate"))
        await wait_until(pilot, lambda: cs.current_limit is not None
                         and cs.current_limit.item == "dibao"
                         and cs.current_limit.step == "investigate")  # fmt: skip
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, LimitDialog))
        dialog = app.screen
        assert screen(app).breadcrumb_text() == "环节时限 > 低保 · 核查"
        assert "现为 2 个工作日" in screen_text(app)
        amount = dialog.query_one("#limit-amount", Input)
        # Bad input: one sentence, nothing sent.
        amount.value = "0"
        await pilot.press("enter")
        await wait_until(pilot, lambda: dialog.query_one("#limit-error").display)
        error = str(dialog.query_one("#limit-error", Static).visual)
        assert "超出范围" in error and "工作日" in error and error.count("。") == 1
        amount.value = "61"
        await pilot.click("#limit-ok")
        await pilot.pause()
        assert "1 到 60" in str(dialog.query_one("#limit-error", Static).visual)
        assert isinstance(app.screen, LimitDialog) and limit_events(db) == []
        amount.value = "3"
        dialog.query_one("#limit-unit", Select).value = "days"
        amount.focus()
        await pilot.press("enter")
        await wait_until(
            pilot, lambda: settled(app) and "已把“低保”的“核查”环节时限设为 3 天" in status(app)
        )
        assert screen(app).breadcrumb_text() == "环节时限"
        row = screen(app).query_one(CaseTable).get_row("dibao/investigate")
        assert str(row[3]) == "3 天" and str(row[4]) == "已设置"
    with db.read() as s:
        assert Limits.load(s).of("dibao", "investigate") == Limit(3, "days")
    assert limit_events(db) == [("case.limit", "dibao/investigate", "ok")]


async def test_a_county_admin_and_read_only_mode_cannot_change_limits(db: Database) -> None:
    person(db, "county_sup", region=COUNTY, department="coord", role="supervisor",
           role_department="*")  # fmt: skip
    person(db, "prov_sup", region=PROVINCE, department="coord", role="supervisor",
           role_department="*")  # fmt: skip
    for login, readonly in (("county_sup", False), ("prov_sup", True)):
        app = JzApp(db, user=info(db, login), readonly=readonly)
        async with app.run_test(size=WIDE) as pilot:
            await open_view(app, pilot, "l", "limits")
            assert len(column(app, 0)) == 75
            assert "改时限" not in footer(app)
            assert "只读：修改时限须有省级督办或系统配置权限" in status(app)
            await pilot.press("e")
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, CasesScreen)
            screen(app).action_set_limit()  # refused without a dialog
            await pilot.pause()
            assert isinstance(app.screen, CasesScreen)
    with db.read() as s:
        assert Limits.load(s).overrides == {}
    assert limit_events(db) == []


async def test_the_item_filter_narrows_the_limits_and_english_reads(db: Database) -> None:
    person(db, "prov_sup", region=PROVINCE, department="coord", role="supervisor",
           role_department="*")  # fmt: skip
    set_language("en")  # the conftest puts Chinese back after the test
    app = JzApp(db, user=info(db, "prov_sup"))
    async with app.run_test(size=SIZE) as pilot:
        await open_view(app, pilot, "l", "limits")
        await pilot.press("slash")
        await pilot.press(*"item:drinking_water")
        await wait_until(pilot, lambda: screen(app).case_filter.item == "drinking_water"
                         and settled(app))  # fmt: skip
        assert column(app, 1) == ["accept", "investigate", "approve", "deliver", "feedback"]
        assert column(app, 3)[0] == "24 hours"
        views = str(screen(app).query_one("#cs-views", Static).visual)
        assert "k Checks" in views and "l Limits" in views and not views.rstrip().endswith("…")


# --- the breadcrumb ----------------------------------------------------------------------


async def test_the_breadcrumb_follows_the_view_and_the_open_case(db: Database) -> None:
    person(db, "county_sup", region=COUNTY, department="coord", role="supervisor",
           role_department="*")  # fmt: skip
    add_case(db, deadline=NOW - timedelta(hours=5), case_no="YN0300")
    app = JzApp(db, user=info(db, "county_sup"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("5")
        await wait_until(pilot, lambda: app.current_mode == "cases" and settled(app))
        assert screen(app).breadcrumb_text() == "超时"
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, CaseDetailScreen))
        assert screen(app).breadcrumb_text() == "超时 > YN0300"
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, CasesScreen))
        for key, label in (("d", "临期"), ("t", "超10天"), ("n", "督办单"), ("m", "统计")):
            await pilot.press(key)
            await wait_until(pilot, lambda lb=label: screen(app).breadcrumb_text() == lb  # type: ignore[misc]
                             and settled(app))  # fmt: skip
        assert "工单 > 统计" in screen_text(app)
