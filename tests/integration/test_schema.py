"""Schema creation, upgrade and the refusal of a database newer than the code, per backend."""

from __future__ import annotations

import threading
import time
from importlib import resources

import pytest
import sqlalchemy as sa

import accounts.change_models
import accounts.models
import accounts.review_models  # noqa: F401
import audit_log.incident_models
import audit_log.models  # noqa: F401  (registers the audit tables on the metadata)
import casedb.calendar
import casedb.supervision_models  # noqa: F401
import rbac.models  # noqa: F401
from casedb.engine import Database
from casedb.errors import Conflict
from casedb.models import Base
from casedb.schema import HEAD, REVISIONS, require_current, status, upgrade


def test_the_revision_list_matches_the_migration_scripts() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("casedb") / "migrations"))
    script = ScriptDirectory.from_config(cfg)
    assert script.get_heads() == [HEAD]
    walked = [rev.revision for rev in script.walk_revisions()][::-1]
    assert tuple(walked) == REVISIONS


def test_upgrade_creates_the_schema_and_is_idempotent(db_url: str) -> None:
    db = Database(db_url)
    assert status(db.engine).state == "empty"
    with pytest.raises(Conflict) as exc:
        require_current(db.engine)
    assert exc.value.key == "err.schema_empty"
    assert upgrade(db.engine) == (None, HEAD)
    assert status(db.engine).state == "current"
    assert upgrade(db.engine) == (HEAD, HEAD)
    names = set(sa.inspect(db.engine).get_table_names())
    assert {"regions", "departments", "service_items", "accounts", "cases", "case_events"} <= names
    assert {"audit_events", "audit_head", "audit_anchors", "audit_archives"} <= names
    db.dispose()


def test_migrations_match_the_models(db_url: str) -> None:
    """What Alembic would autogenerate against a migrated database: nothing."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    db = Database(db_url)
    upgrade(db.engine)
    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = compare_metadata(ctx, Base.metadata)
    assert diffs == []
    db.dispose()


def test_a_database_newer_than_the_code_is_refused(db_url: str) -> None:
    db = Database(db_url)
    upgrade(db.engine)
    with db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    st = status(db.engine)
    assert st.state == "ahead"
    with pytest.raises(Conflict) as exc:
        require_current(db.engine)
    assert exc.value.key == "err.schema_ahead"
    with pytest.raises(Conflict):
        upgrade(db.engine)
    with db.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == "9999"
    db.dispose()


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(tmp_path) -> None:  # type: ignore[no-untyped-def]
    db = Database(f"sqlite:///{tmp_path / 'p.db'}")
    upgrade(db.engine)
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
    db.dispose()


def test_sqlite_writers_queue_instead_of_failing(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Two writers at once: the second waits for the first (BEGIN IMMEDIATE + busy timeout)."""
    url = f"sqlite:///{tmp_path / 'w.db'}"
    first, second = Database(url), Database(url)
    upgrade(first.engine)
    insert = sa.text("INSERT INTO departments(code, name_zh, name_en, sort) VALUES (:c, :c, :c, 0)")
    holding = threading.Event()
    errors: list[BaseException] = []

    def slow_writer() -> None:
        try:
            with first.uow() as uow:
                uow.session.execute(insert, {"c": "a"})
                holding.set()
                time.sleep(0.5)
                uow.commit()
        except BaseException as exc:  # reported below
            errors.append(exc)
            holding.set()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    holding.wait(5)
    started = time.monotonic()
    with second.uow() as uow:
        uow.session.execute(insert, {"c": "b"})
        uow.commit()
    waited = time.monotonic() - started
    thread.join()
    assert not errors
    assert waited >= 0.3
    with second.read() as session:
        codes = session.execute(sa.text("SELECT code FROM departments ORDER BY code")).scalars()
        assert list(codes) == ["a", "b"]
    first.dispose()
    second.dispose()


def test_a_missing_sqlite_file_is_not_created_by_readers(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from casedb.errors import NotFound

    path = tmp_path / "nope" / "x.db"
    with pytest.raises(NotFound):
        Database(f"sqlite:///{path}", create=False)
    assert not path.exists()
