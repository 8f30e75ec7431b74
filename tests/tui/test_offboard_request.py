"""Pilot test: filing an offboarding from the Accounts area (o), with the successors picked,
and the request reaching the reviewer's inbox."""

from __future__ import annotations

import sqlalchemy as sa
from textual.widgets import Input, SelectionList

from accounts.change_models import ChangeRequest
from accounts.change_queries import list_requests
from accounts.session import find_account
from casedb.engine import Database
from console.tui.app import JzApp
from console.tui.screens.accounts import AccountsScreen
from console.tui.screens.change_request import OffboardRequest
from tests.integration.test_changes import open_cases
from tests.support.people import make_person
from tests.tui.conftest import screen_text, wait_until

SIZE = (110, 34)
TOWNSHIP = "530102001000"


async def test_offboarding_filed_from_the_accounts_area(db: Database) -> None:
    coord = make_person(db, "coord", full_name="县协调员", department="coord",
                        role="coord_admin", role_department="*", password=None)  # fmt: skip
    leader = make_person(db, "leader", region=TOWNSHIP, role="township_leader",
                         role_department="*", password=None)  # fmt: skip
    leaver = make_person(db, "leaver", full_name="要走的人", region=TOWNSHIP, role="caseworker",
                         password=None)  # fmt: skip
    heir = make_person(db, "heir", full_name="接班人", region=TOWNSHIP, role="caseworker",
                       password=None)  # fmt: skip
    open_cases(db, leaver, 2)
    del coord
    with db.read() as s:
        user = find_account(s, "coord")
    app = JzApp(db, user=user)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3")
        screen = app.screen
        assert isinstance(screen, AccountsScreen)
        await wait_until(
            pilot, lambda: screen.rights is not None and "要走的人" in screen_text(app)
        )
        screen.open_with("leaver")
        await wait_until(pilot, lambda: screen.current is not None
                         and screen.current.login_name == "leaver")  # fmt: skip
        await pilot.press("o")
        await wait_until(pilot, lambda: isinstance(app.screen, OffboardRequest))
        form = app.screen
        picker = form.query_one("#request-successors", SelectionList)
        await wait_until(pilot, lambda: picker.option_count == 1)
        assert "2" in screen_text(app)
        # No reason: refused in one sentence, nothing filed.
        await pilot.click("#request-ok")
        await wait_until(pilot, lambda: bool(form.query_one("#confirm-error").display))
        form.query_one("#request-reason", Input).value = "调离"
        picker.select_all()
        await pilot.pause(0.3)
        await pilot.click("#request-ok")
        await wait_until(pilot, lambda: isinstance(app.screen, AccountsScreen))
    with db.read() as s:
        req = s.scalars(sa.select(ChangeRequest)).one()
        assert (req.kind, req.state, req.target_account_id) == ("offboard", "submitted", leaver)
        assert f"[{heir}]" in req.payload.replace(" ", "")
        assert [v.id for v in list_requests(s, leader, "to_review").items] == [req.id]


async def test_the_offboard_key_is_hidden_in_read_only_mode_and_for_oneself(db: Database) -> None:
    make_person(db, "coord", department="coord", role="coord_admin", role_department="*",
                password=None)  # fmt: skip
    make_person(db, "clerk", full_name="经办甲", region=TOWNSHIP, role="caseworker",
                password=None)  # fmt: skip
    with db.read() as s:
        user = find_account(s, "coord")

    async def offered(readonly: bool, login: str) -> bool:
        app = JzApp(db, user=user, readonly=readonly)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("3")
            screen = app.screen
            assert isinstance(screen, AccountsScreen)
            await wait_until(pilot, lambda: screen.rights is not None and len(screen.rows) == 2)
            screen.open_with(login)
            await wait_until(
                pilot, lambda: screen.current is not None and screen.current.login_name == login
            )
            return screen.check_action("offboard", ()) is True

    assert await offered(False, "clerk") is True
    assert await offered(True, "clerk") is False
    assert await offered(False, "coord") is False
