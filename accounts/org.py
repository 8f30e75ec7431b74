"""The region tree: load the shipped divisions, walk it, show a region, import divisions."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.orm import Session

from accounts.regions import Level, ancestors, clean, expand, level_of, parent_of, subtree_bounds
from accounts.tabular import body_rows, read_grid
from audit_log.actor import Actor
from audit_log.chain import record, record_refusal
from casedb.engine import Database
from casedb.errors import InvalidInput, NotFound
from casedb.models import Account, Case, Department, Region

DIVISIONS_FILE = "yunnan_divisions.csv"


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    level: int
    parent_code: str | None


def shipped_divisions() -> list[Division]:
    """Yunnan to township level (see accounts/data/README.md for source and date)."""
    text = (resources.files("accounts") / "data" / DIVISIONS_FILE).read_text(encoding="utf-8")
    return [
        Division(r["code"], r["name"], int(r["level"]), r["parent_code"] or None)
        for r in csv.DictReader(io.StringIO(text))
    ]


def load_divisions(conn: Connection, divisions: Iterable[Division]) -> tuple[int, int]:
    """Insert missing divisions, rename changed ones; returns (added, renamed).

    Rows arrive parents first (the shipped file and validated imports both are).
    """
    have = dict(conn.execute(select(Region.code, Region.name)).all())
    new: list[dict[str, object]] = []
    renamed = 0
    for d in divisions:
        old = have.get(d.code)
        if old is None:
            new.append(
                {"code": d.code, "name": d.name, "level": d.level, "parent_code": d.parent_code}
            )
            have[d.code] = d.name
        elif old != d.name:
            conn.execute(update(Region).where(Region.code == d.code).values(name=d.name))
            renamed += 1
    for start in range(0, len(new), 5000):
        conn.execute(insert(Region), new[start : start + 5000])
    return len(new), renamed


# --- reading the tree -------------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    code: str
    name: str
    level: int
    parent_code: str | None
    children: int = 0


def resolve_region(session: Session, raw: str) -> Region:
    """A region by code (any prefix length) or by its exact name."""
    code = expand(raw)
    if code is not None:
        region = session.get(Region, code)
        if region is None:
            raise NotFound("err.region_not_found", code=raw)
        return region
    name = clean(raw)
    if not name:
        raise InvalidInput("err.region_empty")
    matches = list(session.scalars(select(Region).where(Region.name == name).limit(6)))
    if not matches:
        raise NotFound("err.region_not_found", code=raw)
    if len(matches) > 1:
        raise InvalidInput(
            "err.region_ambiguous",
            name=name,
            candidates=", ".join(f"{m.code} {m.name}" for m in matches[:5]),
        )
    return matches[0]


def children(session: Session, code: str | None) -> list[Node]:
    """Direct children of a region (the roots when code is None), with their child counts."""
    child = select(Region.parent_code, func.count().label("n")).group_by(Region.parent_code)
    if code is not None:
        lo, hi = subtree_bounds(code)
        child = child.where(Region.code.between(lo, hi))
    counts = child.subquery()
    rows = session.execute(
        select(Region.code, Region.name, Region.level, Region.parent_code, counts.c.n)
        .outerjoin(counts, counts.c.parent_code == Region.code)
        .where(Region.parent_code == code if code is not None else Region.parent_code.is_(None))
        .order_by(Region.code)
    ).all()
    return [Node(r.code, r.name, r.level, r.parent_code, r.n or 0) for r in rows]


def subtree(session: Session, code: str, depth: int) -> list[Node]:
    """The region and its descendants down to ``depth`` levels, in pre-order.

    Codes sort in pre-order by construction (a parent pads with zeros), so one range scan
    returns the tree already walked.
    """
    if depth < 0:
        raise InvalidInput("err.depth_negative", depth=depth)
    root_level = level_of(code)
    lo, hi = subtree_bounds(code)
    max_level = min(int(root_level) + depth, int(Level.VILLAGE))
    rows = session.execute(
        select(Region.code, Region.name, Region.level, Region.parent_code)
        .where(Region.code.between(lo, hi), Region.level <= max_level)
        .order_by(Region.code)
    ).all()
    counts: dict[str, int] = {}
    for r in rows:
        if r.parent_code is not None:
            counts[r.parent_code] = counts.get(r.parent_code, 0) + 1
    if rows and int(rows[-1].level) < int(Level.VILLAGE) and max_level < int(Level.VILLAGE):
        # Nodes on the last shown level: count their children too, so the tree says "+N".
        edge = select(Region.parent_code, func.count()).where(
            Region.code.between(lo, hi), Region.level == max_level + 1
        )
        for parent, n in session.execute(edge.group_by(Region.parent_code)):
            if parent is not None:
                counts[parent] = n
    return [Node(r.code, r.name, r.level, r.parent_code, counts.get(r.code, 0)) for r in rows]


@dataclass(frozen=True)
class DeptFigures:
    code: str
    name_zh: str
    name_en: str
    accounts: int
    open_cases: int


@dataclass(frozen=True)
class RegionDetail:
    code: str
    name: str
    level: int
    path: list[tuple[str, str]]
    children: int
    departments: list[DeptFigures] = field(default_factory=list)


def show(session: Session, raw: str) -> RegionDetail:
    region = resolve_region(session, raw)
    lo, hi = subtree_bounds(region.code)
    chain = ancestors(region.code)
    names = dict(
        session.execute(select(Region.code, Region.name).where(Region.code.in_(chain))).all()
    )
    n_children = session.scalar(
        select(func.count()).select_from(Region).where(Region.parent_code == region.code)
    )
    accounts = dict(
        session.execute(
            select(Account.department_code, func.count())
            .where(Account.region_code.between(lo, hi))
            .group_by(Account.department_code)
        ).all()
    )
    open_cases = dict(
        session.execute(
            select(Case.department_code, func.count())
            .where(Case.region_code.between(lo, hi), Case.closed_at.is_(None))
            .group_by(Case.department_code)
        ).all()
    )
    depts = session.execute(select(Department).order_by(Department.sort)).scalars()
    return RegionDetail(
        code=region.code,
        name=region.name,
        level=region.level,
        path=[(c, names.get(c, c)) for c in chain],
        children=int(n_children or 0),
        departments=[
            DeptFigures(
                d.code, d.name_zh, d.name_en, accounts.get(d.code, 0), open_cases.get(d.code, 0)
            )
            for d in depts
        ],
    )


# --- importing divisions ----------------------------------------------------------------

HEADER_ALIASES = {
    "code": "code",
    "代码": "code",
    "区划代码": "code",
    "统计用区划代码": "code",
    "name": "name",
    "名称": "name",
    "level": "level",
    "级别": "level",
    "parent_code": "parent_code",
    "parent": "parent_code",
    "上级代码": "parent_code",
}


@dataclass(frozen=True)
class BadRow:
    line: int
    code: str
    reason: str  # a catalogue key
    params: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class ImportResult:
    rows: int
    added: int
    renamed: int
    unchanged: int
    bad: list[BadRow]
    applied: bool


def read_table(path: Path) -> list[tuple[int, dict[str, str]]]:
    """Rows of a CSV (UTF-8, with or without BOM) or XLSX file as (line, fields)."""
    raw = read_grid(path)
    if not raw:
        raise InvalidInput("err.file_empty", path=str(path))
    header = [HEADER_ALIASES.get(clean(h).lower(), clean(h).lower()) for h in raw[0]]
    if "code" not in header or "name" not in header:
        raise InvalidInput("err.import_header", path=str(path))
    return body_rows(raw, header)


def validate_rows(
    session: Session, rows: Sequence[tuple[int, dict[str, str]]]
) -> tuple[list[Division], list[BadRow]]:
    """Check every row (nothing stops at the first error); returns the good and the bad.

    A parent may come later in the same file, so parents are checked in a second pass.
    """
    known = dict(session.execute(select(Region.code, Region.level)).all())
    seen: dict[str, int] = {}
    candidates: list[tuple[int, Division]] = []
    bad: list[BadRow] = []
    for line, fields in rows:
        code = clean(fields.get("code", ""))
        name = fields.get("name", "").strip()
        problem = _check_row(code, name, fields, seen)
        if problem is not None:
            key, params = problem
            bad.append(BadRow(line, code, key, params))
            continue
        seen[code] = line
        candidates.append((line, Division(code, name, int(level_of(code)), parent_of(code))))
    in_file = {d.code for _, d in candidates}
    good: list[Division] = []
    for line, d in candidates:
        if d.parent_code is None and d.code not in known:
            bad.append(BadRow(line, d.code, "bad.new_province", {}))
        elif (
            d.parent_code is not None
            and d.parent_code not in known
            and (d.parent_code not in in_file)
        ):
            bad.append(BadRow(line, d.code, "bad.parent_missing", {"parent": d.parent_code}))
        else:
            good.append(d)
    bad.sort(key=lambda b: b.line)
    good_codes = {d.code for d in good}
    # A row whose parent is itself a rejected row of this file cannot be imported either.
    changed = True
    while changed:
        changed = False
        for d in list(good):
            if d.parent_code and d.parent_code not in known and d.parent_code not in good_codes:
                good.remove(d)
                good_codes.discard(d.code)
                bad.append(
                    BadRow(seen[d.code], d.code, "bad.parent_missing", {"parent": d.parent_code})
                )
                changed = True
    bad.sort(key=lambda b: b.line)
    good.sort(key=lambda d: (d.level, d.code))
    return good, bad


def _check_row(
    code: str,
    name: str,
    fields: dict[str, str],
    seen: dict[str, int],
) -> tuple[str, dict[str, object]] | None:
    if not code:
        return "bad.code_empty", {}
    if not code.isascii() or not code.isdigit():
        return "bad.code_digits", {}
    if len(code) != 12:
        return "bad.code_length", {"length": len(code)}
    try:
        level = level_of(code)
    except ValueError:
        return "bad.code_shape", {}
    if not name:
        return "bad.name_empty", {}
    if len(name) > 80:
        return "bad.name_long", {"length": len(name)}
    if code in seen:
        return "bad.duplicate", {"first": seen[code]}
    raw_level = clean(fields.get("level", ""))
    if raw_level and (
        not raw_level.isascii() or not raw_level.isdigit() or int(raw_level) != int(level)
    ):
        return "bad.level_mismatch", {"given": raw_level, "derived": int(level)}
    parent = parent_of(code)
    raw_parent = clean(fields.get("parent_code", ""))
    if raw_parent and raw_parent != (parent or ""):
        return "bad.parent_mismatch", {"given": raw_parent, "derived": parent or ""}
    return None


def import_divisions(
    session: Session, path: Path, *, skip_bad: bool = False
) -> tuple[ImportResult, dict[str, list[str | None]]]:
    """Validate every row first; write nothing if any is bad, unless ``skip_bad``.

    Returns the result and the per-division change ({code: [old name, new name]}). The
    caller commits; a raised error leaves the transaction to be rolled back.
    """
    rows = read_table(path)
    good, bad = validate_rows(session, rows)
    if bad and not skip_bad:
        err = InvalidInput("err.org_import_bad_rows", count=len(bad), total=len(rows))
        err.details = [
            {"line": b.line, "code": b.code, "reason": b.reason, **b.params} for b in bad
        ]
        raise err
    old_names: dict[str, str] = {}
    codes = [d.code for d in good]
    for start in range(0, len(codes), 500):
        chunk = codes[start : start + 500]
        old_names.update(
            session.execute(select(Region.code, Region.name).where(Region.code.in_(chunk))).all()
        )
    changes: dict[str, list[str | None]] = {
        d.code: [old_names.get(d.code), d.name] for d in good if old_names.get(d.code) != d.name
    }
    added, renamed = load_divisions(session.connection(), good)
    unchanged = len(good) - added - renamed
    result = ImportResult(len(rows), added, renamed, unchanged, bad, applied=bool(added or renamed))
    return result, changes


def run_import(
    db: Database, actor: Actor, path: Path, *, skip_bad: bool = False, dry_run: bool = False
) -> ImportResult:
    """``org import`` as one transaction with its audit event; a rejected file is recorded
    as a failed import in a transaction of its own."""
    with db.uow() as uow:
        try:
            result, changes = import_divisions(uow.session, path, skip_bad=skip_bad)
        except InvalidInput as exc:
            uow.rollback()
            record_refusal(
                db.uow(), actor, "org.import", outcome="failed", reason=exc.key,
                target_kind="file", target_id=path.name[:64],
                details={"file": str(path), **exc.params},
            )  # fmt: skip
            raise
        if dry_run:
            return result
        if result.applied:
            record(
                uow.session,
                actor,
                "org.import",
                target_kind="file",
                target_id=path.name[:64],
                details={
                    "file": str(path),
                    "rows": result.rows,
                    "added": result.added,
                    "renamed": result.renamed,
                    "skipped_lines": [b.line for b in result.bad],
                    "changes": {c: v for c, v in list(changes.items())[:500]},
                },
            )
        uow.commit()
    return result
