from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from accounts import idnumber
from casedb.errors import InvalidInput

TODAY = date(2026, 11, 24)
COUNTIES = frozenset({"530102", "530103", "532301", "533102"})

counties = st.sampled_from(sorted(COUNTIES))
births = st.dates(min_value=date(1900, 1, 1), max_value=TODAY)
seeds = st.integers(min_value=0, max_value=2**32)


def _valid(number: str) -> str:
    return idnumber.validate(number, COUNTIES, today=TODAY)


def _key(number: str, known: frozenset[str] | None = COUNTIES) -> str:
    with pytest.raises(InvalidInput) as info:
        idnumber.validate(number, known, today=TODAY)
    return info.value.key


def test_known_good_number() -> None:
    # The standard's worked example: 11010519491231002X.
    assert idnumber.check_digit("11010519491231002") == "X"
    assert idnumber.validate("11010519491231002x", today=TODAY) == "11010519491231002X"


@given(seed=seeds, county=counties, born=births)
def test_generated_numbers_validate(seed: int, county: str, born: date) -> None:
    number = idnumber.generate(random.Random(seed), county, born)
    assert len(number) == 18
    assert _valid(number) == number
    assert idnumber.birth_date(number) == born
    masked = idnumber.mask(number)
    assert masked == number[:6] + "********" + number[-4:]


@given(
    seed=seeds,
    county=counties,
    born=births,
    pos=st.integers(min_value=0, max_value=17),
    new=st.sampled_from("0123456789X"),
)
def test_any_single_character_change_is_caught(
    seed: int, county: str, born: date, pos: int, new: str
) -> None:
    number = idnumber.generate(random.Random(seed), county, born)
    assume(number[pos] != new)
    changed = number[:pos] + new + number[pos + 1 :]
    with pytest.raises(InvalidInput):
        idnumber.validate(changed, COUNTIES, today=TODAY)


@given(seed=seeds, county=counties, born=births)
def test_full_width_digits_and_spaces_are_normalised(seed: int, county: str, born: date) -> None:
    number = idnumber.generate(random.Random(seed), county, born)
    wide = "".join(chr(ord(c) + 0xFEE0) for c in number)  # ０-９ and Ｘ
    pasted = f" \u200b{wide[:6]} {wide[6:14]}\t{wide[14:]}\u00a0"
    assert _valid(pasted) == number


@given(seed=seeds, county=counties, born=births)
def test_other_unicode_digits_are_refused(seed: int, county: str, born: date) -> None:
    number = idnumber.generate(random.Random(seed), county, born)
    arabic_indic = "".join(chr(0x0660 + int(c)) if c.isdigit() else c for c in number)
    assert _key(arabic_indic) == "err.idnumber_chars"


@given(seed=seeds, county=counties, days=st.integers(min_value=1, max_value=3650))
def test_future_birth_dates_are_refused(seed: int, county: str, days: int) -> None:
    number = idnumber.generate(random.Random(seed), county, TODAY + timedelta(days=days))
    assert _key(number) == "err.idnumber_birth_future"


@given(
    seed=seeds,
    county=counties,
    year=st.integers(min_value=1901, max_value=2025).filter(
        lambda y: not (y % 4 == 0 and (y % 100 != 0 or y % 400 == 0))
    ),
)
def test_feb_29_of_a_common_year_is_refused(seed: int, county: str, year: int) -> None:
    first17 = f"{county}{year:04d}0229{random.Random(seed).randrange(1000):03d}"
    number = first17 + idnumber.check_digit(first17)
    assert _key(number) == "err.idnumber_birth_invalid"


def test_feb_29_of_a_leap_year_is_accepted() -> None:
    number = idnumber.generate(random.Random(1), "530102", date(2000, 2, 29))
    assert _valid(number) == number


def test_before_1900_and_unknown_county_are_refused() -> None:
    first17 = "530102189912310011"[:17]
    assert _key(first17 + idnumber.check_digit(first17)) == "err.idnumber_birth_old"
    unknown = idnumber.generate(random.Random(2), "530111", date(1980, 5, 5))
    assert _key(unknown) == "err.idnumber_region"
    # Without a county list only the province part is checked.
    assert idnumber.validate(unknown, today=TODAY) == unknown
    foreign = idnumber.generate(random.Random(3), "990101", date(1980, 5, 5))
    assert _key(foreign, None) == "err.idnumber_region"


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("", "err.idnumber_empty"),
        ("  \u200b ", "err.idnumber_empty"),
        ("53010219800101001", "err.idnumber_length"),
        ("5301021980010100123", "err.idnumber_length"),
        ("53010219800101001a1", "err.idnumber_chars"),
        ("53010X198001010012", "err.idnumber_x_position"),
    ],
)
def test_malformed_input(raw: str, key: str) -> None:
    assert _key(raw) == key


def test_check_digit_and_generate_refuse_bad_arguments() -> None:
    with pytest.raises(ValueError):
        idnumber.check_digit("1234")
    with pytest.raises(ValueError):
        idnumber.check_digit("５３０１０２１９８００１０１００１")
    with pytest.raises(ValueError):
        idnumber.generate(random.Random(0), "5301", date(1980, 1, 1))
    with pytest.raises(InvalidInput):
        idnumber.mask("530102")
