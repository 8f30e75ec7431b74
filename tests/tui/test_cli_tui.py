"""``jzctl tui``: refuses without a terminal, needs the demo admin for --demo, starts the app."""

from __future__ import annotations

from typing import Any

import pytest

from casedb.engine import Database
from tests.tui.conftest import add_account


def test_refuses_without_a_terminal(cli: Any, db: Database) -> None:
    result = cli("--db", db.raw_url, "tui")
    assert result.exit_code == 2
    assert "需要在终端中运行" in result.stderr
    assert result.stdout == ""


def test_refuses_without_a_terminal_in_english(cli: Any, db: Database) -> None:
    result = cli("--lang", "en", "--db", db.raw_url, "tui", "--demo")
    assert result.exit_code == 2
    assert "jzctl tui needs a terminal" in result.stderr


def test_help_is_translated(cli: Any) -> None:
    result = cli("tui", "--help")
    assert result.exit_code == 0
    assert "打开终端界面" in result.stdout
    assert "--demo" in result.stdout


@pytest.fixture
def fake_terminal(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Pretend stdout is a terminal and record how the app would have been started."""
    from console.cli import tui
    from console.tui.app import JzApp

    runs: list[dict[str, Any]] = []

    def run(self: JzApp) -> int:
        runs.append(
            {
                "user": self.user,
                "demo": self.demo,
                "url": self.database.redacted_url,
                "first": self.DEFAULT_MODE,
                "readonly": self.readonly,
            }
        )
        return 0

    monkeypatch.setattr(tui, "_is_terminal", lambda: True)
    monkeypatch.setattr(JzApp, "run", run)
    return runs


def test_demo_without_demo_admin_says_to_run_jzctl_demo(
    cli: Any, db: Database, fake_terminal: list[dict[str, Any]]
) -> None:
    result = cli("--db", db.raw_url, "tui", "--demo")
    assert result.exit_code == 4
    assert "demo-admin" in result.stderr
    assert "jzctl demo" in result.stderr
    assert fake_terminal == []


def test_demo_signs_in_as_the_demo_admin(
    cli: Any, db: Database, fake_terminal: list[dict[str, Any]]
) -> None:
    add_account(db, "demo-admin", "演示管理员", "530000000000")
    result = cli("--db", db.raw_url, "tui", "--demo")
    assert result.exit_code == 0, result.stderr
    [run] = fake_terminal
    assert run["demo"] is True
    assert run["user"].login_name == "demo-admin"
    assert run["user"].full_name == "演示管理员"


def test_without_demo_nobody_is_signed_in_and_the_sign_in_screen_comes_first(
    cli: Any, db: Database, fake_terminal: list[dict[str, Any]]
) -> None:
    result = cli("--db", db.raw_url, "tui", "--readonly")
    assert result.exit_code == 0, result.stderr
    assert fake_terminal == [
        {
            "user": None,
            "demo": False,
            "url": db.redacted_url,
            "first": "signin",
            "readonly": True,
        }
    ]


def test_uninitialised_database_is_refused_before_the_app_starts(
    cli: Any, tmp_path: Any, fake_terminal: list[dict[str, Any]]
) -> None:
    result = cli("--db", f"sqlite:///{tmp_path / 'none.db'}", "tui")
    assert result.exit_code == 4
    assert "jzctl init" in result.stderr
    assert fake_terminal == []


def test_the_tui_takes_the_admin_signed_in_with_jzctl_login(db: Database) -> None:
    from console.cli.tui import _signed_in
    from tests.support.people import cheap_hashing, make_person, sign_in_as

    assert _signed_in(db) is None  # nobody signed in: a read-only console
    with cheap_hashing():
        make_person(db, "zhao.lei", role="dept_admin", region="530102000000")
        sign_in_as(db, "zhao.lei")
    user = _signed_in(db)
    assert user is not None and user.login_name == "zhao.lei"


def test_demo_as_another_demo_person(
    cli: Any, db: Database, fake_terminal: list[dict[str, Any]]
) -> None:
    assert cli("--db", db.raw_url, "tui", "--as", "someone").exit_code == 2
    add_account(db, "u530102-education-02", "单位负责人甲", "530102000000", "education")
    refused = cli("--db", db.raw_url, "tui", "--demo", "--as", "u530102-education-02")
    assert refused.exit_code == 2, "not a demo database: no demo-admin"
    add_account(db, "demo-admin", "演示管理员", "530000000000")
    assert cli("--db", db.raw_url, "tui", "--demo", "--as", "nobody").exit_code == 4
    res = cli("--db", db.raw_url, "tui", "--demo", "--as", "u530102-education-02")
    assert res.exit_code == 0, res.stderr
    assert fake_terminal[-1]["user"].login_name == "u530102-education-02"
    assert fake_terminal[-1]["demo"] is True
