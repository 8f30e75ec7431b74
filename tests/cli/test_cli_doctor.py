"""``jzctl doctor``: a healthy console passes; an old schema revision, a missing anchor key and
a stale backup each give the right fail and exit 5; no sign-in is needed."""

from __future__ import annotations

import ast
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from audit_log.actor import local_actor
from casedb.engine import Database
from console.i18n import messages
from ops import backup, keys
from ops import doctor as d
from tests.cli.test_cli_account import _cheap, setup_admin
from tests.support.people import make_person, sign_in_as

__all__ = ["_cheap"]
ROOT = Path(__file__).resolve().parents[2]


def _sysadmin(cli: Any, url: str) -> Database:
    db = setup_admin(cli, url)
    make_person(db, "sys.admin", role="system_admin", region="530000000000",
                department="coord", role_department="*")  # fmt: skip
    sign_in_as(db, "sys.admin")
    return db


def _doctor(cli: Any, url: str, folder: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    res = cli("--db", url, "--json", "doctor", "--dir", str(folder), *extra)
    doc = json.loads(res.stdout)["data"]
    assert doc["exit_code"] == res.exit_code
    return res.exit_code, {c["check"]: c for c in doc["checks"]}


def _healthy(cli: Any, url: str, folder: Path) -> Database:
    db = _sysadmin(cli, url)
    assert cli("--db", url, "backup", "create", "--to", str(folder)).exit_code == 0
    ok = cli("--db", url, "backup", "verify", "--latest", "--dir", str(folder))
    assert ok.exit_code == 0, ok.stderr + ok.stdout
    _anchor(db)
    return db


def _anchor(db: Database) -> None:
    """What ``jzctl audit anchor`` does (an audit admin's command)."""
    from audit_log.chain import anchor_head

    with db.uow() as uow:
        assert anchor_head(uow.session) is not None
        uow.commit()


def test_a_healthy_console_passes_without_sign_in(cli, db_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "bk"
    _healthy(cli, db_url, folder)
    assert cli("--db", db_url, "logout").exit_code == 0  # nobody signed in from here on
    code, checks = _doctor(cli, db_url, folder)
    assert code == 0, checks
    assert [n for n, c in checks.items() if c["status"] == "fail"] == []
    for name in ("database", "schema", "keyring", "clock.zone", "clock.skew", "anchors",
                 "backup_keys", "backup.core", "backup.important", "backup.general"):  # fmt: skip
        assert checks[name]["status"] == "ok", checks[name]
    assert checks["calendar.current_year"]["status"] in ("ok", "warn")
    if db_url.startswith("postgresql"):
        assert checks["pg_tools"]["status"] == "ok"
    # ten days on, with events after the newest anchor (the sign-out): a warning, not a fail
    later = d.run(db_url, backup_root=folder, clock=lambda: datetime.now(UTC) + timedelta(days=10))
    anchors = next(c for c in later.checks if c.name == "anchors")
    assert (anchors.status, anchors.key) == ("warn", "doctor.anchors.stale")
    human = cli("--db", db_url, "--lang", "en", "doctor", "--dir", str(folder))
    assert human.exit_code == 0
    assert "[ok  ] Schema revision: Schema revision" in human.stdout
    assert re.search(r"\d+ ok, \d+ warnings, 0 failed, 0 skipped\.", human.stdout)


def test_an_old_schema_revision_fails_with_exit_5(cli, db_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from casedb.schema import REVISIONS

    db = _sysadmin(cli, db_url)
    with db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = :v"),
                     {"v": REVISIONS[-2]})  # fmt: skip
    code, checks = _doctor(cli, db_url, tmp_path / "bk")
    assert code == 5
    assert checks["schema"]["status"] == "fail"
    assert checks["schema"]["key"] == "doctor.schema.behind"
    assert "jzctl db upgrade" in checks["schema"]["message"]
    assert checks["database"]["status"] == "ok"


def test_a_missing_anchor_key_says_how_to_import_it(cli, db_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from audit_log.anchors import forget_cached_keys, key_name
    from casedb import keystore

    folder = tmp_path / "bk"
    db = _healthy(cli, db_url, folder)
    with db.engine.connect() as conn:
        chain = conn.execute(sa.text("SELECT chain_id FROM audit_head")).scalar_one()
    keystore.backend().delete_password(keystore.SERVICE, key_name(chain))
    forget_cached_keys()
    code, checks = _doctor(cli, db_url, folder)
    assert code == 5
    assert checks["anchors"]["status"] == "fail"
    assert "jzctl key import" in checks["anchors"]["message"]
    assert checks["anchors"]["key"] == "doctor.anchors.key_missing"


def test_a_stale_backup_fails_its_classes(cli, db_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "bk"
    db = _sysadmin(cli, db_url)
    old = datetime.now(UTC) - timedelta(hours=30)
    backup.create(db, local_actor("ops"), keys.load(create=True), root=folder, now=old)
    assert cli("--db", db_url, "backup", "verify", "--latest", "--dir", str(folder)).exit_code == 0
    _anchor(db)
    code, checks = _doctor(cli, db_url, folder)
    assert code == 5
    # 30 hours: beyond core's RPO (1 h) and important's (24 h), within general's (168 h)
    assert checks["backup.core"]["status"] == "fail"
    assert checks["backup.core"]["key"] == "doctor.backup.stale"
    assert checks["backup.important"]["status"] == "fail"
    assert checks["backup.general"]["status"] == "ok"
    # a newer backup not yet verified is named, with the command that verifies it
    made = backup.create(db, local_actor("ops"), keys.load(), root=folder, backup_class="core")
    code, checks = _doctor(cli, db_url, folder)
    assert checks["backup.core"]["key"] == "doctor.backup.unverified"
    assert f"jzctl backup verify {made.id}" in checks["backup.core"]["message"]


def test_an_unusable_keyring_and_database_skip_what_depends_on_them(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'jz.db'}"
    from casedb import keystore

    assert cli("--db", url, "init").exit_code == 0
    keystore.set_secret("something", "kept")
    monkeypatch.setenv("JZ_KEYRING_PASSPHRASE", "not the passphrase")
    code, checks = _doctor(cli, url, tmp_path / "bk")
    assert code == 5 and checks["keyring"]["status"] == "fail"
    assert checks["anchors"]["status"] == checks["backup_keys"]["status"] == "skip"
    monkeypatch.setenv("JZ_KEYRING_PASSPHRASE", "test passphrase")
    code, checks = _doctor(cli, f"sqlite:///{tmp_path / 'none.db'}", tmp_path / "bk")
    assert code == 5 and checks["database"]["status"] == "fail"
    assert "jzctl init" in checks["database"]["message"]
    assert {checks[n]["status"] for n in ("schema", "anchors", "clock.skew")} == {"skip"}
    assert checks["keyring"]["status"] == "ok"
    assert checks["backup.core"]["key"] == "doctor.backup.none"  # needs no database


def test_clock_skew_beyond_a_minute_warns(db: Database, tmp_path: Path) -> None:
    late = lambda: datetime.now(UTC) - timedelta(minutes=5)  # noqa: E731
    report = d.run(db.raw_url, backup_root=tmp_path / "bk", clock=late)
    skew = next(c for c in report.checks if c.name == "clock.skew")
    if db.backend == "postgresql":
        assert skew.status == "warn" and skew.key == "doctor.clock.skewed"
        assert float(skew.params["skew"]) > 250
    else:
        assert skew.status == "ok" and skew.key == "doctor.clock.same_host"
    on_time = d.run(db.raw_url, backup_root=tmp_path / "bk")
    assert next(c for c in on_time.checks if c.name == "clock.skew").status == "ok"


def test_a_zone_that_cannot_load_fails(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JZ_TZ", "Nowhere/Atlantis")
    report = d.run(db.raw_url, backup_root=tmp_path / "bk")
    zone = next(c for c in report.checks if c.name == "clock.zone")
    assert zone.status == "fail" and zone.key == "doctor.clock.zone_missing"
    monkeypatch.setenv("JZ_TZ", "UTC")
    report = d.run(db.raw_url, backup_root=tmp_path / "bk")
    assert next(c for c in report.checks if c.name == "clock.zone").status == "warn"


def test_every_doctor_key_is_in_the_catalogue() -> None:
    cat = messages()["zh"]
    tree = ast.parse((ROOT / "ops" / "doctor.py").read_text("utf-8"))
    literals = {
        n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant)
        and isinstance(n.value, str)
        and n.value.startswith("doctor.")
        and not n.value.endswith(".")  # the head of an f-string
    }
    dynamic = {f"doctor.schema.{s}" for s in ("current", "behind", "ahead", "empty")}
    dynamic |= {f"doctor.calendar.{s}" for s in ("table", "chinese_calendar", "fallback")}
    dynamic |= {f"doctor.source.{s}" for s in ("option", "env", "config", "default")}
    dynamic |= {f"doctor.status.{s}" for s in d.STATUSES}
    dynamic |= {f"doctor.check.{k}" for k in ("database", "schema", "keyring", "clock.zone",
                                               "clock.skew", "anchors", "backup_keys",
                                               "pg_tools", "backup", "calendar")}  # fmt: skip
    missing = sorted(k for k in literals | dynamic if k not in cat)
    assert len(literals) > 30 and missing == []
