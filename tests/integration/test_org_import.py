"""``org import``: every row is checked, every bad row reported, nothing half-written."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from accounts.org import run_import as org_run_import
from audit_log.models import AuditEvent
from casedb.engine import Database
from casedb.errors import InvalidInput, NotFound
from casedb.models import Region
from tests.support.audit import ACTOR


def snapshot(db: Database) -> list[tuple[str, str, int, str | None]]:
    with db.read() as s:
        rows = s.execute(
            select(Region.code, Region.name, Region.level, Region.parent_code).order_by(Region.code)
        ).all()
    return [(r[0], r[1], r[2], r[3]) for r in rows]


def write_csv(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run_import(db: Database, path: Path, *, skip_bad: bool = False):  # type: ignore[no-untyped-def]
    return org_run_import(db, ACTOR, path, skip_bad=skip_bad)


# Each bad row kind, with the reason the importer must give for it.
BAD_ROWS = [
    (",空代码村", "bad.code_empty"),
    ("53010200100A,字母村", "bad.code_digits"),
    ("53010200101,短代码村", "bad.code_length"),
    ("5301020010011,长代码村", "bad.code_length"),
    ("530102000001,缺乡段村", "bad.code_shape"),
    ("530102001002,", "bad.name_empty"),
    ("530102001003," + "长" * 81, "bad.name_long"),
    ("530102001004,重复村", None),  # first occurrence is good
    ("530102001004,重复村二", "bad.duplicate"),
    ("530102001005,级别错村,4", "bad.level_mismatch"),
    ("530102001006,上级错村,5,530102002000", "bad.parent_mismatch"),
    ("530102099007,无上级村", "bad.parent_missing"),
    ("540000000000,西藏自治区", "bad.new_province"),
]


def test_every_kind_of_bad_row_is_reported_and_nothing_changes(
    db: Database, tmp_path: Path
) -> None:
    before = snapshot(db)
    lines = ["code,name,level,parent_code", "530102001001,好村,5,530102001000"]
    lines += [row for row, _ in BAD_ROWS]
    path = write_csv(tmp_path / "bad.csv", lines)
    with pytest.raises(InvalidInput) as exc:
        run_import(db, path)
    err = exc.value
    assert err.key == "err.org_import_bad_rows"
    expected = {i: reason for i, (_, reason) in enumerate(BAD_ROWS, start=3) if reason is not None}
    assert {d["line"]: d["reason"] for d in err.details} == expected
    assert err.params == {"count": len(expected), "total": len(lines) - 1}
    assert snapshot(db) == before


def test_skip_bad_imports_the_good_rows_and_lists_the_rest(db: Database, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "mixed.csv",
        ["code,name", "530102001001,护国一村", "530102001002,", "530102001003,护国三社区"],
    )
    result = run_import(db, path, skip_bad=True)
    assert (result.added, result.renamed, len(result.bad)) == (2, 0, 1)
    assert result.bad[0].line == 3
    with db.read() as s:
        village = s.get(Region, "530102001003")
    assert village is not None
    assert (village.name, village.level, village.parent_code) == ("护国三社区", 5, "530102001000")


def test_renames_and_parents_later_in_the_file(db: Database, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "order.csv",
        [
            "代码,名称",  # Chinese headers are understood too
            "530102099001,新乡一村",  # its township comes two lines later
            "530102001000,护国街道（新）",  # rename of an existing township
            "530102099000,新乡",
        ],
    )
    result = run_import(db, path)
    assert (result.rows, result.added, result.renamed) == (3, 2, 1)
    with db.read() as s:
        assert s.get(Region, "530102001000").name == "护国街道（新）"  # type: ignore[union-attr]
        assert s.get(Region, "530102099001").parent_code == "530102099000"  # type: ignore[union-attr]
    again = run_import(db, path)
    assert (again.added, again.renamed, again.unchanged) == (0, 0, 3)


def test_a_child_of_a_rejected_row_is_rejected_too(db: Database, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "chain.csv", ["code,name", "530102099000,", "530102099001,新乡一村"]
    )
    with pytest.raises(InvalidInput) as exc:
        run_import(db, path)
    assert [(d["line"], d["reason"]) for d in exc.value.details] == [
        (2, "bad.name_empty"),
        (3, "bad.parent_missing"),
    ]


def test_full_width_digits_and_invisible_characters_are_normalised(
    db: Database, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "fw.csv", ["code,name", "５３０１０２００１００１\u200b,全角村"])
    assert run_import(db, path).added == 1
    with db.read() as s:
        assert s.get(Region, "530102001001") is not None


def test_xlsx_files_are_read_like_csv(db: Database, tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["code", "name"])
    ws.append([530102001001, "表格村"])  # Excel keeps codes as numbers
    ws.append(["530102001002", "表格二村"])
    path = tmp_path / "villages.xlsx"
    wb.save(path)
    assert run_import(db, path).added == 2


@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        ("x.txt", b"code,name\n", "err.file_type"),
        ("x.csv", b"", "err.file_empty"),
        ("x.csv", b"id,title\n1,2\n", "err.import_header"),
        ("x.csv", "code,name\n530102001001,村\n".encode("gbk"), "err.file_not_utf8"),
        ("x.xlsx", b"not a zip", "err.file_not_xlsx"),
    ],
)
def test_unreadable_files_get_one_clear_error(
    db: Database, tmp_path: Path, name: str, content: bytes, error: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InvalidInput) as exc:
        run_import(db, path)
    assert exc.value.key == error


def test_a_missing_file_is_not_found(db: Database, tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        run_import(db, tmp_path / "missing.csv")


def test_imports_and_rejections_are_audited(db: Database, tmp_path: Path) -> None:
    good = write_csv(
        tmp_path / "good.csv", ["code,name", "530102001001,审计村", "530102001000,护国新街道"]
    )
    bad = write_csv(tmp_path / "bad.csv", ["code,name", "530102001002,"])
    run_import(db, good)
    with pytest.raises(InvalidInput):
        run_import(db, bad)
    with db.read() as s:
        events = s.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
    assert [(e.action, e.outcome) for e in events] == [
        ("org.import", "ok"),
        ("org.import", "failed"),
    ]
    import json

    details = json.loads(events[0].diff)["_"]
    assert details["added"] == 1 and details["renamed"] == 1
    assert details["changes"]["530102001000"] == ["护国街道", "护国新街道"]
    assert events[1].reason == "err.org_import_bad_rows"
