"""``init``: create or upgrade the schema, then load the reference data, each step audited."""

from __future__ import annotations

from dataclasses import dataclass, field

from accounts.bootstrap import BootstrapAdmin, bootstrap_admins
from accounts.org import load_divisions, shipped_divisions
from audit_log.actor import Actor
from audit_log.chain import record
from casedb.engine import Database
from casedb.reference import sync_reference
from casedb.schema import upgrade


@dataclass(frozen=True)
class InitResult:
    revision_before: str | None
    revision: str
    reference_rows: int
    divisions_added: int
    divisions_renamed: int
    # The bootstrap admins created by this run (``bootstrap=True`` on a database without one).
    admins: tuple[BootstrapAdmin, ...] = field(default=())


def initialise(db: Database, actor: Actor, *, bootstrap: bool = False) -> InitResult:
    before, after = upgrade(db.engine)
    with db.uow() as uow:
        s = uow.session
        if before != after:
            # The upgrade itself is DDL in its own transaction; its event is the first thing
            # written once the audit tables exist.
            record(s, actor, "schema.upgrade", target_kind="schema", target_id=after,
                   before={"revision": before}, after={"revision": after})  # fmt: skip
        ref = sync_reference(s.connection())
        if ref:
            record(s, actor, "reference.sync", target_kind="reference", details={"rows": ref})
        added, renamed = load_divisions(s.connection(), shipped_divisions())
        if added or renamed:
            record(s, actor, "org.divisions.load", target_kind="region", target_id="53",
                   details={"added": added, "renamed": renamed, "source": "shipped"})  # fmt: skip
        admins = tuple(bootstrap_admins(s, actor)) if bootstrap else ()
        uow.commit()
    return InitResult(before, after, ref, added, renamed, admins)
