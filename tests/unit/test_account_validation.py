"""Validators of account fields: every kind of bad input refused with its own key and field."""

from __future__ import annotations

import random
import unicodedata
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from accounts import idnumber, validation
from casedb.errors import InvalidInput

TODAY = date(2026, 11, 24)
COUNTIES = validation.KnownCounties({"530102", "530103", "530402", "532501"})


def _refusal(fn, *args, **kwargs) -> InvalidInput:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput) as exc:
        fn(*args, **kwargs)
    return exc.value


def _number(prefix: str = "530102", born: date = date(1985, 6, 15), seq: int = 123) -> str:
    first17 = f"{prefix}{born:%Y%m%d}{seq:03d}"
    return first17 + idnumber.check_digit(first17)


# --- names ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("张三", "张三"),
        (" 李四 ", "李四"),
        ("阿依古丽·买买提", "阿依古丽·买买提"),
        ("阿依古丽•买买提", "阿依古丽·买买提"),  # a pasted bullet reads as the middle dot
        ("阿依古丽・买买提", "阿依古丽·买买提"),
        ("Mary-Jane O'Brien", "Mary-Jane O'Brien"),
        ("J. R. Smith", "J. R. Smith"),
        ("Ｊｏｈｎ Ｓｍｉｔｈ", "John Smith"),  # full-width letters become ASCII under NFKC
    ],
)
def test_good_names(raw: str, expected: str) -> None:
    assert validation.full_name(raw) == expected
    # a space between Han characters is not part of a name
    assert _refusal(validation.full_name, "李 四").key == "err.name_chars"


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("张\u200b三", "err.text_invisible"),  # zero-width space
        ("张\u200d三", "err.text_invisible"),  # zero-width joiner
        ("\ufeff张三", "err.text_invisible"),  # byte order mark
        ("张三\u202e", "err.text_invisible"),  # right-to-left override
        ("\u2066John\u2069", "err.text_invisible"),  # bidi isolate
        ("John\u00adSmith", "err.text_invisible"),  # soft hyphen
        ("\x1b[31mJohn\x1b[0m", "err.text_control"),  # ANSI colour
        ("John\x07", "err.text_control"),
        ("张三\n", "err.text_control"),
        ("[b]张三[/b]", "err.text_markup"),
        ("[red]John[/red]", "err.text_markup"),
        ("[@click=app.quit]x[/]", "err.text_markup"),
        ("Ivаn", "err.name_script"),  # Cyrillic а
        ("Иван", "err.name_script"),
        ("Αlice", "err.name_script"),  # Greek capital alpha
        ("张三Smith", "err.name_mixed_script"),
        ("张三1", "err.name_chars"),
        ("张", "err.name_too_short"),
        ("·张三", "err.name_dot"),
        ("张··三", "err.name_dot"),
        ("Robert'); DROP TABLE accounts;--", "err.name_chars"),
        ("", "err.field_required"),
        ("   ", "err.field_required"),
        ("张" * 33, "err.field_too_long"),
        ("a" * 10_240, "err.field_too_long"),
        ("⺈⺊", "err.name_chars"),  # CJK radicals are not name characters
    ],
)
def test_bad_names(raw: str, key: str) -> None:
    err = _refusal(validation.full_name, raw)
    assert err.key == key
    assert err.params["field"] == "full_name"


_HIDDEN = [chr(c) for c in (0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x202A, 0x202E, 0x2066, 0x061C)]


@settings(max_examples=200, deadline=None)
@given(
    st.text(min_size=0, max_size=10),
    st.sampled_from(_HIDDEN),
    st.text(min_size=0, max_size=10),
)
def test_names_with_an_invisible_character_never_pass(a: str, hidden: str, b: str) -> None:
    with pytest.raises(InvalidInput):
        validation.full_name(a + hidden + b)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_whatever_passes_is_plain_han_or_plain_latin(raw: str) -> None:
    try:
        name = validation.full_name(raw)
    except InvalidInput:
        return
    assert 1 <= len(name) <= validation.NAME_MAX
    assert all(unicodedata.category(ch)[0] != "C" for ch in name)
    han = all(validation.is_han(ch) or ch == "·" for ch in name)
    latin = name.isascii() and all(ch.isalpha() or ch in " '-." for ch in name)
    assert han or latin
    assert "[" not in name and "\x1b" not in name


# --- login names, mobiles, gov-WeChat, posts --------------------------------------------------


def test_login_names() -> None:
    assert validation.login_name(" Zhang.San_01 ") == "zhang.san_01"
    for bad in ("zs", "1abc", "zhang san", "zhāng", "ｚｈａｎｇ", "a" * 33, "x;drop"):
        assert _refusal(validation.login_name, bad).key in (
            "err.login_chars",
            "err.field_too_long",
        )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13812345678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("138\u200b12345678", "13812345678"),  # invisible characters are stripped
    ],
)
def test_good_mobiles(raw: str, expected: str) -> None:
    assert validation.mobile(raw) == expected


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("12812345678", "err.mobile_invalid"),
        ("1381234567", "err.mobile_invalid"),
        ("138123456789", "err.mobile_invalid"),
        ("１３８１２３４５６７８", "err.digits_not_ascii"),  # full-width
        ("١٣٨١٢٣٤٥٦٧٨", "err.digits_not_ascii"),  # Arabic-Indic
        ("13812345678' OR '1'='1", "err.mobile_invalid"),
        ("1" * 10_240, "err.field_too_long"),
    ],
)
def test_bad_mobiles(raw: str, key: str) -> None:
    err = _refusal(validation.mobile, raw)
    assert err.key == key
    assert err.params["field"] == "mobile"


def test_wechat_and_post() -> None:
    assert validation.wechat_id(" zhangsan@yn ") == "zhangsan@yn"
    assert validation.wechat_id("") == ""
    assert _refusal(validation.wechat_id, "张三").key == "err.wechat_chars"
    assert _refusal(validation.wechat_id, "a" * 65).key == "err.field_too_long"
    assert validation.post("经办人员（临时）") == "经办人员(临时)"
    assert _refusal(validation.post, "[b]经办[/b]").key == "err.text_markup"
    assert _refusal(validation.post, "经办\u202e").key == "err.text_invisible"
    assert _refusal(validation.post, "x" * 10_240).key == "err.field_too_long"
    assert _refusal(validation.post, "经办; DROP").key == "err.post_chars"


def test_validity_window() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert validation.validity(now, now + timedelta(days=1)) == (now, now + timedelta(days=1))
    assert validation.validity(None, None) == (None, None)
    assert _refusal(validation.validity, now, now).key == "err.validity_order"
    assert _refusal(validation.validity, now + timedelta(1), now).key == "err.validity_order"
    assert _refusal(validation.validity, datetime(2026, 1, 1), None).key == "err.validity_naive"


# --- ID numbers -------------------------------------------------------------------------------


def test_a_good_id_number_passes_in_canonical_form() -> None:
    number = _number()
    assert validation.id_number(number, COUNTIES, today=TODAY) == number
    assert validation.id_number(f" {number[:6]} {number[6:]}\u200b", COUNTIES, today=TODAY)
    x_number = next(
        n for s in range(1000) if (n := _number(seq=s)).endswith("X")
    )  # lower-case x is read as X
    assert validation.id_number(x_number.lower(), COUNTIES, today=TODAY) == x_number
    # another province's county (not loaded): its province part is checked
    assert validation.id_number(_number("510104"), COUNTIES, today=TODAY)


def _flip_check(number: str) -> str:
    return number[:17] + ("0" if number[17] != "0" else "1")


@pytest.mark.parametrize(
    ("make", "key"),
    [
        (lambda: _flip_check(_number()), "err.idnumber_checksum"),
        (
            lambda: _number(born=date(1985, 6, 15))[:10] + "0230" + "1231",
            "err.idnumber_birth_invalid",
        ),
        (lambda: "530102" + "19000229" + "123" + "0", "err.idnumber_birth_invalid"),
        (lambda: _number(born=date(2027, 1, 1)), "err.idnumber_birth_future"),
        (lambda: _number(prefix="530199"), "err.idnumber_region"),
        (lambda: _number(prefix="990102"), "err.idnumber_region"),
        (lambda: _number(prefix="510004"), "err.idnumber_region"),
        (
            lambda: "".join(chr(0xFF10 + int(c)) if c.isdigit() else c for c in _number()),
            "err.digits_not_ascii",
        ),
        (
            lambda: "".join(chr(0x0660 + int(c)) if c.isdigit() else c for c in _number()),
            "err.digits_not_ascii",
        ),
        (lambda: _number()[:17], "err.idnumber_length"),
        (lambda: _number()[:10] + "X" + _number()[11:], "err.idnumber_x_position"),
        (lambda: "5301021985'; DROP TABLE accounts; --", "err.idnumber_chars"),
        (lambda: "1" * 10_240, "err.field_too_long"),
    ],
)
def test_bad_id_numbers(make, key: str) -> None:  # type: ignore[no-untyped-def]
    err = _refusal(validation.id_number, make(), COUNTIES, today=TODAY)
    assert err.key == key
    assert err.params["field"] == "id_number"


def test_29_february_is_valid_in_leap_years_only() -> None:
    assert validation.id_number(_number(born=date(2000, 2, 29)), COUNTIES, today=TODAY)
    first17 = "530102" + "19000229" + "123"
    err = _refusal(validation.id_number, first17 + idnumber.check_digit(first17), COUNTIES)
    assert err.key == "err.idnumber_birth_invalid"
    first17 = "530102" + "19850230" + "123"
    err = _refusal(validation.id_number, first17 + idnumber.check_digit(first17), COUNTIES)
    assert err.key == "err.idnumber_birth_invalid"


@settings(max_examples=300, deadline=None)
@given(
    st.integers(min_value=0, max_value=2**32),
    st.sampled_from(sorted(COUNTIES.counties)),
    st.dates(min_value=date(1900, 1, 1), max_value=TODAY),
)
def test_generated_valid_numbers_always_pass(seed: int, county: str, born: date) -> None:
    number = idnumber.generate(random.Random(seed), county, born)
    assert validation.id_number(number, COUNTIES, today=TODAY) == number


@settings(max_examples=300, deadline=None)
@given(
    st.integers(min_value=0, max_value=2**32),
    st.dates(min_value=date(1900, 1, 1), max_value=TODAY),
    st.integers(min_value=0, max_value=16),
    st.integers(min_value=1, max_value=9),
)
def test_one_changed_digit_is_always_caught(seed: int, born: date, pos: int, delta: int) -> None:
    number = idnumber.generate(random.Random(seed), "530102", born)
    changed = number[:pos] + str((int(number[pos]) + delta) % 10) + number[pos + 1 :]
    assume(changed != number)
    with pytest.raises(InvalidInput):
        validation.id_number(changed, COUNTIES, today=TODAY)
