"""The manifest of a backup: what it holds, and proof of it, signed with HMAC-SM3.

The signature covers the canonical JSON of every field but itself, under the backup signing
key from the keyring (which the database never holds), so an edited or swapped manifest
is caught before any part is trusted.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from casedb import crypto
from ops.keys import BackupKeys

FORMAT = "jzctl-backup/1"
FILE_NAME = "manifest.json"


class ManifestProblem(Exception):
    """``reason``: "missing", "unreadable", "signature invalid", "wrong key", "mismatch"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _canonical(doc: dict[str, Any]) -> bytes:
    body = {k: v for k, v in doc.items() if k != "signature"}
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return b"jzctl-manifest/1|" + text.encode("utf-8")


def sign(doc: dict[str, Any], keys: BackupKeys) -> dict[str, Any]:
    signed = {k: v for k, v in doc.items() if k != "signature"}
    signed["signature"] = {
        "alg": "HMAC-SM3",
        "key_id": keys.sign_id,
        "value": crypto.hmac_sm3(keys.sign, _canonical(signed)).hex(),
    }
    return signed


def write(folder: Path, doc: dict[str, Any]) -> None:
    tmp = folder / (FILE_NAME + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        json.dump(doc, fh, ensure_ascii=False, indent=1, sort_keys=True)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, folder / FILE_NAME)


def load(folder: Path, keys: BackupKeys, expected_id: str) -> dict[str, Any]:
    """The manifest of the backup in ``folder``, its signature and identity checked."""
    file = folder / FILE_NAME
    if not file.exists():
        raise ManifestProblem("missing")
    try:
        doc: dict[str, Any] = json.loads(file.read_text("utf-8"))
        sig = doc["signature"]
        given = bytes.fromhex(sig["value"])
        sig_key = str(sig["key_id"])
    except (OSError, ValueError, KeyError, TypeError):
        raise ManifestProblem("unreadable") from None
    if doc.get("format") != FORMAT:
        raise ManifestProblem("unreadable")
    if sig_key != keys.sign_id:
        raise ManifestProblem("wrong key")
    if not crypto.hmac_sm3_equal(keys.sign, _canonical(doc), given):
        raise ManifestProblem("signature invalid")
    if doc.get("id") != expected_id:
        raise ManifestProblem("mismatch")
    return doc
