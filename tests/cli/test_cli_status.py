"""``jzctl status``: the same figures as the TUI's overview, for the signed-in admin."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from casedb.engine import Database
from tests.support.people import cheap_hashing, make_person, sign_in_as


@pytest.fixture(autouse=True)
def _cheap() -> Iterator[None]:
    with cheap_hashing():
        yield


def test_status_lists_the_figures(cli: Any, db: Database) -> None:
    make_person(db, "admin", role="dept_admin")
    sign_in_as(db, "admin")
    res = cli("--db", db.raw_url, "--json", "status")
    assert res.exit_code == 0, res.stderr
    data = {f["figure"]: f for f in json.loads(res.stdout)["data"]}
    assert {"changes_to_review", "locked_accounts", "coverage_gaps", "audit_chain"} <= set(data)
    assert data["locked_accounts"]["opens"] == "accounts"
    human = cli("--db", db.raw_url, "status")
    assert "已锁定账号" in human.stdout and "待我审核的申请" in human.stdout


def test_status_needs_someone_signed_in(cli: Any, db: Database) -> None:
    assert cli("--db", db.raw_url, "status").exit_code == 3
