"""Every cryptographic primitive jzctl uses, behind one small interface.

SM3 (hash), HMAC-SM3 and SM4-GCM come from ``cryptography`` (OpenSSL); ``cryptography`` has
no SM2. Keeping the primitives here lets a certified module replace them in one place.
"""

from __future__ import annotations

import hmac as _hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as _chmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

SM4_KEY_BYTES = 16
GCM_NONCE_BYTES = 12
GCM_TAG_BYTES = 16


class DecryptionFailed(Exception):
    """Wrong key, or the ciphertext or its associated data were altered."""


def sm3(data: bytes) -> bytes:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize()


def sm3_hex(data: bytes) -> str:
    return sm3(data).hex()


def hmac_sm3(key: bytes, data: bytes) -> bytes:
    mac = _chmac.HMAC(key, hashes.SM3())
    mac.update(data)
    return mac.finalize()


def hmac_sm3_equal(key: bytes, data: bytes, expected: bytes) -> bool:
    return _hmac.compare_digest(hmac_sm3(key, data), expected)


def random_bytes(n: int) -> bytes:
    return os.urandom(n)


def sm4_gcm_encrypt(key: bytes, plaintext: bytes, aad: bytes = b"") -> bytes:
    """nonce || ciphertext || tag."""
    nonce = os.urandom(GCM_NONCE_BYTES)
    enc = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    enc.authenticate_additional_data(aad)
    body = enc.update(plaintext) + enc.finalize()
    return nonce + body + enc.tag


def sm4_gcm_decrypt(key: bytes, blob: bytes, aad: bytes = b"") -> bytes:
    if len(blob) < GCM_NONCE_BYTES + GCM_TAG_BYTES:
        raise DecryptionFailed("ciphertext too short")
    nonce, body, tag = (
        blob[:GCM_NONCE_BYTES],
        blob[GCM_NONCE_BYTES:-GCM_TAG_BYTES],
        blob[-GCM_TAG_BYTES:],
    )
    dec = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    dec.authenticate_additional_data(aad)
    try:
        return dec.update(body) + dec.finalize()
    except InvalidTag as exc:
        raise DecryptionFailed("authentication tag mismatch") from exc


def derive_key(
    passphrase: str, salt: bytes, *, log2_n: int = 15, length: int = SM4_KEY_BYTES
) -> bytes:
    """A key from a passphrase (scrypt, r=8, p=1)."""
    return Scrypt(salt=salt, length=length, n=2**log2_n, r=8, p=1).derive(
        passphrase.encode("utf-8")
    )


class Sm3Stream:
    """SM3 over data given in pieces (large files)."""

    def __init__(self) -> None:
        self._h = hashes.Hash(hashes.SM3())

    def update(self, data: bytes) -> None:
        self._h.update(data)

    def hexdigest(self) -> str:
        return self._h.finalize().hex()
