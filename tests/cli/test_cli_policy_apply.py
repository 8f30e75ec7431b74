"""``jzctl policy plan|apply FILE``: the diff a policy file would make, made atomically by
the security admin only; refused and invalid files change nothing and are recorded."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from casedb.engine import Database
from tests.support.people import cheap_hashing, make_person, sign_in_as

CliRun = Any
PROVINCE = "530000000000"


@pytest.fixture(autouse=True)
def _cheap() -> Iterator[None]:
    with cheap_hashing():
        yield


@pytest.fixture
def setup(cli: CliRun, db_url: str) -> Iterator[Database]:
    """A security admin (signed in), a county coordinator admin and a caseworker."""
    assert cli("--db", db_url, "--json", "init").exit_code == 0
    db = Database(db_url)
    make_person(db, "sec.admin", region=PROVINCE, department="coord", role="security_admin",
                role_department="*")  # fmt: skip
    make_person(db, "coord.530102", department="coord", role="coord_admin",
                role_department="*")  # fmt: skip
    make_person(db, "worker", role="caseworker")
    sign_in_as(db, "sec.admin")
    yield db
    db.dispose()


def policy(db: Database) -> set[tuple[str, str]]:
    with db.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT v0, v1 FROM policy_rules WHERE ptype = 'p'"))
        return {(r[0], r[1]) for r in rows}


def version(db: Database) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT version FROM policy_version")).scalar_one())


def events(db: Database, action: str) -> list[tuple[str, str, str]]:
    with db.engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT outcome, reason, diff FROM audit_events WHERE action = :a ORDER BY seq"
            ),
            {"a": action},
        )
        return [(r[0], r[1], r[2]) for r in rows]


def write_csv(path: Path, lines: set[tuple[str, str]]) -> Path:
    body = "".join(f"{r},{a}\n" for r, a in sorted(lines))
    path.write_text("role,action\n" + body, encoding="utf-8")
    return path


def test_plan_shows_the_diff_and_changes_nothing(
    cli: CliRun, db_url: str, setup: Database, tmp_path: Path
) -> None:
    before, v = policy(setup), version(setup)
    wanted = (before | {("caseworker", "case.reassign")}) - {("caseworker", "case.read")}
    path = write_csv(tmp_path / "p.csv", wanted)
    res = cli("--db", db_url, "policy", "plan", str(path))
    assert res.exit_code == 0, res.stderr
    assert "+ p, caseworker, case.reassign" in res.stdout
    assert "- p, caseworker, case.read" in res.stdout
    doc = json.loads(cli("--db", db_url, "--json", "policy", "plan", str(path)).stdout)["data"]
    assert doc["added"] == [{"role": "caseworker", "action": "case.reassign"}]
    assert doc["removed"] == [{"role": "caseworker", "action": "case.read"}]
    assert doc["refused"] == []
    assert policy(setup) == before and version(setup) == v
    assert events(setup, "policy.apply") == []
    # The file policy export writes plans to no change at all.
    exported = tmp_path / "same.json"
    assert cli("--db", db_url, "policy", "export", "--format", "json", "--to",
               str(exported)).exit_code == 0  # fmt: skip
    same = cli("--db", db_url, "policy", "plan", str(exported))
    assert same.exit_code == 0 and "无需更改" in same.stdout


def test_apply_by_the_security_admin_changes_exactly_the_diff(
    cli: CliRun, db_url: str, setup: Database, tmp_path: Path
) -> None:
    before, v = policy(setup), version(setup)
    wanted = (before | {("caseworker", "case.reassign"), ("leader", "case.supervise")}) - {
        ("caseworker", "case.read")
    }
    path = write_csv(tmp_path / "p.csv", wanted)
    res = cli("--db", db_url, "--json", "policy", "apply", str(path))
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)["data"]
    assert doc["version"] == v + 1
    assert policy(setup) == wanted
    assert version(setup) == v + 1
    applied = events(setup, "policy.apply")
    assert len(applied) == 1 and applied[0][0] == "ok"
    assert "case.reassign" in applied[0][2] and "case.read" in applied[0][2]
    # Applying the same file again changes nothing, not even the version.
    again = cli("--db", db_url, "policy", "apply", str(path))
    assert again.exit_code == 0 and "无需更改" in again.stdout
    assert version(setup) == v + 1 and len(events(setup, "policy.apply")) == 1


@pytest.mark.parametrize("login", ["coord.530102", "worker"])
def test_apply_by_anyone_else_is_refused_and_changes_nothing(
    cli: CliRun, db_url: str, setup: Database, tmp_path: Path, login: str
) -> None:
    before, v = policy(setup), version(setup)
    path = write_csv(tmp_path / "p.csv", before | {("caseworker", "case.reassign")})
    sign_in_as(setup, login)
    res = cli("--db", db_url, "policy", "apply", str(path))
    assert res.exit_code == 3
    assert policy(setup) == before and version(setup) == v
    assert [(o, r) for o, r, _ in events(setup, "policy.apply")] == [
        ("denied", "err.rbac_policy_denied")
    ]


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (("unit_head", "audit.read"), "err.rbac_policy_audit_read"),
        (("coord_admin", "*"), "err.rbac_policy_wildcard"),
        (("system_admin", "case.read"), "err.rbac_policy_separated"),
    ],
)
def test_a_dangerous_line_refuses_the_whole_file(
    cli: CliRun,
    db_url: str,
    setup: Database,
    tmp_path: Path,
    bad: tuple[str, str],
    reason: str,
) -> None:
    before, v = policy(setup), version(setup)
    wanted = (before | {("caseworker", "case.reassign"), bad}) - {("caseworker", "case.read")}
    path = write_csv(tmp_path / "p.csv", wanted)
    plan = cli("--db", db_url, "--json", "policy", "plan", str(path))
    assert plan.exit_code == 1
    assert [p["reason"] for p in json.loads(plan.stdout)["data"]["refused"]] == [reason]
    res = cli("--db", db_url, "policy", "apply", str(path))
    assert res.exit_code == 3
    assert policy(setup) == before and version(setup) == v
    assert [(o, r) for o, r, _ in events(setup, "policy.apply")] == [("denied", reason)]


def test_an_invalid_file_changes_nothing_and_is_recorded(
    cli: CliRun, db_url: str, setup: Database, tmp_path: Path
) -> None:
    before, v = policy(setup), version(setup)
    header = tmp_path / "header.csv"
    header.write_text("rolle,aktion\ncaseworker,case.read\n", encoding="utf-8")
    unknown = tmp_path / "unknown.csv"
    unknown.write_text("role,action\ncaseworker,case.read\nnobody,case.read\n", encoding="utf-8")
    broken = tmp_path / "broken.json"
    broken.write_text('[{"role": "caseworker"', encoding="utf-8")
    lockout = write_csv(tmp_path / "lockout.csv", {p for p in before if p[1] != "policy.edit"})
    for path, code in ((header, 5), (unknown, 5), (broken, 5), (lockout, 3)):
        res = cli("--db", db_url, "policy", "apply", str(path))
        assert res.exit_code == code, (path, res.stderr)
    assert "第 3 行" in cli("--db", db_url, "policy", "apply", str(unknown)).stderr
    assert cli("--db", db_url, "policy", "apply", str(tmp_path / "missing.csv")).exit_code == 5
    assert policy(setup) == before and version(setup) == v
    reasons = [r for o, r, _ in events(setup, "policy.apply") if o == "denied"]
    assert reasons[:4] == [
        "err.policy_file_header",
        "err.policy_file_unknown_role",
        "err.policy_file_json",
        "err.policy_file_lockout",
    ]
    assert len(reasons) == 6
