"""``JzApp``: the frame of ``jzctl tui`` and its areas (one Textual mode per area).

Each area is a screen in its own mode, so switching areas keeps each one's state. Only built
areas are registered in ``AREAS``; the header, the DEMO banner, the row of areas and the
footer come from ``AreaScreen``, so every area looks the same around its body.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import App
from textual.binding import Binding, BindingType

from console.i18n import t
from console.tui.screens.accounts import AccountsScreen
from console.tui.screens.audit import AuditScreen
from console.tui.screens.org import OrgScreen
from console.tui.widgets import Area, localise_bindings

if TYPE_CHECKING:
    from accounts.session import AccountInfo
    from casedb.engine import Database

AREAS: tuple[Area, ...] = (
    Area("org", "1", "tui.area_org", OrgScreen),
    Area("audit", "2", "tui.audit.area", AuditScreen),
    Area("accounts", "3", "tui.accounts.area", AccountsScreen),
)


class JzApp(App[int]):
    """The console for people at a terminal: the same operations as the CLI."""

    CSS_PATH = "app.tcss"
    ENABLE_COMMAND_PALETTE = False
    MODES: ClassVar = {area.mode: area.screen for area in AREAS}
    DEFAULT_MODE = AREAS[0].mode
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "tui.bind_quit", id="app.quit"),
        Binding("ctrl+q", "quit", "tui.bind_quit", id="app.quit_ctrl", show=False, priority=True),
        *(
            Binding(area.key, f"switch_area('{area.mode}')", area.label_key, id=f"app.{area.mode}")
            for area in AREAS
        ),
    ]

    def __init__(
        self,
        database: Database,
        *,
        user: AccountInfo | None = None,
        demo: bool = False,
        areas: tuple[Area, ...] = AREAS,
    ) -> None:
        super().__init__()
        self.database = database
        self.user = user
        self.demo = demo
        self.areas = areas
        self.title = t("tui.title")
        localise_bindings(self)

    def action_switch_area(self, mode: str) -> None:
        if mode != self.current_mode and mode in (a.mode for a in self.areas):
            self.switch_mode(mode)
