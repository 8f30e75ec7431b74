"""The demo seeder on SQLite and PostgreSQL: plausible, consistent and deterministic data."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from accounts.demo import DEMO_ADMIN_LOGIN, POST_CASEWORKER, POSTS, DemoSummary, seed_demo
from casedb.engine import Database
from casedb.errors import Conflict, InvalidInput
from casedb.models import Account, Case, CaseEvent, Region, ServiceItem

NOW = datetime(2026, 11, 24, 8, 0, 0, tzinfo=UTC)
MASK_RE = re.compile(r"[0-9]{6}\*{8}[0-9]{3}[0-9X]", re.ASCII)


def _counts(db: Database) -> dict[str, int]:
    with db.read() as s:
        return {
            "villages": s.scalar(select(func.count()).where(Region.level == 5)) or 0,
            "accounts": s.scalar(select(func.count()).select_from(Account)) or 0,
            "cases": s.scalar(select(func.count()).select_from(Case)) or 0,
            "open": s.scalar(select(func.count()).where(Case.closed_at.is_(None))) or 0,
            "overdue": s.scalar(
                select(func.count()).where(Case.closed_at.is_(None), Case.step_deadline < NOW)
            )
            or 0,
            "events": s.scalar(select(func.count()).select_from(CaseEvent)) or 0,
        }


def _fingerprint(db: Database) -> str:
    """A digest of every case and account row, in id order."""
    h = hashlib.sha256()
    with db.read() as s:
        for row in s.execute(select(Case.__table__).order_by(Case.id)):
            h.update(repr(tuple(row)).encode())
        for row in s.execute(select(Account.__table__).order_by(Account.id)):
            h.update(repr(tuple(row)).encode())
    return h.hexdigest()


def _summary_counts(s: DemoSummary) -> dict[str, int]:
    return {
        "villages": s.villages,
        "accounts": s.accounts,
        "cases": s.cases,
        "open": s.open_cases,
        "overdue": s.overdue_cases,
        "events": s.case_events,
    }


def test_small_demo_is_plausible_and_consistent(db: Database) -> None:
    stages: list[tuple[str, int, int]] = []
    summary = seed_demo(db, "small", reset=False, progress=lambda *a: stages.append(a), now=NOW)
    counts = _counts(db)
    assert counts == _summary_counts(summary)
    assert 1432 * 2 <= counts["villages"] <= 1432 * 3
    assert 2_000 <= counts["accounts"] <= 10_000
    assert counts["cases"] == 5_000
    assert 0.75 <= 1 - counts["open"] / counts["cases"] <= 0.85
    assert 0 < counts["overdue"] < counts["open"]
    assert counts["cases"] <= counts["events"] <= 3 * counts["cases"]
    assert summary.seconds > 0
    if db.backend == "sqlite":
        assert summary.db_bytes and summary.db_bytes > 1_000_000
    assert {s for s, _, _ in stages} >= {"villages", "accounts", "cases"}
    assert all(0 <= done <= total for _, done, total in stages)

    with db.read() as s:
        counties = set(s.scalars(select(Region.code).where(Region.level == 3)))
        county_prefixes = {c[:6] for c in counties}

        # Accounts: well-formed masked ID numbers of real counties, ASCII logins, every role.
        accounts = s.execute(select(Account)).scalars().all()
        for a in accounts:
            assert MASK_RE.fullmatch(a.id_masked), a.id_masked
            assert a.id_masked[:6] in county_prefixes
            assert a.login_name.isascii()
            assert a.status in ("active", "locked", "disabled")
            assert a.created_at.tzinfo is not None
            assert a.created_at < NOW
        assert {a.post for a in accounts} == set(POSTS)
        assert sum(a.status == "active" for a in accounts) > 0.9 * len(accounts)
        for post in ("系统管理员", "安全管理员", "审计管理员"):
            holders = [a for a in accounts if a.post == post]
            assert holders
            assert all(a.region_code == "530000000000" for a in holders)
            assert all(a.department_code == "coord" for a in holders)

        admin = s.scalars(select(Account).where(Account.login_name == DEMO_ADMIN_LOGIN)).one()
        assert (admin.full_name, admin.region_code, admin.department_code, admin.post) == (
            "演示管理员",
            "530000000000",
            "coord",
            "乡村振兴管理员",
        )
        assert admin.status == "active"

        # Cases: the item belongs to the department, the region is a village in the tree.
        wrong_item = s.scalar(
            select(func.count())
            .select_from(Case)
            .join(ServiceItem, ServiceItem.code == Case.item_code)
            .where(ServiceItem.department_code != Case.department_code)
        )
        assert wrong_item == 0
        village, township, county = aliased(Region), aliased(Region), aliased(Region)
        placed = s.scalar(
            select(func.count())
            .select_from(Case)
            .join(village, and_(village.code == Case.region_code, village.level == 5))
            .join(township, and_(township.code == village.parent_code, township.level == 4))
            .join(county, and_(county.code == township.parent_code, county.level == 3))
        )
        assert placed == counts["cases"]

        cases = s.execute(select(Case)).scalars().all()
        channels = set()
        for c in cases:
            channels.add(c.channel)
            assert c.created_at < NOW
            if c.status == "closed":
                assert c.closed_at is not None and c.closed_at > c.created_at
                assert c.closed_at <= NOW
                assert c.step_deadline is None
            else:
                assert c.status == "open" and c.closed_at is None
                assert c.step_deadline is not None and c.step_deadline > c.created_at
            assert c.case_no.startswith("YN2")
        assert channels == {"self", "proxy", "government"}
        assert len({c.case_no for c in cases}) == len(cases)
        assert len({c.item_code for c in cases}) == 15

        # Assignees are active caseworkers of the case's department, in its county or township.
        by_id = {a.id: a for a in accounts}
        assigned = [c for c in cases if c.assignee_id is not None]
        assert len(assigned) > len(cases) / 2
        for c in assigned:
            a = by_id[c.assignee_id]  # type: ignore[index]
            assert a.post == POST_CASEWORKER and a.status == "active"
            assert a.department_code == c.department_code
            assert a.region_code in (c.region_code[:6] + "000000", c.region_code[:9] + "000")

        # Events: one "created" per case at its creation, none before it, none after now.
        first = {
            case_id: at
            for case_id, at in s.execute(
                select(CaseEvent.case_id, func.min(CaseEvent.at)).group_by(CaseEvent.case_id)
            )
        }
        assert len(first) == len(cases)
        assert all(first[c.id] == c.created_at for c in cases)
        created = s.scalar(select(func.count()).where(CaseEvent.action == "created"))
        assert created == len(cases)
        late = s.scalar(
            select(func.count())
            .select_from(CaseEvent)
            .join(Case, Case.id == CaseEvent.case_id)
            .where(or_(CaseEvent.at < Case.created_at, CaseEvent.at > NOW))
        )
        assert late == 0


def test_non_empty_database_is_refused_and_reset_reseeds_the_same(db: Database) -> None:
    first = seed_demo(db, "small", reset=False, progress=None, now=NOW)
    before = _counts(db)
    digest = _fingerprint(db)

    with pytest.raises(Conflict) as info:
        seed_demo(db, "small", reset=False, progress=None, now=NOW)
    assert info.value.key == "err.demo_not_empty"
    assert _counts(db) == before
    assert _fingerprint(db) == digest

    again = seed_demo(db, "small", reset=True, progress=None, now=NOW)
    assert _summary_counts(again) == _summary_counts(first) == _counts(db)
    assert _fingerprint(db) == digest

    # The seeding and the reset are in the audit trail.
    from audit_log.models import AuditEvent

    with db.read() as s:
        actions = list(s.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))
    assert actions.count("demo.seed") == 2
    assert actions.count("demo.reset") == 1
    assert actions.index("demo.reset") > actions.index("demo.seed")

    # A different seed gives different data of the same shape.
    other = seed_demo(db, "small", reset=True, progress=None, seed=7, now=NOW)
    assert other.cases == first.cases
    assert _fingerprint(db) != digest


def test_demo_initialises_a_fresh_database(db_url: str) -> None:
    db = Database(db_url)
    try:
        summary = seed_demo(db, "small", reset=False, progress=None, now=NOW)
        assert summary.accounts == _counts(db)["accounts"]
        with db.read() as s:
            assert s.scalar(select(func.count()).where(Region.level == 4)) == 1432
        with pytest.raises(InvalidInput):
            seed_demo(db, "huge", reset=True, progress=None)  # type: ignore[arg-type]
    finally:
        db.dispose()


def test_an_account_alone_makes_the_database_non_empty(db: Database) -> None:
    with db.uow() as uow:
        uow.session.add(
            Account(
                login_name="someone",
                full_name="某人",
                region_code="530000000000",
                department_code="coord",
                post="",
                id_masked="",
                status="active",
                created_at=NOW,
            )
        )
        uow.commit()
    with pytest.raises(Conflict):
        seed_demo(db, "small", reset=False, progress=None, now=NOW)
    assert _counts(db)["villages"] == 0


def test_a_reset_takes_every_grant_and_credential_with_the_accounts(db: Database) -> None:
    """Demo accounts reuse ids after a reset: no old role may pass to a new person. Every
    grant afterwards is the one the holder's own post implies."""
    from rbac.posts import grant_for_post
    from rbac.store import account_id_of, load_grants
    from tests.support.people import cheap_hashing, make_person

    with cheap_hashing():
        make_person(db, "old.admin", role="coord_admin", region="530102000000",
                    department="coord", role_department="*")  # fmt: skip
    seed_demo(db, "small", reset=True, now=NOW)
    with db.read() as s:
        grants = load_grants(s)
        assert grants
        for g in grants:
            account_id = account_id_of(g.subject)
            assert account_id is not None
            a = s.get(Account, account_id)
            assert a is not None
            assert grant_for_post(a.id, a.post, a.region_code, a.department_code) == g, g
