"""``backup create``: a consistent snapshot while consoles keep writing, sealed and signed.

- SQLite: the online backup API copies the database page by page in one step (a consistent
  snapshot; WAL readers never block writers), tables outside the class are emptied in the
  copy with ``secure_delete`` on (no stale pages), and the image is compressed and sealed.
- PostgreSQL: ``pg_dump`` in custom format (compressed by pg_dump) on a snapshot exported
  from our own REPEATABLE READ transaction, so the manifest's counts and audit head are
  exactly what the dump holds; its output streams straight into the sealed part.

The backup is written to ``<root>/<id>.partial`` and renamed into place only when its
manifest is written, so a backup folder without ``.partial`` is complete. Then the catalogue
records it and the audit trail gets ``backup.create``.
"""

from __future__ import annotations

import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.engine import URL

from audit_log.actor import Actor
from audit_log.chain import record
from casedb.engine import Database
from casedb.errors import InvalidInput, JzError
from ops import catalogue, facts, manifest, pgtools, sealed
from ops.classes import Policy, policy
from ops.keys import BackupKeys

VERSION = "0.1.0"
Progress = Callable[[int, int], None]
PART_SQLITE = "database.sqlite.jzs"
PART_PGDUMP = "database.pgdump.jzs"
ACTION = "backup.create"


@dataclass(frozen=True)
class Created:
    id: str
    directory: Path
    manifest: dict[str, Any]

    @property
    def size(self) -> int:
        return sum(int(p["size"]) for p in self.manifest["parts"])

    @property
    def rows(self) -> int:
        return sum(self.manifest["tables"].values())


def new_id(backup_class: str, now: datetime) -> str:
    return f"{now.strftime('%Y%m%dT%H%M%SZ')}-{backup_class}-{secrets.token_hex(2)}"


def _sqlite_snapshot(
    db: Database, pol: Policy, backup_class: str, folder: Path, keys: BackupKeys, bid: str
) -> tuple[dict[str, Any], list[sealed.PartInfo], dict[str, Any]]:
    source = db.engine.url.database
    if not source or source == ":memory:":
        raise InvalidInput("err.backup_memory_db")
    snap = folder / ".snapshot.sqlite"
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(snap)
    try:
        src.backup(dst)  # one step: the whole database as of one moment
    finally:
        src.close()
    try:
        keep = set(pol.tables(backup_class))
        names = [
            r[0]
            for r in dst.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        dropped = [n for n in names if n not in keep and pol.class_of(n) is not None]
        if dropped:
            dst.execute("PRAGMA secure_delete=ON")
            dst.execute("PRAGMA foreign_keys=OFF")
            for n in dropped:
                dst.execute(f'DELETE FROM "{n}"')
            dst.commit()
    finally:
        dst.close()
    engine = create_engine(f"sqlite:///{snap}")
    try:
        with engine.connect() as conn:
            found = facts.gather(conn, pol)
    finally:
        engine.dispose()
    info = sealed.seal(
        folder / PART_SQLITE,
        sealed.file_chunks(snap),
        key=keys.seal,
        backup_id=bid,
        part=PART_SQLITE,
        compress=True,
    )
    snap.unlink()
    tools = {"sqlite": sqlite3.sqlite_version, "method": "sqlite3 online backup API"}
    return found, [info], tools


def _pg_snapshot(
    db: Database, pol: Policy, backup_class: str, folder: Path, keys: BackupKeys, bid: str
) -> tuple[dict[str, Any], list[sealed.PartInfo], dict[str, Any]]:
    url: URL = db.engine.url
    schema = pgtools.search_path_schema(url)
    repeatable = db.engine.connect().execution_options(isolation_level="REPEATABLE READ")
    with repeatable as conn, conn.begin():
        server_num = int(conn.exec_driver_sql("SHOW server_version_num").scalar_one())
        server_version = str(conn.exec_driver_sql("SHOW server_version").scalar_one())
        tool = pgtools.find("pg_dump", server_num // 10000)
        snapshot = str(conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one())
        schema = schema or str(conn.exec_driver_sql("SELECT current_schema()").scalar_one())
        found = facts.gather(conn, pol)
        keep = set(pol.tables(backup_class))
        info, err = _run_pg_dump(tool, url, schema, snapshot, found, keep, folder, keys, bid)
    if info is None:
        raise InvalidInput("err.backup_pg_dump_failed", reason=err)
    found["schema"] = schema
    tools = {"pg_dump": tool.version, "server": server_version, "method": "pg_dump -Fc"}
    return found, [info], tools


def _run_pg_dump(
    tool: pgtools.Tool,
    url: URL,
    schema: str,
    snapshot: str,
    found: dict[str, Any],
    keep: set[str],
    folder: Path,
    keys: BackupKeys,
    bid: str,
) -> tuple[sealed.PartInfo | None, str]:
    conninfo, env = pgtools.conninfo(url)
    args = [tool.path, "-Fc", "--snapshot", snapshot, "-n", schema, "-d", conninfo]
    for name in found["tables"]:
        if name not in keep:
            args.append(f"--exclude-table-data={schema}.{name}")
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=errors, env=env)
        assert proc.stdout is not None
        try:
            info = sealed.seal(
                folder / PART_PGDUMP,
                sealed.stream_chunks(proc.stdout),  # type: ignore[arg-type]
                key=keys.seal,
                backup_id=bid,
                part=PART_PGDUMP,
                compress=False,  # pg_dump -Fc compresses already
            )
        finally:
            proc.stdout.close()
            rc = proc.wait()
        errors.seek(0)
        message = errors.read().decode("utf-8", "replace").strip()
    if rc != 0:
        return None, message.splitlines()[-1] if message else f"exit {rc}"
    return info, ""


def create(
    db: Database,
    actor: Actor,
    keys: BackupKeys,
    *,
    backup_class: str | None = None,
    root: Path,
    now: datetime | None = None,
) -> Created:
    """Take a backup of ``backup_class`` (default: the full class) into ``root``."""
    pol = policy()
    cls = pol.get(backup_class).name if backup_class else pol.full
    started = now or datetime.now(UTC)
    bid = new_id(cls, started)
    final = root / bid
    folder = root / f"{bid}.partial"
    try:
        folder.mkdir(parents=True)
        if db.backend == "sqlite":
            found, parts, tools = _sqlite_snapshot(db, pol, cls, folder, keys, bid)
        else:
            found, parts, tools = _pg_snapshot(db, pol, cls, folder, keys, bid)
        doc = _manifest(db, pol, cls, bid, started, found, parts, tools, keys)
        manifest.write(folder, manifest.sign(doc, keys))
        folder.rename(final)
    except BaseException as exc:
        shutil.rmtree(folder, ignore_errors=True)
        if isinstance(exc, JzError | OSError | sqlite3.Error):
            _record_failure(db, actor, bid, cls, exc)
        raise
    signed = manifest.load(final, keys, bid)
    result = Created(bid, final, signed)
    catalogue.append(
        root,
        keys,
        {
            "fact": "created",
            "id": bid,
            "class": cls,
            "created_at": signed["created_at"],
            "backend": signed["source"]["backend"],
            "source": signed["source"]["url"],
            "schema_revision": signed["schema_revision"],
            "size": result.size,
            "directory": bid,
        },
    )
    with db.uow() as uow:
        record(uow.session, actor, ACTION, target_kind="backup", target_id=bid,
               details={"class": cls, "size": result.size, "rows": result.rows,
                        "tables": len(signed["tables"]), "directory": str(final)})  # fmt: skip
        uow.commit()
    return result


def _record_failure(db: Database, actor: Actor, bid: str, cls: str, exc: BaseException) -> None:
    reason = exc.key if isinstance(exc, JzError) else type(exc).__name__
    try:
        with db.uow() as uow:
            record(uow.session, actor, ACTION, target_kind="backup", target_id=bid,
                   outcome="failed", reason=reason, details={"class": cls})  # fmt: skip
            uow.commit()
    except Exception:  # pragma: no cover - the original error matters more
        return


def _manifest(
    db: Database,
    pol: Policy,
    cls: str,
    bid: str,
    started: datetime,
    found: dict[str, Any],
    parts: list[sealed.PartInfo],
    tools: dict[str, Any],
    keys: BackupKeys,
) -> dict[str, Any]:
    keep = set(pol.tables(cls))
    tables = found["tables"]
    return {
        "format": manifest.FORMAT,
        "id": bid,
        "class": cls,
        "classes": [c.name for c in pol.included(cls)],
        "policy_version": pol.version,
        "created_at": started.isoformat(),
        "finished_at": datetime.now(UTC).isoformat(),
        "source": {
            "url": db.redacted_url,
            "backend": db.backend,
            "schema": found.get("schema"),
        },
        "schema_revision": found["schema_revision"],
        "tools": {
            "jzctl": VERSION,
            "python": sys.version.split()[0],
            **tools,
        },
        "tables": {n: tables[n] for n in sorted(tables) if n in keep},
        "excluded_tables": sorted(n for n in tables if n not in keep),
        "parts": [
            {
                "name": p.name,
                "size": p.size,
                "sm3": p.sm3,
                "plain_bytes": p.plain_bytes,
                "frames": p.frames,
                "compression": p.compression,
                "cipher": "SM4-GCM",
            }
            for p in parts
        ],
        "audit": found["audit"],
        "keys": {"sealing_key_id": keys.seal_id, "signing_key_id": keys.sign_id},
    }
