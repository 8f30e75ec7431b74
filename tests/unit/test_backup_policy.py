"""The classes-and-grades policy file: every table of the migrated schema in exactly one
class, foreign keys never pointing to a less critical class (so that a class backup, which
holds its class and every class above, is closed under foreign keys), and the message keys
that ops raises all translated."""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa

from console.i18n import messages
from ops.classes import parse, policy

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def schema(tmp_path_factory: pytest.TempPathFactory) -> dict[str, set[str]]:
    from casedb.engine import Database
    from casedb.schema import upgrade

    db = Database(f"sqlite:///{tmp_path_factory.mktemp('policy') / 'schema.db'}")
    upgrade(db.engine)
    with db.engine.connect() as conn:
        insp = sa.inspect(conn)
        out = {
            t: {fk["referred_table"] for fk in insp.get_foreign_keys(t)}
            for t in insp.get_table_names()
        }
    db.dispose()
    return out


def test_every_table_is_in_exactly_one_class(schema: dict[str, set[str]]) -> None:
    pol = policy()
    listed = Counter(pol.all_tables())
    assert [t for t, n in listed.items() if n > 1] == []
    assert sorted(set(schema) - set(listed)) == [], "tables missing from ops/backup_policy.toml"
    assert sorted(set(listed) - set(schema)) == [], "tables in the policy but not the schema"


def test_foreign_keys_never_point_to_a_less_critical_class(schema: dict[str, set[str]]) -> None:
    pol = policy()
    rank = {c.name: c.rank for c in pol.classes}
    bad = [
        (table, ref)
        for table, refs in schema.items()
        for ref in refs
        if rank[pol.class_of(ref) or ""] > rank[pol.class_of(table) or ""]
    ]
    assert bad == []


def test_classes_are_nested_and_general_is_full() -> None:
    pol = policy()
    assert pol.names == ("core", "important", "general")
    assert pol.full == "general"
    assert set(pol.tables("general")) == set(pol.all_tables())
    assert set(pol.tables("core")) < set(pol.tables("important"))
    assert pol.covers("general", "core") and not pol.covers("core", "important")
    assert pol.get("core").rpo_hours < pol.get("important").rpo_hours
    assert (pol.retention.daily, pol.retention.weekly, pol.retention.monthly) == (7, 4, 12)


def test_a_policy_file_parses_with_default_retention() -> None:
    pol = parse('version = 2\n[classes.a]\nrpo_hours = 1\nrto_hours = 2\ntables = ["x"]\n')
    assert pol.version == 2 and pol.class_of("x") == "a" and pol.retention.daily == 7


def test_every_error_key_ops_raises_is_translated() -> None:
    cat = messages()
    used: set[str] = set()
    for path in (ROOT / "ops").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            text = node.value if isinstance(node, ast.Constant) else None
            if isinstance(text, str) and text.startswith(("err.backup_", "backup.")):
                used.add(text)
    # Audit actions and doctor's check names, not messages.
    actions = {"backup.create", "backup.verify", "backup.restore", "backup.prune", "backup.copy",
               "backup.catalogue"}  # fmt: skip
    assert sorted(k for k in used - actions if k not in cat["zh"] and not k.endswith(".")) == []
    for kind in ("ok", "missing", "checksum_mismatch", "size_invalid"):
        assert f"backup.status.{kind}" in cat["zh"]
    for reason in ("missing", "unreadable", "signature_invalid", "wrong_key", "mismatch"):
        assert f"backup.problem.{reason}" in cat["zh"]
    for kind in ("missing", "manifest", "wrong_key", "part", "restore_failed",
                 "schema_mismatch", "count_mismatch", "audit_head_mismatch", "audit_chain"):  # fmt: skip
        assert f"backup.problem_{kind}" in cat["zh"]
