"""``JzApp``: the frame of ``jzctl tui`` and its areas (one Textual mode per area).

Each area is a screen in its own mode, so switching areas keeps each one's state. Only built
areas are registered in ``AREAS``; the header, the DEMO banner, the row of areas and the
footer come from ``AreaScreen``, so every area looks the same around its body.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events
from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen

from console.i18n import t
from console.tui.screens.accounts import AccountsScreen
from console.tui.screens.audit import AuditScreen
from console.tui.screens.backups import BackupsScreen
from console.tui.screens.cases import CasesScreen
from console.tui.screens.changes import ChangesScreen
from console.tui.screens.dashboard import DashboardScreen
from console.tui.screens.incidents import IncidentsScreen
from console.tui.screens.org import OrgScreen
from console.tui.screens.review import ReviewScreen
from console.tui.screens.rules import RulesScreen
from console.tui.screens.signin import LockScreen, SignInScreen
from console.tui.widgets import Area, localise_bindings

if TYPE_CHECKING:
    from accounts.session import AccountInfo
    from casedb.engine import Database
    from console.tui.commands import Command

AREAS: tuple[Area, ...] = (
    Area("dashboard", "0", "tui.dash.area", DashboardScreen),
    Area("org", "1", "tui.area_org", OrgScreen),
    Area("audit", "2", "tui.audit.area", AuditScreen),
    Area("accounts", "3", "tui.accounts.area", AccountsScreen),
    Area("changes", "4", "tui.changes.area", ChangesScreen),
    Area("cases", "5", "tui.cases.area", CasesScreen),
    Area("backups", "6", "tui.backups.area", BackupsScreen),
    Area("incidents", "7", "tui.incidents.area", IncidentsScreen),
    Area("review", "8", "tui.review.area", ReviewScreen),
    Area("rules", "9", "tui.rules.area", RulesScreen),
)


def styled(make: Callable[[], Screen[Any]]) -> Screen[Any]:
    """An area's screen, made when first opened, marked as styled by the current stylesheet.

    Textual counts a new screen's style refreshes from -1, so showing a screen the first time
    re-parses every stylesheet and restyles every widget of every open area, twice: about
    half of an area's first opening on a busy console. Every stylesheet is loaded with the
    app (``JzApp.CSS_PATH``) and a new screen's widgets are styled as they mount, so there
    is nothing to refresh; a theme change still refreshes every screen (it bumps the count).
    """
    screen = make()
    screen._css_update_count = screen.app._css_update_count
    return screen


def builtin_label(description: str) -> str:
    """A key's label in the console's language: Textual's own widgets (tables, trees, lists)
    describe their keys in English, ``Cursor up``; ours are translated already."""
    from console.i18n import has

    key = "tui.builtin." + description.lower().replace(" ", "_")
    return t(key) if has(key) else description


def first_mode(areas: tuple[Area, ...], user: AccountInfo | None, *, sign_in: bool) -> str:
    """The sign-in screen when someone must sign in first; the dashboard for a signed-in
    admin; without anybody (a console opened read-only on purpose) the first area that
    shows something without a person, the region tree."""
    if user is None:
        if sign_in:
            return "signin"
        return next((a.mode for a in areas if a.mode != "dashboard"), areas[0].mode)
    return areas[0].mode


class JzApp(App[int]):
    """The console for people at a terminal: the same operations as the CLI."""

    # Every screen's styles, read once as the console starts: a screen that brings a file
    # the app has not read makes Textual parse every stylesheet again and restyle every
    # widget of every open area (each .tcss still sits beside its screen, which names it).
    CSS_PATH: ClassVar[list[str | PurePath]] = [
        "app.tcss",
        *sorted(f"screens/{p.name}" for p in (Path(__file__).parent / "screens").glob("*.tcss")),
    ]
    ENABLE_COMMAND_PALETTE = False
    MODES: ClassVar[dict[str, str | Callable[[], Screen[Any]]]] = {
        **{area.mode: partial(styled, area.screen) for area in AREAS},
        "signin": partial(styled, SignInScreen),
    }
    DEFAULT_MODE = AREAS[0].mode
    # How often the idle clock is looked at.
    IDLE_CHECK_S = 5.0
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "tui.bind_quit", id="app.quit"),
        Binding("ctrl+q", "quit", "tui.bind_quit", id="app.quit_ctrl", show=False, priority=True),
        Binding("question_mark", "help", "tui.cmd.bind_help", id="app.help", key_display="?"),
        Binding("ctrl+p", "palette", "tui.cmd.bind_palette", id="app.palette"),
        Binding(
            "colon", "command_line", "tui.cmd.bind_line", id="app.command_line", key_display=":"
        ),
        # The row of areas under the header shows these keys already.
        *(
            Binding(
                area.key,
                f"switch_area('{area.mode}')",
                area.label_key,
                id=f"app.{area.mode}",
                show=False,
            )
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
        readonly: bool = False,
        sign_in: bool = False,
        idle_timeout_s: float | None = None,
    ) -> None:
        # The first screen: the sign-in screen when someone must sign in here first.
        self.DEFAULT_MODE = first_mode(areas, user, sign_in=sign_in)  # type: ignore[misc]
        super().__init__()
        self.database = database
        self.user = user
        self.demo = demo
        self.areas = areas
        self.readonly = readonly
        self.title = t("tui.title")
        if idle_timeout_s is None:
            from accounts.signin import SIGNIN_POLICY

            idle_timeout_s = SIGNIN_POLICY.idle_timeout.total_seconds()
        self.idle_timeout_s = idle_timeout_s
        self.last_input = time.monotonic()
        self.locked = False
        localise_bindings(self)

    def on_mount(self) -> None:
        from console.tui.theme import CONTRAST

        self.register_theme(CONTRAST)
        self.set_interval(min(self.IDLE_CHECK_S, self.idle_timeout_s / 2), self._check_idle)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown, events.Paste)):
            self.last_input = time.monotonic()
        await super().on_event(event)

    def _check_idle(self) -> None:
        """Lock the console once nobody has typed for the idle timeout (a signed-in user
        only; the demo has nobody to lock out)."""
        if self.locked or self.user is None or self.demo:
            return
        if time.monotonic() - self.last_input >= self.idle_timeout_s:
            self.lock()

    def lock(self) -> None:
        if self.user is None or self.locked:
            return
        self.locked = True

        def unlocked(_: bool | None) -> None:
            self.locked = False
            self.last_input = time.monotonic()

        self.push_screen(LockScreen(self.user.login_name), unlocked)

    # --- commands: the palette, the command line, help ------------------------------------

    def available_commands(self) -> list[Command]:
        """The commands the signed-in admin may perform from here (none before sign-in)."""
        from console.tui.commands import COMMANDS, available
        from rbac.store import load_grants, subject_of

        if self.user is None:
            return [c for c in COMMANDS if c.key in ("help", "quit")]
        with self.database.read() as s:
            grants = load_grants(s, subject_of(self.user.id))
        return available(
            COMMANDS, grants, areas=[a.mode for a in self.areas], readonly=self.readonly,
            signed_in=True,
        )  # fmt: skip

    def run_command(self, command: Command) -> None:
        if not command.area:
            self.run_worker(self.run_action(command.action), group="command")
            return
        self.open_list(command.area, command.filter, command.action)

    def _signed_out_here(self) -> bool:
        return self.user is None and self.current_mode == "signin"

    def action_palette(self) -> None:
        from textual.command import CommandPalette

        from console.tui.screens.palette import JzCommands

        if isinstance(self.screen, CommandPalette) or self.locked:
            return
        self.push_screen(
            CommandPalette(providers=[JzCommands], placeholder=t("tui.cmd.palette_placeholder"))
        )

    def action_command_line(self) -> None:
        from console.tui.screens.palette import CommandLine

        if self._signed_out_here() or self.locked:
            return
        self.push_screen(CommandLine())

    def action_help(self) -> None:
        from console.tui.screens.palette import HelpScreen

        keys: list[tuple[str, str]] = []
        seen: set[str] = set()
        for active in self.screen.active_bindings.values():
            b = active.binding
            if not b.description or b.description in seen:
                continue
            seen.add(b.description)
            keys.append((b.key_display or self.get_key_display(b), builtin_label(b.description)))
        self.push_screen(HelpScreen(keys, self.available_commands()))

    def action_theme(self, name: str) -> None:
        self.theme = name

    def action_lock_now(self) -> None:
        self.lock()

    def open_list(self, mode: str, filter_text: str = "", action: str = "") -> None:
        """Go to an area and show the list a dashboard figure or a command stands for, or
        run one of its screen's actions (if the screen allows it for this admin)."""
        if mode not in (a.mode for a in self.areas) or self._signed_out_here():
            return

        async def go() -> None:
            if mode != self.current_mode:
                await self.switch_mode(mode)
            # The area's own screen, under a dialog that may still be closing (the command
            # line dismisses itself as it asks for this).
            screen = self.screen_stack[0]
            opener = getattr(screen, "open_with", None)
            if filter_text and callable(opener):
                opener(filter_text)
            if action and screen.check_action(action, ()) is not False:
                await screen.run_action(action)

        self.run_worker(go(), group="open-list", exclusive=True)

    def signed_in(self, user: AccountInfo, needs_password_change: bool) -> None:
        """The sign-in screen opened a session: on to the first area."""
        self.user = user
        self.last_input = time.monotonic()
        self.switch_mode(self.areas[0].mode)
        if needs_password_change:
            self.notify(t("tui.signin.password_expired"), severity="warning", timeout=10)

    def action_switch_area(self, mode: str) -> None:
        if self.user is None and self.current_mode == "signin":
            return
        if mode != self.current_mode and mode in (a.mode for a in self.areas):
            self.switch_mode(mode)
