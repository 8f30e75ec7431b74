"""The frame around every area: header line, DEMO banner and the row of areas.

User-supplied text (an account's name, a database URL) is rendered as ``Content`` built from
plain strings, never parsed as markup, so ``[red]`` in a name shows as typed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static

from console.i18n import t

if TYPE_CHECKING:
    from accounts.session import AccountInfo


@dataclass(frozen=True)
class Area:
    """One area of the console: its mode name, its key, its label's catalogue key, its screen."""

    mode: str
    key: str
    label_key: str
    screen: Callable[[], Screen[Any]]


def user_label(user: AccountInfo | None) -> str:
    if user is None:
        return t("tui.header_no_user")
    return t("tui.header_user", name=user.full_name, login=user.login_name)


class TopBar(Horizontal):
    """The header line: the product, the database (password hidden) and the signed-in user."""

    DEFAULT_CSS = """
    TopBar {
        height: 1;
        background: $panel;
        color: $foreground;
    }
    TopBar > Static { height: 1; text-wrap: nowrap; text-overflow: ellipsis; }
    TopBar > #top-title {
        width: auto; padding: 0 1; background: $primary; color: $text; text-style: bold;
    }
    TopBar > #top-db { width: 1fr; padding: 0 1; color: $text-muted; }
    TopBar > #top-user { width: auto; max-width: 50%; padding: 0 1; text-style: bold; }
    TopBar > #top-readonly {
        width: auto; padding: 0 1; background: $error; color: $text; text-style: bold;
    }
    """

    def __init__(self, database: str, user: AccountInfo | None, *, readonly: bool = False) -> None:
        super().__init__(id="top-bar")
        self.database = database
        self.user = user
        self.readonly = readonly

    def compose(self) -> ComposeResult:
        yield Static(Content(t("tui.title")), id="top-title")
        if self.readonly:
            yield Static(Content(t("tui.readonly_badge")), id="top-readonly")
        yield Static(Content(t("tui.header_db", url=self.database)), id="top-db")
        yield Static(Content(user_label(self.user)), id="top-user")


class DemoBanner(Static):
    """A coloured bar that no one can miss: this database holds demo data only."""

    DEFAULT_CSS = """
    DemoBanner {
        height: 1;
        width: 1fr;
        background: $warning;
        color: $background;
        text-style: bold;
        content-align: center middle;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    def __init__(self) -> None:
        super().__init__(Content(t("tui.demo_banner")), id="demo-banner")


SEPARATOR = " > "


class Breadcrumb(Static):
    """Where the admin is: the area, then the view and the item inside it (区划 > 云南省)."""

    DEFAULT_CSS = """
    Breadcrumb {
        height: 1;
        padding: 0 1;
        background: $boost;
        color: $text-accent;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    def __init__(self, area_label: str) -> None:
        super().__init__(Content(area_label), id="breadcrumb")
        self.area_label = area_label
        self.parts: tuple[str, ...] = ()

    def show(self, parts: Sequence[str]) -> None:
        self.parts = tuple(p for p in parts if p)
        names = (self.area_label, *self.parts)
        pieces: list[str | tuple[str, str]] = []
        for i, name in enumerate(names):
            if i:
                pieces.append((SEPARATOR, "dim"))
            pieces.append((name, "bold" if i == len(names) - 1 else ""))
        self.update(Content.assemble(*pieces))


class NavBar(Static):
    """The areas of the console and their keys; the current one highlighted."""

    DEFAULT_CSS = """
    NavBar {
        height: 1;
        background: $boost;
        padding: 0 0 0 1;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    def __init__(self, areas: Sequence[Area], current: str) -> None:
        super().__init__(id="nav-bar")
        self.areas = tuple(areas)
        self.current = current

    def on_mount(self) -> None:
        self.update(self.render_areas())

    def render_areas(self) -> Content:
        # Tight and without a caption, so that eight areas fit 80 columns in English too.
        parts: list[str | Content | tuple[str, str]] = []
        for i, area in enumerate(self.areas):
            if i:
                parts.append(" ")
            style = "reverse bold" if area.mode == self.current else ""
            parts.append((f"{area.key} {t(area.label_key)}", style))
        return Content.assemble(*parts)


class KeysFooter(Footer):
    """Textual's footer, rebuilt only when the keys it shows change.

    The stock footer builds its keys anew each time a screen's bindings may have changed
    (every cursor move, every worker that ends): a dozen widgets styled from scratch, some
    5 ms each, several times a turn — half of an area's first opening. This one rebuilds
    once a turn at most, and only when a key, a label or a key's enabled state differs."""

    def __init__(self) -> None:
        super().__init__()
        self._shown: tuple[tuple[str, str, str, str, bool, str], ...] | None = None
        self._due = False

    def bindings_changed(self, screen: Screen[Any]) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus or not self.is_attached or screen is not self.screen:
            return
        if not self._due:
            self._due = True
            self.call_after_refresh(self._rebuild)

    def _keys(self) -> tuple[tuple[str, str, str, str, bool, str], ...]:
        return tuple(
            (b.key, b.action, b.key_display or "", b.description, enabled, tooltip)
            for (_, b, enabled, tooltip) in self.screen.active_bindings.values()
            if b.show
        )

    async def _rebuild(self) -> None:
        self._due = False
        keys = self._keys()
        if keys != self._shown:
            self._shown = keys
            await self.recompose()
