"""Why a decision went the way it did: every grant the account holds, whether its role's
policy has the action, whether its domain covers the request, and the lines that decided."""

from __future__ import annotations

from dataclasses import dataclass

from rbac.enforcer import AccountState, Decision, Enforcer
from rbac.store import Grant, PolicyLine, subject_of


@dataclass(frozen=True)
class GrantTrace:
    grant: Grant
    policy: PolicyLine | None  # the p line giving this grant's role the action, if any
    covers: bool  # whether the grant's domain covers the requested region and department

    @property
    def decides(self) -> bool:
        return self.policy is not None and self.covers


@dataclass(frozen=True)
class Explanation:
    subject: str
    action: str
    region: str
    department: str
    state: AccountState | None
    decision: Decision
    traces: tuple[GrantTrace, ...]

    def lines(self) -> list[str]:
        """The policy lines that decided, in Casbin's syntax (not translated)."""
        d = self.decision
        if d.allowed and d.matched_grant and d.matched_policy:
            return [d.matched_grant.line(), d.matched_policy.line()]
        return []


def explain(
    enforcer: Enforcer,
    subject: int | str,
    action: str,
    region: str,
    department: str,
    state: AccountState | None = None,
) -> Explanation:
    subj = subject_of(subject)
    decision = enforcer.decide(subj, action, region, department, state)
    traces = tuple(
        GrantTrace(g, enforcer.policy_line(g.role, action), g.covers(region, department))
        for g in enforcer.grants_of(subj)
    )
    return Explanation(
        subj,
        action,
        region,
        department,
        state or enforcer.state_of(subj),
        decision,
        traces,
    )
