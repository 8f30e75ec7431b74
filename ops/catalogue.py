"""The catalogue beside the backups: a JSON-lines file, so a lost database can still be
restored and ``backup list`` needs no database.

Each line is one fact (``created``, ``verified``, ``copied``, ``pruned``), appended under an
exclusive lock and signed with HMAC-SM3 under the backup signing key: a line that was edited
or added by hand is reported as untrusted and ignored. Secrets never appear here.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from casedb import crypto
from casedb.config import data_dir
from casedb.errors import NotFound
from ops.keys import BackupKeys

FILE_NAME = "catalogue.jsonl"
ENV_DIR = "JZ_BACKUP_DIR"


def default_root() -> Path:
    override = os.environ.get(ENV_DIR)
    return Path(override).expanduser() if override else data_dir() / "backups"


def root_of(option: Path | None) -> Path:
    return option.expanduser() if option is not None else default_root()


def path(root: Path) -> Path:
    return root / FILE_NAME


def _mac(keys: BackupKeys, body: dict[str, Any]) -> str:
    canon = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return crypto.hmac_sm3(keys.sign, b"jzctl-catalogue/1|" + canon.encode()).hex()


@contextmanager
def _locked(root: Path) -> Iterator[Any]:
    root.mkdir(parents=True, exist_ok=True)
    with (root / ".catalogue.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield lock
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def append(root: Path, keys: BackupKeys, fact: dict[str, Any]) -> None:
    body = dict(fact)
    line = {**body, "mac": _mac(keys, body)}
    with _locked(root), path(root).open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


@dataclass
class Entry:
    id: str
    backup_class: str
    created_at: datetime
    backend: str
    source: str
    schema_revision: str
    size: int
    directory: str
    verified_at: datetime | None = None
    verify_status: str | None = None  # "ok" | "invalid" | None (never verified)
    pruned: bool = False
    copies: list[dict[str, Any]] = field(default_factory=list)

    @property
    def verified_ok(self) -> bool:
        return self.verify_status == "ok"

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "class": self.backup_class,
            "created_at": self.created_at.isoformat(),
            "backend": self.backend,
            "source": self.source,
            "schema_revision": self.schema_revision,
            "size": self.size,
            "directory": self.directory,
            "verified_at": self.verified_at.isoformat() if self.verified_at else None,
            "verify_status": self.verify_status,
            "pruned": self.pruned,
            "copies": self.copies,
        }


@dataclass
class Catalogue:
    root: Path
    entries: dict[str, Entry]
    untrusted_lines: int = 0

    def live(self) -> list[Entry]:
        """Backups not pruned, oldest first."""
        return sorted(
            (e for e in self.entries.values() if not e.pruned), key=lambda e: e.created_at
        )

    def find(self, backup_id: str) -> Entry:
        entry = self.entries.get(backup_id)
        if entry is None or entry.pruned:
            raise NotFound("err.backup_not_found", id=backup_id, root=str(self.root))
        return entry

    def latest(self) -> Entry:
        live = self.live()
        if not live:
            raise NotFound("err.backup_none", root=str(self.root))
        return live[-1]


def read(root: Path, keys: BackupKeys | None) -> Catalogue:
    """The catalogue's state; with ``keys`` every line's signature is checked."""
    cat = Catalogue(root, {})
    file = path(root)
    if not file.exists():
        return cat
    for raw in file.read_text("utf-8").splitlines():
        if not raw.strip():
            continue
        try:
            line = json.loads(raw)
            mac = line.pop("mac")
        except (json.JSONDecodeError, KeyError, AttributeError):
            cat.untrusted_lines += 1
            continue
        if keys is not None and mac != _mac(keys, line):
            cat.untrusted_lines += 1
            continue
        _apply(cat, line)
    return cat


def _apply(cat: Catalogue, line: dict[str, Any]) -> None:
    kind = line.get("fact")
    bid = str(line.get("id", ""))
    try:
        if kind == "created":
            cat.entries[bid] = Entry(
                id=bid,
                backup_class=str(line["class"]),
                created_at=datetime.fromisoformat(line["created_at"]),
                backend=str(line["backend"]),
                source=str(line["source"]),
                schema_revision=str(line["schema_revision"]),
                size=int(line["size"]),
                directory=str(line["directory"]),
            )
            return
        entry = cat.entries.get(bid)
        if entry is None:
            return
        if kind == "verified":
            entry.verified_at = datetime.fromisoformat(line["at"])
            entry.verify_status = str(line["status"])
        elif kind == "pruned":
            entry.pruned = True
        elif kind == "copied":
            entry.copies.append({"to": line["to"], "at": line["at"], "status": line["status"]})
    except (KeyError, ValueError, TypeError):
        cat.untrusted_lines += 1
