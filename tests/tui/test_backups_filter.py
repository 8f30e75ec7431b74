"""``/`` in the Backups area (area 6) narrows the catalogue's backups to those whose row shows
every word typed (class, date, verify state, id); Esc brings them all back."""

from __future__ import annotations

from pathlib import Path

from casedb.engine import Database
from console.tui.app import JzApp
from console.tui.widgets import FilterBox
from ops import catalogue
from tests.tui.conftest import wait_until
from tests.tui.test_backups_screen import admin, backup_dir, made, open_area, screen

__all__ = ["backup_dir"]  # the autouse fixture: backups in a folder of the test's own


async def test_slash_narrows_the_backups_and_esc_brings_them_back(
    db: Database, backup_dir: Path
) -> None:
    core = made(db, backup_dir, "core").id
    general = made(db, backup_dir, "general").id
    assert catalogue.default_root() == backup_dir
    app = JzApp(db, user=admin(db, "sys.admin", "system_admin"))
    async with app.run_test(size=(130, 40)) as pilot:
        await open_area(app, pilot)
        s = screen(app)
        await wait_until(pilot, lambda: s.backup_table.row_count == 2)
        await pilot.press("slash")
        box = s.query_one("#bk-filter", FilterBox)
        assert box.input.has_focus
        await pilot.press(*"core")
        await wait_until(pilot, lambda: s.backup_table.row_count == 1)
        assert s.backup_table.get_row_at(0)[0].plain == core
        await pilot.press("enter")
        assert s.backup_table.has_focus
        await wait_until(pilot, lambda: s.breadcrumb_text().endswith(core))
        await pilot.press("slash", "escape")
        await wait_until(pilot, lambda: s.backup_table.row_count == 2)
        assert {s.backup_table.get_row_at(i)[0].plain for i in range(2)} == {core, general}
