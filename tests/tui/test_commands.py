"""Pilot tests of the command palette (Ctrl+P), the ":" command line, "/" in the region tree,
the help screen (?) and the high-contrast theme."""

from __future__ import annotations

from typing import Any

from textual.command import CommandPalette
from textual.widgets import Input

from accounts.session import find_account
from casedb.engine import Database
from console.tui.app import JzApp
from console.tui.commands import COMMANDS, available, parse_line
from console.tui.screens.accounts import AccountsScreen
from console.tui.screens.org import OrgScreen, RegionItem
from console.tui.screens.palette import CommandLine, HelpScreen, account_filter
from rbac.store import Grant
from tests.support.people import make_person
from tests.tui.conftest import screen_text, wait_until

SIZE = (110, 34)


def user(db: Database, login: str) -> Any:
    with db.read() as s:
        return find_account(s, login)


def titles(commands: list[Any]) -> set[str]:
    return {c.key for c in commands}


def test_the_palette_lists_only_what_the_admin_may_do() -> None:
    areas = ["dashboard", "org", "audit", "accounts", "changes"]
    admin = [Grant("a:1", "dept_admin", "530102000000", "civil")]
    clerk = [Grant("a:2", "caseworker", "530102000000", "civil")]
    auditor = [Grant("a:3", "audit_admin", "530000000000", "*")]
    full = titles(available(COMMANDS, admin, areas=areas, readonly=False, signed_in=True))
    assert {"account_create", "accounts_locked", "changes_to_review"} <= full
    assert "audit_verify" not in full
    assert "account_create" not in titles(
        available(COMMANDS, admin, areas=areas, readonly=True, signed_in=True)
    )
    assert "accounts" not in titles(
        available(COMMANDS, clerk, areas=areas, readonly=False, signed_in=True)
    )
    assert "audit_verify" in titles(
        available(COMMANDS, auditor, areas=areas, readonly=False, signed_in=True)
    )


def test_command_lines_parse_in_both_languages() -> None:
    assert parse_line(":account 五华区 民政") is not None
    parsed = parse_line(":账号 五华区")
    assert parsed is not None and parsed.area == "accounts" and parsed.words == ("五华区",)
    assert parse_line(":nonsense x") is None
    assert parse_line(":") is None


def test_account_words_become_the_accounts_filter(db: Database) -> None:
    with db.read() as s:
        assert account_filter(s, ("五华区", "民政")) == "region:530102000000 dept:civil"
        assert account_filter(s, ("status:locked", "zhang")) == "status:locked zhang"


async def test_ctrl_p_shows_chinese_titles_and_runs_one(db: Database) -> None:
    make_person(db, "admin", role="dept_admin", password=None)
    app = JzApp(db, user=user(db, "admin"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"锁定")
        await wait_until(pilot, lambda: "账号：已锁定的账号" in screen_text(app))
        assert "审计：校验审计链" not in screen_text(app)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, AccountsScreen))
        screen = app.screen
        await wait_until(
            pilot, lambda: screen.query_one("#acc-filter", Input).value == "status:locked"
        )


async def test_the_command_line_opens_a_units_accounts(db: Database) -> None:
    make_person(db, "admin", role="dept_admin", password=None)
    make_person(db, "civil1", full_name="民政甲", password=None)
    make_person(db, "water1", full_name="水利乙", department="water", password=None)
    app = JzApp(db, user=user(db, "admin"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("colon")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandLine))
        app.screen.query_one("#cmdline", Input).value = ":account 五华区 民政"
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, AccountsScreen))
        await wait_until(pilot, lambda: "民政甲" in screen_text(app))
        assert "水利乙" not in screen_text(app)
        await pilot.press("colon")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandLine))
        app.screen.query_one("#cmdline", Input).value = ":what"
        await pilot.press("enter")
        await wait_until(pilot, lambda: "不认识的命令" in screen_text(app))
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, AccountsScreen))


async def test_slash_in_the_region_tree_goes_to_a_region(db: Database) -> None:
    app = JzApp(db)
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, OrgScreen)
        org = app.screen
        await pilot.press("slash")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandLine))
        app.screen.query_one("#cmdline", Input).value = ":org 五华区"
        await pilot.press("enter")

        def at() -> str:
            node = org.region_tree.cursor_node
            return node.data.code if node and isinstance(node.data, RegionItem) else ""

        await wait_until(pilot, lambda: at() == "530102000000")
        assert "五华区" in org.breadcrumb_text()


async def test_help_lists_keys_and_commands_and_closes(db: Database) -> None:
    make_person(db, "admin", role="dept_admin", password=None)
    app = JzApp(db, user=user(db, "admin"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3")
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
        await wait_until(pilot, lambda: "本界面的按键" in screen_text(app))
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        assert "account_create" in {c.key for c in help_screen.commands}
        assert ("n", "新建") in help_screen.keys
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, AccountsScreen))


async def test_the_high_contrast_theme(db: Database) -> None:
    make_person(db, "admin", role="dept_admin", password=None)
    app = JzApp(db, user=user(db, "admin"))
    async with app.run_test(size=SIZE) as pilot:
        await app.run_action("theme('jz-contrast')")
        await pilot.pause()
        assert app.theme == "jz-contrast"
