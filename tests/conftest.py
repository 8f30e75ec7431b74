"""Shared fixtures: isolated user folders, and every database test on SQLite and PostgreSQL.

PostgreSQL tests run when ``JZ_TEST_PG_URL`` is set; each test gets a schema of its own.
With ``CI=true`` a missing or unreachable PostgreSQL fails the run instead of skipping.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PG_URL = os.environ.get("JZ_TEST_PG_URL", "")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _pg_reachable() -> str | None:
    if not PG_URL:
        return "JZ_TEST_PG_URL is not set"
    import sqlalchemy as sa

    from casedb.engine import make_engine

    try:
        eng = make_engine(PG_URL)
        with eng.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        eng.dispose()
    except Exception as exc:  # any failure to connect means "not reachable"
        return f"PostgreSQL at JZ_TEST_PG_URL is unreachable: {exc}"
    return None


_PG_PROBLEM: str | None = None


def pytest_configure(config: pytest.Config) -> None:
    global _PG_PROBLEM
    _PG_PROBLEM = _pg_reachable()
    if IN_CI and _PG_PROBLEM:
        raise pytest.UsageError(f"CI=true but {_PG_PROBLEM}")


@pytest.fixture(autouse=True)
def _isolated_user_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        folder = tmp_path / "home" / var.lower()
        folder.mkdir(parents=True)
        monkeypatch.setenv(var, str(folder))
    for var in ("JZ_DATABASE_URL", "JZ_LANG", "NO_COLOR", "JZ_DEBUG", "JZ_KEYRING_PASSPHRASE_FILE"):
        monkeypatch.delenv(var, raising=False)
    # The real keyring API on an encrypted file keyring in this test's folder.
    monkeypatch.setenv("JZ_KEYRING_FILE", str(tmp_path / "home" / "keyring.jzkr"))
    monkeypatch.setenv("JZ_KEYRING_PASSPHRASE", "test passphrase")
    monkeypatch.setenv("JZ_KEYRING_KDF_LOG2N", "10")
    monkeypatch.setenv("JZ_AUDIT_ANCHOR_DIR", str(tmp_path / "home" / "anchors"))
    from audit_log.anchors import forget_cached_keys

    forget_cached_keys()
    from console.i18n import set_language

    set_language("zh")


def _pg_schema_url(schema: str) -> str:
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL to an empty database, once per backend."""
    yield from database_url(request.param, tmp_path)


def database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """An empty SQLite file, or a schema of its own on the PostgreSQL server (dropped after)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'jz.db'}"
        return
    if _PG_PROBLEM:
        pytest.skip(_PG_PROBLEM)
    import sqlalchemy as sa

    from casedb.engine import make_engine

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield _pg_schema_url(schema)
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def initialise(url: str) -> None:
    """Schema, reference data and Yunnan's divisions, as ``jzctl init`` leaves a database."""
    from accounts.org import load_divisions, shipped_divisions
    from casedb.engine import Database
    from casedb.reference import sync_reference
    from casedb.schema import upgrade

    database = Database(url)
    try:
        upgrade(database.engine)
        with database.uow() as uow:
            sync_reference(uow.session.connection())
            load_divisions(uow.session.connection(), shipped_divisions())
            uow.commit()
    finally:
        database.dispose()


@pytest.fixture(scope="session")
def initialised_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One initialised SQLite file per test process, copied for each test that wants one:
    the migrations and the divisions are the same every time, and a copy takes a fraction
    of the time they take."""
    import sqlite3

    path = tmp_path_factory.mktemp("template") / "jz.db"
    initialise(f"sqlite:///{path}")
    with sqlite3.connect(path) as conn:  # everything in the main file, nothing in the WAL
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture
def db(db_url: str, request: pytest.FixtureRequest) -> Iterator[object]:
    """An initialised database (schema, reference data, Yunnan's divisions)."""
    import shutil

    from casedb.engine import Database

    if db_url.startswith("sqlite:///"):
        template = request.getfixturevalue("initialised_sqlite")
        shutil.copyfile(template, db_url.removeprefix("sqlite:///"))
    else:
        initialise(db_url)
    database = Database(db_url)
    try:
        yield database
    finally:
        database.dispose()


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    """Run ``jzctl ARGS`` through the real entry point; returns exit code, stdout, stderr."""
    from console.cli import runtime
    from console.cli.main import main

    def run(*args: str) -> CliResult:
        capsys.readouterr()
        runtime.settings.db_url = None
        runtime.settings.json = False
        code = main(list(args))
        out, err = capsys.readouterr()
        return CliResult(code, out, err)

    return run
