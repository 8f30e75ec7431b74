"""Pilot tests of the dashboard (概览): the first screen for a signed-in admin, figures filled
in by workers, Enter opens the list behind a figure."""

from __future__ import annotations

from textual.widgets import DataTable, Input

from accounts.session import find_account
from casedb.engine import Database
from casedb.models import Account
from console.tui.app import JzApp
from console.tui.screens.accounts import AccountsScreen
from console.tui.screens.dashboard import DashboardScreen
from tests.support.people import make_person
from tests.tui.conftest import screen_text, wait_until

SIZE = (100, 30)


def lock(db: Database, account_id: int) -> None:
    with db.uow() as uow:
        account = uow.session.get(Account, account_id)
        assert account is not None
        account.status = "locked"
        uow.commit()


async def test_the_dashboard_comes_first_and_opens_the_locked_accounts(db: Database) -> None:
    make_person(db, "admin", full_name="县管理员", role="dept_admin", password=None)
    lock(db, make_person(db, "stuck", full_name="被锁者", region="530102001000", password=None))
    with db.read() as s:
        user = find_account(s, "admin")
    app = JzApp(db, user=user)
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, DashboardScreen)
        dash = app.screen
        await wait_until(pilot, lambda: any(f and f.key == "locked_accounts" for f in dash.figures))
        await wait_until(pilot, lambda: "已锁定账号" in screen_text(app))
        table = dash.query_one("#dash-table", DataTable)
        row = next(i for i, f in enumerate(dash.figures) if f and f.key == "locked_accounts")
        assert "异常" in screen_text(app)
        table.move_cursor(row=table.get_row_index(str(row)))
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, AccountsScreen))
        accounts = app.screen
        assert accounts.query_one("#acc-filter", Input).value == "status:locked"
        await wait_until(pilot, lambda: "被锁者" in screen_text(app))
        assert "县管理员" not in screen_text(app).split("筛选")[1]


async def test_refresh_reads_the_figures_again(db: Database) -> None:
    make_person(db, "admin", role="dept_admin", password=None)
    with db.read() as s:
        user = find_account(s, "admin")
    app = JzApp(db, user=user)
    async with app.run_test(size=SIZE) as pilot:
        dash = app.screen
        assert isinstance(dash, DashboardScreen)
        locked = lambda: next(  # noqa: E731
            (f.value for f in dash.figures if f and f.key == "locked_accounts"), None
        )
        await wait_until(pilot, lambda: locked() == 0)
        lock(db, make_person(db, "stuck", region="530102001000", password=None))
        await pilot.press("r")
        await wait_until(pilot, lambda: locked() == 1)
