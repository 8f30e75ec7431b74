"""How a dashboard figure reads, in the interface language: shared by the TUI's overview and
``jzctl status`` (no UI library here, so the CLI stays light)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from console.i18n import has, t

if TYPE_CHECKING:
    from ops.dashboard import Figure


def figure_label(key: str) -> str:
    return t(f"dash.{key}") if has(f"dash.{key}") else key


def value_label(fig: Figure) -> str:
    if fig.value is None:
        return "—"
    text = str(fig.value)
    return f"{text}+" if fig.capped else text


def detail_label(fig: Figure) -> str:
    """A short line of what stands behind the figure (its details, in words)."""
    parts = []
    for k, v in fig.details.items():
        key = f"dash.detail.{k}"
        if has(key):
            shown = t(f"dash.problem.{v}") if k == "problem" and has(f"dash.problem.{v}") else v
            parts.append(t(key, value=shown))
    return t("dash.detail_sep").join(parts)
