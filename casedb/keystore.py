"""Secrets (the audit anchor key, the data key) live in a keyring, never in the database.

The backend is chosen, not guessed:
- ``JZ_KEYRING_FILE`` names an encrypted keyring file (SM4-GCM under a scrypt key from
  ``JZ_KEYRING_PASSPHRASE`` or the file named by ``JZ_KEYRING_PASSPHRASE_FILE``): the choice for
  headless servers, and what the tests use in a temporary folder;
- otherwise the operating system's keyring (Secret Service, KWallet, macOS, Windows).
A missing keyring is an error, never a silent fallback, and a plaintext backend is refused
unless ``JZ_ALLOW_PLAINTEXT_KEYRING=1`` (demo and tests only).
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import keyring
from keyring.backend import KeyringBackend
from keyring.errors import KeyringError, PasswordDeleteError

from casedb import crypto
from casedb.errors import InvalidInput

SERVICE = "jzctl"
ENV_FILE = "JZ_KEYRING_FILE"
ENV_PASSPHRASE = "JZ_KEYRING_PASSPHRASE"
ENV_PASSPHRASE_FILE = "JZ_KEYRING_PASSPHRASE_FILE"
ENV_KDF_COST = "JZ_KEYRING_KDF_LOG2N"
ENV_ALLOW_PLAINTEXT = "JZ_ALLOW_PLAINTEXT_KEYRING"
_FORMAT = "jzctl-keyring/1"


class EncryptedFileKeyring(KeyringBackend):
    """A keyring file encrypted as a whole with SM4-GCM; written atomically, mode 0600."""

    priority = 0.5  # chosen explicitly, never by auto-detection

    def __init__(self, path: Path, passphrase: str, log2_n: int = 15) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.path = path
        self._passphrase = passphrase
        self._log2_n = log2_n

    def _read(self) -> dict[str, dict[str, str]]:
        if not self.path.exists():
            return {}
        try:
            doc = json.loads(self.path.read_text("utf-8"))
            if doc.get("format") != _FORMAT:
                raise ValueError(doc.get("format"))
            salt = base64.b64decode(doc["salt"])
            key = crypto.derive_key(self._passphrase, salt, log2_n=int(doc["log2_n"]))
            plain = crypto.sm4_gcm_decrypt(key, base64.b64decode(doc["data"]), _FORMAT.encode())
        except crypto.DecryptionFailed as exc:
            raise KeyringError("wrong passphrase for the keyring file") from exc
        except (ValueError, KeyError, json.JSONDecodeError) as exc:
            raise KeyringError(f"unreadable keyring file {self.path}") from exc
        data: dict[str, dict[str, str]] = json.loads(plain)
        return data

    def _write(self, data: dict[str, dict[str, str]]) -> None:
        salt = crypto.random_bytes(16)
        key = crypto.derive_key(self._passphrase, salt, log2_n=self._log2_n)
        blob = crypto.sm4_gcm_encrypt(key, json.dumps(data).encode(), _FORMAT.encode())
        doc = {
            "format": _FORMAT,
            "kdf": "scrypt",
            "log2_n": self._log2_n,
            "salt": base64.b64encode(salt).decode(),
            "data": base64.b64encode(blob).decode(),
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".keyring-")
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(doc, fh)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get_password(self, service: str, username: str) -> str | None:
        return self._read().get(service, {}).get(username)

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._read()
        data.setdefault(service, {})[username] = password
        self._write(data)

    def delete_password(self, service: str, username: str) -> None:
        data = self._read()
        if username not in data.get(service, {}):
            raise PasswordDeleteError(username)
        del data[service][username]
        self._write(data)


def _passphrase() -> str:
    direct = os.environ.get(ENV_PASSPHRASE)
    if direct:
        return direct
    from_file = os.environ.get(ENV_PASSPHRASE_FILE)
    if from_file:
        try:
            return Path(from_file).read_text("utf-8").strip()
        except OSError as exc:
            raise InvalidInput("err.keyring_passphrase_file", path=from_file) from exc
    raise InvalidInput("err.keyring_passphrase_missing", path=os.environ.get(ENV_FILE, ""))


def backend() -> KeyringBackend:
    """The keyring this console uses, or a clear error saying how to configure one."""
    path = os.environ.get(ENV_FILE)
    if path:
        log2_n = int(os.environ.get(ENV_KDF_COST, "15"))
        return EncryptedFileKeyring(Path(path).expanduser(), _passphrase(), log2_n)
    chosen: Any = keyring.get_keyring()
    names = {type(chosen).__module__ + "." + type(chosen).__name__}
    names |= {type(b).__module__ for b in getattr(chosen, "backends", [])}
    if any(n.startswith(("keyring.backends.fail", "keyring.backends.null")) for n in names):
        raise InvalidInput("err.keyring_unavailable")
    if any("plaintext" in n.lower() for n in names) and not os.environ.get(ENV_ALLOW_PLAINTEXT):
        raise InvalidInput("err.keyring_plaintext", backend=type(chosen).__name__)
    result: KeyringBackend = chosen
    return result


def get_secret(name: str) -> str | None:
    try:
        return backend().get_password(SERVICE, name)
    except KeyringError as exc:
        raise InvalidInput("err.keyring_error", reason=str(exc)) from exc


def set_secret(name: str, value: str) -> None:
    try:
        backend().set_password(SERVICE, name, value)
    except KeyringError as exc:
        raise InvalidInput("err.keyring_error", reason=str(exc)) from exc


def describe() -> str:
    """Which backend is in use, for ``doctor``-style reports (never the secrets)."""
    path = os.environ.get(ENV_FILE)
    if path:
        return f"encrypted file {path}"
    return type(keyring.get_keyring()).__name__
