"""Off-site copies: a backup folder copied to a second location (e.g. a mounted remote share)
and checked *there*, part by part, against its signed manifest.

1. the source's manifest is loaded and its signature checked: a backup that is not sound at
   home is never copied;
2. every file of the backup folder is copied into ``<dest>/<id>.partial`` and flushed to disk;
3. the copy is checked where it lies: its manifest read back and its signature checked, then
   each part's size and SM3 digest in pgBackRest's words (``ok``, ``missing``,
   ``checksum mismatch``, ``size invalid``) with the very check ``backup verify`` uses. A
   scratch restore is not repeated: the bytes are the same bytes ``backup verify`` restored;
4. only a sound copy is renamed to ``<dest>/<id>`` and written into a catalogue beside it (so
   that ``backup list/verify/restore --dir DEST`` work from the copy alone when the first
   site is lost). A copy that fails is deleted, never kept looking good.

Every attempt, sound or not, is a ``copied`` fact in the source's catalogue; the caller
records the ``backup.copy`` audit event.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from casedb.errors import InvalidInput, NotFound
from ops import catalogue, manifest, verify
from ops.catalogue import Entry
from ops.keys import BackupKeys
from ops.verify import PartCheck
from ops.verify import _check_part as check_part

ACTION = "backup.copy"
OK, INVALID = verify.OK, verify.INVALID
Progress = Callable[[int, int], None]
_BLOCK = 4 << 20


@dataclass
class CopyReport:
    id: str
    to: str
    status: str = OK
    directory: str = ""
    parts: list[PartCheck] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)
    bytes: int = 0
    seconds: float = 0.0
    at: str = ""

    def problem(self, kind: str, **detail: Any) -> None:
        self.problems.append({"kind": kind, **detail})
        self.status = INVALID

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "to": self.to,
            "status": self.status,
            "directory": self.directory,
            "parts": [{"name": p.name, "status": p.status, "size": p.size} for p in self.parts],
            "problems": self.problems,
            "bytes": self.bytes,
            "seconds": round(self.seconds, 3),
            "at": self.at,
        }


def same_place(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:  # pragma: no cover - resolve() does not fail on missing paths
        return False


def copy_file(src: Path, dst: Path) -> int:
    """Copy one file and flush it to the destination's disk (a share may buffer)."""
    n = 0
    with src.open("rb") as fin, dst.open("wb") as fout:
        while block := fin.read(_BLOCK):
            fout.write(block)
            n += len(block)
        fout.flush()
        os.fsync(fout.fileno())
    shutil.copystat(src, dst)
    return n


def copy(
    root: Path,
    entry: Entry,
    keys: BackupKeys,
    dest: Path,
    *,
    progress: Progress | None = None,
) -> CopyReport:
    """Copy backup ``entry`` of the catalogue in ``root`` to ``dest`` and check the copy."""
    dest = dest.expanduser()
    if same_place(root, dest):
        raise InvalidInput("err.backup_copy_same_place", path=str(dest))
    source = root / entry.directory
    if not source.is_dir():
        raise NotFound("err.backup_copy_source_missing", id=entry.id, path=str(source))
    try:
        doc = manifest.load(source, keys, entry.id)
    except manifest.ManifestProblem as exc:
        why = f"backup.problem.{exc.reason.replace(' ', '_')}"
        raise InvalidInput("err.backup_manifest_bad", id=entry.id, reason_key=why) from None
    started = time.perf_counter()
    report = CopyReport(entry.id, str(dest.resolve()))
    try:
        _copy(report, source, doc, keys, dest, entry, progress)
    finally:
        report.seconds = time.perf_counter() - started
        report.at = datetime.now(UTC).isoformat()
    catalogue.append(root, keys, {"fact": "copied", "id": entry.id, "to": report.to,
                                  "at": report.at, "status": report.status,
                                  "problems": report.problems[:20]})  # fmt: skip
    return report


def _copy(
    report: CopyReport,
    source: Path,
    doc: dict[str, Any],
    keys: BackupKeys,
    dest: Path,
    entry: Entry,
    progress: Progress | None,
) -> None:
    partial = dest / f"{entry.id}.partial"
    final = dest / entry.directory
    files = [p for p in sorted(source.iterdir()) if p.is_file()]
    total = sum(p.stat().st_size for p in files)
    try:
        dest.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir()
        for f in files:
            report.bytes += copy_file(f, partial / f.name)
            if progress is not None:
                progress(report.bytes, total)
    except OSError as exc:
        shutil.rmtree(partial, ignore_errors=True)
        report.problem("copy failed", reason=f"{type(exc).__name__}: {exc.strerror or exc}")
        return
    _check(report, partial, doc, keys)
    if report.status != OK:
        shutil.rmtree(partial, ignore_errors=True)  # never kept looking like a good copy
        return
    try:
        if final.exists():
            shutil.rmtree(final)
        partial.rename(final)
        _register(dest, keys, entry, source.parent)
    except OSError as exc:
        shutil.rmtree(partial, ignore_errors=True)
        report.problem("copy failed", reason=f"{type(exc).__name__}: {exc.strerror or exc}")
        return
    report.directory = str(final)


def _check(report: CopyReport, folder: Path, doc: dict[str, Any], keys: BackupKeys) -> None:
    """The copy against the source's (already trusted) manifest."""
    try:
        there = manifest.load(folder, keys, report.id)
    except manifest.ManifestProblem as exc:
        report.problem("manifest", reason=exc.reason)
        return
    if there != doc:
        report.problem("manifest", reason="mismatch")
        return
    for part in doc["parts"]:
        report.parts.append(check_part(folder, part))
    for p in report.parts:
        if p.status != OK:
            report.problem("part", part=p.name, status=p.status)


def check(dest: Path, backup_id: str, keys: BackupKeys) -> CopyReport:
    """Check a copy already at ``dest`` (digests and signature), without copying again."""
    report = CopyReport(backup_id, str(dest.expanduser().resolve()))
    folder = dest.expanduser() / backup_id
    if not folder.is_dir():
        report.problem("missing")
        return report
    try:
        doc = manifest.load(folder, keys, backup_id)
    except manifest.ManifestProblem as exc:
        report.problem("manifest", reason=exc.reason)
        return report
    _check(report, folder, doc, keys)
    report.directory = str(folder)
    return report


def _register(dest: Path, keys: BackupKeys, entry: Entry, origin: Path) -> None:
    """The copy in a catalogue beside it, so that the second site stands on its own."""
    there = catalogue.read(dest, keys)
    known = there.entries.get(entry.id)
    if known is not None and not known.pruned:
        return
    catalogue.append(
        dest,
        keys,
        {
            "fact": "created",
            "id": entry.id,
            "class": entry.backup_class,
            "created_at": entry.created_at.isoformat(),
            "backend": entry.backend,
            "source": entry.source,
            "schema_revision": entry.schema_revision,
            "size": entry.size,
            "directory": entry.directory,
            "copy_of": str(origin.resolve()),
        },
    )


@dataclass(frozen=True)
class CopyState:
    to: str
    status: str
    at: str


def latest_copies(entry: Entry) -> list[CopyState]:
    """Each destination's newest copy attempt (a later good copy mends an earlier failure)."""
    newest: dict[str, CopyState] = {}
    for c in entry.copies:
        state = CopyState(str(c.get("to", "")), str(c.get("status", "")), str(c.get("at", "")))
        if state.to not in newest or state.at >= newest[state.to].at:
            newest[state.to] = state
    return sorted(newest.values(), key=lambda s: s.to)
