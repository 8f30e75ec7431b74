"""The installed ``jzctl`` in a subprocess, as an operator runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

JZCTL = str(Path(sys.executable).parent / "jzctl")


def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [JZCTL, *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


def sign_in_auditor(url: str) -> None:
    """An audit admin signed in at this console (the token lands in the keyring file the
    subprocess reads too)."""
    from casedb.engine import Database
    from tests.support.people import cheap_hashing, make_person, sign_in_as

    db = Database(url)
    try:
        with cheap_hashing():
            make_person(db, "auditor", region="530000000000", department="coord",
                        role="audit_admin", role_department="*")  # fmt: skip
            sign_in_as(db, "auditor")
    finally:
        db.dispose()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}


def test_an_operator_session(env: dict[str, str], tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ops.db'}"
    assert run("--db", url, "org", "tree", env=env).returncode == 4
    init = run("--db", url, "init", env=env)
    assert init.returncode == 0, init.stderr
    villages = tmp_path / "villages.csv"
    villages.write_text("code,name\n530102001001,翠湖社区\n530102001002,\n", encoding="utf-8")
    bad = run("--db", url, "org", "import", str(villages), env=env)
    assert bad.returncode == 5
    assert "Traceback" not in bad.stderr and "第 3 行" in bad.stderr
    good = run("--db", url, "org", "import", str(villages), "--skip-bad", env=env)
    assert good.returncode == 0, good.stderr
    show = run("--db", url, "--json", "org", "show", "530102001001", env=env)
    assert [p["name"] for p in json.loads(show.stdout)["data"]["path"]][-1] == "翠湖社区"
    # Only a signed-in audit admin reads the trail (invariant 5).
    refused = run("--db", url, "audit", "verify", env=env)
    assert refused.returncode == 3 and "jzctl login" in refused.stderr
    sign_in_auditor(url)
    verify = run("--db", url, "--json", "--lang", "en", "audit", "verify", env=env)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    doc = json.loads(verify.stdout)["data"]
    assert doc["clean"] and doc["events"] >= 5  # init, two imports, the verify itself comes after
    head = run("--db", url, "audit", "export", "--format", "jsonl", env=env)
    assert head.returncode == 0
    assert json.loads(head.stdout.splitlines()[0])["verification"]["clean"] is True


def test_a_broken_pipe_is_quiet(env: dict[str, str], tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    run("--db", url, "init", env=env)
    proc = subprocess.run(
        f"'{JZCTL}' --db '{url}' org tree 53 --depth 3 | head -1",
        shell=True, capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert proc.stdout.startswith("530000000000")
    assert "Traceback" not in proc.stderr and "错误" not in proc.stderr
