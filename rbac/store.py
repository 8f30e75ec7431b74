"""The policy store: our own small adapter over ``policy_rules`` on the caller's session.

Every write joins the caller's unit of work and bumps ``policy_version`` in it, so a policy
row commits with the account change and its audit event, or not at all. Readers load only
what they need: the role → action rules (small) and one subject's grants, or everything
for lint and coverage.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, delete, insert, select, update
from sqlalchemy.orm import Session

from casedb.errors import InvalidInput
from casedb.reference import DEPARTMENT_CODES
from casedb.regions import is_code, level_of
from rbac.models import RULE_FIELDS, PolicyRuleRow, PolicyVersion
from rbac.templates import ALL_DEPARTMENTS

RULES_T: Table = PolicyRuleRow.__table__  # type: ignore[assignment]
VERSION_T: Table = PolicyVersion.__table__  # type: ignore[assignment]

# Casbin's RBAC-with-domains model. The domain matching function is ours (prefix of the
# division code, department or "*"); see rbac.enforcer for why decisions do not go through it.
MODEL_TEXT = """
[request_definition]
r = sub, dom, act

[policy_definition]
p = sub, act

[role_definition]
g = _, _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = g(r.sub, p.sub, r.dom) && (r.act == p.act || p.act == "*")
"""

_PREFIX_CUT = (("0000000000", 2), ("00000000", 4), ("000000", 6), ("000", 9))


def code_prefix(code: str) -> str:
    """The significant prefix of a well-formed 12-digit code (fast; no validation)."""
    for zeros, keep in _PREFIX_CUT:
        if code.endswith(zeros):
            return code[:keep]
    return code


def subject_of(account_id: int | str) -> str:
    if isinstance(account_id, int):
        return f"a:{account_id}"
    return account_id


def account_id_of(subject: str) -> int | None:
    if subject.startswith("a:") and subject[2:].isdigit():
        return int(subject[2:])
    return None


@dataclass(frozen=True, slots=True)
class Grant:
    """A ``g`` rule: the subject holds the role in region's subtree × department."""

    subject: str
    role: str
    region: str
    department: str
    prefix: str = field(default="", compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.prefix:
            object.__setattr__(self, "prefix", code_prefix(self.region))

    @property
    def domain(self) -> str:
        return f"{self.region}|{self.department}"

    @property
    def level(self) -> int:
        return len_to_level(len(self.prefix))

    def covers(self, region: str, department: str) -> bool:
        """Whether a request at (region, department) lies in this grant's domain."""
        return region.startswith(self.prefix) and (self.department in (ALL_DEPARTMENTS, department))

    def covers_domain(self, other: Grant) -> bool:
        """Whether another grant's whole domain lies inside this one's."""
        return other.prefix.startswith(self.prefix) and (
            self.department in (ALL_DEPARTMENTS, other.department)
        )

    def line(self) -> str:
        return f"g, {self.subject}, {self.role}, {self.domain}"


def len_to_level(n: int) -> int:
    return {2: 1, 4: 2, 6: 3, 9: 4, 12: 5}[n]


@dataclass(frozen=True, slots=True)
class PolicyLine:
    """A ``p`` rule: the role may do the action (in the domains it is granted in)."""

    role: str
    action: str

    def line(self) -> str:
        return f"p, {self.role}, {self.action}"


def parse_domain(domain: str) -> tuple[str, str]:
    """``"530102000000|civil"`` → (region, department); InvalidInput when malformed."""
    region, sep, dept = domain.partition("|")
    if not sep or not is_valid_region(region) or not is_valid_department(dept):
        raise InvalidInput("err.rbac_bad_domain", domain=domain[:80])
    return region, dept


def is_valid_region(region: str) -> bool:
    if not is_code(region):
        return False
    try:
        level_of(region)
    except ValueError:
        return False
    return True


def is_valid_department(dept: str) -> bool:
    return dept == ALL_DEPARTMENTS or dept in DEPARTMENT_CODES


# --- reading ------------------------------------------------------------------------------


def current_version(session: Session) -> int:
    value = session.execute(select(VERSION_T.c.version).where(VERSION_T.c.id == 1)).scalar()
    return int(value or 0)


def _grant(subject: str, role: str, domain: str) -> Grant:
    region, _, dept = domain.partition("|")
    return Grant(subject, role, region, dept, code_prefix(region))


def load_policy(session: Session) -> list[PolicyLine]:
    rows = session.execute(
        select(RULES_T.c.v0, RULES_T.c.v1).where(RULES_T.c.ptype == "p").order_by(RULES_T.c.id)
    )
    return [PolicyLine(r.v0, r.v1) for r in rows]


def load_grants(session: Session, subject: str | None = None) -> list[Grant]:
    """One subject's grants (an index lookup), or every grant when subject is None."""
    stmt = select(RULES_T.c.v0, RULES_T.c.v1, RULES_T.c.v2).where(RULES_T.c.ptype == "g")
    if subject is not None:
        stmt = stmt.where(RULES_T.c.v0 == subject)
    # Core rows on the session's connection: the full load reads ~200,000 of them.
    return [_grant(*r) for r in session.connection().execute(stmt.order_by(RULES_T.c.id))]


def holders(session: Session, role: str) -> list[Grant]:
    stmt = select(RULES_T.c.v0, RULES_T.c.v1, RULES_T.c.v2).where(
        RULES_T.c.ptype == "g", RULES_T.c.v1 == role
    )
    return [_grant(*r) for r in session.execute(stmt)]


# --- writing (in the caller's transaction) ------------------------------------------------


def bump_version(session: Session) -> int:
    """Take the version row's lock and move it on; returns the new version."""
    session.execute(
        update(VERSION_T).where(VERSION_T.c.id == 1).values(version=VERSION_T.c.version + 1)
    )
    return current_version(session)


def _values(ptype: str, values: Sequence[str]) -> dict[str, str]:
    if len(values) > len(RULE_FIELDS):
        raise ValueError("a rule has at most six fields")
    row = {"ptype": ptype}
    row.update({f: (values[i] if i < len(values) else "") for i, f in enumerate(RULE_FIELDS)})
    return row


def has_rule(session: Session, ptype: str, *values: str) -> bool:
    row = _values(ptype, values)
    stmt = select(RULES_T.c.id).where(*(RULES_T.c[k] == v for k, v in row.items())).limit(1)
    return session.execute(stmt).first() is not None


def add_rules(session: Session, ptype: str, rules: Iterable[Sequence[str]]) -> int:
    """Insert rules in one batch (executemany) and bump the version once."""
    rows = [_values(ptype, r) for r in rules]
    if not rows:
        return 0
    session.execute(insert(RULES_T), rows)
    bump_version(session)
    return len(rows)


def add_rule(session: Session, ptype: str, *values: str) -> None:
    add_rules(session, ptype, [values])


def remove_rule(session: Session, ptype: str, *values: str) -> bool:
    row = _values(ptype, values)
    result = session.execute(delete(RULES_T).where(*(RULES_T.c[k] == v for k, v in row.items())))
    removed = bool(getattr(result, "rowcount", 0))
    if removed:
        bump_version(session)
    return removed


def add_grant(session: Session, grant: Grant) -> None:
    add_rule(session, "g", grant.subject, grant.role, grant.domain)


def remove_grant(session: Session, grant: Grant) -> bool:
    return remove_rule(session, "g", grant.subject, grant.role, grant.domain)


def seed_default_policy(session: Session) -> int:
    """Insert the shipped role → action rules that are missing; returns how many."""
    from rbac.templates import default_policy

    have = {(p.role, p.action) for p in load_policy(session)}
    return add_rules(session, "p", [r for r in default_policy() if r not in have])


# --- Casbin's adapter interface, on our session -------------------------------------------


class SessionAdapter:
    """A pycasbin adapter over ``policy_rules`` on one Session (never commits on its own).

    ``load_policy`` loads every ``p`` rule and, with ``subject`` set, only that subject's
    ``g`` rules (a filtered load: what one admin's decisions need)."""

    def __init__(self, session: Session, subject: str | None = None) -> None:
        self.session = session
        self.subject = subject

    def is_filtered(self) -> bool:
        return self.subject is not None

    def load_policy(self, model: Any) -> None:
        for p in load_policy(self.session):
            model.add_policy("p", "p", [p.role, p.action])
        for g in load_grants(self.session, self.subject):
            model.add_policy("g", "g", [g.subject, g.role, g.domain])

    def save_policy(self, model: Any) -> bool:
        raise NotImplementedError("policy is written rule by rule in the caller's transaction")

    def add_policy(self, sec: str, ptype: str, rule: Sequence[str]) -> None:
        add_rule(self.session, ptype, *rule)

    def add_policies(self, sec: str, ptype: str, rules: Sequence[Sequence[str]]) -> None:
        add_rules(self.session, ptype, rules)

    def remove_policy(self, sec: str, ptype: str, rule: Sequence[str]) -> None:
        remove_rule(self.session, ptype, *rule)

    def remove_filtered_policy(
        self, sec: str, ptype: str, field_index: int, *field_values: str
    ) -> None:
        raise NotImplementedError


def casbin_enforcer(session: Session, subject: str | None = None) -> Any:
    """pycasbin on the same rules, through ``SessionAdapter`` and our domain matching
    function (prefix of the division code; department or ``*``). With ``subject`` it loads
    only that subject's grants. Used to cross-check and to measure; imports casbin lazily."""
    import casbin
    from casbin import model as casbin_model
    from casbin.persist import Adapter

    m = casbin_model.Model()
    m.load_model_from_text(MODEL_TEXT)
    adapter_cls = type("CasbinSessionAdapter", (SessionAdapter, Adapter), {})
    enforcer = casbin.Enforcer(m, adapter_cls(session, subject))

    def domain_match(request: str, pattern: str) -> bool:
        region, _, dept = request.partition("|")
        p_region, _, p_dept = pattern.partition("|")
        return region.startswith(code_prefix(p_region)) and p_dept in (ALL_DEPARTMENTS, dept)

    enforcer.add_named_domain_matching_func("g", domain_match)
    # The known trap: the domain role manager's default equality matcher makes building
    # role links quadratic; names match exactly here, so none is needed.
    enforcer.get_role_manager().matching_func = None
    # A filtered adapter is not loaded by the constructor; this load builds the role links.
    enforcer.load_policy()
    return enforcer
