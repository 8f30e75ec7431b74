"""The ``/`` filter of a list: a one-line box that the list's screen opens, applied as it is
typed (after a short pause, so a fast typist starts one query, not one per key).

Hidden until ``/`` opens it (the list keeps its rows on a small terminal); Enter applies at
once and gives the list the focus back, Esc clears the filter and closes the box.
The screen hears :class:`FilterBox.Applied` and reloads its list from SQL with the text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, Static

from console.i18n import t
from console.tui.widgets.bindings import localise_bindings

DEBOUNCE_S = 0.08


class FilterBox(Horizontal):
    """A list's filter box: label, input, applied as typed."""

    DEFAULT_CSS = """
    FilterBox { height: 1; background: $boost; }
    FilterBox > Static { width: auto; height: 1; padding: 0 0 0 1; color: $text-accent; }
    FilterBox > Input { width: 1fr; height: 1; border: none; padding: 0 1; background: $boost; }
    FilterBox > Input:focus { border: none; background: $surface; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "tui.filter.bind_close", id="filter.close", show=False),
    ]

    @dataclass
    class Applied(Message):
        """The filter text to apply now; ``done`` when the admin is back at the list."""

        box: FilterBox
        text: str
        done: bool = False

        @property
        def control(self) -> FilterBox:
            return self.box

    def __init__(self, placeholder: str, *, id: str, hidden: bool = True) -> None:
        super().__init__(id=id)
        self.placeholder = placeholder
        self.hidden_when_empty = hidden
        self.applied = ""
        self._timer: Timer | None = None
        localise_bindings(self)

    def compose(self) -> ComposeResult:
        yield Static(Content(t("tui.filter.label")))
        yield Input(placeholder=self.placeholder)

    def on_mount(self) -> None:
        self.display = not self.hidden_when_empty

    @property
    def input(self) -> Input:
        return self.query_one(Input)

    @property
    def value(self) -> str:
        return self.input.value

    def open(self, text: str | None = None) -> None:
        """Show the box and put the cursor in it (``/``); with ``text``, apply that now."""
        self.display = True
        if text is not None:
            self.input.value = text
            self._apply(done=False)
        self.input.focus()

    def set_quietly(self, text: str) -> None:
        """Show ``text`` as the filter in force without applying it again."""
        self.applied = text
        with self.input.prevent(Input.Changed):
            self.input.value = text
        self.display = bool(text) or not self.hidden_when_empty

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(DEBOUNCE_S, lambda: self._apply(done=False))

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._apply(done=True)

    def _apply(self, *, done: bool) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        text = self.input.value.strip()
        if text != self.applied or done:
            self.applied = text
            self.post_message(self.Applied(self, text, done))

    def action_close(self) -> None:
        """Esc: clear the filter, hide the box, back to the list."""
        if self.input.value:
            self.input.value = ""
        self._apply(done=True)
        if self.hidden_when_empty:
            self.display = False
