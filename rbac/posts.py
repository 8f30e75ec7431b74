"""The grant a post implies: the demo's accounts carry role-template names as their post."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from casedb.models import Account
from casedb.regions import level_of
from rbac.store import Grant, add_rules, bump_version, load_grants
from rbac.templates import ALL_DEPARTMENTS, BY_POST

BATCH = 20_000


def grant_for_post(account_id: int, post: str, region: str, department: str) -> Grant | None:
    """The grant an account's post implies (the demo's accounts carry template names)."""
    t = BY_POST.get(post)
    if t is None:
        return None
    try:
        level = level_of(region)
    except ValueError:
        return None
    if level not in t.levels:
        return None
    dept = ALL_DEPARTMENTS if ALL_DEPARTMENTS in t.departments else department
    if dept not in t.departments:
        return None
    return Grant(f"a:{account_id}", t.code, region, dept)


def seed_grants_from_posts(session: Session) -> int:
    """Give every account without a grant the one its post implies; returns how many."""
    have = {g.subject for g in load_grants(session)}
    rows: list[tuple[str, str, str]] = []
    written = 0
    stmt = select(Account.id, Account.post, Account.region_code, Account.department_code)
    for r in session.execute(stmt):
        g = grant_for_post(r.id, r.post, r.region_code, r.department_code)
        if g is None or g.subject in have:
            continue
        rows.append((g.subject, g.role, g.domain))
        if len(rows) >= BATCH:
            written += add_rules(session, "g", rows)
            rows = []
    written += add_rules(session, "g", rows)
    if written:
        bump_version(session)
    return written
