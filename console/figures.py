"""How domain values read in the interface language, shared by the TUI and the CLI (no UI
library here, so the CLI stays light): a dashboard figure (the overview and ``jzctl
status``), a holiday's name (the Rules area and ``jzctl calendar list``)."""

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


# chinese-calendar names its holidays in English: say them in the interface language.
PACKAGE_NAMES = {
    "New Year's Day": "calendar.holiday_new_year",
    "Spring Festival": "calendar.holiday_spring_festival",
    "Tomb-sweeping Day": "calendar.holiday_tomb_sweeping",
    "Labour Day": "calendar.holiday_labour_day",
    "Dragon Boat Festival": "calendar.holiday_dragon_boat",
    "National Day": "calendar.holiday_national_day",
    "Mid-autumn Festival": "calendar.holiday_mid_autumn",
    "Anti-Fascist 70th Day": "calendar.holiday_anti_fascist_70",
}


def holiday_name(name: str) -> str:
    key = PACKAGE_NAMES.get(name)
    return t(key) if key else (name or "-")
