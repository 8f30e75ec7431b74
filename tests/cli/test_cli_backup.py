"""``jzctl backup``: create, list, status, verify, restore, prune through the real entry point."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from tests.cli.test_cli_account import _cheap, events, setup_admin
from tests.support.people import make_person, sign_in_as

__all__ = ["_cheap"]


def _sysadmin(cli: Any, url: str) -> Any:
    db = setup_admin(cli, url)
    make_person(db, "sys.admin", role="system_admin", region="530000000000",
                department="coord", role_department="*")  # fmt: skip
    sign_in_as(db, "sys.admin")
    return db


def _json(res: Any) -> Any:
    assert res.exit_code == 0, res.stderr + res.stdout
    return json.loads(res.stdout)["data"]


def _target(db_url: str, tmp_path: Path) -> str | None:
    return f"sqlite:///{tmp_path / 'restored.db'}" if db_url.startswith("sqlite") else None


def test_create_list_verify_status_restore(cli, db_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = _sysadmin(cli, db_url)
    folder = str(tmp_path / "bk")
    made = _json(cli("--db", db_url, "--json", "backup", "create", "--to", folder))
    assert made["class"] == "general" and made["tables"]["accounts"] >= 2
    assert events(db, "backup.create")[-1][1] == "ok"
    core = _json(cli("--db", db_url, "--json", "backup", "create", "--class", "core",
                     "--to", folder))  # fmt: skip
    assert core["class"] == "core" and "cases" not in core["tables"]

    # list needs no database at all
    listed = _json(cli("--db", f"sqlite:///{tmp_path / 'nowhere.db'}", "--json", "backup",
                       "list", "--dir", folder))  # fmt: skip
    assert [b["id"] for b in listed["backups"]] == [made["id"], core["id"]]
    assert listed["signatures_checked"] and listed["untrusted_lines"] == 0

    st = _json(cli("--json", "backup", "status", "--dir", folder))
    assert [c["last_verified"] for c in st["classes"]] == [None, None, None]

    ok = cli("--db", db_url, "backup", "verify", "--latest", "--dir", folder)
    assert ok.exit_code == 0, ok.stderr
    assert "校验通过" in ok.stdout
    assert events(db, "backup.verify")[-1][1] == "ok"
    st = _json(cli("--json", "backup", "status", "--dir", folder))
    by = {c["class"]: c for c in st["classes"]}
    assert by["core"]["last_verified"] == core["id"] and by["core"]["rpo_met"]
    assert by["general"]["last_verified"] is None and not by["general"]["rpo_met"]
    human = cli("--lang", "en", "backup", "list", "--dir", folder)
    assert human.exit_code == 0 and "ok" in human.stdout and "never" in human.stdout

    target = _target(db_url, tmp_path)
    if target is not None:
        res = _json(cli("--db", db_url, "--json", "backup", "restore", made["id"],
                        "--to", target, "--dir", folder))  # fmt: skip
        assert res["rows"] == sum(made["tables"].values())
        current = _json(cli("--db", target, "--json", "db", "current"))
        assert current["state"] == "current"
        # the restored database has the backup's sign-in session: audit verify as its admin
        again = cli("--db", db_url, "backup", "restore", made["id"], "--to", target,
                    "--dir", folder)  # fmt: skip
        assert again.exit_code == 6 and "--force" in again.stderr
        with sa.create_engine(target).connect() as conn:
            actions = conn.execute(sa.text("SELECT action FROM audit_events ORDER BY seq"))
            assert actions.all()[-1][0] == "backup.restore"


def test_refusals_are_one_sentence_and_an_exit_code(cli, db_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = setup_admin(cli, db_url)  # a department admin: not a system setting they may touch
    folder = str(tmp_path / "bk")
    denied = cli("--db", db_url, "backup", "create", "--to", folder)
    assert denied.exit_code == 3 and "Traceback" not in denied.stderr
    assert events(db, "backup.create")[-1][1] == "denied"
    bad = cli("--db", db_url, "backup", "create", "--class", "secret", "--to", folder)
    assert bad.exit_code == 5 and "core" in bad.stderr
    both = cli("--lang", "en", "backup", "verify", "--dir", folder)
    assert both.exit_code == 2 and "--latest" in both.stderr
    none = cli("--lang", "en", "backup", "verify", "nope", "--dir", folder)
    assert none.exit_code in (4, 5), none.stderr  # no keys yet (5) or no such backup (4)
    assert len(none.stderr.strip().splitlines()) == 1


def test_a_damaged_backup_fails_verify_with_its_name(cli, db_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = _sysadmin(cli, db_url)
    folder = tmp_path / "bk"
    made = _json(cli("--db", db_url, "--json", "backup", "create", "--to", str(folder)))
    part = next((folder / made["id"]).glob("*.jzs"))
    part.write_bytes(part.read_bytes()[:-7])
    res = cli("--db", db_url, "--lang", "en", "backup", "verify", made["id"], "--dir", str(folder))
    assert res.exit_code == 5
    assert "size invalid" in res.stdout and "Do not rely on it" in res.stdout
    assert events(db, "backup.verify")[-1][1] == "failed"
    doc = _json_any(cli("--db", db_url, "--json", "backup", "verify", made["id"],
                        "--dir", str(folder)))  # fmt: skip
    assert doc["status"] == "invalid" and doc["parts"][0]["status"] == "size invalid"
    listed = _json(cli("--lang", "en", "--json", "backup", "list", "--dir", str(folder)))
    assert listed["backups"][0]["verify_status"] == "invalid"


def _json_any(res: Any) -> Any:
    return json.loads(res.stdout)["data"]


def test_prune_dry_run_lists_and_keeps_the_newest_verified(
    cli, db_url: str, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    _sysadmin(cli, db_url)
    folder = str(tmp_path / "bk")
    args = ("--db", db_url, "--json", "backup", "create", "--class", "core", "--to", folder)
    ids = [_json(cli(*args))["id"] for _ in range(2)]
    dry = _json(cli("--db", db_url, "--json", "backup", "prune", "--dry-run", "--dir", folder))
    # both were taken today: the newest of the day is kept, the other goes
    assert dry["deleted"] == [ids[0]] and dry["kept"] == [ids[1]]
    assert (Path(folder) / ids[0]).is_dir()
    done = _json(cli("--db", db_url, "--json", "backup", "prune", "--dir", folder))
    assert done["deleted"] == [ids[0]] and not (Path(folder) / ids[0]).exists()
