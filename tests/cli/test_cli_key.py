"""``jzctl key``: export, import on another console, rotate; refusals."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from accounts import personal
from tests.cli.test_cli_account import _cheap, create, events, id_no, setup_admin
from tests.support.people import make_person, sign_in_as

__all__ = ["_cheap"]


def test_export_import_rotate_round_trip(
    cli, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    db = setup_admin(cli, db_url)
    assert create(cli, db_url, "zhang.san", 1).exit_code == 0
    make_person(db, "sys.admin", role="system_admin", region="530000000000",
                department="coord", role_department="*")  # fmt: skip
    # A department admin may not move the key.
    pw = tmp_path / "pass.txt"
    pw.write_text("a long enough passphrase\n")
    key = tmp_path / "key.json"
    refused = cli("--db", db_url, "key", "export", "--to", str(key), "--passphrase-file", str(pw))
    assert refused.exit_code == 3 and not key.exists()
    assert events(db, "key.export")[-1][1] == "denied"
    sign_in_as(db, "sys.admin")
    res = cli("--db", db_url, "key", "export", "--to", str(key), "--passphrase-file", str(pw))
    assert res.exit_code == 0, res.stderr
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    rot = cli("--db", db_url, "--json", "key", "rotate")
    assert rot.exit_code == 0, rot.stderr
    doc = json.loads(rot.stdout)["data"]
    assert doc["version"] == doc["version_before"] + 1 and doc["accounts"] >= 1
    assert events(db, "key.rotate")[-1][1] == "ok"
    key2 = tmp_path / "key2.json"
    assert cli("--db", db_url, "key", "export", "--to", str(key2),
               "--passphrase-file", str(pw)).exit_code == 0  # fmt: skip
    # Another console: an empty keyring of its own; a wrong passphrase, then the right one.
    monkeypatch.setenv("JZ_KEYRING_FILE", str(tmp_path / "other.jzkr"))
    personal.forget_cached_keys()
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("not the passphrase at all\n")
    bad = cli("--db", db_url, "key", "import", str(key2), "--passphrase-file", str(wrong))
    assert bad.exit_code == 5
    ok = cli("--db", db_url, "--json", "key", "import", str(key2), "--passphrase-file", str(pw))
    assert ok.exit_code == 0, ok.stderr
    assert json.loads(ok.stdout)["data"]["current_version"] == doc["version"]
    with db.read() as s:
        from accounts.accounts import find_by_login

        account = find_by_login(s, "zhang.san")
        assert account is not None and account.id_cipher is not None
        assert personal.unseal(s, account.id_cipher, aad=personal.AAD_ID_NUMBER) == id_no(1)
    assert cli("--db", db_url, "key", "import", str(tmp_path / "nope.json"),
               "--passphrase-file", str(pw)).exit_code == 4  # fmt: skip
    db.dispose()


def test_short_passphrase_and_existing_file_write_nothing(cli, db_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = setup_admin(cli, db_url, login="sys.admin", role="system_admin", region="530000000000",
                     department="coord", role_department="*")  # fmt: skip
    short = tmp_path / "short.txt"
    short.write_text("short\n")
    key = tmp_path / "key.json"
    res = cli("--db", db_url, "key", "export", "--to", str(key), "--passphrase-file", str(short))
    assert res.exit_code == 5 and not key.exists()
    key.write_text("keep me")
    long = tmp_path / "long.txt"
    long.write_text("a long enough passphrase\n")
    res = cli("--db", db_url, "key", "export", "--to", str(key), "--passphrase-file", str(long))
    assert res.exit_code == 6 and key.read_text() == "keep me"
    assert [e[1] for e in events(db, "key.export")] == []
    db.dispose()


def test_the_anchor_key_and_backup_keys_travel_with_the_data_key(
    cli, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from audit_log.anchors import anchor_key, forget_cached_keys, key_name
    from casedb import keystore
    from ops import keys as backup_keys

    db = setup_admin(cli, db_url)
    make_person(db, "sys.admin", role="system_admin", region="530000000000",
                department="coord", role_department="*")  # fmt: skip
    sign_in_as(db, "sys.admin")
    made = backup_keys.load(create=True)
    with db.uow() as uow:
        chain = personal.chain_id(uow.session)
        anchor_key(uow.session, chain)  # made with the first anchor
        uow.commit()
    anchor = keystore.get_secret(key_name(chain))
    assert anchor is not None
    pw = tmp_path / "pass.txt"
    pw.write_text("a long enough passphrase\n")
    key = tmp_path / "key.json"
    res = cli("--db", db_url, "key", "export", "--to", str(key), "--passphrase-file", str(pw))
    assert res.exit_code == 0, res.stderr
    assert made.seal.hex() not in key.read_text() and anchor not in key.read_text()
    # A console whose keyring already holds a different backup key: refused, nothing written.
    monkeypatch.setenv("JZ_KEYRING_FILE", str(tmp_path / "clash.jzkr"))
    personal.forget_cached_keys()
    forget_cached_keys()
    keystore.set_secret(backup_keys.SEAL_KEY, "00" * 16)
    clash = cli("--db", db_url, "key", "import", str(key), "--passphrase-file", str(pw))
    assert clash.exit_code == 5
    assert keystore.get_secret(key_name(chain)) is None
    # A fresh console gets all three.
    monkeypatch.setenv("JZ_KEYRING_FILE", str(tmp_path / "other.jzkr"))
    personal.forget_cached_keys()
    forget_cached_keys()
    ok = cli("--db", db_url, "key", "import", str(key), "--passphrase-file", str(pw))
    assert ok.exit_code == 0, ok.stderr
    assert backup_keys.load() == made
    assert keystore.get_secret(key_name(chain)) == anchor
