"""Role templates, decisions and who-grants-what, without a database."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from casedb.regions import Level, level_of
from rbac.enforcer import AccountState, Enforcer
from rbac.explain import explain
from rbac.grants import check_grant, policy_edit_problem
from rbac.lint import lint
from rbac.store import Grant, PolicyLine
from rbac.templates import (
    AUDIT_ADMIN,
    CASEWORKER,
    COORD_ADMIN,
    DEPT_ADMIN,
    GRANT_RULES,
    SECURITY_ADMIN,
    SEPARATED_ROLES,
    SUBTREE,
    SYSTEM_ADMIN,
    TEMPLATES,
    UNIT_HEAD,
    GrantRule,
    default_policy,
)

PROV = "530000000000"
PREF = "530100000000"
COUNTY = "530102000000"
SIBLING = "530103000000"
TOWN = "530102001000"
VILLAGE = "530102001001"
CODE_AT = {1: PROV, 2: PREF, 3: COUNTY, 4: TOWN, 5: VILLAGE}
POLICY = [PolicyLine(r, a) for r, a in default_policy()]


def g(subject: str, role: str, region: str, dept: str) -> Grant:
    return Grant(subject, role, region, dept)


def test_the_migration_ships_the_default_policy() -> None:
    path = Path(__file__).resolve().parents[2] / "casedb/migrations/versions/0004_rbac.py"
    spec = importlib.util.spec_from_file_location("m0004", path)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert sorted(mod.DEFAULT_POLICY) == default_policy()


def test_the_shipped_policy_and_rules_lint_clean() -> None:
    assert lint(POLICY, []) == []


@pytest.mark.parametrize(
    ("role", "level"),
    [(t.code, int(lv)) for t in TEMPLATES.values() for lv in sorted(t.levels)],
)
def test_every_template_at_every_level(role: str, level: int) -> None:
    """Each template decides its own actions inside its domain and nothing outside it."""
    t = TEMPLATES[role]
    dept = "*" if "*" in t.departments else sorted(t.departments)[0]
    region = CODE_AT[level]
    grant = g("a:1", role, region, dept)
    enf = Enforcer.from_rules(POLICY, [grant])
    inside_dept = "civil" if dept == "*" else dept
    below = VILLAGE if level < 5 else region
    for action in t.actions:
        d = enf.decide("a:1", action, below, inside_dept)
        assert (
            d.allowed and d.matched_grant == grant and d.matched_policy == PolicyLine(role, action)
        )
        outside = "540000000000" if level == 1 else "532300000000"
        assert not enf.decide("a:1", action, outside, inside_dept).allowed
        if dept != "*":
            assert not enf.decide("a:1", action, region, "water" if dept != "water" else "civil")
    if level > 1:
        assert not enf.can("a:1", sorted(t.actions)[0], PROV, inside_dept)
    for action in {"audit.read", "policy.edit"} - t.actions:
        assert enf.decide("a:1", action, region, inside_dept).reason == "rbac.deny_no_role"
    if role in SEPARATED_ROLES:
        assert not any(enf.can("a:1", a, VILLAGE, "civil") for a in ("case.read", "account.reveal"))
    # A grant rule reaches it (or it is a set-up role).
    assert lint(POLICY, [grant]) == []


def test_an_inactive_or_expired_account_can_do_nothing() -> None:
    from datetime import UTC, datetime, timedelta

    enf = Enforcer.from_rules(POLICY, [g("a:1", COORD_ADMIN, PREF, "*")])
    now = datetime.now(UTC)
    assert enf.can("a:1", "case.read", COUNTY, "civil")
    for st in ("locked", "suspended", "disabled", "archived", "pending"):
        d = enf.decide("a:1", "case.read", COUNTY, "civil", AccountState(st))
        assert d.reason == "rbac.deny_inactive"
    expired = AccountState("active", valid_until=now - timedelta(days=1))
    early = AccountState("active", valid_from=now + timedelta(days=1))
    for st2 in (expired, early):
        assert not enf.decide("a:1", "case.read", COUNTY, "civil", st2).allowed
    strict = Enforcer.from_rules(POLICY, [g("a:1", COORD_ADMIN, PREF, "*")], states={})
    assert strict.decide("a:1", "case.read", COUNTY, "civil").reason == "rbac.deny_unknown_account"


def test_explain_names_the_grant_and_the_policy_line() -> None:
    enf = Enforcer.from_rules(POLICY, [g("a:7", DEPT_ADMIN, COUNTY, "civil")])
    ex = explain(enf, 7, "account.create", TOWN, "civil")
    assert ex.decision.allowed
    assert ex.lines() == [
        "g, a:7, dept_admin, 530102000000|civil",
        "p, dept_admin, account.create",
    ]
    ex2 = explain(enf, 7, "account.create", SIBLING, "civil")
    assert not ex2.decision.allowed and ex2.decision.reason == "rbac.deny_out_of_scope"
    assert ex2.traces[0].policy is not None and not ex2.traces[0].covers


def test_decide_refuses_malformed_domains() -> None:
    enf = Enforcer.from_rules(POLICY, [g("a:1", COORD_ADMIN, PROV, "*")])
    for region in ("53", "530000000000 ", "５３００００００００００", "530002001000"):
        assert enf.decide("a:1", "case.read", region, "civil").reason == "rbac.deny_bad_domain"
    assert not enf.can("a:1", "case.read", COUNTY, "nope")


# --- who may grant what: the known escalation routes --------------------------------------

COUNTY_COORD = [g("a:1", COORD_ADMIN, COUNTY, "*")]
COUNTY_CIVIL = [g("a:2", DEPT_ADMIN, COUNTY, "civil")]
PROV_COORD = [g("a:3", COORD_ADMIN, PROV, "*")]
SEC = [g("a:4", SECURITY_ADMIN, PROV, "*")]


def reason(granter: list[Grant], role: str, domain: str, **kw: list[Grant]) -> str:
    return check_grant(granter, role, domain, **kw).reason


def test_the_intended_grants_are_allowed() -> None:
    assert check_grant(SEC, COORD_ADMIN, f"{PROV}|*").allowed
    assert check_grant(PROV_COORD, COORD_ADMIN, f"{PREF}|*").allowed
    assert check_grant(PROV_COORD, DEPT_ADMIN, f"{PROV}|water").allowed
    assert check_grant([g("a:5", COORD_ADMIN, PREF, "*")], COORD_ADMIN, f"{COUNTY}|*").allowed
    for dept in ("civil", "hrss", "housing", "water", "education", "health", "medins"):
        assert check_grant(COUNTY_COORD, DEPT_ADMIN, f"{COUNTY}|{dept}").allowed
    assert check_grant(COUNTY_COORD, "township_leader", f"{TOWN}|*").allowed
    for role in (UNIT_HEAD, "leader", CASEWORKER):
        assert check_grant(COUNTY_CIVIL, role, f"{COUNTY}|civil").allowed
    assert check_grant(COUNTY_CIVIL, CASEWORKER, f"{VILLAGE}|civil").allowed


def test_delegated_admin_cannot_grant_a_higher_or_the_coordinator_role() -> None:
    """The Keycloak group-join shape: a delegated admin making itself (or a friend) more."""
    assert reason(COUNTY_CIVIL, COORD_ADMIN, f"{COUNTY}|*") == "err.rbac_grant_not_allowed"
    assert reason(COUNTY_CIVIL, DEPT_ADMIN, f"{COUNTY}|civil") == "err.rbac_grant_not_allowed"
    assert reason(COUNTY_COORD, COORD_ADMIN, f"{COUNTY}|*") == "err.rbac_grant_out_of_scope"
    assert reason(COUNTY_COORD, COORD_ADMIN, f"{PREF}|*") in {
        "err.rbac_grant_out_of_scope",
        "err.rbac_role_level",
    }
    assert not check_grant(COUNTY_COORD, SYSTEM_ADMIN, f"{PROV}|*").allowed


def test_no_editing_outside_the_granted_subtree() -> None:
    """The Syncope SYNCOPE-1856 shape: acting on a region outside the subtree."""
    assert reason(COUNTY_CIVIL, CASEWORKER, f"{PREF}|civil") == "err.rbac_grant_out_of_scope"
    assert reason(COUNTY_CIVIL, CASEWORKER, "532300000000|civil") == "err.rbac_grant_out_of_scope"
    enf = Enforcer.from_rules(POLICY, COUNTY_CIVIL)
    assert not enf.can("a:2", "account.update", PREF, "civil")
    assert not enf.can("a:2", "account.update", "532301000000", "civil")


def test_no_granting_in_a_sibling_county() -> None:
    assert reason(COUNTY_COORD, DEPT_ADMIN, f"{SIBLING}|civil") == "err.rbac_grant_out_of_scope"
    assert reason(COUNTY_CIVIL, CASEWORKER, f"{SIBLING}001001|civil"[:12] + "|civil") in {
        "err.rbac_grant_out_of_scope",
    }


def test_no_granting_a_department_one_does_not_hold() -> None:
    assert reason(COUNTY_CIVIL, CASEWORKER, f"{COUNTY}|water") == "err.rbac_grant_department"
    assert reason(COUNTY_CIVIL, CASEWORKER, f"{COUNTY}|coord") == "err.rbac_grant_department"


def test_a_security_admin_cannot_become_audit_admin() -> None:
    assert reason(SEC, AUDIT_ADMIN, f"{PROV}|*", target_grants=SEC) == "err.rbac_separation"
    assert not check_grant(SEC, AUDIT_ADMIN, f"{PROV}|*").allowed
    assert not check_grant(SEC, SECURITY_ADMIN, f"{PROV}|*").allowed


def test_role_templates_bound_levels_and_departments() -> None:
    assert reason(COUNTY_COORD, DEPT_ADMIN, f"{COUNTY}|coord") == "err.rbac_role_department"
    assert reason(COUNTY_CIVIL, UNIT_HEAD, f"{VILLAGE}|civil") == "err.rbac_role_level"
    assert reason(COUNTY_CIVIL, CASEWORKER, f"{COUNTY}|*") == "err.rbac_role_department"


def test_lint_finds_dangerous_policy() -> None:
    bad_rules = (*GRANT_RULES, GrantRule(DEPT_ADMIN, DEPT_ADMIN, SUBTREE))
    kinds = {f.kind for f in lint(POLICY, [], rules=bad_rules)}
    assert "grants_superior" in kinds
    policy = [*POLICY, PolicyLine(CASEWORKER, "*"), PolicyLine(UNIT_HEAD, "audit.read")]
    policy.append(PolicyLine(SYSTEM_ADMIN, "case.read"))
    grants = [
        g("a:1", CASEWORKER, PROV, "*"),
        g("a:2", SECURITY_ADMIN, PROV, "*"),
        g("a:2", AUDIT_ADMIN, PROV, "*"),
    ]
    kinds = {f.kind for f in lint(policy, grants)}
    assert {
        "wildcard_action",
        "audit_read",
        "separated_business",
        "province_wildcard",
        "separated_overlap",
    } <= kinds
    no_dept_rules = tuple(r for r in GRANT_RULES if r.target != DEPT_ADMIN)
    unreachable = {
        f.subject for f in lint(POLICY, [], rules=no_dept_rules) if f.kind == "unreachable"
    }
    assert DEPT_ADMIN in unreachable


def test_policy_edits_that_would_break_separation_are_refused() -> None:
    assert policy_edit_problem(UNIT_HEAD, "audit.read") == "err.rbac_policy_audit_read"
    assert policy_edit_problem(AUDIT_ADMIN, "case.read") == "err.rbac_policy_separated"
    assert policy_edit_problem(COORD_ADMIN, "policy.edit") == "err.rbac_policy_edit_role"
    assert policy_edit_problem(COORD_ADMIN, "*") == "err.rbac_policy_wildcard"
    assert policy_edit_problem(COORD_ADMIN, "case.reassign") is None


def test_levels_of_the_example_codes() -> None:
    assert [int(level_of(CODE_AT[i])) for i in range(1, 6)] == [1, 2, 3, 4, 5]
    assert Level.VILLAGE in TEMPLATES[CASEWORKER].levels
