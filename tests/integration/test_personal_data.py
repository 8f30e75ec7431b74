"""Personal data at rest: sealed, indexed, masked; the data key exported, imported, rotated."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from accounts import idnumber, personal
from accounts.accounts import CreateAccount, create_account, find_by_id_number, find_by_mobile
from audit_log.actor import Actor
from casedb import keystore
from casedb.engine import Database
from casedb.errors import InvalidInput, PermissionDenied
from casedb.models import Account

ADMIN = Actor(login="admin", host="testhost", terminal="-")
PASSPHRASE = "correct horse battery staple"


def allow(actor: Actor, action: str, region: str, department: str) -> None:
    return None


def number(seq: int) -> str:
    first17 = f"530102{date(1980, 1, 1) + timedelta(days=seq):%Y%m%d}{seq % 1000:03d}"
    return first17 + idnumber.check_digit(first17)


def mobile(seq: int) -> str:
    return f"139{seq:08d}"


def make(db: Database, n: int, start: int = 0) -> list[int]:
    with db.engine.connect() as conn:
        dept = conn.execute(sa.text("SELECT code FROM departments ORDER BY sort")).scalars().first()
    assert dept is not None
    ids = []
    for i in range(start, start + n):
        view = create_account(
            CreateAccount(
                login_name=f"user{i:04d}",
                full_name="王芳",
                id_number=number(i),
                region_code="530102000000",
                department_code=dept,
                mobile=mobile(i),
            ),
            db.uow(),
            ADMIN,
            authorize=allow,
        )
        ids.append(view.id)
    return ids


def raw_rows(db: Database) -> list[dict[str, object]]:
    with db.engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.text("SELECT * FROM accounts")).mappings()]


def test_clear_values_never_reach_the_database(db: Database) -> None:
    make(db, 3)
    rows = raw_rows(db)
    dump = repr(rows).encode()
    with db.engine.connect() as conn:
        diffs = " ".join(conn.execute(sa.text("SELECT diff FROM audit_events")).scalars())
    for i in range(3):
        for clear in (number(i), mobile(i)):
            assert clear.encode() not in dump
            assert clear not in diffs
    for row in rows:
        for col in ("id_cipher", "mobile_cipher"):
            blob = bytes(row[col])  # type: ignore[arg-type]
            assert number(0).encode() not in blob
            assert personal.blob_version(blob) == row["key_version"] == 1
        assert len(str(row["id_index"])) == 64
        assert str(row["mobile_masked"]).count("*") == 4


def test_seal_unseal_and_tampering(db: Database) -> None:
    with db.uow() as uow:
        s = uow.session
        blob = personal.seal(s, "530102198001010011", aad=b"f")
        assert personal.unseal(s, blob, aad=b"f") == "530102198001010011"
        with pytest.raises(InvalidInput) as exc:
            personal.unseal(s, blob, aad=b"other field")
        assert exc.value.key == "err.data_cipher_corrupt"
        flipped = blob[:-1] + bytes([blob[-1] ^ 1])
        with pytest.raises(InvalidInput):
            personal.unseal(s, flipped, aad=b"f")
        with pytest.raises(InvalidInput):
            personal.unseal(s, b"\x00", aad=b"f")
        a = personal.blind_index(s, "13900000001", purpose="mobile")
        assert a == personal.blind_index(s, "13900000001", purpose="mobile")
        assert a != personal.blind_index(s, "13900000001", purpose="id_number")
    assert personal.mask_id_number("530102198001011234") == "530102********1234"
    assert personal.mask_mobile("13812345678") == "138****5678"
    assert personal.mask_mobile("123") == "***"


def test_blind_index_finds_the_account(db: Database) -> None:
    ids = make(db, 5)
    with db.read() as s:
        for i, account_id in enumerate(ids):
            found = find_by_id_number(s, number(i))
            assert found is not None and found.id == account_id
            assert [a.id for a in find_by_mobile(s, mobile(i))] == [account_id]


def _keyring_to(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    monkeypatch.setenv("JZ_KEYRING_FILE", str(path))
    personal.forget_cached_keys()


def test_export_then_import_into_another_keyring(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = make(db, 2)
    with db.uow() as uow:
        body = personal.export_key(uow.session, PASSPHRASE, actor=ADMIN)
        uow.commit()
    doc = json.loads(body)
    assert doc["format"] == "jzctl-data-key/1" and doc["versions"] == [1]
    assert doc["kdf"] == "scrypt"
    with pytest.raises(InvalidInput) as exc, db.read() as s:
        personal.export_key(s, "short")
    assert exc.value.key == "err.key_passphrase_short"

    _keyring_to(monkeypatch, tmp_path / "other.jzkr")
    with db.read() as s:
        row = s.get(Account, ids[0])
        assert row is not None and row.id_cipher is not None
        with pytest.raises(InvalidInput) as exc:
            personal.unseal(s, row.id_cipher, aad=personal.AAD_ID_NUMBER)
        assert exc.value.key == "err.data_key_missing"
        # A console without the key must not start a new one over sealed rows.
        with pytest.raises(InvalidInput):
            personal.blind_index(s, number(0), purpose=personal.PURPOSE_ID_NUMBER)
    with db.uow() as uow:
        with pytest.raises(InvalidInput) as exc:
            personal.import_key(uow.session, body, "wrong passphrase here")
        assert exc.value.key == "err.key_passphrase_wrong"
        with pytest.raises(InvalidInput) as exc:
            personal.import_key(uow.session, b"not a key file", PASSPHRASE)
        assert exc.value.key == "err.key_file_invalid"
        assert personal.import_key(uow.session, body, PASSPHRASE, actor=ADMIN) == 1
        uow.commit()
    with db.read() as s:
        row = s.get(Account, ids[0])
        assert row is not None and row.id_cipher is not None
        assert personal.unseal(s, row.id_cipher, aad=personal.AAD_ID_NUMBER) == number(0)
        found = find_by_id_number(s, number(1))
        assert found is not None and found.id == ids[1]
    with db.engine.connect() as conn:
        actions = conn.execute(
            sa.text("SELECT action, diff FROM audit_events WHERE action LIKE 'key.%' ORDER BY seq")
        ).all()
    assert [a for a, _ in actions] == ["key.export", "key.import"]
    secret = keystore.get_secret(f"data-key:{doc['chain_id']}:v1")
    assert secret is not None and all(secret not in d for _, d in actions)


def test_a_key_file_of_another_database_is_refused(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from casedb.schema import upgrade

    other = Database(f"sqlite:///{tmp_path / 'other.db'}")
    upgrade(other.engine)
    with other.uow() as uow:
        personal.seal(uow.session, "x", aad=b"f")
        body = personal.export_key(uow.session, PASSPHRASE)
        uow.commit()
    other.dispose()
    with db.uow() as uow, pytest.raises(InvalidInput) as exc:
        personal.import_key(uow.session, body, PASSPHRASE)
    assert exc.value.key == "err.key_file_foreign"


def test_rotation_reencrypts_every_row_and_is_audited(db: Database) -> None:
    ids = make(db, 7)
    old = {r["id"]: (r["id_cipher"], r["mobile_cipher"], r["id_index"]) for r in raw_rows(db)}
    with db.read() as s:  # version 1 decrypts before
        for i, account_id in enumerate(ids):
            id_cipher = bytes(old[account_id][0])  # type: ignore[arg-type]
            assert personal.blob_version(id_cipher) == 1
            assert personal.unseal(s, id_cipher, aad=personal.AAD_ID_NUMBER) == number(i)
    with db.uow() as uow:
        result = personal.rotate_key(uow.session, ADMIN, batch=3)
        uow.commit()
    assert (result.version_before, result.version) == (1, 2)
    assert (result.accounts, result.id_numbers, result.mobiles) == (7, 7, 7)
    rows = {r["id"]: r for r in raw_rows(db)}
    with db.read() as s:
        for i, account_id in enumerate(ids):
            row = rows[account_id]
            assert row["key_version"] == 2
            assert row["id_cipher"] != old[account_id][0]
            assert row["id_index"] != old[account_id][2]
            assert personal.blob_version(bytes(row["id_cipher"])) == 2  # type: ignore[arg-type]
            assert personal.unseal(
                s, bytes(row["id_cipher"]), aad=personal.AAD_ID_NUMBER
            ) == number(i)  # type: ignore[arg-type]
            assert personal.unseal(
                s, bytes(row["mobile_cipher"]), aad=personal.AAD_MOBILE
            ) == mobile(i)  # type: ignore[arg-type]
            # The old version still opens the old ciphertexts.
            assert personal.unseal(
                s, bytes(old[account_id][0]), aad=personal.AAD_ID_NUMBER
            ) == number(i)  # type: ignore[arg-type]
            found = find_by_id_number(s, number(i))
            assert found is not None and found.id == account_id
    with db.engine.connect() as conn:
        (diff,) = conn.execute(
            sa.text("SELECT diff FROM audit_events WHERE action = 'key.rotate'")
        ).scalars()
    details = json.loads(diff)
    assert details["version"] == [1, 2]
    assert details["_"] == {"accounts": 7, "sealed_ids": 7, "sealed_cells": 7}
    # New accounts after the rotation use the new version; duplicates are still caught.
    (new_id,) = make(db, 1, start=100)
    assert {r["id"]: r for r in raw_rows(db)}[new_id]["key_version"] == 2
    from casedb.errors import Conflict

    with pytest.raises(Conflict):
        make(db, 1, start=3)


def test_a_rolled_back_rotation_changes_nothing(db: Database) -> None:
    make(db, 3)
    before = raw_rows(db)
    with db.uow() as uow:
        personal.rotate_key(uow.session, ADMIN)
        uow.rollback()
    assert raw_rows(db) == before
    with db.read() as s:
        assert find_by_id_number(s, number(0)) is not None


def test_reveal_is_audited_and_refusals_recorded(db: Database) -> None:
    (account_id,) = make(db, 1)
    with db.uow() as uow:
        value = personal.reveal(
            uow.session, ADMIN, account_id, "id_number", may_reveal=lambda a, acc: True
        )
        uow.commit()
    assert value == number(0)
    with db.uow() as uow:
        assert personal.reveal(
            uow.session, ADMIN, account_id, "mobile", may_reveal=lambda a, acc: True
        ) == mobile(0)
        uow.commit()
    with db.uow() as uow, pytest.raises(PermissionDenied):
        personal.reveal(
            uow.session, ADMIN, account_id, "id_number", may_reveal=lambda a, acc: False
        )
    with db.uow() as uow, pytest.raises(InvalidInput):
        personal.reveal(uow.session, ADMIN, account_id, "full_name", may_reveal=lambda a, acc: True)
    with db.engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT outcome, diff FROM audit_events WHERE action = 'account.reveal' ORDER BY seq"
            )
        ).all()
    assert [r[0] for r in rows] == ["ok", "ok", "denied"]
    assert json.loads(rows[0][1])["_"] == {"field": "id_number"}
    assert all(number(0) not in r[1] and mobile(0) not in r[1] for r in rows)
