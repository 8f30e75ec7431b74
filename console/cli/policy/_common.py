"""What the policy commands share: only a signed-in admin reads the policy."""

from __future__ import annotations

from typing import TYPE_CHECKING

from console.cli import runtime

if TYPE_CHECKING:
    from accounts.authz import Operator
    from casedb.engine import Database


def admin_operator(db: Database) -> Operator:
    """The signed-in operator, refused (and recorded) unless they hold an admin role."""
    from audit_log.chain import record_refusal
    from casedb.errors import PermissionDenied
    from rbac.queries import is_admin

    op = runtime.operator(db)
    if not is_admin(op.enforcer.grants_of(op.account_id)):
        error = PermissionDenied("err.policy_read_denied", login=op.actor.login)
        record_refusal(db.uow(), op.actor, "policy.read", reason=error.key,
                       target_kind="policy", target_id="")  # fmt: skip
        raise error
    return op
