"""The signed-in admin's authority, as the services ask for it: one ``authorize`` callable
per console, deciding from that admin's grants (rbac) and refusing with a translated reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from audit_log.actor import Actor, local_actor
from casedb.engine import Database
from casedb.errors import PermissionDenied
from rbac.enforcer import Decision, Enforcer

Authorize = Callable[[Actor, str, str, str], None]


@dataclass
class Operator:
    """Who is at this console: the actor the audit trail names and what they may do."""

    actor: Actor
    account_id: int
    enforcer: Enforcer
    db: Database

    def decide(self, action: str, region_code: str, department: str) -> Decision:
        with self.db.read() as session:
            self.enforcer.reload_if_stale(session)
        return self.enforcer.decide(self.account_id, action, region_code, department)

    def authorize(self, actor: Actor, action: str, region_code: str, department: str) -> None:
        decision = self.decide(action, region_code, department)
        if not decision.allowed:
            raise PermissionDenied(
                "err.not_permitted",
                action=action,
                region=region_code,
                department=department,
                why_key=decision.reason,
            )


def operator_for(db: Database, account_id: int, login: str) -> Operator:
    """The operator for a signed-in account (policy loaded for that account only)."""
    with db.read() as session:
        enforcer = Enforcer.for_account(session, account_id)
    return Operator(local_actor(login=login, account_id=account_id), account_id, enforcer, db)


def signed_in_operator(db: Database) -> Operator:
    """This console's signed-in admin; PermissionDenied(err.signin_required) when none."""
    from accounts.signin import current_session

    current = current_session(db)
    return operator_for(db, current.account_id, current.login_name)
