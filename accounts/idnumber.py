"""Resident identity numbers (GB 11643-1999): validate, compute the check character, mask.

An 18-character number is a 6-digit address code (the county of first registration), an
8-digit birth date (YYYYMMDD), a 3-digit sequence (odd for men, even for women) and a check
character computed with ISO 7064 MOD 11-2 over the first 17 digits (``X`` stands for 10).
"""

from __future__ import annotations

import random
import re
from collections.abc import Container
from datetime import UTC, date, datetime

from accounts.regions import clean
from casedb.errors import InvalidInput

LENGTH = 18
NUMBER_RE = re.compile(r"[0-9]{17}[0-9X]", re.ASCII)
_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))  # 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2
_CHECK = "10X98765432"
MIN_BIRTH_YEAR = 1900

# Province-level parts of GB/T 2260 address codes, used when the caller knows no counties.
PROVINCES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
    ]
)


def check_digit(first17: str) -> str:
    """The MOD 11-2 check character for 17 ASCII digits."""
    if len(first17) != 17 or re.fullmatch(r"[0-9]{17}", first17, re.ASCII) is None:
        raise ValueError(f"need 17 ASCII digits, got {first17!r}")
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def birth_date(number: str) -> date | None:
    """The birth date a well-formed number carries, or None if it is not a calendar date."""
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def validate(
    raw: str,
    known_counties: Container[str] | None = None,
    *,
    today: date | None = None,
) -> str:
    """The number in canonical form (ASCII digits, capital X), or InvalidInput.

    Full-width digits and stray spaces from copy-paste are normalised first; any other
    non-ASCII character is refused. ``known_counties`` holds the 6-digit county prefixes the
    caller accepts as address codes; without it only the province part is checked.
    """
    text = clean(raw).upper()
    if not text:
        raise InvalidInput("err.idnumber_empty")
    if not text.isascii() or re.fullmatch(r"[0-9X]+", text, re.ASCII) is None:
        raise InvalidInput("err.idnumber_chars", value=mask_loose(text))
    if len(text) != LENGTH:
        raise InvalidInput("err.idnumber_length", length=len(text))
    if NUMBER_RE.fullmatch(text) is None:
        raise InvalidInput("err.idnumber_x_position")
    born = birth_date(text)
    if born is None:
        raise InvalidInput("err.idnumber_birth_invalid", birth=text[6:14])
    today = today or datetime.now(UTC).date()
    if born > today:
        raise InvalidInput("err.idnumber_birth_future", birth=born.isoformat())
    if born.year < MIN_BIRTH_YEAR:
        raise InvalidInput("err.idnumber_birth_old", birth=born.isoformat())
    address = text[:6]
    if known_counties is not None:
        if address not in known_counties:
            raise InvalidInput("err.idnumber_region", address=address)
    elif address[:2] not in PROVINCES:
        raise InvalidInput("err.idnumber_region", address=address)
    if check_digit(text[:17]) != text[17]:
        raise InvalidInput("err.idnumber_checksum")
    return text


def generate(rng: random.Random, county_prefix6: str, born: date) -> str:
    """A well-formed (fictitious) number for a person born on ``born`` in that county."""
    if len(county_prefix6) != 6 or re.fullmatch(r"[0-9]{6}", county_prefix6, re.ASCII) is None:
        raise ValueError(f"need a 6-digit county prefix, got {county_prefix6!r}")
    first17 = f"{county_prefix6}{born:%Y%m%d}{rng.randrange(1000):03d}"
    return first17 + check_digit(first17)


def mask(number: str) -> str:
    """The display form: first 6 and last 4 characters, 8 stars between (530102********1234)."""
    if len(number) != LENGTH:
        raise InvalidInput("err.idnumber_length", length=len(number))
    return f"{number[:6]}{'*' * 8}{number[-4:]}"


def mask_loose(text: str) -> str:
    """Something safe to echo back in an error about a malformed number."""
    if len(text) <= 8:
        return "*" * len(text)
    return f"{text[:3]}{'*' * (len(text) - 5)}{text[-2:]}"
