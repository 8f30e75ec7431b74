"""The signed-in admin's authority, as the services ask for it: one ``authorize`` callable
per console, deciding from that admin's grants (rbac) and refusing with a translated reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from audit_log.actor import Actor, local_actor
from casedb.engine import Database
from casedb.errors import PermissionDenied
from rbac.enforcer import Decision, Enforcer
from rbac.store import Grant, subject_of

if TYPE_CHECKING:
    from accounts.bootstrap import Identity

Authorize = Callable[[Actor, str, str, str], None]
PROVINCE = "530000000000"


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


def require_admin(op: Operator) -> Operator:
    """The operator, refused (and the refusal recorded) unless they hold an admin role and
    may act now (invariant 6): only admins read the policy, the grants of others and the
    coverage of the units."""
    state = op.enforcer.state_of(op.account_id)
    grants = op.enforcer.grants_of(op.account_id)
    _refuse_unless_admin(op.db, op.actor, grants, state is not None and state.can_act())
    return op


def require_admin_account(db: Database, actor: Actor, account_id: int) -> None:
    """``require_admin`` for a console that has not loaded the admin's policy: reads only
    their grants and state (a provincial admin's whole policy takes a tenth of a second)."""
    from rbac.enforcer import read_account_states
    from rbac.queries import grants_of

    with db.read() as s:
        grants = grants_of(s, account_id)
        state = read_account_states(s, [account_id]).get(subject_of(account_id))
    _refuse_unless_admin(db, actor, grants, state is not None and state.can_act())


def _refuse_unless_admin(
    db: Database, actor: Actor, grants: Iterable[Grant], can_act: bool
) -> None:
    from audit_log.chain import record_refusal
    from rbac.queries import is_admin

    if not (can_act and is_admin(grants)):
        error = PermissionDenied("err.policy_read_denied", login=actor.login)
        record_refusal(db.uow(), actor, "policy.read", reason=error.key,
                       target_kind="policy", target_id="")  # fmt: skip
        raise error


def require_province_config(op: Operator, action: str, target_kind: str, target_id: str) -> None:
    """Refused (and recorded under ``action``) unless the operator holds ``system.config`` for
    the whole province: who may change the working-day calendar."""
    from audit_log.chain import record_refusal
    from rbac.templates import ALL_DEPARTMENTS, SYSTEM_CONFIG

    try:
        op.authorize(op.actor, SYSTEM_CONFIG, PROVINCE, ALL_DEPARTMENTS)
    except PermissionDenied as exc:
        record_refusal(op.db.uow(), op.actor, action, reason=exc.key, target_kind=target_kind,
                       target_id=target_id)  # fmt: skip
        raise


def check_grants_readable(op: Operator, who: Identity) -> None:
    """One's own grants are one's to read; another account's only for whoever may grant roles
    or read the policy in that account's unit (``jzctl role list LOGIN``, the Rules area). A
    refusal is recorded."""
    from audit_log.chain import record_refusal
    from rbac.templates import POLICY_READ, ROLE_GRANT

    if who.account_id == op.account_id:
        return
    actions = (ROLE_GRANT, POLICY_READ)
    if not any(op.decide(a, who.region_code, who.department_code).allowed for a in actions):
        error = PermissionDenied("err.role_list_denied", login=who.login)
        record_refusal(op.db.uow(), op.actor, "role.list", reason=error.key,
                       target_kind="account", target_id=str(who.account_id))  # fmt: skip
        raise error
