"""Pilot tests of the Accounts screen (账号), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from rich.text import Text
from textual.pilot import Pilot
from textual.widgets import Input, Static

from accounts import idnumber
from accounts.accounts import ChangeStatus, CreateAccount, change_status, create_account
from accounts.session import AccountInfo, find_account
from audit_log.actor import Actor
from casedb.engine import Database
from casedb.models import Account
from console.tui.app import JzApp
from console.tui.screens.account_form import AccountForm
from console.tui.screens.accounts import PAGE_SIZE, AccountsScreen, AccountTable, StatusConfirm
from console.tui.screens.permission import PermissionChecker
from rbac.grants import bootstrap_grant
from rbac.store import Grant, add_grant, seed_default_policy, subject_of
from tests.tui.conftest import press_until, screen_text, wait_until

pytestmark = pytest.mark.both_backends  # lists paged and filtered in SQL

SIZE = (120, 40)
REGION = "530102000000"  # 五华区
SETUP = Actor(login="setup", host="testhost", terminal="-")


def allow(actor: Actor, action: str, region: str, department: str) -> None:
    return None


def number(seq: int, prefix: str = "530102", born: date = date(1985, 6, 15)) -> str:
    first17 = f"{prefix}{born:%Y%m%d}{seq:03d}"
    return first17 + idnumber.check_digit(first17)


def make(
    db: Database,
    login: str,
    full_name: str = "张三",
    *,
    seq: int,
    region: str = REGION,
    dept: str = "civil",
    mobile: str = "13812345678",
) -> int:
    cmd = CreateAccount(
        login_name=login,
        full_name=full_name,
        id_number=number(seq),
        region_code=region,
        department_code=dept,
        mobile=mobile,
        post="经办人员",
    )
    return create_account(cmd, db.uow(), SETUP, authorize=allow).id


def activate(db: Database, account_id: int) -> None:
    change_status(ChangeStatus(account_id, "active"), db.uow(), SETUP, authorize=allow)


def bulk(db: Database, n: int, region: str = REGION, dept: str = "civil") -> None:
    """Many plain rows at once (the list only reads them): u000, u001, …"""
    with db.uow() as uow:
        now = datetime.now(UTC)
        uow.session.add_all(
            Account(
                login_name=f"u{i:03d}",
                full_name="王五",
                region_code=region,
                department_code=dept,
                status="active",
                created_at=now,
                id_masked="530102********0000",
            )
            for i in range(n)
        )
        uow.commit()


def admin(
    db: Database,
    role: str = "system_admin",
    region: str = "530000000000",
    dept: str = "*",
    login: str = "boss",
    seq: int = 900,
) -> AccountInfo:
    """A signed-in admin holding ``role`` in ``region|dept``."""
    account_id = make(db, login, "李管理", seq=seq)
    activate(db, account_id)
    with db.uow() as uow:
        seed_default_policy(uow.session)
        if role == "system_admin":
            bootstrap_grant(uow.session, account_id, role, region, SETUP)
        else:
            add_grant(uow.session, Grant(subject_of(account_id), role, region, dept))
        uow.commit()
    with db.read() as session:
        info = find_account(session, login)
    assert info is not None
    return info


def screen(app: JzApp) -> AccountsScreen:
    s = app.screen_stack[0]
    assert isinstance(s, AccountsScreen)
    return s


def logins(app: JzApp) -> list[str]:
    table = screen(app).query_one(AccountTable)
    out = []
    for i in range(table.row_count):
        cell = table.get_row_at(i)[0]
        out.append(cell.plain if isinstance(cell, Text) else str(cell))
    return out


def plain(widget: Static) -> str:
    visual = widget.visual
    return getattr(visual, "plain", str(visual))


def detail(app: JzApp) -> str:
    return plain(screen(app).query_one("#acc-detail-facts", Static))


def settled(app: JzApp) -> bool:
    return app.current_mode == "accounts" and not screen(app).fetching


async def open_accounts(app: JzApp, pilot: Pilot[int]) -> None:
    await pilot.press("3")
    await wait_until(
        pilot, lambda: settled(app) and screen(app).query_one(AccountTable).row_count > 0
    )


async def type_filter(app: JzApp, pilot: Pilot[int], text: str, *, by_key: bool = False) -> None:
    """Change the filter's text (key by key, or at once as a paste); it applies after a pause."""
    field = screen(app).query_one("#acc-filter", Input)
    if by_key:
        await pilot.press("slash")
        await wait_until(pilot, lambda: field.has_focus)
        field.value = ""
        await pilot.press(*text)
    else:
        field.value = text


def footer_keys(app: JzApp) -> str:
    return screen_text(app).splitlines()[-1]


# --- the list ----------------------------------------------------------------------------


async def test_pages_of_100_load_as_the_cursor_reaches_the_end(db: Database) -> None:
    bulk(db, 250)
    app = JzApp(db)
    async with app.run_test(size=SIZE) as pilot:
        await open_accounts(app, pilot)
        assert len(logins(app)) == PAGE_SIZE
        assert logins(app)[:2] == ["u000", "u001"]
        assert "已加载 100 个账号" in screen_text(app)
        assert "未登录：只读" in screen_text(app)
        table = screen(app).query_one(AccountTable)
        await press_until(
            pilot,
            "end",
            lambda: table.row_count == 200 and settled(app),
            idle=lambda: settled(app) and table.row_count == 100,
        )
        await press_until(
            pilot,
            "end",
            lambda: table.row_count == 250 and settled(app),
            idle=lambda: settled(app) and table.row_count == 200,
        )
        assert logins(app)[-1] == "u249"
        assert len(set(logins(app))) == 250
        await wait_until(pilot, lambda: "共 250 个账号" in screen_text(app))


async def test_filter_narrows_as_you_type_and_bad_filters_say_why(db: Database) -> None:
    make(db, "zhangsan", "张三", seq=1)
    make(db, "zhangwei", "张伟", seq=2, dept="hrss")
    make(db, "lisi", "李四", seq=3, region="530103000000")
    with db.uow() as uow:
        uow.session.execute(
            sa.update(Account).where(Account.login_name == "lisi").values(status="locked")
        )
        uow.commit()
    app = JzApp(db)
    async with app.run_test(size=SIZE) as pilot:
        await open_accounts(app, pilot)
        assert logins(app) == ["lisi", "zhangsan", "zhangwei"]
        await type_filter(app, pilot, "zhang", by_key=True)
        await wait_until(pilot, lambda: settled(app) and logins(app) == ["zhangsan", "zhangwei"])
        await type_filter(app, pilot, "张伟")
        await wait_until(pilot, lambda: settled(app) and logins(app) == ["zhangwei"])
        await type_filter(app, pilot, "dept:civil region:530102")
        await wait_until(pilot, lambda: settled(app) and logins(app) == ["zhangsan"])
        await type_filter(app, pilot, "status:locked")
        await wait_until(pilot, lambda: settled(app) and logins(app) == ["lisi"])
        await type_filter(app, pilot, "colour:red")
        await wait_until(pilot, lambda: "无法识别筛选条件 colour:red" in screen_text(app))
        assert logins(app) == ["lisi"]  # a bad filter leaves the list as it was


async def test_details_show_masked_values_only_and_markup_literally(db: Database) -> None:
    make(db, "zhangsan", "张三", seq=7, mobile="13812345678")
    with db.uow() as uow:  # a legacy row whose name holds markup (the service refuses it)
        uow.session.add(
            Account(
                login_name="mark",
                full_name="[red]王[/red]五",
                region_code=REGION,
                department_code="civil",
                created_at=datetime.now(UTC),
            )
        )
        uow.commit()
    app = JzApp(db)
    async with app.run_test(size=SIZE) as pilot:
        await open_accounts(app, pilot)
        assert logins(app) == ["mark", "zhangsan"]
        text = screen_text(app)
        assert "[red]王[/red]五" in text
        await pilot.press("down")
        await wait_until(pilot, lambda: "zhangsan" in detail(app))
        facts = detail(app)
        clear_id = number(7)
        assert f"{clear_id[:6]}********{clear_id[-4:]}" in facts
        assert "138****5678" in facts
        assert "五华区" in facts and "民政" in facts
        text = screen_text(app)
        assert clear_id not in text and "13812345678" not in text
        assert "待激活" in text


# --- the form --------------------------------------------------------------------------


async def test_form_validates_as_you_type_and_creates_an_audited_account(db: Database) -> None:
    user = admin(db)
    app = JzApp(db, user=user)
    async with app.run_test(size=SIZE) as pilot:
        await open_accounts(app, pilot)
        await wait_until(pilot, lambda: "新建" in footer_keys(app))
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, AccountForm))
        form = app.screen
        assert isinstance(form, AccountForm)

        def error(field: str) -> str:
            return plain(form.query_one(f"#e-{field}", Static))

        await wait_until(pilot, lambda: form.query_one("#f-login_name", Input).has_focus)
        await pilot.press(*"wl")
        form.query_one("#f-login_name", Input).value = "wangliu"
        name = form.query_one("#f-full_name", Input)
        name.focus()
        await pilot.press("王")
        name.insert_text_at_cursor("\u200b")  # as pasted
        await pilot.press("六")
        await wait_until(pilot, lambda: "不可见字符 U+200B" in error("full_name"))
        assert "姓名" in error("full_name")
        await pilot.press("backspace", "backspace", "六")
        await wait_until(pilot, lambda: error("full_name") == "")
        bad = number(11)[:-1] + ("0" if number(11)[-1] != "0" else "1")
        form.query_one("#f-id_number", Input).focus()
        form.query_one("#f-id_number", Input).value = bad
        await wait_until(pilot, lambda: "校验位不符" in error("id_number"))
        await pilot.press("end", "backspace", number(11)[-1])
        await wait_until(pilot, lambda: error("id_number") == "")
        form.query_one("#f-region_code", Input).value = "530102"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, AccountsScreen))
        await wait_until(pilot, lambda: settled(app) and "wangliu" in logins(app))
        await wait_until(pilot, lambda: "wangliu" in detail(app))
        with db.engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT actor, target_id FROM audit_events WHERE action = 'account.create' "
                    "ORDER BY seq DESC"
                )
            ).all()
        assert rows[0][0] == "boss"


# --- hidden actions ----------------------------------------------------------------------


async def test_actions_outside_the_admins_rights_are_hidden_and_do_nothing(db: Database) -> None:
    make(db, "zhangsan", "张三", seq=1)
    user = admin(db, "caseworker", REGION, "civil", login="worker", seq=901)
    app = JzApp(db, user=user)
    async with app.run_test(size=SIZE) as pilot:
        await open_accounts(app, pilot)
        s = screen(app)
        await wait_until(pilot, lambda: s.rights is not None and "权限检查" in footer_keys(app))
        assert "worker" in logins(app)
        keys = footer_keys(app)
        for label in ("新建", "修改", "锁定", "停用"):
            assert label not in keys, label
        await pilot.press("n", "l", "d")
        await pilot.pause()
        assert isinstance(app.screen, AccountsScreen)
        assert "您对此账号没有管理权限" in screen_text(app)


async def test_status_change_with_typed_confirmation(db: Database) -> None:
    target = make(db, "zhangsan", "张三", seq=1)
    activate(db, target)
    user = admin(db, "coord_admin", REGION, "*", login="county", seq=902)
    app = JzApp(db, user=user)
    async with app.run_test(size=SIZE) as pilot:
        await open_accounts(app, pilot)
        assert logins(app) == ["county", "zhangsan"]
        await pilot.press("down")
        await wait_until(pilot, lambda: "zhangsan" in detail(app) and "锁定" in footer_keys(app))
        keys = footer_keys(app)
        assert "新建" in keys and "停用" in keys and "解锁" not in keys and "归档" not in keys
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, StatusConfirm))
        confirm = app.screen
        field = confirm.query_one("#confirm-login", Input)
        field.focus()
        await pilot.press(*"zhangsa", "enter")
        await wait_until(pilot, lambda: "输入的登录名与 zhangsan 不符" in screen_text(app))
        await pilot.press("n", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, AccountsScreen))
        await wait_until(pilot, lambda: "已停用" in detail(app) and "归档" in footer_keys(app))
        with db.read() as session:
            assert session.get(Account, target).status == "disabled"  # type: ignore[union-attr]


# --- the permission checker ----------------------------------------------------------------


async def test_permission_checker_says_allowed_or_denied_and_why(db: Database) -> None:
    make(db, "zhangsan", "张三", seq=1)
    user = admin(db, "coord_admin", REGION, "*", login="county", seq=902)
    app = JzApp(db, user=user)
    async with app.run_test(size=SIZE) as pilot:
        await open_accounts(app, pilot)
        await pilot.press("p")
        await wait_until(pilot, lambda: isinstance(app.screen, PermissionChecker))
        checker = app.screen
        assert isinstance(checker, PermissionChecker)
        result = checker.query_one("#perm-result", Static)
        checker.query_one("#perm-login", Input).value = "county"
        checker.query_one("#perm-region", Input).value = "530102001"
        await wait_until(pilot, lambda: plain(result).startswith("允许"))
        assert "g, a:" in plain(result) and "p, coord_admin, account.create" in plain(result)
        checker.query_one("#perm-region", Input).value = "530103"
        await wait_until(pilot, lambda: "授权范围不覆盖" in plain(result))
        assert plain(result).startswith("拒绝") and "角色含此操作；范围不覆盖" in plain(result)
        checker.query_one("#perm-login", Input).value = "zhangsan"
        await wait_until(pilot, lambda: "未处于有效状态" in plain(result))
        assert plain(result).startswith("拒绝")
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, AccountsScreen))
