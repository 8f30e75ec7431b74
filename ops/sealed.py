"""Backup parts on disk: compressed (zlib) and sealed with SM4-GCM in chunks.

A part is a header followed by frames; each frame is a 4-byte big-endian length and one
SM4-GCM blob (nonce || ciphertext || tag) of one ``CHUNK`` of input, zlib-compressed on its
own when the header's flag says so. Every
frame's associated data names the backup, the part, the frame's index and whether it is the
last one, so frames cannot be reordered, moved to another part or backup, or cut off at the
end without the tag failing. Memory stays bounded by one frame whatever the part's size.
"""

from __future__ import annotations

import os
import struct
import zlib
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from casedb import crypto

MAGIC = b"JZBKPART1\n"
CHUNK = 1 << 20
_LEN = struct.Struct(">I")
FLAG_ZLIB = 1


class PartDamaged(Exception):
    """The part is not what was sealed: ``reason`` is one of the verify vocabulary."""

    def __init__(self, reason: str, frame: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.frame = frame


@dataclass(frozen=True)
class PartInfo:
    name: str
    size: int
    sm3: str
    plain_bytes: int
    frames: int
    compression: str


def _aad(backup_id: str, part: str, index: int, last: bool) -> bytes:
    return f"jzctl-backup/1|{backup_id}|{part}|{index}|{int(last)}".encode()


class _Writer:
    def __init__(self, fh: BinaryIO, key: bytes, backup_id: str, part: str) -> None:
        self.fh = fh
        self.digest = crypto.Sm3Stream()
        self.size = 0

    def _out(self, data: bytes) -> None:
        self.fh.write(data)
        self.digest.update(data)
        self.size += len(data)


def _blocks(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The input regrouped into CHUNK-sized blocks (the last may be shorter or empty)."""
    pending = bytearray()
    for chunk in chunks:
        pending += chunk
        while len(pending) >= CHUNK:
            yield bytes(pending[:CHUNK])
            del pending[:CHUNK]
    yield bytes(pending)


def seal(
    path: Path,
    chunks: Iterable[bytes],
    *,
    key: bytes,
    backup_id: str,
    part: str,
    compress: bool,
) -> PartInfo:
    """Write ``chunks`` (the plaintext, in pieces) to ``path`` as a sealed part.

    Each frame is compressed on its own (zlib level 1) and sealed; frames are prepared by a
    small pool of threads (zlib and OpenSSL release the GIL) in a bounded window, so memory
    stays at a few frames and the work spreads over the machine's cores."""
    flags = FLAG_ZLIB if compress else 0
    plain = 0
    workers = max(1, min(4, os.cpu_count() or 1))

    def frame(index: int, block: bytes, last: bool) -> bytes:
        body = zlib.compress(block, 1) if compress else block
        blob = crypto.sm4_gcm_encrypt(key, body, _aad(backup_id, part, index, last))
        return _LEN.pack(len(blob)) + blob

    with path.open("wb") as fh, ThreadPoolExecutor(workers) as pool:
        w = _Writer(fh, key, backup_id, part)
        w._out(MAGIC + bytes([flags]))
        window: deque[Future[bytes]] = deque()
        held: bytes | None = None
        index = 0
        for block in _blocks(chunks):
            if held is not None:
                window.append(pool.submit(frame, index, held, False))
                index += 1
                if len(window) > 2 * workers:
                    w._out(window.popleft().result())
            held = block
            plain += len(block)
        window.append(pool.submit(frame, index, held or b"", True))
        index += 1
        while window:
            w._out(window.popleft().result())
        fh.flush()
    return PartInfo(
        part, w.size, w.digest.hexdigest(), plain, index, "zlib" if compress else "none"
    )


def file_chunks(path: Path, size: int = CHUNK) -> Iterator[bytes]:
    with path.open("rb") as fh:
        while block := fh.read(size):
            yield block


def stream_chunks(fh: BinaryIO, size: int = CHUNK) -> Iterator[bytes]:
    while block := fh.read(size):
        yield block


def digest_of(path: Path) -> tuple[int, str]:
    h = crypto.Sm3Stream()
    size = 0
    for block in file_chunks(path, 4 * CHUNK):
        h.update(block)
        size += len(block)
    return size, h.hexdigest()


def unseal(
    path: Path,
    *,
    key: bytes,
    backup_id: str,
    part: str,
    expect_sm3: str | None = None,
) -> Iterator[bytes]:
    """The plaintext of a sealed part, in pieces. Raises PartDamaged when anything is off;
    with ``expect_sm3`` the file's digest is checked at the end, before the last piece."""
    digest = crypto.Sm3Stream()
    with path.open("rb") as fh:
        head = fh.read(len(MAGIC) + 1)
        digest.update(head)
        if len(head) < len(MAGIC) + 1 or head[: len(MAGIC)] != MAGIC:
            raise PartDamaged("checksum mismatch", 0)
        z = bool(head[-1] & FLAG_ZLIB)
        index = 0
        held: bytes | None = None  # the previous frame, emitted once we know it is not last
        while True:
            raw_len = fh.read(_LEN.size)
            if not raw_len:
                break
            digest.update(raw_len)
            if len(raw_len) < _LEN.size:
                raise PartDamaged("size invalid", index)
            (n,) = _LEN.unpack(raw_len)
            blob = fh.read(n)
            digest.update(blob)
            if len(blob) < n:
                raise PartDamaged("size invalid", index)
            if held is not None:
                yield from _plain(key, held, backup_id, part, index - 1, False, z)
            held = blob
            index += 1
        if held is None:
            raise PartDamaged("size invalid", 0)
        if expect_sm3 is not None and digest.hexdigest() != expect_sm3:
            raise PartDamaged("checksum mismatch", None)
        yield from _plain(key, held, backup_id, part, index - 1, True, z)


def _plain(
    key: bytes,
    blob: bytes,
    backup_id: str,
    part: str,
    index: int,
    last: bool,
    z: bool,
) -> Iterator[bytes]:
    try:
        data = crypto.sm4_gcm_decrypt(key, blob, _aad(backup_id, part, index, last))
    except crypto.DecryptionFailed:
        raise PartDamaged("checksum mismatch", index) from None
    if not z:
        yield data
        return
    try:
        out = zlib.decompress(data)
    except zlib.error:
        raise PartDamaged("checksum mismatch", index) from None
    if out:
        yield out
