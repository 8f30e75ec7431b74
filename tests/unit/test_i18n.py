"""The translation catalogue: both languages complete, every key the code uses defined."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from console.i18n import messages, set_language, t

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ["casedb", "accounts", "console"]
ERROR_CALLS = {
    "InvalidInput",
    "NotFound",
    "Conflict",
    "PermissionDenied",
    "UsageProblem",
    "JzError",
}
KEY_LITERAL = re.compile(r"^(err|bad)\.[a-z0-9_]+$")


def used_keys() -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for pkg in PACKAGES:
        for path in (ROOT / pkg).rglob("*.py"):
            if "catalog" in path.parts:
                continue
            tree = ast.parse(path.read_text("utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.Call):
                    name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                    if name in ERROR_CALLS | {"t"} and node.args:
                        first = node.args[0]
                        if isinstance(first, ast.Constant) and isinstance(first.value, str):
                            found.add((first.value, str(path.relative_to(ROOT))))
                    found.update(
                        (kw.value.value, str(path.relative_to(ROOT)))
                        for kw in node.keywords
                        if kw.arg == "hint"
                        and isinstance(kw.value, ast.Constant)
                        and isinstance(kw.value.value, str)
                    )
                elif (
                    isinstance(node, ast.Constant)
                    and isinstance(node.value, str)
                    and KEY_LITERAL.match(node.value)
                ):
                    found.add((node.value, str(path.relative_to(ROOT))))
    return found


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_languages_have_the_same_keys() -> None:
    cat = messages()
    assert set(cat["zh"]) - set(cat["en"]) == set(), "missing in English"
    assert set(cat["en"]) - set(cat["zh"]) == set(), "missing in Chinese"


def test_no_message_is_empty_and_placeholders_agree() -> None:
    cat = messages()
    for key, zh in cat["zh"].items():
        en = cat["en"][key]
        assert zh.strip() and en.strip(), key
        assert placeholders(zh) == placeholders(en), key


def test_every_key_used_in_the_code_is_defined() -> None:
    cat = messages()
    missing = sorted(f"{key} ({where})" for key, where in used_keys() if key not in cat["zh"])
    assert missing == []


def test_dynamic_key_families_are_complete() -> None:
    cat = messages()["zh"]
    for level in range(1, 6):
        assert f"level.{level}" in cat
    for state in ("empty", "current", "behind", "ahead"):
        assert f"db.state_{state}" in cat


def test_english_text_has_no_chinese_and_chinese_is_the_default() -> None:
    cat = messages()
    han = re.compile(r"[\u4e00-\u9fff]")
    leaked = [k for k, v in cat["en"].items() if han.search(v)]
    assert leaked == []
    set_language("zh")
    assert t("level.3") == "县(市、区)"
    set_language("en")
    assert t("level.3") == "county"
    set_language("zh")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_formatting_survives_missing_parameters(lang: str) -> None:
    set_language(lang)
    assert t("err.region_not_found")  # no crash without {code}
    set_language("zh")
