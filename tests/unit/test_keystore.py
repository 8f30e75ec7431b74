"""Secrets go to a keyring chosen on purpose: never nowhere, never plaintext by accident."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail

from casedb import keystore
from casedb.errors import InvalidInput


def test_the_encrypted_file_keyring_round_trips_through_the_keyring_api(tmp_path: Path) -> None:
    path = tmp_path / "k.jzkr"
    ring = keystore.EncryptedFileKeyring(path, "correct horse", log2_n=10)
    ring.set_password("jzctl", "data-key", "s3cr3t-value")
    assert ring.get_password("jzctl", "data-key") == "s3cr3t-value"
    assert b"s3cr3t" not in path.read_bytes()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = keystore.EncryptedFileKeyring(path, "correct horse", log2_n=10)
    assert again.get_password("jzctl", "data-key") == "s3cr3t-value"
    again.delete_password("jzctl", "data-key")
    assert again.get_password("jzctl", "data-key") is None


def test_a_wrong_passphrase_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    keystore.set_secret("x", "y")
    monkeypatch.setenv("JZ_KEYRING_PASSPHRASE", "not the passphrase")
    with pytest.raises(InvalidInput) as exc:
        keystore.get_secret("x")
    assert exc.value.key == "err.keyring_error"


def test_a_passphrase_file_works_and_a_missing_passphrase_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret_file = tmp_path / "pass"
    secret_file.write_text("from a file\n")
    monkeypatch.delenv("JZ_KEYRING_PASSPHRASE")
    monkeypatch.setenv("JZ_KEYRING_PASSPHRASE_FILE", str(secret_file))
    keystore.set_secret("a", "b")
    assert keystore.get_secret("a") == "b"
    monkeypatch.delenv("JZ_KEYRING_PASSPHRASE_FILE")
    with pytest.raises(InvalidInput) as exc:
        keystore.get_secret("a")
    assert exc.value.key == "err.keyring_passphrase_missing"


def test_no_keyring_at_all_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JZ_KEYRING_FILE")
    monkeypatch.setattr(keyring, "get_keyring", fail.Keyring)
    with pytest.raises(InvalidInput) as exc:
        keystore.get_secret("anything")
    assert exc.value.key == "err.keyring_unavailable"


class _Plain(KeyringBackend):
    priority = 0.1
    store: dict[tuple[str, str], str] = {}  # noqa: RUF012

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


_Plain.__name__ = "PlaintextKeyring"
_Plain.__module__ = "keyrings.alt.file"


def test_a_plaintext_backend_is_refused_outside_demo_and_tests(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("JZ_KEYRING_FILE")
    monkeypatch.setattr(keyring, "get_keyring", _Plain)
    with pytest.raises(InvalidInput) as exc:
        keystore.set_secret("k", "v")
    assert exc.value.key == "err.keyring_plaintext"
    monkeypatch.setenv("JZ_ALLOW_PLAINTEXT_KEYRING", "1")
    keystore.set_secret("k", "v")
    assert keystore.get_secret("k") == "v"
    assert "JZ_ALLOW_PLAINTEXT_KEYRING" in os.environ
