"""What the policy commands share: only a signed-in admin reads the policy."""

from __future__ import annotations

from typing import TYPE_CHECKING

from console.cli import runtime

if TYPE_CHECKING:
    from accounts.authz import Operator
    from casedb.engine import Database


def admin_operator(db: Database) -> Operator:
    """The signed-in operator, refused (and recorded) unless they hold an admin role."""
    from accounts.authz import require_admin

    return require_admin(runtime.operator(db))
