"""Engines and units of work over SQLite (default) or PostgreSQL (production)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.orm import Session

from casedb.errors import InvalidInput, NotFound

SQLITE_BUSY_TIMEOUT_S = 30


def normalise_url(raw: str) -> URL:
    try:
        url = make_url(raw)
    except ArgumentError as exc:
        raise InvalidInput("err.db_url_invalid", url=raw) from exc
    backend = url.get_backend_name()
    if backend == "postgresql" and url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    elif backend not in ("sqlite", "postgresql"):
        raise InvalidInput("err.db_url_backend", backend=backend)
    return url


def _sqlite_events(engine: Engine, *, foreign_keys: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Hand transaction control to SQLAlchemy's "begin" event below: pysqlite's own
        # implicit BEGIN is deferred, and a deferred writer fails with "database is locked"
        # instead of waiting its turn.
        dbapi_connection.isolation_level = None
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
        cur.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        conn.exec_driver_sql(f"BEGIN {mode}")


def make_engine(
    raw_url: str, *, foreign_keys: bool = True, create: bool = True, **kwargs: Any
) -> Engine:
    """An engine for the URL; with ``create=False`` a missing SQLite file is NotFound."""
    url = normalise_url(raw_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            path = Path(url.database).expanduser()
            if not path.exists() and not create:
                raise NotFound("err.db_missing", path=str(path))
            path.parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {})["timeout"] = SQLITE_BUSY_TIMEOUT_S
        engine = create_engine(url, **kwargs)
        _sqlite_events(engine, foreign_keys=foreign_keys)
        return engine
    try:
        return create_engine(url, pool_pre_ping=True, **kwargs)
    except NoSuchModuleError as exc:  # pragma: no cover - psycopg is a dependency
        raise InvalidInput("err.db_url_backend", backend=url.drivername) from exc


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


class UnitOfWork:
    """One transaction: the change, its policy rows and its audit event commit together.

    Read-only units begin a deferred transaction on SQLite so that readers never queue
    behind writers; writers begin IMMEDIATE and wait on the busy timeout instead of failing.
    """

    session: Session

    def __init__(self, engine: Engine, *, readonly: bool = False) -> None:
        self.engine = engine
        self.readonly = readonly

    def __enter__(self) -> Self:
        bind = self.engine
        if self.readonly and is_sqlite(self.engine):
            bind = self.engine.execution_options(sqlite_begin="DEFERRED")
        self.session = Session(bind=bind, expire_on_commit=False, autoflush=True)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # close() rolls back whatever was not committed without expiring loaded objects,
        # so results stay readable after the unit ends.
        self.session.close()

    def commit(self) -> None:
        if self.readonly:
            raise RuntimeError("commit() on a read-only unit of work")
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()


class Database:
    """A database URL and its engine, shared by the CLI, the TUI and the services."""

    def __init__(self, raw_url: str, **engine_kwargs: Any) -> None:
        self.raw_url = raw_url
        self.engine = make_engine(raw_url, **engine_kwargs)

    @property
    def redacted_url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.engine)

    def reader(self) -> UnitOfWork:
        return UnitOfWork(self.engine, readonly=True)

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self.reader() as uow:
            yield uow.session

    def dispose(self) -> None:
        self.engine.dispose()
