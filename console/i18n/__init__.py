"""One translation function for every user-visible string: Chinese by default, English complete.

Messages live in ``console/i18n/catalog/<area>.py`` as two dicts, ``ZH`` and ``EN``; a test
fails when a key is missing in either language or a key used in the code is in neither.
"""

from __future__ import annotations

import os
import pkgutil
from importlib import import_module
from typing import Any

LANGUAGES = ("zh", "en")
_lang = "zh"
_catalog: dict[str, dict[str, str]] | None = None


def _load() -> dict[str, dict[str, str]]:
    global _catalog
    if _catalog is None:
        package = import_module("console.i18n.catalog")
        merged: dict[str, dict[str, str]] = {"zh": {}, "en": {}}
        for info in pkgutil.iter_modules(package.__path__):
            mod = import_module(f"console.i18n.catalog.{info.name}")
            merged["zh"].update(mod.ZH)
            merged["en"].update(mod.EN)
        _catalog = merged
    return _catalog


def messages() -> dict[str, dict[str, str]]:
    return _load()


def normalise_language(value: str | None) -> str | None:
    if not value:
        return None
    low = value.strip().lower().replace("-", "_")
    if low.startswith("zh"):
        return "zh"
    if low.startswith("en"):
        return "en"
    return None


def language_from_env() -> str:
    return normalise_language(os.environ.get("JZ_LANG")) or "zh"


def set_language(lang: str) -> None:
    global _lang
    norm = normalise_language(lang)
    if norm is None:
        raise ValueError(lang)
    _lang = norm


def language() -> str:
    return _lang


def t(key: str, /, **params: Any) -> str:
    """The message for ``key`` in the current language, formatted with ``params``."""
    loaded = _load()
    text = loaded[_lang].get(key) or loaded["zh"].get(key) or key
    if params:
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            return text
    return text


def has(key: str) -> bool:
    return key in _load()[_lang]


def translated_params(params: dict[str, Any]) -> dict[str, Any]:
    """Parameters named ``*_key`` are catalogue keys themselves: give their text too."""
    out = dict(params)
    for name, value in params.items():
        if name.endswith("_key") and isinstance(value, str):
            out[name[:-4]] = t(value)
    return out
