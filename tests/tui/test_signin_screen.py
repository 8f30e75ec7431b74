"""Pilot tests of the sign-in screen, first sign-in with TOTP enrolment, the idle lock and the
read-only badge (SQLite; the services under them are tested on both backends elsewhere)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyotp
import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from accounts import credentials
from accounts.session import find_account
from accounts.signin import current_session
from casedb.engine import Database
from console.tui.app import JzApp
from console.tui.screens.accounts import AccountsScreen
from console.tui.screens.signin import LockScreen, SignInScreen
from tests.support.people import PASSWORD, SETUP, cheap_hashing, make_person
from tests.tui.conftest import screen_text, wait_until

SIZE = (100, 34)
NEW_PASSWORD = "Another-Horse-77!"


@pytest.fixture(autouse=True)
def _cheap() -> Iterator[None]:
    with cheap_hashing():
        yield


@pytest.fixture
def sqlite_db(tmp_path: Any) -> Iterator[Database]:
    from accounts.setup import initialise
    from audit_log.actor import SYSTEM

    db = Database(f"sqlite:///{tmp_path / 'signin.db'}")
    initialise(db, SYSTEM)
    yield db
    db.dispose()


async def type_into(pilot: Pilot[Any], wid: str, text: str) -> None:
    box = pilot.app.screen.query_one(f"#{wid}", Input)
    box.focus()
    box.value = text
    await pilot.pause()


async def submit(pilot: Pilot[Any]) -> None:
    """Enter in the form's last field, as a person would. (Clicking the button twice within
    its 0.2 s press effect would be ignored by Textual, and make the test flaky.)"""
    from console.tui.screens.signin import FIELDS

    shown = [w for w in FIELDS if pilot.app.screen.query_one(f"#{w}").display]
    pilot.app.screen.query_one(f"#{shown[-1]}", Input).focus()
    await pilot.pause()
    await pilot.press("enter")


def message(app: JzApp) -> str:
    return str(app.screen.query_one("#signin-message").render())


async def test_sign_in_opens_the_first_area_and_shares_the_session_with_the_cli(
    sqlite_db: Database,
) -> None:
    make_person(sqlite_db, "clerk", full_name="王小丫", role="caseworker")
    app = JzApp(sqlite_db, sign_in=True)
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, SignInScreen)
        # Area keys do nothing before sign-in.
        await pilot.press("3")
        assert isinstance(app.screen, SignInScreen)
        await type_into(pilot, "signin-login", "clerk")
        await type_into(pilot, "signin-password", "wrong-password-1")
        await pilot.press("enter")  # to the code field
        await pilot.press("enter")  # submit
        await wait_until(pilot, lambda: "登录名或密码" in message(app) or "失败" in message(app))
        failed = message(app)
        assert app.user is None and isinstance(app.screen, SignInScreen)
        await type_into(pilot, "signin-password", PASSWORD)
        await submit(pilot)
        await wait_until(pilot, lambda: app.user is not None)
        await wait_until(pilot, lambda: "王小丫" in screen_text(app))
        assert app.current_mode == app.areas[0].mode
    assert failed
    assert current_session(sqlite_db).login_name == "clerk"


async def test_unknown_login_and_wrong_password_say_the_same(sqlite_db: Database) -> None:
    make_person(sqlite_db, "clerk", role="caseworker")

    async def attempt(login: str) -> str:
        app = JzApp(sqlite_db, sign_in=True)
        async with app.run_test(size=SIZE) as pilot:
            await type_into(pilot, "signin-login", login)
            await type_into(pilot, "signin-password", "wrong-password-1")
            await submit(pilot)
            await wait_until(pilot, lambda: bool(message(app)) and "正在" not in message(app))
            return message(app)

    assert await attempt("nobody") == await attempt("clerk")


async def test_first_sign_in_sets_the_password_then_enrols_totp(sqlite_db: Database) -> None:
    admin = make_person(
        sqlite_db, "newadmin", department="coord", role="coord_admin", role_department="*",
        password=None,
    )  # fmt: skip
    with sqlite_db.uow() as uow:
        code = credentials.issue_activation(uow.session, admin, SETUP)
        uow.commit()
    app = JzApp(sqlite_db, sign_in=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2")
        assert app.screen.query_one("#signin-code").display
        await type_into(pilot, "signin-login", "newadmin")
        await type_into(pilot, "signin-code", code)
        await type_into(pilot, "signin-new-password", NEW_PASSWORD)
        await type_into(pilot, "signin-new-password-again", NEW_PASSWORD + "x")
        await submit(pilot)
        await wait_until(pilot, lambda: "不一致" in message(app))
        await type_into(pilot, "signin-new-password-again", NEW_PASSWORD)
        await submit(pilot)
        await wait_until(pilot, lambda: "不一致" not in message(app) and "正在" not in message(app))
        assert "newadmin" in message(app), message(app)
        # Back on the sign-in form: sign in with the new password; TOTP enrolment follows.
        assert app.screen.query_one("#signin-password").display
        await type_into(pilot, "signin-password", NEW_PASSWORD)
        await submit(pilot)
        await wait_until(pilot, lambda: bool(app.screen.query_one("#signin-enrol-code").display))
        shown = str(app.screen.query_one("#signin-enrol").render())
        secret = shown.split("密钥：")[1].split(maxsplit=1)[0]
        await type_into(pilot, "signin-enrol-code", "000000")
        await submit(pilot)
        await wait_until(pilot, lambda: bool(message(app)) and "正在" not in message(app))
        assert app.user is None
        await type_into(pilot, "signin-enrol-code", pyotp.TOTP(secret).now())
        await submit(pilot)
        await wait_until(pilot, lambda: app.user is not None)
        assert app.user is not None and app.user.login_name == "newadmin"


async def test_idle_lock_asks_for_the_password_again(sqlite_db: Database) -> None:
    make_person(sqlite_db, "clerk", full_name="王小丫", role="caseworker")
    with sqlite_db.read() as s:
        user = find_account(s, "clerk")
    app = JzApp(sqlite_db, user=user, idle_timeout_s=0.4)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, LockScreen), timeout=10)
        assert "clerk" in screen_text(app)
        # Keys meant for the console behind do nothing while it is locked.
        await pilot.press("3")
        assert isinstance(app.screen, LockScreen)
        await type_into(pilot, "lock-password", "wrong-password-1")
        app.screen.query_one("#lock-totp", Input).focus()
        await pilot.pause()
        await pilot.press("enter")
        await wait_until(pilot, lambda: bool(str(app.screen.query_one("#signin-message").render())))
        assert isinstance(app.screen, LockScreen)
        app.idle_timeout_s = 3600
        await type_into(pilot, "lock-password", PASSWORD)
        app.screen.query_one("#lock-totp", Input).focus()
        await pilot.pause()
        await pilot.press("enter")
        await wait_until(pilot, lambda: not isinstance(app.screen, LockScreen))
        assert not app.locked


async def test_read_only_mode_shows_its_badge_and_hides_changes(sqlite_db: Database) -> None:
    make_person(
        sqlite_db, "boss", department="coord", role="coord_admin", role_department="*",
        region="530000000000", role_region="530000000000",
    )  # fmt: skip
    with sqlite_db.read() as s:
        user = find_account(s, "boss")

    async def look(readonly: bool) -> tuple[bool, bool]:
        app = JzApp(sqlite_db, user=user, readonly=readonly)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("3")
            screen = app.screen
            assert isinstance(screen, AccountsScreen)
            await wait_until(pilot, lambda: screen.rights is not None)
            return "只读" in screen_text(app), bool(screen.check_action("create", ()))

    assert await look(False) == (False, True)
    assert await look(True) == (True, False)
