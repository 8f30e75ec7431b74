"""``jzctl audit``: verify's exit code, search paging, exports for auditors, archive; and
invariant 5: only a signed-in audit admin reads the trail, every refusal is itself recorded."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from casedb.engine import Database
from tests.support.audit import append, drop_guards, raw
from tests.support.people import cheap_hashing, make_person, sign_in_as

PROVINCE = "530000000000"
AUDITOR = "audit.reader"


@pytest.fixture(autouse=True)
def _cheap() -> Iterator[None]:
    with cheap_hashing():
        yield


def sign_in_auditor(db: Database, login: str = AUDITOR) -> None:
    """An audit admin (the role's grant: the province, the whole office), signed in here."""
    make_person(db, login, region=PROVINCE, department="coord", role="audit_admin",
                role_department="*")  # fmt: skip
    sign_in_as(db, login)


def init(cli, url: str, *, auditor: bool = True) -> Database:  # type: ignore[no-untyped-def]
    assert cli("--db", url, "init").exit_code == 0
    db = Database(url)
    if auditor:
        sign_in_auditor(db)
    return db


def count_events(db: Database) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT count(*) FROM audit_events")).scalar_one())


def outcomes(db: Database, action: str, actor: str) -> list[tuple[str, str]]:
    with db.engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT outcome, reason FROM audit_events"
                " WHERE action = :a AND actor = :who ORDER BY seq"
            ),
            {"a": action, "who": actor},
        )
        return [(r[0], r[1]) for r in rows]


def test_verify_is_clean_then_names_the_damage(cli, db_url: str) -> None:  # type: ignore[no-untyped-def]
    db = init(cli, db_url)
    before = count_events(db)  # init's events and the auditor's set-up and sign-in
    append(db, 12, per_transaction=5)
    ok = cli("--db", db_url, "--json", "audit", "verify")
    assert ok.exit_code == 0
    doc = json.loads(ok.stdout)["data"]
    assert doc["clean"] and doc["events"] == before + 12
    drop_guards(db)
    raw(db, "UPDATE audit_events SET actor = 'someone else' WHERE seq = 9")
    bad = cli("--db", db_url, "audit", "verify")
    assert bad.exit_code == 1
    assert "最早出问题的事件序号为 9" in bad.stdout
    assert "事件内容被改" in bad.stdout
    as_json = json.loads(cli("--db", db_url, "--json", "audit", "verify").stdout)["data"]
    assert as_json["first_bad_seq"] == 9
    assert as_json["findings"][0]["kind"] == "changed"
    db.dispose()


def test_anchor_prints_a_line_to_keep_offline_and_verify_reads_it(
    cli,
    db_url: str,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    db = init(cli, db_url)
    res = cli("--db", db_url, "audit", "anchor", "--print")
    assert res.exit_code == 0
    line = json.loads(res.stdout.splitlines()[-1])
    assert set(line) == {"chain", "seq", "hash", "at", "key_id", "mac"}
    offline = tmp_path / "offline.jsonl"
    offline.write_text(json.dumps(line) + "\n")
    assert cli("--db", db_url, "audit", "verify", "--anchors", str(offline)).exit_code == 0
    # An intruder removes the anchor and the events it signs; the offline copy still knows.
    drop_guards(db)
    raw(db, "DELETE FROM audit_anchors")
    raw(db, "DELETE FROM audit_events WHERE seq >= :s", s=line["seq"])
    raw(db, "UPDATE audit_head SET seq = :s - 1", s=line["seq"])
    res = cli("--db", db_url, "--json", "audit", "verify", "--anchors", str(offline))
    assert res.exit_code == 1
    kinds = {f["kind"] for f in json.loads(res.stdout)["data"]["findings"]}
    assert {"tail_cut", "anchor_missing"} <= kinds
    db.dispose()


def test_search_filters_and_pages_by_keyset(cli, db_url: str) -> None:  # type: ignore[no-untyped-def]
    db = init(cli, db_url)
    append(db, 30, per_transaction=30, action="account.update")
    first = json.loads(
        cli(
            "--db",
            db_url,
            "--json",
            "audit",
            "search",
            "--action",
            "account.update",
            "--limit",
            "20",
        ).stdout
    )["data"]
    assert len(first["events"]) == 20
    assert first["events"][0]["seq"] > first["events"][-1]["seq"]
    second = json.loads(
        cli(
            "--db",
            db_url,
            "--json",
            "audit",
            "search",
            "--action",
            "account.update",
            "--before",
            str(first["next_before"]),
        ).stdout
    )["data"]
    assert len(second["events"]) == 10 and second["next_before"] is None
    seqs = [e["seq"] for e in first["events"] + second["events"]]
    assert len(set(seqs)) == 30
    assert all(e["action"] == "account.update" for e in first["events"])
    by_actor = json.loads(
        cli("--db", db_url, "--json", "audit", "search", "--actor", "nobody").stdout
    )
    assert by_actor["data"]["events"] == []
    region = json.loads(
        cli(
            "--db", db_url, "--json", "audit", "search", "--region", "530102", "--limit", "5"
        ).stdout
    )["data"]["events"]
    assert region and all(e["region_code"].startswith("530102") for e in region)
    # searching is itself recorded
    searches = json.loads(
        cli("--db", db_url, "--json", "audit", "search", "--action", "audit.search").stdout
    )["data"]["events"]
    assert len(searches) >= 4
    db.dispose()


def test_search_rejects_bad_filters_with_one_sentence(cli, db_url: str) -> None:  # type: ignore[no-untyped-def]
    init(cli, db_url).dispose()
    for args, words in [
        (["--since", "yesterday"], "无法识别"),
        (["--outcome", "maybe"], "ok、denied 或 failed"),
        (["--region", "12345"], "找不到区划"),
    ]:
        res = cli("--db", db_url, "audit", "search", *args)
        assert res.exit_code == 5, res.stderr
        assert words in res.stderr and len(res.stderr.strip().splitlines()) == 1


def test_exports_carry_the_verification_and_defuse_formulas(
    cli,
    db_url: str,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    db = init(cli, db_url)
    from audit_log.chain import record
    from tests.support.audit import ACTOR

    with db.uow() as uow:
        record(
            uow.session,
            ACTOR,
            "account.update",
            reason='=HYPERLINK("http://x")',
            target_id="+1",
            before={"post": "@SUM(A1)"},
            after={"post": "-2"},
        )
        uow.commit()
    out = tmp_path / "audit.csv"
    res = cli("--db", db_url, "audit", "export", "--format", "csv", "--to", str(out))
    assert res.exit_code == 0, res.stderr
    rows = list(csv.reader(io.StringIO(out.read_text("utf-8"))))
    header = json.loads(rows[0][0].lstrip("'# "))
    assert header["verification"]["clean"] is True
    cols = rows[1]
    data = [dict(zip(cols, r, strict=True)) for r in rows[2:]]
    bad = next(d for d in data if d["action"] == "account.update")
    assert bad["reason"].startswith("'=")
    assert bad["target_id"] == "'+1"
    assert not any(cell.startswith(("=", "+", "-", "@")) for r in rows[1:] for cell in r)

    jsonl = cli(
        "--db", db_url, "audit", "export", "--format", "jsonl", "--action", "account.update"
    )
    lines = jsonl.stdout.splitlines()
    assert json.loads(lines[0])["verification"]["clean"] is True
    assert [json.loads(x)["action"] for x in lines[1:]] == ["account.update"]

    syslog = cli("--db", db_url, "audit", "export", "--format", "syslog")
    assert syslog.stdout.startswith("<110>1 ")
    assert 'verification="clean"' in syslog.stdout.splitlines()[0]
    assert cli("--db", db_url, "audit", "export", "--format", "xml").exit_code == 5
    db.dispose()


def test_archive_keeps_young_events_and_the_chain_verifiable(
    cli,
    db_url: str,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    from datetime import UTC, datetime, timedelta

    from tests.support.audit import bulk_chain

    url = db_url
    db = Database(url)
    from casedb.schema import upgrade

    upgrade(db.engine)
    old = datetime.now(UTC) - timedelta(days=400)
    bulk_chain(db, 50, start_at=old)
    append(db, 5)  # today's events
    from accounts.org import load_divisions, shipped_divisions
    from casedb.reference import sync_reference

    with db.uow() as uow:
        sync_reference(uow.session.connection())
        load_divisions(uow.session.connection(), shipped_divisions())
        uow.commit()
    sign_in_auditor(db)  # today's events too
    # too young: nothing may go
    young = cli(
        "--db",
        url,
        "audit",
        "archive",
        "--before",
        (datetime.now(UTC) - timedelta(days=10)).date().isoformat(),
        "--to",
        str(tmp_path / "a0.jsonl"),
        "--keep-days",
        "100",
    )
    assert young.exit_code == 5 and "184" in young.stderr
    res = cli(
        "--db",
        url,
        "--json",
        "audit",
        "archive",
        "--before",
        datetime.now(UTC).date().isoformat(),
        "--to",
        str(tmp_path / "a1.jsonl"),
    )
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)["data"]
    assert (doc["first_seq"], doc["last_seq"], doc["events"]) == (1, 50, 50)
    lines = (tmp_path / "a1.jsonl").read_text().splitlines()
    assert len(lines) == 51 and json.loads(lines[0])["boundary_hash"] == doc["boundary_hash"]
    verify = json.loads(cli("--db", url, "--json", "audit", "verify").stdout)["data"]
    assert verify["clean"], verify["findings"]
    assert verify["first_seq"] == 51
    # the database itself refuses to drop a young event, archive or not
    with db.engine.begin() as conn:
        young_seq = conn.execute(sa.text("SELECT max(seq) FROM audit_events")).scalar()
    import pytest
    from sqlalchemy.exc import DBAPIError

    with pytest.raises(DBAPIError):
        raw(db, "DELETE FROM audit_events WHERE seq = :s", s=young_seq)
    again = cli(
        "--db",
        url,
        "audit",
        "archive",
        "--before",
        "2030-01-01",
        "--to",
        str(tmp_path / "a1.jsonl"),
    )
    assert again.exit_code == 6
    db.dispose()


# --- invariant 5: only audit admins read the trail ---------------------------------------

REFUSED_PEOPLE = [
    # (login, role, region, department, role department)
    ("cw.civil", "caseworker", "530102000000", "civil", "civil"),
    ("admin.civil", "dept_admin", "530102000000", "civil", "civil"),
    ("sys.admin", "system_admin", PROVINCE, "coord", "*"),
    ("sec.admin", "security_admin", PROVINCE, "coord", "*"),
]


@pytest.mark.parametrize(
    ("login", "role", "region", "department", "role_department"),
    REFUSED_PEOPLE,
    ids=[p[1] for p in REFUSED_PEOPLE],
)
def test_only_the_audit_admin_reads_the_trail(  # type: ignore[no-untyped-def]
    cli, db_url: str, tmp_path: Path, login: str, role: str, region: str, department: str,
    role_department: str,
) -> None:  # fmt: skip
    db = init(cli, db_url, auditor=False)
    make_person(db, login, region=region, department=department, role=role,
                role_department=role_department)  # fmt: skip
    sign_in_as(db, login)
    out = tmp_path / "export.jsonl"
    for action, args in [
        ("audit.search", ["audit", "search"]),
        ("audit.verify", ["audit", "verify"]),
        ("audit.export", ["audit", "export", "--format", "jsonl"]),
        ("audit.export", ["audit", "export", "--format", "csv", "--to", str(out)]),
        ("audit.anchor", ["audit", "anchor", "--print"]),
    ]:
        res = cli("--db", db_url, *args)
        assert res.exit_code == 3, (args, res.stdout, res.stderr)
        assert "只有审计管理员可以" in res.stderr and login in res.stderr
        assert res.stdout == ""  # not one event leaked
        as_json = cli("--db", db_url, "--json", *args)
        assert as_json.exit_code == 3
        assert json.loads(as_json.stdout)["error"]["code"] == "permission_denied"
        # Each refusal is itself an event of the trail, naming who was refused.
        refusals = outcomes(db, action, login)
        assert refusals and all(o == "denied" for o, _ in refusals), refusals
    assert not out.exists() and not out.with_name(out.name + ".part").exists()
    assert len(outcomes(db, "audit.search", login)) == 2
    assert len(outcomes(db, "audit.export", login)) == 4
    # The audit admin then reads them all.
    sign_in_auditor(db)
    found = json.loads(
        cli("--db", db_url, "--json", "audit", "search", "--actor", login, "--outcome",
            "denied").stdout
    )["data"]["events"]  # fmt: skip
    assert {e["action"] for e in found} == {
        "audit.search",
        "audit.verify",
        "audit.export",
        "audit.anchor",
    }
    db.dispose()


def test_not_signed_in_is_refused_with_a_pointer_to_login(cli, db_url: str) -> None:  # type: ignore[no-untyped-def]
    db = init(cli, db_url, auditor=False)
    for args in (
        ["audit", "search"],
        ["audit", "verify"],
        ["audit", "export", "--format", "jsonl"],
        ["audit", "anchor"],
        ["audit", "archive", "--before", "2020-01-01", "--to", "x.jsonl"],
    ):
        res = cli("--db", db_url, *args)
        assert res.exit_code == 3, (args, res.stderr)
        assert "jzctl login" in res.stderr and res.stdout == ""
    with db.engine.connect() as conn:
        reads = conn.execute(
            sa.text("SELECT count(*) FROM audit_events WHERE action LIKE 'audit.%'")
        ).scalar_one()
    assert reads == 0  # nothing was read, so nothing to record as read
    db.dispose()


def test_a_signed_out_auditor_reads_no_more(cli, db_url: str) -> None:  # type: ignore[no-untyped-def]
    db = init(cli, db_url)
    assert cli("--db", db_url, "audit", "search").exit_code == 0
    assert cli("--db", db_url, "logout").exit_code == 0
    assert cli("--db", db_url, "audit", "search").exit_code == 3
    db.dispose()
