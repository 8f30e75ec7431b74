"""Helpers for Pilot tests of ``jzctl tui``: build the app, wait for workers, read the screen.

Which database: the Pilot tests are about the terminal, and every query a screen runs is
tried on SQLite and PostgreSQL in tests/integration; so each Pilot test runs on SQLite, and
those marked ``both_backends`` (the screens whose lists page and filter in SQL, the chain of
a change request) on PostgreSQL as well. The suite stays within its time on a 2-core machine.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from textual.app import App
from textual.pilot import Pilot

from accounts.org import Division, load_divisions
from accounts.session import AccountInfo
from casedb.engine import Database
from casedb.models import Account, Case
from tests.conftest import database_url

TOWNSHIP = "530102001000"  # 云南省 > 昆明市 > 五华区 > 护国街道
VILLAGE = "530102001001"


def screen_text(app: App[Any]) -> str:
    """The current screen as plain text, the way a terminal would show it."""
    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        force_terminal=True,
        color_system="truecolor",
        record=True,
        legacy_windows=False,
    )
    console.print(app.screen._compositor.render_update(full=True))
    return console.export_text()


async def wait_until(
    pilot: Pilot[Any], predicate: Callable[[], bool], timeout: float = 30.0
) -> None:
    """Let workers and messages run until ``predicate`` holds (fails after ``timeout``)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {predicate}")
        await pilot.pause(0.02)
    # Widgets update before the compositor repaints: let pending refreshes run, so that
    # what the test reads next is what the terminal would show.
    await pilot.pause()
    await pilot.pause()


def add_villages(db: Database, *villages: tuple[str, str]) -> None:
    with db.uow() as uow:
        load_divisions(
            uow.session.connection(),
            [Division(code, name, 5, code[:9] + "000") for code, name in villages],
        )
        uow.commit()


def add_account(
    db: Database, login: str, full_name: str, region: str, dept: str = "coord"
) -> AccountInfo:
    with db.uow() as uow:
        account = Account(
            login_name=login,
            full_name=full_name,
            region_code=region,
            department_code=dept,
            created_at=datetime.now(UTC),
        )
        uow.session.add(account)
        uow.session.flush()
        info = AccountInfo(account.id, login, full_name, region, dept, account.status or "active")
        uow.commit()
    return info


def add_open_case(db: Database, case_no: str, region: str, dept: str, item: str) -> None:
    with db.uow() as uow:
        uow.session.add(
            Case(
                case_no=case_no,
                region_code=region,
                department_code=dept,
                item_code=item,
                channel="app",
                status="open",
                step="accept",
                step_level=4,
                created_at=datetime.now(UTC),
            )
        )
        uow.commit()


async def press_until(
    pilot: Pilot[Any],
    key: str,
    predicate: Callable[[], bool],
    idle: Callable[[], bool],
    timeout: float = 30.0,
) -> None:
    """Press ``key`` once and wait for ``predicate``; press again only while ``idle`` says
    the key had no effect (nothing loading, nothing new), as a person presses End again when
    the list has not moved: a key landing while a page is being painted can be lost."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    await pilot.press(key)
    quiet_since = loop.time()
    while not predicate():
        now = loop.time()
        if now > deadline:
            raise AssertionError(f"timed out after pressing {key} for {predicate}")
        if not idle():
            quiet_since = now
        elif now - quiet_since > 2.0:
            await pilot.press(key)
            quiet_since = now
        await pilot.pause(0.05)
    await pilot.pause()
    await pilot.pause()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "db_url" in metafunc.fixturenames:
        both = metafunc.definition.get_closest_marker("both_backends") is not None
        backends = ["sqlite", "postgresql"] if both else ["sqlite"]
        metafunc.parametrize("db_url", backends, indirect=True)


@pytest.fixture
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: SQLite, or PostgreSQL for tests marked ``both_backends``."""
    yield from database_url(request.param, tmp_path)
