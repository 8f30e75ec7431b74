"""Invariant 3 of DESIGN.md as a property: nobody reviews, rejects or executes a request they
submitted or that concerns themselves — whatever roles they also hold (the step's own role,
its escalation one level up, office-wide roles), whether they act in person or as someone's
deputy, and whether the step is overdue or not. Neither does the request show in their
inbox. Each refusal is recorded; the request is left as it was."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts import changes
from accounts.change_queries import list_requests
from accounts.changes import ActOn, NameDeputy, RejectChange, SubmitChange
from audit_log.actor import Actor
from audit_log.models import AuditEvent
from casedb.engine import Database
from casedb.errors import PermissionDenied
from casedb.models import Account
from tests.support.people import make_person

TOWNSHIP, COUNTY, PREFECTURE = "530102001000", "530102000000", "530100000000"
# Every role that could act on a township civil-affairs request, at the unit where it would.
POWERS = [
    ("township_leader", TOWNSHIP, "*"),
    ("dept_admin", COUNTY, "civil"),
    ("dept_admin", PREFECTURE, "civil"),
    ("coord_admin", COUNTY, "*"),
]
_n = itertools.count()


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    from accounts.org import load_divisions, shipped_divisions
    from casedb.reference import sync_reference
    from casedb.schema import upgrade

    path: Path = tmp_path_factory.mktemp("inv3") / "inv3.db"
    db = Database(f"sqlite:///{path}")
    upgrade(db.engine)
    with db.uow() as uow:
        sync_reference(uow.session.connection())
        load_divisions(uow.session.connection(), shipped_divisions())
        uow.commit()
    yield db
    db.dispose()


def person(db: Database, grants: list[tuple[str, str, str]], region: str = TOWNSHIP) -> int:
    login = f"p{next(_n)}"
    first = grants[0] if grants else None
    pid = make_person(
        db, login, region=region, password=None,
        role=first[0] if first else None,
        role_region=first[1] if first else None,
        role_department=first[2] if first else None,
    )  # fmt: skip
    if len(grants) > 1:
        from rbac.store import Grant, add_grant, bump_version, subject_of

        with db.uow() as uow:
            for role, reg, dept in grants[1:]:
                add_grant(uow.session, Grant(subject_of(pid), role, reg, dept))
            bump_version(uow.session)
            uow.commit()
    return pid


def actor(db: Database, account_id: int) -> Actor:
    with db.read() as s:
        account = s.get(Account, account_id)
        assert account is not None
        return Actor(account.login_name, account_id, host="test", terminal="-")


def denials(db: Database) -> int:
    with db.read() as s:
        return int(s.scalar(sa.select(sa.func.count()).where(AuditEvent.outcome == "denied")) or 0)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    who=st.sampled_from(["submitter", "target"]),
    powers=st.lists(st.sampled_from(POWERS), min_size=0, max_size=4, unique=True),
    via_deputy=st.booleans(),
    kind=st.sampled_from(["modify", "offboard", "suspend"]),
    reviewed=st.booleans(),
    late=st.booleans(),
)
def test_nobody_acts_on_their_own_request_or_on_themselves(
    base: Database,
    who: str,
    powers: list[tuple[str, str, str]],
    via_deputy: bool,
    kind: str,
    reviewed: bool,
    late: bool,
) -> None:
    db = base
    reviewer = person(db, [POWERS[0]])
    # The person concerned may hold roles themselves (they are staff of the township).
    target_grants = powers if who == "target" and not via_deputy else []
    target = person(db, target_grants)
    submitter_grants = [("coord_admin", COUNTY, "*")]
    if who == "submitter" and not via_deputy:
        submitter_grants += [p for p in powers if p != submitter_grants[0]]
    submitter = person(db, submitter_grants, region=COUNTY)
    bad = submitter if who == "submitter" else target
    if via_deputy:
        # ``bad`` acts for a principal who holds every power at once.
        principal = person(db, powers or [POWERS[1]], region=COUNTY)
        now = datetime.now(UTC)
        changes.name_deputy(
            NameDeputy(bad, now - timedelta(days=1), now + timedelta(days=365)),
            db.uow(), actor(db, principal),
        )  # fmt: skip
    sub = actor(db, submitter)
    if kind == "suspend":
        req = changes.suspend(changes.Suspend(target, "手机丢失"), db.uow(), sub)
    else:
        req = changes.submit(SubmitChange(kind, target, "调整", {"post": "科员"}
                                          if kind == "modify" else {}), db.uow(), sub)  # fmt: skip
    if reviewed:
        req = changes.review(ActOn(req.id), db.uow(), actor(db, reviewer))
    assert req.deadline is not None
    at = req.deadline + timedelta(days=30) if late else datetime.now(UTC)
    bad_actor = actor(db, bad)
    attempts = [
        lambda: changes.reject(RejectChange(req.id, "不同意"), db.uow(), bad_actor, now=at),
        (lambda: changes.execute(ActOn(req.id), db.uow(), bad_actor, now=at))
        if reviewed
        else (lambda: changes.review(ActOn(req.id), db.uow(), bad_actor, now=at)),
    ]
    for attempt in attempts:
        before = denials(db)
        with pytest.raises(PermissionDenied):
            attempt()
        assert denials(db) == before + 1
    with db.read() as s:
        assert changes.get(s, req.id).version == req.version
        for scope in ("to_review", "to_execute", "overdue"):
            shown = list_requests(s, bad, scope, now=at).items
            assert req.id not in [v.id for v in shown]
