"""Backups by class and grade (issue 6): round trips on SQLite and PostgreSQL, every named
corruption caught by verify, refusals that change nothing, interrupted restores."""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from accounts.demo import seed_demo
from audit_log.actor import local_actor
from audit_log.verify import verify as audit_verify
from casedb.engine import Database, make_engine
from casedb.errors import Conflict, InvalidInput
from casedb.schema import status
from ops import backup, keys, restore
from ops import verify as v
from ops.backup import PART_PGDUMP, PART_SQLITE

ACTOR = local_actor("ops.tester")


def _table_rows(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    out: dict[str, list[tuple[Any, ...]]] = {}
    with db.engine.connect() as conn:
        for name in sorted(sa.inspect(conn).get_table_names()):
            table = sa.Table(name, sa.MetaData(), autoload_with=conn)
            rows = conn.execute(sa.select(table)).all()
            out[name] = sorted((tuple(r) for r in rows), key=repr)
    return out


def _audit_seq(db: Database) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT seq FROM audit_head")).scalar_one())


def _without_later_audit(rows: dict[str, list[tuple[Any, ...]]], head: int) -> dict[str, Any]:
    """Every table but the audit head, with audit events and anchors up to ``head``."""
    out = dict(rows)
    out.pop("audit_head")
    for name in ("audit_events", "audit_anchors"):
        out[name] = [r for r in rows[name] if r[0] <= head]
    return out


@pytest.fixture
def seeded(db: Database) -> Database:
    seed_demo(db, "small")
    return db


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "backups"


@pytest.fixture
def bkeys() -> keys.BackupKeys:
    return keys.load(create=True)


@pytest.fixture
def target_url(db_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database to restore into: a new file, or a new PostgreSQL database whose
    search path names the source's schema (a pg_dump of one schema restores that schema)."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'target.db'}"
        return
    name = f"jzt_{uuid.uuid4().hex[:10]}"
    base = sa.engine.make_url(db_url)
    admin = make_engine(db_url)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _scratch(db: Database) -> str | None:
    return db.raw_url if db.backend == "postgresql" else None


def _part(made: backup.Created) -> Path:
    name = PART_SQLITE if made.manifest["source"]["backend"] == "sqlite" else PART_PGDUMP
    return made.directory / name


def test_round_trip_restores_every_table_and_the_audit_chain(
    seeded: Database, root: Path, bkeys: keys.BackupKeys, target_url: str
) -> None:
    before = _table_rows(seeded)
    head = _audit_seq(seeded)
    made = backup.create(seeded, ACTOR, bkeys, root=root)
    assert made.manifest["audit"]["head_seq"] == head
    assert made.manifest["tables"]["accounts"] == len(before["accounts"]) > 100
    report = v.verify(root, made.id, bkeys, scratch_url=_scratch(seeded))
    assert report.status == "ok", report.problems
    assert report.restored and report.rows == made.rows

    done = restore.restore(root, made.id, bkeys, target_url, ACTOR)
    assert done.rows == made.rows and not done.replaced
    target = Database(target_url)
    try:
        after = _table_rows(target)
        assert _without_later_audit(after, head) == _without_later_audit(before, head)
        assert _audit_seq(target) == head + 1  # the restore itself, in the target's trail
        with target.read() as s:
            last = s.execute(sa.text("SELECT action FROM audit_events ORDER BY seq DESC")).first()
            assert last is not None and last[0] == "backup.restore"
            result = audit_verify(s)
        assert result.clean, result.as_dict()
        assert status(target.engine).state == "current"
    finally:
        target.dispose()


def test_a_class_backup_holds_its_class_and_the_ones_above_only(
    seeded: Database, root: Path, bkeys: keys.BackupKeys, target_url: str
) -> None:
    made = backup.create(seeded, ACTOR, bkeys, backup_class="core", root=root)
    assert "accounts" in made.manifest["tables"] and "cases" in made.manifest["excluded_tables"]
    assert v.verify(root, made.id, bkeys, scratch_url=_scratch(seeded)).status == "ok"
    restore.restore(root, made.id, bkeys, target_url, ACTOR)
    target = Database(target_url)
    try:
        rows = _table_rows(target)
        assert rows["cases"] == [] and rows["case_events"] == []
        assert len(rows["accounts"]) == made.manifest["tables"]["accounts"]
    finally:
        target.dispose()


# --- verify names each corruption ----------------------------------------------------------


@pytest.fixture
def made(seeded: Database, root: Path, bkeys: keys.BackupKeys) -> backup.Created:
    return backup.create(seeded, ACTOR, bkeys, root=root)


def _kinds(report: v.Report) -> list[tuple[str, str]]:
    return [(p["kind"], str(p.get("status", p.get("reason", "")))) for p in report.problems]


def test_verify_names_a_flipped_byte(
    made: backup.Created, seeded: Database, root: Path, bkeys: keys.BackupKeys
) -> None:
    part = _part(made)
    data = bytearray(part.read_bytes())
    data[len(data) // 2] ^= 0x01
    part.write_bytes(bytes(data))
    report = v.verify(root, made.id, bkeys, scratch_url=_scratch(seeded))
    assert report.status == "invalid"
    assert _kinds(report) == [("part", "checksum mismatch")]
    assert report.parts[0].status == "checksum mismatch"


def test_verify_names_a_truncated_part(
    made: backup.Created, seeded: Database, root: Path, bkeys: keys.BackupKeys
) -> None:
    part = _part(made)
    part.write_bytes(part.read_bytes()[:-100])
    report = v.verify(root, made.id, bkeys, scratch_url=_scratch(seeded))
    assert _kinds(report) == [("part", "size invalid")]


def test_verify_names_a_missing_part(
    made: backup.Created, seeded: Database, root: Path, bkeys: keys.BackupKeys
) -> None:
    _part(made).unlink()
    report = v.verify(root, made.id, bkeys, scratch_url=_scratch(seeded))
    assert _kinds(report) == [("part", "missing")]


def test_verify_names_an_edited_manifest(
    made: backup.Created, seeded: Database, root: Path, bkeys: keys.BackupKeys
) -> None:
    file = made.directory / "manifest.json"
    doc = json.loads(file.read_text())
    doc["tables"]["accounts"] += 1
    file.write_text(json.dumps(doc))
    report = v.verify(root, made.id, bkeys, scratch_url=_scratch(seeded))
    assert _kinds(report) == [("manifest", "signature invalid")]


def test_verify_names_a_swapped_manifest(
    made: backup.Created, seeded: Database, root: Path, bkeys: keys.BackupKeys
) -> None:
    other = backup.create(seeded, ACTOR, bkeys, backup_class="core", root=root)
    shutil.copy(other.directory / "manifest.json", made.directory / "manifest.json")
    report = v.verify(root, made.id, bkeys, scratch_url=_scratch(seeded))
    assert _kinds(report) == [("manifest", "mismatch")]


def test_verify_names_a_wrong_key(
    made: backup.Created, seeded: Database, root: Path, bkeys: keys.BackupKeys
) -> None:
    from casedb import keystore

    keystore.set_secret(keys.SEAL_KEY, "00" * 16)
    report = v.verify(root, made.id, keys.load(), scratch_url=_scratch(seeded))
    assert _kinds(report) == [("wrong key", "")]
    keystore.set_secret(keys.SIGN_KEY, "11" * 32)
    report = v.verify(root, made.id, keys.load(), scratch_url=_scratch(seeded))
    assert _kinds(report) == [("manifest", "wrong key")]


def test_verify_names_counts_that_disagree_with_the_data(
    made: backup.Created, seeded: Database, root: Path, bkeys: keys.BackupKeys
) -> None:
    """A manifest signed by us but wrong about the data (a buggy backup) is caught too."""
    from ops import manifest

    doc = json.loads((made.directory / "manifest.json").read_text())
    doc["tables"]["accounts"] += 1
    manifest.write(made.directory, manifest.sign(doc, bkeys))
    report = v.verify(root, made.id, bkeys, scratch_url=_scratch(seeded))
    assert report.restored
    assert [(p["kind"], p["table"]) for p in report.problems] == [("count mismatch", "accounts")]


def test_restore_of_a_damaged_part_changes_nothing(
    made: backup.Created, root: Path, bkeys: keys.BackupKeys, target_url: str
) -> None:
    part = _part(made)
    data = bytearray(part.read_bytes())
    data[-40] ^= 0xFF
    part.write_bytes(bytes(data))
    with pytest.raises(InvalidInput) as err:
        restore.restore(root, made.id, bkeys, target_url, ACTOR)
    assert err.value.key == "err.backup_part_damaged"
    _assert_untouched_empty(target_url)


def _assert_untouched_empty(url: str) -> None:
    target = Database(url)
    try:
        assert status(target.engine).state == "empty"
        with target.engine.connect() as conn:
            assert sa.inspect(conn).get_table_names() == []
    finally:
        target.dispose()
    if url.startswith("sqlite"):
        folder = Path(sa.engine.make_url(url).database or "").parent
        assert not [p for p in folder.iterdir() if ".restore-" in p.name]


# --- refusals and interruptions ----------------------------------------------------------


def test_restore_into_a_non_empty_target_needs_force(
    seeded: Database, made: backup.Created, root: Path, bkeys: keys.BackupKeys, target_url: str
) -> None:
    restore.restore(root, made.id, bkeys, target_url, ACTOR)
    target = Database(target_url)
    with target.uow() as uow:  # the target moves on after the first restore
        uow.session.execute(
            sa.text("UPDATE regions SET name = 'changed' WHERE code = '530102000000'")
        )
        uow.commit()
    before = _table_rows(target)
    target.dispose()
    with pytest.raises(Conflict) as err:
        restore.restore(root, made.id, bkeys, target_url, ACTOR)
    assert err.value.key == "err.backup_target_not_empty"
    target = Database(target_url)
    try:
        assert _table_rows(target) == before
    finally:
        target.dispose()
    done = restore.restore(root, made.id, bkeys, target_url, ACTOR, force=True)
    assert done.replaced
    target = Database(target_url)
    try:
        with target.engine.connect() as conn:
            name = conn.execute(sa.text("SELECT name FROM regions WHERE code = '530102000000'"))
            assert name.scalar_one() != "changed"
        with target.read() as s:
            assert audit_verify(s).clean
    finally:
        target.dispose()


def test_an_interrupted_restore_leaves_the_target_as_it_was(
    made: backup.Created,
    root: Path,
    bkeys: keys.BackupKeys,
    target_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = restore.unsealed

    def interrupted(*args: Any, **kwargs: Any) -> Iterator[bytes]:
        for block in real(*args, **kwargs):
            yield block  # the first piece goes in; then the power fails
            raise KeyboardInterrupt

    monkeypatch.setattr(restore, "unsealed", interrupted)
    with pytest.raises(KeyboardInterrupt):
        restore.restore(root, made.id, bkeys, target_url, ACTOR)
    _assert_untouched_empty(target_url)


def test_an_interrupted_forced_restore_keeps_the_old_content(
    made: backup.Created,
    root: Path,
    bkeys: keys.BackupKeys,
    target_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    restore.restore(root, made.id, bkeys, target_url, ACTOR)
    target = Database(target_url)
    before = _table_rows(target)
    target.dispose()
    real = restore.unsealed

    def interrupted(*args: Any, **kwargs: Any) -> Iterator[bytes]:
        for block in real(*args, **kwargs):
            yield block  # the first piece goes in; then the power fails
            raise RuntimeError("power cut")

    monkeypatch.setattr(restore, "unsealed", interrupted)
    with pytest.raises(RuntimeError):
        restore.restore(root, made.id, bkeys, target_url, ACTOR, force=True)
    target = Database(target_url)
    try:
        assert _table_rows(target) == before
        assert status(target.engine).state == "current"
    finally:
        target.dispose()


def test_a_cross_engine_restore_says_why_not(
    made: backup.Created, root: Path, bkeys: keys.BackupKeys, tmp_path: Path
) -> None:
    if made.manifest["source"]["backend"] == "sqlite":
        other = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    else:
        other = f"sqlite:///{tmp_path / 'x.db'}"
    with pytest.raises(Conflict) as err:
        restore.restore(root, made.id, bkeys, other, ACTOR)
    assert err.value.key == "err.backup_cross_engine"


def test_an_unclassified_table_is_refused_not_skipped(
    db: Database, root: Path, bkeys: keys.BackupKeys
) -> None:
    with db.uow() as uow:
        uow.session.execute(sa.text("CREATE TABLE stray (id INTEGER PRIMARY KEY)"))
        uow.commit()
    with pytest.raises(Conflict) as err:
        backup.create(db, ACTOR, bkeys, root=root)
    assert err.value.key == "err.backup_table_unclassified"
    assert not root.exists() or not [p for p in root.iterdir() if p.is_dir()]


def test_a_backup_of_an_empty_trail_restores_to_a_clean_chain(
    db: Database, root: Path, bkeys: keys.BackupKeys, target_url: str
) -> None:
    """Taken before any event: the head witness of this console knows later events (the
    backup's own), which must not make the restored chain look tampered with."""
    made = backup.create(db, ACTOR, bkeys, root=root)
    assert made.manifest["audit"]["head_seq"] == 0
    restore.restore(root, made.id, bkeys, target_url, ACTOR)
    target = Database(target_url)
    try:
        with target.read() as s:
            result = audit_verify(s)
        assert result.clean, result.as_dict()
    finally:
        target.dispose()
