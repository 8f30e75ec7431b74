"""The Incidents area (事件): the incident register and the emergency drills (issue 7).

Two views, one key each. **Incidents**: the register, newest first, with grade, category,
status and the countdown to the report owed to the provincial office ("还剩 2 小时 13 分",
"已超时 35 分"), refreshed every 30 seconds without reading the database again; the
highlighted incident's facts, its plan's steps (done or not) and its append-only timeline.
``n`` opens an incident (or a report-and-file record: the category decides), starting the
matching emergency plan as ``jzctl incident open`` does; ``t`` adds a note, ``s`` moves the
status forward, ``p`` records that the report was made. ``o`` shows only the incidents whose
report is overdue. **Drills**: each emergency plan with when it was last drilled, flagged
when not in 12 months; ``d`` runs the highlighted plan's drill in a sandbox (never on live
data), its steps appearing as they run, then the result with its figures (RTO, RPO, …).

Who may do what is what the services ask (``audit_log.incidents``): the security or the
system admin writes, the audit admin only reads. The screen decides it once from the signed-
in admin's grants and hides what they may not do, and every write key in read-only mode; the
services authorise and audit each write themselves. Titles, notes, names and systems are
user-supplied: everything is rendered as ``Text``/``Content``, never parsed as markup.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, ContentSwitcher, DataTable, Input, Select, Static

from audit_log.incident_models import (
    FILING_CATEGORIES,
    GRADES,
    INCIDENT_CATEGORIES,
    STATUSES,
)
from audit_log.incidents import (
    DUE,
    LATE,
    NONE,
    OVERDUE,
    REPORTED,
    IncidentView,
    ReportingRules,
    deadline_state,
)
from casedb.clock import show_local
from console.i18n import has, language, t
from console.tui.screens import AreaScreen
from console.tui.screens.permission import error_text
from console.tui.widgets import localise_bindings

if TYPE_CHECKING:
    from accounts.authz import Operator
    from ops.drills import DrillView, PlanStatus

Parts = list[str | Content | tuple[str, str]]
VIEWS: dict[str, str] = {"incidents": "i", "drills": "l"}
TICK_S = 30.0
STATUS_STYLE = {"open": "bold yellow", "contained": "cyan", "resolved": "green", "reviewed": "dim"}
GRADE_STYLE = {"I": "bold red", "II": "red", "III": "yellow", "IV": ""}
OUTCOME_MARK = {
    "start": ("…", "bold $text-warning"),
    "pass": ("✓", "$text-success"),
    "fail": ("✗", "bold $text-error"),
    "skip": ("-", "dim"),
}
FIGURES = (
    "rto_seconds",
    "rpo_hours",
    "rto_target_hours",
    "rpo_target_hours",
    "rows",
    "backup",
    "target",
    "denied_checks",
    "copy_seconds",
    "containment_seconds",
    "seconds",
)


# --- messages from the workers ---------------------------------------------------------


@dataclass
class Loaded(Message):
    generation: int
    rows: list[IncidentView]
    plans: list[PlanStatus]
    plan_titles: dict[str, str]
    drills: list[DrillView]
    may_read: bool
    may_write: bool


@dataclass
class LoadFailed(Message):
    generation: int
    reason: str


@dataclass
class DetailLoaded(Message):
    generation: int
    view: IncidentView
    steps: list[tuple[int, str, str, bool]]  # (n, title, owner role, done)


@dataclass
class DetailFailed(Message):
    generation: int
    reason: str


@dataclass
class ActionDone(Message):
    note: str
    select: int | None = None


@dataclass
class ActionFailed(Message):
    reason: str


@dataclass
class DrillStep(Message):
    step: str
    state: str  # start | pass | fail | skip
    detail: dict[str, Any]


@dataclass
class DrillDone(Message):
    view: DrillView


@dataclass
class DrillFailed(Message):
    reason: str


# --- pure helpers -----------------------------------------------------------------------


def _label(key: str) -> str:
    return f"{t(key)}：" if language() == "zh" else f"{t(key)}: "


def _word(prefix: str, value: str | None) -> str:
    if value is None:
        return "—"
    key = f"{prefix}.{value}"
    return t(key) if has(key) else value


def when(at: datetime | None) -> str:
    return show_local(at, seconds=False) if at is not None else "—"


def _span(minutes: int, hm: str, m: str) -> str:
    hours, rest = divmod(minutes, 60)
    return t(hm, hours=hours, minutes=rest) if hours else t(m, minutes=rest)


def countdown(v: IncidentView, now: datetime) -> tuple[str, str]:
    """The reporting deadline in words, and its style: time left, time over, or done."""
    state = deadline_state(v, now)
    if state == NONE:
        return t("tui.incidents.no_deadline"), "dim"
    if state == REPORTED:
        return t("tui.incidents.reported_in_time"), "green"
    if state == LATE:
        return t("tui.incidents.reported_late"), "yellow"
    assert v.report_due_at is not None
    if state == DUE:
        left = int((v.report_due_at - now).total_seconds() // 60)
        text = _span(left, "tui.incidents.left_hm", "tui.incidents.left_m")
        return text, "bold yellow" if left < 60 else ""
    late = int((now - v.report_due_at).total_seconds() // 60)
    return _span(late, "tui.incidents.late_hm", "tui.incidents.late_m"), "bold red"


def reporting_rules() -> ReportingRules:
    """Reporting deadlines: the defaults, or ``[incidents]`` in the config file (as the CLI
    reads them)."""
    import tomllib

    from audit_log.incidents import DEFAULT_RULES
    from casedb.config import config_file

    path = config_file()
    if not path.is_file():
        return DEFAULT_RULES
    try:
        doc = tomllib.loads(path.read_text("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError):
        return DEFAULT_RULES
    section = doc.get("incidents")
    return ReportingRules.from_config(section) if isinstance(section, dict) else DEFAULT_RULES


def note_content(n: Any) -> Content:
    """One timeline note: number, time, author, kind, what it refers to, its text."""
    ref = ""
    if n.kind == "step":
        ref = t("incident.ref_step", n=n.ref_id)
    elif n.kind == "link":
        ref = f"[{n.ref_kind}:{n.ref_id}]"
    elif n.kind == "status":
        ref = "→ " + _word("incident.status", n.ref_id)
    elif n.kind == "correction":
        ref = t("incident.ref_corrects", seq=n.corrects_seq)
    elif n.kind == "reported":
        ref = _word("incident.deadline_word", n.ref_id)
    parts: Parts = [
        (f"#{n.seq} ", "bold"),
        (show_local(n.at, seconds=False)[5:], "dim"),
        "  ",
        (n.author, "$text-accent"),
        "  ",
        (_word("incident.note_kind", n.kind), "bold"),
    ]
    if ref:
        parts.extend(["  ", (ref, "italic")])
    if n.body:
        parts.extend(["\n    ", n.body.replace("\n", "\n    ")])
    return Content.assemble(*parts)


def figure_label(key: str) -> str:
    label_key = f"drill.figure.{key}"
    return t(label_key) if has(label_key) else key


def drill_reason(detail: dict[str, Any]) -> str:
    reason = str(detail.get("reason", ""))
    key = reason if reason.startswith("err.") else f"drill.reason.{reason}"
    if not has(key):
        return reason
    return t(key, **{k: v for k, v in detail.items() if k != "reason"})


# --- dialogs -----------------------------------------------------------------------------


@dataclass(frozen=True)
class NewIncident:
    kind: str
    category: str
    grade: str | None
    title: str
    systems: str
    units: str
    reporter: str


class IncidentForm(ModalScreen[NewIncident | None]):
    """Open an incident (a category of the national plan, a grade) or a report-and-file
    record (an upgrade, an interface change, a major failure; no grade needed)."""

    CSS_PATH = "incidents.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "tui.incidents.bind_cancel", id="inc-form.cancel"),
    ]

    def __init__(self, reporter: str) -> None:
        super().__init__()
        localise_bindings(self)
        self.reporter = reporter

    def compose(self) -> ComposeResult:
        categories = [
            *((t(f"incident.category.{c}"), c) for c in INCIDENT_CATEGORIES),
            *(
                (f"{t(f'incident.category.{c}')} · {t('incident.kind.filing')}", c)
                for c in FILING_CATEGORIES
            ),
        ]
        grades = [(t(f"incident.grade.{g}"), g) for g in GRADES]
        with Vertical(id="inc-form", classes="inc-dialog") as dialog:
            dialog.border_title = t("tui.incidents.new_title")
            for label, widget in (
                (
                    "tui.incidents.f_category",
                    Select(
                        categories,
                        id="inc-category",
                        allow_blank=False,
                        value=INCIDENT_CATEGORIES[0],
                        compact=True,
                    ),
                ),
                (
                    "tui.incidents.f_grade",
                    Select(
                        grades, id="inc-grade", prompt=t("tui.incidents.grade_none"), compact=True
                    ),
                ),
                (
                    "tui.incidents.f_summary",
                    Input(
                        id="inc-title", compact=True, placeholder=t("tui.incidents.summary_hint")
                    ),
                ),
                ("tui.incidents.f_systems", Input(id="inc-systems", compact=True)),
                ("tui.incidents.f_units", Input(id="inc-units", compact=True)),
                ("tui.incidents.f_reporter", Input(self.reporter, id="inc-reporter", compact=True)),
            ):
                with Horizontal(classes="inc-form-row"):
                    yield Static(Content(t(label)), classes="inc-form-label")
                    yield widget
            yield Static("", id="inc-form-error", classes="inc-error")
            with Horizontal(classes="inc-buttons"):
                yield Button(t("tui.incidents.new_ok"), variant="primary", id="inc-form-ok")
                yield Button(t("tui.incidents.cancel"), id="inc-form-cancel")

    def on_mount(self) -> None:
        self.query_one("#inc-form-error").display = False
        self.query_one("#inc-category", Select).focus()

    def _value(self, widget_id: str) -> str:
        return self.query_one(f"#{widget_id}", Input).value.strip()

    def _error(self, text: str, focus: str) -> None:
        error = self.query_one("#inc-form-error", Static)
        error.update(Content(text))
        error.display = True
        self.query_one(f"#{focus}").focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#inc-form-ok")
    def _ok(self) -> None:
        category = str(self.query_one("#inc-category", Select).value)
        grade_value = self.query_one("#inc-grade", Select).value
        grade = str(grade_value) if isinstance(grade_value, str) else None
        kind = "filing" if category in FILING_CATEGORIES else "incident"
        if kind == "incident" and grade is None:
            self._error(t("tui.incidents.grade_required"), "inc-grade")
            return
        if not self._value("inc-title"):
            self._error(t("tui.incidents.summary_required"), "inc-title")
            return
        if not self._value("inc-reporter"):
            self._error(t("tui.incidents.reporter_required"), "inc-reporter")
            return
        self.dismiss(
            NewIncident(
                kind,
                category,
                grade,
                self._value("inc-title"),
                self._value("inc-systems"),
                self._value("inc-units"),
                self._value("inc-reporter"),
            )
        )

    @on(Button.Pressed, "#inc-form-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


@dataclass(frozen=True)
class TextAnswer:
    text: str
    choice: str | None = None


class TextDialog(ModalScreen[TextAnswer | None]):
    """One line of text (a note, how the report was made), optionally with a choice (the
    next status); ``required`` refuses an empty text here already."""

    CSS_PATH = "incidents.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "tui.incidents.bind_cancel", id="inc-text.cancel"),
    ]

    def __init__(
        self,
        title: str,
        question: str,
        label: str,
        ok: str,
        *,
        required: bool,
        choices: list[tuple[str, str]] | None = None,
        choice_label: str = "",
    ) -> None:
        super().__init__()
        localise_bindings(self)
        self.title_text = title
        self.question = question
        self.label = label
        self.ok = ok
        self.required = required
        self.choices = choices
        self.choice_label = choice_label

    def compose(self) -> ComposeResult:
        with Vertical(id="inc-text-dialog", classes="inc-dialog") as dialog:
            dialog.border_title = self.title_text
            yield Static(Content(self.question), classes="inc-question")
            if self.choices:
                with Horizontal(classes="inc-form-row"):
                    yield Static(Content(self.choice_label), classes="inc-form-label")
                    yield Select(
                        self.choices,
                        id="inc-choice",
                        allow_blank=False,
                        value=self.choices[0][1],
                        compact=True,
                    )
            with Horizontal(classes="inc-form-row"):
                yield Static(Content(self.label), classes="inc-form-label")
                yield Input(id="inc-text", compact=True)
            yield Static("", id="inc-text-error", classes="inc-error")
            with Horizontal(classes="inc-buttons"):
                yield Button(self.ok, variant="primary", id="inc-text-ok")
                yield Button(t("tui.incidents.cancel"), id="inc-text-cancel")

    def on_mount(self) -> None:
        self.query_one("#inc-text-error").display = False
        self.query_one("#inc-text", Input).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#inc-text-ok")
    def _ok(self) -> None:
        text = self.query_one("#inc-text", Input).value.strip()
        if self.required and not text:
            error = self.query_one("#inc-text-error", Static)
            error.update(Content(t("tui.incidents.text_required")))
            error.display = True
            return
        choice = None
        if self.choices:
            choice = str(self.query_one("#inc-choice", Select).value)
        self.dismiss(TextAnswer(text, choice))

    @on(Button.Pressed, "#inc-text-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


# --- the screen --------------------------------------------------------------------------


@dataclass
class DrillRun:
    plan: str
    steps: dict[str, str] = field(default_factory=dict)  # name -> start|pass|fail|skip
    details: dict[str, dict[str, Any]] = field(default_factory=dict)
    result: DrillView | None = None
    error: str = ""
    seen: list[tuple[str, str]] = field(default_factory=list)  # every step event, in order


class IncidentsScreen(AreaScreen):
    """事件：安全事件登记（报告时限倒计时、只增不改的时间线）与应急演练（逐步进度、结果）。"""

    AREA = "incidents"
    CSS_PATH = "incidents.tcss"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]  # noqa: RUF012 - Textual's own
    BINDINGS: ClassVar[list[BindingType]] = [
        *(
            Binding(key, f"view('{view}')", f"tui.incidents.view.{view}", id=f"incidents.{view}")
            for view, key in VIEWS.items()
        ),
        Binding("n", "new", "tui.incidents.bind_new", id="incidents.new"),
        Binding("t", "note", "tui.incidents.bind_note", id="incidents.note"),
        Binding("s", "status", "tui.incidents.bind_status", id="incidents.status"),
        Binding("p", "reported", "tui.incidents.bind_reported", id="incidents.reported"),
        Binding("o", "overdue", "tui.incidents.bind_overdue", id="incidents.overdue"),
        Binding("d", "run_drill", "tui.incidents.bind_drill", id="incidents.drill"),
        Binding("r", "reload", "tui.incidents.bind_refresh", id="incidents.refresh"),
        Binding("escape", "back", "tui.incidents.bind_back", id="incidents.back", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.view = "incidents"
        self.overdue_only = False
        self.rows: dict[int, IncidentView] = {}
        self.plans: list[PlanStatus] = []
        self.plan_titles: dict[str, str] = {}
        self.drills: list[DrillView] = []
        self.may_read = False
        self.may_write = False
        self.fetching = False
        self.busy = False
        self.detail: IncidentView | None = None
        self.detail_steps: list[tuple[int, str, str, bool]] = []
        self.drill_run: DrillRun | None = None
        self._generation = 0
        self._detail_generation = 0
        self._highlighted: int | None = None
        self._select_after: int | None = None
        self._loaded_once = False

    # --- layout ----------------------------------------------------------------------

    def compose_body(self) -> ComposeResult:
        yield Static("", id="inc-views")
        yield Static(Content(t("tui.incidents.loading")), id="inc-status")
        with ContentSwitcher(initial="inc-pane", id="inc-switcher"):
            with Horizontal(id="inc-pane"):
                table = DataTable[Text](id="inc-list", cursor_type="row", zebra_stripes=True)
                table.border_title = t("tui.incidents.list_title")
                yield table
                with VerticalScroll(id="inc-detail") as pane:
                    pane.border_title = t("tui.incidents.detail_title")
                    yield Static(Content(t("tui.incidents.no_selection")), id="inc-facts")
                    yield Static("", id="inc-steps")
                    yield Static("", id="inc-timeline")
            with Horizontal(id="drill-pane"):
                plans = DataTable[Text](id="drill-plans", cursor_type="row", zebra_stripes=True)
                plans.border_title = t("tui.incidents.plans_title")
                yield plans
                with VerticalScroll(id="drill-panel") as panel:
                    panel.border_title = t("tui.incidents.drill_title")
                    yield Static("", id="drill-info")
                    yield Static("", id="drill-steps")
                    yield Static("", id="drill-result")

    def on_mount(self) -> None:
        table = self.incident_table
        table.add_column(t("incident.col_id"), key="id", width=4)
        table.add_column(t("incident.col_grade"), key="grade", width=4)
        table.add_column(t("incident.col_category"), key="category", width=12)
        table.add_column(t("incident.col_status"), key="status", width=6)
        table.add_column(t("incident.col_deadline"), key="deadline", width=19)
        table.add_column(t("incident.col_title"), key="title", width=16)
        plans = self.plan_table
        plans.add_column(t("drill.col_plan"), key="plan", width=14)
        plans.add_column(t("drill.col_drill"), key="drill", width=14)
        plans.add_column(t("drill.col_last"), key="last", width=11)
        plans.add_column(t("drill.col_state"), key="state", width=6)
        plans.add_column(t("drill.col_flag"), key="flag", width=14)
        self._show_views()
        table.focus()
        self.set_interval(TICK_S, self.tick)
        self.reload()

    @property
    def incident_table(self) -> DataTable[Text]:
        return self.query_one("#inc-list", DataTable)

    @property
    def plan_table(self) -> DataTable[Text]:
        return self.query_one("#drill-plans", DataTable)

    @property
    def current(self) -> IncidentView | None:
        return self.rows.get(self._highlighted) if self._highlighted is not None else None

    @property
    def current_plan(self) -> PlanStatus | None:
        table = self.plan_table
        if table.row_count == 0 or not (0 <= table.cursor_row < len(self.plans)):
            return None
        return self.plans[table.cursor_row]

    def _show_views(self) -> None:
        parts: Parts = [(t("tui.incidents.views_label"), "dim")]
        for view, key in VIEWS.items():
            label = f" {key} {t(f'tui.incidents.view.{view}')} "
            parts.extend([(label, "reverse bold" if view == self.view else ""), " "])
        if self.view == "incidents" and self.overdue_only:
            parts.extend(["  ", (t("tui.incidents.filter_overdue"), "bold $text-error")])
        self.query_one("#inc-views", Static).update(Content.assemble(*parts))

    def _set_status(self, content: Content) -> None:
        self.query_one("#inc-status", Static).update(content)

    # --- what the signed-in admin may do ---------------------------------------------------

    def _may_write(self) -> bool:
        return self.writable and self.may_write and self.jz.user is not None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        on_incidents = self.view == "incidents"
        if action == "new":
            if not (self._may_write() and on_incidents):
                return False
            return None if self.busy else True
        if action in ("note", "status", "reported"):
            if not (self._may_write() and on_incidents):
                return False
            shown = self.detail
            if shown is None or self.busy or shown.id != self._highlighted:
                return None
            if action == "status" and shown.status == STATUSES[-1]:
                return None
            if action == "reported" and shown.reported_at is not None:
                return None
            return True
        if action == "overdue":
            return on_incidents and self.may_read
        if action == "run_drill":
            if not (self._may_write() and self.view == "drills"):
                return False
            plan = self.current_plan
            running = (
                self.drill_run is not None
                and self.drill_run.result is None
                and (not self.drill_run.error)
            )
            if plan is None or plan.drill is None or running:
                return None
            return True
        return True

    def _operator(self) -> Operator:
        from accounts.authz import operator_for

        user = self.jz.user
        assert user is not None
        return operator_for(self.jz.database, user.id, user.login_name)

    # --- loading ---------------------------------------------------------------------

    def reload(self) -> None:
        self._generation += 1
        user = self.jz.user
        if user is None:
            self._set_status(Content.styled(t("tui.incidents.sign_in_needed"), "$text-warning"))
            return
        self.fetching = True
        self.fetch(self._generation, self.overdue_only)

    def action_reload(self) -> None:
        self.reload()

    @work(thread=True, exclusive=True, group="incidents-load")
    def fetch(self, generation: int, overdue_only: bool) -> None:
        from audit_log import incidents as inc
        from ops import drills, plans

        try:
            op = self._operator()
            may_read = inc.allowed(op.actor, op.authorize, inc.READ_ACTIONS) is not None
            may_write = inc.allowed(op.actor, op.authorize, inc.WRITE_ACTIONS) is not None
            rows: list[IncidentView] = []
            status: list[PlanStatus] = []
            titles: dict[str, str] = {}
            recent: list[DrillView] = []
            if may_read:
                now = datetime.now(UTC)
                with self.jz.database.read() as s:
                    rows = inc.list_incidents(s, inc.IncidentQuery(overdue_only=overdue_only), now)
                    status = drills.plan_status(s, now=now)
                    titles = {p.code: p.category for p in plans.all_current(s)}
                    recent = drills.list_drills(s, 50)
        except Exception as exc:  # the screen says what went wrong and stays usable
            self.post_message(LoadFailed(generation, error_text(exc)))
            return
        self.post_message(Loaded(generation, rows, status, titles, recent, may_read, may_write))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        if message.generation != self._generation:
            return
        self.fetching = False
        self.may_read = message.may_read
        self.may_write = message.may_write
        self.plans = message.plans
        self.plan_titles = message.plan_titles
        self.drills = message.drills
        keep = self._select_after if self._select_after is not None else self._highlighted
        self._select_after = None
        self.rows = {v.id: v for v in message.rows}
        self._fill_incidents(keep)
        self._fill_plans()
        self._show_count()
        self._loaded_once = True
        self.refresh_bindings()

    @on(LoadFailed)
    def _load_failed(self, message: LoadFailed) -> None:
        if message.generation != self._generation:
            return
        self.fetching = False
        text = t("tui.load_failed", reason=message.reason)
        self._set_status(Content.styled(text, "bold $text-error"))
        self.notify(text, severity="error", markup=False)

    def _show_count(self) -> None:
        if not self.may_read:
            self._set_status(Content.styled(t("tui.incidents.not_permitted"), "$text-warning"))
            return
        if self.view == "drills":
            late = sum(1 for p in self.plans if p.overdue)
            parts: Parts = [t("tui.incidents.plans_count", n=len(self.plans))]
            if late:
                parts.extend(
                    ["  ", (t("drill.overdue_warning", count=late, months=12), "bold $text-error")]
                )
        else:
            now = datetime.now(UTC)
            late = sum(1 for v in self.rows.values() if deadline_state(v, now) == OVERDUE)
            key = "tui.incidents.count_overdue" if self.overdue_only else "tui.incidents.count"
            parts = (
                [t(key, n=len(self.rows))] if self.rows else [(t("incident.list_empty"), "italic")]
            )
            if late:
                parts.extend(
                    ["  ", (t("incident.overdue_warning", count=late), "bold $text-error")]
                )
        if not self._may_write() and self.jz.user is not None:
            parts.extend(["  ", (t("tui.incidents.read_only"), "dim")])
        self._set_status(Content.assemble(*parts))

    def _cells(self, v: IncidentView, now: datetime) -> tuple[Text, ...]:
        text, style = countdown(v, now)
        return (
            Text(str(v.id), justify="right"),
            Text(v.grade or "—", style=GRADE_STYLE.get(v.grade or "", "dim")),
            Text(_word("incident.category", v.category), no_wrap=True, overflow="ellipsis"),
            Text(_word("incident.status", v.status), style=STATUS_STYLE.get(v.status, "")),
            Text(text, style=style, no_wrap=True, overflow="ellipsis"),
            Text(v.title, no_wrap=True, overflow="ellipsis"),
        )

    def _fill_incidents(self, keep: int | None) -> None:
        table = self.incident_table
        table.clear()
        now = datetime.now(UTC)
        for v in self.rows.values():
            table.add_row(*self._cells(v, now), key=str(v.id))
        if not self.rows:
            self._highlighted = None
            self._show_detail(None)
            return
        target = keep if keep in self.rows else next(iter(self.rows))
        table.move_cursor(row=table.get_row_index(str(target)))
        self._select(target, force=True)

    def _fill_plans(self) -> None:
        table = self.plan_table
        row = table.cursor_row
        table.clear()
        for p in self.plans:
            label = _word("incident.category", self.plan_titles.get(p.code, p.code))
            table.add_row(
                Text(label, no_wrap=True, overflow="ellipsis"),
                Text(
                    _word("drill.kind", p.drill) if p.drill else "—",
                    no_wrap=True,
                    overflow="ellipsis",
                    style="" if p.drill else "dim",
                ),
                Text(when(p.last_drilled)[:10] if p.last_drilled else "—", no_wrap=True),
                Text(
                    _word("drill.state", p.last_state) if p.last_state else "—",
                    style={"passed": "green", "failed": "bold red"}.get(p.last_state or "", ""),
                ),
                Text(
                    t("drill.overdue_flag", months=12) if p.overdue else "",
                    style="bold red",
                    no_wrap=True,
                    overflow="ellipsis",
                ),
                key=p.code,
            )
        if self.plans:
            table.move_cursor(row=min(max(row, 0), len(self.plans) - 1))
        self._show_drill_panel()

    def tick(self) -> None:
        """Every 30 s: the countdowns and the deadline line, from the rows already loaded."""
        table = self.incident_table
        now = datetime.now(UTC)
        for v in self.rows.values():
            text, style = countdown(v, now)
            try:
                table.update_cell(
                    str(v.id),
                    "deadline",
                    Text(text, style=style, no_wrap=True, overflow="ellipsis"),
                )
            except Exception:  # the row went away meanwhile
                continue
        if self.detail is not None:
            self._render_facts(self.detail)
        if self._loaded_once and self.view == "incidents":
            self._show_count()

    @on(DataTable.RowHighlighted, "#inc-list")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        key = event.row_key.value
        if key is not None and int(key) in self.rows:
            self._select(int(key))

    @on(DataTable.RowHighlighted, "#drill-plans")
    def _plan_highlighted(self) -> None:
        run, plan = self.drill_run, self.current_plan
        finished = run is not None and (run.result is not None or bool(run.error))
        if finished and (plan is None or run is None or plan.code != run.plan):
            self.drill_run = None  # a finished run stays in sight on its own plan only
        self._show_drill_panel()
        self.refresh_bindings()

    def _select(self, incident_id: int, *, force: bool = False) -> None:
        if incident_id == self._highlighted and self.detail is not None and not force:
            return
        self._highlighted = incident_id
        self._detail_generation += 1
        self.refresh_bindings()
        self.fetch_detail(self._detail_generation, incident_id)

    @work(thread=True, exclusive=True, group="incidents-detail")
    def fetch_detail(self, generation: int, incident_id: int) -> None:
        from audit_log import incidents as inc
        from ops import plans

        try:
            with self.jz.database.read() as s:
                found = inc.get(s, incident_id)
                steps: list[tuple[int, str, str, bool]] = []
                if found.plan_code is not None and found.plan_version is not None:
                    plan = plans.version_of(s, found.plan_code, found.plan_version)
                    done = found.steps_done()
                    steps = [
                        (i, st.title, st.owner_role, i in done)
                        for i, st in enumerate(plan.steps, 1)
                    ]
        except Exception as exc:
            self.post_message(DetailFailed(generation, error_text(exc)))
            return
        self.post_message(DetailLoaded(generation, found, steps))

    @on(DetailLoaded)
    def _detail_loaded(self, message: DetailLoaded) -> None:
        if message.generation != self._detail_generation:
            return
        self.detail_steps = message.steps
        self._show_detail(message.view)

    @on(DetailFailed)
    def _detail_failed(self, message: DetailFailed) -> None:
        if message.generation != self._detail_generation:
            return
        self.query_one("#inc-facts", Static).update(
            Content.styled(t("tui.load_failed", reason=message.reason), "bold $text-error")
        )

    # --- the detail pane -------------------------------------------------------------

    def _show_detail(self, shown: IncidentView | None) -> None:
        self.detail = shown
        self.refresh_bindings()
        facts = self.query_one("#inc-facts", Static)
        steps = self.query_one("#inc-steps", Static)
        timeline = self.query_one("#inc-timeline", Static)
        if shown is None:
            facts.update(Content(t("tui.incidents.no_selection")))
            steps.display = False
            timeline.display = False
            return
        self._render_facts(shown)
        if self.detail_steps:
            steps.display = True
            parts: Parts = [
                (
                    t("incident.plan_steps", code=shown.plan_code, version=shown.plan_version),
                    "bold $text-accent",
                )
            ]
            for n, title, role, done in self.detail_steps:
                mark = ("✓ ", "$text-success") if done else ("· ", "dim")
                parts.extend(
                    ["\n", mark, f"{n}. ", title, (f"  {_word('rbac.role', role)}", "dim")]
                )
            steps.update(Content.assemble(*parts))
        else:
            steps.display = False
        timeline.display = True
        parts = [(t("incident.timeline"), "bold $text-accent")]
        for note in shown.notes:
            parts.extend(["\n", note_content(note)])
        timeline.update(Content.assemble(*parts))

    def _render_facts(self, v: IncidentView) -> None:
        now = datetime.now(UTC)
        text, style = countdown(v, now)
        deadline: Parts = [(text, style)]
        if v.report_due_at is not None:
            deadline.extend(["  ", (t("tui.incidents.due_at", at=when(v.report_due_at)), "dim")])
        entries: list[tuple[str, Parts]] = [
            (
                "incident.f_id",
                [
                    (str(v.id), "bold"),
                    "  ",
                    _word("incident.kind", v.kind),
                    "  ",
                    (_word("incident.status", v.status), STATUS_STYLE.get(v.status, "")),
                ],
            ),
            ("incident.f_title", [(v.title, "bold")]),
            ("incident.f_category", [_word("incident.category", v.category)]),
            ("incident.f_grade", [_word("incident.grade", v.grade) if v.grade else "—"]),
            ("incident.f_systems", [v.systems or "—"]),
            ("incident.f_units", [v.units or "—"]),
            ("incident.f_reporter", [v.reporter]),
            ("incident.f_detected", [when(v.detected_at)]),
            ("incident.f_deadline", deadline),
        ]
        parts: Parts = []
        for key, value in entries:
            if parts:
                parts.append("\n")
            parts.append((_label(key), "dim"))
            parts.extend(value)
        self.query_one("#inc-facts", Static).update(Content.assemble(*parts))

    def _show_drill_panel(self) -> None:
        info = self.query_one("#drill-info", Static)
        plan = self.current_plan
        if plan is None:
            info.update(Content.styled(t("tui.incidents.no_plan"), "dim"))
        else:
            parts: Parts = [
                (_label("drill.col_plan"), "dim"),
                (f"{plan.code} v{plan.version}", "bold"),
                "\n",
                (_label("drill.col_drill"), "dim"),
                _word("drill.kind", plan.drill) if plan.drill else t("tui.incidents.no_drill"),
                "\n",
                (_label("drill.col_last"), "dim"),
                when(plan.last_drilled),
            ]
            if plan.last_state:
                parts.extend(["  ", _word("drill.state", plan.last_state)])
            if plan.overdue:
                parts.extend(["\n", (t("drill.overdue_flag", months=12), "bold $text-error")])
            info.update(Content.assemble(*parts))
        run = self.drill_run
        if run is None and plan is not None:
            last = next(
                (d for d in self.drills if d.plan_code == plan.code and d.state != "planned"), None
            )
            if last is not None:
                self._render_run(
                    DrillRun(
                        plan.code,
                        {s.name: s.outcome for s in last.steps},
                        {s.name: s.detail for s in last.steps},
                        last,
                    ),
                    previous=True,
                )
                return
            self.query_one("#drill-steps", Static).update(
                Content.styled(t("tui.incidents.drill_hint"), "dim")
            )
            self.query_one("#drill-result", Static).update("")
            return
        if run is not None:
            self._render_run(run)

    def _render_run(self, run: DrillRun, *, previous: bool = False) -> None:
        parts: Parts = [
            (
                t("tui.incidents.last_drill" if previous else "tui.incidents.steps"),
                "bold $text-accent",
            )
        ]
        for name, state in run.steps.items():
            mark, style = OUTCOME_MARK.get(state, ("?", ""))
            parts.extend(["\n", (f"{mark} ", style), _word("drill.step", name)])
            detail = run.details.get(name, {})
            if state == "fail" and detail:
                parts.extend(["\n    ", (drill_reason(detail), "$text-error")])
        self.query_one("#drill-steps", Static).update(Content.assemble(*parts))
        result = self.query_one("#drill-result", Static)
        if run.error:
            result.update(Content.styled(run.error, "bold $text-error"))
            return
        v = run.result
        if v is None:
            result.update(Content.styled(t("tui.incidents.drill_running"), "$text-warning"))
            return
        head = t(
            f"drill.result_{v.state}",
            id=v.id,
            kind=_word("drill.kind", v.kind),
            plan=v.plan_code,
            seconds=v.figures.get("seconds", 0),
        )
        out: Parts = [(head, "bold $text-success" if v.state == "passed" else "bold $text-error")]
        for key in FIGURES:
            value = v.figures.get(key)
            if isinstance(value, int | float | str) and not isinstance(value, bool):
                out.extend(["\n  ", (_label(f"drill.figure.{key}"), "dim"), str(value)])
        result.update(Content.assemble(*out))

    # --- navigation ------------------------------------------------------------------

    def open_with(self, text: str) -> None:
        """``drills`` shows the drills; ``overdue`` the incidents whose report is overdue;
        ``incidents`` all incidents."""
        word = text.strip().lower()
        if word in ("drills", "drill", "演练"):
            self.action_view("drills")
        elif word in ("overdue", "逾期"):
            self.action_view("incidents")
            if not self.overdue_only:
                self.action_overdue()
        elif word in ("incidents", "incident", "事件"):
            self.action_view("incidents")
            if self.overdue_only:
                self.action_overdue()

    def action_view(self, view: str) -> None:
        if view not in VIEWS:
            return
        self.view = view
        self.query_one("#inc-switcher", ContentSwitcher).current = (
            "inc-pane" if view == "incidents" else "drill-pane"
        )
        (self.incident_table if view == "incidents" else self.plan_table).focus()
        self._show_views()
        if self._loaded_once:
            self._show_count()
        self.refresh_bindings()

    def action_overdue(self) -> None:
        if self.view != "incidents":
            return
        self.overdue_only = not self.overdue_only
        self._show_views()
        self.reload()

    def action_back(self) -> None:
        (self.incident_table if self.view == "incidents" else self.plan_table).focus()

    # --- writing ---------------------------------------------------------------------

    def _start(self) -> None:
        self.busy = True
        self.refresh_bindings()
        self._set_status(Content(t("tui.incidents.working")))

    def action_new(self) -> None:
        if self.check_action("new", ()) is not True:
            return
        user = self.jz.user
        assert user is not None

        def given(answer: NewIncident | None) -> None:
            if answer is not None:
                self._start()
                self.run_open(answer)

        self.app.push_screen(IncidentForm(user.full_name or user.login_name), given)

    def action_note(self) -> None:
        shown = self.detail
        if self.check_action("note", ()) is not True or shown is None:
            return
        incident_id = shown.id

        def given(answer: TextAnswer | None) -> None:
            if answer is not None:
                self._start()
                self.run_note(incident_id, answer.text)

        self.app.push_screen(
            TextDialog(
                t("tui.incidents.note_title"),
                t("tui.incidents.note_question", id=incident_id, title=shown.title),
                t("tui.incidents.f_note"),
                t("tui.incidents.note_ok"),
                required=True,
            ),
            given,
        )

    def action_status(self) -> None:
        shown = self.detail
        if self.check_action("status", ()) is not True or shown is None:
            return
        incident_id = shown.id
        later = STATUSES[STATUSES.index(shown.status) + 1 :]
        choices = [(_word("incident.status", s), s) for s in later]

        def given(answer: TextAnswer | None) -> None:
            if answer is not None and answer.choice:
                self._start()
                self.run_status(incident_id, answer.choice, answer.text)

        self.app.push_screen(
            TextDialog(
                t("tui.incidents.status_title"),
                t(
                    "tui.incidents.status_question",
                    id=incident_id,
                    status=_word("incident.status", shown.status),
                ),
                t("tui.incidents.f_note_optional"),
                t("tui.incidents.status_ok"),
                required=False,
                choices=choices,
                choice_label=t("tui.incidents.f_new_status"),
            ),
            given,
        )

    def action_reported(self) -> None:
        shown = self.detail
        if self.check_action("reported", ()) is not True or shown is None:
            return
        incident_id = shown.id

        def given(answer: TextAnswer | None) -> None:
            if answer is not None:
                self._start()
                self.run_reported(incident_id, answer.text)

        self.app.push_screen(
            TextDialog(
                t("tui.incidents.reported_title"),
                t("tui.incidents.reported_question", id=incident_id),
                t("tui.incidents.f_channel"),
                t("tui.incidents.reported_ok"),
                required=False,
            ),
            given,
        )

    @work(thread=True, group="incidents-write")
    def run_open(self, answer: NewIncident) -> None:
        from audit_log import incidents as inc
        from ops import plans

        database = self.jz.database
        try:
            op = self._operator()
            plan = None
            if answer.kind == "incident":
                with database.read() as s:
                    plan = plans.for_category(s, answer.category)
            cmd = inc.OpenIncident(
                kind=answer.kind,
                category=answer.category,
                title=answer.title,
                reporter=answer.reporter,
                grade=answer.grade,
                systems=answer.systems,
                units=answer.units,
                plan_code=plan.code if plan else None,
                plan_version=plan.version if plan else None,
            )
            v = inc.open_incident(
                cmd, database.uow(), op.actor, authorize=op.authorize, rules=reporting_rules()
            )
        except Exception as exc:
            self.post_message(ActionFailed(error_text(exc)))
            return
        note = t(
            "incident.opened",
            id=v.id,
            kind=_word("incident.kind", v.kind),
            category=_word("incident.category", v.category),
        )
        if plan is not None:
            note += " " + t("tui.incidents.plan_started", code=plan.code, version=plan.version)
        self.post_message(ActionDone(note, v.id))

    @work(thread=True, group="incidents-write")
    def run_note(self, incident_id: int, body: str) -> None:
        from audit_log import incidents as inc

        try:
            op = self._operator()
            n = inc.add_note(
                inc.AddNote(incident_id, body),
                self.jz.database.uow(),
                op.actor,
                authorize=op.authorize,
            )
        except Exception as exc:
            self.post_message(ActionFailed(error_text(exc)))
            return
        self.post_message(ActionDone(t("incident.noted", id=incident_id, seq=n.seq), incident_id))

    @work(thread=True, group="incidents-write")
    def run_status(self, incident_id: int, status: str, body: str) -> None:
        from audit_log import incidents as inc

        try:
            op = self._operator()
            v = inc.set_status(
                inc.SetStatus(incident_id, status, body),
                self.jz.database.uow(),
                op.actor,
                authorize=op.authorize,
            )
        except Exception as exc:
            self.post_message(ActionFailed(error_text(exc)))
            return
        note = t("incident.status_set", id=v.id, status=_word("incident.status", v.status))
        self.post_message(ActionDone(note, incident_id))

    @work(thread=True, group="incidents-write")
    def run_reported(self, incident_id: int, body: str) -> None:
        from audit_log import incidents as inc

        try:
            op = self._operator()
            v = inc.mark_reported(
                inc.MarkReported(incident_id, body),
                self.jz.database.uow(),
                op.actor,
                authorize=op.authorize,
            )
        except Exception as exc:
            self.post_message(ActionFailed(error_text(exc)))
            return
        text, _ = countdown(v, datetime.now(UTC))
        self.post_message(
            ActionDone(t("tui.incidents.reported_done", id=v.id, state=text), incident_id)
        )

    @on(ActionDone)
    def _action_done(self, message: ActionDone) -> None:
        self.busy = False
        self.notify(message.note, markup=False)
        self._select_after = message.select
        if message.select is not None and self.overdue_only:
            self.overdue_only = False  # a new or changed incident must be in sight
            self._show_views()
        self.reload()

    @on(ActionFailed)
    def _action_failed(self, message: ActionFailed) -> None:
        self.busy = False
        self.notify(message.reason, severity="error", markup=False)
        self._set_status(Content.styled(message.reason, "bold $text-error"))
        self.refresh_bindings()

    # --- drills ----------------------------------------------------------------------

    def action_run_drill(self) -> None:
        plan = self.current_plan
        if self.check_action("run_drill", ()) is not True or plan is None or plan.drill is None:
            return
        self.drill_run = DrillRun(plan.code)
        self._render_run(self.drill_run)
        self.refresh_bindings()
        self.run_drill(plan.code, plan.drill)

    @work(thread=True, exclusive=True, group="incidents-drill")
    def run_drill(self, plan_code: str, kind: str) -> None:
        from ops import drills

        def hook(step: str, state: str, detail: dict[str, Any]) -> None:
            plain = {
                k: v if isinstance(v, int | float | str | None) else str(v)
                for k, v in detail.items()
            }
            self.post_message(DrillStep(step, state, plain))

        try:
            op = self._operator()
            cmd = drills.RunDrill(kind=kind, plan_code=plan_code)
            v = drills.run_drill(cmd, self.jz.database, op.actor, authorize=op.authorize, hook=hook)
        except Exception as exc:
            self.post_message(DrillFailed(error_text(exc)))
            return
        self.post_message(DrillDone(v))

    @on(DrillStep)
    def _drill_step(self, message: DrillStep) -> None:
        run = self.drill_run
        if run is None:
            return
        run.steps[message.step] = message.state
        run.seen.append((message.step, message.state))
        if message.detail:
            run.details[message.step] = message.detail
        self._render_run(run)

    @on(DrillDone)
    def _drill_done(self, message: DrillDone) -> None:
        run = self.drill_run
        if run is None:
            run = self.drill_run = DrillRun(message.view.plan_code)
        run.result = message.view
        run.steps = {s.name: s.outcome for s in message.view.steps}
        run.details = {s.name: s.detail for s in message.view.steps}
        self._render_run(run)
        v = message.view
        head = t(
            f"drill.result_{v.state}",
            id=v.id,
            kind=_word("drill.kind", v.kind),
            plan=v.plan_code,
            seconds=v.figures.get("seconds", 0),
        )
        self.notify(head, severity="information" if v.state == "passed" else "error", markup=False)
        self.reload()

    @on(DrillFailed)
    def _drill_failed(self, message: DrillFailed) -> None:
        run = self.drill_run
        if run is None:
            return
        run.error = t("tui.incidents.drill_error", reason=message.reason)
        self._render_run(run)
        self.notify(run.error, severity="error", markup=False)
        self.refresh_bindings()
