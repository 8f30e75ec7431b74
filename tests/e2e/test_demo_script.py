"""``scripts/demo --no-tui`` end to end: the venv exists, so it seeds and summarises quickly."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str, data_home: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["XDG_DATA_HOME"] = str(data_home)
    for var in ("JZ_DATABASE_URL", "JZ_LANG"):
        env.pop(var, None)
    return subprocess.run(
        [str(ROOT / "scripts" / "demo"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def test_demo_script_without_tui(tmp_path: Path) -> None:
    data_home = tmp_path / "data"
    db_file = data_home / "jzctl" / "demo.db"

    first = _run("--no-tui", data_home=data_home)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "演示数据已生成" in first.stdout
    assert "demo-admin" in first.stdout
    assert f"Demo database: {db_file}" in first.stdout
    assert db_file.is_file() and db_file.stat().st_size > 1_000_000
    assert not Path(f"{db_file}.seeding").exists()

    # A second run reuses the database; stdout is not a terminal, so no TUI either way.
    second = _run(data_home=data_home)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "Reusing" in second.stderr
    assert "云南省" in second.stdout
    assert "演示数据已生成" not in second.stdout

    bad = _run("--size", "huge", data_home=data_home)
    assert bad.returncode == 2
    assert "huge" in bad.stderr
