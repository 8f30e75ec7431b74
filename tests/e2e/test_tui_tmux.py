"""Smoke test of the real ``jzctl tui`` in a terminal (tmux): walk down to a village in demo mode.

Skipped when tmux is missing, unless ``CI=true`` (then it fails: CI must run it).
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
WIDTH, HEIGHT = 120, 40
VILLAGE = "翠湖社区"


def jzctl_path() -> str:
    found = shutil.which("jzctl")
    if found:
        return found
    return str(Path(sys.prefix) / "bin" / "jzctl")


def tmux_path() -> str:
    found = shutil.which("tmux")
    if found is None:
        if IN_CI:
            pytest.fail("tmux is not installed, and CI=true requires the TUI smoke test")
        pytest.skip("tmux is not installed")
    return found


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("JZ_")}
    for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        folder = tmp_path / "xdg" / var.lower()
        folder.mkdir(parents=True, exist_ok=True)
        environ[var] = str(folder)
    environ.pop("NO_COLOR", None)
    return environ


def jz(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [jzctl_path(), *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture
def demo_db(tmp_path: Path, env: dict[str, str]) -> str:
    """An initialised SQLite database with one imported village and a demo-admin account."""
    url = f"sqlite:///{tmp_path / 'x.db'}"
    done = jz(env, "--db", url, "init")
    assert done.returncode == 0, done.stderr
    csv = tmp_path / "villages.csv"
    csv.write_text(f"code,name\n530102001001,{VILLAGE}\n530102001002,圆通社区\n", "utf-8")
    done = jz(env, "--db", url, "org", "import", str(csv))
    assert done.returncode == 0, done.stderr

    from casedb.engine import Database
    from casedb.models import Account

    db = Database(url)
    try:
        with db.uow() as uow:
            uow.session.add(
                Account(
                    login_name="demo-admin",
                    full_name="演示管理员",
                    region_code="530000000000",
                    department_code="coord",
                    created_at=datetime.now(UTC),
                )
            )
            uow.commit()
    finally:
        db.dispose()
    return url


class Pane:
    def __init__(self, tmux: str, name: str) -> None:
        self.tmux = tmux
        self.name = name

    def capture(self, *, escapes: bool = False) -> str:
        done = subprocess.run(
            [self.tmux, "capture-pane", "-p", *(["-e"] if escapes else []), "-t", self.name],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        return done.stdout

    def send(self, *keys: str) -> None:
        subprocess.run([self.tmux, "send-keys", "-t", self.name, *keys], check=True, timeout=10)

    def wait_for(self, *needles: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.capture()
            if all(n in screen for n in needles):
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{needles!r} not on the screen after {timeout}s:\n{screen}")


@pytest.fixture
def pane(env: dict[str, str]) -> Iterator[tuple[Pane, dict[str, str]]]:
    tmux = tmux_path()
    name = f"jztest-{uuid.uuid4().hex[:8]}"
    try:
        yield Pane(tmux, name), env
    finally:
        subprocess.run(
            [tmux, "kill-session", "-t", name], capture_output=True, timeout=10, check=False
        )


def start(pane: Pane, env: dict[str, str], *args: str, extra: str = "") -> None:
    exports = (
        extra
        + " "
        + " ".join(
            f"{k}={shlex.quote(env[k])}"
            for k in (
                "XDG_DATA_HOME",
                "XDG_CONFIG_HOME",
                "XDG_STATE_HOME",
                "XDG_CACHE_HOME",
                "JZ_KEYRING_FILE",
                "JZ_KEYRING_PASSPHRASE",
            )
            if k in env
        )
    )
    command = " ".join(shlex.quote(a) for a in (jzctl_path(), *args))
    # Keep the pane open after the app ends, so that its exit code can be read.
    script = f"env {exports} {command}; echo JZ-EXIT=$?; sleep 30"
    subprocess.run(
        [
            pane.tmux,
            "new-session",
            "-d",
            "-x",
            str(WIDTH),
            "-y",
            str(HEIGHT),
            "-s",
            pane.name,
            script,
        ],
        check=True,
        timeout=10,
        env=env,
    )


def test_walk_down_to_a_village_in_demo_mode(
    pane: tuple[Pane, dict[str, str]], demo_db: str
) -> None:
    p, env = pane
    start(p, env, "--db", demo_db, "tui", "--demo")
    # The overview comes first; 1 opens the region tree.
    p.wait_for("我的概览", "待我审核的申请", "演示数据 DEMO", timeout=30)
    p.send("1")
    screen = p.wait_for("昆明市（14）", "演示数据 DEMO", timeout=30)
    assert "用户 演示管理员（demo-admin）" in screen
    assert "数据库 sqlite:///" in screen
    steps = [
        ("Down", "云南省 > 昆明市"),
        ("Enter", "五华区（10）"),
        ("Down", "云南省 > 昆明市 > 五华区"),
        ("Enter", "护国街道（2）"),
        ("Down", "> 五华区 > 护国街道"),
        ("Enter", VILLAGE),
        ("Down", f"云南省 > 昆明市 > 五华区 > 护国街道 > {VILLAGE}"),
    ]
    for key, expect in steps:
        p.send(key)
        p.wait_for(expect)
    screen = p.wait_for("530102001001", "村(社区)")
    assert f"云南省 > 昆明市 > 五华区 > 护国街道 > {VILLAGE}" in screen
    assert "演示数据 DEMO — 数据均为虚构" in screen
    assert "乡村振兴" in screen
    p.send("q")
    p.wait_for("JZ-EXIT=0")


def test_english_without_demo_signs_in_on_its_own_screen(
    pane: tuple[Pane, dict[str, str]], demo_db: str
) -> None:
    from casedb.engine import Database
    from tests.support.people import PASSWORD, make_person

    db = Database(demo_db)
    try:
        make_person(db, "clerk", full_name="王小丫", role="caseworker")
    finally:
        db.dispose()
    p, env = pane
    # A headless console keeps its session token in an encrypted keyring file.
    env["JZ_KEYRING_FILE"] = str(Path(env["XDG_DATA_HOME"]) / "keyring.jzkr")
    env["JZ_KEYRING_PASSPHRASE"] = "tmux-test-passphrase"
    start(p, env, "--lang", "en", "--db", demo_db, "tui")
    screen = p.wait_for("Sign in", "Authenticator code")
    assert "DEMO" not in screen

    def field(*keys: str) -> None:
        # One field at a time: the focus moves on between keystrokes, as with a person.
        p.send(*keys)
        time.sleep(0.3)

    field("clerk", "Enter")
    field("wrong-password-1", "Enter")
    field("Enter")
    p.wait_for("Sign-in failed")
    # The password field is emptied and has the focus again.
    field(PASSWORD, "Enter")
    field("Enter")
    screen = p.wait_for("My overview", "王小丫")
    p.send("1")
    screen = p.wait_for("Region tree", "昆明市", "王小丫")
    assert "DEMO" not in screen
    p.send("C-q")
    p.wait_for("JZ-EXIT=0")


def test_refuses_when_stdout_is_not_a_terminal(env: dict[str, str], demo_db: str) -> None:
    done = subprocess.run(
        [jzctl_path(), "--db", demo_db, "tui"],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2
    assert "需要在终端中运行" in done.stderr


def palette_indexes(screen: str) -> set[int]:
    """The 256-colour palette indexes a captured screen paints with (``38;5;N``/``48;5;N``)."""
    import re

    found: set[int] = set()
    for params in re.findall(r"\x1b\[([0-9;]*)m", screen):
        parts = params.split(";")
        for i, part in enumerate(parts[:-2]):
            if part in ("38", "48") and parts[i + 1] == "5":
                found.add(int(parts[i + 2]))
    return found


def is_grey(index: int) -> bool:
    return index >= 232 or index in (0, 7, 8, 15, 16, 231)


@pytest.mark.parametrize("no_color", [False, True], ids=["256-colours", "NO_COLOR"])
def test_the_overview_reads_in_256_colours_and_in_monochrome(
    pane: tuple[Pane, dict[str, str]], demo_db: str, no_color: bool
) -> None:
    p, env = pane
    start(p, env, "--db", demo_db, "tui", "--demo",
          extra="TERM=tmux-256color NO_COLOR=1" if no_color else "TERM=tmux-256color")  # fmt: skip
    p.wait_for("我的概览", "审计链", "正常", timeout=30)
    time.sleep(0.5)
    screen = p.capture(escapes=True)
    colours = palette_indexes(screen)
    assert colours, "the console paints with the 256-colour palette in this terminal"
    assert "\x1b[38;2;" not in screen and "\x1b[48;2;" not in screen  # no true colour asked for
    if no_color:
        assert all(is_grey(i) for i in colours), sorted(colours)
    else:
        assert any(not is_grey(i) for i in colours), sorted(colours)
    # States are words, not only colours: they read the same in monochrome.
    assert "正常" in p.capture()
    p.send("q")
    p.wait_for("JZ-EXIT=0")
