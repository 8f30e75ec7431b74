"""The Incidents area (事件): the incident register, the emergency drills and the emergency
plans (issue 7).

Three views, one key each. **Incidents**: the register, newest first, with grade, category,
status and the countdown to the report owed to the provincial office ("还剩 2 小时 13 分",
"已超时 35 分"), refreshed every 30 seconds without reading the database again; the
highlighted incident's facts, its plan's steps (done or not) and its append-only timeline.
``n`` opens an incident (or a report-and-file record: the category decides), starting the
matching emergency plan as ``jzctl incident open`` does; ``t`` adds a note, ``s`` moves the
status forward, ``p`` records that the report was made. ``o`` shows only the incidents whose
report is overdue. **Drills**: the scheduled drills (soonest first), then each emergency plan
with when it was last drilled, flagged when not in 12 months; ``a`` schedules a drill as
``jzctl drill plan`` does; ``d`` runs the highlighted scheduled drill, or the highlighted
plan's drill, in a sandbox (never on live data), its steps appearing as they run, then the
result with its figures (RTO, RPO, …). **Plans** (预案): every plan's current version, when
it last changed and how long since its last drill; the highlighted plan's content and its
versions (``jzctl plan list`` / ``plan show``); ``e`` edits its TOML text and stores the next
version (``jzctl plan edit``; earlier versions stay).

``/`` filters the list in view as it is typed (words on number, title, code, category, grade,
status, kind; a grade such as ``II`` matches that grade only); Esc clears it. The lists are
small and loaded whole (seven-odd plans, the recent drills, the newest ``INCIDENT_LIMIT``
incidents, which ``list_incidents`` caps and cannot filter by text), so the filter narrows
the loaded rows; the status line says when the register hit that cap.

Who may do what is what the services ask (``audit_log.incidents``): the security or the
system admin writes, the audit admin only reads. The screen decides it once from the signed-
in admin's grants and hides what they may not do, and every write key in read-only mode; the
services authorise and audit each write themselves. Titles, notes, names, systems and plan
texts are user-supplied: everything is rendered as ``Text``/``Content``, never parsed as
markup.
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
    DRILL_KINDS,
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
from console.tui.screens.incident_plans import (
    DrillForm,
    PlanChoice,
    PlanEditor,
    filter_words,
    matches,
)
from console.tui.screens.permission import error_text
from console.tui.widgets import FilterBox, localise_bindings

if TYPE_CHECKING:
    from accounts.authz import Operator
    from ops.drills import DrillView, PlanDrill, PlanStatus
    from ops.plans import Plan

Parts = list[str | Content | tuple[str, str]]
VIEWS: dict[str, str] = {"incidents": "i", "drills": "l", "plans": "y"}
LISTS: dict[str, str] = {"incidents": "inc-list", "drills": "drill-plans", "plans": "plan-list"}
PANES: dict[str, str] = {"incidents": "inc-pane", "drills": "drill-pane", "plans": "plan-pane"}
INCIDENT_LIMIT = 200  # the newest incidents loaded (as ``jzctl incident list``)
DRILL_LIMIT = 50  # the recent drills loaded (the scheduled ones among them)
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
    plan_list: list[Plan]


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
class PlanDetailLoaded(Message):
    generation: int
    plan: Plan
    history: list[Plan]


@dataclass
class PlanDetailFailed(Message):
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


def numbered(n: int, title: str) -> str:
    """``2．从异地恢复…``: a Chinese title takes a full-width stop and no space, so that a long
    one folds on its own line instead of leaving its number alone on the line above (text is
    wrapped at spaces only)."""
    return f"{n}. {title}" if title[:1].isascii() else f"{n}．{title}"


def labelled(entries: list[tuple[str, Parts]]) -> Content:
    """``label：value`` lines, the labels dim."""
    parts: Parts = []
    for key, value in entries:
        if parts:
            parts.append("\n")
        parts.append((_label(key), "dim"))
        parts.extend(value)
    return Content.assemble(*parts)


def days_since(at: datetime | None, now: datetime) -> int | None:
    return None if at is None else max((now - at).days, 0)


def since_drill(status: PlanStatus | None, now: datetime, *, short: bool) -> tuple[str, str]:
    """How long since the plan's last drill (``35 天``, ``从未演练``), red when overdue."""
    days = days_since(status.last_drilled if status else None, now)
    style = "bold red" if status is None or status.overdue else ""
    if days is None:
        return t("tui.incidents.never_drilled"), style
    return t("tui.incidents.days" if short else "tui.incidents.days_ago", n=days), style


# What the ``/`` filter looks in (the words as shown, and the codes).


def incident_text(v: IncidentView) -> list[str | None]:
    return [
        str(v.id),
        v.title,
        v.category,
        _word("incident.category", v.category),
        v.status,
        _word("incident.status", v.status),
        v.kind,
        _word("incident.kind", v.kind),
        _word("incident.grade", v.grade) if v.grade else None,
        v.systems,
        v.units,
        v.reporter,
    ]


def plan_text(plan: Plan | None, code: str) -> list[str | None]:
    if plan is None:
        return [code]
    return [
        plan.code,
        plan.title,
        plan.category,
        _word("incident.category", plan.category),
        plan.drill,
        _word("drill.kind", plan.drill) if plan.drill else None,
        _word("rbac.role", plan.owner_role),
        f"v{plan.version}",
    ]


def status_text(p: PlanStatus) -> list[str | None]:
    return [
        _word("drill.state", p.last_state) if p.last_state else None,
        t("drill.overdue_flag", months=12) if p.overdue else None,
    ]


def scheduled_text(d: DrillView, plan: Plan | None) -> list[str | None]:
    return [
        f"#{d.id}",
        d.kind,
        _word("drill.kind", d.kind),
        _word("drill.state", d.state),
        when(d.scheduled_for),
        *d.participants,
        *plan_text(plan, d.plan_code),
    ]


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
            dialog.border_title = Content(self.title_text)
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
    row: str = ""  # the row of the drills list it belongs to
    drill_id: int | None = None  # a scheduled drill being run


@dataclass(frozen=True)
class DrillRow:
    """A row of the drills list: a scheduled drill, or a plan with its last drill."""

    key: str
    status: PlanStatus | None = None
    scheduled: DrillView | None = None


def plan_key(code: str) -> str:
    return f"plan:{code}"


def drill_key(drill_id: int) -> str:
    return f"drill:{drill_id}"


class IncidentsScreen(AreaScreen):
    """事件：安全事件登记（报告时限倒计时、只增不改的时间线）、应急演练（安排、逐步进度、结果）
    与应急预案（内容、版本、修订）。"""

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
        Binding(
            "a", "schedule_drill", "tui.incidents.bind_schedule", id="incidents.schedule_drill"
        ),
        Binding("d", "run_drill", "tui.incidents.bind_drill", id="incidents.drill"),
        Binding("e", "edit_plan", "tui.incidents.bind_edit_plan", id="incidents.edit_plan"),
        Binding("slash", "focus_filter", "tui.incidents.bind_filter", id="incidents.filter"),
        Binding("r", "reload", "tui.incidents.bind_refresh", id="incidents.refresh"),
        Binding("escape", "back", "tui.incidents.bind_back", id="incidents.back", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.view = "incidents"
        self.overdue_only = False
        self.loaded_rows: dict[int, IncidentView] = {}  # as the query gave them
        self.rows: dict[int, IncidentView] = {}  # as shown: under the filter
        self.plans: list[PlanStatus] = []
        self.plan_titles: dict[str, str] = {}
        self.plan_list: list[Plan] = []
        self.shown_plans: list[Plan] = []
        self.drills: list[DrillView] = []
        self.drill_rows: list[DrillRow] = []
        self.filters: dict[str, str] = dict.fromkeys(VIEWS, "")
        self.may_read = False
        self.may_write = False
        self.fetching = False
        self.busy = False
        self.detail: IncidentView | None = None
        self.detail_steps: list[tuple[int, str, str, bool]] = []
        self.drill_run: DrillRun | None = None
        self.plan_detail: Plan | None = None
        self.plan_history: list[Plan] = []
        self._generation = 0
        self._detail_generation = 0
        self._plan_generation = 0
        self._highlighted: int | None = None
        self._plan_code: str | None = None
        self._select_after: int | None = None
        self._plan_after: str | None = None
        self._drill_after: str | None = None
        self._loaded_once = False

    # --- layout ----------------------------------------------------------------------

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="inc-top"):
            yield Static("", id="inc-views")
            yield FilterBox(t("tui.incidents.filter_placeholder"), id="inc-filter")
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
            with Horizontal(id="plan-pane"):
                plan_list = DataTable[Text](id="plan-list", cursor_type="row", zebra_stripes=True)
                plan_list.border_title = t("tui.incidents.plan_list_title")
                yield plan_list
                with VerticalScroll(id="plan-detail") as detail:
                    detail.border_title = t("tui.incidents.plan_detail_title")
                    yield Static(Content(t("tui.incidents.no_plan")), id="plan-facts")
                    yield Static("", id="plan-steps")
                    yield Static("", id="plan-history")

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
        plans.add_column(t("drill.col_drill"), key="drill", width=13)
        plans.add_column(t("drill.col_last"), key="last", width=11)
        plans.add_column(t("drill.col_state"), key="state", width=7)
        plans.add_column(t("drill.col_flag"), key="flag", width=14)
        listed = self.plan_list_table
        listed.add_column(t("plan.col_code"), key="code", width=14)
        listed.add_column(t("plan.col_title"), key="title", width=18)
        listed.add_column(t("tui.incidents.col_version"), key="version", width=4)
        listed.add_column(t("tui.incidents.col_changed"), key="changed", width=10)
        listed.add_column(t("tui.incidents.col_drilled"), key="drilled", width=10)
        self._show_views()
        self._crumbs()
        table.focus()
        self.set_interval(TICK_S, self.tick)
        self.reload()

    @property
    def incident_table(self) -> DataTable[Text]:
        return self.query_one("#inc-list", DataTable)

    @property
    def plan_table(self) -> DataTable[Text]:
        """The drills list (scheduled drills, then each plan with its last drill)."""
        return self.query_one("#drill-plans", DataTable)

    @property
    def plan_list_table(self) -> DataTable[Text]:
        """The plans view's list."""
        return self.query_one("#plan-list", DataTable)

    @property
    def filter_box(self) -> FilterBox:
        return self.query_one("#inc-filter", FilterBox)

    def list_of(self, view: str) -> DataTable[Text]:
        return self.query_one(f"#{LISTS[view]}", DataTable)

    @property
    def current(self) -> IncidentView | None:
        return self.rows.get(self._highlighted) if self._highlighted is not None else None

    @property
    def current_drill_row(self) -> DrillRow | None:
        table = self.plan_table
        if table.row_count == 0 or not (0 <= table.cursor_row < len(self.drill_rows)):
            return None
        return self.drill_rows[table.cursor_row]

    @property
    def current_plan(self) -> PlanStatus | None:
        """The highlighted plan of the drills list (None on a scheduled drill's row)."""
        row = self.current_drill_row
        return row.status if row is not None else None

    @property
    def current_scheduled(self) -> DrillView | None:
        row = self.current_drill_row
        return row.scheduled if row is not None else None

    def _plan_named(self, code: str) -> Plan | None:
        return next((p for p in self.plan_list if p.code == code), None)

    def _status_of(self, code: str) -> PlanStatus | None:
        return next((p for p in self.plans if p.code == code), None)

    def _show_views(self) -> None:
        parts: Parts = [(t("tui.incidents.views_label"), "dim")]
        for view, key in VIEWS.items():
            label = f" {key} {t(f'tui.incidents.view.{view}')} "
            parts.extend([(label, "reverse bold" if view == self.view else ""), " "])
        if self.view == "incidents" and self.overdue_only:
            parts.extend([" ", (t("tui.incidents.filter_overdue"), "bold $text-error")])
        self.query_one("#inc-views", Static).update(Content.assemble(*parts))

    def _set_status(self, content: Content) -> None:
        self.query_one("#inc-status", Static).update(content)

    def _crumbs(self) -> None:
        """The breadcrumb: 事件 > the view > the highlighted item."""
        item = ""
        if self.view == "incidents" and self._highlighted is not None:
            item = t("tui.incidents.crumb_incident", id=self._highlighted)
        elif self.view == "drills":
            row = self.current_drill_row
            if row is not None and row.scheduled is not None:
                item = t("tui.incidents.crumb_drill", id=row.scheduled.id)
            elif row is not None and row.status is not None:
                found = self._plan_named(row.status.code)
                item = found.title if found is not None else row.status.code
        elif self.view == "plans" and self._plan_code is not None:
            found = self._plan_named(self._plan_code)
            item = found.title if found is not None else self._plan_code
        self.set_crumbs(t(f"tui.incidents.view.{self.view}"), item)

    # --- what the signed-in admin may do ---------------------------------------------------

    def _may_write(self) -> bool:
        return self.writable and self.may_write and self.jz.user is not None

    def _drill_running(self) -> bool:
        run = self.drill_run
        return run is not None and run.result is None and not run.error

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
            row = self.current_drill_row
            if row is None or self._drill_running():
                return None
            if row.scheduled is None and (row.status is None or row.status.drill is None):
                return None
            return True
        if action == "schedule_drill":
            if not (self._may_write() and self.view == "drills"):
                return False
            return None if self.busy or not self.plan_list else True
        if action == "edit_plan":
            if not (self._may_write() and self.view == "plans"):
                return False
            plan = self.plan_detail
            if plan is None or self.busy or plan.code != self._plan_code:
                return None
            return True
        if action == "focus_filter":
            # While the filter has focus, "/" is typed into it.
            return self.may_read and not isinstance(self.focused, Input)
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
        """The register (the newest ``INCIDENT_LIMIT``), every plan's current version and when
        it was last drilled, the recent drills (the scheduled ones among them)."""
        from audit_log import incidents as inc
        from ops import drills, plans

        try:
            op = self._operator()
            may_read = inc.allowed(op.actor, op.authorize, inc.READ_ACTIONS) is not None
            may_write = inc.allowed(op.actor, op.authorize, inc.WRITE_ACTIONS) is not None
            rows: list[IncidentView] = []
            status: list[PlanStatus] = []
            current: list[Plan] = []
            recent: list[DrillView] = []
            if may_read:
                now = datetime.now(UTC)
                query = inc.IncidentQuery(overdue_only=overdue_only, limit=INCIDENT_LIMIT)
                with self.jz.database.read() as s:
                    rows = inc.list_incidents(s, query, now)
                    status = drills.plan_status(s, now=now)
                    current = plans.all_current(s)
                    recent = drills.list_drills(s, DRILL_LIMIT)
        except Exception as exc:  # the screen says what went wrong and stays usable
            self.post_message(LoadFailed(generation, error_text(exc)))
            return
        titles = {p.code: p.category for p in current}
        self.post_message(
            Loaded(generation, rows, status, titles, recent, may_read, may_write, current)
        )

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        if message.generation != self._generation:
            return
        self.fetching = False
        self.may_read = message.may_read
        self.may_write = message.may_write
        self.plans = message.plans
        self.plan_titles = message.plan_titles
        self.plan_list = message.plan_list
        self.drills = message.drills
        keep = self._select_after if self._select_after is not None else self._highlighted
        self._select_after = None
        self.loaded_rows = {v.id: v for v in message.rows}
        self._filter_incidents()
        self._fill_incidents(keep)
        self._fill_plans()
        self._fill_plan_list()
        self._show_count()
        self._loaded_once = True
        self._crumbs()
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
        parts: Parts
        if self.view == "drills":
            late = sum(1 for p in self.plans if p.overdue)
            parts = [t("tui.incidents.plans_count", n=len(self.plans))]
            scheduled = sum(1 for d in self.drills if d.state == "planned")
            if scheduled:
                parts.extend([" ", t("tui.incidents.scheduled_count", n=scheduled)])
            if late:
                parts.extend(
                    ["  ", (t("drill.overdue_warning", count=late, months=12), "bold $text-error")]
                )
        elif self.view == "plans":
            parts = [t("tui.incidents.plans_count", n=len(self.plan_list))]
        else:
            now = datetime.now(UTC)
            late = sum(1 for v in self.rows.values() if deadline_state(v, now) == OVERDUE)
            key = "tui.incidents.count_overdue" if self.overdue_only else "tui.incidents.count"
            parts = (
                [t(key, n=len(self.loaded_rows))]
                if self.loaded_rows
                else [(t("incident.list_empty"), "italic")]
            )
            if late:
                parts.extend(
                    ["  ", (t("incident.overdue_warning", count=late), "bold $text-error")]
                )
        if self.filters[self.view]:
            shown = {
                "incidents": len(self.rows),
                "drills": len(self.drill_rows),
                "plans": len(self.shown_plans),
            }[self.view]
            parts.extend(["  ", (t("tui.incidents.filtered", n=shown), "bold $text-accent")])
            if self.view == "incidents" and len(self.loaded_rows) >= INCIDENT_LIMIT:
                parts.extend([" ", (t("tui.incidents.filter_newest", n=INCIDENT_LIMIT), "dim")])
        if not self._may_write() and self.jz.user is not None:
            parts.extend(["  ", (t("tui.incidents.read_only"), "dim")])
        self._set_status(Content.assemble(*parts))

    # --- the incidents list ----------------------------------------------------------

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

    def _filter_incidents(self) -> None:
        words = filter_words(self.filters["incidents"])
        self.rows = {
            k: v
            for k, v in self.loaded_rows.items()
            if matches(words, incident_text(v), graded=True, grade=v.grade)
        }

    def _fill_incidents(self, keep: int | None) -> None:
        table = self.incident_table
        table.clear()
        now = datetime.now(UTC)
        for v in self.rows.values():
            table.add_row(*self._cells(v, now), key=str(v.id))
        if not self.rows:
            self._highlighted = None
            self._show_detail(None)
            if self.view == "incidents":
                self._crumbs()
            return
        target = keep if keep in self.rows else next(iter(self.rows))
        table.move_cursor(row=table.get_row_index(str(target)))
        self._select(target, force=True)

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

    def _select(self, incident_id: int, *, force: bool = False) -> None:
        if incident_id == self._highlighted and self.detail is not None and not force:
            return
        self._highlighted = incident_id
        self._detail_generation += 1
        self.refresh_bindings()
        if self.view == "incidents":
            self._crumbs()
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

    # --- the incident detail pane ----------------------------------------------------

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
                    ["\n", mark, numbered(n, title), (f"  {_word('rbac.role', role)}", "dim")]
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
        self.query_one("#inc-facts", Static).update(labelled(entries))

    # --- the drills list ---------------------------------------------------------------

    def _drill_rows(self) -> list[DrillRow]:
        """The scheduled drills (soonest first), then each plan with its last drill; under
        the filter."""
        words = filter_words(self.filters["drills"])
        out: list[DrillRow] = []
        far = datetime.max.replace(tzinfo=UTC)
        scheduled = sorted(
            (d for d in self.drills if d.state == "planned"),
            key=lambda d: (d.scheduled_for or far, d.id),
        )
        for d in scheduled:
            plan = self._plan_named(d.plan_code)
            if matches(words, scheduled_text(d, plan)):
                out.append(DrillRow(drill_key(d.id), scheduled=d))
        for p in self.plans:
            plan = self._plan_named(p.code)
            hay = [*plan_text(plan, p.code), *status_text(p)]
            if matches(words, hay):
                out.append(DrillRow(plan_key(p.code), status=p))
        return out

    def _drill_cells(self, row: DrillRow) -> tuple[Text, ...]:
        d = row.scheduled
        if d is not None:
            label = _word("incident.category", self.plan_titles.get(d.plan_code, d.plan_code))
            due = d.scheduled_for is not None and d.scheduled_for <= datetime.now(UTC)
            return (
                Text(f"#{d.id} {label}", no_wrap=True, overflow="ellipsis"),
                Text(_word("drill.kind", d.kind), no_wrap=True, overflow="ellipsis"),
                Text(
                    show_local(d.scheduled_for, seconds=False)[5:] if d.scheduled_for else "—",
                    no_wrap=True,
                ),
                Text(_word("drill.state", d.state), style="bold yellow", no_wrap=True),
                Text(
                    t("tui.incidents.scheduled_due" if due else "tui.incidents.scheduled_flag"),
                    style="bold yellow" if due else "yellow",
                    no_wrap=True,
                    overflow="ellipsis",
                ),
            )
        p = row.status
        assert p is not None
        label = _word("incident.category", self.plan_titles.get(p.code, p.code))
        return (
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
        )

    def _fill_plans(self) -> None:
        """The drills list: scheduled drills, then the plans; the cursor stays on its row."""
        table = self.plan_table
        here = self.current_drill_row
        keep = self._drill_after or (here.key if here is not None else None)
        self._drill_after = None
        index = table.cursor_row
        rows = self._drill_rows()
        table.clear()
        for row in rows:
            table.add_row(*self._drill_cells(row), key=row.key)
        self.drill_rows = rows
        if rows:
            keys = [r.key for r in rows]
            target = keys.index(keep) if keep in keys else min(max(index, 0), len(rows) - 1)
            table.move_cursor(row=target)
        self._show_drill_panel()

    @on(DataTable.RowHighlighted, "#drill-plans")
    def _plan_highlighted(self) -> None:
        run, row = self.drill_run, self.current_drill_row
        finished = run is not None and (run.result is not None or bool(run.error))
        if finished and (row is None or run is None or row.key != run.row):
            self.drill_run = None  # a finished run stays in sight on its own row only
        self._show_drill_panel()
        self.refresh_bindings()

    def _show_drill_panel(self) -> None:
        info = self.query_one("#drill-info", Static)
        row = self.current_drill_row
        plan = row.status if row is not None else None
        scheduled = row.scheduled if row is not None else None
        if self.view == "drills":
            self._crumbs()
        if scheduled is not None:
            info.update(self._scheduled_info(scheduled))
        elif plan is None:
            empty = "tui.incidents.no_match" if self.filters["drills"] else "tui.incidents.no_plan"
            info.update(Content.styled(t(empty), "dim"))
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
        if run is not None:
            self._render_run(run)
            return
        steps = self.query_one("#drill-steps", Static)
        result = self.query_one("#drill-result", Static)
        if scheduled is not None:
            steps.update(Content.styled(t("tui.incidents.scheduled_hint"), "dim"))
            result.update("")
            return
        if plan is not None:
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
                        row=plan_key(plan.code),
                    ),
                    previous=True,
                )
                return
            steps.update(Content.styled(t("tui.incidents.drill_hint"), "dim"))
            result.update("")
            return
        steps.update("")
        result.update("")

    def _scheduled_info(self, d: DrillView) -> Content:
        people = t("tui.incidents.list_sep").join(d.participants) or "—"
        return labelled(
            [
                (
                    "tui.incidents.f_drill_id",
                    [(f"#{d.id}", "bold"), "  ", (_word("drill.state", d.state), "bold yellow")],
                ),
                ("tui.incidents.f_kind", [_word("drill.kind", d.kind)]),
                ("drill.col_plan", [f"{d.plan_code} v{d.plan_version}"]),
                ("tui.incidents.f_when", [when(d.scheduled_for)]),
                ("tui.incidents.f_participants", [people]),
            ]
        )

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

    # --- the plans view ------------------------------------------------------------------

    def _fill_plan_list(self) -> None:
        table = self.plan_list_table
        keep = self._plan_after or self._plan_code
        self._plan_after = None
        words = filter_words(self.filters["plans"])
        self.shown_plans = [p for p in self.plan_list if matches(words, plan_text(p, p.code))]
        table.clear()
        now = datetime.now(UTC)
        for p in self.shown_plans:
            table.add_row(*self._plan_cells(p, now), key=p.code)
        if not self.shown_plans:
            self._plan_code = None
            self._show_plan(None)
            return
        codes = [p.code for p in self.shown_plans]
        target = keep if keep in codes else codes[0]
        table.move_cursor(row=codes.index(target))
        self._select_plan(target, force=True)

    def _plan_cells(self, p: Plan, now: datetime) -> tuple[Text, ...]:
        status = self._status_of(p.code)
        if p.created_at is not None:
            changed = Text(when(p.created_at)[:10], no_wrap=True)
        else:
            changed = Text(_word("plan.origin", p.origin), style="dim", no_wrap=True)
        return (
            Text(p.code, no_wrap=True, overflow="ellipsis"),
            Text(p.title, no_wrap=True, overflow="ellipsis"),
            Text(str(p.version), justify="right"),
            changed,
            Text(*since_drill(status, now, short=True), no_wrap=True),
        )

    @on(DataTable.RowHighlighted, "#plan-list")
    def _plan_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        key = event.row_key.value
        if key is not None and any(p.code == key for p in self.shown_plans):
            self._select_plan(key)

    def _select_plan(self, code: str, *, force: bool = False) -> None:
        if code == self._plan_code and self.plan_detail is not None and not force:
            return
        self._plan_code = code
        self._plan_generation += 1
        self.refresh_bindings()
        if self.view == "plans":
            self._crumbs()
        self.fetch_plan(self._plan_generation, code)

    @work(thread=True, exclusive=True, group="incidents-plan")
    def fetch_plan(self, generation: int, code: str) -> None:
        """``jzctl plan show CODE --history``: the current version and every version."""
        from ops import plans

        try:
            with self.jz.database.read() as s:
                plan = plans.current(s, code)
                versions = plans.history(s, code)
        except Exception as exc:
            self.post_message(PlanDetailFailed(generation, error_text(exc)))
            return
        self.post_message(PlanDetailLoaded(generation, plan, versions))

    @on(PlanDetailLoaded)
    def _plan_loaded(self, message: PlanDetailLoaded) -> None:
        if message.generation != self._plan_generation:
            return
        self.plan_history = message.history
        self._show_plan(message.plan)

    @on(PlanDetailFailed)
    def _plan_failed(self, message: PlanDetailFailed) -> None:
        if message.generation != self._plan_generation:
            return
        self.query_one("#plan-facts", Static).update(
            Content.styled(t("tui.load_failed", reason=message.reason), "bold $text-error")
        )

    def _show_plan(self, plan: Plan | None) -> None:
        self.plan_detail = plan
        self.refresh_bindings()
        facts = self.query_one("#plan-facts", Static)
        steps = self.query_one("#plan-steps", Static)
        history = self.query_one("#plan-history", Static)
        if plan is None:
            empty = "tui.incidents.no_match" if self.filters["plans"] else "tui.incidents.no_plan"
            facts.update(Content.styled(t(empty), "dim"))
            steps.display = False
            history.display = False
            return
        status = self._status_of(plan.code)
        drilled: Parts = []
        if status is not None and status.last_drilled is not None:
            drilled.extend([when(status.last_drilled), "  "])
        drilled.append(since_drill(status, datetime.now(UTC), short=False))
        header = t(
            "plan.header",
            title=plan.title,
            code=plan.code,
            version=plan.version,
            origin=_word("plan.origin", plan.origin),
        )
        entries: list[tuple[str, Parts]] = [
            ("incident.f_category", [_word("incident.category", plan.category)]),
            ("tui.incidents.f_owner", [_word("rbac.role", plan.owner_role)]),
            (
                "drill.col_drill",
                [_word("drill.kind", plan.drill) if plan.drill else t("tui.incidents.no_drill")],
            ),
            ("tui.incidents.f_contacts", [t("tui.incidents.list_sep").join(plan.contacts) or "—"]),
            ("drill.col_last", drilled),
        ]
        facts.update(Content.assemble((header, "bold"), "\n", labelled(entries)))
        steps.display = True
        parts: Parts = [(t("tui.incidents.plan_steps"), "bold $text-accent")]
        for i, st in enumerate(plan.steps, 1):
            parts.extend(
                ["\n", numbered(i, st.title), (f"  {_word('rbac.role', st.owner_role)}", "dim")]
            )
        steps.update(Content.assemble(*parts))
        history.display = True
        parts = [(t("tui.incidents.plan_versions"), "bold $text-accent")]
        for p in reversed(self.plan_history):
            if p.created_at is None:
                line = t("tui.incidents.version_shipped", version=p.version)
            else:
                line = t(
                    "tui.incidents.version_edited",
                    version=p.version,
                    at=when(p.created_at),
                    reason=p.reason or t("tui.incidents.no_reason"),
                )
            parts.extend(["\n", (line, "bold" if p.version == plan.version else "")])
        history.update(Content.assemble(*parts))

    # --- the filter (applied as it is typed, to the list of the view) ------------------

    def action_focus_filter(self) -> None:
        self.filter_box.open()

    @on(FilterBox.Applied, "#inc-filter")
    def _filtered(self, message: FilterBox.Applied) -> None:
        self._apply_filter(message.text)
        if message.done:
            self.list_of(self.view).focus()

    def _apply_filter(self, text: str) -> None:
        """``text`` becomes the filter of the list in view."""
        if text == self.filters[self.view]:
            return
        self.filters[self.view] = text
        if not self._loaded_once:
            return
        if self.view == "incidents":
            self._filter_incidents()
            self._fill_incidents(self._highlighted)
        elif self.view == "drills":
            self._fill_plans()
        else:
            self._fill_plan_list()
        self._show_count()
        self._crumbs()
        self.refresh_bindings()

    def _set_filter(self, view: str, text: str) -> None:
        """Set a view's filter (and the box, when that view is showing)."""
        if view == self.view:
            self.filter_box.set_quietly(text)
            self._apply_filter(text)
        else:
            self.filters[view] = text

    # --- navigation ------------------------------------------------------------------

    def open_with(self, text: str) -> None:
        """``drills`` shows the drills; ``plans`` the emergency plans; ``overdue`` the
        incidents whose report is overdue; ``incidents`` all incidents."""
        word = text.strip().lower()
        if word in ("drills", "drill", "演练"):
            self.action_view("drills")
        elif word in ("plans", "plan", "预案"):
            self.action_view("plans")
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
        self.query_one("#inc-switcher", ContentSwitcher).current = PANES[view]
        self.filter_box.set_quietly(self.filters[view])  # each view keeps its own filter
        self.list_of(view).focus()
        self._show_views()
        if self._loaded_once:
            self._show_count()
        self._crumbs()
        self.refresh_bindings()

    def action_overdue(self) -> None:
        if self.view != "incidents":
            return
        self.overdue_only = not self.overdue_only
        self._show_views()
        self.reload()

    def action_back(self) -> None:
        """Esc: back to the list; with a filter set, clear it (in the box, the box's own Esc
        does the same)."""
        if self.filters[self.view] or self.filter_box.value:
            self.filter_box.action_close()
        self.list_of(self.view).focus()

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
        if message.select is not None and self.filters["incidents"]:
            self._set_filter("incidents", "")
        self.reload()

    @on(ActionFailed)
    def _action_failed(self, message: ActionFailed) -> None:
        self.busy = False
        self.notify(message.reason, severity="error", markup=False)
        self._set_status(Content.styled(message.reason, "bold $text-error"))
        self.refresh_bindings()

    # --- plans: edit -----------------------------------------------------------------

    def action_edit_plan(self) -> None:
        """``jzctl plan edit CODE``: the current TOML text in an editor; saved as the next
        version by the same service (or the editor says why not and keeps the text)."""
        shown = self.plan_detail
        if self.check_action("edit_plan", ()) is not True or shown is None:
            return
        code = shown.code
        database = self.jz.database

        def save(text: str, reason: str) -> Plan:  # in the editor's thread worker
            from ops import plans

            op = self._operator()
            return plans.edit(
                plans.EditPlan(code, text, reason), database.uow(), op.actor, authorize=op.authorize
            )

        def saved(plan: Plan | None) -> None:
            if plan is None:
                return
            self.notify(
                t("plan.edited", code=plan.code, version=plan.version, steps=len(plan.steps)),
                markup=False,
            )
            self._plan_after = plan.code
            if not any(p.code == plan.code for p in self.shown_plans):
                self._set_filter("plans", "")
            self.reload()

        self.app.push_screen(PlanEditor(shown, save), saved)

    # --- drills ----------------------------------------------------------------------

    def action_schedule_drill(self) -> None:
        """``jzctl drill plan KIND --at --plan --participant``: a form; the drill then
        shows first in the drills list, to be run with ``d``."""
        if self.check_action("schedule_drill", ()) is not True:
            return
        row = self.current_drill_row
        kind, code = DRILL_KINDS[0], None
        if row is not None and row.scheduled is not None:
            kind, code = row.scheduled.kind, row.scheduled.plan_code
        elif row is not None and row.status is not None and row.status.drill:
            kind, code = row.status.drill, row.status.code
        choices = [PlanChoice(p.code, p.title, p.drill) for p in self.plan_list]
        database = self.jz.database

        def schedule(cmd: PlanDrill) -> DrillView:  # in the form's thread worker
            from ops import drills

            op = self._operator()
            return drills.plan_drill(cmd, database, op.actor, authorize=op.authorize)

        def scheduled(view: DrillView | None) -> None:
            if view is None:
                return
            self.notify(
                t(
                    "drill.planned",
                    id=view.id,
                    kind=_word("drill.kind", view.kind),
                    at=when(view.scheduled_for),
                ),
                markup=False,
            )
            self._drill_after = drill_key(view.id)
            self._set_filter("drills", "")  # the new drill must be in sight
            self.reload()

        self.app.push_screen(DrillForm(choices, kind, code, schedule), scheduled)

    def action_run_drill(self) -> None:
        row = self.current_drill_row
        if self.check_action("run_drill", ()) is not True or row is None:
            return
        if row.scheduled is not None:
            d = row.scheduled
            self.drill_run = DrillRun(d.plan_code, row=row.key, drill_id=d.id)
            plan_code, kind, drill_id = d.plan_code, d.kind, d.id
        else:
            plan = row.status
            if plan is None or plan.drill is None:
                return
            self.drill_run = DrillRun(plan.code, row=row.key)
            plan_code, kind, drill_id = plan.code, plan.drill, None
        self._render_run(self.drill_run)
        self.refresh_bindings()
        self.run_drill(plan_code, kind, drill_id)

    @work(thread=True, exclusive=True, group="incidents-drill")
    def run_drill(self, plan_code: str, kind: str, drill_id: int | None = None) -> None:
        """``jzctl drill run KIND --plan CODE``, or ``--id N`` for a scheduled drill."""
        from ops import drills

        def hook(step: str, state: str, detail: dict[str, Any]) -> None:
            plain = {
                k: v if isinstance(v, int | float | str | None) else str(v)
                for k, v in detail.items()
            }
            self.post_message(DrillStep(step, state, plain))

        try:
            op = self._operator()
            if drill_id is not None:
                cmd = drills.RunDrill(drill_id=drill_id)
            else:
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
        if run.drill_id is not None:
            # A scheduled drill's row goes once it has run: its result stays in sight on
            # its plan's row, where the cursor goes.
            run.row = plan_key(run.plan)
            self._drill_after = run.row
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
