"""Pilot tests of the Rules area (规则): each view shows what the CLI shows for the same data
(``policy show``, ``role list``, ``policy check|explain``, ``policy lint``, ``calendar list``),
a day set from the screen lands in the database and the audit trail, the set key is the
system admin's alone, and the row of ten areas fits 80 columns in both languages."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from rich.cells import cell_len
from textual.pilot import Pilot
from textual.widgets import Input, Select, Static

from accounts.session import AccountInfo, find_account
from audit_log.models import AuditEvent
from casedb.calendar import SOURCE_FALLBACK, WorkCalendar, special_days
from casedb.engine import Database
from console.i18n import set_language, t
from console.tui.app import JzApp
from console.tui.screens.rules import DayDialog, RulesScreen
from console.tui.widgets import NavBar
from rbac.store import Grant, remove_grant, subject_of
from tests.support.people import cheap_hashing, make_person, sign_in_as
from tests.tui.conftest import screen_text, wait_until

CliRun = Any
SIZE = (120, 40)
PROVINCE = "530000000000"
COUNTY = "530102000000"  # 五华区
SIBLING = "530103000000"  # 盘龙区


@pytest.fixture(autouse=True)
def _cheap() -> Iterator[None]:
    with cheap_hashing():
        yield


@pytest.fixture
def rules_db(cli: CliRun, db_url: str) -> Iterator[Database]:
    """An initialised database (policy seeded by ``jzctl init``), a security admin and a
    system admin at the province, a county coordinator admin and a caseworker; the security
    admin is signed in at this console for the CLI side of each comparison."""
    assert cli("--db", db_url, "init").exit_code == 0
    db = Database(db_url)
    for login, role in (("sec.admin", "security_admin"), ("sys.admin", "system_admin")):
        make_person(db, login, region=PROVINCE, department="coord", role=role,
                    role_department="*")  # fmt: skip
    make_person(db, "coord.530102", region=COUNTY, department="coord", role="coord_admin",
                role_department="*")  # fmt: skip
    make_person(db, "zhou.worker", region=COUNTY, department="civil", role="caseworker")
    make_person(db, "chen.civil", region=SIBLING, department="civil")
    sign_in_as(db, "sec.admin")
    yield db
    db.dispose()


def person(db: Database, login: str) -> AccountInfo:
    with db.read() as s:
        found = find_account(s, login)
    assert found is not None
    return found


def cli_json(cli: CliRun, db_url: str, *args: str) -> Any:
    res = cli("--db", db_url, "--json", *args)
    assert res.exit_code in (0, 1, 3), res.stderr
    return json.loads(res.stdout)["data"]


def rules(app: JzApp) -> RulesScreen:
    for s in app.screen_stack:
        if isinstance(s, RulesScreen):
            return s
    raise AssertionError("the Rules screen is not showing")


def plain(app: JzApp, selector: str) -> str:
    visual = rules(app).query_one(selector, Static).visual
    return getattr(visual, "plain", str(visual))


def footer(app: JzApp) -> str:
    return screen_text(app).splitlines()[-1]


def settled(app: JzApp, view: str) -> bool:
    if app.current_mode != "rules":
        return False
    s = rules(app)
    return s.rights is not None and s.view == view and not s.fetching and not s.busy


async def open_rules(app: JzApp, pilot: Pilot[int], view: str) -> RulesScreen:
    await pilot.press("9")
    await wait_until(pilot, lambda: app.current_mode == "rules" and rules(app).rights is not None)
    s = rules(app)
    if s.view != view:
        await pilot.press({"roles": "o", "grants": "g", "check": "c", "lint": "l"}.get(view, "d"))
    await wait_until(pilot, lambda: settled(app, view))
    return s


async def next_year(app: JzApp, pilot: Pilot[int]) -> None:
    s = rules(app)
    target = s.year + 1
    await pilot.press("right_square_bracket")
    await wait_until(pilot, lambda: settled(app, "calendar") and s.year == target)


def audit_rows(db: Database, action: str) -> list[tuple[str, str, str, str]]:
    with db.engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT actor, outcome, coalesce(reason, ''), target_id FROM audit_events "
                "WHERE action = :a ORDER BY seq"
            ),
            {"a": action},
        ).all()
    return [(r[0], r[1], r[2], r[3]) for r in rows]


# --- roles -----------------------------------------------------------------------------------


async def test_roles_show_what_policy_show_prints(
    cli: CliRun, db_url: str, rules_db: Database
) -> None:
    shown = cli_json(cli, db_url, "policy", "show")
    app = JzApp(rules_db, user=person(rules_db, "sec.admin"))
    async with app.run_test(size=SIZE) as pilot:
        s = await open_rules(app, pilot, "roles")
        rows = {r.code: r for r in s.roles}
        assert shown, "jzctl init seeds the policy"
        for item in shown:
            assert list(rows[item["role"]].actions) == item["actions"], item["role"]
        text = screen_text(app)
        assert "安全管理员" in text and "经办人员" in text
        # Enter on a role: its actions in the details pane, and the breadcrumb names it.
        table = s.table("ru-roles")
        table.move_cursor(row=[r.code for r in s.roles].index("caseworker"))
        table.focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: s.query_one("#ru-role-detail").has_focus)
        facts = plain(app, "#ru-role-facts")
        (caseworker,) = [i for i in shown if i["role"] == "caseworker"]
        for action in caseworker["actions"]:
            assert action in facts
        assert "经办人员" in facts and t("tui.rules.role_granted_by") in facts
        assert "行业部门管理员" in facts  # a department admin grants caseworkers
        assert s.breadcrumb_text() == "角色 > 经办人员"
        await pilot.press("escape")
        assert table.has_focus


# --- grants ----------------------------------------------------------------------------------


async def test_grants_show_what_role_list_prints(
    cli: CliRun, db_url: str, rules_db: Database
) -> None:
    mine = cli_json(cli, db_url, "role", "list")
    theirs = cli_json(cli, db_url, "role", "list", "zhou.worker")
    app = JzApp(rules_db, user=person(rules_db, "sec.admin"))
    async with app.run_test(size=SIZE) as pilot:
        s = await open_rules(app, pilot, "grants")

        def as_cli() -> list[dict[str, str]]:
            return [
                {"role": g.role, "region": g.region, "department": g.department,
                 "domain": f"{g.region}|{g.department}"}
                for g in s.grants
            ]  # fmt: skip

        assert s.grants_login == mine["login"] == "sec.admin"
        assert as_cli() == mine["grants"]
        assert s.breadcrumb_text() == "授权 > sec.admin"
        await pilot.press("slash")
        assert s.query_one("#ru-grants-login", Input).has_focus
        await pilot.press(*"zhou.worker", "enter")
        await wait_until(pilot, lambda: settled(app, "grants") and s.grants_login == "zhou.worker")
        assert as_cli() == theirs["grants"]
        assert "zhou.worker" in plain(app, "#ru-status")
        assert "经办人员" in screen_text(app) and "五华区" in screen_text(app)
        assert s.breadcrumb_text() == "授权 > zhou.worker"


async def test_another_accounts_grants_outside_the_scope_are_refused(
    cli: CliRun, db_url: str, rules_db: Database
) -> None:
    app = JzApp(rules_db, user=person(rules_db, "coord.530102"))
    async with app.run_test(size=SIZE) as pilot:
        s = await open_rules(app, pilot, "grants")
        s.query_one("#ru-grants-login", Input).value = "chen.civil"
        await pilot.press("slash", "enter")
        expected = t("err.role_list_denied", login="chen.civil")
        await wait_until(pilot, lambda: plain(app, "#ru-status") == expected)
        with rules_db.read() as session:
            refused = session.execute(
                sa.select(AuditEvent.action, AuditEvent.outcome, AuditEvent.actor).where(
                    AuditEvent.action == "role.list"
                )
            ).all()
        assert [tuple(r) for r in refused] == [("role.list", "denied", "coord.530102")]
        s.query_one("#ru-grants-login", Input).value = "nobody.here"
        await pilot.press("slash", "enter")
        missing = t("err.account_not_found", account="nobody.here")
        await wait_until(pilot, lambda: plain(app, "#ru-status") == missing)


# --- check / explain ---------------------------------------------------------------------


async def test_check_allows_a_granted_action_and_denies_an_ungranted_one(
    cli: CliRun, db_url: str, rules_db: Database
) -> None:
    yes = cli_json(cli, db_url, "policy", "explain", "zhou.worker", "case.read", "530102", "civil")
    no = cli_json(cli, db_url, "policy", "explain", "zhou.worker", "case.supervise", "530102",
                  "civil")  # fmt: skip
    assert yes["allowed"] is True and no["allowed"] is False
    app = JzApp(rules_db, user=person(rules_db, "sec.admin"))
    async with app.run_test(size=SIZE) as pilot:
        s = await open_rules(app, pilot, "check")
        assert s.query_one("#ru-check-login", Input).has_focus
        await pilot.press(*"zhou.worker")
        s.query_one("#ru-check-action", Select).value = "case.read"
        s.query_one("#ru-check-dept", Select).value = "civil"
        s.query_one("#ru-check-region", Input).value = "五华区"  # by name, as the CLI takes it
        await pilot.press("enter")
        await wait_until(pilot, lambda: s.check is not None and s.check.action == "case.read")
        assert s.query_one("#ru-check-result").has_focus  # Enter opens the result
        assert s.check is not None
        assert s.check.allowed and s.check.region == yes["region"] == COUNTY
        assert list(s.check.lines) == yes["lines"]
        assert [(tr.grant, tr.policy, tr.covers, tr.decides) for tr in s.check.traces] == [
            (g["grant"], g["policy"], g["covers"], g["decides"]) for g in yes["grants"]
        ]
        result = plain(app, "#ru-check-text")
        assert t("whoami.can_yes") in result and t(yes["reason"]) in result
        for line in yes["lines"]:
            assert line in result
        assert s.breadcrumb_text() == "检查 > zhou.worker > case.read"

        s.query_one("#ru-check-action", Select).value = "case.supervise"
        await wait_until(pilot, lambda: s.check is not None and s.check.action == "case.supervise")
        assert s.check is not None and not s.check.allowed
        assert s.check.reason == no["reason"] and list(s.check.lines) == no["lines"] == []
        result = plain(app, "#ru-check-text")
        assert t("whoami.can_no") in result and t(no["reason"]) in result
        # The grant that was looked at, and why it did not decide.
        assert no["grants"][0]["grant"] in result and t("policy.no_line") in result
        assert t("whoami.can_no") in plain(app, "#ru-status")

        # An unknown login or region: one sentence.
        s.query_one("#ru-check-login", Input).value = "nobody.here"
        await pilot.press("slash", "enter")
        missing = t("err.account_not_found", account="nobody.here")
        await wait_until(pilot, lambda: plain(app, "#ru-check-text") == missing)
        s.query_one("#ru-check-login", Input).value = "zhou.worker"
        s.query_one("#ru-check-region", Input).value = "没有这个区"
        await pilot.press("slash", "enter")
        unknown = t("err.region_not_found", code="没有这个区")
        await wait_until(pilot, lambda: plain(app, "#ru-check-text") == unknown)


# --- lint ------------------------------------------------------------------------------------


async def test_lint_finds_a_planted_wildcard(cli: CliRun, db_url: str, rules_db: Database) -> None:
    clean = cli_json(cli, db_url, "policy", "lint")
    app = JzApp(rules_db, user=person(rules_db, "sec.admin"))
    # (The CLI runs outside the app: a running Textual app holds stdout.)
    async with app.run_test(size=SIZE) as pilot:
        s = await open_rules(app, pilot, "lint")
        assert s.findings is not None
        assert [f.kind for f in s.findings] == [f["kind"] for f in clean["findings"]]
        if clean["clean"]:
            assert plain(app, "#ru-status") == t("policy.lint_clean")
        with rules_db.engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO policy_rules (ptype, v0, v1, v2, v3, v4, v5) "
                "VALUES ('p', 'caseworker', '*', '', '', '', '')"
            ))  # fmt: skip
        await pilot.press("r")
        await wait_until(
            pilot, lambda: settled(app, "lint") and s.findings is not None and len(s.findings) > 0
        )
        found = [(f.kind, f.subject, f.detail) for f in s.findings or ()]
        text = screen_text(app)
        status = plain(app, "#ru-status")
    dirty = cli_json(cli, db_url, "policy", "lint")
    assert not dirty["clean"]
    assert found == [(f["kind"], f["subject"], f["detail"]) for f in dirty["findings"]]
    assert ("wildcard_action", "caseworker", "p, caseworker, *") in found
    for f in dirty["findings"]:
        assert f["message"] in text
    assert status == t("policy.lint_found", n=len(dirty["findings"]))


# --- calendar -----------------------------------------------------------------------------


async def test_a_day_set_in_the_screen_lands_in_the_database_and_the_audit_trail(
    cli: CliRun, db_url: str, rules_db: Database
) -> None:
    app = JzApp(rules_db, user=person(rules_db, "sys.admin"))
    async with app.run_test(size=SIZE) as pilot:
        s = await open_rules(app, pilot, "calendar")
        first = (s.year, [d.as_dict() for d in s.days], s.calendar_source)
        assert s.breadcrumb_text().startswith(f"日历 > {s.year}")
        # ] until a year nobody has entered: Monday-Friday, with the warning.
        for _ in range(12):
            if s.calendar_source == SOURCE_FALLBACK:
                break
            await next_year(app, pilot)
        assert s.calendar_source == SOURCE_FALLBACK
        year = s.year
        assert t("calendar.fallback_warning", year=year) in plain(app, "#ru-cal-head")

        await wait_until(pilot, lambda: "s 设置日期" in footer(app))
        await pilot.press("s")
        await wait_until(pilot, lambda: isinstance(app.screen, DayDialog))
        dialog = app.screen
        assert isinstance(dialog, DayDialog)
        dialog.query_one("#day-date", Input).value = f"{year}-10-08"
        dialog.query_one("#day-kind", Select).value = "holiday"
        dialog.query_one("#day-name", Input).value = "加休"
        dialog.query_one("#day-date", Input).focus()
        await pilot.press("enter")
        await wait_until(
            pilot,
            lambda: (
                settled(app, "calendar")
                and any(d.day.isoformat() == f"{year}-10-08" for d in s.days)
            ),
        )
        with rules_db.engine.connect() as conn:
            row = conn.execute(
                sa.text("SELECT kind, name, set_by FROM calendar_days")
            ).one()  # fmt: skip
        assert tuple(row) == ("holiday", "加休", "sys.admin")
        assert audit_rows(rules_db, "calendar.set") == [("sys.admin", "ok", "", f"{year}-10-08")]
        shown = [d.as_dict() for d in s.days]
        with rules_db.read() as session:
            assert [d.as_dict() for d in special_days(WorkCalendar.load(session), year)] == [
                d.as_dict() for d in s.days
            ]
        assert t("calendar.set_done", date=f"{year}-10-08", kind=t("calendar.kind_holiday"),
                 name="加休") in plain(app, "#ru-status")  # fmt: skip
        assert "加休" in screen_text(app)
    # What the CLI lists for the same years.
    listed = cli_json(cli, db_url, "calendar", "list", "--year", str(first[0]))
    assert (listed["days"], listed["source"]) == (first[1], first[2])
    after = cli_json(cli, db_url, "calendar", "list", "--year", str(year))
    assert after["fallback"] is True
    assert shown == after["days"]
    assert {"date": f"{year}-10-08", "kind": "holiday", "source": "table", "name": "加休"} in shown


async def test_a_refused_set_shows_one_sentence_and_is_recorded(
    cli: CliRun, db_url: str, rules_db: Database
) -> None:
    app = JzApp(rules_db, user=person(rules_db, "sys.admin"))
    async with app.run_test(size=SIZE) as pilot:
        s = await open_rules(app, pilot, "calendar")
        await pilot.press("s")
        await wait_until(pilot, lambda: isinstance(app.screen, DayDialog))
        # The grant goes while the form is open: the service refuses, and says so.
        sys_id = person(rules_db, "sys.admin").id
        with rules_db.uow() as uow:
            remove_grant(uow.session, Grant(subject_of(sys_id), "system_admin", PROVINCE, "*"))
            uow.commit()
        await pilot.press("enter")
        await wait_until(pilot, lambda: settled(app, "calendar") and s._note is not None)
        assert s._note is not None
        sentence = s._note.plain
        assert sentence in plain(app, "#ru-status") and "\n" not in sentence
        assert "system.config" in sentence and "{" not in sentence
        assert sentence in screen_text(app)
    rows = audit_rows(rules_db, "calendar.set")
    assert [(r[0], r[1], r[2]) for r in rows] == [("sys.admin", "denied", "err.not_permitted")]
    with rules_db.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM calendar_days")).scalar_one() == 0
    # The CLI says the same sentence for the same refusal.
    sign_in_as(rules_db, "sys.admin")
    res = cli("--db", db_url, "calendar", "set", rows[0][3], "holiday")
    assert res.exit_code == 3 and sentence in res.stderr


@pytest.mark.parametrize(
    ("login", "readonly", "expected"),
    [("sys.admin", False, True), ("coord.530102", False, False), ("sys.admin", True, False)],
)
async def test_only_the_system_admin_sees_the_set_key(
    rules_db: Database, login: str, readonly: bool, expected: bool
) -> None:
    app = JzApp(rules_db, user=person(rules_db, login), readonly=readonly)
    async with app.run_test(size=SIZE) as pilot:
        s = await open_rules(app, pilot, "calendar")
        await wait_until(pilot, lambda: "[ 上一年" in footer(app))  # the calendar's keys
        assert ("s 设置日期" in footer(app)) is expected
        assert (s.check_action("set_day", ()) is True) is expected
        if not expected:
            await pilot.press("s")
            await pilot.pause()
            assert not isinstance(app.screen, DayDialog)


@pytest.mark.parametrize(("login", "expected"), [("sys.admin", True), ("coord.530102", False)])
async def test_the_palette_opens_the_set_form_for_the_system_admin_only(
    rules_db: Database, login: str, expected: bool
) -> None:
    app = JzApp(rules_db, user=person(rules_db, login))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.current_mode == "dashboard")
        app.open_list("rules", "set_day")  # what a palette command with that filter does
        await wait_until(pilot, lambda: app.current_mode == "rules" and settled(app, "calendar"))
        await pilot.pause()
        assert isinstance(app.screen, DayDialog) is expected
        if expected:
            await pilot.press("escape")
            await wait_until(pilot, lambda: isinstance(app.screen, RulesScreen))
            assert audit_rows(rules_db, "calendar.set") == []


async def test_a_non_admin_sees_own_grants_and_the_calendar_only(rules_db: Database) -> None:
    app = JzApp(rules_db, user=person(rules_db, "zhou.worker"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("9")
        await wait_until(pilot, lambda: app.current_mode == "rules" and settled(app, "grants"))
        s = rules(app)
        assert [g.role for g in s.grants] == ["caseworker"]
        views = plain(app, "#ru-views")
        assert "授权" in views and "日历" in views and "角色" not in views
        await pilot.press("o")
        await pilot.press("l")
        await pilot.pause()
        assert s.view == "grants"
        assert audit_rows(rules_db, "policy.read") == []  # nothing was tried, nothing refused
    # Nobody signed in (a read-only console opened on purpose): the calendar alone.
    app = JzApp(rules_db, readonly=True)
    async with app.run_test(size=SIZE) as pilot:
        s = await open_rules(app, pilot, "calendar")
        assert "授权" not in plain(app, "#ru-views")
        await wait_until(pilot, lambda: "[ 上一年" in footer(app))
        assert "s 设置日期" not in footer(app)


# --- the row of areas --------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_the_row_of_ten_areas_fits_80_columns(rules_db: Database, lang: str) -> None:
    set_language(lang)
    app = JzApp(rules_db, user=person(rules_db, "sec.admin"))
    async with app.run_test(size=(80, 24)) as pilot:
        s = await open_rules(app, pilot, "roles")
        assert len(app.areas) == 10
        nav = s.query_one("#nav-bar", NavBar)
        content = nav.render_areas()
        assert cell_len(content.plain) + 1 <= 80  # one column of padding on the left
        line = screen_text(app).splitlines()[1]
        assert "…" not in line
        assert line.rstrip().endswith("9 规则" if lang == "zh" else "9 Rules")
        if lang == "en":
            assert "4 Inbox" in line and "7 Ops" in line
        assert s.breadcrumb_text() == (
            "角色 > 系统管理员" if lang == "zh" else "Roles > System admin"
        )
