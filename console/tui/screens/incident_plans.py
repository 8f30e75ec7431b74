"""Dialogs of the Incidents area for emergency plans and drills, and its list filter.

``PlanEditor`` edits a plan's whole TOML text (what ``jzctl plan show CODE --source`` prints)
in a ``TextArea``, with a reason; saving calls the service ``jzctl plan edit`` calls
(``ops.plans.edit``), which validates the text and stores the next version, earlier versions
staying as they were. A bad text or a refusal is the service's one sentence under the editor,
which stays open with the text; nothing is stored. ``DrillForm`` schedules a drill as
``jzctl drill plan KIND --at --plan --participant`` does (``ops.drills.plan_drill``).

Both dialogs run the service in their own thread worker through a callable the screen hands
them (the screen knows the database and the signed-in admin), so an error keeps the dialog
open with what was typed, and only a success closes it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Select, Static, TextArea

from audit_log.incident_models import DRILL_KINDS, GRADES
from casedb.errors import JzError
from console.i18n import t
from console.tui.screens.permission import error_text
from console.tui.widgets import localise_bindings

if TYPE_CHECKING:
    from ops.drills import DrillView, PlanDrill
    from ops.plans import Plan

# Names in a participants field: commas (either width), the enumeration comma, semicolons.
PEOPLE_SEPARATORS = re.compile(r"[,，、;；]")
EXACT_GRADES = frozenset(g.casefold() for g in GRADES)


def participants(text: str) -> tuple[str, ...]:
    """``张三，李四、王五`` as the names, in order, blanks dropped."""
    return tuple(p.strip() for p in PEOPLE_SEPARATORS.split(text) if p.strip())


# --- the list filter ---------------------------------------------------------------------


def filter_words(text: str) -> tuple[str, ...]:
    return tuple(text.casefold().split())


def matches(
    words: tuple[str, ...],
    haystack: Iterable[str | None],
    *,
    graded: bool = False,
    grade: str | None = None,
) -> bool:
    """Every word is in one of the texts (any case). Among ``graded`` rows (incidents) a word
    that is a grade (``II``) matches that grade exactly, not ``III``; the grade's words
    (``重大``) are in the texts."""
    if not words:
        return True
    hay = "\n".join(h for h in haystack if h).casefold()
    for word in words:
        if graded and word in EXACT_GRADES:
            if (grade or "").casefold() != word:
                return False
        elif word not in hay:
            return False
    return True


# --- the plan editor -----------------------------------------------------------------------


@dataclass
class _Saved(Message):
    plan: Plan


@dataclass
class _Refused(Message):
    reason: str


@dataclass
class _Scheduled(Message):
    view: DrillView


class PlanEditor(ModalScreen["Plan | None"]):
    """A plan's TOML text in an editor, a reason, save (Ctrl+S) or cancel (Esc; twice when
    the text was changed, so that a slip does not lose the work)."""

    CSS_PATH = "incidents.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "tui.incidents.bind_cancel", id="plan-edit.cancel"),
        Binding("ctrl+s", "save", "tui.incidents.bind_save", id="plan-edit.save"),
    ]

    def __init__(self, plan: Plan, save: Callable[[str, str], Plan]) -> None:
        super().__init__()
        localise_bindings(self)
        self.plan = plan
        self.save = save
        self.saving = False
        self._discard_warned = False

    def compose(self) -> ComposeResult:
        with Vertical(id="plan-edit", classes="inc-dialog") as dialog:
            dialog.border_title = Content(
                t(
                    "tui.incidents.edit_title",
                    title=self.plan.title,
                    code=self.plan.code,
                    version=self.plan.version,
                )
            )
            yield Static(
                Content(
                    t("tui.incidents.edit_hint", code=self.plan.code, next=self.plan.version + 1)
                ),
                classes="inc-question",
            )
            yield TextArea(
                self.plan.source,
                id="plan-source",
                soft_wrap=False,
                show_line_numbers=True,
            )
            with Horizontal(classes="inc-form-row"):
                yield Static(Content(t("tui.incidents.f_reason")), classes="inc-form-label")
                yield Input(
                    id="plan-reason", compact=True, placeholder=t("tui.incidents.reason_hint")
                )
            yield Static("", id="plan-edit-error", classes="inc-error")
            with Horizontal(classes="inc-buttons"):
                yield Button(
                    t("tui.incidents.save_ok"), variant="primary", id="plan-edit-ok", compact=True
                )
                yield Button(t("tui.incidents.cancel"), id="plan-edit-cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#plan-edit-error").display = False
        self.query_one("#plan-source", TextArea).focus()

    @property
    def text(self) -> str:
        return self.query_one("#plan-source", TextArea).text

    def _say(self, text: str, style: str) -> None:
        error = self.query_one("#plan-edit-error", Static)
        error.update(Content.styled(text, style))
        error.display = True

    @on(Input.Submitted, "#plan-reason")
    @on(Button.Pressed, "#plan-edit-ok")
    def action_save(self) -> None:
        if self.saving:
            return
        self.saving = True
        self._discard_warned = False
        self.query_one("#plan-edit-ok", Button).disabled = True
        self._say(t("tui.incidents.working"), "$text-warning")
        self.run_save(self.text, self.query_one("#plan-reason", Input).value)

    @work(thread=True, exclusive=True, group="plan-edit")
    def run_save(self, text: str, reason: str) -> None:
        try:
            plan = self.save(text, reason)
        except Exception as exc:  # the editor says why and keeps the text
            self.post_message(_Refused(error_text(exc)))
            return
        self.post_message(_Saved(plan))

    @on(_Saved)
    def _saved(self, message: _Saved) -> None:
        self.dismiss(message.plan)

    @on(_Refused)
    def _refused(self, message: _Refused) -> None:
        self.saving = False
        self.query_one("#plan-edit-ok", Button).disabled = False
        self._say(message.reason, "bold $text-error")
        self.query_one("#plan-source", TextArea).focus()

    @on(TextArea.Changed)
    def _changed(self) -> None:
        self._discard_warned = False

    @on(Button.Pressed, "#plan-edit-cancel")
    def action_cancel(self) -> None:
        if self.saving:
            return
        if self.text != self.plan.source and not self._discard_warned:
            self._discard_warned = True
            self._say(t("tui.incidents.discard_warning"), "bold $text-warning")
            return
        self.dismiss(None)


# --- scheduling a drill ------------------------------------------------------------------


@dataclass(frozen=True)
class PlanChoice:
    code: str
    title: str
    drill: str | None


def default_plan(choices: list[PlanChoice], kind: str) -> str | None:
    """The plan a drill of ``kind`` exercises by default (as ``ops.plans.for_drill``)."""
    return next((c.code for c in choices if c.drill == kind), None)


class DrillForm(ModalScreen["DrillView | None"]):
    """Schedule a drill: its kind, when, under which plan (the kind's own by default), and
    who takes part (comma-separated; yourself when empty)."""

    CSS_PATH = "incidents.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "tui.incidents.bind_cancel", id="drill-form.cancel"),
    ]

    def __init__(
        self,
        choices: list[PlanChoice],
        kind: str,
        plan_code: str | None,
        schedule: Callable[[PlanDrill], DrillView],
    ) -> None:
        super().__init__()
        localise_bindings(self)
        self.choices = choices
        self.kind = kind if kind in DRILL_KINDS else DRILL_KINDS[0]
        self.plan_code = plan_code or default_plan(choices, self.kind)
        self.schedule = schedule
        self.saving = False

    def compose(self) -> ComposeResult:
        kinds = [(t(f"drill.kind.{k}"), k) for k in DRILL_KINDS]
        plans = [(Text(f"{c.title} · {c.code}"), c.code) for c in self.choices]
        with Vertical(id="drill-form", classes="inc-dialog") as dialog:
            dialog.border_title = t("tui.incidents.schedule_title")
            for label, widget in (
                (
                    "tui.incidents.f_kind",
                    Select(
                        kinds, id="drill-kind", allow_blank=False, value=self.kind, compact=True
                    ),
                ),
                (
                    "tui.incidents.f_when",
                    Input(id="drill-when", compact=True, placeholder=t("tui.incidents.when_hint")),
                ),
                (
                    "tui.incidents.f_plan",
                    Select(
                        plans,
                        id="drill-plan",
                        prompt=t("tui.incidents.plan_by_kind"),
                        value=self.plan_code if self.plan_code else Select.NULL,
                        compact=True,
                    ),
                ),
                (
                    "tui.incidents.f_participants",
                    Input(
                        id="drill-people",
                        compact=True,
                        placeholder=t("tui.incidents.participants_hint"),
                    ),
                ),
            ):
                with Horizontal(classes="inc-form-row"):
                    yield Static(Content(t(label)), classes="inc-form-label")
                    yield widget
            yield Static("", id="drill-form-error", classes="inc-error")
            with Horizontal(classes="inc-buttons"):
                yield Button(t("tui.incidents.schedule_ok"), variant="primary", id="drill-form-ok")
                yield Button(t("tui.incidents.cancel"), id="drill-form-cancel")

    def on_mount(self) -> None:
        self.query_one("#drill-form-error").display = False
        self.query_one("#drill-when", Input).focus()

    @on(Select.Changed, "#drill-kind")
    def _kind_changed(self, event: Select.Changed) -> None:
        if not isinstance(event.value, str) or event.value == self.kind:
            return
        self.kind = event.value
        code = default_plan(self.choices, self.kind)
        self.query_one("#drill-plan", Select).value = code if code else Select.NULL

    def _error(self, text: str, focus: str | None = None) -> None:
        error = self.query_one("#drill-form-error", Static)
        error.update(Content.styled(text, "bold $text-error"))
        error.display = True
        if focus:
            self.query_one(f"#{focus}").focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#drill-form-ok")
    def _ok(self) -> None:
        from casedb.clock import parse_local
        from ops.drills import PlanDrill

        if self.saving:
            return
        raw = self.query_one("#drill-when", Input).value
        try:
            at = parse_local(raw) if raw.strip() else None
        except JzError as exc:
            self._error(error_text(exc), "drill-when")
            return
        plan_value = self.query_one("#drill-plan", Select).value
        cmd = PlanDrill(
            self.kind,
            at,
            plan_value if isinstance(plan_value, str) else None,
            participants(self.query_one("#drill-people", Input).value),
        )
        self.saving = True
        self.query_one("#drill-form-ok", Button).disabled = True
        self.run_schedule(cmd)

    @work(thread=True, exclusive=True, group="drill-form")
    def run_schedule(self, cmd: PlanDrill) -> None:
        try:
            view = self.schedule(cmd)
        except Exception as exc:  # the form says why and keeps what was typed
            self.post_message(_Refused(error_text(exc)))
            return
        self.post_message(_Scheduled(view))

    @on(_Scheduled)
    def _scheduled(self, message: _Scheduled) -> None:
        self.dismiss(message.view)

    @on(_Refused)
    def _refused(self, message: _Refused) -> None:
        self.saving = False
        self.query_one("#drill-form-ok", Button).disabled = False
        self._error(message.reason)

    @on(Button.Pressed, "#drill-form-cancel")
    def action_cancel(self) -> None:
        if not self.saving:
            self.dismiss(None)
