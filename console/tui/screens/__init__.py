"""One screen per area; every screen sits in the same frame (header, banner, areas, breadcrumb,
footer)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from textual.app import ComposeResult
from textual.containers import Container
from textual.screen import Screen

from console.i18n import t
from console.tui.widgets import (
    SEPARATOR,
    Breadcrumb,
    DemoBanner,
    KeysFooter,
    NavBar,
    TopBar,
    localise_bindings,
)

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
        label = next((t(a.label_key) for a in app.areas if a.mode == self.AREA), "")
        yield Breadcrumb(label)
        with Container(id="area-body"):
            yield from self.compose_body()
        yield KeysFooter()

    def set_crumbs(self, *parts: str) -> None:
        """Show where the admin is inside the area: its view, then the item at hand."""
        crumbs = self.query(Breadcrumb)
        if crumbs:
            crumbs.first().show(parts)

    def breadcrumb_text(self) -> str:
        """The breadcrumb after the area's own name, as read on screen."""
        crumbs = self.query(Breadcrumb)
        return SEPARATOR.join(crumbs.first().parts) if crumbs else ""

    @property
    def writable(self) -> bool:
        """False in read-only mode: screens hide every action that would change something."""
        return not self.jz.readonly

    def compose_body(self) -> ComposeResult:  # pragma: no cover - every area overrides it
        yield from ()
