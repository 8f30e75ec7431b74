"""``backup verify``: can this backup be trusted? Checked the way a restore would use it.

1. the manifest: present, readable, signed by our signing key, naming this backup;
2. the sealing key: the one the backup was made with;
3. each part, in pgBackRest's words: ``ok``, ``missing``, ``checksum mismatch`` (SM3 digest
   or an AEAD tag fails), ``size invalid`` (length differs or the part is cut short);
4. a restore into a scratch database (a temporary SQLite file, or a temporary PostgreSQL
   database on the server given), then on that copy: the schema revision, every table's
   row count against the manifest (tables outside the class must be empty), the audit
   head against the manifest, and the audit chain verified with this console's anchors.
The backup's status is ``ok`` only when every check passes.
"""

from __future__ import annotations

import secrets
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL

from audit_log.verify import verify as audit_verify
from casedb.engine import Database, normalise_url
from casedb.errors import InvalidInput, JzError
from ops import manifest, pgtools, restore, sealed
from ops.keys import BackupKeys

ACTION = "backup.verify"
Progress = Callable[[int, int], None]
OK = "ok"
INVALID = "invalid"


@dataclass
class PartCheck:
    name: str
    status: str  # ok | missing | checksum mismatch | size invalid
    size: int | None = None


@dataclass
class Report:
    id: str
    status: str = OK
    parts: list[PartCheck] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)
    restored: bool = False
    tables: int = 0
    rows: int = 0
    audit_events: int | None = None
    seconds: float = 0.0

    def problem(self, kind: str, **detail: Any) -> None:
        self.problems.append({"kind": kind, **detail})
        self.status = INVALID

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "parts": [{"name": p.name, "status": p.status, "size": p.size} for p in self.parts],
            "problems": self.problems,
            "restored": self.restored,
            "tables": self.tables,
            "rows": self.rows,
            "audit_events": self.audit_events,
            "seconds": round(self.seconds, 3),
        }


def verify(
    root: Path,
    backup_id: str,
    keys: BackupKeys,
    *,
    scratch_url: str | None = None,
    progress: Progress | None = None,
) -> Report:
    started = time.perf_counter()
    report = Report(backup_id)
    try:
        _verify(report, root, backup_id, keys, scratch_url, progress)
    finally:
        report.seconds = time.perf_counter() - started
    return report


def _verify(
    report: Report,
    root: Path,
    backup_id: str,
    keys: BackupKeys,
    scratch_url: str | None,
    progress: Progress | None,
) -> None:
    folder = root / backup_id
    if not folder.is_dir():
        report.problem("missing")
        return
    try:
        doc = manifest.load(folder, keys, backup_id)
    except manifest.ManifestProblem as exc:
        report.problem("manifest", reason=exc.reason)
        return
    if doc["keys"]["sealing_key_id"] != keys.seal_id:
        report.problem("wrong key")
        return
    for part in doc["parts"]:
        report.parts.append(_check_part(folder, part))
    bad = [p for p in report.parts if p.status != OK]
    if bad:
        for p in bad:
            report.problem("part", part=p.name, status=p.status)
        return
    try:
        if doc["source"]["backend"] == "sqlite":
            _scratch_sqlite(report, folder, doc, keys, progress)
        else:
            _scratch_pg(report, folder, doc, keys, scratch_url, progress)
    except sealed.PartDamaged as exc:
        name = doc["parts"][0]["name"]
        for p in report.parts:
            if p.name == name:
                p.status = exc.reason
        report.problem("part", part=name, status=exc.reason)
    except JzError as exc:
        report.problem("restore failed", reason_key=exc.key, **_plain(exc.params))


def _plain(params: dict[str, Any]) -> dict[str, Any]:
    return {k: v if isinstance(v, str | int | float | None) else str(v) for k, v in params.items()}


def _check_part(folder: Path, part: dict[str, Any]) -> PartCheck:
    path = folder / part["name"]
    if not path.exists():
        return PartCheck(part["name"], "missing")
    size, digest = sealed.digest_of(path)
    if size != int(part["size"]):
        return PartCheck(part["name"], "size invalid", size)
    if digest != part["sm3"]:
        return PartCheck(part["name"], "checksum mismatch", size)
    return PartCheck(part["name"], OK, size)


def _scratch_sqlite(
    report: Report,
    folder: Path,
    doc: dict[str, Any],
    keys: BackupKeys,
    progress: Progress | None,
) -> None:
    with tempfile.TemporaryDirectory(prefix="jzctl-verify-") as tmp:
        image = Path(tmp) / "scratch.sqlite"
        restore.write_sqlite_image(folder, doc, keys, image, progress)
        scratch = Database(f"sqlite:///{image}")
        try:
            _check_copy(report, scratch, doc)
        finally:
            scratch.dispose()


def _scratch_pg(
    report: Report,
    folder: Path,
    doc: dict[str, Any],
    keys: BackupKeys,
    scratch_url: str | None,
    progress: Progress | None,
) -> None:
    if not scratch_url or normalise_url(scratch_url).get_backend_name() != "postgresql":
        raise InvalidInput("err.backup_scratch_needed")
    server = Database(scratch_url)
    name = f"jzctl_verify_{secrets.token_hex(6)}"
    url: URL = pgtools.with_database(normalise_url(scratch_url), name)
    schema = doc["source"].get("schema")
    if schema:
        url = url.update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        with server.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except Exception as exc:
        server.dispose()
        raise InvalidInput("err.backup_scratch_create", reason=str(exc).splitlines()[0]) from None
    try:
        restore.pg_restore(folder, doc, keys, url, progress)
        scratch = Database(url.render_as_string(hide_password=False))
        try:
            _check_copy(report, scratch, doc)
        finally:
            scratch.dispose()
    finally:
        with server.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.dispose()


def _check_copy(report: Report, scratch: Database, doc: dict[str, Any]) -> None:
    from ops import facts
    from ops.classes import policy

    report.restored = True
    with scratch.engine.connect() as conn:
        names = facts.table_names(conn)
        found = facts.counts(conn, names)
        revision = facts.revision(conn)
        audit = facts.audit(conn)
    if revision != doc["schema_revision"]:
        report.problem("schema mismatch", manifest=doc["schema_revision"], found=revision)
    for table, expected in doc["tables"].items():
        got = found.get(table)
        if got != expected:
            report.problem("count mismatch", table=table, manifest=expected, found=got)
    for table in doc["excluded_tables"]:
        if found.get(table):
            report.problem("count mismatch", table=table, manifest=0, found=found[table])
    pol = policy()
    for table in names:
        listed = table in doc["tables"] or table in doc["excluded_tables"]
        if not listed and (pol.class_of(table) is not None or found[table]):
            report.problem("count mismatch", table=table, manifest=None, found=found[table])
    report.tables = len(doc["tables"])
    report.rows = sum(found.get(t, 0) for t in doc["tables"])
    want = doc.get("audit")
    if want is None:
        return
    if audit is None or (audit["head_seq"], audit["head_hash"]) != (
        want["head_seq"],
        want["head_hash"],
    ):
        report.problem("audit head mismatch", manifest=want["head_seq"],
                       found=None if audit is None else audit["head_seq"])  # fmt: skip
        return
    with scratch.read() as session:
        result = audit_verify(session)
    report.audit_events = result.events
    head = int(want["head_seq"])
    for f in result.findings:
        later = f.seq is not None and f.seq > head
        outside = f.detail.get("known_by", f.detail.get("source")) in ("witness", "file")
        if later and outside and f.kind in ("tail_cut", "anchor_missing"):
            continue  # events this console recorded after the backup was taken
        report.problem("audit chain", finding=f.kind, seq=f.seq)
