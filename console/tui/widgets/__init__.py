"""Widgets shared by every area: the header line, the DEMO banner, the area navigation."""

from console.tui.widgets.bindings import localise_bindings
from console.tui.widgets.chrome import Area, DemoBanner, NavBar, TopBar

__all__ = ["Area", "DemoBanner", "NavBar", "TopBar", "localise_bindings"]
