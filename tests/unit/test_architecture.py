"""Dependencies point one way, and start-up stays light."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _bin(name: str) -> str:
    found = Path(sys.executable).parent / name
    return str(found) if found.exists() else (shutil.which(name) or name)


def test_import_linter_contracts_hold() -> None:
    res = subprocess.run(
        [_bin("lint-imports")], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert res.returncode == 0, res.stdout + res.stderr
    assert "broken" in res.stdout and "0 broken" in res.stdout


def _modules_after(code: str) -> set[str]:
    probe = code + "\nimport sys, json\nprint(json.dumps(sorted(sys.modules)))"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = (
        subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=env
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    return set(json.loads(out))


def test_domain_packages_never_load_a_ui_library() -> None:
    code = "\n".join(
        f"import {m}"
        for m in ["casedb.engine", "casedb.schema", "casedb.reference", "accounts.org"]
    )
    loaded = _modules_after(code)
    assert not {m for m in loaded if m.split(".")[0] in ("textual", "typer", "rich")}


def test_help_loads_neither_textual_nor_sqlalchemy_nor_casbin() -> None:
    code = (
        "import sys, io, contextlib\n"
        "from console.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['--help'])\n"
    )
    loaded = _modules_after(code)
    heavy = {m for m in loaded if m.split(".")[0] in ("textual", "sqlalchemy", "casbin", "alembic")}
    assert heavy == set()
