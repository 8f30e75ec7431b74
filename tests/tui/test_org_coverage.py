"""Pilot tests of the Org area's coverage list (``c``; ``jzctl org coverage``): the overview's
coverage figure opens it, Enter on a gap walks the tree there, Esc goes back, and only an admin
reads it (a refusal is said in one sentence and recorded)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from textual.pilot import Pilot
from textual.widgets import DataTable

from accounts.session import find_account
from audit_log.models import AuditEvent
from casedb.engine import Database
from console.tui.app import JzApp
from console.tui.screens.dashboard import DashboardScreen
from console.tui.screens.org import OrgScreen, RegionItem, RegionTree
from rbac.queries import coverage
from tests.support.people import make_person
from tests.tui.conftest import TOWNSHIP, screen_text, wait_until

SIZE = (120, 40)
COUNTY = "530102000000"


async def open_org(app: JzApp, pilot: Pilot[Any]) -> OrgScreen:
    """Area 1, its tree shown."""
    await pilot.press("1")
    await wait_until(pilot, lambda: isinstance(app.screen, OrgScreen))
    org = app.screen
    assert isinstance(org, OrgScreen)
    await wait_until(pilot, lambda: "530000000000" in screen_text(app))
    return org


def gap_codes(screen: OrgScreen) -> list[str]:
    table = screen.query_one("#coverage", DataTable)
    return [str(table.get_row_at(i)[1]) for i in range(table.row_count)]


async def test_the_coverage_figure_opens_the_gaps_and_enter_walks_to_one(db: Database) -> None:
    make_person(db, "admin", full_name="县民政管理员", role="dept_admin", password=None)
    make_person(db, "clerk", region=COUNTY, role="caseworker", password=None)
    with db.read() as s:
        user = find_account(s, "admin")
        expected = coverage(s, COUNTY)
    app = JzApp(db, user=user)
    async with app.run_test(size=SIZE) as pilot:
        dash = app.screen
        assert isinstance(dash, DashboardScreen)
        await wait_until(pilot, lambda: dash.pending == 0)
        fig = next(f for f in dash.figures if f and f.key == "coverage_gaps")
        assert fig.value == len(expected.gaps) > 0
        table = dash.table
        table.move_cursor(row=table.get_row_index(str(dash.figures.index(fig))))
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, OrgScreen))
        org = app.screen
        assert isinstance(org, OrgScreen)
        await wait_until(pilot, lambda: org.coverage_shown and not org.coverage_loading)
        # What jzctl org coverage lists for the county, row for row.
        assert gap_codes(org) == [g.region for g in expected.gaps]
        text = screen_text(app)
        assert "缺岗单位" in text and "五华区" in text
        # The caseworker granted at the county staffs civil affairs there: not a gap.
        assert ("operator", COUNTY, "civil") not in {
            (g.kind, g.region, g.department) for g in expected.gaps
        }
        assert org.breadcrumb_text().endswith("缺岗单位")
        # Enter on the township without a leader: the tree opens there.
        row = gap_codes(org).index(TOWNSHIP)
        org.coverage_table.move_cursor(row=row)
        await pilot.press("enter")
        tree = org.query_one(RegionTree)

        def at_township() -> bool:
            node = tree.cursor_node
            return isinstance(getattr(node, "data", None), RegionItem) and (
                node.data.code == TOWNSHIP  # type: ignore[union-attr]
            )

        await wait_until(pilot, at_township)
        assert not org.coverage_shown
        assert org.breadcrumb_text() == "云南省 > 昆明市 > 五华区 > 护国街道"


async def test_c_toggles_the_list_and_esc_goes_back(db: Database) -> None:
    make_person(db, "admin", role="dept_admin", password=None)
    with db.read() as s:
        user = find_account(s, "admin")
    app = JzApp(db, user=user)
    async with app.run_test(size=SIZE) as pilot:
        org = await open_org(app, pilot)
        await pilot.press("c")
        await wait_until(pilot, lambda: org.coverage_shown and not org.coverage_loading)
        assert org.coverage_table.row_count > 0
        await pilot.press("escape")
        assert not org.coverage_shown
        assert org.query_one("#region-detail").display


async def test_a_caseworker_is_refused_and_the_refusal_recorded(db: Database) -> None:
    make_person(db, "clerk", region=TOWNSHIP, role="caseworker", password=None)
    with db.read() as s:
        user = find_account(s, "clerk")
    app = JzApp(db, user=user)
    async with app.run_test(size=SIZE) as pilot:
        org = await open_org(app, pilot)
        await pilot.press("c")
        await wait_until(pilot, lambda: not org.coverage_loading)
        await wait_until(pilot, lambda: "不是管理员" in screen_text(app))
        assert org.coverage_table.row_count == 0  # no gaps, the refusal said below them
    with db.read() as s:
        refused = s.scalars(select(AuditEvent).where(AuditEvent.action == "policy.read")).all()
    assert refused and refused[-1].outcome == "denied"


async def test_nobody_signed_in_sees_no_coverage_key(db: Database) -> None:
    app = JzApp(db)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: "530000000000" in screen_text(app))
        assert app.screen.check_action("coverage", ()) is False
        assert "缺岗单位" not in screen_text(app)


async def test_an_admin_locked_while_signed_in_is_refused(db: Database) -> None:
    """Invariant 6: the console was opened before the lock; the next read is refused."""
    from casedb.models import Account

    admin_id = make_person(db, "admin", role="dept_admin", password=None)
    with db.read() as s:
        user = find_account(s, "admin")
    app = JzApp(db, user=user)
    async with app.run_test(size=SIZE) as pilot:
        org = await open_org(app, pilot)
        with db.uow() as uow:
            account = uow.session.get(Account, admin_id)
            assert account is not None
            account.status = "locked"
            uow.commit()
        await pilot.press("c")
        await wait_until(pilot, lambda: not org.coverage_loading)
        await wait_until(pilot, lambda: "不是管理员" in screen_text(app))
        assert org.coverage_table.row_count == 0  # no gaps, the refusal said below them
