"""Statistical division codes: 12 ASCII digits whose prefixes are the ancestors.

province ``53`` → prefecture ``5301`` → county ``530102`` → township ``530102001`` →
village ``530102001001``; the code padded with zeros to 12 digits is the region's key.
"""

from __future__ import annotations

import re
import unicodedata
from enum import IntEnum

CODE_RE = re.compile(r"[0-9]{12}", re.ASCII)
PREFIX_RE = re.compile(r"[0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9}|[0-9]{12}", re.ASCII)


class Level(IntEnum):
    PROVINCE = 1
    PREFECTURE = 2
    COUNTY = 3
    TOWNSHIP = 4
    VILLAGE = 5


# Length of the significant prefix at each level.
PREFIX_LEN = {
    Level.PROVINCE: 2,
    Level.PREFECTURE: 4,
    Level.COUNTY: 6,
    Level.TOWNSHIP: 9,
    Level.VILLAGE: 12,
}


def clean(raw: str) -> str:
    """NFKC-normalise and drop whitespace and invisible characters (copy-paste from Excel)."""
    text = unicodedata.normalize("NFKC", raw)
    return "".join(ch for ch in text if not ch.isspace() and unicodedata.category(ch)[0] != "C")


def is_code(code: str) -> bool:
    return CODE_RE.fullmatch(code) is not None


def level_of(code: str) -> Level:
    """The level a well-formed 12-digit code denotes; raises ValueError for an impossible one."""
    if not is_code(code):
        raise ValueError(f"not a 12-digit division code: {code!r}")
    if code[:2] == "00":
        raise ValueError("province part is zero")
    level = Level.VILLAGE
    for lv in (Level.PROVINCE, Level.PREFECTURE, Level.COUNTY, Level.TOWNSHIP):
        if set(code[PREFIX_LEN[lv] :]) == {"0"}:
            level = lv
            break
    # Every segment above the level must be non-zero: 530002001000 has no prefecture.
    bounds = [0, 2, 4, 6, 9, 12]
    for i in range(1, int(level)):
        seg = code[bounds[i] : bounds[i + 1]]
        if set(seg) == {"0"}:
            raise ValueError("a segment above the level is zero")
    return level


def prefix(code: str) -> str:
    return code[: PREFIX_LEN[level_of(code)]]


def parent_of(code: str) -> str | None:
    level = level_of(code)
    if level == Level.PROVINCE:
        return None
    keep = PREFIX_LEN[Level(level - 1)]
    return code[:keep].ljust(12, "0")


def ancestors(code: str) -> list[str]:
    """From the province down to the code itself."""
    chain = [code]
    parent = parent_of(code)
    while parent is not None:
        chain.append(parent)
        parent = parent_of(parent)
    return chain[::-1]


def subtree_bounds(code: str) -> tuple[str, str]:
    """Inclusive code range of the region and everything under it (an index range scan)."""
    p = prefix(code)
    return p.ljust(12, "0"), p.ljust(12, "9")


def expand(raw: str) -> str | None:
    """A user's code (``5301``, ``530102001`` or all 12 digits) as 12 digits, else None."""
    text = clean(raw)
    if PREFIX_RE.fullmatch(text) is None:
        return None
    return text.ljust(12, "0")
