"""Validation of what people type about an account: clear, specific refusals, never repairs
that change meaning.

Every refusal is ``InvalidInput(key, field=...)`` with a key of console/i18n/catalog/accounts.py.

Decisions:
- Names are refused, not cleaned, when they hold invisible characters (zero-width, bidi
  controls, any Unicode "C" category), control characters or ANSI escapes, Textual/Rich
  markup (``[b]``), or mix scripts. A Chinese name is Han characters (with the middle dot
  of minority names; the look-alike dots people paste are read as that dot); any other name
  is ASCII letters, spaces and ``'-.``. Other scripts are refused: legal names on resident
  ID cards are written in Han characters, and Cyrillic or Greek letters in a Latin-looking
  name are the classic homoglyph trick.
- ID numbers and mobiles come from copy-paste: they are NFKC-normalised and stripped of
  whitespace and invisible characters before any check (as the issue asks), but a digit
  that is not ASCII *as typed* (full-width ``１``, Arabic-Indic ``١``, …) is refused with its
  own message, although NFKC would turn a full-width digit into an ASCII one: the issue's
  acceptance list counts full-width digits as bad input, and a number typed in a full-width
  input mode deserves a second look rather than a silent repair. (``accounts.idnumber`` on
  its own still normalises full-width digits, for imports of the region tree's callers.)
- Every field has a cap; anything longer than 1,000 characters is refused before any
  normalisation work, with the same "too long" message.
- Text that looks like SQL is just text: everything is stored through bound parameters.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts import idnumber
from casedb.errors import InvalidInput
from casedb.models import Region

RAW_CAP = 1000  # nothing longer is even normalised
NAME_MAX = 32
LOGIN_MAX = 32
POST_MAX = 40
WECHAT_MAX = 64
REASON_MAX = 200

LOGIN_RE = re.compile(r"[a-z][a-z0-9._-]{2,31}", re.ASCII)
MOBILE_RE = re.compile(r"1[3-9][0-9]{9}", re.ASCII)
WECHAT_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}", re.ASCII)
LATIN_NAME_RE = re.compile(r"[A-Za-z]+(?:(?: |'|-|\. ?)[A-Za-z]+)*\.?", re.ASCII)
MARKUP_RE = re.compile(r"\[/?[A-Za-z@#$!=/][^\]]*\]|\[\]|\[/\]")
MIDDLE_DOT = "\u00b7"
_DOT_LOOKALIKES = {
    "\u2022": MIDDLE_DOT,  # bullet
    "\u2027": MIDDLE_DOT,  # hyphenation point
    "\u2219": MIDDLE_DOT,  # bullet operator
    "\u22c5": MIDDLE_DOT,  # dot operator
    "\u30fb": MIDDLE_DOT,  # katakana middle dot
    "\uff65": MIDDLE_DOT,  # half-width katakana middle dot
    "\u0387": MIDDLE_DOT,  # Greek ano teleia (NFKC maps it to U+00B7 already)
}
# Han ideographs: the unified blocks and extensions (compatibility ideographs become unified
# ones under NFKC; radicals and strokes are not names).
_HAN_RANGES = (
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0x20000, 0x2A6DF),
    (0x2A700, 0x2EBEF),
    (0x30000, 0x3134F),
)
POST_EXTRA = set(" ·()（）-、/")


def _invalid(key: str, field: str, **params: Any) -> InvalidInput:
    return InvalidInput(key, field=field, **params)


def _cap(field: str, raw: str, limit: int) -> None:
    if len(raw) > RAW_CAP:
        raise _invalid("err.field_too_long", field, max=limit, length=len(raw))


def is_han(ch: str) -> bool:
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in _HAN_RANGES)


def _refuse_hidden(field: str, text: str) -> None:
    """Control characters (ANSI escapes included) and invisible ones: refused, never stripped."""
    for ch in text:
        cat = unicodedata.category(ch)
        if ch == "\x1b" or cat == "Cc":
            raise _invalid("err.text_control", field, code=f"U+{ord(ch):04X}")
        if cat[0] == "C" or cat in ("Zl", "Zp"):
            raise _invalid("err.text_invisible", field, code=f"U+{ord(ch):04X}")


def _refuse_markup(field: str, text: str) -> None:
    if MARKUP_RE.search(text):
        raise _invalid("err.text_markup", field)


def plain_text(raw: str, field: str, limit: int, *, required: bool = False) -> str:
    """Free text (post, reasons): NFKC, trimmed, no hidden characters, no markup, capped."""
    _cap(field, raw, limit)
    _refuse_hidden(field, raw)
    text = " ".join(unicodedata.normalize("NFKC", raw).split())
    _refuse_hidden(field, text)
    _refuse_markup(field, text)
    if required and not text:
        raise _invalid("err.field_required", field)
    if len(text) > limit:
        raise _invalid("err.field_too_long", field, max=limit, length=len(text))
    return text


def full_name(raw: str, field: str = "full_name") -> str:
    """A person's legal name: Han characters (· for minority names) or a plain Latin name."""
    _cap(field, raw, NAME_MAX)
    _refuse_hidden(field, raw)
    text = unicodedata.normalize("NFKC", raw)
    _refuse_hidden(field, text)
    text = " ".join(text.split())
    if not text:
        raise _invalid("err.field_required", field)
    _refuse_markup(field, text)
    if len(text) > NAME_MAX:
        raise _invalid("err.field_too_long", field, max=NAME_MAX, length=len(text))
    text = "".join(_DOT_LOOKALIKES.get(ch, ch) for ch in text)
    han = sum(1 for ch in text if is_han(ch))
    if han:
        if any(not (is_han(ch) or ch == MIDDLE_DOT) for ch in text):
            letters = any(ch.isalpha() and not is_han(ch) for ch in text)
            raise _invalid("err.name_mixed_script" if letters else "err.name_chars", field)
        if text.startswith(MIDDLE_DOT) or text.endswith(MIDDLE_DOT) or "··" in text:
            raise _invalid("err.name_dot", field)
        if han < 2:
            raise _invalid("err.name_too_short", field)
        return text
    if not text.isascii():
        if any(ch.isalpha() for ch in text):
            raise _invalid("err.name_script", field)
        raise _invalid("err.name_chars", field)
    if LATIN_NAME_RE.fullmatch(text) is None:
        raise _invalid("err.name_chars", field)
    return text


def login_name(raw: str, field: str = "login_name") -> str:
    """``[a-z][a-z0-9._-]{2,31}``, ASCII only (capitals are lowered, nothing else is changed)."""
    _cap(field, raw, LOGIN_MAX)
    text = raw.strip()
    if not text:
        raise _invalid("err.field_required", field)
    if not text.isascii():
        raise _invalid("err.login_chars", field)
    text = text.lower()
    if len(text) > LOGIN_MAX:
        raise _invalid("err.field_too_long", field, max=LOGIN_MAX, length=len(text))
    if LOGIN_RE.fullmatch(text) is None:
        raise _invalid("err.login_chars", field)
    return text


def _refuse_foreign_digits(field: str, raw: str) -> None:
    for ch in raw:
        if not ch.isascii() and unicodedata.category(ch) == "Nd":
            raise _invalid("err.digits_not_ascii", field, code=f"U+{ord(ch):04X}")


def _strip(raw: str) -> str:
    text = unicodedata.normalize("NFKC", raw)
    return "".join(ch for ch in text if not ch.isspace() and unicodedata.category(ch)[0] != "C")


def mobile(raw: str, field: str = "mobile") -> str:
    """A mainland mobile number, 11 ASCII digits (``+86`` and separators are dropped)."""
    _cap(field, raw, 20)
    _refuse_foreign_digits(field, raw)
    text = _strip(raw).replace("-", "")
    if text.startswith("+86"):
        text = text[3:]
    if not text:
        raise _invalid("err.field_required", field)
    if MOBILE_RE.fullmatch(text) is None:
        raise _invalid("err.mobile_invalid", field)
    return text


class KnownCounties(Container[str]):
    """Address codes accepted in ID numbers: for a province whose counties are loaded (Yunnan),
    exactly the loaded counties (and their prefecture and province codes, which older cards
    carry); for other provinces, whose counties are not loaded, any code of a real province
    with a non-zero prefecture part."""

    def __init__(self, counties: set[str]) -> None:
        self.counties = frozenset(counties)
        self.provinces = frozenset(c[:2] for c in counties)
        self.prefixes = frozenset(c[:4] + "00" for c in counties) | frozenset(
            p + "0000" for p in self.provinces
        )

    def __contains__(self, code: object) -> bool:
        if not isinstance(code, str) or len(code) != 6:
            return False
        if code[:2] in self.provinces:
            return code in self.counties or code in self.prefixes
        return code[:2] in idnumber.PROVINCES and code[2:4] != "00"


def known_counties(session: Session) -> KnownCounties:
    """The counties of the region table (6-digit prefixes of level-3 divisions)."""
    codes = session.scalars(select(Region.code).where(Region.level == 3))
    return KnownCounties({c[:6] for c in codes})


def id_number(
    raw: str,
    counties: Container[str] | None,
    *,
    today: date | None = None,
    field: str = "id_number",
) -> str:
    """A resident ID number in canonical form (GB 11643 via accounts.idnumber)."""
    _cap(field, raw, 18)
    _refuse_foreign_digits(field, raw)
    try:
        return idnumber.validate(raw, counties, today=today)
    except InvalidInput as exc:
        exc.params.setdefault("field", field)
        raise


def wechat_id(raw: str, field: str = "wechat_id") -> str:
    """A gov-WeChat (政务微信) account id: ASCII letters, digits and ``_.@-``; empty allowed."""
    _cap(field, raw, WECHAT_MAX)
    _refuse_hidden(field, raw)
    text = raw.strip()
    if not text:
        return ""
    if len(text) > WECHAT_MAX:
        raise _invalid("err.field_too_long", field, max=WECHAT_MAX, length=len(text))
    if not text.isascii() or WECHAT_RE.fullmatch(text) is None:
        raise _invalid("err.wechat_chars", field)
    return text


def post(raw: str, field: str = "post") -> str:
    """A post (职务): Han characters, ASCII letters and digits, a few separators; may be empty."""
    text = plain_text(raw, field, POST_MAX)
    for ch in text:
        if not (is_han(ch) or (ch.isascii() and ch.isalnum()) or ch in POST_EXTRA):
            raise _invalid("err.post_chars", field)
    return text


def reason(raw: str, field: str = "reason") -> str:
    return plain_text(raw, field, REASON_MAX)


def validity(
    valid_from: datetime | None, valid_until: datetime | None, field: str = "validity"
) -> tuple[datetime | None, datetime | None]:
    """An optional window; both ends timezone-aware, and from strictly before until."""
    for value in (valid_from, valid_until):
        if value is not None and value.tzinfo is None:
            raise _invalid("err.validity_naive", field)
    if valid_from is not None and valid_until is not None and valid_from >= valid_until:
        raise _invalid(
            "err.validity_order",
            field,
            valid_from=valid_from.isoformat(),
            valid_until=valid_until.isoformat(),
        )
    return valid_from, valid_until
