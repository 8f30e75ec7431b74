"""The two backup keys, held in the keyring (never in the database or beside a backup).

- the *sealing* key (SM4, 16 bytes) encrypts every part;
- the *signing* key (HMAC-SM3, 32 bytes) signs manifests and catalogue lines.
Both are made on the first backup. A manifest names each key by an id (a digest of the key,
not the key), so a wrong key is named as such before anything is decrypted.
"""

from __future__ import annotations

from dataclasses import dataclass

from casedb import crypto
from casedb.errors import InvalidInput

SEAL_KEY = "backup-sealing-key"
SIGN_KEY = "backup-signing-key"


@dataclass(frozen=True)
class BackupKeys:
    seal: bytes
    sign: bytes

    @property
    def seal_id(self) -> str:
        return key_id(self.seal)

    @property
    def sign_id(self) -> str:
        return key_id(self.sign)


def key_id(key: bytes) -> str:
    return crypto.sm3_hex(b"jzctl-backup-key-id" + key)[:16]


def _load(name: str, size: int, create: bool) -> bytes | None:
    from casedb import keystore

    stored = keystore.get_secret(name)
    if stored is not None:
        try:
            key = bytes.fromhex(stored)
        except ValueError:
            raise InvalidInput("err.backup_key_unreadable", name=name) from None
        if len(key) != size:
            raise InvalidInput("err.backup_key_unreadable", name=name)
        return key
    if not create:
        return None
    key = crypto.random_bytes(size)
    keystore.set_secret(name, key.hex())
    return key


def load(*, create: bool = False) -> BackupKeys:
    """The backup keys; with ``create`` they are made when the keyring has none yet."""
    seal = _load(SEAL_KEY, crypto.SM4_KEY_BYTES, create)
    sign = _load(SIGN_KEY, 32, create)
    if seal is None or sign is None:
        raise InvalidInput("err.backup_key_missing")
    return BackupKeys(seal, sign)


def console_secret_names(chain_id: str) -> list[str]:
    """The keyring names of this console's secrets besides the data key, which ``jzctl key
    export`` carries to another console: the audit anchor key and the two backup keys."""
    from audit_log.anchors import key_name

    return [key_name(chain_id), SEAL_KEY, SIGN_KEY]


def console_secrets(chain_id: str) -> dict[str, str]:
    """Those secrets that this keyring holds, by name."""
    from casedb import keystore

    out = {}
    for name in console_secret_names(chain_id):
        value = keystore.get_secret(name)
        if value is not None:
            out[name] = value
    return out
