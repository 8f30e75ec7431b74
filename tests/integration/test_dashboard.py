"""The dashboard's figures on both backends: counted in the admin's scope only, each naming
the list behind it; one failing figure leaves the others."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from accounts import changes
from accounts.changes import SubmitChange
from audit_log.models import AuditEvent
from casedb.engine import Database
from casedb.models import Account
from ops import dashboard
from ops.dashboard import ALERT, OK, TODO
from tests.integration.test_changes import ROWS, cast_for, who
from tests.support.people import make_person

COUNTY, OTHER_COUNTY = "530102000000", "530103000000"


def by_key(db: Database, account_id: int, **kw: object) -> dict[str, dashboard.Figure]:
    return {f.key: f for f in dashboard.figures(db, account_id, **kw)}  # type: ignore[arg-type]


def lock(db: Database, account_id: int) -> None:
    with db.uow() as uow:
        account = uow.session.get(Account, account_id)
        assert account is not None
        account.status = "locked"
        uow.commit()


def test_figures_count_only_the_admins_own_units(db: Database) -> None:
    admin = make_person(db, "admin", region=COUNTY, role="dept_admin", password=None)
    here = make_person(db, "here", region="530102001000", password=None)
    there = make_person(db, "there", region=OTHER_COUNTY, password=None)
    lock(db, here)
    lock(db, there)
    figs = by_key(db, admin)
    assert figs["locked_accounts"].value == 1
    assert figs["locked_accounts"].state == ALERT
    assert (figs["locked_accounts"].opens, figs["locked_accounts"].filter) == (
        "accounts",
        "status:locked",
    )
    assert figs["coverage_gaps"].details["root"] == COUNTY
    assert figs["changes_to_review"].value == 0 and figs["changes_to_review"].state == OK


def test_a_request_waits_on_its_reviewers_dashboard(db: Database) -> None:
    c = cast_for(db, ROWS[0])
    req = changes.submit(SubmitChange("modify", c.target, "岗位调整", {"post": "科员"}),
                         db.uow(), who(db, c.submitter))  # fmt: skip
    figs = by_key(db, c.reviewer)
    assert figs["changes_to_review"].value == 1 and figs["changes_to_review"].state == TODO
    assert figs["changes_to_review"].filter == "to_review"
    assert by_key(db, c.submitter)["changes_to_review"].value == 0
    assert req.deadline is not None
    late = by_key(db, c.reviewer, now=req.deadline + timedelta(days=1))
    assert late["changes_overdue"].value == 1 and late["changes_overdue"].state == ALERT


def test_a_caseworker_sees_no_admin_figures(db: Database) -> None:
    clerk = make_person(db, "clerk", role="caseworker", password=None)
    figs = by_key(db, clerk)
    assert "locked_accounts" not in figs and "coverage_gaps" not in figs
    assert "changes_to_review" in figs


def test_the_audit_chain_figure_reads_the_head(db: Database) -> None:
    admin = make_person(db, "admin", region=COUNTY, role="dept_admin", password=None)
    c = cast_for(db, ROWS[0])
    changes.submit(SubmitChange("modify", c.target, "岗位调整", {"post": "科员"}),
                   db.uow(), who(db, c.submitter))  # fmt: skip
    fig = by_key(db, admin)["audit_chain"]
    assert fig.opens == "audit"
    with db.read() as s:
        events = s.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    assert fig.details["head_seq"] == events


def test_one_failing_figure_leaves_the_others(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = make_person(db, "admin", region=COUNTY, role="dept_admin", password=None)

    def broken(s: object, scope: object) -> dashboard.Figure:
        raise RuntimeError("boom")

    scope = dashboard.scope_of(db, admin)
    with pytest.raises(RuntimeError):
        dashboard.figure(db, broken, scope)
    assert dashboard.figure(db, dashboard.locked_accounts, scope) is not None
