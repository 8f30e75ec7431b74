"""The dashboard's case figures on both backends: overdue open cases and open supervision
notices, counted in the admin's case scope only, each opening its list in the Cases area."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

import accounts.models  # noqa: F401
import audit_log.models  # noqa: F401
import casedb.supervision_models  # noqa: F401
import rbac.models  # noqa: F401
from accounts import supervision as sv
from casedb.calendar import WorkCalendar
from casedb.engine import Database
from ops import dashboard
from ops.dashboard import ALERT, OK, TODO
from tests.support.cases import (
    COUNTY,
    NOW,
    OTHER_COUNTY,
    OTHER_COUNTY_TOWNSHIP,
    TOWNSHIP,
    actor_of,
    add_case,
)
from tests.support.people import make_person


def by_key(db: Database, account_id: int, **kw: Any) -> dict[str, dashboard.Figure]:
    which = [dashboard.cases_overdue, dashboard.supervision_open]
    return {f.key: f for f in dashboard.figures(db, account_id, which=which, **kw)}


def supervisor(db: Database, login: str, region: str) -> int:
    return make_person(db, login, region=region, department="coord", role="supervisor",
                       role_department="*", password=None)  # fmt: skip


def test_case_figures_count_the_admins_scope_and_open_the_cases_area(db: Database) -> None:
    mine = supervisor(db, "county_sup", COUNTY)
    theirs = supervisor(db, "other_sup", OTHER_COUNTY)
    nobody = make_person(db, "clerk", region=COUNTY, password=None)  # no case rights
    add_case(db, deadline=NOW - timedelta(hours=2), case_no="LATE1")
    add_case(db, deadline=NOW - timedelta(hours=1), case_no="LATE2")
    add_case(db, deadline=NOW + timedelta(days=3), case_no="FINE")
    add_case(db, region=OTHER_COUNTY_TOWNSHIP, deadline=NOW - timedelta(hours=1), case_no="X1")

    figs = by_key(db, mine, now=NOW)
    overdue = figs["cases_overdue"]
    assert (overdue.value, overdue.state, overdue.capped) == (2, ALERT, False)
    assert (overdue.opens, overdue.filter) == ("cases", "overdue")
    notices = figs["supervision_open"]
    assert (notices.value, notices.state) == (0, OK)
    assert (notices.opens, notices.filter) == ("cases", "notices")
    assert by_key(db, theirs, now=NOW)["cases_overdue"].value == 1
    assert by_key(db, nobody, now=NOW) == {}  # figures they may not see are left out

    sv.issue_notices(sv.IssueNotice("请尽快办理", ("LATE1",)), db.uow(), actor_of(db, mine),
                     now=NOW, cal=WorkCalendar())  # fmt: skip
    figs = by_key(db, mine, now=NOW)
    assert (figs["supervision_open"].value, figs["supervision_open"].state) == (1, TODO)
    assert by_key(db, theirs, now=NOW)["supervision_open"].value == 0
    # Past the notice's reply deadline it is an alert, with the overdue count in the details.
    later = by_key(db, mine, now=NOW + timedelta(days=10))["supervision_open"]
    assert later.state == ALERT and later.details == {"notices_overdue": 1}


def test_the_overdue_figure_is_capped(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dashboard, "COUNT_CAP", 2)
    mine = supervisor(db, "county_sup", COUNTY)
    for i in range(3):
        add_case(db, region=TOWNSHIP, deadline=NOW - timedelta(hours=1 + i))
    fig = by_key(db, mine, now=NOW)["cases_overdue"]
    assert (fig.value, fig.capped) == (2, True)
