"""The region tree on the shipped divisions, per backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from accounts.org import children, resolve_region, show, subtree
from casedb.engine import Database
from casedb.errors import InvalidInput, NotFound
from casedb.models import Account, Case, Region


def test_the_shipped_divisions_are_loaded(db: Database) -> None:
    with db.read() as s:
        by_level = dict(s.execute(select(Region.level, func.count()).group_by(Region.level)).all())
    assert by_level == {1: 1, 2: 16, 3: 129, 4: 1432}


def test_children_and_their_counts(db: Database) -> None:
    with db.read() as s:
        roots = children(s, None)
        prefectures = children(s, "530000000000")
        kunming = children(s, "530100000000")
    assert [(r.code, r.name, r.children) for r in roots] == [("530000000000", "云南省", 16)]
    assert len(prefectures) == 16
    assert prefectures[0].name == "昆明市" and prefectures[0].children == 14
    wuhua = next(n for n in kunming if n.name == "五华区")
    assert wuhua.children == 10


def test_subtree_is_in_pre_order_to_the_depth_asked(db: Database) -> None:
    with db.read() as s:
        nodes = subtree(s, "530000000000", 3)
        shallow = subtree(s, "530100000000", 1)
    assert len(nodes) == 1578
    seen: set[str] = set()
    for n in nodes:
        assert n.parent_code is None or n.parent_code in seen
        seen.add(n.code)
    assert shallow[0].code == "530100000000"
    assert {n.level for n in shallow} == {2, 3}
    assert next(n for n in shallow if n.name == "五华区").children == 10


def test_resolve_by_code_prefix_or_name(db: Database) -> None:
    with db.read() as s:
        assert resolve_region(s, "530102").name == "五华区"
        assert resolve_region(s, "五华区").code == "530102000000"
        with pytest.raises(NotFound):
            resolve_region(s, "539999")
        with pytest.raises(NotFound):
            resolve_region(s, "不存在县")
        dupes = s.execute(
            select(Region.name).group_by(Region.name).having(func.count() > 1).limit(1)
        ).scalar()
        assert dupes is not None
        with pytest.raises(InvalidInput) as exc:
            resolve_region(s, dupes)
        assert exc.value.key == "err.region_ambiguous"


def test_show_counts_accounts_and_open_cases_in_the_subtree(db: Database) -> None:
    now = datetime.now(UTC)
    with db.uow() as uow:
        s = uow.session
        s.add(Region(code="530102001001", name="测试村", level=5, parent_code="530102001000"))
        a = Account(
            login_name="u1",
            full_name="张三",
            region_code="530102001000",
            department_code="civil",
            created_at=now,
        )
        s.add(a)
        s.flush()
        for i, closed in enumerate([None, None, now]):
            s.add(
                Case(
                    case_no=f"T{i}",
                    region_code="530102001001",
                    department_code="civil",
                    item_code="dibao",
                    channel="self",
                    status="open" if closed is None else "closed",
                    step="accept",
                    step_level=3,
                    assignee_id=a.id,
                    step_deadline=now + timedelta(days=1),
                    created_at=now - timedelta(days=2),
                    closed_at=closed,
                )
            )
        uow.commit()
    with db.read() as s:
        county = show(s, "530102")
        other = show(s, "530103")
        village = show(s, "530102001001")
    civil = next(d for d in county.departments if d.code == "civil")
    assert (civil.accounts, civil.open_cases) == (1, 2)
    assert [n for _, n in village.path] == ["云南省", "昆明市", "五华区", "护国街道", "测试村"]
    assert all(d.open_cases == 0 and d.accounts == 0 for d in other.departments)
    assert len(county.departments) == 8
