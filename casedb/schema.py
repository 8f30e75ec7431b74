"""Schema revisions: create or upgrade with Alembic, and refuse a database newer than the code.

Every command checks the schema with one small query instead of loading Alembic: the
revision list comes from the migration file names (``NNNN_what.py``, revision id ``NNNN``,
each revising the one before), and a test keeps it equal to what Alembic sees.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Literal

from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.exc import OperationalError, ProgrammingError

from casedb.errors import Conflict, InvalidInput


def _revisions() -> tuple[str, ...]:
    folder = resources.files("casedb") / "migrations" / "versions"
    names = (entry.name for entry in folder.iterdir())
    return tuple(sorted(n.split("_", 1)[0] for n in names if n[:1].isdigit() and n.endswith(".py")))


REVISIONS: tuple[str, ...] = _revisions()
HEAD = REVISIONS[-1]
_PG_MIGRATION_LOCK = 0x6A7A6374  # "jzct": one console migrates at a time

State = Literal["empty", "current", "behind", "ahead"]


@dataclass(frozen=True)
class SchemaStatus:
    current: str | None
    head: str
    state: State


def _current_revision(conn: Connection) -> str | None:
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one_or_none()


def status(engine: Engine) -> SchemaStatus:
    try:
        with engine.connect() as conn:
            current = _current_revision(conn)
    except OperationalError as exc:
        raise InvalidInput("err.db_unreachable", reason=str(exc.orig).strip()) from exc
    if current is None:
        state: State = "empty"
    elif current == HEAD:
        state = "current"
    elif current in REVISIONS:
        state = "behind"
    else:
        state = "ahead"
    return SchemaStatus(current, HEAD, state)


def require_current(engine: Engine) -> None:
    st = status(engine)
    if st.state == "empty":
        raise Conflict("err.schema_empty")
    if st.state == "behind":
        raise Conflict("err.schema_behind", current=st.current, head=st.head)
    if st.state == "ahead":
        raise Conflict("err.schema_ahead", current=st.current, head=st.head)


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Bring the schema to HEAD in one transaction; returns (before, after)."""
    from alembic import command
    from alembic.config import Config

    before = status(engine)
    if before.state == "ahead":
        raise Conflict("err.schema_ahead", current=before.current, head=before.head)
    if before.state == "current":
        return before.current, HEAD
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        if sqlite:
            # Batch migrations copy tables; foreign keys must be off, and the pragma is
            # ignored inside a transaction, so it is set before ours begins.
            conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        try:
            with conn.begin():
                if not sqlite:
                    conn.execute(
                        text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK}
                    )
                cfg = Config()
                cfg.set_main_option(
                    "script_location", str(resources.files("casedb") / "migrations")
                )
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
                if sqlite:
                    problems = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if problems:
                        raise Conflict("err.schema_fk_check", count=len(problems))
        except ProgrammingError as exc:  # pragma: no cover - PostgreSQL permission problems
            raise InvalidInput("err.db_unreachable", reason=str(exc.orig).strip()) from exc
        finally:
            if sqlite:
                conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]
    return before.current, HEAD
