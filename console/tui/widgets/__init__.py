"""Widgets shared by every area: the header line, the DEMO banner, the area navigation and the
breadcrumb."""

from console.tui.widgets.bindings import localise_bindings
from console.tui.widgets.chrome import (
    SEPARATOR,
    Area,
    Breadcrumb,
    DemoBanner,
    KeysFooter,
    NavBar,
    TopBar,
)
from console.tui.widgets.filter import FilterBox

__all__ = [
    "SEPARATOR",
    "Area",
    "Breadcrumb",
    "DemoBanner",
    "FilterBox",
    "KeysFooter",
    "NavBar",
    "TopBar",
    "localise_bindings",
]
