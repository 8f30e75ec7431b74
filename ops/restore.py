"""``backup restore``: a backup into a target database, all or nothing.

- The target must be empty unless ``force``; a refused restore changes nothing.
- SQLite: the image is unsealed into a temporary file beside the target, checked, the
  restore is recorded in *its* audit trail, and only then renamed over the target (one
  atomic rename): an interrupted restore leaves the target as it was.
- PostgreSQL: ``pg_restore --single-transaction`` reads the unsealed dump from a pipe; the
  dump's digest is checked before the pipe closes, so a damaged part aborts the transaction.
  With ``force`` an existing schema is renamed aside first and renamed back if the restore
  fails. Until the restore commits, the target's schema does not exist, so no console can
  use it half-restored (``db current`` says it is empty).
- Across engines the native image cannot be loaded; the refusal says so.

A restored audit trail ends where the backup's did. This console's head witness and anchor
file (kept outside the database) may know later events that the backup lacks: the restore
moves them aside, records how many events were lost in the ``backup.restore`` event, and
the target passes ``audit verify`` afterwards.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import URL

from audit_log import anchors
from audit_log.actor import Actor
from audit_log.chain import record
from casedb.engine import Database, normalise_url
from casedb.errors import Conflict, InvalidInput, NotFound
from casedb.schema import HEAD, REVISIONS
from ops import manifest, pgtools, sealed
from ops.backup import PART_PGDUMP, PART_SQLITE
from ops.keys import BackupKeys

ACTION = "backup.restore"
Progress = Callable[[int, int], None]


def load(root: Path, backup_id: str, keys: BackupKeys) -> tuple[Path, dict[str, Any]]:
    """The folder and checked manifest of a backup; any problem is one clear error."""
    folder = root / backup_id
    if not folder.is_dir():
        raise NotFound("err.backup_not_found", id=backup_id, root=str(root))
    try:
        doc = manifest.load(folder, keys, backup_id)
    except manifest.ManifestProblem as exc:
        reason = exc.reason.replace(" ", "_")
        raise InvalidInput(
            "err.backup_manifest_bad", id=backup_id, reason_key=f"backup.problem.{reason}"
        ) from None
    if doc["keys"]["sealing_key_id"] != keys.seal_id:
        raise InvalidInput("err.backup_wrong_key", id=backup_id)
    return folder, doc


def part_of(doc: dict[str, Any], name: str) -> dict[str, Any]:
    for p in doc["parts"]:
        if p["name"] == name:
            return dict(p)
    raise InvalidInput("err.backup_manifest_bad", id=doc["id"],
                       reason_key="backup.problem.unreadable")  # fmt: skip


def unsealed(
    folder: Path, doc: dict[str, Any], keys: BackupKeys, name: str, progress: Progress | None
) -> Iterator[bytes]:
    part = part_of(doc, name)
    path = folder / name
    if not path.exists():
        raise sealed.PartDamaged("missing")
    if path.stat().st_size != int(part["size"]):
        raise sealed.PartDamaged("size invalid")
    done, total = 0, int(part["plain_bytes"])
    for block in sealed.unseal(
        path, key=keys.seal, backup_id=doc["id"], part=name, expect_sm3=part["sm3"]
    ):
        done += len(block)
        if progress is not None:
            progress(done, total)
        yield block


def damaged(name: str, exc: sealed.PartDamaged) -> InvalidInput:
    return InvalidInput("err.backup_part_damaged", part=name,
                        reason_key=f"backup.status.{exc.reason.replace(' ', '_')}")  # fmt: skip


# --- SQLite -------------------------------------------------------------------------------


def write_sqlite_image(
    folder: Path, doc: dict[str, Any], keys: BackupKeys, dest: Path, progress: Progress | None
) -> None:
    with dest.open("wb") as fh:
        for block in unsealed(folder, doc, keys, PART_SQLITE, progress):
            fh.write(block)
        fh.flush()
        os.fsync(fh.fileno())


def _sqlite_target_empty(path: Path) -> bool:
    if not path.exists() or path.stat().st_size == 0:
        return True
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            return not inspect(conn).get_table_names()
    finally:
        engine.dispose()


# --- PostgreSQL ---------------------------------------------------------------------------


def _pg_schema_of(url: URL, engine_conn: Any) -> str:
    schema = pgtools.search_path_schema(url)
    return schema or str(engine_conn.exec_driver_sql("SELECT current_schema()").scalar_one())


def pg_restore(
    folder: Path, doc: dict[str, Any], keys: BackupKeys, url: URL, progress: Progress | None
) -> None:
    """pg_restore the dump into ``url`` in one transaction (nothing stays on failure)."""
    tool = pgtools.find("pg_restore")
    conninfo, env = pgtools.conninfo(url)
    args = [tool.path, "--single-transaction", "--exit-on-error", "--no-owner",
            "--no-privileges", "-d", conninfo]  # fmt: skip
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=errors, stderr=errors, env=env)
        assert proc.stdin is not None
        try:
            for block in unsealed(folder, doc, keys, PART_PGDUMP, progress):
                proc.stdin.write(block)
        except BrokenPipeError:  # pg_restore stopped early: its own error is reported below
            pass
        except BaseException:
            proc.kill()  # before the end of its input: pg_restore never commits
            proc.wait()
            raise
        with contextlib.suppress(BrokenPipeError):
            proc.stdin.close()
        rc = proc.wait()
        errors.seek(0)
        message = errors.read().decode("utf-8", "replace").strip()
    if rc != 0:
        lines = [ln for ln in message.splitlines() if "error" in ln.lower()] or [message]
        raise InvalidInput("err.backup_pg_restore_failed", reason=lines[0][:300])


# --- the restore --------------------------------------------------------------------------


@dataclass(frozen=True)
class Restored:
    id: str
    target: str
    tables: int
    rows: int
    audit_seq: int | None
    events_lost_here: int
    replaced: bool


def _check_revision(doc: dict[str, Any]) -> None:
    rev = doc["schema_revision"]
    if rev not in REVISIONS:
        raise Conflict("err.backup_revision_unknown", revision=rev, head=HEAD)


def _rebase_outside_records(audit: dict[str, Any] | None, backup_id: str) -> int:
    """Make this console's anchor file and head witness agree with the restored chain;
    what they knew beyond the backup is moved aside (never deleted). Returns how many
    events this console knew that the backup lacks."""
    if not audit:
        return 0
    chain, seq, hash_ = audit["chain_id"], int(audit["head_seq"]), audit["head_hash"]
    lost = 0
    witness = anchors.read_head_witness(chain)
    if witness is not None and witness[0] > seq:
        lost = witness[0] - seq
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    file = anchors.anchor_file(chain)
    if file.exists():
        lines = file.read_text("utf-8").splitlines()
        keep = []
        for line in lines:
            try:
                if int(json.loads(line)["seq"]) <= seq:
                    keep.append(line)
            except (ValueError, KeyError, TypeError):
                keep.append(line)
        if len(keep) != len(lines):
            shutil.copy2(file, file.with_name(f"{file.name}.before-restore-{stamp}-{backup_id}"))
            tmp = file.with_name(f".{file.name}.tmp")
            tmp.write_text("".join(ln + "\n" for ln in keep), "utf-8")
            os.replace(tmp, file)
    head = anchors.head_file(chain)
    if witness is not None and witness != (seq, hash_):
        shutil.copy2(head, head.with_name(f"{head.name}.before-restore-{stamp}-{backup_id}"))
    if seq > 0:
        head.parent.mkdir(parents=True, exist_ok=True)
        tmp = head.with_name(f".{head.name}.tmp")
        tmp.write_text(json.dumps({"chain": chain, "seq": seq, "hash": hash_}), "utf-8")
        os.replace(tmp, head)
    elif head.exists():
        # An empty chain has no witness; the one this console had is kept aside above.
        head.unlink()
    return lost


def _record(db: Database, actor: Actor, doc: dict[str, Any], target: str, lost: int) -> None:
    with db.uow() as uow:
        record(uow.session, actor, ACTION, target_kind="backup", target_id=doc["id"],
               details={"target": target, "class": doc["class"],
                        "source": doc["source"]["url"], "backup_created_at": doc["created_at"],
                        "audit_head_in_backup": (doc["audit"] or {}).get("head_seq"),
                        "events_lost_here": lost})  # fmt: skip
        uow.commit()


def _check_counts(db: Database, doc: dict[str, Any]) -> None:
    with db.engine.connect() as conn:
        prep = conn.dialect.identifier_preparer
        for name, expected in doc["tables"].items():
            found = conn.execute(text(f"SELECT count(*) FROM {prep.quote(name)}")).scalar_one()
            if int(found) != int(expected):
                raise InvalidInput("err.backup_counts_differ", table=name,
                                   expected=expected, found=found)  # fmt: skip


def restore(
    root: Path,
    backup_id: str,
    keys: BackupKeys,
    target_url: str,
    actor: Actor,
    *,
    force: bool = False,
    progress: Progress | None = None,
) -> Restored:
    folder, doc = load(root, backup_id, keys)
    _check_revision(doc)
    url = normalise_url(target_url)
    backend = url.get_backend_name()
    if backend != doc["source"]["backend"]:
        raise Conflict("err.backup_cross_engine", source=doc["source"]["backend"], target=backend)
    redacted = url.render_as_string(hide_password=True)
    if backend == "sqlite":
        return _restore_sqlite(folder, doc, keys, url, redacted, actor, force, progress)
    return _restore_pg(folder, doc, keys, url, redacted, actor, force, progress)


def _restore_sqlite(
    folder: Path,
    doc: dict[str, Any],
    keys: BackupKeys,
    url: URL,
    redacted: str,
    actor: Actor,
    force: bool,
    progress: Progress | None,
) -> Restored:
    if not url.database or url.database == ":memory:":
        raise InvalidInput("err.backup_memory_db")
    target = Path(url.database).expanduser()
    empty = _sqlite_target_empty(target)
    if not empty and not force:
        raise Conflict("err.backup_target_not_empty", target=redacted)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.restore-{secrets.token_hex(4)}")
    try:
        try:
            write_sqlite_image(folder, doc, keys, tmp, progress)
        except sealed.PartDamaged as exc:
            raise damaged(PART_SQLITE, exc) from None
        staged = Database(f"sqlite:///{tmp}")
        try:
            _check_counts(staged, doc)
            lost = _rebase_outside_records(doc["audit"], doc["id"])
            _record(staged, actor, doc, redacted, lost)
        finally:
            staged.dispose()
        for suffix in ("-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        os.replace(tmp, target)
    finally:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{tmp}{suffix}").unlink(missing_ok=True)
    return _summary(doc, redacted, lost, not empty)


def _restore_pg(
    folder: Path,
    doc: dict[str, Any],
    keys: BackupKeys,
    url: URL,
    redacted: str,
    actor: Actor,
    force: bool,
    progress: Progress | None,
) -> Restored:
    target = Database(url.render_as_string(hide_password=False))
    aside: str | None = None
    try:
        with target.engine.connect() as conn:
            schema = _pg_schema_of(url, conn)
            wanted = doc["source"].get("schema")
            if wanted and wanted != schema:
                raise Conflict("err.backup_pg_schema_differs", schema=wanted, target=schema)
            exists = conn.exec_driver_sql(
                "SELECT 1 FROM pg_namespace WHERE nspname = %(s)s", {"s": schema}
            ).first()
            tables = (
                conn.exec_driver_sql(
                    "SELECT count(*) FROM pg_tables WHERE schemaname = %(s)s", {"s": schema}
                ).scalar_one()
                if exists
                else 0
            )
        if tables and not force:
            raise Conflict("err.backup_target_not_empty", target=redacted)
        quoted = target.engine.dialect.identifier_preparer.quote(schema)
        with target.engine.begin() as conn:
            if tables:
                aside = f"{schema[:40]}_pre_restore_{secrets.token_hex(3)}"
                conn.exec_driver_sql(f"ALTER SCHEMA {quoted} RENAME TO {aside}")
            elif exists:
                conn.exec_driver_sql(f"DROP SCHEMA {quoted}")
        target.dispose()
        try:
            pg_restore(folder, doc, keys, url, progress)
        except sealed.PartDamaged as exc:
            _undo_aside(target, quoted, aside)
            raise damaged(PART_PGDUMP, exc) from None
        except BaseException:
            _undo_aside(target, quoted, aside)
            raise
        _check_counts(target, doc)
        lost = _rebase_outside_records(doc["audit"], doc["id"])
        _record(target, actor, doc, redacted, lost)
        if aside is not None:
            with target.engine.begin() as conn:
                conn.exec_driver_sql(f"DROP SCHEMA {aside} CASCADE")
    finally:
        target.dispose()
    return _summary(doc, redacted, lost, aside is not None)


def _undo_aside(target: Database, quoted: str, aside: str | None) -> None:
    with target.engine.begin() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {quoted} CASCADE")
        if aside is not None:
            conn.exec_driver_sql(f"ALTER SCHEMA {aside} RENAME TO {quoted}")
        else:
            conn.exec_driver_sql(f"CREATE SCHEMA {quoted}")
    target.dispose()


def _summary(doc: dict[str, Any], target: str, lost: int, replaced: bool) -> Restored:
    audit = doc["audit"] or {}
    seq = audit.get("head_seq")
    return Restored(
        doc["id"],
        target,
        len(doc["tables"]),
        sum(doc["tables"].values()),
        None if seq is None else int(seq) + 1,
        lost,
        replaced,
    )
