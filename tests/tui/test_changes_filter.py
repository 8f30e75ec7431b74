"""``/`` in the change inbox (area 4): the list is filtered in SQL as the admin types (the same
query as ``jzctl change list --match``), Esc clears it, and the breadcrumb follows the view
and the request at hand."""

from __future__ import annotations

from rich.text import Text

from accounts import changes
from accounts.change_queries import list_requests
from accounts.changes import SubmitChange
from casedb.engine import Database
from console.tui.app import JzApp
from console.tui.screens.changes import ChangesScreen
from console.tui.widgets import FilterBox
from tests.support.people import make_person
from tests.tui.conftest import wait_until
from tests.tui.test_changes_screen import COUNTY, TOWNSHIP, info, who

SIZE = (150, 45)


def listed(screen: ChangesScreen) -> list[str]:
    table = screen.change_table
    out = []
    for i in range(table.row_count):
        cell = table.get_row_at(i)[2]
        out.append(cell.plain if isinstance(cell, Text) else str(cell))
    return out


async def test_slash_filters_the_inbox_by_name_and_kind(db: Database) -> None:
    make_person(db, "submitter", region=COUNTY, role="coord_admin", role_department="*",
                password=None)  # fmt: skip
    make_person(db, "reviewer", region=TOWNSHIP, role="township_leader", role_department="*",
                password=None)  # fmt: skip
    targets = {}
    for login, name in (("wang", "王芳"), ("li", "李雷"), ("liu", "刘洋")):
        targets[login] = make_person(db, login, full_name=name, region=TOWNSHIP,
                                     role="caseworker", password=None)  # fmt: skip
    for login, kind, payload in (
        ("wang", "modify", {"post": "站长"}),
        ("li", "offboard", {}),
        ("liu", "modify", {"post": "副站长"}),
    ):
        cmd = SubmitChange(kind, targets[login], "人事调整", payload, doc_no="滇民任〔2026〕7号")
        changes.submit(cmd, db.uow(), who(db, "submitter"))
    reviewer = info(db, "reviewer")
    app = JzApp(db, user=reviewer)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4")
        await wait_until(pilot, lambda: isinstance(app.screen, ChangesScreen))
        screen = app.screen
        assert isinstance(screen, ChangesScreen)
        await wait_until(pilot, lambda: not screen.fetching and len(listed(screen)) == 3)
        box = screen.query_one("#chg-filter", FilterBox)
        assert not box.display  # out of the way until asked for
        await pilot.press("slash")
        assert box.display and box.input.has_focus
        await pilot.press(*"王")
        await wait_until(pilot, lambda: not screen.fetching and len(listed(screen)) == 1)
        assert "王" in listed(screen)[0]
        # The same words through the query jzctl change list --match runs.
        with db.read() as s:
            page = list_requests(s, reviewer.id, "to_review", match="kind:offboard")
        assert [v.target_account_id for v in page.items] == [targets["li"]]
        box.input.value = "kind:offboard"
        await pilot.press("enter")
        await wait_until(pilot, lambda: not screen.fetching and screen.match == "kind:offboard")
        assert len(listed(screen)) == 1 and "李" in listed(screen)[0]
        assert screen.change_table.has_focus  # Enter: back to the list
        await wait_until(pilot, lambda: screen.breadcrumb_text().startswith("待审核 > #"))
        # Esc in the box clears the filter: all three are back.
        await pilot.press("slash", "escape")
        await wait_until(pilot, lambda: not screen.fetching and len(listed(screen)) == 3)
        assert screen.match == "" and not box.display
