"""Classes and grades of data (分类分级): the versioned policy file shipped with ``ops``.

A backup of a class holds that class and every more critical one, so ``general`` is a full
backup and a ``core`` backup is the small, frequent one.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from casedb.errors import InvalidInput

POLICY_FILE = "backup_policy.toml"


@dataclass(frozen=True)
class DataClass:
    name: str
    rank: int  # 0 = most critical
    title_zh: str
    title_en: str
    rpo_hours: float
    rto_hours: float
    tables: tuple[str, ...]


@dataclass(frozen=True)
class Retention:
    daily: int
    weekly: int
    monthly: int


@dataclass(frozen=True)
class Policy:
    version: int
    classes: tuple[DataClass, ...]
    retention: Retention

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.classes)

    def get(self, name: str) -> DataClass:
        for c in self.classes:
            if c.name == name:
                return c
        raise InvalidInput("err.backup_class_unknown", name=name, names=", ".join(self.names))

    def included(self, name: str) -> tuple[DataClass, ...]:
        """The classes a backup of ``name`` holds: it and every more critical one."""
        rank = self.get(name).rank
        return tuple(c for c in self.classes if c.rank <= rank)

    def tables(self, name: str) -> tuple[str, ...]:
        return tuple(t for c in self.included(name) for t in c.tables)

    def all_tables(self) -> tuple[str, ...]:
        return tuple(t for c in self.classes for t in c.tables)

    def class_of(self, table: str) -> str | None:
        for c in self.classes:
            if table in c.tables:
                return c.name
        return None

    def covers(self, backup_class: str, wanted: str) -> bool:
        """Does a backup of ``backup_class`` hold the tables of class ``wanted``?"""
        return self.get(wanted).rank <= self.get(backup_class).rank

    @property
    def full(self) -> str:
        return self.classes[-1].name


def parse(text: str) -> Policy:
    doc: dict[str, Any] = tomllib.loads(text)
    classes = []
    for rank, (name, body) in enumerate(doc["classes"].items()):
        classes.append(
            DataClass(
                name=name,
                rank=rank,
                title_zh=str(body.get("title_zh", name)),
                title_en=str(body.get("title_en", name)),
                rpo_hours=float(body["rpo_hours"]),
                rto_hours=float(body["rto_hours"]),
                tables=tuple(str(t) for t in body["tables"]),
            )
        )
    ret = doc.get("retention", {})
    return Policy(
        version=int(doc["version"]),
        classes=tuple(classes),
        retention=Retention(
            int(ret.get("daily", 7)), int(ret.get("weekly", 4)), int(ret.get("monthly", 12))
        ),
    )


@cache
def policy() -> Policy:
    return parse((resources.files("ops") / POLICY_FILE).read_text("utf-8"))
