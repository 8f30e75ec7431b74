"""The Changes area (变更): the inbox of personnel change requests (issue 5).

Four scopes, one key each: what the signed-in admin may review now, what they may execute
now, what they submitted, and every overdue step they may take (escalations from the level
below included). Requests come 50 at a time from ``accounts.change_queries.list_requests``
in a thread worker posting plain ``InboxRow`` rows back, keyset paged by id; the next page
loads when the cursor reaches the last row.

The highlighted request's details (``accounts.change_inbox.detail``) load in a worker too:
the route, reason, document number, deadline, the diff (now → after execution) and, for an
offboarding or a transfer, the open cases to hand over with a successor picker (the
request's named successors preselected). ``a`` approves: it reviews a submitted request and
executes a reviewed one, with the successors picked; executing an offboarding first asks for
the person's login to be typed. ``j`` rejects, with a reason. On one's own requests, ``w``
withdraws (after a confirmation) one not yet executed and ``s`` submits a draft; ``D`` names a
deputy for a date range. The services decide who may act
and record it; a lost race (someone acted first) is one sentence and a refreshed list.
Names, reasons and document numbers are user-supplied: everything is rendered as
``Text``/``Content`` and never parsed as markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Input, SelectionList, Static
from textual.widgets.selection_list import Selection

from accounts import validation
from accounts.bootstrap import account_id_by_login
from accounts.change_inbox import (
    GRANT,
    ChangeDetail,
    DiffRow,
    InboxRow,
    Person,
    detail,
    inbox_rows,
    region_names,
)
from accounts.change_queries import SCOPES, list_requests
from accounts.changes import (
    OPEN_STATES,
    ActOn,
    ChangeView,
    NameDeputy,
    RejectChange,
    execute,
    name_deputy,
    reject,
    review,
    submit_draft,
    withdraw,
)
from audit_log.actor import Actor, local_actor
from casedb.calendar import WorkCalendar
from casedb.clock import parse_local, show_local
from casedb.errors import Conflict, InvalidInput, JzError, NotFound
from console.i18n import has, language, t
from console.tui.screens import AreaScreen
from console.tui.screens.permission import department_name, error_text
from console.tui.widgets import FilterBox, localise_bindings

PAGE_SIZE = 50
SCOPE_KEYS: dict[str, str] = {"to_review": "v", "to_execute": "x", "mine": "m", "overdue": "o"}
STATE_STYLE = {
    "submitted": "cyan",
    "reviewed": "yellow",
    "executed": "green",
    "rejected": "red",
    "withdrawn": "dim",
    "expired": "dim italic",
}
HANDOVER_KINDS = frozenset({"offboard", "transfer"})
WITHDRAWABLE = ("draft", *OPEN_STATES)

Parts = list[str | Content | tuple[str, str]]


# --- messages from the workers ---------------------------------------------------------


@dataclass
class PageLoaded(Message):
    generation: int
    rows: list[InboxRow]
    next_before: int | None
    regions: dict[str, str]


@dataclass
class PageFailed(Message):
    generation: int
    reason: str


@dataclass
class DetailLoaded(Message):
    generation: int
    detail: ChangeDetail


@dataclass
class DetailFailed(Message):
    generation: int
    reason: str


@dataclass
class ActionDone(Message):
    note: str


@dataclass
class ActionFailed(Message):
    reason: str
    stale: bool  # the request moved on or is gone: the list is read again


# --- pure helpers -----------------------------------------------------------------------


def _label(key: str) -> str:
    return f"{t(key)}：" if language() == "zh" else f"{t(key)}: "


def kind_label(kind: str) -> str:
    key = f"change.kind.{kind}"
    return t(key) if has(key) else kind


def state_label(state: str) -> str:
    key = f"change.state.{state}"
    return t(key) if has(key) else state


def role_label(role: str) -> str:
    key = f"rbac.role.{role}"
    return t(key) if has(key) else role


def region_label(code: str, regions: dict[str, str]) -> str:
    name = regions.get(code)
    if not name:
        return code
    return f"{name}（{code}）" if language() == "zh" else f"{name} ({code})"


def unit_label(unit: str, regions: dict[str, str]) -> str:
    region, _, department = unit.partition("|")
    return f"{region_label(region, regions)} · {department_name(department)}"


def short_unit(unit: str, regions: dict[str, str]) -> str:
    """A unit for a list cell: the region's name (its code when unknown); the department
    and the codes are in the details."""
    region = unit.partition("|")[0]
    return regions.get(region) or region


def short_person(person: Person | None, fallback: int | None) -> str:
    """A person for a list cell: the name, else the login (both are in the details)."""
    if person is None:
        return str(fallback) if fallback is not None else "—"
    return person.full_name or person.login_name


def person_label(person: Person | None, fallback: int | None = None) -> str:
    if person is None:
        return str(fallback) if fallback is not None else t("tui.changes.nobody")
    if not person.full_name:
        return person.login_name
    sep = ("（", "）") if language() == "zh" else (" (", ")")
    return f"{person.login_name}{sep[0]}{person.full_name}{sep[1]}"


def is_overdue(view: ChangeView, now: datetime) -> bool:
    return view.state in OPEN_STATES and view.deadline is not None and view.deadline < now


def value_text(field: str, value: str | datetime | None, regions: dict[str, str]) -> str:
    """A diff value in words: regions and departments by name, statuses translated."""
    if value is None or value == "":
        return "—"
    if isinstance(value, datetime):
        return show_local(value, seconds=False)
    match field:
        case "region_code":
            return region_label(value, regions)
        case "department_code":
            return department_name(value)
        case "status":
            key = f"status.{value}"
            return t(key) if has(key) else value
        case _ if field == GRANT:
            role, _, unit = value.partition(" ")
            return f"{role_label(role)} · {unit_label(unit, regions)}"
    return value


def diff_content(rows: list[DiffRow], regions: dict[str, str]) -> Content:
    """The changed fields as ``before → after``, then every grant kept, revoked or granted."""
    parts: Parts = []
    for row in rows:
        if row.field == GRANT or not row.changed:
            continue
        if parts:
            parts.append("\n")
        parts.extend(
            [
                (_label(f"tui.changes.field.{row.field}"), "dim"),
                (value_text(row.field, row.before, regions), "$text-error"),
                " → ",
                (value_text(row.field, row.after, regions), "bold $text-success"),
            ]
        )
    for row in rows:
        if row.field != GRANT:
            continue
        if row.before is None:
            mark, note, style = "+ ", "tui.changes.grant_new", "$text-success"
            value = row.after
        elif row.after is None:
            mark, note, style = "- ", "tui.changes.grant_gone", "$text-error"
            value = row.before
        else:
            mark, note, style = "  ", "tui.changes.grant_kept", "dim"
            value = row.before
        if parts:
            parts.append("\n")
        parts.extend(
            [
                (mark, style),
                (_label("tui.changes.field.grant"), "dim"),
                (value_text(GRANT, value, regions), style),
                (f"  {t(note)}", "dim"),
            ]
        )
    if not parts:
        return Content.styled(t("tui.changes.diff_none"), "dim italic")
    return Content.assemble(*parts)


# --- widgets -----------------------------------------------------------------------------


class ChangeTable(DataTable[Text]):
    """The request list; End goes to the last row (and so to the next page)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("end", "scroll_bottom", show=False),
        Binding("home", "scroll_top", show=False),
    ]

    def __init__(self) -> None:
        super().__init__(id="chg-list", cursor_type="row", zebra_stripes=True)


class RejectDialog(ModalScreen[str | None]):
    """Reject a request: a reason is required (an empty one is refused here already)."""

    CSS_PATH = "changes.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "tui.changes.bind_cancel", id="reject.cancel"),
    ]

    def __init__(self, row: InboxRow) -> None:
        super().__init__()
        localise_bindings(self)
        self.row = row

    def compose(self) -> ComposeResult:
        view = self.row.view
        with Vertical(id="reject-dialog", classes="chg-dialog") as dialog:
            dialog.border_title = t("tui.changes.reject_title")
            yield Static(
                Content.assemble(
                    t("tui.changes.reject_question", kind=kind_label(view.kind), id=view.id),
                    (person_label(self.row.target, view.target_account_id), "bold"),
                ),
                classes="chg-question",
            )
            with Horizontal(classes="chg-form-row"):
                yield Static(Content(t("tui.changes.reject_reason")), classes="chg-form-label")
                yield Input(
                    id="reject-reason", placeholder=t("tui.changes.reject_hint"), compact=True
                )
            yield Static("", id="reject-error", classes="chg-error")
            with Horizontal(classes="chg-buttons"):
                yield Button(t("tui.changes.reject_ok"), variant="error", id="reject-ok")
                yield Button(t("tui.changes.cancel"), id="reject-cancel")

    def on_mount(self) -> None:
        self.query_one("#reject-error").display = False
        self.query_one("#reject-reason", Input).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#reject-ok")
    def _ok(self) -> None:
        try:  # the service's own check, so a refusal shows here and the reason can be fixed
            reason = validation.reason(self.query_one("#reject-reason", Input).value)
            if not reason:
                raise InvalidInput("err.change_reason_required", field="reason")
        except JzError as exc:
            error = self.query_one("#reject-error", Static)
            error.update(Content(error_text(exc)))
            error.display = True
            self.query_one("#reject-reason", Input).focus()
            return
        self.dismiss(reason)

    @on(Button.Pressed, "#reject-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class OffboardConfirm(ModalScreen[bool]):
    """Executing an offboarding: what it does, and the person's login typed to confirm."""

    CSS_PATH = "changes.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "tui.changes.bind_cancel", id="offboard.cancel"),
    ]

    def __init__(self, target: Person, open_cases: int, successors: list[str]) -> None:
        super().__init__()
        localise_bindings(self)
        self.target = target
        self.open_cases = open_cases
        self.successors = successors

    def compose(self) -> ComposeResult:
        sep = "、" if language() == "zh" else ", "
        with Vertical(id="offboard-dialog", classes="chg-dialog") as dialog:
            dialog.border_title = t("tui.changes.offboard_title")
            yield Static(
                Content(
                    t(
                        "tui.changes.offboard_warning",
                        login=self.target.login_name,
                        name=self.target.full_name,
                        n=self.open_cases,
                        successors=sep.join(self.successors) or t("tui.changes.nobody"),
                    )
                ),
                classes="chg-question",
            )
            yield Static(
                Content.styled(
                    t("tui.changes.confirm_type", login=self.target.login_name), "$text-warning"
                ),
                classes="chg-question",
            )
            with Horizontal(classes="chg-form-row"):
                yield Static(Content(t("tui.changes.confirm_login")), classes="chg-form-label")
                yield Input(id="offboard-login", compact=True)
            yield Static("", id="offboard-error", classes="chg-error")
            with Horizontal(classes="chg-buttons"):
                yield Button(
                    t("tui.changes.execute_ok"), variant="error", id="offboard-ok", disabled=True
                )
                yield Button(t("tui.changes.cancel"), id="offboard-cancel")

    def on_mount(self) -> None:
        self.query_one("#offboard-error").display = False
        self.query_one("#offboard-login", Input).focus()

    @property
    def confirmed(self) -> bool:
        return self.query_one("#offboard-login", Input).value.strip() == self.target.login_name

    @on(Input.Changed, "#offboard-login")
    def _typed(self) -> None:
        self.query_one("#offboard-ok", Button).disabled = not self.confirmed

    @on(Input.Submitted)
    @on(Button.Pressed, "#offboard-ok")
    def _ok(self) -> None:
        if not self.confirmed:
            error = self.query_one("#offboard-error", Static)
            error.update(Content(t("tui.changes.confirm_mismatch", login=self.target.login_name)))
            error.display = True
            self.query_one("#offboard-login", Input).focus()
            return
        self.dismiss(True)

    @on(Button.Pressed, "#offboard-cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)


class WithdrawConfirm(ModalScreen[bool]):
    """Withdraw one's own request: a plain yes or no."""

    CSS_PATH = "changes.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "tui.changes.bind_cancel", id="confirm.cancel"),
    ]

    def __init__(self, row: InboxRow) -> None:
        super().__init__()
        localise_bindings(self)
        self.row = row

    def compose(self) -> ComposeResult:
        view = self.row.view
        with Vertical(id="withdraw-dialog", classes="chg-dialog") as dialog:
            dialog.border_title = t("tui.changes.withdraw_title")
            yield Static(
                Content.assemble(
                    t("tui.changes.withdraw_question", kind=kind_label(view.kind), id=view.id),
                    (person_label(self.row.target, view.target_account_id), "bold"),
                ),
                classes="chg-question",
            )
            with Horizontal(classes="chg-buttons"):
                yield Button(t("tui.changes.withdraw_ok"), variant="warning", id="withdraw-ok")
                yield Button(t("tui.changes.cancel"), id="withdraw-cancel")

    def on_mount(self) -> None:
        self.query_one("#withdraw-ok", Button).focus()

    @on(Button.Pressed, "#withdraw-ok")
    def _ok(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#withdraw-cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)


@dataclass(frozen=True)
class DeputyForm:
    login: str
    valid_from: datetime
    valid_until: datetime


class DeputyDialog(ModalScreen[DeputyForm | None]):
    """Name a deputy: their login and the dates they act for the signed-in admin. The dates
    are checked here (as the CLI parses them); who may be named is the service's to say."""

    CSS_PATH = "changes.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "tui.changes.bind_cancel", id="form.cancel"),
    ]

    FIELDS = (
        ("deputy-login", "tui.changes.deputy_login", "tui.changes.deputy_login_hint"),
        ("deputy-from", "tui.changes.deputy_from", "tui.changes.deputy_date_hint"),
        ("deputy-until", "tui.changes.deputy_until", "tui.changes.deputy_date_hint"),
    )

    def __init__(self) -> None:
        super().__init__()
        localise_bindings(self)

    def compose(self) -> ComposeResult:
        with Vertical(id="deputy-dialog", classes="chg-dialog") as dialog:
            dialog.border_title = t("tui.changes.deputy_title")
            yield Static(Content(t("tui.changes.deputy_question")), classes="chg-question")
            for field_id, label, hint in self.FIELDS:
                with Horizontal(classes="chg-form-row"):
                    yield Static(Content(t(label)), classes="chg-form-label")
                    yield Input(id=field_id, placeholder=t(hint), compact=True)
            yield Static("", id="deputy-error", classes="chg-error")
            with Horizontal(classes="chg-buttons"):
                yield Button(t("tui.changes.deputy_ok"), variant="primary", id="deputy-ok")
                yield Button(t("tui.changes.cancel"), id="deputy-cancel")

    def on_mount(self) -> None:
        self.query_one("#deputy-error").display = False
        self.query_one("#deputy-login", Input).focus()

    def _value(self, field_id: str) -> str:
        return self.query_one(f"#{field_id}", Input).value.strip()

    def _refuse(self, message: str, field_id: str) -> None:
        error = self.query_one("#deputy-error", Static)
        error.update(Content(message))
        error.display = True
        self.query_one(f"#{field_id}", Input).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#deputy-ok")
    def _ok(self) -> None:
        login = self._value("deputy-login")
        if not login:
            self._refuse(t("tui.changes.deputy_login_needed"), "deputy-login")
            return
        dates: list[datetime] = []
        for field_id in ("deputy-from", "deputy-until"):
            try:
                dates.append(parse_local(self._value(field_id)))
            except JzError as exc:
                self._refuse(error_text(exc), field_id)
                return
        if dates[1] <= dates[0]:
            self._refuse(error_text(InvalidInput("err.change_deputy_range")), "deputy-until")
            return
        self.dismiss(DeputyForm(login, dates[0], dates[1]))

    @on(Button.Pressed, "#deputy-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class ChangesScreen(AreaScreen):
    """变更: the requests waiting for the signed-in admin, and one key to act on each."""

    AREA = "changes"
    CSS_PATH = "changes.tcss"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]  # noqa: RUF012 - Textual's own
    BINDINGS: ClassVar[list[BindingType]] = [
        *(
            Binding(key, f"scope('{scope}')", f"tui.changes.scope.{scope}", id=f"changes.{scope}")
            for scope, key in SCOPE_KEYS.items()
        ),
        Binding("a", "approve", "tui.changes.bind_approve", id="changes.approve"),
        Binding("j", "reject", "tui.changes.bind_reject", id="changes.reject"),
        Binding("w", "withdraw", "tui.changes.bind_withdraw", id="changes.withdraw"),
        Binding("s", "submit", "tui.changes.bind_submit", id="changes.submit"),
        Binding("D", "deputy", "tui.changes.bind_deputy", id="changes.deputy"),
        Binding("slash", "filter", "tui.changes.bind_filter", id="changes.filter"),
        Binding("r", "reload", "tui.changes.bind_refresh", id="changes.refresh"),
        Binding("escape", "back", "tui.changes.bind_back", id="changes.back", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.scope = SCOPES[0]
        self.match = ""  # the / filter in force
        self.rows: dict[int, InboxRow] = {}
        self.regions: dict[str, str] = {}
        self.next_before: int | None = None
        self.fetching = False  # not ``loading``: Widget.loading would cover the screen
        self.busy = False
        self.detail: ChangeDetail | None = None
        self._generation = 0
        self._detail_generation = 0
        self._highlighted: int | None = None
        self._note: Content | None = None
        self._actor: Actor | None = None

    # --- layout ----------------------------------------------------------------------

    def compose_body(self) -> ComposeResult:
        yield Static("", id="chg-scopes")
        yield FilterBox(t("tui.changes.filter_placeholder"), id="chg-filter")
        yield Static(Content(t("tui.changes.loading")), id="chg-status")
        with Horizontal(id="chg-main"):
            table = ChangeTable()
            table.border_title = t("tui.changes.list_title")
            yield table
            with VerticalScroll(id="chg-detail") as pane:
                pane.border_title = t("tui.changes.detail_title")
                yield Static(Content(t("tui.changes.no_selection")), id="chg-facts")
                yield Static("", id="chg-diff")
                with Vertical(id="chg-handover") as handover:
                    handover.border_title = t("tui.changes.handover_title")
                    yield Static("", id="chg-cases")
                    yield Static(Content(t("tui.changes.successors_hint")), id="chg-pick-hint")
                    yield SelectionList[int](id="chg-successors", compact=True)

    def on_mount(self) -> None:
        table = self.change_table
        table.add_column(t("tui.changes.col_id"), key="id", width=5)
        table.add_column(t("tui.changes.col_kind"), key="kind", width=8)
        table.add_column(t("tui.changes.col_target"), key="target", width=10)
        table.add_column(t("tui.changes.col_unit"), key="unit", width=10)
        table.add_column(t("tui.changes.col_state"), key="state", width=9)
        table.add_column(t("tui.changes.col_deadline"), key="deadline", width=16)
        self.query_one("#chg-diff").display = False
        self.query_one("#chg-handover").display = False
        self._show_scopes()
        table.focus()
        self.reload()

    @property
    def change_table(self) -> ChangeTable:
        return self.query_one(ChangeTable)

    @property
    def successor_list(self) -> SelectionList[int]:
        return self.query_one("#chg-successors", SelectionList)

    @property
    def actor(self) -> Actor:
        """The signed-in admin as the services' actor (whoever is signed in now)."""
        user = self.jz.user
        if self._actor is None or self._actor.account_id != (user.id if user else None):
            self._actor = (
                local_actor(login=user.login_name, account_id=user.id) if user else local_actor()
            )
        return self._actor

    @property
    def current(self) -> InboxRow | None:
        return self.rows.get(self._highlighted) if self._highlighted is not None else None

    def _show_scopes(self) -> None:
        parts: Parts = [(t("tui.changes.scopes_label"), "dim")]
        for scope, key in SCOPE_KEYS.items():
            label = f" {key} {t(f'tui.changes.scope.{scope}')} "
            parts.extend([(label, "reverse bold" if scope == self.scope else ""), " "])
        self.query_one("#chg-scopes", Static).update(Content.assemble(*parts))

    # --- what the signed-in admin may do ---------------------------------------------------

    def _may_act(self) -> bool:
        """An open request someone else filed about someone else, its details loaded."""
        user, row, shown = self.jz.user, self.current, self.detail
        if user is None or row is None or shown is None or self.busy or not self.writable:
            return False
        view = shown.view
        return (
            view.id == row.view.id
            and view.state in OPEN_STATES
            and user.id not in (view.submitted_by, view.target_account_id)
        )

    def _own(self, states: tuple[str, ...]) -> bool:
        """The signed-in admin's own request in one of these states, its details loaded."""
        user, row, shown = self.jz.user, self.current, self.detail
        if user is None or row is None or shown is None or self.busy or not self.writable:
            return False
        view = shown.view
        return (
            view.id == row.view.id
            and view.submitted_by == user.id
            and view.state in states
            and view.kind != "suspend"
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("approve", "reject"):
            return self._may_act()
        if action == "withdraw":
            return self._own(WITHDRAWABLE)
        if action == "submit":
            return self._own(("draft",))
        if action == "deputy":
            return self.jz.user is not None and self.writable and not self.busy
        return True

    # --- loading (thread workers posting plain data back) ---------------------------------

    def reload(self) -> None:
        """Start again from the newest request of the current scope."""
        self._generation += 1
        self.rows.clear()
        self.next_before = None
        self._highlighted = None
        self.change_table.clear()
        self._show_detail(None)
        user = self.jz.user
        if user is None:
            self.fetching = False
            self._set_status(Content.styled(t("tui.changes.sign_in_needed"), "$text-warning"))
            return
        self.fetching = True
        self._set_status(Content(t("tui.changes.loading")))
        self.set_crumbs(t(f"tui.changes.scope.{self.scope}"))
        self.fetch_page(self._generation, user.id, self.scope, self.match, None)

    def load_next_page(self) -> None:
        user = self.jz.user
        if self.fetching or self.next_before is None or user is None:
            return
        self.fetching = True
        self.fetch_page(self._generation, user.id, self.scope, self.match, self.next_before)

    @work(thread=True, group="changes-page")
    def fetch_page(
        self, generation: int, user_id: int, scope: str, match: str, before: int | None
    ) -> None:
        try:
            with self.jz.database.read() as session:
                page = list_requests(
                    session, user_id, scope, match=match, before=before, limit=PAGE_SIZE
                )
                rows = inbox_rows(session, page.items)
                regions = region_names(
                    session, (r.view.target_unit.partition("|")[0] for r in rows)
                )
        except Exception as exc:  # the screen says what went wrong and stays usable
            self.post_message(PageFailed(generation, error_text(exc)))
            return
        self.post_message(PageLoaded(generation, rows, page.next_before, regions))

    @on(PageLoaded)
    def _page_loaded(self, message: PageLoaded) -> None:
        if message.generation != self._generation:
            return  # the scope changed since
        self.fetching = False
        self.next_before = message.next_before
        self.regions.update(message.regions)
        table = self.change_table
        first_page = table.row_count == 0
        now = datetime.now(UTC)
        for row in message.rows:
            if row.view.id in self.rows:
                continue
            self.rows[row.view.id] = row
            table.add_row(*self._cells(row, now), key=str(row.view.id))
        self._show_count()
        if first_page and message.rows:
            table.move_cursor(row=0)
            self._select(message.rows[0].view.id)

    @on(PageFailed)
    def _page_failed(self, message: PageFailed) -> None:
        if message.generation != self._generation:
            return
        self.fetching = False
        text = t("tui.load_failed", reason=message.reason)
        self._set_status(Content.styled(text, "bold $text-error"))
        self.notify(text, severity="error", markup=False)

    def _cells(self, row: InboxRow, now: datetime) -> tuple[Text, ...]:
        view = row.view
        if view.deadline is None:
            due = Text("—", style="dim")
        else:  # month, day and time (the year is in the details)
            when = show_local(view.deadline, seconds=False)[5:]
            if is_overdue(view, now):
                due = Text(f"{when} {t('tui.changes.overdue_mark')}", style="bold red")
            else:
                due = Text(when)
        return (
            Text(str(view.id), justify="right"),
            Text(kind_label(view.kind), no_wrap=True, overflow="ellipsis"),
            Text(
                short_person(row.target, view.target_account_id), no_wrap=True, overflow="ellipsis"
            ),
            Text(short_unit(view.target_unit, self.regions), no_wrap=True, overflow="ellipsis"),
            Text(state_label(view.state), style=STATE_STYLE.get(view.state, "")),
            due,
        )

    def _show_count(self) -> None:
        n = self.change_table.row_count
        if n == 0:
            parts: Parts = [(t("tui.changes.empty"), "italic")]
        elif self.next_before is not None:
            parts = [t("tui.changes.loaded_more", n=n)]
        else:
            parts = [t("tui.changes.loaded_all", n=n)]
        if self._note is not None:
            parts.extend(["  ", self._note])
        self._set_status(Content.assemble(*parts))

    def _set_status(self, content: Content) -> None:
        self.query_one("#chg-status", Static).update(content)

    @on(DataTable.RowHighlighted, "#chg-list")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        key = event.row_key.value
        if key is not None and int(key) in self.rows:
            self._select(int(key))
        if event.cursor_row >= self.change_table.row_count - 1:
            self.load_next_page()

    @on(DataTable.RowSelected, "#chg-list")
    def _row_selected(self) -> None:
        self.action_open_detail()

    def _select(self, request_id: int) -> None:
        if request_id == self._highlighted and self.detail is not None:
            return
        self._highlighted = request_id
        self._detail_generation += 1
        if self.detail is not None and self.detail.view.id != request_id:
            self._show_detail(None, keep_selection=True)
        self.fetch_detail(self._detail_generation, request_id)

    @work(thread=True, exclusive=True, group="changes-detail")
    def fetch_detail(self, generation: int, request_id: int) -> None:
        try:
            with self.jz.database.read() as session:
                found = detail(session, request_id)
        except Exception as exc:
            self.post_message(DetailFailed(generation, error_text(exc)))
            return
        self.post_message(DetailLoaded(generation, found))

    @on(DetailLoaded)
    def _detail_loaded(self, message: DetailLoaded) -> None:
        if message.generation != self._detail_generation:
            return
        self.regions.update(message.detail.regions)
        self._show_detail(message.detail)

    @on(DetailFailed)
    def _detail_failed(self, message: DetailFailed) -> None:
        if message.generation != self._detail_generation:
            return
        self.query_one("#chg-facts", Static).update(
            Content.styled(t("tui.load_failed", reason=message.reason), "bold $text-error")
        )

    # --- the detail pane ------------------------------------------------------------------

    def _show_detail(self, shown: ChangeDetail | None, *, keep_selection: bool = False) -> None:
        self.detail = shown
        self.refresh_bindings()
        facts = self.query_one("#chg-facts", Static)
        diff = self.query_one("#chg-diff", Static)
        handover = self.query_one("#chg-handover", Vertical)
        if shown is None:
            if not keep_selection:
                facts.update(Content(t("tui.changes.no_selection")))
            else:
                facts.update(Content.styled(t("tui.changes.loading"), "dim"))
            diff.display = False
            handover.display = False
            self.successor_list.clear_options()
            return
        facts.update(self._facts(shown))
        row = self.rows.get(shown.view.id)
        who = short_person(row.target, shown.view.target_account_id) if row else ""
        self.set_crumbs(
            t(f"tui.changes.scope.{self.scope}"),
            f"#{shown.view.id} {kind_label(shown.view.kind)} {who}".strip(),
        )
        diff.display = True
        diff.update(self._diff(shown))
        self._show_handover(shown)

    def _acted(self, shown: ChangeDetail, by: int | None, for_: int | None) -> str:
        if by is None:
            return t("tui.changes.nobody")
        who = person_label(shown.people.get(by), by)
        if for_ is None:
            return who
        return t(
            "tui.changes.acting_for",
            login=who,
            principal=person_label(shown.people.get(for_), for_),
        )

    def _facts(self, shown: ChangeDetail) -> Content:
        view, regions = shown.view, self.regions
        now = datetime.now(UTC)
        none = Content.styled(t("tui.changes.nobody"), "dim")
        if view.deadline is None:
            deadline: str | Content = none
        elif is_overdue(view, now):
            deadline = Content.styled(
                f"{show_local(view.deadline, seconds=False)} {t('tui.changes.overdue_mark')}",
                "bold $text-error",
            )
        else:
            deadline = show_local(view.deadline, seconds=False)
        route = t(
            "tui.changes.route",
            reviewer=t(
                "tui.changes.role_at",
                role=role_label(view.reviewer_role),
                unit=unit_label(view.reviewer_unit, regions),
            ),
            executor=t(
                "tui.changes.role_at",
                role=role_label(view.executor_role),
                unit=unit_label(view.executor_unit, regions),
            ),
        )
        entries: list[tuple[str, str | Content]] = [
            (
                "tui.changes.f_id",
                Content.assemble(
                    (str(view.id), "bold"),
                    "  ",
                    kind_label(view.kind),
                    "  ",
                    (state_label(view.state), STATE_STYLE.get(view.state, "")),
                ),
            ),
            (
                "tui.changes.f_target",
                Content.styled(person_label(shown.target, view.target_account_id), "bold"),
            ),
            ("tui.changes.f_unit", unit_label(view.target_unit, regions)),
            ("tui.changes.f_route", route),
            (
                "tui.changes.f_submitted_by",
                person_label(shown.people.get(view.submitted_by), view.submitted_by),
            ),
            ("tui.changes.f_reviewed_by", self._acted(shown, view.reviewed_by, view.reviewed_for)),
            ("tui.changes.f_executed_by", self._acted(shown, view.executed_by, view.executed_for)),
            ("tui.changes.f_deadline", deadline),
            ("tui.changes.f_reason", view.reason or none),
            ("tui.changes.f_doc_no", view.doc_no or none),
        ]
        if view.rejected_reason:
            entries.append(
                (
                    "tui.changes.f_rejected_reason",
                    Content.styled(view.rejected_reason, "$text-error"),
                )
            )
        parts: Parts = []
        for key, value in entries:
            if parts:
                parts.append("\n")
            parts.extend([(_label(key), "dim"), value])
        return Content.assemble(*parts)

    def _diff(self, shown: ChangeDetail) -> Content:
        title = Content.styled(t("tui.changes.diff_title"), "bold $text-accent")
        if shown.view.state not in OPEN_STATES:
            body = Content.styled(
                t("tui.changes.diff_closed", state=state_label(shown.view.state)), "dim italic"
            )
        else:
            body = diff_content(shown.diff, self.regions)
        return Content.assemble(title, "\n", body)

    def _show_handover(self, shown: ChangeDetail) -> None:
        panel = self.query_one("#chg-handover", Vertical)
        picker = self.successor_list
        hand = shown.handover
        picker.clear_options()
        if hand is None:
            panel.display = False
            return
        panel.display = True
        parts: Parts = []
        if hand.open_cases == 0:
            parts.append((t("tui.changes.no_open_cases"), "dim italic"))
        else:
            parts.append(t("tui.changes.open_cases", n=hand.open_cases))
            for case in hand.first_cases:
                due = show_local(case.step_deadline, seconds=False) if case.step_deadline else "—"
                parts.extend(
                    [
                        "\n  ",
                        (case.case_no, "bold"),
                        f"  {case.item_code}  {case.step}  ",
                        (due, "dim"),
                    ]
                )
            more = hand.open_cases - len(hand.first_cases)
            if more > 0:
                parts.extend(["\n  ", (t("tui.changes.more_cases", n=more), "dim")])
        self.query_one("#chg-cases", Static).update(Content.assemble(*parts))
        hint = self.query_one("#chg-pick-hint", Static)
        if not hand.candidates:
            hint.update(Content.styled(t("tui.changes.no_candidates"), "$text-warning"))
            picker.display = False
            return
        # Only the executor's pick counts (it replaces the request's): before that, the
        # picker shows whom the request names.
        executing = shown.view.state == "reviewed"
        hint.update(
            Content(
                t("tui.changes.successors_hint" if executing else "tui.changes.successors_named")
            )
        )
        picker.disabled = not executing
        picker.display = True
        named = set(hand.named)
        picker.add_options(
            [
                Selection(
                    Content.assemble(
                        (c.login_name, "bold"),
                        f" {c.full_name}",
                        (f" {c.post}" if c.post else "", "dim"),
                        (f"  {t('tui.changes.candidate_load', n=c.open_cases)}", "dim"),
                    ),
                    c.account_id,
                    c.account_id in named,
                )
                for c in hand.candidates
            ]
        )

    def picked_successors(self) -> tuple[int, ...]:
        """The successors picked, in the order the candidates are listed (least loaded first)."""
        chosen = set(self.successor_list.selected)
        hand = self.detail.handover if self.detail is not None else None
        if hand is None:
            return ()
        return tuple(c.account_id for c in hand.candidates if c.account_id in chosen)

    # --- navigation ------------------------------------------------------------------------

    def open_with(self, scope: str) -> None:
        """Show one scope's list (a dashboard figure or a command opens it this way)."""
        if scope == self.scope and self.fetching:
            return  # that list is on its way already (a fresh screen)
        self.action_scope(scope)

    def action_scope(self, scope: str) -> None:
        if scope not in SCOPES:
            return
        self._note = None
        if scope != self.scope:
            self.scope = scope
            self._show_scopes()
        self.change_table.focus()
        self.reload()

    def action_reload(self) -> None:
        self._note = None
        self.reload()

    def action_open_detail(self) -> None:
        if self.detail is None:
            return
        handover = self.query_one("#chg-handover", Vertical)
        picker = self.successor_list
        if handover.display and picker.display and picker.option_count and not picker.disabled:
            picker.focus()
        else:
            self.query_one("#chg-detail", VerticalScroll).focus()

    def action_back(self) -> None:
        self.change_table.focus()

    def action_filter(self) -> None:
        """/ filters the list: a request number, a division code, a name, kind:offboard."""
        self.query_one("#chg-filter", FilterBox).open()

    @on(FilterBox.Applied, "#chg-filter")
    def _filtered(self, message: FilterBox.Applied) -> None:
        if message.text != self.match:
            self._note = None
            self.match = message.text
            self.reload()
        if message.done:
            self.change_table.focus()

    # --- acting ----------------------------------------------------------------------------

    def action_approve(self) -> None:
        if not self._may_act() or self.detail is None:
            return
        shown = self.detail
        view = shown.view
        if view.state == "submitted":
            self._start()
            self.run_review(view.id, self.actor)
            return
        successors = self.picked_successors() if view.kind in HANDOVER_KINDS else None
        if view.kind == "offboard" and shown.target is not None:
            hand = shown.handover
            by_id = {c.account_id: c for c in hand.candidates} if hand else {}
            names = [by_id[i].login_name for i in successors or () if i in by_id]
            target = shown.target

            def confirmed(ok: bool | None) -> None:
                if ok:
                    self._start()
                    self.run_execute(view.id, successors, self.actor)

            self.app.push_screen(
                OffboardConfirm(target, hand.open_cases if hand else 0, names), confirmed
            )
            return
        self._start()
        self.run_execute(view.id, successors, self.actor)

    def action_reject(self) -> None:
        row = self.current
        if not self._may_act() or row is None:
            return
        request_id = row.view.id

        def given(reason: str | None) -> None:
            if reason:
                self._start()
                self.run_reject(request_id, reason, self.actor)

        self.app.push_screen(RejectDialog(row), given)

    def action_withdraw(self) -> None:
        row = self.current
        if not self._own(WITHDRAWABLE) or row is None:
            return
        request_id = row.view.id

        def confirmed(ok: bool | None) -> None:
            if ok:
                self._start()
                self.run_withdraw(request_id, self.actor)

        self.app.push_screen(WithdrawConfirm(row), confirmed)

    def action_submit(self) -> None:
        row = self.current
        if not self._own(("draft",)) or row is None:
            return
        self._start()
        self.run_submit(row.view.id, self.actor)

    def action_deputy(self) -> None:
        if self.jz.user is None or not self.writable or self.busy:
            return

        def given(form: DeputyForm | None) -> None:
            if form is not None:
                self._start()
                self.run_deputy(form, self.actor)

        self.app.push_screen(DeputyDialog(), given)

    def _start(self) -> None:
        self.busy = True
        self._note = None
        self.refresh_bindings()
        self._set_status(Content(t("tui.changes.working")))

    @staticmethod
    def _failure(exc: Exception, request_id: int) -> ActionFailed:
        """A lost race in one sentence; any other refusal as the service words it (the
        list stays as it is, so that the successors picked are not lost)."""
        if isinstance(exc, Conflict) and exc.key == "err.change_state_changed":
            return ActionFailed(t("tui.changes.lost_race", request=request_id), stale=True)
        return ActionFailed(error_text(exc), stale=isinstance(exc, NotFound))

    @work(thread=True, group="changes-write")
    def run_review(self, request_id: int, actor: Actor) -> None:
        database = self.jz.database
        try:
            with database.read() as session:
                calendar = WorkCalendar.load(session)
            view = review(
                ActOn(request_id), database.uow(), actor, deadline_for=calendar.add_workdays
            )
        except Exception as exc:
            self.post_message(self._failure(exc, request_id))
            return
        notes = [t("tui.changes.reviewed", id=view.id)]
        notes.extend(t("calendar.fallback_warning", year=y) for y in sorted(calendar.warnings))
        self.post_message(ActionDone(" ".join(notes)))

    @work(thread=True, group="changes-write")
    def run_execute(
        self, request_id: int, successors: tuple[int, ...] | None, actor: Actor
    ) -> None:
        try:
            view = execute(ActOn(request_id, successors), self.jz.database.uow(), actor)
        except Exception as exc:
            self.post_message(self._failure(exc, request_id))
            return
        self.post_message(ActionDone(t("tui.changes.executed", id=view.id)))

    @work(thread=True, group="changes-write")
    def run_reject(self, request_id: int, reason: str, actor: Actor) -> None:
        try:
            view = reject(RejectChange(request_id, reason), self.jz.database.uow(), actor)
        except Exception as exc:
            self.post_message(self._failure(exc, request_id))
            return
        self.post_message(ActionDone(t("tui.changes.rejected", id=view.id)))

    @work(thread=True, group="changes-write")
    def run_withdraw(self, request_id: int, actor: Actor) -> None:
        try:
            view = withdraw(ActOn(request_id), self.jz.database.uow(), actor)
        except Exception as exc:
            self.post_message(self._failure(exc, request_id))
            return
        self.post_message(ActionDone(t("tui.changes.withdrawn", id=view.id)))

    @work(thread=True, group="changes-write")
    def run_submit(self, request_id: int, actor: Actor) -> None:
        database = self.jz.database
        try:
            with database.read() as session:
                calendar = WorkCalendar.load(session)
            view = submit_draft(
                ActOn(request_id), database.uow(), actor, deadline_for=calendar.add_workdays
            )
        except Exception as exc:
            self.post_message(self._failure(exc, request_id))
            return
        notes = [t("tui.changes.submitted", id=view.id)]
        notes.extend(t("calendar.fallback_warning", year=y) for y in sorted(calendar.warnings))
        self.post_message(ActionDone(" ".join(notes)))

    @work(thread=True, group="changes-write")
    def run_deputy(self, form: DeputyForm, actor: Actor) -> None:
        database = self.jz.database
        try:
            with database.read() as session:
                deputy = account_id_by_login(session, form.login)
            name_deputy(
                NameDeputy(deputy, form.valid_from, form.valid_until), database.uow(), actor
            )
        except Exception as exc:
            self.post_message(ActionFailed(error_text(exc), stale=False))
            return
        note = t(
            "tui.changes.deputy_named",
            login=form.login,
            start=show_local(form.valid_from, seconds=False),
            end=show_local(form.valid_until, seconds=False),
        )
        self.post_message(ActionDone(note))

    @on(ActionDone)
    def _action_done(self, message: ActionDone) -> None:
        self.busy = False
        self.notify(message.note, markup=False)
        self.reload()
        self._note = Content.styled(message.note, "$text-success")
        self._set_status(Content.assemble(Content(t("tui.changes.loading")), "  ", self._note))

    @on(ActionFailed)
    def _action_failed(self, message: ActionFailed) -> None:
        self.busy = False
        self.notify(message.reason, severity="error", markup=False)
        self._note = Content.styled(message.reason, "bold $text-error")
        if message.stale:
            self.reload()
            self._set_status(Content.assemble(Content(t("tui.changes.loading")), "  ", self._note))
        else:
            self.refresh_bindings()
            self._show_count()
