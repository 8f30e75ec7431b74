"""The installed ``jzctl tui`` in a real terminal (tmux), as four people use it in turn:

1. a prefecture coordinator signs in (first sign-in enrols TOTP from the screen), finds a
   county's education admin with the command line and files an offboarding;
2. the county education office's head approves it in the inbox;
3. the prefecture education admin executes it, typing the person's login to confirm;
4. the system admin takes a backup and verifies it.

Each person signs in on the sign-in screen; between them ``jzctl logout`` ends the session, as
at a shared desk. Skipped without tmux, unless CI=true.
"""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

import pyotp
import pytest

from tests.e2e.test_tui_tmux import Pane, jz, start

pytestmark = pytest.mark.e2e

COUNTY, PREFECTURE, PROVINCE = "530102000000", "530100000000", "530000000000"


@pytest.fixture
def world(tmp_path: Path, env: dict[str, str]) -> tuple[str, dict[str, str]]:
    from accounts.setup import initialise
    from audit_log.actor import SYSTEM
    from casedb.engine import Database
    from tests.support.people import cheap_hashing, make_person

    url = f"sqlite:///{tmp_path / 'journey.db'}"
    env["JZ_KEYRING_FILE"] = str(tmp_path / "keyring.jzkr")
    env["JZ_KEYRING_PASSPHRASE"] = "journey-test-passphrase"
    env["JZ_BACKUP_DIR"] = str(tmp_path / "backups")
    env["JZ_AUDIT_ANCHOR_DIR"] = str(tmp_path / "anchors")
    db = Database(url)
    try:
        initialise(db, SYSTEM)
        with cheap_hashing():
            make_person(
                db,
                "pref.coord",
                full_name="州协调员",
                region=PREFECTURE,
                department="coord",
                role="coord_admin",
                role_department="*",
            )
            make_person(
                db,
                "edu.admin",
                full_name="县教育管理员",
                region=COUNTY,
                department="education",
                role="dept_admin",
            )
            make_person(
                db,
                "edu.head",
                full_name="县教育局长",
                region=COUNTY,
                department="education",
                role="unit_head",
            )
            make_person(
                db,
                "pref.edu",
                full_name="州教育管理员",
                region=PREFECTURE,
                department="education",
                role="dept_admin",
            )
            make_person(
                db,
                "sys.admin",
                full_name="系统管理员",
                region=PROVINCE,
                department="coord",
                role="system_admin",
                role_department="*",
            )
    finally:
        db.dispose()
    return url, env


def field(p: Pane, *keys: str) -> None:
    p.send(*keys)
    time.sleep(0.35)


def sign_in(p: Pane, env: dict[str, str], url: str, login: str) -> None:
    """Password, then the TOTP enrolment every admin meets at a first sign-in: the secret is
    read off the screen and the code computed from it, as an authenticator app would."""
    from tests.support.people import PASSWORD

    start(p, env, "--lang", "en", "--db", url, "tui")
    p.wait_for("Sign in", "Authenticator code")
    field(p, login, "Enter")
    field(p, PASSWORD, "Enter")
    field(p, "Enter")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        screen = p.capture()
        if "My overview" in screen:
            return  # no second factor for this role
        secret = re.search(r"Secret:\s*([A-Z2-7]{16,})", screen)
        if secret:
            field(p, pyotp.TOTP(secret.group(1)).now(), "Enter")
            p.wait_for("My overview", timeout=30)
            return
        time.sleep(0.2)
    raise AssertionError(f"neither the overview nor a TOTP enrolment:\n{p.capture()}")


def leave(p: Pane, env: dict[str, str], url: str) -> None:
    p.send("C-q")
    p.wait_for("JZ-EXIT=0")
    assert jz(env, "--db", url, "logout").returncode == 0
    subprocess.run([p.tmux, "kill-session", "-t", p.name], capture_output=True, timeout=10,
                   check=False)  # fmt: skip


def test_offboard_an_education_admin_and_back_up(
    pane: tuple[Pane, dict[str, str]], world: tuple[str, dict[str, str]]
) -> None:
    p, _ = pane
    url, env = world

    # 1. The coordinator files the offboarding.
    sign_in(p, env, url, "pref.coord")
    field(p, "3")
    p.wait_for("account")
    time.sleep(0.5)
    field(p, ":")
    field(p, "C-u")
    field(p, ":account 530102 education edu.admin", "Enter")
    p.wait_for("edu.admin", "县教育管理员", "1 account")
    field(p, "o")
    p.wait_for("Offboarding request", "no open cases")
    field(p, "transferred to the city bureau", "Enter")
    p.wait_for("awaits review")
    leave(p, env, url)

    # 2. The county education head approves it.
    sign_in(p, env, url, "edu.head")
    field(p, "4")
    p.wait_for("edu.admin")
    field(p, "a")
    p.wait_for("approved")
    leave(p, env, url)

    # 3. The prefecture education admin executes it, typing the login to confirm.
    sign_in(p, env, url, "pref.edu")
    field(p, "4")
    field(p, "x")
    p.wait_for("edu.admin")
    field(p, "a")
    p.wait_for("login edu.admin to confirm")
    field(p, "edu.admin", "Enter")
    p.wait_for("executed")
    leave(p, env, url)
    done = jz(env, "--db", url, "--json", "account", "show", "edu.admin")
    assert "disabled" in done.stdout or done.returncode == 3

    # 4. The system admin takes a backup and verifies it.
    sign_in(p, env, url, "sys.admin")
    field(p, "6")
    p.wait_for("backup(s) in")
    time.sleep(0.5)  # who may write is read in the background
    field(p, "c")
    p.wait_for("Which class of data?")
    field(p, "Enter")
    p.wait_for("Press v to verify", timeout=60)
    time.sleep(1.0)  # the list reloads after the job
    field(p, "v")
    p.wait_for("sound: restored into a scratch", timeout=90)
    deadline = time.monotonic() + 20
    while not re.search(r"core data\s+1 h\s+\S+-core-\S+\s+\d+ min\s+met", p.capture()):
        assert time.monotonic() < deadline, p.capture()
        time.sleep(0.2)
    leave(p, env, url)
