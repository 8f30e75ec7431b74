"""Pilot tests of the Accounts screen's administrative actions: grant and revoke a role,
a new activation code, clearing TOTP (as ``jzctl role grant|revoke`` and
``jzctl account reset|mfa``), on SQLite and PostgreSQL."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Static

from accounts.credentials import activation_hash, credential_for_update
from casedb.engine import Database
from casedb.models import Account
from console.i18n import t
from console.tui.app import JzApp
from console.tui.screens.account_admin import CodeShown, GrantDialog, LoginConfirm, RevokeDialog
from console.tui.screens.accounts import AccountsScreen
from rbac.store import Grant, add_grant, load_grants, subject_of
from rbac.templates import TEMPLATES
from tests.tui.conftest import screen_text, wait_until
from tests.tui.test_accounts_screen import (
    REGION,
    SIZE,
    activate,
    admin,
    detail,
    logins,
    make,
    open_accounts,
    plain,
    screen,
)

MANAGE = ("grant", "revoke", "reset", "mfa")


def status_line(app: JzApp) -> str:
    return plain(screen(app).query_one("#acc-status", Static))


def grants_of(db: Database, account_id: int) -> list[Grant]:
    with db.read() as session:
        return load_grants(session, subject_of(account_id))


async def highlight_target(app: JzApp, pilot: Pilot[int]) -> AccountsScreen:
    """Open the list (county, zhangsan) and move to zhangsan once the rights are read."""
    await open_accounts(app, pilot)
    s = screen(app)
    assert logins(app) == ["county", "zhangsan"]
    await wait_until(pilot, lambda: s.rights is not None)
    # One's own account: none of the four.
    assert not any(s.check_action(name, ()) for name in MANAGE)
    await pilot.press("down")
    await wait_until(pilot, lambda: "zhangsan" in detail(app) and s.check_action("grant", ()))
    return s


async def choose_role(app: JzApp, pilot: Pilot[int], role: str) -> None:
    await pilot.press("g")
    await wait_until(pilot, lambda: isinstance(app.screen, GrantDialog))
    dialog = app.screen
    roles = dialog.query_one("#grant-role", OptionList)
    roles.highlighted = list(TEMPLATES).index(role)
    region = dialog.query_one("#grant-region", Input)
    assert region.value == REGION  # the account's own region by default
    region.focus()
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, AccountsScreen))


async def test_grant_from_the_screen_lands_in_the_policy_store(db: Database) -> None:
    target = make(db, "zhangsan", "张三", seq=1)
    activate(db, target)
    user = admin(db, "coord_admin", REGION, "*", login="county", seq=902)
    app = JzApp(db, user=user)
    async with app.run_test(size=SIZE) as pilot:
        await highlight_target(app, pilot)
        await choose_role(app, pilot, "supervisor")
        expected = Grant(subject_of(target), "supervisor", REGION, "*")
        await wait_until(pilot, lambda: grants_of(db, target) == [expected])
        done = t(
            "role.granted", login="zhangsan", role=t("rbac.role.supervisor"), domain=expected.domain
        )
        await wait_until(pilot, lambda: status_line(app) == done)


async def test_a_refused_grant_says_why_and_changes_nothing(db: Database) -> None:
    target = make(db, "zhangsan", "张三", seq=1)
    activate(db, target)
    user = admin(db, "coord_admin", REGION, "*", login="county", seq=902)
    app = JzApp(db, user=user)
    async with app.run_test(size=SIZE) as pilot:
        await highlight_target(app, pilot)
        await choose_role(app, pilot, "coord_admin")  # only one level down
        why = t("err.rbac_grant_out_of_scope", role="coord_admin", domain=f"{REGION}|*")
        await wait_until(pilot, lambda: status_line(app) == why)
        assert grants_of(db, target) == []
        with db.read() as session:
            from sqlalchemy import text

            refused = session.execute(
                text("SELECT count(*) FROM audit_events WHERE action = 'role.grant'")
            ).scalar_one()
        assert refused == 1  # the refusal, recorded


async def test_revoke_removes_the_chosen_grant(db: Database) -> None:
    target = make(db, "zhangsan", "张三", seq=1)
    activate(db, target)
    user = admin(db, "coord_admin", REGION, "*", login="county", seq=902)
    held = Grant(subject_of(target), "supervisor", REGION, "*")
    with db.uow() as uow:
        add_grant(uow.session, held)
        uow.commit()
    app = JzApp(db, user=user)
    async with app.run_test(size=SIZE) as pilot:
        s = await highlight_target(app, pilot)
        assert s.check_action("revoke", ())
        await pilot.press("G")
        await wait_until(pilot, lambda: isinstance(app.screen, RevokeDialog))
        assert "督办" in screen_text(app)
        await pilot.press("enter")
        await wait_until(pilot, lambda: grants_of(db, target) == [])
        done = t(
            "role.revoked", login="zhangsan", role=t("rbac.role.supervisor"), domain=held.domain
        )
        await wait_until(pilot, lambda: status_line(app) == done)


async def test_reset_shows_a_code_once_and_ends_the_password(db: Database) -> None:
    target = make(db, "zhangsan", "张三", seq=1)
    activate(db, target)
    with db.uow() as uow:
        cred = credential_for_update(uow.session, target)
        cred.password_hash = "old-hash"
        cred.activation_code_hash = None
        uow.commit()
    user = admin(db, "coord_admin", REGION, "*", login="county", seq=902)
    app = JzApp(db, user=user)
    async with app.run_test(size=SIZE) as pilot:
        await highlight_target(app, pilot)
        await pilot.press("R")
        await wait_until(pilot, lambda: isinstance(app.screen, LoginConfirm))
        await pilot.press(*"zhangsa", "enter")
        await wait_until(pilot, lambda: "输入的登录名与 zhangsan 不符" in screen_text(app))
        await pilot.press("n", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, CodeShown))
        dialog = app.screen
        assert isinstance(dialog, CodeShown)
        code = dialog.code
        text = screen_text(app)
        assert code in text and "激活码只显示这一次" in text
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, AccountsScreen))
        assert code not in screen_text(app)
        with db.read() as session:
            cred = credential_for_update(session, target)
            assert cred.password_hash is None
            assert cred.activation_code_hash == activation_hash(target, code)
            account = session.get(Account, target)
            assert account is not None and account.status == "active"


async def test_mfa_reset_needs_the_login_typed(db: Database) -> None:
    target = make(db, "zhangsan", "张三", seq=1)
    activate(db, target)
    user = admin(db, "coord_admin", REGION, "*", login="county", seq=902)
    app = JzApp(db, user=user)
    async with app.run_test(size=SIZE) as pilot:
        await highlight_target(app, pilot)
        await pilot.press("M")
        await wait_until(pilot, lambda: isinstance(app.screen, LoginConfirm))
        await pilot.press(*"zhangsan", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, AccountsScreen))
        done = t("account.mfa_reset_none", login="zhangsan")
        await wait_until(pilot, lambda: status_line(app) == done)


async def test_read_only_mode_hides_all_four(db: Database) -> None:
    target = make(db, "zhangsan", "张三", seq=1)
    activate(db, target)
    user = admin(db, "coord_admin", REGION, "*", login="county", seq=902)
    app = JzApp(db, user=user, readonly=True)
    async with app.run_test(size=SIZE) as pilot:
        await open_accounts(app, pilot)
        s = screen(app)
        await wait_until(pilot, lambda: s.rights is not None)
        await pilot.press("down")
        await wait_until(pilot, lambda: "zhangsan" in detail(app))
        assert s.may("role.grant", REGION, "civil")  # allowed, but read-only
        assert not any(s.check_action(name, ()) for name in MANAGE)
        await pilot.press("g", "G", "R", "M")
        await pilot.pause()
        assert isinstance(app.screen, AccountsScreen)
        assert grants_of(db, target) == []
