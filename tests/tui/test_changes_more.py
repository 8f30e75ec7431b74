"""Pilot tests of the Changes screen's own-request actions: withdraw (``w``), submit a draft
(``s``) and name a deputy (``D``)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from textual.widgets import Input

from accounts import changes
from accounts.change_models import ChangeRequest, Deputy
from accounts.changes import SubmitChange
from casedb.clock import parse_local
from casedb.engine import Database
from console.tui.app import JzApp
from console.tui.screens.changes import ChangesScreen, DeputyDialog, WithdrawConfirm
from tests.tui.conftest import screen_text, wait_until
from tests.tui.test_changes_screen import (
    SIZE,
    Cast,
    footer_keys,
    ids,
    info,
    open_inbox,
    screen,
    settled,
    shown,
    state,
    status,
    submit,
    who,
)


def deadline(db: Database, request_id: int) -> datetime | None:
    with db.read() as s:
        req = s.get(ChangeRequest, request_id)
        assert req is not None
        return req.deadline


async def test_the_submitter_withdraws_their_request_and_nobody_else_may(db: Database) -> None:
    Cast(db)
    request_id = submit(db, "modify", {"post": "站长"})
    app = JzApp(db, user=info(db, "reviewer"))
    async with app.run_test(size=SIZE) as pilot:
        await open_inbox(app, pilot)
        await wait_until(pilot, lambda: shown(app, request_id) and "通过" in footer_keys(app))
        assert not screen(app).check_action("withdraw", ())
        assert "撤回" not in footer_keys(app)
        await pilot.press("w")
        await pilot.pause()
        assert not isinstance(app.screen, WithdrawConfirm)
    assert state(db, request_id) == ("submitted", "")

    app = JzApp(db, user=info(db, "submitter"))
    async with app.run_test(size=SIZE) as pilot:
        await open_inbox(app, pilot, "m")
        await wait_until(pilot, lambda: shown(app, request_id) and "撤回" in footer_keys(app))
        assert not screen(app).check_action("submit", ())  # not a draft
        await pilot.press("w")
        await wait_until(pilot, lambda: isinstance(app.screen, WithdrawConfirm))
        await pilot.press("escape")  # nothing happens
        await wait_until(pilot, lambda: isinstance(app.screen, ChangesScreen))
        assert state(db, request_id) == ("submitted", "")
        await pilot.press("w")
        await wait_until(pilot, lambda: isinstance(app.screen, WithdrawConfirm))
        await pilot.press("enter")
        await wait_until(pilot, lambda: settled(app) and f"已撤回申请 {request_id}" in status(app))
        assert ids(app) == [request_id]
        await wait_until(pilot, lambda: shown(app, request_id) and settled(app))
        assert "撤回" not in footer_keys(app)  # withdrawn: nothing left to withdraw
    assert state(db, request_id) == ("withdrawn", "")


async def test_a_draft_submitted_from_the_screen_gets_a_deadline(db: Database) -> None:
    Cast(db)
    cmd = SubmitChange("modify", info(db, "target").id, "人事调整", {"post": "站长"}, draft=True)
    request_id = changes.submit(cmd, db.uow(), who(db, "submitter")).id
    assert state(db, request_id)[0] == "draft" and deadline(db, request_id) is None
    app = JzApp(db, user=info(db, "submitter"))
    async with app.run_test(size=SIZE) as pilot:
        await open_inbox(app, pilot, "m")
        assert ids(app) == [request_id]
        await wait_until(pilot, lambda: shown(app, request_id) and "提交草稿" in footer_keys(app))
        await pilot.press("s")
        await wait_until(pilot, lambda: settled(app) and f"已提交申请 {request_id}" in status(app))
        await wait_until(pilot, lambda: shown(app, request_id) and settled(app))
        assert not screen(app).check_action("submit", ())
    assert state(db, request_id) == ("submitted", "")
    assert deadline(db, request_id) is not None


async def test_a_deputy_named_from_the_screen_is_recorded(db: Database) -> None:
    c = Cast(db)
    app = JzApp(db, user=info(db, "reviewer"))
    async with app.run_test(size=SIZE) as pilot:
        await open_inbox(app, pilot)
        await pilot.press("D")
        await wait_until(pilot, lambda: isinstance(app.screen, DeputyDialog))
        dialog = app.screen
        await wait_until(pilot, lambda: dialog.query_one("#deputy-login", Input).has_focus)
        dialog.query_one("#deputy-login", Input).value = "executor"
        dialog.query_one("#deputy-from", Input).value = "2026-12-01"
        dialog.query_one("#deputy-until", Input).value = "2026-12-15"
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ChangesScreen))
        await wait_until(pilot, lambda: settled(app) and "已指定 executor 为代理人" in status(app))
    with db.read() as s:
        rows = list(s.scalars(sa.select(Deputy)))
    assert [(r.account_id, r.deputy_id) for r in rows] == [(c.reviewer, c.executor)]
    assert rows[0].valid_from == parse_local("2026-12-01")
    assert rows[0].valid_until == parse_local("2026-12-15")


async def test_a_bad_date_or_deputy_is_one_sentence(db: Database) -> None:
    Cast(db)
    app = JzApp(db, user=info(db, "reviewer"))
    async with app.run_test(size=SIZE) as pilot:
        await open_inbox(app, pilot)
        await pilot.press("D")
        await wait_until(pilot, lambda: isinstance(app.screen, DeputyDialog))
        dialog = app.screen
        dialog.query_one("#deputy-login", Input).value = "executor"
        dialog.query_one("#deputy-from", Input).value = "2026-13-40"
        dialog.query_one("#deputy-until", Input).value = "2026-12-15"
        await pilot.press("enter")
        await wait_until(pilot, lambda: "时间 2026-13-40 无法识别" in screen_text(app))
        assert isinstance(app.screen, DeputyDialog)
        assert "Traceback" not in screen_text(app)
        dialog.query_one("#deputy-from", Input).value = "2026-12-20"
        await pilot.press("enter")
        await wait_until(pilot, lambda: "结束时间必须晚于开始时间" in screen_text(app))
        assert isinstance(app.screen, DeputyDialog)
        # An unknown login: the service's sentence, on the screen's status line.
        dialog.query_one("#deputy-login", Input).value = "nobody"
        dialog.query_one("#deputy-from", Input).value = "2026-12-01"
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ChangesScreen))
        await wait_until(pilot, lambda: settled(app) and "nobody" in status(app))
        assert "Traceback" not in status(app)
        assert "\n" not in status(app).strip()
    with db.read() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Deputy)) == 0


async def test_read_only_mode_hides_the_new_keys(db: Database) -> None:
    Cast(db)
    request_id = submit(db, "modify", {"post": "站长"})
    app = JzApp(db, user=info(db, "submitter"), readonly=True)
    async with app.run_test(size=SIZE) as pilot:
        await open_inbox(app, pilot, "m")
        await wait_until(pilot, lambda: shown(app, request_id))
        s = screen(app)
        assert not s.check_action("withdraw", ()) and not s.check_action("deputy", ())
        assert "撤回" not in footer_keys(app) and "指定代理人" not in footer_keys(app)
        await pilot.press("D")
        await pilot.pause()
        assert not isinstance(app.screen, DeputyDialog)
