"""``accounts.queries.list_accounts`` on SQLite and PostgreSQL: filters and keyset paging."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime

import pytest

from accounts.queries import AccountRow, get_account, list_accounts
from casedb.engine import Database
from casedb.errors import InvalidInput
from casedb.models import Account

WUHUA = "530102000000"
HUGUO = "530102001000"  # a township under Wuhua
PANLONG = "530103000000"


def seed(db: Database) -> None:
    """120 civil staff in Wuhua (every third locked), 30 hrss in a Wuhua township, 10 in
    Panlong; a name with LIKE wildcards."""
    now = datetime.now(UTC)
    rows = [
        Account(
            login_name=f"civ{i:03d}",
            full_name="张三" if i % 2 else "李四",
            region_code=WUHUA,
            department_code="civil",
            status="locked" if i % 3 == 0 else "active",
            created_at=now,
            id_masked="530102********1234",
            mobile_masked="138****5678",
        )
        for i in range(120)
    ]
    rows += [
        Account(
            login_name=f"hr{i:02d}",
            full_name="王五",
            region_code=HUGUO,
            department_code="hrss",
            created_at=now,
        )
        for i in range(30)
    ]
    rows += [
        Account(
            login_name=f"pl{i:02d}",
            full_name="赵六",
            region_code=PANLONG,
            department_code="civil",
            created_at=now,
        )
        for i in range(10)
    ]
    rows.append(
        Account(
            login_name="x_under",
            full_name="Anna%Lee",
            region_code=PANLONG,
            department_code="coord",
            created_at=now,
        )
    )
    with db.uow() as uow:
        uow.session.add_all(rows)
        uow.commit()


def all_pages(db: Database, limit: int, **filters: str) -> list[list[str]]:
    pages: list[list[str]] = []
    after: str | None = None
    with db.read() as session:
        while True:
            page = list_accounts(session, after=after, limit=limit, **filters)  # type: ignore[arg-type]
            pages.append([r.login_name for r in page.rows])
            if page.next_after is None:
                return pages
            assert page.next_after == page.rows[-1].login_name
            after = page.next_after


def test_keyset_pages_of_50_cover_everything_once_in_login_order(db: Database) -> None:
    seed(db)
    pages = all_pages(db, 50)
    assert [len(p) for p in pages] == [50, 50, 50, 11]
    flat = [login for p in pages for login in p]
    assert flat == sorted(flat) and len(set(flat)) == 161
    # An exact multiple of the page size ends without an empty extra page.
    assert [len(p) for p in all_pages(db, 40, department="hrss")] == [30]
    assert [len(p) for p in all_pages(db, 15, department="hrss")] == [15, 15]


def test_filters_on_subtree_department_status_and_prefix(db: Database) -> None:
    seed(db)

    def logins(**filters: str) -> list[str]:
        return [x for p in all_pages(db, 500, **filters) for x in p]

    assert len(logins(region_prefix="530102")) == 150  # Wuhua and its township
    assert len(logins(region_prefix="530102001")) == 30
    assert len(logins(region_prefix="5301")) == 161
    assert logins(region_prefix="530103", department="civil") == [f"pl{i:02d}" for i in range(10)]
    locked = logins(status="locked", department="civil")
    assert len(locked) == 40 and all(x.startswith("civ") for x in locked)
    assert logins(name_prefix="hr0") == [f"hr0{i}" for i in range(10)]
    assert logins(name_prefix="HR2") == [f"hr2{i}" for i in range(10)]  # logins are lower case
    assert len(logins(name_prefix="王")) == 30
    assert len(logins(name_prefix="张", status="locked")) == 20
    assert logins(name_prefix="Anna%") == ["x_under"]
    assert logins(name_prefix="x_") == ["x_under"]
    assert logins(name_prefix="%") == [] and logins(name_prefix="_") == []
    assert logins(region_prefix="530102", department="coord") == []


def test_rows_are_plain_and_masked(db: Database) -> None:
    seed(db)
    with db.read() as session:
        page = list_accounts(session, name_prefix="civ001", limit=5)
    (row,) = page.rows
    assert isinstance(row, AccountRow)
    assert row.region_name == "五华区" and row.department_zh == "民政"
    assert row.id_masked == "530102********1234" and row.mobile_masked == "138****5678"
    names = {f.name for f in fields(AccountRow)}
    assert not names & {"id_cipher", "id_index", "mobile_cipher", "mobile_index"}
    with db.read() as session:
        assert get_account(session, row.id) == row
        assert get_account(session, 999_999) is None


def test_bad_filters_are_refused(db: Database) -> None:
    with db.read() as session:
        with pytest.raises(InvalidInput) as bad_status:
            list_accounts(session, status="gone")
        assert bad_status.value.key == "err.status_unknown"
        for region in ("53010", "abc", "000000"):
            with pytest.raises(InvalidInput) as bad_region:
                list_accounts(session, region_prefix=region)
            assert bad_region.value.key == "err.region_not_found"
