"""Read-only questions about grants the console asks: who is an admin, who must use TOTP,
and where the region tree lacks staff (``jzctl org coverage``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from casedb.models import Region
from casedb.regions import Level
from rbac.enforcer import blocked_subjects
from rbac.store import RULES_T, Grant, code_prefix, load_grants, subject_of
from rbac.templates import (
    ACCOUNT_CREATE,
    ACCOUNT_STATUS,
    ACCOUNT_UPDATE,
    ALL_DEPARTMENTS,
    BUSINESS_DEPARTMENTS,
    CASEWORKER,
    POLICY_EDIT,
    ROLE_GRANT,
    ROLE_REVOKE,
    SEPARATED_ROLES,
    SYSTEM_CONFIG,
    TEMPLATES,
    TOWNSHIP_LEADER,
)

# What makes a role an administrator's: managing accounts, grants, policy or the system.
ADMIN_ACTIONS = frozenset(
    {ACCOUNT_CREATE, ACCOUNT_UPDATE, ACCOUNT_STATUS, ROLE_GRANT, ROLE_REVOKE, POLICY_EDIT,
     SYSTEM_CONFIG}
)  # fmt: skip
ADMIN_ROLES = frozenset(
    code for code, tpl in TEMPLATES.items() if tpl.actions & ADMIN_ACTIONS or tpl.separated
)


def grants_of(session: Session, account_id: int) -> list[Grant]:
    return load_grants(session, subject_of(account_id))


def is_admin(grants: Iterable[Grant]) -> bool:
    """Whether any of these grants is of an administrator's role (or a separated role)."""
    return any(g.role in ADMIN_ROLES for g in grants)


def totp_required_for(grants: Iterable[Grant]) -> bool:
    """TOTP is mandatory for the three separated roles and for every administrator role
    held at county level or above (province, prefecture, county)."""
    return any(
        g.role in SEPARATED_ROLES or (g.role in ADMIN_ROLES and g.level <= int(Level.COUNTY))
        for g in grants
    )


def requires_totp(session: Session, account_id: int) -> bool:
    return totp_required_for(grants_of(session, account_id))


# --- coverage -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Gap:
    """A unit without the staff it needs: ``kind`` is ``operator`` (a county department
    with no active caseworker) or ``approver`` (a township with no active township leader)."""

    kind: str
    region: str
    region_name: str
    department: str  # "*" for a township's approver


@dataclass(frozen=True)
class Coverage:
    root: str
    cells: int  # county × department cells looked at
    townships: int
    gaps: tuple[Gap, ...]


# Values per IN list (a province has some 2,600 domains to look at): well under SQLite's
# (32,766) and PostgreSQL's (65,535) parameter limits.
_IN_CHUNK = 5_000


def coverage(session: Session, root: str) -> Coverage:
    """The county × department cells of the subtree with no active caseworker granted at
    that county in that department (or all departments), and the townships with no active
    township leader granted there. Locked, suspended, disabled or expired accounts do not
    count (invariant 6)."""
    prefix = code_prefix(root)
    regions = session.execute(
        select(Region.code, Region.name, Region.level)
        .where(Region.code.startswith(prefix), Region.level.in_([3, 4]))
        .order_by(Region.code)
    ).all()
    departments = sorted(BUSINESS_DEPARTMENTS)
    # Only grants at exactly these domains count, so only they are read: a province has some
    # 2,500 of them but 200,000 grants below (village caseworkers), which cost seconds to read.
    domains: list[str] = []
    for code, _, level in regions:
        if level == int(Level.COUNTY):
            domains += [f"{code}|{d}" for d in (*departments, ALL_DEPARTMENTS)]
        else:
            domains.append(f"{code}|{ALL_DEPARTMENTS}")
    blocked = blocked_subjects(datetime.now(UTC))
    staffed: set[tuple[str, str, str]] = set()  # (role, region, department)
    for i in range(0, len(domains), _IN_CHUNK):
        pairs = session.execute(
            select(RULES_T.c.v1, RULES_T.c.v2)
            .where(
                RULES_T.c.ptype == "g",
                RULES_T.c.v2.in_(domains[i : i + _IN_CHUNK]),
                RULES_T.c.v1.in_([CASEWORKER, TOWNSHIP_LEADER]),
                RULES_T.c.v0.not_in(blocked),
            )
            .distinct()
        )
        for role, domain in pairs:
            region, _, dept = domain.partition("|")
            staffed.add((role, region, dept))
    gaps: list[Gap] = []
    cells = townships = 0
    for code, name, level in regions:
        if level == int(Level.COUNTY):
            for dept in departments:
                cells += 1
                if not (
                    (CASEWORKER, code, dept) in staffed
                    or (CASEWORKER, code, ALL_DEPARTMENTS) in staffed
                ):
                    gaps.append(Gap("operator", code, name, dept))
        else:
            townships += 1
            if (TOWNSHIP_LEADER, code, ALL_DEPARTMENTS) not in staffed:
                gaps.append(Gap("approver", code, name, ALL_DEPARTMENTS))
    return Coverage(root, cells, townships, tuple(gaps))
