"""Who is reading the trail at this console: the signed-in admin and their ``may_read``.

Invariant 5: only audit admins read the trail. rbac's templates give ``audit.read`` to the
audit admin role alone, granted at the province for the whole office (``530000000000|*``,
``jzctl init``); ``may_read`` asks the signed-in admin's grants for exactly that. Nobody
signed in: ``err.signin_required`` (exit 3, run ``jzctl login``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from console.cli import runtime

if TYPE_CHECKING:
    from audit_log.access import ReadPolicy
    from audit_log.actor import Actor
    from casedb.engine import Database


def audit_reader(db: Database) -> tuple[Actor, ReadPolicy]:
    from accounts.bootstrap import PROVINCE
    from rbac.templates import ALL_DEPARTMENTS, AUDIT_READ

    op = runtime.operator(db)

    def may_read(actor: Actor) -> bool:
        return op.decide(AUDIT_READ, PROVINCE, ALL_DEPARTMENTS).allowed

    return op.actor, may_read
