"""Snapshots of the main screens as a terminal shows them, at 80×24 and 120×40, in Chinese and
English: the text on screen (what a person reads, CJK widths included) compared with files
under tests/tui/snapshots/. Plain text rather than SVG so that a change is reviewable in a
diff; the database path, which changes from run to run, is masked.

After a deliberate change of layout or wording: ``JZ_UPDATE_SNAPSHOTS=1 pytest tests/tui/
test_snapshots.py`` rewrites them; review the diff before committing.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from accounts import changes
from accounts.changes import SubmitChange
from accounts.session import find_account
from audit_log.actor import Actor
from casedb.engine import Database
from console.i18n import language, set_language
from console.tui.app import JzApp
from tests.support.people import make_person
from tests.tui.conftest import screen_text, wait_until

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("JZ_UPDATE_SNAPSHOTS") == "1"
SIZES = [(80, 24), (120, 40)]
LANGS = ["zh", "en"]
TOWNSHIP = "530102001000"


@pytest.fixture
def lang(request: pytest.FixtureRequest) -> Iterator[str]:
    before = language()
    set_language(request.param)
    yield request.param
    set_language(before)


@pytest.fixture
def people(monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """A fixed little world on SQLite: a county civil-affairs admin, a township leader, staff,
    a locked account and one request waiting for the leader."""
    from accounts.setup import initialise
    from audit_log.actor import SYSTEM

    # A path of fixed length, so that the header's layout does not move from run to run.
    folder = Path(tempfile.mkdtemp(prefix="jzs", dir="/tmp"))
    from ops import catalogue

    monkeypatch.setenv(catalogue.ENV_DIR, str(folder / "backups"))
    db = Database(f"sqlite:///{folder / 'snap.db'}")
    initialise(db, SYSTEM)
    make_person(db, "admin", full_name="县民政管理员", role="dept_admin", password=None)
    make_person(db, "leader", full_name="乡镇领导", region=TOWNSHIP, role="township_leader",
                role_department="*", password=None)  # fmt: skip
    coord = make_person(db, "coord", full_name="县协调员", department="coord",
                        role="coord_admin", role_department="*", password=None)  # fmt: skip
    target = make_person(db, "clerk", full_name="张小明", region=TOWNSHIP, role="caseworker",
                         password=None)  # fmt: skip
    make_person(db, "stuck", full_name="李被锁", region=TOWNSHIP, status="locked", password=None)
    changes.submit(
        SubmitChange("modify", target, "岗位调整", {"post": "副站长"}, doc_no="五民任〔2026〕3号"),
        db.uow(), Actor("coord", coord, host="snap", terminal="-"),
    )  # fmt: skip
    yield db
    db.dispose()
    shutil.rmtree(folder, ignore_errors=True)


def masked(text: str, db: Database) -> str:
    text = re.sub(r"sqlite:///\S*", "sqlite:///<db>", text)
    text = re.sub(r"/tmp/\S*", "<dir>", text)  # the backup folder of the run
    # Deadlines move with the day the test runs.
    text = re.sub(r"\d{4}-\d{2}-\d{2}( \d{2}:\d{2})?", "<date>", text)
    text = re.sub(r"\d{2}-\d{2} \d{2}:\d{2}", "<mm-dd hh:mm>", text)
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"


def check(name: str, text: str) -> None:
    file = SNAPSHOTS / f"{name}.txt"
    if UPDATE or not file.exists():
        if not UPDATE and os.environ.get("CI"):
            pytest.fail(f"snapshot {file.name} is missing: run with JZ_UPDATE_SNAPSHOTS=1")
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(text, "utf-8")
        return
    assert text == file.read_text("utf-8"), f"{file.name} differs (JZ_UPDATE_SNAPSHOTS=1)"


Scene = Callable[[Pilot[Any], JzApp], Awaitable[None]]


async def sign_in(pilot: Pilot[Any], app: JzApp) -> None:
    await wait_until(pilot, lambda: "signin-login" in {w.id for w in app.screen.query("*")})


async def dashboard(pilot: Pilot[Any], app: JzApp) -> None:
    screen = app.screen
    await wait_until(pilot, lambda: getattr(screen, "pending", -1) == 0)
    # The footer's keys are built after a refresh; the last figures widen their columns.
    await wait_until(pilot, lambda: "^p" in screen_text(app).splitlines()[-1])
    await pilot.pause(0.3)


async def org(pilot: Pilot[Any], app: JzApp) -> None:
    await pilot.press("1")
    await wait_until(pilot, lambda: "530000000000" in screen_text(app))


async def accounts(pilot: Pilot[Any], app: JzApp) -> None:
    await pilot.press("3")
    await wait_until(pilot, lambda: "李被锁" in screen_text(app))
    await wait_until(pilot, lambda: getattr(app.screen, "rights", None) is not None)


async def inbox(pilot: Pilot[Any], app: JzApp) -> None:
    await pilot.press("4")
    await wait_until(pilot, lambda: "张小明" in screen_text(app) or "张*" in screen_text(app))
    await pilot.pause(0.5)


async def cases(pilot: Pilot[Any], app: JzApp) -> None:
    await pilot.press("5")
    await wait_until(pilot, lambda: app.current_mode == "cases")
    await wait_until(pilot, lambda: not any(
        getattr(app.screen, flag, False) is True for flag in ("fetching", "loading_rows", "busy")
    ))  # fmt: skip
    # The admin's rights arrive from their own worker and decide the footer's keys.
    await wait_until(pilot, lambda: getattr(app.screen, "grants", None) is not None)
    await pilot.pause(0.3)


async def backups(pilot: Pilot[Any], app: JzApp) -> None:
    await pilot.press("6")
    await wait_until(pilot, lambda: app.current_mode == "backups")
    await wait_until(pilot, lambda: not getattr(app.screen, "fetching", True))
    await pilot.pause(0.3)


async def incidents(pilot: Pilot[Any], app: JzApp) -> None:
    await pilot.press("7")
    await wait_until(pilot, lambda: app.current_mode == "incidents")
    await wait_until(pilot, lambda: not getattr(app.screen, "fetching", True))
    await pilot.pause(0.3)


async def rules(pilot: Pilot[Any], app: JzApp) -> None:
    await pilot.press("9")
    await wait_until(pilot, lambda: app.current_mode == "rules")
    await wait_until(pilot, lambda: getattr(app.screen, "rights", None) is not None)
    await wait_until(pilot, lambda: not getattr(app.screen, "fetching", True))
    await pilot.pause(0.3)


async def help_screen(pilot: Pilot[Any], app: JzApp) -> None:
    await pilot.press("question_mark")
    await wait_until(pilot, lambda: len(app.screen_stack) > 1)
    await pilot.pause(0.2)


SCENES: dict[str, tuple[str | None, Scene]] = {
    "signin": (None, sign_in),
    "dashboard": ("admin", dashboard),
    "org": ("admin", org),
    "accounts": ("admin", accounts),
    "inbox": ("leader", inbox),
    "cases": ("admin", cases),
    "backups": ("admin", backups),
    "incidents": ("admin", incidents),
    "rules": ("admin", rules),
    "help": ("admin", help_screen),
}


@pytest.mark.parametrize("lang", LANGS, indirect=True)
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("scene", list(SCENES))
async def test_screen_snapshot(
    people: Database, lang: str, size: tuple[int, int], scene: str
) -> None:
    login, play = SCENES[scene]
    user = None
    if login is not None:
        with people.read() as s:
            user = find_account(s, login)
    app = JzApp(people, user=user, sign_in=login is None)
    async with app.run_test(size=size) as pilot:
        await play(pilot, app)
        await pilot.pause(0.1)
        raw = screen_text(app)
    check(f"{scene}-{size[0]}x{size[1]}-{lang}", masked(raw, people))
    # Every line fits the terminal's width, CJK characters counted as two cells.
    from rich.cells import cell_len

    wide = [line for line in raw.splitlines() if cell_len(line.rstrip()) > size[0]]
    assert not wide, wide
