"""``jzctl change request`` for every kind through the entry point — onboard, transfer and
modify with roles walked to execution — options that do not fit a kind, ``change sweep``,
successors chosen at execution, and a leaver signed in at this console who is stopped at their
next action once the offboarding is executed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from accounts import changes
from casedb.engine import Database
from casedb.models import Account, Case
from rbac.store import load_grants, subject_of
from tests.integration.test_changes import open_cases, who
from tests.support.people import cheap_hashing, make_person, sign_in_as

CliRun = Any
TOWNSHIP = "530102001000"
OTHER_TOWNSHIP = "530102002000"


@pytest.fixture(autouse=True)
def _cheap() -> Iterator[None]:
    with cheap_hashing():
        yield


@pytest.fixture
def people(cli: CliRun, db_url: str) -> Iterator[Database]:
    assert cli("--db", db_url, "--json", "init").exit_code == 0
    db = Database(db_url)
    make_person(db, "target", full_name="张三丰", region=TOWNSHIP, role="caseworker",
                role_region=TOWNSHIP)  # fmt: skip
    make_person(db, "heir", region=TOWNSHIP, role="caseworker", role_region=TOWNSHIP)
    make_person(db, "submitter", department="coord", role="coord_admin", role_department="*")
    make_person(db, "leader", region=TOWNSHIP, role="township_leader", role_department="*")
    make_person(db, "leader2", region=OTHER_TOWNSHIP, role="township_leader", role_department="*")
    make_person(db, "deptadmin", role="dept_admin")
    yield db
    db.dispose()


def walk(cli: CliRun, db_url: str, db: Database, *request: str, reviewer: str = "leader") -> int:
    """File as the submitter, review, execute; returns the request id."""
    sign_in_as(db, "submitter")
    res = cli("--db", db_url, "--json", "change", "request", *request)
    assert res.exit_code == 0, res.stderr
    rid = str(json.loads(res.stdout)["data"]["id"])
    sign_in_as(db, reviewer)
    res = cli("--db", db_url, "change", "review", rid)
    assert res.exit_code == 0, res.stderr
    sign_in_as(db, "deptadmin")
    res = cli("--db", db_url, "change", "execute", rid, "--yes")
    assert res.exit_code == 0, res.stderr
    return int(rid)


def account(db: Database, login: str) -> Account:
    with db.read() as s:
        found = s.scalars(sa.select(Account).where(Account.login_name == login)).one()
        s.expunge(found)
        return found


def grants(db: Database, account_id: int) -> set[str]:
    with db.read() as s:
        return {
            f"{g.role}@{g.region}|{g.department}" for g in load_grants(s, subject_of(account_id))
        }


def test_onboard_creates_a_pending_account_with_its_roles(
    cli: CliRun, db_url: str, people: Database
) -> None:
    walk(cli, db_url, people, "onboard", "newbie", "--reason", "新进人员", "--name", "李四",
         "--region", TOWNSHIP, "--department", "civil", "--post", "科员",
         "--role", "caseworker", "--doc-no", "滇民任〔2026〕7号")  # fmt: skip
    new = account(people, "newbie")
    assert (new.full_name, new.region_code, new.post, new.status) == (
        "李四",
        TOWNSHIP,
        "科员",
        "pending",
    )
    assert grants(people, new.id) == {f"caseworker@{TOWNSHIP}|civil"}


def test_transfer_moves_the_person_their_roles_and_their_cases(
    cli: CliRun, db_url: str, people: Database
) -> None:
    target = account(people, "target")
    cases = open_cases(people, target.id, 3)
    walk(cli, db_url, people, "transfer", "target", "--reason", "调动",
         "--region", OTHER_TOWNSHIP, "--department", "civil", "--role", "caseworker",
         "--successor", "heir")  # fmt: skip
    moved = account(people, "target")
    assert moved.region_code == OTHER_TOWNSHIP
    assert grants(people, moved.id) == {f"caseworker@{OTHER_TOWNSHIP}|civil"}
    heir = account(people, "heir")
    with people.read() as s:
        owners = set(s.scalars(sa.select(Case.assignee_id).where(Case.id.in_(cases))))
    assert owners == {heir.id}


def test_modify_grants_revokes_and_validity(cli: CliRun, db_url: str, people: Database) -> None:
    target = account(people, "target")
    walk(cli, db_url, people, "modify", "target", "--reason", "兼任", "--role", f"caseworker@{OTHER_TOWNSHIP}",
         "--revoke", "caseworker", "--valid-until", "2027-06-30")  # fmt: skip
    after = account(people, "target")
    assert after.valid_until is not None and after.valid_until.year == 2027
    assert grants(people, target.id) == {f"caseworker@{OTHER_TOWNSHIP}|civil"}


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("offboard", "target", "--post", "科员"), "--post"),
        (("onboard", "x1", "--name", "王五"), "--region"),
        (("onboard", "x1", "--region", TOWNSHIP, "--department", "civil"), "--name"),
        (("transfer", "target"), "--region"),
        (("modify", "target", "--role", "no_such_role"), "no_such_role"),
        (("modify", "target", "--role", "supervisor"), "supervisor"),
        (("suspend", "target", "--successor", "heir"), "--successor"),
    ],
)
def test_options_that_do_not_fit_are_refused_and_nothing_is_filed(
    cli: CliRun, db_url: str, people: Database, args: tuple[str, ...], needle: str
) -> None:
    sign_in_as(people, "submitter")
    res = cli("--db", db_url, "--lang", "en", "change", "request", *args, "--reason", "x")
    assert res.exit_code == 5, res.stderr
    assert needle in res.stderr and "Traceback" not in res.stderr
    listed = json.loads(cli("--db", db_url, "--json", "change", "list", "--mine").stdout)
    assert listed["data"]["items"] == []


def test_sweep_and_the_overdue_list(cli: CliRun, db_url: str, people: Database) -> None:
    sign_in_as(people, "deptadmin")
    res = cli("--db", db_url, "--json", "change", "sweep")
    assert res.exit_code == 0, res.stderr
    assert json.loads(res.stdout)["data"] == {"reminded": [], "escalated": [], "expired": []}
    res = cli("--db", db_url, "--json", "change", "list", "--overdue")
    assert res.exit_code == 0, res.stderr
    assert json.loads(res.stdout)["data"]["scope"] == "overdue"
    sign_in_as(people, "target")
    assert cli("--db", db_url, "change", "sweep").exit_code == 3


def test_successor_chosen_at_execution(cli: CliRun, db_url: str, people: Database) -> None:
    target = account(people, "target")
    cases = open_cases(people, target.id, 2)
    make_person(people, "heir2", region=TOWNSHIP, role="caseworker", role_region=TOWNSHIP)
    sign_in_as(people, "submitter")
    res = cli("--db", db_url, "--json", "change", "request", "offboard", "target",
              "--reason", "退休", "--successor", "heir")  # fmt: skip
    rid = str(json.loads(res.stdout)["data"]["id"])
    sign_in_as(people, "leader")
    assert cli("--db", db_url, "change", "review", rid).exit_code == 0
    sign_in_as(people, "deptadmin")
    res = cli("--db", db_url, "change", "execute", rid, "--yes", "--successor", "heir2")
    assert res.exit_code == 0, res.stderr
    heir2 = account(people, "heir2")
    with people.read() as s:
        owners = set(s.scalars(sa.select(Case.assignee_id).where(Case.id.in_(cases))))
    assert owners == {heir2.id}


def test_a_leaver_signed_in_here_is_stopped_at_their_next_action(
    cli: CliRun, db_url: str, people: Database
) -> None:
    """The offboarding is carried out elsewhere (by the service, as other consoles would) while
    the leaver's session is live at this console."""
    target = account(people, "target")
    ids = {n: account(people, n).id for n in ("submitter", "leader", "deptadmin")}
    sign_in_as(people, "target")
    assert cli("--db", db_url, "whoami").exit_code == 0
    req = changes.submit(
        changes.SubmitChange("offboard", target.id, "调离"), people.uow(),
        who(people, ids["submitter"]),
    )  # fmt: skip
    changes.review(changes.ActOn(req.id), people.uow(), who(people, ids["leader"]))
    changes.execute(changes.ActOn(req.id), people.uow(), who(people, ids["deptadmin"]))
    res = cli("--db", db_url, "--json", "account", "list")
    assert res.exit_code == 3, res.stdout + res.stderr
    assert json.loads(res.stdout)["error"]["code"]
    assert cli("--db", db_url, "whoami").exit_code == 3


def test_draft_then_submit(cli: CliRun, db_url: str, people: Database) -> None:
    sign_in_as(people, "submitter")
    res = cli("--db", db_url, "--json", "change", "request", "modify", "target",
              "--reason", "岗位调整", "--post", "科员", "--draft")  # fmt: skip
    assert res.exit_code == 0, res.stderr
    data = json.loads(res.stdout)["data"]
    assert data["state"] == "draft" and data["deadline"] is None
    rid = str(data["id"])
    sign_in_as(people, "leader")
    assert cli("--db", db_url, "change", "submit", rid).exit_code == 3
    sign_in_as(people, "submitter")
    res = cli("--db", db_url, "--json", "change", "submit", rid)
    assert res.exit_code == 0, res.stderr
    assert json.loads(res.stdout)["data"]["state"] == "submitted"
    assert cli("--db", db_url, "change", "submit", rid).exit_code == 6
