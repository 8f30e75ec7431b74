"""Who may change the calendar: a holder of ``system.config`` for the whole province."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from accounts.authz import Operator
    from casedb.engine import Database


def authorise(db: Database, action: str, target_id: str) -> Operator:
    """The signed-in admin, allowed to edit the calendar; a refusal is recorded and raised."""
    from accounts.cli_support import ALL, PROVINCE
    from audit_log.chain import record_refusal
    from casedb.errors import PermissionDenied
    from console.cli import runtime
    from rbac.templates import SYSTEM_CONFIG

    op = runtime.operator(db)
    try:
        op.authorize(op.actor, SYSTEM_CONFIG, PROVINCE, ALL)
    except PermissionDenied as exc:
        record_refusal(db.uow(), op.actor, action, reason=exc.key, target_kind="calendar",
                       target_id=target_id)  # fmt: skip
        raise
    return op
