"""Pilot tests of the Incidents area's emergency plans (the plans view, the plan editor),
drill scheduling, and the ``/`` filter of its three lists."""

from __future__ import annotations

import sqlalchemy as sa
from textual.pilot import Pilot
from textual.widgets import Input, Select, Static, TextArea

from audit_log import incidents as inc
from audit_log.chain import record
from audit_log.incident_models import Drill, EmergencyPlan
from audit_log.models import AuditEvent
from casedb.engine import Database
from console.tui.app import JzApp
from console.tui.screens.incident_plans import (
    DrillForm,
    PlanEditor,
    filter_words,
    matches,
    participants,
)
from ops import plans
from tests.support.people import SETUP
from tests.tui.conftest import screen_text, wait_until
from tests.tui.test_incidents_screen import admin, footer, open_area, opened, pane, plain, screen

SIZE = (120, 40)


def settled(app: JzApp) -> bool:
    s = screen(app)
    return app.current_mode == "incidents" and not s.fetching and not s.busy


async def show_plans(app: JzApp, pilot: Pilot[int]) -> None:
    await open_area(app, pilot)
    await pilot.press("y")
    s = screen(app)
    await wait_until(pilot, lambda: s.view == "plans" and s.plan_detail is not None)


async def highlight_plan(pilot: Pilot[int], app: JzApp, code: str) -> None:
    s = screen(app)
    codes = [p.code for p in s.shown_plans]
    s.plan_list_table.move_cursor(row=codes.index(code))
    await wait_until(pilot, lambda: s.plan_detail is not None and s.plan_detail.code == code)


def edited_rows(db: Database) -> list[tuple[str, int, str]]:
    with db.read() as s:
        rows = s.scalars(sa.select(EmergencyPlan).order_by(EmergencyPlan.version)).all()
        return [(r.code, r.version, r.reason) for r in rows]


# --- the plans view -------------------------------------------------------------------------


async def test_the_plans_are_listed_with_their_content_and_versions(db: Database) -> None:
    app = JzApp(db, user=admin(db, "audit.admin", "audit_admin"))
    async with app.run_test(size=SIZE) as pilot:
        await open_area(app, pilot)
        app.open_list("incidents", "plans")  # as the palette and the command line do
        s = screen(app)
        await wait_until(pilot, lambda: s.view == "plans" and s.plan_detail is not None)
        with db.read() as session:
            expected = [p.code for p in plans.all_current(session)]
        assert [p.code for p in s.shown_plans] == expected and len(expected) >= 7
        text = screen_text(app)
        assert "灾害性事件应急预案" in text and "从未演练" in text and "随软件提供" in text
        await highlight_plan(pilot, app, "disaster")
        facts = pane(app, "plan-facts", "plan-steps", "plan-history")
        assert "disaster 第 1 版" in facts and "恢复演练" in facts
        assert "从异地保存的已校验备份恢复" in facts  # a step
        assert "第 1 版：随软件提供" in facts  # the versions
        assert s.breadcrumb_text() == "预案 > 灾害性事件应急预案"


async def test_a_plan_edited_in_the_tui_becomes_the_next_version(db: Database) -> None:
    app = JzApp(db, user=admin(db, "sec.admin", "security_admin"))
    async with app.run_test(size=SIZE) as pilot:
        await show_plans(app, pilot)
        s = screen(app)
        await highlight_plan(pilot, app, "disaster")
        assert "e 修订预案" in footer(app)
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, PlanEditor))
        editor = app.screen
        area = editor.query_one("#plan-source", TextArea)
        assert area.text == plans.shipped()["disaster"].source  # what plan show --source gives
        area.text = area.text.replace("启动异地备份点", "启动异地备份点并通知 [b]值班领导[/b]")
        editor.query_one("#plan-reason", Input).value = "增加通知步骤"
        await pilot.press("ctrl+s")
        await wait_until(
            pilot,
            lambda: (
                not isinstance(app.screen, PlanEditor)
                and settled(app)
                and s.plan_detail is not None
                and s.plan_detail.version == 2
            ),
        )
        facts = pane(app, "plan-facts", "plan-steps", "plan-history")
        assert "disaster 第 2 版，已修订" in facts
        assert "通知 [b]值班领导[/b]" in facts  # typed text, never markup
        assert "修订，增加通知步骤" in facts and "第 2 版：" in facts
        assert "第 1 版：随软件提供" in facts  # the earlier version stays
    assert edited_rows(db) == [("disaster", 2, "增加通知步骤")]
    with db.read() as session:
        assert "值班领导" in plans.current(session, "disaster").steps[0].title
        assert plans.version_of(session, "disaster", 1).source == plans.shipped()["disaster"].source
        events = session.execute(
            sa.select(AuditEvent.actor, AuditEvent.outcome, AuditEvent.reason).where(
                AuditEvent.action == "plan.edit", AuditEvent.target_id == "disaster"
            )
        ).all()
    assert [tuple(e) for e in events] == [("sec.admin", "ok", "增加通知步骤")]


async def test_an_invalid_plan_stores_nothing_and_the_editor_says_why(db: Database) -> None:
    app = JzApp(db, user=admin(db, "sys.admin", "system_admin"))
    async with app.run_test(size=(80, 24)) as pilot:
        await show_plans(app, pilot)
        await highlight_plan(pilot, app, "disaster")
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, PlanEditor))
        editor = app.screen
        area = editor.query_one("#plan-source", TextArea)
        error = editor.query_one("#plan-edit-error", Static)
        cases = [
            (area.text.replace('code = "disaster"', 'code = "disaster'), "TOML 格式错误"),
            (area.text.replace('owner_role = "security_admin"', 'owner_role = "boss"'),
             "没有这个角色"),
            (area.text.replace('code = "disaster"', 'code = "flood"'), "不是 disaster"),
            (area.text, "内容与预案 disaster 第 1 版相同"),
        ]  # fmt: skip
        for bad, why in cases:
            area.text = bad
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda w=why: w in plain(error))  # type: ignore[misc]
            assert isinstance(app.screen, PlanEditor)  # still open, with the text
            assert area.text == bad
            assert "{" not in plain(error)  # one finished sentence
        # Esc on a changed text asks once more; the second Esc closes the editor.
        area.text = area.text + "\n# 草稿"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, PlanEditor) and "再按一次 Esc" in plain(error)
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, PlanEditor))
    assert edited_rows(db) == []
    with db.read() as session:
        refused = session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "plan.edit"))
    assert refused == 0


# --- scheduling drills ----------------------------------------------------------------------


async def test_a_drill_scheduled_from_the_form_shows_in_the_list_and_runs(db: Database) -> None:
    user = admin(db, "sys.admin", "system_admin")
    with db.uow() as uow:  # some history for the chain to damage (in the copy)
        for i in range(5):
            record(uow.session, SETUP, "test.setup", target_id=str(i))
        uow.commit()
    app = JzApp(db, user=user)
    async with app.run_test(size=SIZE) as pilot:
        await open_area(app, pilot)
        await pilot.press("l")
        s = screen(app)
        await wait_until(pilot, lambda: s.view == "drills" and s.current_plan is not None)
        assert "a 安排演练" in footer(app)
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, DrillForm))
        form = app.screen
        form.query_one("#drill-kind", Select).value = "audit_tamper"
        await wait_until(
            pilot,
            lambda: form.query_one("#drill-plan", Select).value == "information_destruction",
        )  # the kind's own plan, by default
        when = form.query_one("#drill-when", Input)
        when.value = "下周一"
        when.focus()
        await pilot.press("enter")
        error = form.query_one("#drill-form-error", Static)
        await wait_until(pilot, lambda: "下周一 无法识别" in plain(error))
        assert isinstance(app.screen, DrillForm)
        when.value = "2030-01-07 09:30"
        form.query_one("#drill-people", Input).value = "张三，李四、 王五"
        await pilot.press("enter")
        await wait_until(
            pilot,
            lambda: (
                not isinstance(app.screen, DrillForm)
                and settled(app)
                and s.current_scheduled is not None
            ),
        )
        scheduled = s.current_scheduled
        assert scheduled is not None and scheduled.state == "planned"
        assert s.drill_rows[0].scheduled == scheduled  # scheduled drills come first
        text = screen_text(app)
        assert f"#{scheduled.id}" in text and "已安排" in text and "待运行" in text
        info = pane(app, "drill-info")
        assert "2030-01-07 09:30" in info and "张三、李四、王五" in info
        assert s.breadcrumb_text() == f"演练 > 演练 {scheduled.id}"
        with db.read() as session:
            row = session.get(Drill, scheduled.id)
            assert row is not None and row.state == "planned"
            assert row.plan_code == "information_destruction"
        # The existing run key runs the scheduled drill itself.
        await pilot.press("d")
        await wait_until(
            pilot, lambda: s.drill_run is not None and s.drill_run.result is not None, timeout=120
        )
        run = s.drill_run
        assert run is not None and run.result is not None
        assert run.result.id == scheduled.id and run.result.state == "passed", run.result.steps
        await wait_until(
            pilot,
            lambda: (
                settled(app)
                and s.current_plan is not None
                and s.current_plan.code == "information_destruction"
            ),
        )
        assert all(r.scheduled is None for r in s.drill_rows)  # it ran: no longer scheduled
        assert "通过" in pane(app, "drill-result")
    with db.read() as session:
        row = session.get(Drill, scheduled.id)
        assert row is not None and row.state == "passed"
        assert session.scalar(sa.select(sa.func.count()).select_from(Drill)) == 1
        actions = session.scalars(
            sa.select(AuditEvent.action)
            .where(AuditEvent.target_kind == "drill", AuditEvent.target_id == str(scheduled.id))
            .order_by(AuditEvent.seq)
        ).all()
    assert list(actions) == ["drill.plan", "drill.run"]


def test_a_grade_word_matches_that_grade_only_among_incidents() -> None:
    assert matches(filter_words("II"), ["网站被篡改"], graded=True, grade="II")
    assert not matches(filter_words("ii"), ["网站被篡改"], graded=True, grade="III")
    assert matches(filter_words("ii 篡改"), ["网站被篡改"], graded=True, grade="II")
    assert not matches(filter_words("ii 病毒"), ["网站被篡改"], graded=True, grade="II")
    assert matches(filter_words("I"), ["information_destruction"])  # plans: plain text
    assert matches(filter_words(""), [])


def test_participants_are_split_on_either_comma() -> None:
    assert participants(" 张三，李四、王五 ,, Zhao; ") == ("张三", "李四", "王五", "Zhao")
    assert participants("") == ()


# --- the / filter -----------------------------------------------------------------------------


async def test_slash_narrows_each_list_and_esc_clears_it(db: Database) -> None:
    user = admin(db, "sec.admin", "security_admin")
    virus = opened(db, user, 0.5, "病毒告警")
    web = opened(db, user, 0.2, "网站首页被篡改")
    op = inc.OpenIncident(kind="incident", category="harmful_program", grade="III",
                          title="勒索软件", reporter="王五")  # fmt: skip
    from accounts.authz import operator_for

    actor = operator_for(db, user.id, user.login_name)
    ransom = inc.open_incident(op, db.uow(), actor.actor, authorize=actor.authorize).id
    app = JzApp(db, user=user)
    async with app.run_test(size=SIZE) as pilot:
        await open_area(app, pilot)
        s = screen(app)
        assert set(s.rows) == {virus, web, ransom}
        assert "/ 筛选" in footer(app)
        await pilot.press("slash")
        assert s.focused is s.filter_box.input
        await pilot.press(*"III")  # a grade matches that grade only (not II)
        await wait_until(pilot, lambda: set(s.rows) == {ransom})
        assert "筛选后 1 项" in pane(app, "inc-status")
        s.filter_box.input.value = "篡改"
        await wait_until(pilot, lambda: set(s.rows) == {web})
        await wait_until(pilot, lambda: s.detail is not None and s.detail.id == web)
        assert s.breadcrumb_text() == f"事件 > 事件 {web}"
        s.filter_box.input.value = "ii 病毒"  # every word: grade II and the title
        await wait_until(pilot, lambda: set(s.rows) == {virus})
        s.filter_box.input.value = "有害程序"  # the category in words
        await wait_until(pilot, lambda: set(s.rows) == {ransom})
        await pilot.press("escape")
        await wait_until(
            pilot, lambda: set(s.rows) == {virus, web, ransom} and s.focused is s.incident_table
        )
        assert s.filter_box.value == ""
        # The drills list: each plan's row, by its drill kind.
        await pilot.press("l")
        await wait_until(pilot, lambda: s.view == "drills")
        assert s.filter_box.value == ""  # each view has its own filter
        await pilot.press("slash", *"audit_tamper")
        await wait_until(
            pilot,
            lambda: [r.key for r in s.drill_rows] == ["plan:information_destruction"],
        )
        await pilot.press("enter")  # Enter: back to the list, the filter stays
        await wait_until(pilot, lambda: s.focused is s.plan_table)
        assert s.filters["drills"] == "audit_tamper"
        # The plans list: by code or title.
        await pilot.press("y")
        await wait_until(pilot, lambda: s.view == "plans" and s.plan_detail is not None)
        await pilot.press("slash", *"disaster")
        await wait_until(pilot, lambda: [p.code for p in s.shown_plans] == ["disaster"])
        assert s.breadcrumb_text() == "预案 > 灾害性事件应急预案"
        s.filter_box.input.value = "没有这种预案"
        await wait_until(pilot, lambda: s.shown_plans == [])
        assert "没有符合筛选的项" in pane(app, "plan-facts")
        assert s.check_action("edit_plan", ()) is None
        await pilot.press("escape")
        await wait_until(pilot, lambda: len(s.shown_plans) >= 7)
        # Back to the drills: its filter is still there.
        await pilot.press("l")
        await wait_until(pilot, lambda: s.view == "drills")
        assert s.filter_box.value == "audit_tamper" and len(s.drill_rows) == 1


# --- who sees the write keys ----------------------------------------------------------------


async def test_read_only_and_the_audit_admin_see_no_plan_or_drill_write_keys(
    db: Database,
) -> None:
    auditor = admin(db, "audit.admin", "audit_admin")
    sec = admin(db, "sec.admin", "security_admin")
    for app in (JzApp(db, user=auditor), JzApp(db, user=sec, readonly=True)):
        await no_plan_or_drill_writes(app)
    assert edited_rows(db) == []


async def no_plan_or_drill_writes(app: JzApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await show_plans(app, pilot)
        s = screen(app)
        assert "修订预案" not in footer(app)
        assert s.check_action("edit_plan", ()) is False
        await pilot.press("e")
        await pilot.pause()
        assert not isinstance(app.screen, PlanEditor)
        await pilot.press("l")
        await wait_until(pilot, lambda: s.view == "drills")
        assert "安排演练" not in footer(app)
        assert s.check_action("schedule_drill", ()) is False
        await pilot.press("a")
        await pilot.pause()
        assert not isinstance(app.screen, DrillForm)
        assert "/ 筛选" in footer(app)  # reading and filtering stay
