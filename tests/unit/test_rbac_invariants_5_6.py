"""Property tests over rbac's in-memory evaluator: random accounts with random grants never
break invariant 5 (only audit admins read the audit trail) or invariant 6 (an account that
is locked, suspended, disabled, archived, still pending or outside its validity window can
do nothing at all) of DESIGN.md."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casedb.models import ACCOUNT_STATUSES
from rbac.enforcer import ACTIVE, AccountState, Enforcer
from rbac.store import Grant
from rbac.templates import ACTIONS, ALL_DEPARTMENTS, AUDIT_ADMIN, AUDIT_READ, TEMPLATES
from tests.unit.test_rbac_properties import DEPTS, POLICY, PROV, ROLES, region_trees

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
INACTIVE_STATUSES = [s for s in ACCOUNT_STATUSES if s != ACTIVE]
SUBJECTS = [f"a:{i}" for i in range(8)]
# Requests name a real department or all of them (the console asks the trail at "*").
REQUEST_DEPTS = [*DEPTS, "health", "education"]

# One grant: (subject, role, region pick, department). Templates are not enforced here on
# purpose: the evaluator must hold the invariants for whatever rules the store holds.
grant_picks = st.tuples(
    st.sampled_from(SUBJECTS),
    st.sampled_from(ROLES),
    st.integers(0, 10_000),
    st.sampled_from(DEPTS),
)
request_picks = st.tuples(
    st.sampled_from(SUBJECTS),
    st.sampled_from(ACTIONS),
    st.integers(0, 10_000),
    st.sampled_from(REQUEST_DEPTS),
)


def build_grants(tree: list[str], picks: list[tuple[str, str, int, str]]) -> list[Grant]:
    return sorted(
        {Grant(s, role, tree[pick % len(tree)], dept) for s, role, pick, dept in picks},
        key=lambda g: g.line(),
    )


def test_the_shipped_policy_gives_audit_read_to_the_audit_admin_alone() -> None:
    assert {p.role for p in POLICY if p.action == AUDIT_READ} == {AUDIT_ADMIN}
    assert [code for code, tpl in TEMPLATES.items() if AUDIT_READ in tpl.actions] == [AUDIT_ADMIN]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    tree=region_trees(),
    picks=st.lists(grant_picks, min_size=1, max_size=30),
    requests=st.lists(request_picks, min_size=1, max_size=30),
    audit_holders=st.lists(st.sampled_from(SUBJECTS), max_size=2),
)
def test_invariant_5_only_audit_admins_read_the_trail(
    tree: list[str],
    picks: list[tuple[str, str, int, str]],
    requests: list[tuple[str, str, int, str]],
    audit_holders: list[str],
) -> None:
    # Some accounts surely hold the audit admin role as init grants it (province, "*").
    grants = build_grants(tree, picks) + [
        Grant(s, AUDIT_ADMIN, PROV, ALL_DEPARTMENTS) for s in sorted(set(audit_holders))
    ]
    enf = Enforcer.from_rules(POLICY, grants)
    for subject in SUBJECTS:
        mine = [g for g in grants if g.subject == subject]
        audit_grants = [g for g in mine if g.role == AUDIT_ADMIN]
        # The console's question (the whole trail: the province, every department).
        asked = enf.decide(subject, AUDIT_READ, PROV, ALL_DEPARTMENTS)
        whole = any(g.region == PROV and g.department == ALL_DEPARTMENTS for g in audit_grants)
        assert asked.allowed == whole, (subject, mine)
        if asked.allowed:
            assert asked.matched_grant is not None and asked.matched_grant.role == AUDIT_ADMIN
        # Anywhere else too: audit.read is allowed only through an audit admin grant.
        for region in tree:
            for dept in REQUEST_DEPTS:
                d = enf.decide(subject, AUDIT_READ, region, dept)
                if d.allowed:
                    assert d.matched_grant is not None and d.matched_grant.role == AUDIT_ADMIN
                    assert d.matched_grant in audit_grants
                elif not audit_grants:
                    assert d.reason == "rbac.deny_no_role"
    for subject, _action, pick, dept in requests:
        d = enf.decide(subject, AUDIT_READ, tree[pick % len(tree)], dept)
        holds = any(g.subject == subject and g.role == AUDIT_ADMIN for g in grants)
        assert not d.allowed or holds


@st.composite
def cannot_act(draw: st.DrawFn) -> AccountState:
    """A state that may not act at ``NOW``: not active, or active outside its window."""
    kind = draw(st.sampled_from(["status", "not_yet", "expired", "status_in_window"]))
    hours = draw(st.integers(0, 24 * 400))
    seconds = draw(st.integers(0, 3600))
    delta = timedelta(hours=hours, seconds=seconds)
    if kind == "status":
        return AccountState(draw(st.sampled_from(INACTIVE_STATUSES)))
    if kind == "status_in_window":
        return AccountState(
            draw(st.sampled_from(INACTIVE_STATUSES)), NOW - delta - timedelta(days=1), NOW + delta
        )
    if kind == "not_yet":
        start = NOW + delta + timedelta(seconds=1)
        end = draw(st.none() | st.just(start + timedelta(days=30)))
        return AccountState(ACTIVE, start, end)
    # expired: valid_until at or before now (the window is half-open)
    end = NOW - delta
    start = draw(st.none() | st.just(end - timedelta(days=30)))
    return AccountState(ACTIVE, start, end)


@st.composite
def can_act(draw: st.DrawFn) -> AccountState:
    hours = draw(st.integers(0, 24 * 400))
    before = draw(st.none() | st.just(NOW - timedelta(hours=hours)))
    after = draw(st.none() | st.just(NOW + timedelta(hours=hours, seconds=1)))
    return AccountState(ACTIVE, before, after)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    tree=region_trees(),
    picks=st.lists(grant_picks, min_size=1, max_size=30),
    states=st.lists(st.one_of(cannot_act(), can_act()), min_size=8, max_size=8),
    requests=st.lists(request_picks, min_size=1, max_size=40),
)
def test_invariant_6_an_account_that_cannot_act_is_refused_everything(
    tree: list[str],
    picks: list[tuple[str, str, int, str]],
    states: list[AccountState],
    requests: list[tuple[str, str, int, str]],
) -> None:
    grants = build_grants(tree, picks)
    # Every subject also holds every role over the whole province: only its state may stop it.
    grants += [Grant(s, role, PROV, ALL_DEPARTMENTS) for s in SUBJECTS[:2] for role in ROLES]
    by_subject = dict(zip(SUBJECTS, states, strict=True))
    enf = Enforcer.from_rules(POLICY, grants, by_subject)
    active_enf = Enforcer.from_rules(POLICY, grants)  # the same rules, everyone active
    for subject, action, pick, dept in requests:
        region = tree[pick % len(tree)]
        state = by_subject[subject]
        d = enf.decide(subject, action, region, dept, now=NOW)
        if not state.can_act(NOW):
            assert not d.allowed and d.reason == "rbac.deny_inactive", (state, d)
            # The state given with the request decides too, whatever the loaded one says.
            assert not active_enf.decide(subject, action, region, dept, state, now=NOW).allowed
        else:
            # An account that may act gets exactly what its grants give it.
            assert d == active_enf.decide(subject, action, region, dept, now=NOW)
    # For every account that cannot act, nothing at all is allowed: every action, everywhere.
    for subject, state in by_subject.items():
        if state.can_act(NOW):
            continue
        for action in ACTIONS:
            for region in tree:
                for dept in REQUEST_DEPTS:
                    assert not enf.decide(subject, action, region, dept, now=NOW).allowed
    # Unknown accounts (no state loaded) are refused too.
    assert enf.decide("a:99", AUDIT_READ, PROV, ALL_DEPARTMENTS).reason == (
        "rbac.deny_unknown_account"
    )


def test_the_random_states_cover_every_kind_of_inactive_account() -> None:
    """A check on the strategy: it yields every inactive status and both window edges."""
    seen: set[str] = set()

    @settings(max_examples=300, derandomize=True, database=None, deadline=None)
    @given(state=cannot_act())
    def collect(state: AccountState) -> None:
        assert not state.can_act(NOW)
        if state.status != ACTIVE:
            seen.add(state.status)
        elif state.valid_from is not None and state.valid_from > NOW:
            seen.add("not_yet")
        else:
            seen.add("expired")

    collect()
    assert seen >= {*INACTIVE_STATUSES, "not_yet", "expired"}, seen
