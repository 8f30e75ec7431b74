"""Binding descriptions are catalogue keys, translated when a screen or widget is created.

Textual merges ``BINDINGS`` once per class; the language is only known when the app starts
(``--lang`` / ``JZ_LANG``), so each instance rewrites the descriptions of its own copy.
"""

from __future__ import annotations

from dataclasses import replace

from textual.dom import DOMNode

from console.i18n import t

KEY_PREFIX = "tui."


def localise_bindings(node: DOMNode) -> None:
    """Translate every binding description of ``node`` that is a ``tui.`` catalogue key."""
    table = node._bindings.key_to_bindings
    for key, bindings in table.items():
        table[key] = [
            replace(b, description=t(b.description)) if b.description.startswith(KEY_PREFIX) else b
            for b in bindings
        ]
