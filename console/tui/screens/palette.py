"""The command palette (Ctrl+P), the ``:`` command line and the help screen (?).

All three read ``console.tui.commands``: the palette lists the commands the signed-in admin
may perform, by their Chinese (or English) titles; the command line takes an area and a
filter in words (``:account 五华区 民政`` opens the accounts of 五华区's civil-affairs office);
the help screen lists the keys of the screen in front and the commands.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, ClassVar, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Input, Static

from console.i18n import t
from console.tui.commands import COMMANDS, Command, available, completions, parse_line
from console.tui.widgets import localise_bindings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from console.tui.app import JzApp


class JzCommands(Provider):
    """The console's commands, as the palette offers them."""

    def _commands(self) -> list[Command]:
        app = cast("JzApp", self.app)
        return app.available_commands()

    def _run(self, command: Command) -> None:
        cast("JzApp", self.app).run_command(command)

    async def discover(self) -> Hits:
        for c in self._commands():
            yield DiscoveryHit(c.title, partial(self._run, c), text=c.title)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for c in self._commands():
            score = matcher.match(c.title)
            if score > 0:
                yield Hit(score, matcher.highlight(c.title), partial(self._run, c), text=c.title)


def account_filter(session: Session, words: tuple[str, ...]) -> str:
    """Words as the Accounts filter: a region by name or code, a department by its name or
    code, ``key:value`` as typed, anything else as a login or name prefix."""
    from accounts.org import resolve_region
    from casedb.errors import JzError
    from casedb.reference import DEPARTMENTS

    depts = {}
    for d in DEPARTMENTS:
        for name in (d.code, d.name_zh, d.name_en.lower()):
            depts[name] = d.code
    out = []
    for word in words:
        if ":" in word:
            out.append(word)
        elif word.lower() in depts or word in depts:
            out.append(f"dept:{depts.get(word, depts.get(word.lower()))}")
        else:
            try:
                region = resolve_region(session, word)
            except JzError:
                out.append(word)
            else:
                out.append(f"region:{region.code}")
    return " ".join(out)


class CommandLine(ModalScreen[None]):
    """命令行：输入 :account 五华区 民政、:change overdue、:org 五华区 等，回车执行，Esc 返回。"""

    DEFAULT_CSS = """
    CommandLine { align: left bottom; background: $background 40%; }
    CommandLine > Vertical { height: auto; width: 1fr; background: $panel; }
    CommandLine #cmdline { border: none; height: 1; background: $panel; }
    CommandLine #cmdline-hint { height: auto; color: $text-muted; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss_line", "tui.cmd.bind_back", id="cmdline.back"),
    ]

    def __init__(self, prefill: str = ":") -> None:
        super().__init__()
        localise_bindings(self)
        self.prefill = prefill

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content(t("tui.cmd.line_hint")), id="cmdline-hint")
            yield Input(
                value=self.prefill,
                id="cmdline",
                compact=True,
                suggester=SuggestFromList(completions(), case_sensitive=False),
            )

    def on_mount(self) -> None:
        box = self.query_one("#cmdline", Input)
        box.focus()
        box.cursor_position = len(box.value)

    def action_dismiss_line(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted, "#cmdline")
    def _submitted(self, event: Input.Submitted) -> None:
        parsed = parse_line(event.value)
        if parsed is None:
            self.query_one("#cmdline-hint", Static).update(
                Content(t("tui.cmd.unknown", line=event.value.strip()[:40]))
            )
            return
        self._resolve(parsed.area, parsed.words)

    @work(thread=True, exclusive=True, group="cmdline")
    def _resolve(self, area: str, words: tuple[str, ...]) -> None:
        app = cast("JzApp", self.app)
        text = " ".join(words)
        if area == "accounts" and words:
            with app.database.read() as s:
                text = account_filter(s, words)
        app.call_from_thread(self._go, area, text)

    def _go(self, area: str, text: str) -> None:
        self.dismiss(None)
        cast("JzApp", self.app).open_list(area, text)


class HelpScreen(ModalScreen[None]):
    """帮助：当前界面的按键、全局按键和可用命令。Esc 或 ? 关闭。"""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 76; max-width: 100%; height: 80%; border: round $primary;
        background: $surface; padding: 0 1;
    }
    HelpScreen .help-head { text-style: bold; margin: 1 0 0 0; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "tui.cmd.bind_back", id="help.back"),
        Binding("question_mark", "close", "tui.cmd.bind_back", id="help.close", show=False),
    ]

    def __init__(self, keys: list[tuple[str, str]], commands: list[Command]) -> None:
        super().__init__()
        localise_bindings(self)
        self.keys = keys
        self.commands = commands

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(Content(t("tui.help.title")), classes="help-head")
            yield Static(Content(t("tui.help.global")))
            yield Static(Content(t("tui.help.keys")), classes="help-head")
            lines = Text()
            for key, description in self.keys:
                lines.append(f"{key:>10}  ", style="bold")
                lines.append(f"{description}\n")
            yield Static(lines)
            yield Static(Content(t("tui.help.commands")), classes="help-head")
            yield Static(Text("\n".join(c.title for c in self.commands)))
            yield Static(Content(t("tui.help.cmdline")), classes="help-head")
            yield Static(Content(t("tui.cmd.line_hint")))

    def action_close(self) -> None:
        self.dismiss(None)


__all__ = ["COMMANDS", "CommandLine", "HelpScreen", "JzCommands", "account_filter", "available"]
