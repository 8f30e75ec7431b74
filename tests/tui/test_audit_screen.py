"""Pilot tests of the Audit screen (审计), on SQLite and PostgreSQL: an audit admin reads the
trail; anyone else (or nobody signed in) sees one sentence, no rows and no verify key."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from rich.text import Text
from textual.pilot import Pilot
from textual.widgets import Input, ProgressBar, Static

from accounts.session import AccountInfo
from audit_log.access import ReadPolicy
from audit_log.actor import Actor
from audit_log.chain import record
from audit_log.verify import Progress, VerifyResult
from casedb.engine import Database
from console.tui.app import JzApp
from console.tui.screens.audit import PAGE_SIZE, AuditScreen, EventTable
from rbac.store import Grant, add_grant, bump_version, seed_default_policy, subject_of
from tests.support.audit import append, drop_guards, raw
from tests.tui.conftest import add_account, press_until, screen_text, wait_until

SIZE = (120, 40)
PROVINCE = "530000000000"
NOT_AUDIT_ADMIN = "只有审计管理员可以查看审计日志。"


def person(
    db: Database,
    login: str = "auditor",
    full_name: str = "审计员",
    *,
    role: str = "audit_admin",
    region: str = PROVINCE,
    dept: str = "coord",
    role_dept: str = "*",
) -> AccountInfo:
    """An account holding ``role`` (the audit admin's grant by default: province, ``*``).
    Writes no audit event, so the tests' sequence numbers stay as they were."""
    user = add_account(db, login, full_name, region, dept)
    with db.uow() as uow:
        seed_default_policy(uow.session)
        add_grant(uow.session, Grant(subject_of(user.id), role, region, role_dept))
        bump_version(uow.session)
        uow.commit()
    return user


def audit(app: JzApp) -> AuditScreen:
    screen = app.screen
    assert isinstance(screen, AuditScreen)
    return screen


def cell(value: object) -> str:
    return value.plain if isinstance(value, Text) else str(value)


def rows(app: JzApp) -> list[list[str]]:
    table = audit(app).query_one(EventTable)
    return [[cell(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def seqs(app: JzApp) -> list[int]:
    return [int(r[0]) for r in rows(app)]


def plain(app: JzApp, selector: str) -> str:
    visual = audit(app).query_one(selector, Static).visual
    return getattr(visual, "plain", str(visual))


def settled(app: JzApp) -> bool:
    screen = app.screen
    return isinstance(screen, AuditScreen) and not screen.fetching


async def open_audit(app: JzApp, pilot: Pilot[int]) -> None:
    await pilot.press("2")
    await wait_until(pilot, lambda: settled(app) and audit(app).query_one(EventTable).row_count > 0)


async def apply_filter(app: JzApp, pilot: Pilot[int], text: str, *, by_key: bool = False) -> None:
    field = audit(app).query_one("#audit-filter", Input)
    if by_key:
        await pilot.press("slash")
        await wait_until(pilot, lambda: field.has_focus)
    else:
        field.focus()
    field.value = text
    await pilot.press("enter")
    await wait_until(pilot, lambda: settled(app))


def add_events(db: Database) -> None:
    """Three actors, three outcomes, two action families."""
    people = {name: Actor(login=name, host="h", terminal="-") for name in ("alice", "bob")}
    with db.uow() as uow:
        s = uow.session
        record(s, people["alice"], "account.create", target_kind="account", target_id="1")
        record(s, people["bob"], "account.lock", target_kind="account", target_id="1")
        record(
            s, people["bob"], "role.grant", target_kind="account", target_id="2", outcome="denied"
        )
        record(s, people["alice"], "role.revoke", outcome="failed", reason="[b]x[/b]")
        record(
            s,
            people["alice"],
            "account.update",
            target_kind="account",
            target_id="3",
            region="530102000000",
            before={"full_name": "[red]张三[/]", "mobile": "13812345678", "password": "old-secret"},
            after={"full_name": "张三丰", "mobile": "13987654321", "password": "new-secret"},
        )
        uow.commit()


async def test_events_newest_first_with_outcomes_marked(db: Database) -> None:
    add_events(db)
    app = JzApp(db, user=person(db))
    async with app.run_test(size=SIZE) as pilot:
        await open_audit(app, pilot)
        assert seqs(app) == [5, 4, 3, 2, 1]
        by_seq = {int(r[0]): r for r in rows(app)}
        assert by_seq[3][2:] == ["bob", "role.grant", "account:2", "拒绝"]
        assert by_seq[4][5] == "失败"
        assert by_seq[1][5] == "成功"
        table = audit(app).query_one(EventTable)
        denied = table.get_row("3")[5]
        assert isinstance(denied, Text) and "red" in str(denied.style)
        text = screen_text(app)
        for label in ("审计事件（新的在前）", "事件详情", "校验审计链", "2 审计", "共 5 条"):
            assert label in text, label


async def test_filters_narrow_the_list_and_bad_filters_say_why(db: Database) -> None:
    add_events(db)
    app = JzApp(db, user=person(db))
    async with app.run_test(size=SIZE) as pilot:
        await open_audit(app, pilot)
        await apply_filter(app, pilot, "actor:bob", by_key=True)
        assert seqs(app) == [3, 2]
        await wait_until(pilot, lambda: audit(app).query_one(EventTable).has_focus)  # on the list
        await apply_filter(app, pilot, "outcome:denied")
        assert seqs(app) == [3]
        await apply_filter(app, pilot, "action:account.")
        assert seqs(app) == [5, 2, 1]
        await apply_filter(app, pilot, "role actor:alice")  # a bare word is an action prefix
        assert seqs(app) == [4]
        await apply_filter(app, pilot, "target:account:1")
        assert seqs(app) == [2, 1]
        await apply_filter(app, pilot, "region:530102")
        assert seqs(app) == [5]
        await apply_filter(app, pilot, "outcome:maybe")
        assert "结果 maybe 无效" in plain(app, "#audit-status")
        assert seqs(app) == [5]  # the list stays as it was
        await apply_filter(app, pilot, "colour:red")
        assert "无法识别筛选条件 colour:red" in plain(app, "#audit-status")
        await apply_filter(app, pilot, "actor:")
        assert "缺少值" in plain(app, "#audit-status")
        await apply_filter(app, pilot, "")
        assert len(seqs(app)) > 5  # everything, the searches above included


async def test_pages_of_100_load_as_the_cursor_reaches_the_end(db: Database) -> None:
    append(db, 250, per_transaction=125)
    app = JzApp(db, user=person(db))
    async with app.run_test(size=SIZE) as pilot:
        await open_audit(app, pilot)
        screen = audit(app)
        assert screen.query_one(EventTable).row_count == PAGE_SIZE
        assert seqs(app)[0] == 250 and seqs(app)[-1] == 151
        assert screen.next_before == 151
        assert "已加载 100 条" in plain(app, "#audit-status")
        await press_until(
            pilot,
            "end",
            lambda: len(seqs(app)) > PAGE_SIZE and settled(app),
            idle=lambda: settled(app) and len(seqs(app)) == PAGE_SIZE,
        )
        assert len(seqs(app)) == 2 * PAGE_SIZE
        assert seqs(app)[-1] == 51
        await press_until(
            pilot,
            "end",
            lambda: len(seqs(app)) == 250 and settled(app),
            idle=lambda: settled(app) and len(seqs(app)) == 2 * PAGE_SIZE,
        )
        assert seqs(app) == list(range(250, 0, -1))
        assert screen.next_before is None
        assert "共 250 条" in plain(app, "#audit-status")


async def test_details_show_the_diff_masked(db: Database) -> None:
    add_events(db)
    app = JzApp(db, user=person(db))
    async with app.run_test(size=SIZE) as pilot:
        await open_audit(app, pilot)
        facts = plain(app, "#audit-detail-facts")
        assert "序号：5" in facts and "account.update" in facts and "alice" in facts
        assert "哈希：" in facts and "…" in facts
        shown = {f: [b.plain, "→", a.plain] for f, b, a in audit(app).diff_rows}
        assert shown["full_name"] == ["[red]张三[/]", "→", "张三丰"]
        assert shown["mobile"] == ["138****5678", "→", "139****4321"]
        assert shown["password"] == ["***", "→", "***"]
        text = screen_text(app)
        assert "[red]张三[/]" in text and "139****4321" in text
        assert "13987654321" not in text and "new-secret" not in text
        await pilot.press("down")  # event 4: no diff, a reason
        await wait_until(pilot, lambda: "序号：4" in plain(app, "#audit-detail-facts"))
        assert "无字段变更" in plain(app, "#audit-diff-caption")


async def test_markup_in_user_data_shows_literally(db: Database) -> None:
    add_events(db)
    user = person(db, "[i]auditor[/i]", "[red]审计员[/]")
    app = JzApp(db, user=user)
    async with app.run_test(size=SIZE) as pilot:
        await open_audit(app, pilot)
        await apply_filter(app, pilot, "outcome:failed")
        assert seqs(app) == [4]
        assert "原因：[b]x[/b]" in plain(app, "#audit-detail-facts")
        text = screen_text(app)
        assert "[b]x[/b]" in text
        # The signed-in account is the actor of the searches, its name shown as typed.
        await apply_filter(app, pilot, "actor:[i]auditor[/i]")
        assert rows(app)[0][2:4] == ["[i]auditor[/i]", "audit.search"]
        assert "[i]auditor[/i]" in screen_text(app)


async def test_the_searches_are_in_the_trail(db: Database) -> None:
    user = person(db)
    append(db, 3)
    app = JzApp(db, user=user)
    async with app.run_test(size=SIZE) as pilot:
        await open_audit(app, pilot)
        await apply_filter(app, pilot, "actor:tester")
    with db.engine.connect() as conn:
        found = conn.execute(
            sa.text(
                "SELECT actor, actor_id, diff FROM audit_events"
                " WHERE action = 'audit.search' ORDER BY seq"
            )
        ).all()
    assert [r[0] for r in found] == ["auditor", "auditor"]
    assert found[0][1] == user.id
    assert '"actor":"tester"' in found[1][2]


async def test_verify_says_clean_then_names_the_tampered_event(db: Database) -> None:
    append(db, 12, per_transaction=4)
    app = JzApp(db, user=person(db))
    async with app.run_test(size=SIZE) as pilot:
        await open_audit(app, pilot)
        screen = audit(app)
        await pilot.press("v")
        await wait_until(pilot, lambda: screen.last_verify is not None and not screen.verifying)
        assert screen.last_verify is not None and screen.last_verify.clean
        result = plain(app, "#audit-verify-result")
        assert "审计链完好" in result and "个锚点" in result
        assert screen.query_one("#audit-progress", ProgressBar).percentage == 1.0
        drop_guards(db)
        raw(db, "UPDATE audit_events SET reason='x' WHERE seq=7")
        screen.last_verify = None
        await pilot.press("v")
        await wait_until(pilot, lambda: screen.last_verify is not None and not screen.verifying)
        result = plain(app, "#audit-verify-result")
        assert "审计链已被破坏" in result
        assert "最早出问题的事件：序号 7" in result
        assert "事件内容被改（序号 7）" in result
        assert screen.query_one("#audit-verify").has_class("-damaged")
        seq_cell = screen.query_one(EventTable).get_row("7")[0]
        assert isinstance(seq_cell, Text) and "on red" in str(seq_cell.style)
        assert "事件内容被改（序号 7）" in screen_text(app)


async def test_english_labels(db: Database) -> None:
    from console.i18n import set_language

    set_language("en")
    add_events(db)
    app = JzApp(db, user=person(db, "auditor", "Ann Auditor"))
    async with app.run_test(size=SIZE) as pilot:
        await open_audit(app, pilot)
        await pilot.press("v")
        await wait_until(pilot, lambda: audit(app).last_verify is not None)
        text = screen_text(app)
        for label in (
            "Audit events (newest first)",
            "Event details",
            "Verify chain",
            "2 Audit",
            "denied",
            "Changes",
            "The audit chain is intact",
        ):
            assert label in text, label
        assert "审计" not in text


async def test_verify_progress_is_shown_while_it_runs(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker's progress callback moves the bar before the result is in."""
    from audit_log.service import verify_chain as real

    halfway, release = threading.Event(), threading.Event()

    def slow_verify(
        db: Database, actor: Actor, *, may_read: ReadPolicy, progress: Progress
    ) -> VerifyResult:
        progress(40, 80)
        halfway.set()
        release.wait(10)
        return real(db, actor, may_read=may_read, progress=progress)

    monkeypatch.setattr("console.tui.screens.audit.verify_chain", slow_verify)
    append(db, 3)
    app = JzApp(db, user=person(db))
    async with app.run_test(size=SIZE) as pilot:
        await open_audit(app, pilot)
        screen = audit(app)
        await pilot.press("v")
        bar = screen.query_one("#audit-progress", ProgressBar)
        await wait_until(pilot, lambda: halfway.is_set() and bar.progress == 40)
        assert bar.total == 80 and screen.verifying
        assert "正在校验审计链" in plain(app, "#audit-verify-result")
        await pilot.press("v")  # a second request while one runs is refused politely
        release.set()
        await wait_until(pilot, lambda: screen.last_verify is not None)
        assert bar.percentage == 1.0
        assert "审计链完好" in plain(app, "#audit-verify-result")
        await pilot.press("escape")  # on the list, Escape closes the result
        assert not screen.query_one("#audit-verify").display


async def refused(app: JzApp, pilot: Pilot[int]) -> AuditScreen:
    await pilot.press("2")
    await wait_until(pilot, lambda: isinstance(app.screen, AuditScreen))
    screen = audit(app)
    await wait_until(pilot, lambda: screen.may_read is False and not screen.fetching)
    return screen


async def assert_shows_only_the_sentence(app: JzApp, pilot: Pilot[int]) -> None:
    screen = audit(app)
    assert rows(app) == [] and screen.events == {}
    assert plain(app, "#audit-status") == NOT_AUDIT_ADMIN
    assert not screen.query_one("#audit-main").display
    assert not screen.query_one("#audit-filter-row").display
    assert screen.check_action("verify", ()) is False
    text = screen_text(app)
    assert NOT_AUDIT_ADMIN in text
    assert "校验审计链" not in text and "审计事件（新的在前）" not in text
    assert "account.update" not in text and "alice" not in text
    await pilot.press("v")  # the hidden key does nothing
    await pilot.pause()
    assert not screen.verifying and not screen.query_one("#audit-verify").display
    await pilot.press("r")  # nor does trying again
    await wait_until(pilot, lambda: not screen.fetching)
    assert rows(app) == [] and plain(app, "#audit-status") == NOT_AUDIT_ADMIN


def denied_reads(db: Database) -> list[tuple[str, str]]:
    with db.engine.connect() as conn:
        found = conn.execute(
            sa.text(
                "SELECT actor, outcome FROM audit_events WHERE action LIKE 'audit.%' ORDER BY seq"
            )
        ).all()
    return [(r[0], r[1]) for r in found]


@pytest.mark.parametrize(
    ("role", "region", "dept", "role_dept"),
    [
        ("caseworker", "530102000000", "civil", "civil"),
        ("dept_admin", "530102000000", "civil", "civil"),
        ("system_admin", PROVINCE, "coord", "*"),
        ("security_admin", PROVINCE, "coord", "*"),
    ],
)
async def test_without_the_audit_admin_role_one_sentence_and_no_rows(
    db: Database, role: str, region: str, dept: str, role_dept: str
) -> None:
    add_events(db)
    user = person(db, "someone", "某人", role=role, region=region, dept=dept, role_dept=role_dept)
    app = JzApp(db, user=user)
    async with app.run_test(size=SIZE) as pilot:
        await refused(app, pilot)
        await assert_shows_only_the_sentence(app, pilot)
    reads = denied_reads(db)
    assert reads and all(r == ("someone", "denied") for r in reads)  # each refusal recorded


async def test_nobody_signed_in_sees_the_sentence_and_no_rows(db: Database) -> None:
    add_events(db)
    app = JzApp(db)
    async with app.run_test(size=SIZE) as pilot:
        await refused(app, pilot)
        await assert_shows_only_the_sentence(app, pilot)
    reads = denied_reads(db)
    assert reads and all(outcome == "denied" for _, outcome in reads)


async def test_the_sentence_in_english(db: Database) -> None:
    from console.i18n import set_language

    set_language("en")
    app = JzApp(db, user=person(db, role="caseworker", region="530102000000",
                                dept="civil", role_dept="civil"))  # fmt: skip
    async with app.run_test(size=SIZE) as pilot:
        await refused(app, pilot)
        assert plain(app, "#audit-status") == "Only audit admins may read the audit trail."
        assert rows(app) == []
