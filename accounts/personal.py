"""Personal data: ID numbers and mobiles sealed at rest, found by a blind index, shown masked.

Keys
----
The data key never touches the database. It lives in the keyring (casedb.keystore) under
names bound to *this* database, whose identity is the audit chain id (``audit_head.chain_id``):

- ``data-key:<chain_id>:v<N>``: version N, one random 32-byte secret (base64);
- ``data-key:<chain_id>:current``: the version new data is sealed with.

From each version's secret two keys are derived with HMAC-SM3 (an HKDF-expand step with
distinct labels): the 16-byte SM4 key and a separate 32-byte blind-index key.

Ciphertexts (``seal``) are ``version (2 bytes, big-endian) || nonce || ciphertext || tag``;
the associated data binds the chain id, the version and the caller's ``aad`` (the field).

Blind indexes depend on the key version: ``rotate_key`` re-encrypts every row *and*
recomputes its indexes in one transaction, so that a leaked old key reveals nothing about
the indexes in use afterwards. Lookups always use the current version.

Which version is current is what the keyring says, checked against the database: every
committed rotation leaves all sealed rows on one version, so when rows carry a newer version
than this console's keyring (another console rotated; this one imported the key file, or an
interrupted rotation committed but could not move the pointer) that newer version wins, and a
console lacking it is told to import the key. Writers take the audit head lock before they
decide (PostgreSQL), so a row is never sealed with a version a concurrent rotation retired.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import struct
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from accounts import idnumber
from audit_log.actor import Actor
from audit_log.chain import lock_head, record, record_refusal
from audit_log.models import AuditHead
from casedb import crypto, keystore
from casedb.engine import UnitOfWork
from casedb.errors import InvalidInput, NotFound, PermissionDenied
from casedb.models import Account

SECRET_BYTES = 32
INDEX_KEY_BYTES = 32
_VERSION = struct.Struct(">H")
MAX_VERSION = 32767  # accounts.key_version is a SmallInteger
EXPORT_FORMAT = "jzctl-data-key/1"
EXPORT_LOG2_N = 15
MIN_PASSPHRASE = 12
ROTATE_BATCH = 1000

# What callers pass as ``aad`` and ``purpose`` for the two fields (others may add theirs).
AAD_ID_NUMBER = b"accounts.id_number"
AAD_MOBILE = b"accounts.mobile"
PURPOSE_ID_NUMBER = "id_number"
PURPOSE_MOBILE = "mobile"
REVEALABLE = ("id_number", "mobile")


# --- masking --------------------------------------------------------------------------------


def mask_id_number(v: str) -> str:
    """530102********1234 (first 6, 8 stars, last 4); anything shorter is all stars."""
    if len(v) == idnumber.LENGTH:
        return idnumber.mask(v)
    return "*" * len(v) if len(v) < 15 else v[:6] + "*" * 8 + v[-4:]


def mask_mobile(v: str) -> str:
    """138****5678; anything that is not 11 characters is all stars."""
    return v[:3] + "****" + v[-4:] if len(v) == 11 else "*" * len(v)


# --- keys -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Material:
    version: int
    enc_key: bytes
    index_key: bytes


def _derive(version: int, secret: bytes) -> _Material:
    enc = crypto.hmac_sm3(secret, b"jzctl data key: sm4-gcm\x01")[: crypto.SM4_KEY_BYTES]
    idx = crypto.hmac_sm3(secret, b"jzctl data key: blind index\x01")[:INDEX_KEY_BYTES]
    return _Material(version, enc, idx)


# Keyring reads are slow (a file keyring runs scrypt on every read): secrets are cached per
# keyring location, database and version. Versions never change their secret once written.
_CACHE: dict[tuple[str, str, int], _Material] = {}


def forget_cached_keys() -> None:
    _CACHE.clear()


def _location() -> str:
    return os.environ.get(keystore.ENV_FILE) or "os"


def _name(chain_id: str, version: int | str) -> str:
    return f"data-key:{chain_id}:{version if isinstance(version, str) else f'v{version}'}"


def chain_id(session: Session) -> str:
    """This database's identity: its audit chain id."""
    value = session.scalar(select(AuditHead.chain_id).where(AuditHead.id == 1))
    if value is None:  # pragma: no cover - every initialised database has its head
        raise NotFound("err.data_key_no_chain")
    return value


def _load(chain: str, version: int) -> _Material | None:
    cached = _CACHE.get((_location(), chain, version))
    if cached is not None:
        return cached
    raw = keystore.get_secret(_name(chain, version))
    if raw is None:
        return None
    try:
        secret = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidInput("err.data_key_corrupt", version=version) from exc
    if len(secret) != SECRET_BYTES:
        raise InvalidInput("err.data_key_corrupt", version=version)
    material = _derive(version, secret)
    _CACHE[(_location(), chain, version)] = material
    return material


def _store(chain: str, version: int, secret: bytes) -> _Material:
    keystore.set_secret(_name(chain, version), base64.b64encode(secret).decode())
    material = _derive(version, secret)
    _CACHE[(_location(), chain, version)] = material
    return material


def _keyring_current(chain: str) -> int:
    raw = keystore.get_secret(_name(chain, "current"))
    if raw is None:
        return 0
    try:
        return int(raw)
    except ValueError as exc:
        raise InvalidInput("err.data_key_corrupt", version="current") from exc


def _set_current(chain: str, version: int) -> None:
    keystore.set_secret(_name(chain, "current"), str(version))


def _material(session: Session, version: int) -> _Material:
    material = _load(chain_id(session), version)
    if material is None:
        raise InvalidInput("err.data_key_missing", version=version, hint="err.data_key_hint")
    return material


_STATE = "jz_personal_current"


def _current(session: Session, *, write: bool) -> _Material:
    """The key new data is sealed and looked up with (created on first use).

    Cached for the transaction; writers decide under the audit head lock."""
    cached: tuple[bool, _Material] | None = session.info.get(_STATE)
    if cached is not None and (cached[0] or not write):
        return cached[1]
    if write:
        lock_head(session)
    chain = chain_id(session)
    in_db = session.scalar(select(func.max(Account.key_version))) or 0
    mine = _keyring_current(chain)
    version = max(in_db, mine)
    material = _load(chain, version) if version else None
    if material is None:
        if in_db:
            raise InvalidInput("err.data_key_missing", version=in_db, hint="err.data_key_hint")
        # No key yet for this database, and nothing sealed: start version 1 (or the next
        # one after a version this keyring lost track of).
        version = max(version, 0) + 1
        material = _store(chain, version, crypto.random_bytes(SECRET_BYTES))
    if version != mine:
        _set_current(chain, version)
    session.info[_STATE] = (write, material)
    _forget_state_at_end(session)
    return material


def _forget_state_at_end(session: Session) -> None:
    if session.info.get("jz_personal_hooked"):
        return
    session.info["jz_personal_hooked"] = True
    from sqlalchemy import event

    def _clear(s: Session, *_: Any) -> None:
        s.info.pop(_STATE, None)

    event.listen(session, "after_commit", _clear)
    event.listen(session, "after_rollback", _clear)


# --- sealing --------------------------------------------------------------------------------


def _aad(chain: str, version: int, aad: bytes) -> bytes:
    return b"jzctl/personal/1|" + chain.encode() + b"|" + _VERSION.pack(version) + b"|" + aad


def _seal_with(chain: str, material: _Material, plaintext: str, aad: bytes) -> bytes:
    body = crypto.sm4_gcm_encrypt(
        material.enc_key, plaintext.encode("utf-8"), _aad(chain, material.version, aad)
    )
    return _VERSION.pack(material.version) + body


def blob_version(blob: bytes) -> int:
    if len(blob) < _VERSION.size + crypto.GCM_NONCE_BYTES + crypto.GCM_TAG_BYTES:
        raise InvalidInput("err.data_cipher_corrupt")
    version: int = _VERSION.unpack_from(blob)[0]
    return version


def seal(session: Session, plaintext: str, *, aad: bytes) -> bytes:
    """SM4-GCM under the current data key; the result carries its key version."""
    material = _current(session, write=True)
    return _seal_with(chain_id(session), material, plaintext, aad)


def unseal(session: Session, blob: bytes, *, aad: bytes) -> str:
    """The clear text of a sealed value (any version this keyring holds)."""
    version = blob_version(blob)
    material = _material(session, version)
    try:
        plain = crypto.sm4_gcm_decrypt(
            material.enc_key, blob[_VERSION.size :], _aad(chain_id(session), version, aad)
        )
    except crypto.DecryptionFailed as exc:
        raise InvalidInput("err.data_cipher_corrupt") from exc
    return plain.decode("utf-8")


def _index_with(material: _Material, value: str, purpose: str) -> str:
    return crypto.hmac_sm3(
        material.index_key, purpose.encode("utf-8") + b"\x00" + value.encode("utf-8")
    ).hex()


def blind_index(session: Session, value: str, *, purpose: str) -> str:
    """HMAC-SM3 of a canonical value under the current index key (64 hex characters).

    ``purpose`` separates the fields: the same digits as an ID number and as a mobile never
    share an index. Callers pass the validated, canonical form."""
    return _index_with(_current(session, write=False), value, purpose)


# --- moving and rotating the key ------------------------------------------------------------


def _passphrase_ok(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE:
        raise InvalidInput("err.key_passphrase_short", min=MIN_PASSPHRASE)


def export_key(
    session: Session,
    passphrase: str,
    *,
    actor: Actor | None = None,
    extras: Mapping[str, str] | None = None,
) -> bytes:
    """Every key version of this database, sealed under a passphrase (scrypt + SM4-GCM),
    with ``extras``: the console's other secrets by keyring name (the audit anchor key, the
    backup keys), so that another console can verify anchors and restore backups.

    The body is JSON naming its format, the database (chain id), the versions and the current
    one, so ``import_key`` can refuse a file for another database before asking anything.
    With ``actor`` the export is recorded (``key.export``) in the caller's transaction."""
    _passphrase_ok(passphrase)
    chain = chain_id(session)
    current = _current(session, write=False)
    versions: dict[str, str] = {}
    for version in range(1, current.version + 1):
        raw = keystore.get_secret(_name(chain, version))
        if raw is not None:
            versions[str(version)] = raw
    secrets: dict[str, Any] = {"versions": versions, "extras": dict(extras or {})}
    salt = crypto.random_bytes(16)
    key = crypto.derive_key(passphrase, salt, log2_n=EXPORT_LOG2_N)
    header = {
        "format": EXPORT_FORMAT,
        "chain_id": chain,
        "current": current.version,
        "versions": sorted(int(v) for v in versions),
        "kdf": "scrypt",
        "log2_n": EXPORT_LOG2_N,
        "r": 8,
        "p": 1,
        "cipher": "SM4-GCM",
        "salt": base64.b64encode(salt).decode(),
    }
    aad = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    data = crypto.sm4_gcm_encrypt(key, json.dumps(secrets).encode(), aad)
    if actor is not None:
        record(session, actor, "key.export", target_kind="data_key", target_id=chain,
               details={"versions": header["versions"], "current": current.version,
                        "extras": sorted(secrets["extras"])})  # fmt: skip
    doc = {**header, "data": base64.b64encode(data).decode()}
    return (json.dumps(doc, indent=1, sort_keys=True) + "\n").encode("utf-8")


def import_key(
    session: Session,
    blob: bytes,
    passphrase: str,
    *,
    actor: Actor | None = None,
    extras_allowed: Collection[str] = (),
) -> int:
    """Put the key versions of an exported file (and those of its extra secrets whose names
    are in ``extras_allowed``) into this console's keyring.

    Refuses a file of another database and a wrong passphrase; never overwrites a version or
    a secret this keyring already holds with a different one. Returns the current version now
    in effect. With ``actor`` the import is recorded (``key.import``) in the caller's
    transaction."""
    try:
        doc = json.loads(blob.decode("utf-8"))
        if not isinstance(doc, dict) or doc.get("format") != EXPORT_FORMAT:
            raise ValueError("format")
        header = {k: v for k, v in doc.items() if k != "data"}
        salt = base64.b64decode(doc["salt"], validate=True)
        data = base64.b64decode(doc["data"], validate=True)
        file_chain, file_current = str(doc["chain_id"]), int(doc["current"])
        log2_n = int(doc["log2_n"])
    except (UnicodeDecodeError, ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise InvalidInput("err.key_file_invalid") from exc
    chain = chain_id(session)
    if file_chain != chain:
        raise InvalidInput("err.key_file_foreign", file_db=file_chain[:8], this_db=chain[:8])
    if not 10 <= log2_n <= 22:
        raise InvalidInput("err.key_file_invalid")
    key = crypto.derive_key(passphrase, salt, log2_n=log2_n)
    aad = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    try:
        body = json.loads(crypto.sm4_gcm_decrypt(key, data, aad))
    except crypto.DecryptionFailed as exc:
        raise InvalidInput("err.key_passphrase_wrong") from exc
    # Files from before extras held the versions alone.
    secrets = body.get("versions", body) if "extras" in body else body
    extras = body.get("extras", {}) if "extras" in body else {}
    if not isinstance(secrets, dict) or not isinstance(extras, dict):
        raise InvalidInput("err.key_file_invalid")
    for name, raw in extras.items():
        if name not in extras_allowed or not isinstance(raw, str):
            continue
        have = keystore.get_secret(name)
        if have is not None and have != raw:
            raise InvalidInput("err.key_secret_clash", name=name[:60])
    written = []
    for name, raw in sorted(secrets.items(), key=lambda kv: int(kv[0])):
        version = int(name)
        secret = base64.b64decode(raw, validate=True)
        if len(secret) != SECRET_BYTES or not 1 <= version <= MAX_VERSION:
            raise InvalidInput("err.key_file_invalid")
        have = keystore.get_secret(_name(chain, version))
        if have is not None and have != raw:
            raise InvalidInput("err.key_version_clash", version=version)
        if have is None:
            _store(chain, version, secret)
            written.append(version)
    current = max(_keyring_current(chain), file_current)
    if _load(chain, current) is None:  # pragma: no cover - the file holds its current version
        raise InvalidInput("err.key_file_invalid")
    _set_current(chain, current)
    brought = []
    for name, raw in sorted(extras.items()):
        if name in extras_allowed and isinstance(raw, str) and keystore.get_secret(name) is None:
            keystore.set_secret(name, raw)
            brought.append(name)
    session.info.pop(_STATE, None)
    if actor is not None:
        record(session, actor, "key.import", target_kind="data_key", target_id=chain,
               details={"versions": written, "current": current,
                        "extras": brought})  # fmt: skip
    return current


@dataclass(frozen=True)
class RotateResult:
    version_before: int
    version: int
    accounts: int  # rows re-encrypted
    id_numbers: int
    mobiles: int


def rotate_key(session: Session, actor: Actor, *, batch: int = ROTATE_BATCH) -> RotateResult:
    """A new key version; every sealed row re-encrypted and re-indexed, in the caller's
    transaction (the caller commits), with a ``key.rotate`` event carrying the counts.

    The new secret is written to the keyring before the rows (an unused version is harmless
    if the transaction rolls back); the keyring's current pointer moves after commit, and
    until then the database's own versions make the new one current (see the module doc)."""
    old = _current(session, write=True)
    chain = chain_id(session)
    if old.version >= MAX_VERSION:  # pragma: no cover - 32767 rotations
        raise InvalidInput("err.data_key_exhausted")
    new = _store(chain, old.version + 1, crypto.random_bytes(SECRET_BYTES))
    ids = mobiles = rows = 0
    last = 0
    while True:
        chunk = session.execute(
            select(Account.id, Account.id_cipher, Account.mobile_cipher)
            .where(
                Account.id > last,
                (Account.id_cipher.is_not(None)) | (Account.mobile_cipher.is_not(None)),
            )
            .order_by(Account.id)
            .limit(batch)
        ).all()
        if not chunk:
            break
        changes: list[dict[str, Any]] = []
        for row in chunk:
            change: dict[str, Any] = {"id": row.id, "key_version": new.version}
            if row.id_cipher is not None:
                number = unseal(session, row.id_cipher, aad=AAD_ID_NUMBER)
                change["id_cipher"] = _seal_with(chain, new, number, AAD_ID_NUMBER)
                change["id_index"] = _index_with(new, number, PURPOSE_ID_NUMBER)
                ids += 1
            if row.mobile_cipher is not None:
                mobile = unseal(session, row.mobile_cipher, aad=AAD_MOBILE)
                change["mobile_cipher"] = _seal_with(chain, new, mobile, AAD_MOBILE)
                change["mobile_index"] = _index_with(new, mobile, PURPOSE_MOBILE)
                mobiles += 1
            changes.append(change)
        session.execute(update(Account), changes)
        rows += len(changes)
        last = chunk[-1].id
    # (the audit trail masks keys that name ID numbers or mobiles: counts get neutral names)
    record(session, actor, "key.rotate", target_kind="data_key", target_id=chain,
           before={"version": old.version}, after={"version": new.version},
           details={"accounts": rows, "sealed_ids": ids, "sealed_cells": mobiles})  # fmt: skip
    session.info[_STATE] = (True, new)
    _forget_state_at_end(session)

    def _move_pointer(s: Session) -> None:
        _set_current(chain, new.version)

    from sqlalchemy import event

    event.listen(session, "after_commit", _move_pointer, once=True)
    return RotateResult(old.version, new.version, rows, ids, mobiles)


# --- reveal ---------------------------------------------------------------------------------

MayReveal = Callable[[Actor, Account], bool]


def _engine(session: Session) -> Engine:
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


def reveal(
    session: Session, actor: Actor, account_id: int, field: str, *, may_reveal: MayReveal
) -> str:
    """The clear ID number or mobile of an account, for a caller allowed to see it.

    The reveal is recorded (``account.reveal``, the field name, never the value) in the
    caller's transaction: commit before showing the value. A refusal is recorded in a
    transaction of its own and raises PermissionDenied."""
    if field not in REVEALABLE:
        raise InvalidInput("err.reveal_field", field=field, fields=", ".join(REVEALABLE))
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound("err.account_not_found", account=str(account_id))
    if not may_reveal(actor, account):
        region, department, login = account.region_code, account.department_code, account.login_name
        # The refusal commits on its own; release this transaction first (on SQLite it may
        # hold the write lock the refusal needs).
        session.rollback()
        record_refusal(UnitOfWork(_engine(session)), actor, "account.reveal",
                       reason="reveal not permitted", target_kind="account",
                       target_id=str(account_id), region=region, department=department,
                       details={"field": field})  # fmt: skip
        raise PermissionDenied("err.reveal_denied", account=login, field=field)
    blob = account.id_cipher if field == "id_number" else account.mobile_cipher
    if blob is None:
        raise NotFound("err.reveal_nothing", account=account.login_name, field=field)
    value = unseal(session, blob, aad=AAD_ID_NUMBER if field == "id_number" else AAD_MOBILE)
    record(session, actor, "account.reveal", target_kind="account", target_id=str(account.id),
           region=account.region_code, department=account.department_code,
           details={"field": field})  # fmt: skip
    return value
