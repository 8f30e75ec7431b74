"""``backup prune`` and ``backup status``: retention and freshness per class, from the
catalogue alone (no database needed).

Retention keeps, per class, the newest backup of each of the last ``daily`` days, ``weekly``
ISO weeks and ``monthly`` months that have one, and always the newest verified backup.
Status gives each class its newest verified backup holding that class (a full backup holds
every class), its age, and whether the class's RPO is met.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ops import catalogue
from ops.catalogue import Catalogue, Entry
from ops.classes import Policy, Retention
from ops.keys import BackupKeys


def _newest_per(entries: list[Entry], bucket: Callable[[datetime], Any], n: int) -> set[str]:
    kept: dict[Any, Entry] = {}
    for e in sorted(entries, key=lambda x: x.created_at, reverse=True):
        key = bucket(e.created_at)
        if key not in kept:
            if len(kept) >= n:
                break
            kept[key] = e
    return {e.id for e in kept.values()}


def keep_set(entries: list[Entry], ret: Retention) -> set[str]:
    keep = _newest_per(entries, lambda t: t.date(), ret.daily)
    keep |= _newest_per(entries, lambda t: tuple(t.isocalendar()[:2]), ret.weekly)
    keep |= _newest_per(entries, lambda t: (t.year, t.month), ret.monthly)
    verified = [e for e in entries if e.verified_ok]
    if verified:
        keep.add(max(verified, key=lambda e: e.created_at).id)
    return keep


@dataclass(frozen=True)
class Pruned:
    deleted: list[Entry]
    kept: list[Entry]
    dry_run: bool


def prune(cat: Catalogue, pol: Policy, keys: BackupKeys, *, dry_run: bool) -> Pruned:
    live = cat.live()
    doomed: list[Entry] = []
    kept: list[Entry] = []
    for cls in pol.names:
        mine = [e for e in live if e.backup_class == cls]
        keep = keep_set(mine, pol.retention)
        for e in mine:
            (kept if e.id in keep else doomed).append(e)
    if not dry_run:
        for e in doomed:
            folder = cat.root / e.directory
            if folder.is_dir():
                shutil.rmtree(folder)
            catalogue.append(cat.root, keys, {"fact": "pruned", "id": e.id,
                                              "at": datetime.now(UTC).isoformat()})  # fmt: skip
    return Pruned(doomed, kept, dry_run)


@dataclass(frozen=True)
class ClassStatus:
    name: str
    rpo_hours: float
    rto_hours: float
    last_verified: Entry | None
    last_backup: Entry | None
    age_hours: float | None
    rpo_met: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "class": self.name,
            "rpo_hours": self.rpo_hours,
            "rto_hours": self.rto_hours,
            "last_verified": self.last_verified.id if self.last_verified else None,
            "last_verified_at": (
                self.last_verified.created_at.isoformat() if self.last_verified else None
            ),
            "last_backup": self.last_backup.id if self.last_backup else None,
            "age_hours": None if self.age_hours is None else round(self.age_hours, 2),
            "rpo_met": self.rpo_met,
        }


def status(cat: Catalogue, pol: Policy, now: datetime | None = None) -> list[ClassStatus]:
    now = now or datetime.now(UTC)
    live = cat.live()
    out = []
    for c in pol.classes:
        holding = [
            e for e in live if e.backup_class in pol.names and pol.covers(e.backup_class, c.name)
        ]
        verified = [e for e in holding if e.verified_ok]
        last_v = max(verified, key=lambda e: e.created_at) if verified else None
        last_b = max(holding, key=lambda e: e.created_at) if holding else None
        age = (now - last_v.created_at).total_seconds() / 3600 if last_v else None
        met = age is not None and age <= c.rpo_hours
        out.append(ClassStatus(c.name, c.rpo_hours, c.rto_hours, last_v, last_b, age, met))
    return out


def folder_exists(root: Path, e: Entry) -> bool:
    return (root / e.directory).is_dir()
