"""``jzctl demo`` through the real entry point, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

from console.cli.demo import human_bytes

CliRun = Any  # the ``cli`` fixture of tests/conftest.py


def test_demo_seeds_refuses_a_second_time_and_resets(cli: CliRun, db_url: str) -> None:
    first = cli("--db", db_url, "demo")
    assert first.exit_code == 0, first.stderr
    assert "demo-admin" in first.stdout
    assert "演示数据已生成" in first.stdout
    assert "5,000" in first.stdout

    again = cli("--db", db_url, "--json", "demo")
    assert again.exit_code == 6
    doc = json.loads(again.stdout)
    assert doc["error"]["code"] == "conflict"
    assert "--reset" in doc["error"]["message"]
    assert again.stderr == ""

    plain = cli("--db", db_url, "--lang", "en", "demo")
    assert plain.exit_code == 6
    assert plain.stdout == ""
    assert "--reset" in plain.stderr and "already holds accounts or cases" in plain.stderr

    reset = cli("--db", db_url, "--json", "demo", "--reset")
    assert reset.exit_code == 0, reset.stdout + reset.stderr
    data = json.loads(reset.stdout)["data"]
    assert data["demo_admin"] == "demo-admin"
    assert data["size"] == "small"
    assert data["cases"] == 5_000
    assert 0 < data["overdue_cases"] < data["open_cases"] < data["cases"]
    assert set(data["timings"]) >= {"prepare", "villages", "accounts", "cases"}
    assert reset.stderr == ""  # no progress bar without a terminal

    shown = cli("--db", db_url, "--json", "org", "show", "53")
    assert shown.exit_code == 0
    depts = {d["code"]: d for d in json.loads(shown.stdout)["data"]["departments"]}
    assert depts["civil"]["accounts"] > 0 and depts["civil"]["open_cases"] > 0


def test_demo_in_english(cli: CliRun, db_url: str) -> None:
    result = cli("--db", db_url, "--lang", "en", "demo")
    assert result.exit_code == 0, result.stderr
    assert "Demo data generated (small" in result.stdout
    assert "fictitious" in result.stdout


def test_bad_size_is_a_usage_error(cli: CliRun, tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    result = cli("--db", url, "demo", "--size", "bogus")
    assert result.exit_code == 2
    assert "bogus" in result.stderr
    as_json = cli("--db", url, "--json", "demo", "--size", "bogus")
    assert as_json.exit_code == 2
    assert json.loads(as_json.stdout)["error"]["code"] == "usage"
    assert not (tmp_path / "x.db").exists()


def test_help_lists_demo(cli: CliRun) -> None:
    result = cli("--help")
    assert result.exit_code == 0
    assert "demo" in result.stdout


def test_human_bytes() -> None:
    assert human_bytes(512) == "512 B"
    assert human_bytes(3_866_624) == "3.7 MB"
    assert human_bytes(964_087_808) == "919.4 MB"
    assert human_bytes(3 * 1024**3) == "3.0 GB"
