"""Who may change the calendar: a holder of ``system.config`` for the whole province."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from accounts.authz import Operator
    from casedb.engine import Database


def authorise(db: Database, action: str, target_id: str) -> Operator:
    """The signed-in admin, allowed to edit the calendar; a refusal is recorded and raised."""
    from accounts.authz import require_province_config
    from console.cli import runtime

    op = runtime.operator(db)
    require_province_config(op, action, "calendar", target_id)
    return op
