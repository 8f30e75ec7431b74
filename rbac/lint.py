"""Dangerous policy: wildcards, roles that can grant themselves or their superiors, roles
nobody can reach, separated roles touching business data, one account in two separated roles.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from casedb.regions import Level
from rbac.store import Grant, PolicyLine, load_grants, load_policy
from rbac.templates import (
    ALL_DEPARTMENTS,
    AUDIT_ADMIN,
    AUDIT_READ,
    BOOTSTRAP_ROLES,
    BUSINESS_ACTIONS,
    CHILD,
    GRANT_RULES,
    SAME,
    SEPARATED_ROLES,
    SUBTREE,
    TEMPLATES,
    GrantRule,
    RoleTemplate,
)


@dataclass(frozen=True)
class Finding:
    kind: str  # message key: rbac.lint_<kind>
    subject: str  # the role, account subject or rule concerned
    detail: str  # the offending rule line

    @property
    def key(self) -> str:
        return f"rbac.lint_{self.kind}"


def reachable(
    rules: Sequence[GrantRule] = GRANT_RULES,
    templates: Mapping[str, RoleTemplate] = TEMPLATES,
) -> set[tuple[str, int]]:
    """Every (role, level) some chain of grants from the set-up roles can produce."""
    seen = {(r, int(lv)) for r in BOOTSTRAP_ROLES if r in templates for lv in templates[r].levels}
    todo = list(seen)
    while todo:
        role, level = todo.pop()
        for rule in rules:
            if rule.granter != role or rule.target not in templates:
                continue
            target = templates[rule.target]
            if rule.where == SAME:
                levels = [level]
            elif rule.where == CHILD:
                levels = [level + 1]
            else:
                levels = list(range(level, int(Level.VILLAGE) + 1))
            for lv in levels:
                if lv not in target.levels:
                    continue
                if (lv, target.rank) <= (level, templates[role].rank):
                    continue
                if (rule.target, lv) not in seen:
                    seen.add((rule.target, lv))
                    todo.append((rule.target, lv))
    return seen


def lint(
    policy: Iterable[PolicyLine],
    grants: Iterable[Grant],
    rules: Sequence[GrantRule] = GRANT_RULES,
    templates: Mapping[str, RoleTemplate] = TEMPLATES,
) -> list[Finding]:
    out: list[Finding] = []
    for p in policy:
        if p.role not in templates:
            out.append(Finding("unknown_role", p.role, p.line()))
        if p.action == "*":
            out.append(Finding("wildcard_action", p.role, p.line()))
        if p.action == AUDIT_READ and p.role != AUDIT_ADMIN:
            out.append(Finding("audit_read", p.role, p.line()))
        if p.role in SEPARATED_ROLES and (p.action in BUSINESS_ACTIONS or p.action == "*"):
            out.append(Finding("separated_business", p.role, p.line()))
    separated: dict[str, set[str]] = {}
    for g in grants:
        t = templates.get(g.role)
        if t is None:
            out.append(Finding("unknown_role", g.role, g.line()))
            continue
        if g.department == ALL_DEPARTMENTS and ALL_DEPARTMENTS not in t.departments:
            kind = "province_wildcard" if g.level == Level.PROVINCE else "wildcard_department"
            out.append(Finding(kind, g.subject, g.line()))
        elif g.level not in t.levels or (
            g.department not in t.departments and g.department != ALL_DEPARTMENTS
        ):
            out.append(Finding("off_template", g.subject, g.line()))
        if g.role in SEPARATED_ROLES:
            separated.setdefault(g.subject, set()).add(g.role)
    out.extend(
        Finding("separated_overlap", subject, ", ".join(sorted(roles)))
        for subject, roles in sorted(separated.items())
        if len(roles) > 1
    )
    for rule in rules:
        line = f"{rule.granter} -> {rule.target} ({rule.where})"
        granter, target = templates.get(rule.granter), templates.get(rule.target)
        if granter is None or target is None:
            out.append(Finding("unknown_role", rule.granter, line))
            continue
        if rule.where in (SAME, SUBTREE) and target.rank <= granter.rank:
            out.append(Finding("grants_superior", rule.granter, line))
        if rule.target in SEPARATED_ROLES:
            out.append(Finding("grants_separated", rule.granter, line))
    reached = reachable(rules, templates)
    out.extend(
        Finding("unreachable", t.code, f"{t.code} @ level {int(lv)}")
        for t in templates.values()
        for lv in sorted(t.levels)
        if (t.code, int(lv)) not in reached
    )
    return out


def lint_db(session: Session) -> list[Finding]:
    """Lint what the database holds (a full load)."""
    return lint(load_policy(session), load_grants(session))
