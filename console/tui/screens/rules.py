"""The Rules area (规则): roles, grants, the permission check, the policy lint and the
working-day calendar: ``jzctl policy show|check|explain|lint``, ``role list`` and
``calendar list|set`` at a terminal.

Five views, one key each:

- ``o`` roles (角色): every role template with its levels, the actions the policy table gives
  it (``rbac.store.load_policy``, grouped as ``policy show`` does) and the grant rules that
  hand it out (``rbac.templates.GRANT_RULES``); Enter on a role opens its details pane.
- ``g`` grants (授权): ``role list [LOGIN]``: the signed-in admin's own grants, or another
  account's (typed in the login box), authorised as the CLI does.
- ``c`` check (检查): ``policy check`` / ``policy explain``: allowed or denied, the reason, the
  grant and policy line that decided, and every grant of the account.
- ``l`` lint (体检): ``policy lint``'s findings, or that nothing was found.
- ``d`` calendar (日历): ``calendar list --year``; ``[`` and ``]`` change the year; ``s`` sets a
  day (``calendar set``: holiday, workday or clear, audited) for whoever may configure the
  system, never in read-only mode.

Reading the policy (roles, check, lint) takes an admin, as in the CLI: a refusal is recorded
in the audit trail and shows as one sentence; the views are not offered to non-admins.
Database work runs in thread workers posting plain rows back. Names, logins and reasons are
user-supplied: they are rendered as ``Content``/``Text`` and never parsed as markup.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Button, ContentSwitcher, DataTable, Input, Select, Static

from accounts.authz import (
    PROVINCE,
    Operator,
    check_grants_readable,
    operator_for,
    require_admin,
)
from accounts.bootstrap import account_id_by_login, identity
from accounts.org import resolve_region
from casedb.calendar import (
    CLEAR,
    HOLIDAY,
    KINDS,
    NAME_MAX,
    SOURCE_FALLBACK,
    WORKDAY,
    Special,
    WorkCalendar,
    check_year,
    parse_day,
    special_days,
)
from casedb.clock import local_zone
from casedb.errors import InvalidInput, JzError
from casedb.reference import DEPARTMENTS
from console.figures import holiday_name
from console.i18n import has, t
from console.tui.screens import AreaScreen
from console.tui.screens.permission import action_label, department_name, error_text
from console.tui.widgets import localise_bindings
from rbac.enforcer import Enforcer
from rbac.explain import Explanation, explain
from rbac.lint import Finding, lint_db
from rbac.queries import grants_of, is_admin
from rbac.store import PolicyLine, load_policy
from rbac.templates import (
    ACTIONS,
    ALL_DEPARTMENTS,
    BOOTSTRAP_ROLES,
    GRANT_RULES,
    SEPARATED_ROLES,
    SYSTEM_CONFIG,
    TEMPLATES,
    GrantRule,
)

if TYPE_CHECKING:
    from accounts.session import AccountInfo
    from casedb.engine import Database

VIEWS: dict[str, str] = {"roles": "o", "grants": "g", "check": "c", "lint": "l", "calendar": "d"}
# Reading the policy takes an admin (``jzctl policy …``).
POLICY_VIEWS = frozenset({"roles", "check", "lint"})
# Words the palette and the command line may name a view by.
VIEW_WORDS = {"role": "roles", "grant": "grants", "explain": "check", "calendar": "calendar"}
DEBOUNCE_S = 0.3

Parts = list[str | Content | tuple[str, str]]


# --- what the CLI does, for a console without ``jzctl login`` ------------------------------


def policy_operator(db: Database, user: AccountInfo) -> Operator:
    """The signed-in admin, allowed to read the policy; a refusal is recorded and raised
    (as ``console.cli.policy._common.admin_operator``)."""
    return require_admin(operator_for(db, user.id, user.login_name))


@dataclass(frozen=True)
class DayForm:
    day: date
    kind: str  # holiday, workday or clear
    name: str


@dataclass(frozen=True)
class DaySet:
    day: date
    before: dict[str, object] | None
    after: dict[str, object] | None


def set_calendar_day(db: Database, user: AccountInfo, form: DayForm) -> DaySet:
    """``jzctl calendar set DATE KIND --name NAME`` through the same service."""
    from accounts.calendar_admin import set_calendar_day as set_day_as

    op = operator_for(db, user.id, user.login_name)
    before, after = set_day_as(op, form.day, form.kind, form.name)
    return DaySet(form.day, before, after)


def day_set_note(done: DaySet) -> str:
    if done.after is None:
        return t("calendar.cleared", date=done.day.isoformat())
    return t(
        "calendar.set_done",
        date=done.day.isoformat(),
        kind=t(f"calendar.kind_{done.after['kind']}"),
        name=str(done.after.get("name") or "-"),
    )


# --- rows -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoleRow:
    code: str
    levels: tuple[int, ...]
    departments: tuple[str, ...]
    actions: tuple[str, ...]  # from the policy table, sorted
    granted_by: tuple[GrantRule, ...]
    template: bool


def role_rows(policy: Iterable[PolicyLine]) -> list[RoleRow]:
    """Every role template, then any other role the policy names: its actions grouped as
    ``jzctl policy show`` groups them, its levels and who grants it."""
    by_role: dict[str, list[str]] = {}
    for p in policy:
        by_role.setdefault(p.role, []).append(p.action)
    codes = [*TEMPLATES, *sorted(set(by_role) - set(TEMPLATES))]
    rows: list[RoleRow] = []
    for code in codes:
        tpl = TEMPLATES.get(code)
        rows.append(
            RoleRow(
                code,
                tuple(sorted(int(lv) for lv in tpl.levels)) if tpl else (),
                tuple(sorted(tpl.departments)) if tpl else (),
                tuple(sorted(by_role.get(code, ()))),
                tuple(r for r in GRANT_RULES if r.target == code),
                tpl is not None,
            )
        )
    return rows


@dataclass(frozen=True)
class GrantRow:
    role: str
    region: str
    region_name: str
    department: str


@dataclass(frozen=True)
class TraceRow:
    role: str
    grant: str  # the g line
    policy: str | None  # the p line giving the role the action, if any
    covers: bool
    decides: bool


@dataclass(frozen=True)
class CheckView:
    login: str
    action: str
    region: str
    department: str
    allowed: bool
    reason: str
    lines: tuple[str, ...]
    traces: tuple[TraceRow, ...]


def check_view(login: str, expl: Explanation) -> CheckView:
    d = expl.decision
    return CheckView(
        login,
        expl.action,
        expl.region,
        expl.department,
        d.allowed,
        d.reason,
        tuple(expl.lines()),
        tuple(
            TraceRow(
                tr.grant.role,
                tr.grant.line(),
                tr.policy.line() if tr.policy else None,
                tr.covers,
                tr.decides,
            )
            for tr in expl.traces
        ),
    )


def role_label(role: str) -> str:
    key = f"rbac.role.{role}"
    return t(key) if has(key) else role


def levels_text(levels: tuple[int, ...]) -> str:
    if not levels:
        return "—"
    lo, hi = levels[0], levels[-1]
    if lo == hi:
        return t(f"level.{lo}")
    if list(levels) == list(range(lo, hi + 1)):
        return f"{t(f'level.{lo}')}–{t(f'level.{hi}')}"
    return _join(t(f"level.{lv}") for lv in levels)


def _join(items: Iterable[str]) -> str:
    return t("tui.list_sep").join(items)


def departments_text(codes: Iterable[str]) -> str:
    return _join(department_name(c) for c in codes) or "—"


def granter_text(rule: GrantRule) -> str:
    text = t("tui.label", label=role_label(rule.granter))
    text += t(f"tui.rules.where.{rule.where}")
    if rule.departments:
        text += t(
            "tui.rules.where_departments", departments=departments_text(sorted(rule.departments))
        )
    return text


# --- messages from the workers -----------------------------------------------------------


@dataclass
class RightsLoaded(Message):
    admin: bool
    may_set_calendar: bool
    reason: str = ""


@dataclass
class RolesLoaded(Message):
    generation: int
    rows: list[RoleRow]
    lines: int


@dataclass
class GrantsLoaded(Message):
    generation: int
    login: str
    full_name: str
    grants: list[GrantRow]


@dataclass
class CheckLoaded(Message):
    generation: int
    result: CheckView | None
    error: str = ""


@dataclass
class LintLoaded(Message):
    generation: int
    findings: list[Finding]


@dataclass
class CalendarLoaded(Message):
    generation: int
    year: int
    source: str
    fallback: bool
    complete: bool
    days: list[Special]


@dataclass
class LoadFailed(Message):
    generation: int
    reason: str


@dataclass
class ActionDone(Message):
    note: str
    year: int


@dataclass
class ActionFailed(Message):
    reason: str


# --- the calendar form --------------------------------------------------------------------


class DayDialog(ModalScreen[DayForm | None]):
    """``calendar set``: a date, holiday / workday / clear, and an optional name."""

    CSS_PATH = "rules.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "tui.rules.bind_cancel", id="rules-day.cancel"),
    ]

    def __init__(self, day: date, kind: str = HOLIDAY, name: str = "") -> None:
        super().__init__()
        localise_bindings(self)
        self.day = day
        self.kind = kind if kind in (*KINDS, CLEAR) else HOLIDAY
        self.name_text = name

    def compose(self) -> ComposeResult:
        with Vertical(id="day-dialog", classes="ru-dialog") as dialog:
            dialog.border_title = t("tui.rules.set_title")
            yield Static(Content(t("tui.rules.set_question")), classes="ru-question")
            with Horizontal(classes="ru-form-row"):
                yield Static(Content(t("tui.rules.set_date")), classes="ru-form-label")
                yield Input(
                    self.day.isoformat(),
                    id="day-date",
                    compact=True,
                    placeholder=t("tui.rules.set_date_hint"),
                )
            with Horizontal(classes="ru-form-row"):
                yield Static(Content(t("tui.rules.set_kind")), classes="ru-form-label")
                yield Select(
                    [
                        (t("calendar.kind_holiday"), HOLIDAY),
                        (t("calendar.kind_workday"), WORKDAY),
                        (t("tui.rules.kind_clear"), CLEAR),
                    ],
                    value=self.kind,
                    allow_blank=False,
                    id="day-kind",
                    compact=True,
                )
            with Horizontal(classes="ru-form-row"):
                yield Static(Content(t("tui.rules.set_name")), classes="ru-form-label")
                yield Input(
                    self.name_text,
                    id="day-name",
                    compact=True,
                    max_length=NAME_MAX,
                    placeholder=t("tui.rules.set_name_hint"),
                )
            yield Static("", id="day-error", classes="ru-error")
            with Horizontal(classes="ru-buttons"):
                yield Button(t("tui.rules.set_ok"), variant="primary", id="day-ok")
                yield Button(t("tui.rules.cancel"), id="day-cancel")

    def on_mount(self) -> None:
        self.query_one("#day-error").display = False
        self.query_one("#day-date", Input).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#day-ok")
    def _ok(self) -> None:
        try:
            day = parse_day(self.query_one("#day-date", Input).value)
            check_year(day.year)
        except JzError as exc:
            error = self.query_one("#day-error", Static)
            error.update(Content(error_text(exc)))
            error.display = True
            self.query_one("#day-date", Input).focus()
            return
        kind = str(self.query_one("#day-kind", Select).value)
        name = self.query_one("#day-name", Input).value.strip()
        self.dismiss(DayForm(day, kind, "" if kind == CLEAR else name))

    @on(Button.Pressed, "#day-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


# --- the screen -----------------------------------------------------------------------------


class RulesScreen(AreaScreen):
    """规则：角色模板、授权、权限检查、策略体检与工作日历。"""

    AREA = "rules"
    CSS_PATH = "rules.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        *(
            Binding(
                key, f"view('{view}')", f"tui.rules.view.{view}", id=f"rules.{view}", show=False
            )
            for view, key in VIEWS.items()
        ),
        Binding("s", "set_day", "tui.rules.bind_set_day", id="rules.calendar_set"),
        Binding(
            "left_square_bracket",
            "year(-1)",
            "tui.rules.bind_prev_year",
            id="rules.prev_year",
            key_display="[",
        ),
        Binding(
            "right_square_bracket",
            "year(1)",
            "tui.rules.bind_next_year",
            id="rules.next_year",
            key_display="]",
        ),
        Binding(
            "slash", "focus_filter", "tui.rules.bind_filter", id="rules.filter", key_display="/"
        ),
        Binding("r", "reload", "tui.rules.bind_refresh", id="rules.refresh"),
        Binding("escape", "back", "tui.rules.bind_back", id="rules.back", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.view = ""  # chosen once the admin's rights are known
        self.rights: RightsLoaded | None = None
        self.fetching = False  # not ``loading``: Widget.loading would cover the screen
        self.busy = False
        self.roles: list[RoleRow] = []
        self.grants: list[GrantRow] = []
        self.grants_login = ""
        self.check: CheckView | None = None
        self.findings: list[Finding] | None = None
        self.days: list[Special] = []
        self.year = datetime.now(local_zone()).year
        self.calendar_source = ""
        self._pending_view = ""
        self._pending_set = False
        self._generation = 0
        self._check_generation = 0
        self._check_timer: Timer | None = None
        self._note: Content | None = None

    # --- layout ----------------------------------------------------------------------

    def compose_body(self) -> ComposeResult:
        yield Static("", id="ru-views")
        yield Static(Content(t("tui.rules.loading")), id="ru-status")
        with ContentSwitcher(initial="ru-roles-pane", id="ru-switcher"):
            with Horizontal(id="ru-roles-pane"):
                roles = DataTable[Text](id="ru-roles", cursor_type="row", zebra_stripes=True)
                roles.border_title = t("tui.rules.roles_title")
                yield roles
                with VerticalScroll(id="ru-role-detail") as pane:
                    pane.border_title = t("tui.rules.detail_title")
                    yield Static(Content(t("tui.rules.no_selection")), id="ru-role-facts")
            with Vertical(id="ru-grants-pane"):
                with Horizontal(classes="ru-form-row"):
                    yield Static(Content(t("tui.rules.grants_login")), classes="ru-form-label")
                    yield Input(
                        id="ru-grants-login", compact=True, placeholder=t("tui.rules.grants_hint")
                    )
                grants = DataTable[Text](id="ru-grants", cursor_type="row", zebra_stripes=True)
                grants.border_title = t("tui.rules.grants_title")
                yield grants
            with Vertical(id="ru-check-pane"):
                with Horizontal(classes="ru-form-row"):
                    yield Static(Content(t("tui.rules.check_login")), classes="ru-form-label")
                    yield Input(id="ru-check-login", compact=True)
                with Horizontal(classes="ru-form-row"):
                    yield Static(Content(t("tui.rules.check_action")), classes="ru-form-label")
                    yield Select(
                        [(action_label(a), a) for a in ACTIONS],
                        value=ACTIONS[0],
                        allow_blank=False,
                        id="ru-check-action",
                        compact=True,
                    )
                with Horizontal(classes="ru-form-row"):
                    yield Static(Content(t("tui.rules.check_region")), classes="ru-form-label")
                    yield Input(
                        id="ru-check-region",
                        compact=True,
                        placeholder=t("tui.rules.check_region_hint"),
                    )
                with Horizontal(classes="ru-form-row"):
                    yield Static(Content(t("tui.rules.check_department")), classes="ru-form-label")
                    codes = [ALL_DEPARTMENTS, *(d.code for d in DEPARTMENTS)]
                    yield Select(
                        [(department_name(c), c) for c in codes],
                        value=ALL_DEPARTMENTS,
                        allow_blank=False,
                        id="ru-check-dept",
                        compact=True,
                    )
                    yield Button(t("tui.rules.check_ok"), id="ru-check-ok", compact=True)
                with VerticalScroll(id="ru-check-result") as result:
                    result.border_title = t("tui.rules.check_title")
                    yield Static(Content(t("tui.rules.check_hint")), id="ru-check-text")
            with Vertical(id="ru-lint-pane"):
                lint = DataTable[Text](id="ru-lint", cursor_type="row", zebra_stripes=True)
                lint.border_title = t("tui.rules.lint_title")
                yield lint
            with Vertical(id="ru-calendar-pane"):
                yield Static("", id="ru-cal-head")
                cal = DataTable[Text](id="ru-cal", cursor_type="row", zebra_stripes=True)
                cal.border_title = t("tui.rules.calendar_title")
                yield cal

    def on_mount(self) -> None:
        roles = self.table("ru-roles")
        roles.add_column(t("tui.rules.col_role"), key="role", width=16)
        roles.add_column(t("tui.rules.col_levels"), key="levels", width=16)
        roles.add_column(t("tui.rules.col_actions"), key="actions", width=4)
        grants = self.table("ru-grants")
        grants.add_column(t("role.col_role"), key="role", width=16)
        grants.add_column(t("role.col_code"), key="code", width=16)
        grants.add_column(t("role.col_region"), key="region", width=12)
        grants.add_column(t("tui.rules.col_region_name"), key="region_name", width=12)
        grants.add_column(t("role.col_dept"), key="dept", width=10)
        lint = self.table("ru-lint")
        lint.add_column(t("tui.rules.col_subject"), key="subject", width=16)
        lint.add_column(t("tui.rules.col_finding"), key="finding")
        cal = self.table("ru-cal")
        cal.add_column(t("calendar.col_date"), key="date", width=10)
        cal.add_column(t("calendar.col_kind"), key="kind")
        cal.add_column(t("calendar.col_name"), key="name")
        cal.add_column(t("calendar.col_source"), key="source")
        self._show_views()
        self.load_rights()

    def table(self, name: str) -> DataTable[Text]:
        return self.query_one(f"#{name}", DataTable)

    def _show_views(self) -> None:
        parts: Parts = [(t("tui.rules.views_label"), "dim")]
        for view, key in VIEWS.items():
            if not self._view_allowed(view):
                continue
            label = f" {key} {t(f'tui.rules.view.{view}')} "
            parts.extend([(label, "reverse bold" if view == self.view else ""), " "])
        self.query_one("#ru-views", Static).update(Content.assemble(*parts))

    def _set_status(self, content: Content) -> None:
        self.query_one("#ru-status", Static).update(content)

    def _status_with_note(self, parts: Parts) -> None:
        if self._note is not None:
            parts.extend(["  ", self._note])
        self._set_status(Content.assemble(*parts))

    @property
    def view_label(self) -> str:
        return t(f"tui.rules.view.{self.view}") if self.view else ""

    # --- who may do what ---------------------------------------------------------------

    def _view_allowed(self, view: str) -> bool:
        rights = self.rights
        if view == "calendar":
            return True
        if rights is None or self.jz.user is None:
            return False
        return view == "grants" or rights.admin

    def _may_set(self) -> bool:
        rights = self.rights
        return (
            self.writable
            and self.jz.user is not None
            and rights is not None
            and rights.may_set_calendar
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "view":
            return bool(parameters) and self._view_allowed(str(parameters[0]))
        if action == "set_day":
            if not (self._may_set() and self.view == "calendar"):
                return False
            return None if self.busy else True
        if action == "year":
            return self.view == "calendar"
        if action == "focus_filter":
            return self.view in ("grants", "check")
        return True

    @work(thread=True, exclusive=True, group="rules-rights")
    def load_rights(self) -> None:
        user = self.jz.user
        if user is None:
            self.post_message(RightsLoaded(False, False))
            return
        try:
            op = operator_for(self.jz.database, user.id, user.login_name)
            admin = is_admin(op.enforcer.grants_of(op.account_id))
            may_set = op.decide(SYSTEM_CONFIG, PROVINCE, ALL_DEPARTMENTS).allowed
        except Exception as exc:  # the screen says what went wrong and stays usable
            self.post_message(RightsLoaded(False, False, error_text(exc)))
            return
        self.post_message(RightsLoaded(admin, may_set))

    @on(RightsLoaded)
    def _rights_loaded(self, message: RightsLoaded) -> None:
        self.rights = message
        if message.reason:
            self.notify(t("tui.load_failed", reason=message.reason), severity="error", markup=False)
        wanted = self._pending_view or self.view
        if not wanted or not self._view_allowed(wanted):
            wanted = (
                "roles" if message.admin else "grants" if self.jz.user is not None else "calendar"
            )
        self._pending_view = ""
        self._enter_view(wanted, refocus=wanted != self.view)
        self._open_pending_set()

    # --- views --------------------------------------------------------------------------

    def open_with(self, word: str) -> None:
        """The palette or the command line names a view (``lint``, ``calendar`` …), or
        ``set_day``: the calendar with its set form open (for whoever may set a day)."""
        word = word.strip().lower()
        self._pending_set = word == "set_day"
        view = "calendar" if self._pending_set else VIEW_WORDS.get(word, word)
        if view not in VIEWS:
            return
        if self.rights is None:
            self._pending_view = view
            return
        self.action_view(view)
        self._open_pending_set()

    def _open_pending_set(self) -> None:
        if self._pending_set:
            self._pending_set = False
            self.action_set_day()

    def action_view(self, view: str) -> None:
        if view in VIEWS and self._view_allowed(view):
            self._note = None
            self._enter_view(view, refocus=view != self.view)

    def _enter_view(self, view: str, *, refocus: bool) -> None:
        """Show a view and load it afresh (a check asked again with the form as it is)."""
        self.view = view
        self.query_one("#ru-switcher", ContentSwitcher).current = f"ru-{view}-pane"
        self._show_views()
        self.refresh_bindings()
        self.set_crumbs(self.view_label)
        if view == "check":
            if refocus:
                self.query_one("#ru-check-login", Input).focus()
            login, _, region, _ = self._check_fields()
            if login and region:
                self.check_now()
            else:
                self._show_check()
            return
        if refocus:
            self._main_widget().focus()
        self.reload()

    def _main_widget(self) -> DataTable[Text] | VerticalScroll:
        if self.view == "check":
            return self.query_one("#ru-check-result", VerticalScroll)
        name = {"roles": "ru-roles", "grants": "ru-grants", "lint": "ru-lint"}.get(
            self.view, "ru-cal"
        )
        return self.table(name)

    def action_back(self) -> None:
        self._main_widget().focus()

    def action_focus_filter(self) -> None:
        if self.view == "grants":
            self.query_one("#ru-grants-login", Input).focus()
        elif self.view == "check":
            self.query_one("#ru-check-login", Input).focus()

    def action_reload(self) -> None:
        self._note = None
        self.load_rights()

    def action_year(self, step: int) -> None:
        if self.view != "calendar":
            return
        try:
            year = check_year(self.year + step)
        except InvalidInput as exc:
            self.notify(error_text(exc), severity="warning", markup=False)
            return
        self.year = year
        self._note = None
        self.reload()

    def reload(self) -> None:
        self._generation += 1
        generation = self._generation
        user = self.jz.user
        if self.view == "check":
            self._show_check()
            return
        if self.view != "calendar" and user is None:
            self._set_status(Content.styled(t("tui.rules.sign_in_needed"), "$text-warning"))
            return
        self.fetching = True
        self._set_status(Content(t("tui.rules.loading")))
        if self.view == "roles" and user is not None:
            self.fetch_roles(generation, user)
        elif self.view == "grants" and user is not None:
            login = self.query_one("#ru-grants-login", Input).value.strip()
            self.fetch_grants(generation, user, login)
        elif self.view == "lint" and user is not None:
            self.fetch_lint(generation, user)
        else:
            self.fetch_calendar(generation, self.year)

    @on(LoadFailed)
    def _load_failed(self, message: LoadFailed) -> None:
        if message.generation != self._generation:
            return
        self.fetching = False
        self._set_status(Content.styled(message.reason, "bold $text-error"))
        self.notify(message.reason, severity="error", markup=False)

    # --- roles ----------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="rules-load")
    def fetch_roles(self, generation: int, user: AccountInfo) -> None:
        db = self.jz.database
        try:
            policy_operator(db, user)
            with db.read() as s:
                lines = load_policy(s)
        except Exception as exc:
            self.post_message(LoadFailed(generation, error_text(exc)))
            return
        self.post_message(RolesLoaded(generation, role_rows(lines), len(lines)))

    @on(RolesLoaded)
    def _roles_loaded(self, message: RolesLoaded) -> None:
        if message.generation != self._generation:
            return
        self.fetching = False
        self.roles = message.rows
        table = self.table("ru-roles")
        keep = self.current_role
        table.clear()
        for row in message.rows:
            table.add_row(
                Text(role_label(row.code), no_wrap=True, overflow="ellipsis"),
                Text(levels_text(row.levels), no_wrap=True, overflow="ellipsis"),
                Text(str(len(row.actions)), justify="right"),
                key=row.code,
            )
        if message.rows:
            codes = [r.code for r in message.rows]
            table.move_cursor(row=codes.index(keep.code) if keep and keep.code in codes else 0)
        self._show_role(self.current_role)
        self._status_with_note(
            [t("tui.rules.roles_count", n=len(message.rows), lines=message.lines)]
        )

    @property
    def current_role(self) -> RoleRow | None:
        table = self.table("ru-roles")
        if table.row_count == 0 or not (0 <= table.cursor_row < len(self.roles)):
            return None
        return self.roles[table.cursor_row]

    @on(DataTable.RowHighlighted, "#ru-roles")
    def _role_highlighted(self) -> None:
        self._show_role(self.current_role)

    @on(DataTable.RowSelected, "#ru-roles")
    def _role_selected(self) -> None:
        self._show_role(self.current_role)
        self.query_one("#ru-role-detail", VerticalScroll).focus()

    def _show_role(self, row: RoleRow | None) -> None:
        facts = self.query_one("#ru-role-facts", Static)
        if row is None:
            facts.update(Content(t("tui.rules.no_selection")))
            if self.view == "roles":
                self.set_crumbs(self.view_label)
            return
        if self.view == "roles":
            self.set_crumbs(self.view_label, role_label(row.code))
        parts: Parts = [(role_label(row.code), "bold"), "  ", (row.code, "dim")]
        if not row.template:
            parts.extend(["\n", (t("tui.rules.role_unknown"), "italic $text-warning")])
        else:
            parts.extend(["\n", (t("tui.rules.role_levels"), "dim"), "  ", levels_text(row.levels)])
            parts.extend(
                [
                    "\n",
                    (t("tui.rules.role_departments"), "dim"),
                    "  ",
                    departments_text(row.departments),
                ]
            )
        if row.code in SEPARATED_ROLES:
            parts.extend(["\n", (t("tui.rules.role_separated"), "$text-warning")])
        parts.extend(["\n\n", (t("tui.rules.role_actions", n=len(row.actions)), "bold")])
        if not row.actions:
            parts.extend(["\n  ", (t("tui.rules.role_no_actions"), "italic")])
        for action in row.actions:
            parts.extend(["\n  ", (action, "bold")])
            name_key = f"tui.accounts.action.{action}"
            if has(name_key):
                parts.extend(["  ", (t(name_key), "dim")])
        parts.extend(["\n\n", (t("tui.rules.role_granted_by"), "bold")])
        if row.code in BOOTSTRAP_ROLES:
            parts.extend(["\n  ", t("tui.rules.role_bootstrap")])
        elif not row.granted_by:
            parts.extend(["\n  ", (t("tui.rules.role_nobody"), "italic")])
        for rule in row.granted_by:
            parts.extend(["\n  ", granter_text(rule)])
        facts.update(Content.assemble(*parts))

    # --- grants ---------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="rules-load")
    def fetch_grants(self, generation: int, user: AccountInfo, login: str) -> None:
        """``jzctl role list [LOGIN]``, authorised as the CLI authorises it."""
        db = self.jz.database
        try:
            op = operator_for(db, user.id, user.login_name)
            with db.read() as s:
                target = op.account_id if not login else account_id_by_login(s, login)
                who = identity(s, target)
                grants = grants_of(s, target)
                names: dict[str, str] = {}
                for g in grants:
                    if g.region not in names:
                        try:
                            names[g.region] = resolve_region(s, g.region).name
                        except JzError:
                            names[g.region] = ""
            check_grants_readable(op, who)
        except Exception as exc:
            self.post_message(LoadFailed(generation, error_text(exc)))
            return
        rows = [GrantRow(g.role, g.region, names.get(g.region, ""), g.department) for g in grants]
        self.post_message(GrantsLoaded(generation, who.login, who.full_name, rows))

    @on(Input.Submitted, "#ru-grants-login")
    def _grants_login(self) -> None:
        self.table("ru-grants").focus()
        self.reload()

    @on(GrantsLoaded)
    def _grants_loaded(self, message: GrantsLoaded) -> None:
        if message.generation != self._generation:
            return
        self.fetching = False
        self.grants = message.grants
        self.grants_login = message.login
        table = self.table("ru-grants")
        table.clear()
        for i, g in enumerate(message.grants):
            table.add_row(
                Text(role_label(g.role), no_wrap=True, overflow="ellipsis"),
                Text(g.role, no_wrap=True, overflow="ellipsis"),
                Text(g.region),
                Text(g.region_name, no_wrap=True, overflow="ellipsis"),
                Text(department_name(g.department), no_wrap=True, overflow="ellipsis"),
                key=str(i),
            )
        self.set_crumbs(self.view_label, message.login)
        if message.grants:
            parts: Parts = [
                t(
                    "tui.rules.grants_count",
                    login=message.login,
                    name=message.full_name,
                    n=len(message.grants),
                )
            ]
        else:
            parts = [f"{message.login}  {message.full_name}  ", (t("whoami.no_roles"), "italic")]
        self._status_with_note(parts)

    # --- check / explain ------------------------------------------------------------------

    @on(Input.Changed, "#ru-check-login")
    @on(Input.Changed, "#ru-check-region")
    @on(Select.Changed, "#ru-check-action")
    @on(Select.Changed, "#ru-check-dept")
    def _check_changed(self) -> None:
        if self.view != "check":
            return
        if self._check_timer is not None:
            self._check_timer.stop()
        self._check_timer = self.set_timer(DEBOUNCE_S, self.check_now)

    @on(Input.Submitted, "#ru-check-login")
    @on(Input.Submitted, "#ru-check-region")
    @on(Button.Pressed, "#ru-check-ok")
    def _check_submitted(self) -> None:
        """Enter asks now and opens the result (``/`` goes back to the form)."""
        if self._check_timer is not None:
            self._check_timer.stop()
        self.check_now()
        self.query_one("#ru-check-result", VerticalScroll).focus()

    def _check_fields(self) -> tuple[str, str, str, str]:
        login = self.query_one("#ru-check-login", Input).value.strip()
        action = str(self.query_one("#ru-check-action", Select).value)
        region = self.query_one("#ru-check-region", Input).value.strip()
        dept = str(self.query_one("#ru-check-dept", Select).value)
        return login, action, region, dept

    def check_now(self) -> None:
        if self.view != "check":
            return
        self._check_generation += 1
        login, action, region, dept = self._check_fields()
        user = self.jz.user
        if user is None:
            self._show_check_text(Content.styled(t("tui.rules.sign_in_needed"), "$text-warning"))
            return
        if not login or not region:
            self.check = None
            self._show_check()
            return
        self.fetching = True
        self.run_check(self._check_generation, user, login, action, region, dept)

    @work(thread=True, exclusive=True, group="rules-check")
    def run_check(
        self, generation: int, user: AccountInfo, login: str, action: str, region: str, dept: str
    ) -> None:
        """``jzctl policy explain LOGIN ACTION REGION [DEPARTMENT]``."""
        db = self.jz.database
        try:
            policy_operator(db, user)
            with db.read() as s:
                target = account_id_by_login(s, login)
                code = resolve_region(s, region).code
                enforcer = Enforcer.for_account(s, target)
            expl = explain(enforcer, target, action, code, dept)
        except Exception as exc:
            self.post_message(CheckLoaded(generation, None, error_text(exc)))
            return
        self.post_message(CheckLoaded(generation, check_view(login, expl)))

    @on(CheckLoaded)
    def _check_loaded(self, message: CheckLoaded) -> None:
        if message.generation != self._check_generation:
            return
        self.fetching = False
        self.check = message.result
        if message.result is None:
            self._show_check_text(Content.styled(message.error, "bold $text-error"))
            self._set_status(Content.styled(message.error, "bold $text-error"))
            return
        self._show_check()

    def _show_check(self) -> None:
        if self.view != "check":
            return
        c = self.check
        if c is None:
            login, _, region, _ = self._check_fields()
            hint = "tui.rules.check_missing" if (login or region) else "tui.rules.check_hint"
            self.set_crumbs(self.view_label)
            self._set_status(Content(""))
            self._show_check_text(Content(t(hint)))
            return
        self.set_crumbs(self.view_label, c.login, c.action)
        verdict = t("whoami.can_yes" if c.allowed else "whoami.can_no")
        style = "bold $text-success" if c.allowed else "bold $text-error"
        self._set_status(Content.assemble((verdict, style), " ", t(c.reason)))
        parts: Parts = [
            t(
                "tui.rules.check_asked",
                login=c.login,
                action=c.action,
                region=c.region,
                department=department_name(c.department),
            ),
            "\n",
            (verdict, style),
            " ",
            (t(c.reason), style),
        ]
        if c.lines:
            parts.extend(["\n\n", (t("tui.rules.check_lines"), "dim")])
            for line in c.lines:
                parts.extend(["\n  ", (line, "bold")])
        parts.extend(["\n\n", (t("tui.rules.check_traces"), "dim")])
        if not c.traces:
            parts.extend(["\n  ", (t("tui.rules.check_no_grants"), "italic")])
        for tr in c.traces:
            mark = ("* ", "bold $text-success") if tr.decides else ("  ", "")
            policy = tr.policy if tr.policy else t("policy.no_line")
            cover = t("policy.covers" if tr.covers else "policy.not_covers")
            parts.extend(
                [
                    "\n",
                    mark,
                    role_label(tr.role),
                    "  ",
                    (tr.grant, "dim"),
                    "\n    ",
                    policy,
                    "  |  ",
                    cover,
                ]
            )
        self._show_check_text(Content.assemble(*parts))

    def _show_check_text(self, content: Content) -> None:
        self.query_one("#ru-check-text", Static).update(content)

    # --- lint -------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="rules-load")
    def fetch_lint(self, generation: int, user: AccountInfo) -> None:
        db = self.jz.database
        try:
            policy_operator(db, user)
            with db.read() as s:
                findings = lint_db(s)
        except Exception as exc:
            self.post_message(LoadFailed(generation, error_text(exc)))
            return
        self.post_message(LintLoaded(generation, findings))

    @on(LintLoaded)
    def _lint_loaded(self, message: LintLoaded) -> None:
        if message.generation != self._generation:
            return
        self.fetching = False
        self.findings = message.findings
        table = self.table("ru-lint")
        table.clear()
        for i, f in enumerate(message.findings):
            table.add_row(
                Text(f.subject, no_wrap=True, overflow="ellipsis"),
                Text(t(f.key, subject=f.subject, detail=f.detail)),
                key=str(i),
            )
        if message.findings:
            parts: Parts = [(t("policy.lint_found", n=len(message.findings)), "bold $text-warning")]
        else:
            parts = [(t("policy.lint_clean"), "bold $text-success")]
        self._status_with_note(parts)

    # --- calendar ----------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="rules-load")
    def fetch_calendar(self, generation: int, year: int) -> None:
        """``jzctl calendar list --year YEAR``."""
        try:
            check_year(year)
            with self.jz.database.read() as s:
                cal = WorkCalendar.load(s)
            days = special_days(cal, year)
            source = cal.year_source(year)
        except Exception as exc:
            self.post_message(LoadFailed(generation, error_text(exc)))
            return
        self.post_message(
            CalendarLoaded(
                generation,
                year,
                source,
                source == SOURCE_FALLBACK,
                year in cal.complete_years,
                days,
            )
        )

    @on(CalendarLoaded)
    def _calendar_loaded(self, message: CalendarLoaded) -> None:
        if message.generation != self._generation:
            return
        self.fetching = False
        self.days = message.days
        self.calendar_source = message.source
        head: Parts = [
            (
                t(
                    "calendar.list_title",
                    year=message.year,
                    source=t(f"calendar.source_{message.source}"),
                ),
                "bold",
            ),
        ]
        if message.complete:
            head.extend(["  ", (t("tui.rules.calendar_complete"), "dim")])
        if message.fallback:
            head.extend(
                ["\n", (t("calendar.fallback_warning", year=message.year), "bold $text-warning")]
            )
        self.query_one("#ru-cal-head", Static).update(Content.assemble(*head))
        table = self.table("ru-cal")
        table.clear()
        for d in message.days:
            kind = WORKDAY if d.workday else HOLIDAY
            table.add_row(
                Text(d.day.isoformat()),
                Text(t(f"calendar.kind_{kind}"), style="green" if d.workday else "yellow"),
                Text(holiday_name(d.name), no_wrap=True, overflow="ellipsis"),
                Text(t(f"calendar.source_{d.source}"), no_wrap=True, overflow="ellipsis"),
                key=d.day.isoformat(),
            )
        if message.days:
            parts: Parts = [t("tui.rules.calendar_count", n=len(message.days))]
        else:
            parts = [(t("calendar.list_none"), "italic")]
        self._status_with_note(parts)
        self._calendar_crumbs()
        self.refresh_bindings()

    @property
    def current_day(self) -> Special | None:
        table = self.table("ru-cal")
        if table.row_count == 0 or not (0 <= table.cursor_row < len(self.days)):
            return None
        return self.days[table.cursor_row]

    @on(DataTable.RowHighlighted, "#ru-cal")
    def _day_highlighted(self) -> None:
        self._calendar_crumbs()

    def _calendar_crumbs(self) -> None:
        if self.view != "calendar":
            return
        day = self.current_day
        self.set_crumbs(self.view_label, str(self.year), day.day.isoformat() if day else "")

    def action_set_day(self) -> None:
        if self.check_action("set_day", ()) is not True:
            return
        user = self.jz.user
        assert user is not None
        shown = self.current_day
        today = datetime.now(local_zone()).date()
        if shown is not None:
            dialog = DayDialog(shown.day, HOLIDAY if not shown.workday else WORKDAY, shown.name)
        else:
            dialog = DayDialog(today if today.year == self.year else date(self.year, 1, 1))

        def given(form: DayForm | None) -> None:
            if form is not None:
                self.busy = True
                self._note = None
                self.refresh_bindings()
                self._set_status(Content(t("tui.rules.working")))
                self.run_set(user, form)

        self.app.push_screen(dialog, given)

    @work(thread=True, group="rules-write")
    def run_set(self, user: AccountInfo, form: DayForm) -> None:
        try:
            done = set_calendar_day(self.jz.database, user, form)
        except Exception as exc:
            self.post_message(ActionFailed(error_text(exc)))
            return
        self.post_message(ActionDone(day_set_note(done), form.day.year))

    @on(ActionDone)
    def _action_done(self, message: ActionDone) -> None:
        self.busy = False
        self.notify(message.note, markup=False)
        self._note = Content.styled(message.note, "$text-success")
        self.year = message.year
        self.refresh_bindings()
        self.reload()

    @on(ActionFailed)
    def _action_failed(self, message: ActionFailed) -> None:
        self.busy = False
        self.notify(message.reason, severity="error", markup=False)
        self._note = Content.styled(message.reason, "bold $text-error")
        self.refresh_bindings()
        self.reload()
