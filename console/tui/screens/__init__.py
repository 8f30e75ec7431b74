"""One screen per area; every screen sits in the same frame (header, banner, areas, footer)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from textual.app import ComposeResult
from textual.containers import Container
from textual.screen import Screen
from textual.widgets import Footer

from console.tui.widgets import DemoBanner, NavBar, TopBar, localise_bindings

if TYPE_CHECKING:
    from console.tui.app import JzApp


class AreaScreen(Screen[None]):
    """The frame of an area; subclasses fill the body with ``compose_body``."""

    AREA: ClassVar[str] = ""

    def __init__(self) -> None:
        super().__init__()
        localise_bindings(self)

    @property
    def jz(self) -> JzApp:
        return cast("JzApp", self.app)

    def compose(self) -> ComposeResult:
        app = self.jz
        yield TopBar(app.database.redacted_url, app.user, readonly=app.readonly)
        if app.demo:
            yield DemoBanner()
        yield NavBar(app.areas, current=self.AREA)
        with Container(id="area-body"):
            yield from self.compose_body()
        yield Footer()

    @property
    def writable(self) -> bool:
        """False in read-only mode: screens hide every action that would change something."""
        return not self.jz.readonly

    def compose_body(self) -> ComposeResult:  # pragma: no cover - every area overrides it
        yield from ()
