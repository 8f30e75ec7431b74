"""Pilot tests of the Backups screen (备份): classes with age and verification state, and
create, verify and restore run from the screen with their steps and result."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from textual.pilot import Pilot
from textual.widgets import Checkbox, Input, Static

from accounts.session import AccountInfo, find_account
from audit_log.actor import local_actor
from audit_log.chain import record
from casedb.engine import Database
from console.tui.app import JzApp
from console.tui.screens.backups import BackupsScreen, CreateDialog, RestoreDialog
from ops import backup, catalogue, keys
from ops.backup import PART_PGDUMP, PART_SQLITE
from tests.support.people import SETUP, make_person
from tests.tui.conftest import screen_text, wait_until

SIZE = (130, 40)
PROVINCE = "530000000000"


@pytest.fixture(autouse=True)
def backup_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "backups"
    monkeypatch.setenv(catalogue.ENV_DIR, str(root))
    return root


def admin(db: Database, login: str, role: str) -> AccountInfo:
    make_person(db, login, region=PROVINCE, department="coord", role=role,
                role_department="*", password=None)  # fmt: skip
    with db.read() as s:
        found = find_account(s, login)
    assert found is not None
    return found


def made(db: Database, root: Path, backup_class: str = "general") -> backup.Created:
    return backup.create(db, local_actor("ops.tester"), keys.load(create=True),
                         backup_class=backup_class, root=root)  # fmt: skip


def screen(app: JzApp) -> BackupsScreen:
    for s in app.screen_stack:
        if isinstance(s, BackupsScreen):
            return s
    raise AssertionError("the Backups screen is not showing")


def settled(app: JzApp) -> bool:
    return app.current_mode == "backups" and not screen(app).fetching and not screen(app).busy


def plain(widget: Static) -> str:
    visual = widget.visual
    return getattr(visual, "plain", str(visual))


def job_text(app: JzApp) -> str:
    s = screen(app)
    return "\n".join(plain(s.query_one(f"#{i}", Static)) for i in ("bk-steps", "bk-result"))


def row_of(app: JzApp, backup_id: str) -> list[str]:
    return [cell.plain for cell in screen(app).backup_table.get_row(backup_id)]


def class_row(app: JzApp, name: str) -> list[str]:
    return [cell.plain for cell in screen(app).class_table.get_row(name)]


def footer(app: JzApp) -> str:
    return screen_text(app).splitlines()[-1]


async def open_area(app: JzApp, pilot: Pilot[int]) -> None:
    await pilot.press("6")
    await wait_until(pilot, lambda: app.current_mode == "backups" and settled(app))
    await wait_until(pilot, lambda: screen(app).class_table.row_count > 0)


async def test_a_backup_created_from_the_screen_is_verified_with_v(db: Database) -> None:
    app = JzApp(db, user=admin(db, "sys.admin", "system_admin"))
    async with app.run_test(size=SIZE) as pilot:
        await open_area(app, pilot)
        assert class_row(app, "core")[-1] == "无已校验备份"
        assert "c 创建" in footer(app)
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, CreateDialog))
        await pilot.press("enter")  # the highlighted class: core, the first row
        s = screen(app)
        await wait_until(pilot, lambda: s.job is not None and s.job.ok is not None, timeout=60)
        await wait_until(pilot, lambda: settled(app) and len(s.entries) == 1)
        assert s.job is not None and s.job.ok, job_text(app)
        (backup_id,) = s.entries
        assert "-core-" in backup_id
        assert "已创建备份" in job_text(app)
        assert row_of(app, backup_id)[-1] == "未校验"
        await pilot.press("v")
        await wait_until(pilot, lambda: s.job is not None and s.job.kind == "verify")
        await wait_until(pilot, lambda: s.job is not None and s.job.ok is not None, timeout=120)
        await wait_until(pilot, lambda: settled(app) and row_of(app, backup_id)[-1] == "通过")
        assert s.job.ok, job_text(app)
        assert all(state == "done" for state in s.job.steps.values()), s.job.steps
        text = job_text(app)
        assert "校验通过" in text and "✓ 恢复到临时数据库" in text
        core = class_row(app, "core")
        assert core[2] == backup_id and core[-1] == "满足"
        # A core backup holds only the core class: the others still have none.
        assert class_row(app, "general")[-1] == "无已校验备份"


async def test_a_corrupted_part_shows_its_failure(db: Database, backup_dir: Path) -> None:
    user = admin(db, "sys.admin", "system_admin")
    done = made(db, backup_dir)
    part = done.directory / (PART_SQLITE if db.backend == "sqlite" else PART_PGDUMP)
    raw = bytearray(part.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    part.write_bytes(bytes(raw))
    app = JzApp(db, user=user)
    async with app.run_test(size=SIZE) as pilot:
        await open_area(app, pilot)
        s = screen(app)
        assert s.current is not None and s.current.id == done.id
        await pilot.press("v")
        await wait_until(pilot, lambda: s.job is not None and s.job.ok is not None, timeout=120)
        await wait_until(pilot, lambda: settled(app) and row_of(app, done.id)[-1] == "不通过")
        assert s.job is not None and not s.job.ok
        assert s.job.steps["parts"] == "fail" and s.job.steps["scratch"] == "skip"
        text = job_text(app)
        assert "校验和不符" in text and "校验不通过" in text
        assert class_row(app, "general")[-1] == "无已校验备份"
    entry = catalogue.read(backup_dir, keys.load()).find(done.id)
    assert entry.verify_status == "invalid"


def _snapshot(url: str) -> dict[str, int]:
    """Every table of a database and its row count."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            prep = conn.dialect.identifier_preparer
            return {
                name: int(conn.execute(sa.text(f"SELECT count(*) FROM {prep.quote(name)}"))
                          .scalar_one())
                for name in sa.inspect(conn).get_table_names()
            }  # fmt: skip
    finally:
        engine.dispose()


async def test_restore_refuses_a_non_empty_target_without_force(
    db: Database, backup_dir: Path, tmp_path: Path
) -> None:
    user = admin(db, "sys.admin", "system_admin")
    with db.uow() as uow:  # some history: the restored chain is checked on the target
        for i in range(3):
            record(uow.session, SETUP, "test.setup", target_id=str(i))
        uow.commit()
    done = made(db, backup_dir, "core")
    if db.backend == "sqlite":
        target_url = f"sqlite:///{tmp_path / 'busy.db'}"
        with sa.create_engine(target_url).begin() as conn:
            conn.exec_driver_sql("CREATE TABLE keep_me (x INTEGER)")
            conn.exec_driver_sql("INSERT INTO keep_me VALUES (42)")
    else:  # the live schema itself: certainly not empty
        target_url = db.raw_url
    before = _snapshot(target_url)
    app = JzApp(db, user=user)
    async with app.run_test(size=SIZE) as pilot:
        await open_area(app, pilot)
        s = screen(app)
        await pilot.press("R")
        await wait_until(pilot, lambda: isinstance(app.screen, RestoreDialog))
        dialog = app.screen
        ok = dialog.query_one("#bk-restore-ok")
        dialog.query_one("#bk-restore-target", Input).value = target_url
        dialog.query_one("#bk-restore-id", Input).value = "wrong-id"
        await pilot.pause()
        assert ok.disabled  # the id typed does not match
        dialog.query_one("#bk-restore-id", Input).value = done.id
        await pilot.pause()
        assert not ok.disabled and not dialog.query_one("#bk-restore-force", Checkbox).value
        await pilot.click("#bk-restore-ok")
        await wait_until(pilot, lambda: s.job is not None and s.job.ok is not None, timeout=60)
        assert not s.job.ok
        text = job_text(app)
        assert "不是空的" in text and "目标数据库未改动" in text
        after = _snapshot(target_url)
        if db.backend == "postgresql":  # the live database: the refusal's own audit events
            for name in ("audit_events", "audit_head", "audit_anchors"):
                before.pop(name), after.pop(name)
        assert after == before
        if db.backend != "sqlite":
            return
        target = tmp_path / "busy.db"
        # With the box ticked, the same target is replaced by the backup.
        await wait_until(pilot, lambda: settled(app))
        await pilot.press("R")
        await wait_until(pilot, lambda: isinstance(app.screen, RestoreDialog))
        dialog = app.screen
        dialog.query_one("#bk-restore-target", Input).value = target_url
        dialog.query_one("#bk-restore-force", Checkbox).value = True
        dialog.query_one("#bk-restore-id", Input).value = done.id
        await pilot.pause()
        await pilot.click("#bk-restore-ok")
        await wait_until(
            pilot, lambda: s.job is not None and s.job.kind == "restore" and s.job.ok is not None,
            timeout=60,
        )  # fmt: skip
        assert s.job.ok, job_text(app)
        assert all(state == "done" for state in s.job.steps.values()), s.job.steps
        assert "已把备份" in job_text(app)
    with sa.create_engine(f"sqlite:///{target}").connect() as conn:
        names = set(sa.inspect(conn).get_table_names())
    assert "keep_me" not in names and "audit_events" in names


async def test_read_only_mode_and_other_roles_see_no_create_verify_restore(
    db: Database, backup_dir: Path
) -> None:
    sysadmin = admin(db, "sys.admin", "system_admin")
    auditor = admin(db, "audit.admin", "audit_admin")
    done = made(db, backup_dir)
    for app in (JzApp(db, user=sysadmin, readonly=True), JzApp(db, user=auditor)):
        async with app.run_test(size=SIZE) as pilot:
            await open_area(app, pilot)
            s = screen(app)
            assert list(s.entries) == [done.id]  # the catalogue is there to read
            keys_shown = footer(app)
            for hidden in ("c 创建", "v 校验", "R 恢复"):
                assert hidden not in keys_shown
            for action in ("create", "verify", "restore"):
                assert s.check_action(action, ()) is False
            await pilot.press("c")
            await pilot.press("R")
            await pilot.pause()
            assert isinstance(app.screen, BackupsScreen) and s.job is None


async def test_open_with_selects_a_class_and_the_layout_fits_80_by_24(db: Database) -> None:
    app = JzApp(db, user=admin(db, "sys.admin", "system_admin"))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_area(app, pilot)
        app.open_list("backups", "important")
        s = screen(app)
        await wait_until(pilot, lambda: s.current_class == "important")
        text = screen_text(app)
        assert "重要数据" in text and "满足 RPO" in text and "c 创建" in text
