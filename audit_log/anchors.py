"""Anchors the database cannot forge: the chain head signed with HMAC-SM3 under a key held in
the keyring, and copies kept outside the database (an anchor file and a head witness per
chain), which ``verify`` reads back.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from audit_log.models import AuditAnchor
from casedb import crypto
from casedb.config import state_dir
from casedb.errors import InvalidInput

ENV_ANCHOR_DIR = "JZ_AUDIT_ANCHOR_DIR"
log = logging.getLogger("jzctl.audit")
_key_cache: dict[str, bytes] = {}


def anchor_dir() -> Path:
    override = os.environ.get(ENV_ANCHOR_DIR)
    return Path(override) if override else state_dir() / "anchors"


def anchor_file(chain_id: str) -> Path:
    return anchor_dir() / f"{chain_id}.anchors.jsonl"


def head_file(chain_id: str) -> Path:
    return anchor_dir() / f"{chain_id}.head.json"


def key_name(chain_id: str) -> str:
    return f"audit-anchor-key:{chain_id}"


def key_id(key: bytes) -> str:
    return crypto.sm3_hex(b"jzctl-anchor-key-id" + key)[:16]


def mac(key: bytes, chain_id: str, seq: int, hash_: str) -> str:
    return crypto.hmac_sm3(key, f"{chain_id}:{seq}:{hash_}".encode()).hex()


def mac_ok(key: bytes, chain_id: str, seq: int, hash_: str, given: str) -> bool:
    try:
        expected = bytes.fromhex(given)
    except ValueError:
        return False
    return crypto.hmac_sm3_equal(key, f"{chain_id}:{seq}:{hash_}".encode(), expected)


def load_key(chain_id: str) -> bytes | None:
    cached = _key_cache.get(chain_id)
    if cached is not None:
        return cached
    from casedb import keystore  # the keyring loads only when a key is needed

    stored = keystore.get_secret(key_name(chain_id))
    if stored is None:
        return None
    key = bytes.fromhex(stored)
    _key_cache[chain_id] = key
    return key


def anchor_key(session: Session, chain_id: str) -> bytes:
    """The chain's anchor key; made on the first anchor, never silently replaced later."""
    key = load_key(chain_id)
    if key is not None:
        return key
    if session.scalar(select(exists().select_from(AuditAnchor))):
        raise InvalidInput("err.audit_key_missing", chain=chain_id)
    from casedb import keystore

    key = crypto.random_bytes(32)
    keystore.set_secret(key_name(chain_id), key.hex())
    _key_cache[chain_id] = key
    return key


def forget_cached_keys() -> None:
    _key_cache.clear()


def anchor_line(chain_id: str, anchor: AuditAnchor) -> dict[str, Any]:
    return {
        "chain": chain_id,
        "seq": anchor.seq,
        "hash": anchor.hash,
        "at": anchor.at.isoformat(),
        "key_id": anchor.key_id,
        "mac": anchor.mac,
    }


@dataclass(frozen=True)
class FileAnchor:
    seq: int
    hash: str
    key_id: str
    mac: str


def read_anchor_file(path: Path, chain_id: str) -> list[FileAnchor]:
    if not path.exists():
        return []
    out = []
    for line in path.read_text("utf-8").splitlines():
        try:
            doc = json.loads(line)
        except json.JSONDecodeError:
            continue
        if doc.get("chain") == chain_id:
            out.append(FileAnchor(int(doc["seq"]), doc["hash"], doc["key_id"], doc["mac"]))
    return out


def read_head_witness(chain_id: str) -> tuple[int, str] | None:
    path = head_file(chain_id)
    try:
        doc = json.loads(path.read_text("utf-8"))
        return int(doc["seq"]), str(doc["hash"])
    except (OSError, ValueError, KeyError):
        return None


def write_outside(pending: dict[str, Any]) -> None:
    """After commit: append new anchors to the anchor file, move the head witness forward.

    A failure here must not undo a committed change; verify reports what the files lack.
    """
    try:
        folder = anchor_dir()
        folder.mkdir(parents=True, exist_ok=True)
        for line in pending.get("anchors", []):
            with anchor_file(line["chain"]).open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(line) + "\n")
        head = pending.get("head")
        if head is not None:
            chain_id, seq, hash_ = head
            known = read_head_witness(chain_id)
            if known is None or known[0] < seq:
                # Written whole and renamed into place: a reader never sees half a witness.
                tmp = folder / f".head-{os.getpid()}.tmp"
                tmp.write_text(json.dumps({"chain": chain_id, "seq": seq, "hash": hash_}), "utf-8")
                os.replace(tmp, head_file(chain_id))
    except OSError as exc:
        log.warning("could not write the audit anchor files in %s: %s", anchor_dir(), exc)
