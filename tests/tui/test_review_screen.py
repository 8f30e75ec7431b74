"""Pilot tests of the Review screen (复核): the annual account review."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from rich.text import Text
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static

from accounts import review
from accounts.change_models import ChangeRequest
from accounts.review import StartReview
from accounts.review_models import ReviewCampaign, ReviewItem
from accounts.session import AccountInfo, find_account
from audit_log.actor import Actor
from casedb.engine import Database
from console.tui.app import JzApp
from console.tui.screens.review import CloseConfirm, ReviewScreen, RevokeDialog, StartDialog
from tests.support.people import make_person
from tests.tui.conftest import screen_text, wait_until

SIZE = (150, 45)
PROVINCE = "530000000000"
COUNTY_A = "530102000000"


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


def setup(db: Database) -> dict[str, int]:
    ids = {
        "admin": person(
            db, "admin", region=PROVINCE, department="coord", role="coord_admin",
            role_department="*",
        ),
        "head_a": person(db, "head_a", region=COUNTY_A, role="unit_head"),
        "staff_a1": person(db, "staff_a1", full_name="[b]张[/b]三", region=COUNTY_A,
                           role="caseworker"),
        "staff_a2": person(db, "staff_a2", region=COUNTY_A, role="caseworker"),
    }  # fmt: skip
    review.start(StartReview("county"), db.uow(), who(db, "admin"))
    return ids


def item_of(db: Database, account_id: int) -> ReviewItem:
    with db.read() as s:
        return s.scalars(sa.select(ReviewItem).where(ReviewItem.account_id == account_id)).one()


def screen(app: JzApp) -> ReviewScreen:
    s = app.screen_stack[0]
    assert isinstance(s, ReviewScreen)
    return s


def settled(app: JzApp) -> bool:
    return app.current_mode == "review" and not screen(app).fetching and not screen(app).busy


def status(app: JzApp) -> str:
    visual = screen(app).query_one("#rv-status", Static).visual
    return getattr(visual, "plain", str(visual))


def rows(app: JzApp) -> list[str]:
    table = screen(app).query_one("#rv-list", DataTable)
    out = []
    for i in range(table.row_count):
        cells = table.get_row_at(i)
        out.append(" ".join(c.plain if isinstance(c, Text) else str(c) for c in cells))
    return out


def footer_keys(app: JzApp) -> str:
    return screen_text(app).splitlines()[-1]


async def open_area(app: JzApp, pilot: Pilot[int]) -> None:
    await pilot.press("8")
    await wait_until(pilot, lambda: app.current_mode == "review" and settled(app))


async def test_a_reviewer_confirms_and_revokes_their_items(db: Database) -> None:
    ids = setup(db)
    app = JzApp(db, user=info(db, "head_a"))
    async with app.run_test(size=SIZE) as pilot:
        await open_area(app, pilot)
        listed = rows(app)
        assert len(listed) == 2
        assert "[b]张[/b]三" in listed[0] and "待处理" in listed[0]  # markup shows as typed
        assert "确认" in footer_keys(app) and "撤销" in footer_keys(app)
        assert "发起复核" not in footer_keys(app)  # a unit head does not administer accounts

        await pilot.press("y")
        await wait_until(pilot, lambda: settled(app) and "已确认" in status(app))
        assert item_of(db, ids["staff_a1"]).decision == "confirmed"

        await pilot.press("down")
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, RevokeDialog))
        app.screen.query_one("#revoke-reason", Input).value = "已调离"
        await pilot.press("enter")
        await wait_until(pilot, lambda: settled(app) and "已撤销" in status(app))
        item = item_of(db, ids["staff_a2"])
        assert item.decision == "revoked" and item.change_request_id is not None
        with db.read() as s:
            req = s.get(ChangeRequest, item.change_request_id)
            assert req is not None and req.kind == "offboard"
            assert req.target_account_id == ids["staff_a2"]

        await pilot.press("u")
        await wait_until(pilot, lambda: settled(app) and screen(app).view == "units")
        assert any("五华区" in r for r in rows(app))


async def test_an_admin_starts_and_closes_a_campaign(db: Database) -> None:
    setup(db)
    app = JzApp(db, user=info(db, "admin"))
    async with app.run_test(size=SIZE) as pilot:
        await open_area(app, pilot)
        assert "发起复核" in footer_keys(app) and "结束复核" in footer_keys(app)
        await pilot.press("S")
        await wait_until(pilot, lambda: isinstance(app.screen, StartDialog))
        app.screen.query_one("#start-region", Input).value = "530102"
        await pilot.click("#start-ok")
        # The county campaign over the province is open still: the service says no.
        await wait_until(
            pilot,
            lambda: app.screen is screen(app) and settled(app) and screen(app)._note is not None,
        )
        assert "已发起" not in status(app)
        with db.read() as s:
            assert s.scalar(sa.select(sa.func.count()).select_from(ReviewCampaign)) == 1
        campaign = screen(app).campaign
        assert campaign is not None and campaign.state == "open"

        await pilot.press("C")
        await wait_until(pilot, lambda: isinstance(app.screen, CloseConfirm))
        await pilot.press("enter")
        await wait_until(pilot, lambda: settled(app) and "已结束复核" in status(app))
        campaign = screen(app).campaign
        assert campaign is not None and campaign.state == "closed"
        assert "结束复核" not in footer_keys(app)


async def test_read_only_hides_every_key_that_writes(db: Database) -> None:
    setup(db)
    for login in ("head_a", "admin"):
        app = JzApp(db, user=info(db, login), readonly=True)
        async with app.run_test(size=SIZE) as pilot:
            await open_area(app, pilot)
            keys = footer_keys(app)
            for label in ("确认", "撤销", "发起复核", "结束复核"):
                assert label not in keys, (login, label)
            s = screen(app)
            for action in ("confirm", "revoke", "start", "close"):
                assert not s.check_action(action, ()), (login, action)
            before = item_of(db, info(db, "staff_a1").id).decision
            await pilot.press("y")
            await pilot.pause()
            assert item_of(db, info(db, "staff_a1").id).decision == before
