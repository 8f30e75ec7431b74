"""What a database holds, as the manifest records it and verify compares it: tables and row
counts, the schema revision, the audit chain's head and last anchor."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, inspect, text

from casedb.errors import Conflict
from ops.classes import Policy


def table_names(conn: Connection) -> list[str]:
    return sorted(inspect(conn).get_table_names())


def classified(conn: Connection, pol: Policy) -> list[str]:
    """The database's tables; one the policy does not classify is refused, not skipped."""
    names = table_names(conn)
    unknown = [n for n in names if pol.class_of(n) is None]
    if unknown:
        raise Conflict("err.backup_table_unclassified", tables=", ".join(unknown))
    return names


def counts(conn: Connection, names: list[str]) -> dict[str, int]:
    prep = conn.dialect.identifier_preparer
    return {
        n: int(conn.execute(text(f"SELECT count(*) FROM {prep.quote(n)}")).scalar_one())
        for n in names
    }


def revision(conn: Connection) -> str | None:
    if not inspect(conn).has_table("alembic_version"):
        return None
    value = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one_or_none()
    return None if value is None else str(value)


def audit(conn: Connection) -> dict[str, Any] | None:
    if not inspect(conn).has_table("audit_head"):
        return None
    head = conn.execute(text("SELECT chain_id, seq, hash FROM audit_head WHERE id = 1")).first()
    if head is None:
        return None
    anchor = conn.execute(
        text("SELECT seq, hash FROM audit_anchors ORDER BY seq DESC LIMIT 1")
    ).first()
    return {
        "chain_id": str(head[0]),
        "head_seq": int(head[1]),
        "head_hash": str(head[2]),
        "last_anchor_seq": int(anchor[0]) if anchor else None,
        "last_anchor_hash": str(anchor[1]) if anchor else None,
    }


def gather(conn: Connection, pol: Policy) -> dict[str, Any]:
    names = classified(conn, pol)
    return {"tables": counts(conn, names), "schema_revision": revision(conn), "audit": audit(conn)}
