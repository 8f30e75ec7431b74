"""The policy store on both backends: grants commit with their audit event or not at all,
refusals are recorded, the version moves, and another console sees the change."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, insert, select

import rbac.models  # noqa: F401  (registers the policy tables on the metadata)
from audit_log.actor import Actor
from audit_log.models import AuditEvent
from casedb.errors import PermissionDenied
from casedb.models import Account
from rbac.enforcer import Enforcer
from rbac.grants import bootstrap_grant, edit_policy, grant, revoke
from rbac.lint import lint_db
from rbac.models import PolicyRuleRow
from rbac.store import Grant, casbin_enforcer, current_version, load_grants

PROV, PREF, COUNTY, SIBLING, TOWN = (
    "530000000000",
    "530100000000",
    "530102000000",
    "530103000000",
    "530102001000",
)


def _accounts(db: Any) -> dict[str, int]:
    people = {
        "sec": (PROV, "coord"),
        "audit": (PROV, "coord"),
        "pcoord": (PROV, "coord"),
        "fcoord": (PREF, "coord"),
        "ccoord": (COUNTY, "coord"),
        "civil": (COUNTY, "civil"),
        "worker": (TOWN, "civil"),
        "other": (SIBLING, "civil"),
    }
    now = datetime.now(UTC)
    with db.uow() as uow:
        for i, (login, (region, dept)) in enumerate(people.items(), start=1):
            uow.session.execute(
                insert(Account).values(
                    id=i, login_name=login, full_name=login, region_code=region,
                    department_code=dept, post="", status="active", created_at=now,
                )
            )  # fmt: skip
        uow.commit()
    return {login: i for i, login in enumerate(people, start=1)}


def actor(ids: dict[str, int], login: str) -> Actor:
    return Actor(login=login, account_id=ids[login], host="test", terminal="-")


def setup_chain(db: Any, ids: dict[str, int]) -> None:
    """Set-up grants, then the chain province → prefecture → county → department."""
    with db.uow() as uow:
        s = uow.session
        bootstrap_grant(s, ids["sec"], "security_admin", PROV, actor(ids, "sec"))
        bootstrap_grant(s, ids["audit"], "audit_admin", PROV, actor(ids, "audit"))
        uow.commit()
    steps = [
        ("sec", "pcoord", "coord_admin", f"{PROV}|*"),
        ("pcoord", "fcoord", "coord_admin", f"{PREF}|*"),
        ("fcoord", "ccoord", "coord_admin", f"{COUNTY}|*"),
        ("ccoord", "civil", "dept_admin", f"{COUNTY}|civil"),
    ]
    for granter, target, role, domain in steps:
        with db.uow() as uow:
            mine = load_grants(uow.session, f"a:{ids[granter]}")
            grant(uow.session, mine, ids[target], role, domain, actor(ids, granter))
            uow.commit()


def events(db: Any, action: str) -> list[AuditEvent]:
    with db.read() as s:
        return list(s.execute(select(AuditEvent).where(AuditEvent.action == action)).scalars())


def test_grants_commit_with_their_audit_event_and_bump_the_version(db: Any) -> None:
    ids = _accounts(db)
    with db.read() as s:
        v0 = current_version(s)
    setup_chain(db, ids)
    with db.read() as s:
        assert current_version(s) > v0
        assert [g.role for g in load_grants(s, f"a:{ids['civil']}")] == ["dept_admin"]
        assert lint_db(s) == []
    grants_ok = [e for e in events(db, "role.grant") if e.outcome == "ok"]
    assert len(grants_ok) == 6


def test_a_rollback_leaves_no_rule_and_no_event(db: Any) -> None:
    ids = _accounts(db)
    setup_chain(db, ids)
    with db.read() as s:
        v = current_version(s)
        n = s.execute(select(func.count()).select_from(PolicyRuleRow)).scalar()
    before = len(events(db, "role.grant"))
    with db.uow() as uow:
        mine = load_grants(uow.session, f"a:{ids['civil']}")
        grant(uow.session, mine, ids["worker"], "caseworker", f"{TOWN}|civil", actor(ids, "civil"))
        uow.rollback()
    with db.read() as s:
        assert current_version(s) == v
        assert s.execute(select(func.count()).select_from(PolicyRuleRow)).scalar() == n
    assert len(events(db, "role.grant")) == before


@pytest.mark.parametrize(
    ("granter", "target", "role", "domain", "key"),
    [
        ("civil", "civil", "coord_admin", f"{COUNTY}|*", "err.rbac_self_grant"),
        ("civil", "worker", "coord_admin", f"{COUNTY}|*", "err.rbac_grant_not_allowed"),
        ("civil", "other", "caseworker", f"{SIBLING}|civil", "err.rbac_grant_out_of_scope"),
        ("civil", "worker", "caseworker", f"{TOWN}|water", "err.rbac_grant_department"),
        ("ccoord", "worker", "coord_admin", f"{PREF}|*", "err.rbac_grant_out_of_scope"),
        ("sec", "sec", "audit_admin", f"{PROV}|*", "err.rbac_self_grant"),
        ("sec", "pcoord", "audit_admin", f"{PROV}|*", "err.rbac_grant_not_allowed"),
    ],
)
def test_escalation_routes_are_refused_and_recorded(
    db: Any, granter: str, target: str, role: str, domain: str, key: str
) -> None:
    ids = _accounts(db)
    setup_chain(db, ids)
    with db.read() as s:
        rules_before = len(load_grants(s))
    with db.uow() as uow:
        mine = load_grants(uow.session, f"a:{ids[granter]}")
        with pytest.raises(PermissionDenied) as exc:
            grant(uow.session, mine, ids[target], role, domain, actor(ids, granter))
    assert exc.value.key == key
    denied = [e for e in events(db, "role.grant") if e.outcome == "denied"]
    assert [e.reason for e in denied] == [key]
    with db.read() as s:
        assert len(load_grants(s)) == rules_before


def test_a_forged_grant_list_grants_nothing(db: Any) -> None:
    ids = _accounts(db)
    setup_chain(db, ids)
    forged = [Grant(f"a:{ids['civil']}", "coord_admin", PROV, "*")]
    with db.uow() as uow, pytest.raises(PermissionDenied) as exc:
        grant(uow.session, forged, ids["worker"], "coord_admin", f"{PREF}|*", actor(ids, "civil"))
    assert exc.value.key == "err.rbac_grant_not_allowed"


def test_a_second_console_sees_a_change_after_reload_if_stale(db: Any) -> None:
    ids = _accounts(db)
    setup_chain(db, ids)
    worker = ids["worker"]
    with db.read() as s:
        other_console = Enforcer.for_account(s, worker)
    assert not other_console.can(worker, "case.read", TOWN, "civil")
    with db.uow() as uow:
        mine = load_grants(uow.session, f"a:{ids['civil']}")
        grant(uow.session, mine, worker, "caseworker", f"{TOWN}|civil", actor(ids, "civil"))
        uow.commit()
    with db.read() as s:
        assert other_console.reload_if_stale(s)
        assert not other_console.reload_if_stale(s)
    assert other_console.can(worker, "case.read", TOWN, "civil")
    assert not other_console.can(worker, "case.read", SIBLING, "civil")
    with db.read() as s:  # pycasbin on the same rules agrees
        ce = casbin_enforcer(s, f"a:{worker}")
        assert ce.enforce(f"a:{worker}", f"{TOWN}|civil", "case.read")
        assert not ce.enforce(f"a:{worker}", f"{SIBLING}|civil", "case.read")
    # Disabling the account: its open console can do nothing from then on.
    with db.uow() as uow:
        uow.session.get(Account, worker).status = "disabled"  # type: ignore[union-attr]
        uow.commit()
    with db.read() as s:
        other_console.reload_if_stale(s)
    d = other_console.decide(worker, "case.read", TOWN, "civil")
    assert d.reason == "rbac.deny_inactive"
    # Revoking is the granter's, and is recorded.
    with db.uow() as uow:
        mine = load_grants(uow.session, f"a:{ids['civil']}")
        revoke(uow.session, mine, worker, "caseworker", f"{TOWN}|civil", actor(ids, "civil"))
        uow.commit()
    assert [e.outcome for e in events(db, "role.revoke")] == ["ok"]


def test_only_the_security_admin_edits_the_policy(db: Any) -> None:
    ids = _accounts(db)
    setup_chain(db, ids)
    with db.uow() as uow:
        mine = load_grants(uow.session, f"a:{ids['pcoord']}")
        with pytest.raises(PermissionDenied) as exc:
            edit_policy(uow.session, mine, "caseworker", "case.reassign", allow=True,
                        actor=actor(ids, "pcoord"))  # fmt: skip
    assert exc.value.key == "err.rbac_policy_denied"
    with db.uow() as uow:
        mine = load_grants(uow.session, f"a:{ids['sec']}")
        with pytest.raises(PermissionDenied) as exc:
            edit_policy(uow.session, mine, "unit_head", "audit.read", allow=True,
                        actor=actor(ids, "sec"))  # fmt: skip
    assert exc.value.key == "err.rbac_policy_audit_read"
    with db.uow() as uow:
        mine = load_grants(uow.session, f"a:{ids['sec']}")
        v = current_version(uow.session)
        assert edit_policy(uow.session, mine, "caseworker", "case.reassign", allow=True,
                           actor=actor(ids, "sec"))  # fmt: skip
        assert current_version(uow.session) == v + 1
        uow.commit()
    assert [e.outcome for e in events(db, "policy.edit")] == ["denied", "denied", "ok"]
