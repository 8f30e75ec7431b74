"""Who may grant what (DOMAIN.md art. 4 and 6), and granting and revoking in one transaction.

A grant of ``role`` in ``region|department`` is allowed when one of the granter's own grants
(the *via* grant) has a grant rule for that role (``rbac.templates.GRANT_RULES``) and:
- the target region lies where the rule says (the same region, one level down, or the
  subtree) inside the via grant's subtree;
- the target department is covered by the via grant's (``*`` covers all) and by the rule;
- the target grade ``(level, rank)`` is strictly below the via grant's;
- the role exists at that level and in that department (its template);
and the target never ends up holding two of the three separated roles.
So a chain of grants only ever narrows: every grant's domain lies inside its granter's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from audit_log.actor import Actor
from audit_log.chain import record, record_refusal
from casedb.engine import UnitOfWork
from casedb.errors import Conflict, InvalidInput, JzError, NotFound, PermissionDenied
from casedb.models import Account
from casedb.regions import level_of
from rbac.enforcer import AccountState, read_account_states
from rbac.store import (
    Grant,
    add_grant,
    has_rule,
    load_grants,
    parse_domain,
    remove_grant,
    subject_of,
)
from rbac.templates import (
    ALL_DEPARTMENTS,
    BOOTSTRAP_ROLES,
    CHILD,
    GRANT_RULES,
    SAME,
    SEPARATED_ROLES,
    SUBTREE,
    TEMPLATES,
    GrantRule,
)

# Most specific first: the reason a refusal reports when several grants fail differently.
_PRIORITY = (
    "err.rbac_separation",
    "err.rbac_role_level",
    "err.rbac_role_department",
    "err.rbac_grant_grade",
    "err.rbac_grant_department",
    "err.rbac_grant_out_of_scope",
    "err.rbac_grant_not_allowed",
)


@dataclass(frozen=True)
class GrantVerdict:
    allowed: bool
    reason: str  # "rbac.grant_ok" or an err.rbac_* key
    via: Grant | None = None
    rule: GrantRule | None = None


def grade(role: str, region: str) -> tuple[int, int]:
    return int(level_of(region)), TEMPLATES[role].rank


def _where_ok(rule: GrantRule, via: Grant, target: Grant) -> bool:
    if not target.prefix.startswith(via.prefix):
        return False
    if rule.where == SAME:
        return target.region == via.region
    if rule.where == CHILD:
        return target.level == via.level + 1
    return rule.where == SUBTREE


def _check_one(rule: GrantRule, via: Grant, target: Grant) -> str | None:
    if not _where_ok(rule, via, target):
        return "err.rbac_grant_out_of_scope"
    if via.department not in (ALL_DEPARTMENTS, target.department):
        return "err.rbac_grant_department"
    if rule.departments is not None and target.department not in rule.departments:
        return "err.rbac_grant_department"
    if grade(target.role, target.region) <= grade(via.role, via.region):
        return "err.rbac_grant_grade"
    return None


def template_problem(role: str, region: str, department: str) -> str | None:
    """Whether the role exists at this level and in this department (None when it does)."""
    t = TEMPLATES[role]
    if level_of(region) not in t.levels:
        return "err.rbac_role_level"
    if department not in t.departments:
        return "err.rbac_role_department"
    return None


def check_grant(
    granter_grants: Sequence[Grant],
    role: str,
    domain: str,
    *,
    target_grants: Sequence[Grant] = (),
    rules: Sequence[GrantRule] = GRANT_RULES,
) -> GrantVerdict:
    """May someone holding ``granter_grants`` grant ``role`` in ``domain``?

    ``target_grants`` are the target account's current grants (separation of duties).
    Raises InvalidInput for an unknown role or a malformed domain."""
    if role not in TEMPLATES:
        raise InvalidInput("err.rbac_unknown_role", role=role[:40])
    region, dept = parse_domain(domain)
    target = Grant("", role, region, dept)
    if role in SEPARATED_ROLES and any(
        g.role in SEPARATED_ROLES and g.role != role for g in target_grants
    ):
        return GrantVerdict(False, "err.rbac_separation")
    problem = template_problem(role, region, dept)
    if problem:
        return GrantVerdict(False, problem)
    failures: set[str] = set()
    for via in granter_grants:
        for rule in rules:
            if rule.granter != via.role or rule.target != role:
                continue
            why = _check_one(rule, via, target)
            if why is None:
                return GrantVerdict(True, "rbac.grant_ok", via, rule)
            failures.add(why)
    if not failures:
        return GrantVerdict(False, "err.rbac_grant_not_allowed")
    return GrantVerdict(False, next(k for k in _PRIORITY if k in failures))


# --- granting and revoking in the caller's transaction -------------------------------------


def _engine(session: Session) -> Engine:
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


def _refuse(
    session: Session,
    actor: Actor,
    action: str,
    error: JzError,
    *,
    target_id: int,
    region: str | None,
    department: str | None,
    details: dict[str, object],
) -> JzError:
    """Roll the refused change back, record the refusal in its own transaction."""
    session.rollback()
    record_refusal(
        UnitOfWork(_engine(session)), actor, action, reason=error.key,
        target_kind="account", target_id=str(target_id),
        region=region, department=department, details={**details, **error.params},
    )  # fmt: skip
    return error


def _account_state(session: Session, account_id: int) -> AccountState | None:
    return read_account_states(session, [account_id]).get(f"a:{account_id}")


def _effective_grants(session: Session, actor: Actor, actor_grants: Sequence[Grant]) -> list[Grant]:
    """The actor's grants that still hold in the database (a stale enforcer grants nothing
    it has lost)."""
    if actor.account_id is None:
        return []
    held = set(load_grants(session, subject_of(actor.account_id)))
    return [g for g in actor_grants if g in held and g.subject == subject_of(actor.account_id)]


def _authorise(
    session: Session,
    actor_grants: Sequence[Grant],
    target_id: int,
    role: str,
    domain: str,
    actor: Actor,
    action: str,
    *,
    revoking: bool,
) -> Grant:
    """The checks grant and revoke share; returns the target grant or raises (recorded)."""
    if role not in TEMPLATES:
        raise InvalidInput("err.rbac_unknown_role", role=role[:40])
    region, dept = parse_domain(domain)
    details: dict[str, object] = {"role": role, "domain": domain}

    def refuse(error: JzError) -> JzError:
        return _refuse(
            session, actor, action, error, target_id=target_id, region=region,
            department=dept, details=details,
        )  # fmt: skip

    if session.get(Account, target_id) is None:
        raise NotFound("err.rbac_account_missing", account=target_id)
    if actor.account_id is None:
        raise refuse(PermissionDenied("err.rbac_actor_unknown", login=actor.login))
    state = _account_state(session, actor.account_id)
    if state is None or not state.can_act():
        raise refuse(PermissionDenied("err.rbac_actor_inactive", login=actor.login))
    if actor.account_id == target_id:
        raise refuse(PermissionDenied("err.rbac_self_grant", role=role))
    target_grants = load_grants(session, subject_of(target_id))
    verdict = check_grant(
        _effective_grants(session, actor, actor_grants),
        role,
        domain,
        target_grants=[] if revoking else target_grants,
    )
    if not verdict.allowed:
        raise refuse(PermissionDenied(verdict.reason, role=role, domain=domain))
    if verdict.via is not None:
        details["via"] = verdict.via.line()
    return Grant(subject_of(target_id), role, region, dept)


def grant(
    session: Session,
    actor_grants: Sequence[Grant],
    target_account: int | Account,
    role: str,
    domain: str,
    actor: Actor,
) -> Grant:
    """Grant ``role`` in ``domain`` to the account: the g rule, the version bump and the
    ``role.grant`` audit event join the caller's transaction. A refusal rolls that
    transaction back, is recorded in one of its own, and raises PermissionDenied."""
    target_id = target_account if isinstance(target_account, int) else target_account.id
    new = _authorise(
        session, actor_grants, target_id, role, domain, actor, "role.grant", revoking=False
    )
    if has_rule(session, "g", new.subject, new.role, new.domain):
        raise Conflict("err.rbac_grant_exists", role=role, domain=domain)
    add_grant(session, new)
    record(
        session, actor, "role.grant", target_kind="account", target_id=str(target_id),
        region=new.region, department=new.department,
        details={"role": role, "domain": new.domain},
    )  # fmt: skip
    return new


def revoke(
    session: Session,
    actor_grants: Sequence[Grant],
    target_account: int | Account,
    role: str,
    domain: str,
    actor: Actor,
) -> Grant:
    """Revoke a grant; whoever could grant it may revoke it. Same transaction rules."""
    target_id = target_account if isinstance(target_account, int) else target_account.id
    old = _authorise(
        session, actor_grants, target_id, role, domain, actor, "role.revoke", revoking=True
    )
    if not remove_grant(session, old):
        raise NotFound("err.rbac_grant_missing", role=role, domain=domain)
    record(
        session, actor, "role.revoke", target_kind="account", target_id=str(target_id),
        region=old.region, department=old.department,
        details={"role": role, "domain": old.domain},
    )  # fmt: skip
    return old


def bootstrap_grant(
    session: Session, target_account: int | Account, role: str, region: str, actor: Actor
) -> Grant:
    """Set-up only (``jzctl init``): a separated provincial role for an account, while
    nobody holds it yet. Never yields two separated roles on one account."""
    target_id = target_account if isinstance(target_account, int) else target_account.id
    if role not in BOOTSTRAP_ROLES:
        raise InvalidInput("err.rbac_not_bootstrap_role", role=role[:40])
    domain = f"{region}|{ALL_DEPARTMENTS}"
    parse_domain(domain)
    if session.get(Account, target_id) is None:
        raise NotFound("err.rbac_account_missing", account=target_id)
    from rbac.store import holders

    if holders(session, role):
        raise Conflict("err.rbac_bootstrap_done", role=role)
    verdict_problem = template_problem(role, region, ALL_DEPARTMENTS)
    if verdict_problem:
        raise InvalidInput(verdict_problem, role=role, domain=domain)
    held = load_grants(session, subject_of(target_id))
    if any(g.role in SEPARATED_ROLES for g in held):
        raise PermissionDenied("err.rbac_separation", role=role, domain=domain)
    new = Grant(subject_of(target_id), role, region, ALL_DEPARTMENTS)
    add_grant(session, new)
    record(
        session, actor, "role.grant", target_kind="account", target_id=str(target_id),
        region=region, department=ALL_DEPARTMENTS,
        details={"role": role, "domain": domain, "bootstrap": True},
    )  # fmt: skip
    return new


# --- editing the role → action policy (the security admin) ---------------------------------


def policy_edit_problem(role: str, action: str) -> str | None:
    """Edits no console may make, whoever asks: they would break invariants 4 and 5."""
    from rbac.templates import (
        AUDIT_ADMIN,
        AUDIT_READ,
        BUSINESS_ACTIONS,
        POLICY_EDIT,
        SECURITY_ADMIN,
    )

    if action == "*":
        return "err.rbac_policy_wildcard"
    if action == AUDIT_READ and role != AUDIT_ADMIN:
        return "err.rbac_policy_audit_read"
    if action == POLICY_EDIT and role != SECURITY_ADMIN:
        return "err.rbac_policy_edit_role"
    if role in SEPARATED_ROLES and action in BUSINESS_ACTIONS:
        return "err.rbac_policy_separated"
    return None


def edit_policy(
    session: Session,
    actor_grants: Sequence[Grant],
    role: str,
    action: str,
    *,
    allow: bool,
    actor: Actor,
) -> bool:
    """Add (``allow``) or remove a ``p`` rule; only a holder of ``policy.edit`` may. Returns
    whether anything changed. Version bump and ``policy.edit`` event join the transaction."""
    from rbac.store import add_rule, load_policy, remove_rule
    from rbac.templates import ACTIONS, POLICY_EDIT

    if role not in TEMPLATES:
        raise InvalidInput("err.rbac_unknown_role", role=role[:40])
    if action not in ACTIONS and action != "*":
        raise InvalidInput("err.rbac_unknown_action", action=action[:40])
    details: dict[str, object] = {"role": role, "action": action, "allow": allow}

    def refuse(error: JzError) -> JzError:
        session.rollback()
        record_refusal(
            UnitOfWork(_engine(session)), actor, "policy.edit", reason=error.key,
            target_kind="policy", target_id=role, details=details,
        )  # fmt: skip
        return error

    if actor.account_id is None:
        raise refuse(PermissionDenied("err.rbac_actor_unknown", login=actor.login))
    state = _account_state(session, actor.account_id)
    if state is None or not state.can_act():
        raise refuse(PermissionDenied("err.rbac_actor_inactive", login=actor.login))
    editors = {p.role for p in load_policy(session) if p.action == POLICY_EDIT}
    if not any(g.role in editors for g in _effective_grants(session, actor, actor_grants)):
        raise refuse(PermissionDenied("err.rbac_policy_denied", login=actor.login))
    if allow:
        problem = policy_edit_problem(role, action)
        if problem:
            raise refuse(PermissionDenied(problem, role=role, action=action))
        if has_rule(session, "p", role, action):
            return False
        add_rule(session, "p", role, action)
    elif not remove_rule(session, "p", role, action):
        return False
    record(session, actor, "policy.edit", target_kind="policy", target_id=role, details=details)
    return True
