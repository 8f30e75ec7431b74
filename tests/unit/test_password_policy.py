"""The password policy, each rule on its own; hashing parameters."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from accounts import credentials
from accounts.credentials import PasswordPolicy
from casedb.errors import InvalidInput

GOOD = "Tea-Garden-2026"
POLICY = PasswordPolicy()


@pytest.fixture(autouse=True)
def _fast_hashing() -> Iterator[None]:
    credentials.configure_hashing(memory_cost=8, time_cost=1)
    yield
    credentials.configure_hashing()


def refused(password: str, **kw: object) -> str:
    with pytest.raises(InvalidInput) as exc:
        POLICY.check(password, **kw)  # type: ignore[arg-type]
    return exc.value.key


def test_a_good_password_passes_and_comes_back_normalised() -> None:
    assert POLICY.check(GOOD) == GOOD
    # Full-width forms (another input method) are the same password after NFKC.
    assert POLICY.check("Ｔｅａ-Ｇａｒｄｅｎ-２０２６") == GOOD


def test_length_and_classes() -> None:
    assert refused("Ab1-short") == "err.password_too_short"
    assert refused("alllowercaseletters") == "err.password_classes"
    assert refused("lowercase123456") == "err.password_classes"
    assert POLICY.check("lowercase-123456")  # lower, digit, other
    assert refused("ABCDEFGHabcdefgh") == "err.password_classes"
    # NFKC first: twelve full-width characters count as twelve ASCII ones.
    assert POLICY.check("Ａｂｃ１２３４５６７８９")


def test_the_login_and_the_name_are_refused() -> None:
    kw = {"login": "zhang.wei", "full_name": "张 伟"}
    assert refused("Zhang.Wei-2026!", **kw) == "err.password_contains_name"
    assert refused("xxZHANGxx-2026", **kw) == "err.password_contains_name"
    assert refused("我是张伟Abc-2026", **kw) == "err.password_contains_name"
    assert POLICY.check("Tea-Garden-2026", **kw)


def test_control_characters_are_refused() -> None:
    assert refused("Tea-Garden\x00-2026") == "err.password_control"
    assert refused("Tea-Garden\u200b-2026") == "err.password_control"


def test_a_73_byte_password_is_accepted_and_every_byte_counts() -> None:
    long = "Aa1-" + "x" * 69
    assert len(long.encode()) == 73
    pw = POLICY.check(long)
    stored = credentials.hash_password(pw)
    assert stored.startswith("$argon2id$")
    assert credentials.verify_password(long, stored)[0]
    # bcrypt would ignore byte 73; argon2 does not.
    assert not credentials.verify_password(long[:-1] + "y", stored)[0]


@pytest.mark.parametrize("size", [1025, 4096, 1024 * 1024])
def test_overlong_passwords_are_refused_before_hashing(size: int) -> None:
    started = time.perf_counter()
    assert refused("Aa1-" + "x" * (size - 4)) == "err.password_too_long"
    assert time.perf_counter() - started < 0.5
    # Multi-byte characters count in bytes: 342 × 3 bytes > 1,024.
    assert refused("Aa1-" + "雲" * 342) == "err.password_too_long"
    assert POLICY.check("Aa1-" + "雲" * 340)


def test_history_of_five() -> None:
    old = [credentials.hash_password(f"Old-Password-{i}") for i in range(6)]
    history = old[:5]
    for i in range(5):
        assert refused(f"Old-Password-{i}", history_hashes=history) == "err.password_reused"
    assert POLICY.check("Old-Password-5", history_hashes=history)
    store = credentials.store_password
    from accounts.models import Credential

    cred = Credential(account_id=1, password_history="[]")
    now = datetime(2026, 1, 1, tzinfo=UTC)
    for h in old:
        store(cred, h, now, keep=5)
    assert credentials.history_of(cred) == old[::-1][:5]


def test_every_figure_is_configurable() -> None:
    lax = PasswordPolicy(min_length=8, min_classes=2, history=1, max_bytes=64)
    assert lax.check("abcdefg1")
    with pytest.raises(InvalidInput):
        lax.check("Aa1-" + "x" * 61)
    now = datetime(2026, 6, 1, tzinfo=UTC)
    assert not POLICY.expired(now - timedelta(days=89), now)
    assert POLICY.expired(now - timedelta(days=91), now)
    assert POLICY.expired(None, now)
    assert not PasswordPolicy(max_age=timedelta(days=365)).expired(now - timedelta(days=91), now)


def test_production_hashing_follows_owasp() -> None:
    # OWASP Password Storage Cheat Sheet: argon2id, m=19 MiB, t=2, p=1.
    assert credentials.OWASP_ARGON2 == {"memory_cost": 19456, "time_cost": 2, "parallelism": 1}
    credentials.configure_hashing()
    stored = credentials.hash_password(GOOD)
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert credentials.context().default_scheme() == "argon2"
    # bcrypt is known (legacy hashes verify) but deprecated: a match is rehashed.
    legacy = "$2b$12$" + "a" * 53
    assert credentials.context().identify(legacy) == "bcrypt"
    assert credentials.context().needs_update(legacy)
    assert not credentials.context().needs_update(stored)


def test_activation_codes_are_unambiguous_and_random() -> None:
    codes = {credentials.new_activation_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        groups = code.split("-")
        assert [len(g) for g in groups] == [4, 4, 4, 4]
        assert not set("".join(groups)) & set("IL0O1")
    code = next(iter(codes))
    assert credentials.activation_hash(7, code) == credentials.activation_hash(
        7, code.lower().replace("-", " ")
    )
    assert credentials.activation_hash(7, code) != credentials.activation_hash(8, code)


def test_totp_window_and_format() -> None:
    import pyotp

    secret = pyotp.random_base32()
    now = datetime(2026, 3, 1, 8, 0, 10, tzinfo=UTC)
    totp = pyotp.TOTP(secret)
    step = credentials.time_step(now)
    assert credentials.match_totp(secret, totp.at(now), now) == step
    assert credentials.match_totp(secret, totp.at(now - timedelta(seconds=30)), now) == step - 1
    assert credentials.match_totp(secret, totp.at(now + timedelta(seconds=30)), now) == step + 1
    assert credentials.match_totp(secret, totp.at(now - timedelta(seconds=90)), now) is None
    assert credentials.match_totp(secret, None, now) is None
    assert credentials.match_totp(secret, "12345", now) is None
    assert credentials.match_totp(secret, "１２３４５６", now) in (None, step - 1, step, step + 1)
