"""Every command the palette offers a provincial system admin leads somewhere: run from the
palette, each lands in its area (and a command naming an action opens that action's dialog
or view), without an error on screen."""

from __future__ import annotations

from accounts.session import find_account
from casedb.engine import Database
from console.tui.app import JzApp
from tests.support.people import make_person
from tests.tui.conftest import screen_text, wait_until

SIZE = (120, 40)


async def test_every_palette_command_lands_in_its_area(db: Database) -> None:
    make_person(db, "sys.admin", region="530000000000", department="coord", role="system_admin",
                role_department="*", password=None)  # fmt: skip
    with db.read() as s:
        user = find_account(s, "sys.admin")
    app = JzApp(db, user=user)
    async with app.run_test(size=SIZE) as pilot:
        commands = [c for c in app.available_commands() if c.area]
        keys = {c.key for c in commands}
        # What a system admin may do reaches the new places too.
        assert {"org_coverage", "rules_set_day", "drill_schedule", "backup_create"} <= keys
        for command in commands:
            while len(app.screen_stack) > 1:  # a dialog the last command opened
                app.pop_screen()
                await pilot.pause()
            app.run_command(command)
            await wait_until(pilot, lambda c=command: app.current_mode == c.area)  # type: ignore[misc]
            await pilot.pause(0.05)
            text = screen_text(app)
            assert "Traceback" not in text and "读取数据失败" not in text, (command.key, text)
