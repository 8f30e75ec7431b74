from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accounts.regions import (
    Level,
    ancestors,
    clean,
    expand,
    level_of,
    parent_of,
    prefix,
    subtree_bounds,
)


@pytest.mark.parametrize(
    ("code", "level", "parent"),
    [
        ("530000000000", Level.PROVINCE, None),
        ("530100000000", Level.PREFECTURE, "530000000000"),
        ("530102000000", Level.COUNTY, "530100000000"),
        ("530102001000", Level.TOWNSHIP, "530102000000"),
        ("530102001001", Level.VILLAGE, "530102001000"),
        ("530102001100", Level.VILLAGE, "530102001000"),
    ],
)
def test_level_and_parent_follow_the_code(code: str, level: Level, parent: str | None) -> None:
    assert level_of(code) == level
    assert parent_of(code) == parent


@pytest.mark.parametrize(
    "bad",
    [
        "53010200100",
        "5301020010011",
        "53010200100a",
        "000000000000",
        "530002001000",
        "５３０１０２００１００１",
    ],
)
def test_malformed_codes_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        level_of(bad)


def test_ancestors_run_from_the_province_down() -> None:
    assert ancestors("530102001001") == [
        "530000000000",
        "530100000000",
        "530102000000",
        "530102001000",
        "530102001001",
    ]


def test_subtree_bounds_cover_exactly_the_descendants() -> None:
    lo, hi = subtree_bounds("530102000000")
    assert lo <= "530102001001" <= hi
    assert not lo <= "530103000000" <= hi
    assert not lo <= "530101999999" <= hi
    assert prefix("530102001000") == "530102001"


def test_expand_accepts_prefixes_and_full_width_digits() -> None:
    assert expand("5301") == "530100000000"
    assert expand("530102001") == "530102001000"
    assert expand(" ５３０１０２\u200b") == "530102000000"
    assert expand("53010") is None
    assert expand("五华区") is None


def test_clean_drops_invisible_characters() -> None:
    assert clean("\ufeff5301\u200d02 ") == "530102"


segment = st.integers


@given(
    st.integers(11, 99),
    st.integers(0, 99),
    st.integers(0, 99),
    st.integers(0, 999),
    st.integers(0, 999),
)
def test_every_well_formed_code_has_a_consistent_chain(
    p: int, f: int, c: int, t: int, v: int
) -> None:
    parts = [f"{p:02d}", f"{f:02d}", f"{c:02d}", f"{t:03d}", f"{v:03d}"]
    # Zero the segments below the first zero one: that is what a real code looks like.
    for i in range(1, 5):
        if set(parts[i]) == {"0"}:
            parts[i:] = ["0" * len(s) for s in parts[i:]]
            break
    code = "".join(parts)
    level = level_of(code)
    chain = ancestors(code)
    assert len(chain) == int(level)
    assert [int(level_of(a)) for a in chain] == list(range(1, int(level) + 1))
    for parent, child in itertools.pairwise(chain):
        assert child.startswith(prefix(parent))
        lo, hi = subtree_bounds(parent)
        assert lo <= child <= hi
