"""Pilot tests of the TUI frame and the Org screen, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rich.text import Text
from textual.widgets import DataTable, Static

from casedb.engine import Database
from console.i18n import set_language
from console.tui.app import JzApp
from console.tui.screens.org import OrgScreen, RegionItem, RegionTree
from tests.tui.conftest import (
    TOWNSHIP,
    VILLAGE,
    add_account,
    add_open_case,
    add_villages,
    screen_text,
    wait_until,
)

pytestmark = pytest.mark.both_backends  # lists paged and filtered in SQL

SIZE = (120, 40)


def org(app: JzApp) -> OrgScreen:
    screen = app.screen
    assert isinstance(screen, OrgScreen)
    return screen


def cursor_item(app: JzApp) -> RegionItem | None:
    node = org(app).query_one(RegionTree).cursor_node
    if node is None or not isinstance(node.data, RegionItem):
        return None
    return node.data


def loaded_names(app: JzApp, code: str) -> list[str]:
    node = org(app)._by_code.get(code)
    if node is None or not isinstance(node.data, RegionItem) or not node.data.loaded:
        return []
    return [c.data.name for c in node.children if isinstance(c.data, RegionItem)]


def _loaded(app: JzApp, code: str) -> Callable[[], bool]:
    return lambda: bool(loaded_names(app, code))


def plain(widget: Static) -> str:
    visual = widget.visual
    return getattr(visual, "plain", str(visual))


def detail_rows(app: JzApp) -> dict[str, tuple[str, str]]:
    table = org(app).query_one("#detail-depts", DataTable)
    rows: dict[str, tuple[str, str]] = {}
    for i in range(table.row_count):
        name, accounts, cases = (
            c.plain if isinstance(c, Text) else str(c) for c in table.get_row_at(i)
        )
        rows[name] = (accounts, cases)
    return rows


def detail_code(app: JzApp) -> str:
    return plain(org(app).query_one("#detail-facts", Static))


async def test_tree_starts_at_the_province_with_its_16_prefectures(db: Database) -> None:
    app = JzApp(db)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: len(loaded_names(app, "530000000000")) == 16)
        tree = org(app).query_one(RegionTree)
        roots = [n.data.name for n in tree.root.children if isinstance(n.data, RegionItem)]
        assert roots == ["云南省"]
        assert loaded_names(app, "530000000000")[:2] == ["昆明市", "曲靖市"]
        await wait_until(pilot, lambda: "530000000000" in detail_code(app))
        assert cursor_item(app) is not None
        assert org(app).breadcrumb_text() == "云南省"
        text = screen_text(app)
        assert "云南省（16）" in text
        assert "昆明市（14）" in text


async def test_walk_down_to_a_village_updates_the_breadcrumb(db: Database) -> None:
    add_villages(db, (VILLAGE, "翠湖社区"), ("530102001002", "圆通社区"))
    app = JzApp(db)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: len(loaded_names(app, "530000000000")) == 16)
        await pilot.press("down")
        assert cursor_item(app) is not None
        assert cursor_item(app).name == "昆明市"  # type: ignore[union-attr]
        await pilot.press("enter")
        await wait_until(pilot, lambda: bool(loaded_names(app, "530100000000")))
        await pilot.press("down")
        assert cursor_item(app).name == "五华区"  # type: ignore[union-attr]
        await pilot.press("right")  # → expands like Enter
        await wait_until(pilot, lambda: bool(loaded_names(app, "530102000000")))
        await pilot.press("down")
        assert cursor_item(app).code == TOWNSHIP  # type: ignore[union-attr]
        assert org(app).breadcrumb_text() == "云南省 > 昆明市 > 五华区 > 护国街道"
        await pilot.press("enter")
        await wait_until(pilot, lambda: loaded_names(app, TOWNSHIP) == ["翠湖社区", "圆通社区"])
        await pilot.press("down")
        assert cursor_item(app).code == VILLAGE  # type: ignore[union-attr]
        assert org(app).breadcrumb_text() == "云南省 > 昆明市 > 五华区 > 护国街道 > 翠湖社区"
        await wait_until(pilot, lambda: VILLAGE in detail_code(app))
        facts = detail_code(app)
        assert "村(社区)" in facts
        assert "云南省 > 昆明市 > 五华区 > 护国街道 > 翠湖社区" in facts
        assert "云南省 > 昆明市 > 五华区 > 护国街道 > 翠湖社区" in screen_text(app)
        # ← goes back up to the township, a second ← collapses it.
        await pilot.press("left")
        assert cursor_item(app).code == TOWNSHIP  # type: ignore[union-attr]
        await pilot.press("left")
        assert not org(app)._by_code[TOWNSHIP].is_expanded


async def test_details_show_accounts_and_open_cases_per_department(db: Database) -> None:
    add_villages(db, (VILLAGE, "翠湖社区"))
    add_account(db, "kmcoord", "李四", "530100000000", "coord")
    add_account(db, "whcivil", "王五", "530102000000", "civil")
    add_open_case(db, "C-0001", VILLAGE, "civil", "dibao")
    add_open_case(db, "C-0002", TOWNSHIP, "civil", "temp_assist")
    app = JzApp(db)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: len(loaded_names(app, "530000000000")) == 16)
        await pilot.press("down")  # 昆明市
        await wait_until(pilot, lambda: "530100000000" in detail_code(app))
        rows = detail_rows(app)
        assert len(rows) == 9  # 8 departments and the total
        assert rows["乡村振兴"] == ("1", "0")
        assert rows["民政"] == ("1", "2")
        assert rows["合计"] == ("2", "2")
        assert rows["医保"] == ("0", "0")
        await pilot.press("down")  # 曲靖市: nothing there
        await wait_until(pilot, lambda: "530300000000" in detail_code(app))
        assert detail_rows(app)["合计"] == ("0", "0")


async def test_header_shows_database_and_user_and_demo_banner_only_in_demo(
    db: Database,
) -> None:
    user = add_account(db, "demo-admin", "演示管理员", "530000000000")
    plain_app = JzApp(db)
    async with plain_app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: bool(loaded_names(plain_app, "530000000000")))
        assert not plain_app.screen.query("#demo-banner")
        text = screen_text(plain_app)
        assert "演示数据" not in text and "DEMO" not in text
        assert "未登录" in text
        assert db.redacted_url[:40] in text
        assert "jzctl 救助平台管理控制台" in text
    demo_app = JzApp(db, user=user, demo=True)
    async with demo_app.run_test(size=SIZE) as pilot:
        await pilot.press("1")  # a signed-in admin starts on the overview
        await wait_until(pilot, lambda: bool(loaded_names(demo_app, "530000000000")))
        banner = demo_app.screen.query_one("#demo-banner", Static)
        assert "演示数据 DEMO" in plain(banner)
        text = screen_text(demo_app)
        assert "演示数据 DEMO — 数据均为虚构" in text
        assert "用户 演示管理员（demo-admin）" in text


async def test_password_is_not_shown_in_the_header(db: Database) -> None:
    app = JzApp(db)
    app.database = _FakeUrl(db, "postgresql+psycopg://jz:***@db.example/jz")  # type: ignore[assignment]
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: bool(loaded_names(app, "530000000000")))
        text = screen_text(app)
        assert "postgresql+psycopg://jz:***@db.example/jz" in text


class _FakeUrl:
    """The real database under another redacted URL (a PostgreSQL URL with a password)."""

    def __init__(self, db: Database, url: str) -> None:
        self._db = db
        self.redacted_url = url

    def __getattr__(self, name: str) -> object:
        return getattr(self._db, name)


async def test_english_labels(db: Database) -> None:
    set_language("en")
    app = JzApp(db)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: len(loaded_names(app, "530000000000")) == 16)
        await wait_until(pilot, lambda: "530000000000" in detail_code(app))
        # The compositor paints after the widgets update: wait for the painted screen.
        await wait_until(pilot, lambda: "Divisions below: 16" in screen_text(app))
        await wait_until(pilot, lambda: "Civil Affairs" in screen_text(app))
        text = screen_text(app)
        for label in (
            "jzctl relief platform console",
            "Not signed in",
            "0 Home",
            "1 Org",
            "Region tree",
            "Details",
            "Code: 530000000000",
            "Level: province",
            "Divisions below: 16",
            "Department",
            "Open cases",
            "Civil Affairs",
            "Expand/collapse",
            "Refresh",
            "Quit",
        ):
            assert label in text, label
        assert "区划树" not in text and "退出" not in text
        assert detail_rows(app)["Total"] == ("0", "0")


async def test_region_and_user_names_cannot_inject_markup(db: Database) -> None:
    injected = "[b]注入[/b]测试村"
    add_villages(db, (VILLAGE, injected), ("530102001002", "[/]坏村"))
    user = add_account(db, "demo-admin", "[red]张三[/]", "530000000000")
    app = JzApp(db, user=user, demo=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("1")  # a signed-in admin starts on the overview
        await wait_until(pilot, lambda: len(loaded_names(app, "530000000000")) == 16)
        for key, code in (
            ("down", "530100000000"),
            ("enter", None),
            ("down", "530102000000"),
            ("enter", None),
            ("down", TOWNSHIP),
            ("enter", None),
            ("down", VILLAGE),
        ):
            await pilot.press(key)
            if code is None:
                node = org(app).query_one(RegionTree).cursor_node
                assert node is not None and isinstance(node.data, RegionItem)
                parent = node.data.code
                await wait_until(pilot, _loaded(app, parent))
            else:
                assert cursor_item(app).code == code  # type: ignore[union-attr]
        assert loaded_names(app, TOWNSHIP) == [injected, "[/]坏村"]
        assert org(app).breadcrumb_text().endswith("护国街道 > " + injected)
        await wait_until(pilot, lambda: VILLAGE in detail_code(app))
        title = plain(org(app).query_one("#detail-title", Static))
        assert title.startswith(injected)
        text = screen_text(app)
        assert injected in text
        assert "[/]坏村" in text
        assert "[red]张三[/]（demo-admin）" in text
        await pilot.press("down")  # the other name must render too
        assert org(app).breadcrumb_text().endswith("> [/]坏村")
        await wait_until(pilot, lambda: "530102001002" in detail_code(app))
        assert "[/]坏村" in screen_text(app)


async def test_refresh_shows_regions_added_meanwhile(db: Database) -> None:
    app = JzApp(db)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: len(loaded_names(app, "530000000000")) == 16)
        for key in ("down", "enter", "down", "enter", "down"):
            await pilot.press(key)
            await wait_until(pilot, lambda: cursor_item(app) is not None)
        await wait_until(pilot, lambda: TOWNSHIP in org(app)._by_code)
        assert cursor_item(app).code == TOWNSHIP  # type: ignore[union-attr]
        assert not org(app)._by_code[TOWNSHIP].allow_expand
        add_villages(db, (VILLAGE, "新建村"))
        await pilot.press("enter")  # a township without villages yet: nothing to expand
        await pilot.press("up", "r")  # refresh 五华区: 护国街道 now has a village
        await wait_until(
            pilot,
            lambda: (
                org(app)._by_code.get(TOWNSHIP) is not None
                and org(app)._by_code[TOWNSHIP].allow_expand
            ),
        )
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: loaded_names(app, TOWNSHIP) == ["新建村"])


async def test_quit_with_q(db: Database) -> None:
    app = JzApp(db)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: bool(loaded_names(app, "530000000000")))
        await pilot.press("q")
    assert app.return_code == 0
