"""Pilot tests of the Incidents screen (事件): the register with its reporting countdown and
append-only timeline, and drills run from the screen with their steps and result."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from textual.pilot import Pilot
from textual.widgets import Input, Select, Static

from accounts.authz import operator_for
from accounts.session import AccountInfo, find_account
from audit_log import incidents as inc
from audit_log.chain import record
from audit_log.incident_models import IncidentNote
from casedb.engine import Database
from console.tui.app import JzApp
from console.tui.screens.incidents import (
    IncidentForm,
    IncidentsScreen,
    TextDialog,
    countdown,
)
from tests.support.people import SETUP, make_person
from tests.tui.conftest import screen_text, wait_until

SIZE = (120, 40)
PROVINCE = "530000000000"


def admin(db: Database, login: str, role: str) -> AccountInfo:
    make_person(db, login, region=PROVINCE, department="coord", role=role,
                role_department="*", password=None)  # fmt: skip
    with db.read() as s:
        found = find_account(s, login)
    assert found is not None
    return found


def opened(db: Database, user: AccountInfo, hours_ago: float, title: str) -> int:
    op = operator_for(db, user.id, user.login_name)
    cmd = inc.OpenIncident(kind="incident", category="network_attack", grade="II",
                           title=title, reporter="王五",
                           detected_at=datetime.now(UTC) - timedelta(hours=hours_ago))  # fmt: skip
    return inc.open_incident(cmd, db.uow(), op.actor, authorize=op.authorize).id


def screen(app: JzApp) -> IncidentsScreen:
    for s in app.screen_stack:
        if isinstance(s, IncidentsScreen):
            return s
    raise AssertionError("the Incidents screen is not showing")


def settled(app: JzApp) -> bool:
    return app.current_mode == "incidents" and not screen(app).fetching and not screen(app).busy


def plain(widget: Static) -> str:
    visual = widget.visual
    return getattr(visual, "plain", str(visual))


def pane(app: JzApp, *ids: str) -> str:
    s = screen(app)
    return "\n".join(plain(s.query_one(f"#{i}", Static)) for i in ids)


def footer(app: JzApp) -> str:
    return screen_text(app).splitlines()[-1]


async def open_area(app: JzApp, pilot: Pilot[int]) -> None:
    await pilot.press("7")
    await wait_until(pilot, lambda: settled(app) and screen(app)._loaded_once)


# --- incidents ------------------------------------------------------------------------------


async def test_an_incident_opened_from_the_screen_shows_with_its_countdown(db: Database) -> None:
    user = admin(db, "sec.admin", "security_admin")
    app = JzApp(db, user=user)
    async with app.run_test(size=SIZE) as pilot:
        await open_area(app, pilot)
        assert "没有符合条件的事件" in screen_text(app)
        assert "n 登记" in footer(app)
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, IncidentForm))
        form = app.screen
        form.query_one("#inc-category", Select).value = "network_attack"
        form.query_one("#inc-grade", Select).value = "II"
        form.query_one("#inc-title", Input).value = "[b]管理员[/b]账号异常登录"
        form.query_one("#inc-systems", Input).value = "政府端"
        form.query_one("#inc-units", Input).value = "省乡村振兴局"
        await pilot.click("#inc-form-ok")
        await wait_until(pilot, lambda: settled(app) and len(screen(app).rows) == 1)
        s = screen(app)
        await wait_until(pilot, lambda: s.detail is not None)
        text = screen_text(app)
        assert "还剩 3 小时 59 分" in text or "还剩 4 小时 0 分" in text
        assert "[b]管理员[/b]账号异常登录" in text  # typed text, never markup
        facts = pane(app, "inc-facts", "inc-steps", "inc-timeline")
        assert "网络攻击事件" in facts and "政府端" in facts and "省乡村振兴局" in facts
        assert "network_attack" in facts  # the matching plan was started, its steps shown
    with db.read() as session:
        views = inc.list_incidents(session, inc.IncidentQuery())
    assert [(v.category, v.grade, v.plan_code) for v in views] == [
        ("network_attack", "II", "network_attack")
    ]


async def test_a_grade_is_required_for_an_incident_and_the_form_says_so(db: Database) -> None:
    app = JzApp(db, user=admin(db, "sys.admin", "system_admin"))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_area(app, pilot)
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, IncidentForm))
        app.screen.query_one("#inc-title", Input).value = "病毒"
        await pilot.click("#inc-form-ok")
        await pilot.pause()
        assert isinstance(app.screen, IncidentForm)
        assert "等级" in plain(app.screen.query_one("#inc-form-error", Static))
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, IncidentsScreen))
    with db.read() as session:
        assert inc.list_incidents(session, inc.IncidentQuery()) == []


async def test_a_note_appears_in_the_timeline_and_the_status_moves_forward(
    db: Database,
) -> None:
    user = admin(db, "sec.admin", "security_admin")
    incident_id = opened(db, user, 0.5, "病毒告警")
    app = JzApp(db, user=user)
    async with app.run_test(size=SIZE) as pilot:
        await open_area(app, pilot)
        s = screen(app)
        await wait_until(pilot, lambda: s.detail is not None and s.detail.id == incident_id)
        await pilot.press("t")
        await wait_until(pilot, lambda: isinstance(app.screen, TextDialog))
        app.screen.query_one("#inc-text", Input).value = "已隔离 [red]受感染[/red] 主机"
        await pilot.press("enter")
        await wait_until(
            pilot,
            lambda: settled(app) and s.detail is not None and len(s.detail.notes) == 2,
        )
        timeline = pane(app, "inc-timeline")
        assert "已隔离 [red]受感染[/red] 主机" in timeline and "#2" in timeline
        await pilot.press("s")
        await wait_until(pilot, lambda: isinstance(app.screen, TextDialog))
        app.screen.query_one("#inc-choice", Select).value = "contained"
        await pilot.click("#inc-text-ok")
        await wait_until(
            pilot, lambda: settled(app) and s.detail is not None and s.detail.status == "contained"
        )
        assert "已控制" in pane(app, "inc-facts", "inc-timeline")
        await pilot.press("p")
        await wait_until(pilot, lambda: isinstance(app.screen, TextDialog))
        await pilot.press("enter")
        await wait_until(
            pilot,
            lambda: settled(app) and s.detail is not None and s.detail.reported_at is not None,
        )
        assert "已按时报告" in pane(app, "inc-facts")
        assert screen(app).check_action("reported", ()) is None  # once only: greyed out
    with db.read() as session:
        kinds = [n.kind for n in session.query(IncidentNote).order_by(IncidentNote.seq)]
    assert kinds == ["opened", "note", "status", "reported"]


async def test_overdue_reports_are_flagged_and_filtered(db: Database) -> None:
    user = admin(db, "sec.admin", "security_admin")
    late = opened(db, user, 5, "迟报的事件")
    opened(db, user, 1, "新近的事件")
    app = JzApp(db, user=user)
    async with app.run_test(size=SIZE) as pilot:
        await open_area(app, pilot)
        text = screen_text(app)
        assert "已超时 1 小时 0 分" in text or "已超时 59 分" in text
        assert "还剩 2 小时 59 分" in text or "还剩 3 小时 0 分" in text
        app.open_list("incidents", "overdue")
        await wait_until(pilot, lambda: settled(app) and list(screen(app).rows) == [late])
        assert "只看逾期未报告的" in screen_text(app)
        # The countdown moves on without reading the database again.
        s = screen(app)
        v = s.rows[late]
        assert countdown(v, datetime.now(UTC) + timedelta(minutes=30))[0].startswith(
            "已超时 1 小时 3"
        )
        s.tick()


async def test_read_only_people_see_no_write_keys(db: Database) -> None:
    auditor = admin(db, "audit.admin", "audit_admin")
    sec = admin(db, "sec.admin", "security_admin")
    opened(db, sec, 0.2, "可见的事件")
    for app in (JzApp(db, user=auditor), JzApp(db, user=sec, readonly=True)):
        await no_write_keys(app)


async def no_write_keys(app: JzApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await open_area(app, pilot)
        s = screen(app)
        await wait_until(pilot, lambda: s.detail is not None)
        assert len(s.rows) == 1
        keys = footer(app)
        for hidden in ("n 登记", "t 记录", "s 状态", "p 已报告"):
            assert hidden not in keys
        for action in ("new", "note", "status", "reported"):
            assert s.check_action(action, ()) is False
        await pilot.press("n")
        await pilot.pause()
        assert not isinstance(app.screen, IncidentForm)
        await pilot.press("l")
        await wait_until(pilot, lambda: s.view == "drills")
        assert "运行演练" not in footer(app)
        assert s.check_action("run_drill", ()) is False


async def test_someone_outside_the_three_roles_sees_nothing(db: Database) -> None:
    clerk = admin(db, "clerk", "caseworker")
    sec = admin(db, "sec.admin", "security_admin")
    opened(db, sec, 0.2, "不可见的事件")
    app = JzApp(db, user=clerk)
    async with app.run_test(size=SIZE) as pilot:
        await open_area(app, pilot)
        s = screen(app)
        assert s.rows == {} and not s.may_read
        assert "只有安全管理员" in pane(app, "inc-status")
        assert "n 登记" not in footer(app)


# --- drills ---------------------------------------------------------------------------------


async def test_a_drill_run_from_the_screen_shows_its_steps_and_result(db: Database) -> None:
    user = admin(db, "sys.admin", "system_admin")
    with db.uow() as uow:  # some history for the chain to damage (in the copy)
        for i in range(5):
            record(uow.session, SETUP, "test.setup", target_id=str(i))
        uow.commit()
    app = JzApp(db, user=user)
    async with app.run_test(size=SIZE) as pilot:
        await open_area(app, pilot)
        app.open_list("incidents", "drills")
        s = screen(app)
        await wait_until(pilot, lambda: s.view == "drills" and s.current_plan is not None)
        codes = [p.code for p in s.plans]
        row = codes.index("information_destruction")  # drilled by the audit-tamper drill
        s.plan_table.move_cursor(row=row)
        await wait_until(pilot, lambda: s.current_plan is not None
                         and s.current_plan.code == "information_destruction")  # fmt: skip
        assert "超过 12 个月未演练" in pane(app, "drill-info")
        await pilot.press("d")
        await wait_until(
            pilot, lambda: s.drill_run is not None and s.drill_run.result is not None, timeout=120
        )
        run = s.drill_run
        assert run is not None and run.result is not None
        assert run.result.state == "passed", run.result.steps
        # The steps arrived one by one while the drill ran: each started, then passed.
        assert ("damage_copy", "start") in run.seen and ("damage_copy", "pass") in run.seen
        assert run.seen.index(("damage_copy", "start")) < run.seen.index(("damage_copy", "pass"))
        steps = pane(app, "drill-steps")
        assert "篡改副本的审计链" in steps and "审计校验指出了篡改之处" in steps
        result = pane(app, "drill-result")
        assert "通过" in result and "演练总用时（秒）" in result
        await wait_until(pilot, lambda: settled(app) and s.current_plan is not None
                         and s.current_plan.last_state == "passed")  # fmt: skip
        assert "超过 12 个月未演练" not in pane(app, "drill-info")
