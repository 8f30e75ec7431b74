"""The Accounts area (账号): a filterable, keyset-paged account list, the highlighted account's
details (masked), a create/edit form, status actions and a permission checker.

Accounts come 100 at a time from ``accounts.queries.list_accounts`` in a thread worker that
posts plain ``AccountRow`` rows back; the next page loads when the cursor reaches the last
row. The filter applies as it is typed (after a short pause): ``status:locked``,
``dept:civil``, ``region:530102`` and bare text for a login or name prefix.

What the signed-in admin may do is computed from rbac: their grants and the role → action
policy are read once in a worker, then each binding is decided against the highlighted
account's domain. Actions they may not perform are hidden (``check_action`` returns False:
not in the footer, and the key does nothing); with nobody signed in the list is read-only.
The services still authorise every write themselves (``rbac_authorize``), and audit it.
Names and reasons are user-supplied, so everything is rendered as ``Text``/``Content`` and
never parsed as markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Button, DataTable, Input, Static

from accounts.accounts import (
    ACTIVE,
    ARCHIVED,
    DISABLED,
    LOCKED,
    PENDING,
    SUSPENDED,
    ChangeStatus,
    change_status,
)
from accounts.queries import AccountRow, Page, get_account, list_accounts, region_bounds
from audit_log.actor import Actor, local_actor
from casedb.clock import show_local
from casedb.errors import InvalidInput, JzError
from casedb.models import ACCOUNT_STATUSES
from casedb.reference import DEPARTMENTS
from console.i18n import language, t
from console.tui.screens import AreaScreen
from console.tui.screens.account_form import AccountForm
from console.tui.screens.permission import (
    PermissionChecker,
    department_name,
    error_text,
    rbac_authorize,
)
from console.tui.widgets import localise_bindings
from rbac.enforcer import AccountState, Enforcer
from rbac.store import Grant, PolicyLine, load_grants, load_policy, subject_of
from rbac.templates import (
    ACCOUNT_CREATE,
    ACCOUNT_STATUS,
    ACCOUNT_UPDATE,
    ALL_DEPARTMENTS,
    ROLE_GRANT,
    ROLE_REVOKE,
    TEMPLATES,
)

PAGE_SIZE = 100
# What each administrative binding needs in the highlighted account's domain (the services
# check the same: rbac.grants through the grant rules, reset and TOTP as account.update).
MANAGE_ACTIONS = {
    "grant": ROLE_GRANT,
    "revoke": ROLE_REVOKE,
    "reset": ACCOUNT_UPDATE,
    "mfa": ACCOUNT_UPDATE,
}
RESETTABLE = frozenset({PENDING, ACTIVE, LOCKED, SUSPENDED})  # as accounts.cli_support
ACTION_TOTP_RESET = "account.totp_reset"
# A pause this long after a key takes a burst of keys as one query and still feels immediate.
DEBOUNCE_S = 0.05
FILTER_KEYS = ("status", "dept", "region")
STATUS_STYLE = {
    PENDING: "cyan",
    ACTIVE: "green",
    LOCKED: "bold red",
    SUSPENDED: "yellow",
    DISABLED: "dim",
    ARCHIVED: "dim italic",
}


@dataclass(frozen=True)
class StatusAction:
    """A status binding: where it leads, from which statuses, and whether the login must be
    typed to confirm it."""

    name: str
    target: str
    sources: frozenset[str]
    destructive: bool = False


STATUS_ACTIONS: dict[str, StatusAction] = {
    a.name: a
    for a in (
        StatusAction("lock", LOCKED, frozenset({ACTIVE})),
        StatusAction("unlock", ACTIVE, frozenset({LOCKED, SUSPENDED})),
        StatusAction("suspend", SUSPENDED, frozenset({ACTIVE, LOCKED})),
        StatusAction("disable", DISABLED, frozenset({PENDING, ACTIVE, LOCKED, SUSPENDED}), True),
        StatusAction("archive", ARCHIVED, frozenset({DISABLED}), True),
        StatusAction("restore", DISABLED, frozenset({ARCHIVED})),
    )
}


@dataclass(frozen=True)
class AccountFilter:
    region: str | None = None
    department: str | None = None
    status: str | None = None
    prefix: str | None = None


# --- messages from the workers ---------------------------------------------------------


@dataclass
class PageLoaded(Message):
    generation: int
    rows: list[AccountRow]
    next_after: str | None


@dataclass
class PageFailed(Message):
    generation: int
    reason: str


@dataclass
class RightsLoaded(Message):
    """The signed-in account's grants, the role → action policy and its own state."""

    grants: list[Grant]
    policy: list[PolicyLine]
    state: AccountState | None


@dataclass
class AccountChanged(Message):
    row: AccountRow
    note: str


@dataclass
class ActionFailed(Message):
    reason: str


@dataclass
class ActionDone(Message):
    """A role granted or revoked, or TOTP cleared: one sentence to show."""

    note: str


@dataclass
class TargetGrants(Message):
    """The highlighted account's grants, read for the revoke dialog."""

    row: AccountRow
    grants: list[Grant]


@dataclass
class CodeIssued(Message):
    row: AccountRow
    code: str


# --- pure helpers -----------------------------------------------------------------------


def _department_code(value: str) -> str:
    low = value.lower()
    for d in DEPARTMENTS:
        if low in (d.code, d.name_zh, d.name_en.lower()):
            return d.code
    matches = [d.code for d in DEPARTMENTS if d.code.startswith(low)]
    if len(matches) == 1:
        return matches[0]
    raise InvalidInput(
        "tui.accounts.filter_dept", value=value[:20], codes=", ".join(d.code for d in DEPARTMENTS)
    )


def _status_code(value: str) -> str:
    low = value.lower()
    for s in ACCOUNT_STATUSES:
        if low in (s, t(f"status.{s}")):
            return s
    raise InvalidInput(
        "tui.accounts.filter_status", value=value[:20], statuses=", ".join(ACCOUNT_STATUSES)
    )


def parse_filter(text: str) -> AccountFilter:
    """``status:locked dept:civil region:530102 zhang`` as an ``AccountFilter``; a clear
    ``InvalidInput`` for anything else."""
    fields: dict[str, str] = {}
    bare: list[str] = []
    for token in text.split():
        name, sep, value = token.partition(":")
        if not sep:
            bare.append(token)
            continue
        key = name.lower()
        if key not in FILTER_KEYS:
            raise InvalidInput(
                "tui.accounts.filter_unknown", token=token[:40], keys=", ".join(FILTER_KEYS)
            )
        if not value:
            raise InvalidInput("tui.accounts.filter_empty", token=token[:40], key=key)
        if key in fields:
            raise InvalidInput("tui.accounts.filter_twice", key=key)
        fields[key] = value
    region = fields.get("region")
    if region is not None:
        region_bounds(region)  # a clear error for a code that is no region's
    return AccountFilter(
        region=region,
        department=_department_code(fields["dept"]) if "dept" in fields else None,
        status=_status_code(fields["status"]) if "status" in fields else None,
        prefix=" ".join(bare) or None,
    )


def status_label(status: str) -> str:
    return t(f"status.{status}")


def unit_label(row: AccountRow) -> str:
    dept = row.department_zh if language() == "zh" else row.department_en
    return f"{row.region_name} · {dept}"


def _label(key: str) -> str:
    return f"{t(key)}：" if language() == "zh" else f"{t(key)}: "


# --- widgets -----------------------------------------------------------------------------


class AccountTable(DataTable[Text]):
    """The account list; End goes to the last row (and so to the next page)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("end", "scroll_bottom", show=False),
        Binding("home", "scroll_top", show=False),
    ]

    def __init__(self) -> None:
        super().__init__(id="acc-list", cursor_type="row", zebra_stripes=True)


class StatusConfirm(ModalScreen[str | None]):
    """Confirm a status change, with a reason; destructive ones need the login typed."""

    CSS_PATH = "accounts.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "tui.accounts.bind_cancel", id="confirm.cancel"),
    ]

    def __init__(self, row: AccountRow, action: StatusAction) -> None:
        super().__init__()
        localise_bindings(self)
        self.row = row
        self.action_def = action

    def compose(self) -> ComposeResult:
        row, action = self.row, self.action_def
        with Vertical(id="confirm-dialog") as dialog:
            dialog.border_title = t(f"tui.accounts.act.{action.name}")
            yield Static(
                Content.assemble(
                    t("tui.accounts.confirm_question", action=t(f"tui.accounts.act.{action.name}")),
                    (row.login_name, "bold"),
                    "（" if language() == "zh" else " (",
                    row.full_name,
                    "）" if language() == "zh" else ")",
                    "  ",
                    (f"{status_label(row.status)} → {status_label(action.target)}", "dim"),
                ),
                id="confirm-question",
            )
            with Horizontal(classes="form-row"):
                yield Static(Content(t("tui.accounts.field.reason")), classes="form-label")
                yield Input(
                    id="confirm-reason", placeholder=t("tui.accounts.hint.reason"), compact=True
                )
            if action.destructive:
                yield Static(
                    Content.styled(
                        t("tui.accounts.confirm_type", login=row.login_name), "$text-warning"
                    ),
                    id="confirm-type-hint",
                )
                with Horizontal(classes="form-row"):
                    yield Static(Content(t("tui.accounts.field.login_name")), classes="form-label")
                    yield Input(id="confirm-login", compact=True)
            yield Static("", id="confirm-error", classes="field-error")
            with Horizontal(id="confirm-buttons"):
                yield Button(
                    t(f"tui.accounts.act.{action.name}"),
                    variant="error" if action.destructive else "primary",
                    id="confirm-ok",
                    disabled=action.destructive,
                )
                yield Button(t("tui.accounts.cancel"), id="confirm-cancel")

    def on_mount(self) -> None:
        self.query_one("#confirm-reason", Input).focus()
        self.query_one("#confirm-error").display = False

    @property
    def confirmed(self) -> bool:
        if not self.action_def.destructive:
            return True
        return self.query_one("#confirm-login", Input).value.strip() == self.row.login_name

    @on(Input.Changed, "#confirm-login")
    def _typed(self) -> None:
        self.query_one("#confirm-ok", Button).disabled = not self.confirmed

    @on(Input.Submitted)
    @on(Button.Pressed, "#confirm-ok")
    def _ok(self) -> None:
        if not self.confirmed:
            error = self.query_one("#confirm-error", Static)
            error.update(Content(t("tui.accounts.confirm_mismatch", login=self.row.login_name)))
            error.display = True
            self.query_one("#confirm-login", Input).focus()
            return
        self.dismiss(self.query_one("#confirm-reason", Input).value)

    @on(Button.Pressed, "#confirm-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class AccountsScreen(AreaScreen):
    """账号: find accounts, read one, create, change, lock …, and ask what someone may do."""

    AREA = "accounts"
    CSS_PATH = "accounts.tcss"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]  # noqa: RUF012 - Textual's own
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_filter", "tui.accounts.bind_filter", id="accounts.filter"),
        Binding("n", "create", "tui.accounts.bind_create", id="accounts.create"),
        Binding("e", "edit", "tui.accounts.bind_edit", id="accounts.edit"),
        *(
            Binding(key, f"status('{name}')", f"tui.accounts.act.{name}", id=f"accounts.{name}")
            for key, name in (
                ("l", "lock"),
                ("u", "unlock"),
                ("s", "suspend"),
                ("d", "disable"),
                ("a", "archive"),
                ("o", "restore"),
            )
        ),
        Binding("o", "offboard", "tui.accounts.bind_offboard", id="accounts.offboard"),
        Binding("g", "grant", "tui.accounts.bind_grant", id="accounts.grant"),
        Binding("G", "revoke", "tui.accounts.bind_revoke", id="accounts.revoke"),
        Binding("R", "reset", "tui.accounts.bind_reset", id="accounts.reset"),
        Binding("M", "mfa", "tui.accounts.bind_mfa", id="accounts.mfa"),
        Binding("p", "check_permission", "tui.accounts.bind_check", id="accounts.check"),
        Binding("r", "reload", "tui.accounts.bind_refresh", id="accounts.refresh"),
        Binding("escape", "back", "tui.accounts.bind_back", id="accounts.back", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.account_filter = AccountFilter()
        self.rows: dict[int, AccountRow] = {}
        self.next_after: str | None = None
        self.fetching = False
        self.rights: Enforcer | None = None
        self._generation = 0
        self._detail_id: int | None = None
        self._select_login: str | None = None
        self._filter_timer: Timer | None = None
        self._actor: Actor | None = None

    # --- layout ----------------------------------------------------------------------

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="acc-filter-row"):
            yield Static(Content(t("tui.accounts.filter_label")), id="acc-filter-label")
            yield Input(placeholder=t("tui.accounts.filter_placeholder"), id="acc-filter")
        yield Static(Content(t("tui.accounts.loading")), id="acc-status")
        with Horizontal(id="acc-main"):
            table = AccountTable()
            table.border_title = t("tui.accounts.list_title")
            yield table
            with VerticalScroll(id="acc-detail") as detail:
                detail.border_title = t("tui.accounts.detail_title")
                yield Static(Content(t("tui.accounts.no_selection")), id="acc-detail-facts")
                yield Static("", id="acc-detail-rights")

    def on_mount(self) -> None:
        table = self.account_table
        table.add_column(t("tui.accounts.col_login"), key="login", width=14)
        table.add_column(t("tui.accounts.col_name"), key="name", width=10)
        table.add_column(t("tui.accounts.col_unit"), key="unit", width=20)
        table.add_column(t("tui.accounts.col_post"), key="post", width=10)
        table.add_column(t("tui.accounts.col_status"), key="status", width=6)
        user = self.jz.user
        self._actor = (
            local_actor(login=user.login_name, account_id=user.id) if user else local_actor()
        )
        table.focus()
        if user is not None:
            self.load_rights(user.id)
        self.reload()

    @property
    def account_table(self) -> AccountTable:
        return self.query_one(AccountTable)

    @property
    def actor(self) -> Actor:
        if self._actor is None:  # pragma: no cover - set on mount
            self._actor = local_actor()
        return self._actor

    @property
    def current(self) -> AccountRow | None:
        return self.rows.get(self._detail_id) if self._detail_id is not None else None

    # --- what the signed-in admin may do -------------------------------------------------

    @work(thread=True, group="accounts-rights")
    def load_rights(self, account_id: int) -> None:
        try:
            with self.jz.database.read() as session:
                grants = load_grants(session, subject_of(account_id))
                policy = load_policy(session)
                enforcer = Enforcer.for_account(session, account_id)
                state = enforcer.state_of(account_id)
        except Exception as exc:
            self.post_message(ActionFailed(error_text(exc)))
            return
        self.post_message(RightsLoaded(grants, policy, state))

    @on(RightsLoaded)
    def _rights_loaded(self, message: RightsLoaded) -> None:
        user = self.jz.user
        states = (
            {} if user is None or message.state is None else {subject_of(user.id): message.state}
        )
        self.rights = Enforcer.from_rules(message.policy, message.grants, states)
        self.rights.assume_active = False
        self.refresh_bindings()
        self._show_detail(self.current)

    def may(self, action: str, region: str, department: str) -> bool:
        user = self.jz.user
        if user is None or self.rights is None:
            return False
        return self.rights.decide(user.id, action, region, department).allowed

    def may_somewhere(self, action: str) -> bool:
        """Whether any grant of the signed-in account carries the action (create: the form
        asks where)."""
        user = self.jz.user
        if user is None or self.rights is None:
            return False
        state = self.rights.state_of(user.id)
        if state is None or not state.can_act():
            return False
        return any(
            self.rights.policy_line(g.role, action) is not None
            for g in self.rights.grants_of(user.id)
        )

    def _status_allowed(self, name: str, row: AccountRow | None) -> bool:
        action = STATUS_ACTIONS.get(name)
        user = self.jz.user
        if action is None or row is None or user is None or row.id == user.id:
            return False
        if row.status not in action.sources:
            return False
        return self.may(ACCOUNT_STATUS, row.region_code, row.department_code)

    def _manage_allowed(self, name: str, row: AccountRow | None) -> bool:
        """Grant, revoke, reset, TOTP: never in read-only mode, never one's own account."""
        user = self.jz.user
        needed = MANAGE_ACTIONS.get(name)
        if not self.writable or needed is None or row is None or user is None:
            return False
        if row.id == user.id:
            return False
        if name == "reset" and row.status not in RESETTABLE:
            return False
        return self.may(needed, row.region_code, row.department_code)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        row = self.current
        match action:
            case "grant" | "revoke" | "reset" | "mfa":
                return self._manage_allowed(action, row)
            case "focus_filter":
                # While the filter has focus, "/" is typed into it.
                return not isinstance(self.focused, Input)
            case "create":
                return self.writable and self.may_somewhere(ACCOUNT_CREATE)
            case "edit":
                return (
                    self.writable
                    and row is not None
                    and self.may(ACCOUNT_UPDATE, row.region_code, row.department_code)
                )
            case "offboard":
                user = self.jz.user
                return (
                    self.writable
                    and row is not None
                    and user is not None
                    and row.id != user.id
                    and row.status in (ACTIVE, LOCKED, SUSPENDED, PENDING)
                    and self.may(ACCOUNT_UPDATE, row.region_code, row.department_code)
                )
            case "status":
                return (
                    self.writable
                    and bool(parameters)
                    and self._status_allowed(str(parameters[0]), row)
                )
        return True

    # --- loading (thread workers posting plain data back) ---------------------------------

    def reload(self) -> None:
        """Start again from the first account under the current filter."""
        self._generation += 1
        self.rows.clear()
        self.next_after = None
        self._detail_id = None
        self.account_table.clear()
        self._show_detail(None)
        self.fetching = True
        self._set_status(Content(t("tui.accounts.loading")))
        self.fetch_page(self._generation, self.account_filter, None)

    def load_next_page(self) -> None:
        if self.fetching or self.next_after is None:
            return
        self.fetching = True
        self.fetch_page(self._generation, self.account_filter, self.next_after)

    @work(thread=True, group="accounts-page")
    def fetch_page(self, generation: int, flt: AccountFilter, after: str | None) -> None:
        try:
            with self.jz.database.read() as session:
                page: Page = list_accounts(
                    session,
                    region_prefix=flt.region,
                    department=flt.department,
                    status=flt.status,
                    name_prefix=flt.prefix,
                    after=after,
                    limit=PAGE_SIZE,
                )
        except Exception as exc:  # the screen says what went wrong and stays usable
            self.post_message(PageFailed(generation, error_text(exc)))
            return
        self.post_message(PageLoaded(generation, page.rows, page.next_after))

    @on(PageLoaded)
    def _page_loaded(self, message: PageLoaded) -> None:
        if message.generation != self._generation:
            return  # the filter changed since
        self.fetching = False
        self.next_after = message.next_after
        table = self.account_table
        first_page = table.row_count == 0
        for row in message.rows:
            if row.id in self.rows:
                continue
            self.rows[row.id] = row
            table.add_row(*self._cells(row), key=str(row.id))
        self._show_count()
        wanted = self._select_login
        self._select_login = None
        target = next((r for r in message.rows if r.login_name == wanted), None)
        if target is not None:
            table.move_cursor(row=table.get_row_index(str(target.id)))
            self._show_detail(target)
        elif first_page and message.rows:
            table.move_cursor(row=0)
            self._show_detail(message.rows[0])

    @on(PageFailed)
    def _page_failed(self, message: PageFailed) -> None:
        if message.generation != self._generation:
            return
        self.fetching = False
        text = t("tui.load_failed", reason=message.reason)
        self._set_status(Content.styled(text, "bold $text-error"))
        self.notify(text, severity="error", markup=False)

    def _cells(self, row: AccountRow) -> tuple[Text, ...]:
        return (
            Text(row.login_name, overflow="ellipsis", no_wrap=True),
            Text(row.full_name, overflow="ellipsis", no_wrap=True),
            Text(unit_label(row), overflow="ellipsis", no_wrap=True),
            Text(row.post, overflow="ellipsis", no_wrap=True),
            Text(status_label(row.status), style=STATUS_STYLE.get(row.status, "")),
        )

    def _show_count(self) -> None:
        n = self.account_table.row_count
        if n == 0:
            parts: list[str | tuple[str, str]] = [(t("tui.accounts.none"), "italic")]
        elif self.next_after is not None:
            parts = [t("tui.accounts.loaded_more", n=n)]
        else:
            parts = [t("tui.accounts.loaded_all", n=n)]
        if self.jz.user is None:
            parts.extend(["  ", (t("tui.accounts.read_only"), "$text-warning")])
        self._set_status(Content.assemble(*parts))

    def _set_status(self, content: Content) -> None:
        self.query_one("#acc-status", Static).update(content)

    @on(DataTable.RowHighlighted, "#acc-list")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        key = event.row_key.value
        row = self.rows.get(int(key)) if key is not None else None
        if row is not None and row.id != self._detail_id:
            self._show_detail(row)
        if event.cursor_row >= self.account_table.row_count - 1:
            self.load_next_page()

    # --- the filter (applied as it is typed) ------------------------------------------------

    @on(Input.Changed, "#acc-filter")
    def _filter_changed(self) -> None:
        if self._filter_timer is not None:
            self._filter_timer.stop()
        self._filter_timer = self.set_timer(DEBOUNCE_S, self.apply_filter)

    @on(Input.Submitted, "#acc-filter")
    def _filter_submitted(self) -> None:
        if self._filter_timer is not None:
            self._filter_timer.stop()
        if self.apply_filter():
            self.account_table.focus()

    def apply_filter(self) -> bool:
        text = self.query_one("#acc-filter", Input).value
        try:
            flt = parse_filter(text)
        except JzError as exc:
            self._set_status(Content.styled(error_text(exc), "bold $text-error"))
            return False
        if flt != self.account_filter:
            self.account_filter = flt
            self.reload()
        return True

    def action_focus_filter(self) -> None:
        self.query_one("#acc-filter", Input).focus()

    def open_with(self, filter_text: str) -> None:
        """Show the list under this filter (a dashboard figure opens it this way)."""
        self.query_one("#acc-filter", Input).value = filter_text
        self.apply_filter()

    def action_back(self) -> None:
        self.account_table.focus()

    def action_reload(self) -> None:
        self.reload()

    # --- the details pane --------------------------------------------------------------

    def _show_detail(self, row: AccountRow | None) -> None:
        facts = self.query_one("#acc-detail-facts", Static)
        rights = self.query_one("#acc-detail-rights", Static)
        self._detail_id = row.id if row else None
        self.refresh_bindings()
        if row is None:
            facts.update(Content(t("tui.accounts.no_selection")))
            rights.update("")
            self.set_crumbs()
            return
        self.set_crumbs(row.region_name, t("tui.person", name=row.full_name, login=row.login_name))
        none = Content.styled(t("tui.accounts.none"), "dim")
        status: list[str | Content | tuple[str, str]] = [
            (status_label(row.status), STATUS_STYLE.get(row.status, ""))
        ]
        if row.status_reason:
            status.extend(["  ", (t("tui.accounts.reason_is"), "dim"), row.status_reason])
        if row.status_changed_at:
            status.extend(["  ", (show_local(row.status_changed_at, seconds=False), "dim")])
        window = t(
            "tui.accounts.window",
            start=show_local(row.valid_from, seconds=False) if row.valid_from else "—",
            end=show_local(row.valid_until, seconds=False) if row.valid_until else "—",
        )
        entries: list[tuple[str, str | Content]] = [
            ("tui.accounts.field.login_name", Content.styled(row.login_name, "bold")),
            ("tui.accounts.field.full_name", row.full_name),
            (
                "tui.accounts.unit",
                f"{row.region_name}（{row.region_code}）· {department_name(row.department_code)}",
            ),
            ("tui.accounts.field.post", row.post or none),
            ("tui.accounts.field.id_number", row.id_masked or none),
            ("tui.accounts.field.mobile", row.mobile_masked or none),
            ("tui.accounts.field.wechat_id", row.wechat_id or none),
            ("tui.accounts.status", Content.assemble(*status)),
            (
                "tui.accounts.validity",
                window if row.valid_from or row.valid_until else t("tui.accounts.no_window"),
            ),
            ("tui.accounts.created", show_local(row.created_at, seconds=False)),
        ]
        parts: list[str | Content | tuple[str, str]] = []
        for key, value in entries:
            if parts:
                parts.append("\n")
            parts.extend([(_label(key), "dim"), value])
        facts.update(Content.assemble(*parts))
        rights.update(self._rights_content(row))

    def _rights_content(self, row: AccountRow) -> Content:
        if self.jz.user is None:
            return Content.styled(t("tui.accounts.rights_none_signed_in"), "dim italic")
        if self.rights is None:
            return Content.styled(t("tui.accounts.loading"), "dim")
        own = row.id == self.jz.user.id  # nobody changes their own account's status
        allowed = [
            t(f"tui.accounts.action.{a}")
            for a in (ACCOUNT_UPDATE, ACCOUNT_STATUS)
            if self.may(a, row.region_code, row.department_code)
            and not (own and a == ACCOUNT_STATUS)
        ]
        sep = "、" if language() == "zh" else ", "
        if not allowed:
            return Content.styled(t("tui.accounts.rights_nothing"), "dim italic")
        return Content.assemble(
            (t("tui.accounts.rights_here"), "dim"), (sep.join(allowed), "$text-success")
        )

    # --- writing -------------------------------------------------------------------------

    def action_create(self) -> None:
        user = self.jz.user
        if user is None or not self.may_somewhere(ACCOUNT_CREATE):
            return
        row = self.current
        form = AccountForm(
            self.jz.database,
            self.actor,
            rbac_authorize(self.jz.database, user.id),
            region=row.region_code if row else user.region_code,
            department=row.department_code if row else user.department_code,
        )
        self.app.push_screen(form, self._form_done)

    def action_edit(self) -> None:
        user, row = self.jz.user, self.current
        if (
            user is None
            or row is None
            or not self.may(ACCOUNT_UPDATE, row.region_code, row.department_code)
        ):
            return
        form = AccountForm(
            self.jz.database, self.actor, rbac_authorize(self.jz.database, user.id), row
        )
        self.app.push_screen(form, self._form_done)

    def _form_done(self, row: AccountRow | None) -> None:
        if row is None:
            return
        self.notify(t("tui.accounts.saved", login=row.login_name), markup=False)
        if row.id in self.rows:
            self._replace_row(row)
        else:
            self._select_login = row.login_name
            self.reload()

    def action_status(self, name: str) -> None:
        row = self.current
        action = STATUS_ACTIONS.get(name)
        if action is None or row is None or not self._status_allowed(name, row):
            return

        def confirmed(reason: str | None) -> None:
            user = self.jz.user
            if reason is None or user is None:
                return
            self._set_status(Content(t("tui.accounts.working")))
            self.run_status(row.id, action.target, reason, user.id, name)

        self.app.push_screen(StatusConfirm(row, action), confirmed)

    @work(thread=True, group="accounts-write")
    def run_status(
        self, account_id: int, target: str, reason: str, user_id: int, name: str
    ) -> None:
        database = self.jz.database
        try:
            view = change_status(
                ChangeStatus(account_id, target, reason),
                database.uow(),
                self.actor,
                authorize=rbac_authorize(database, user_id),
            )
            with database.read() as session:
                row = get_account(session, view.id)
        except Exception as exc:
            self.post_message(ActionFailed(error_text(exc)))
            return
        if row is not None:
            note = t(
                "tui.accounts.status_done",
                login=row.login_name,
                action=t(f"tui.accounts.act.{name}"),
            )
            self.post_message(AccountChanged(row, note))

    @on(AccountChanged)
    def _account_changed(self, message: AccountChanged) -> None:
        self._replace_row(message.row)
        self._show_count()
        self.notify(message.note, markup=False)

    @on(ActionFailed)
    def _action_failed(self, message: ActionFailed) -> None:
        self._set_status(Content.styled(message.reason, "bold $text-error"))
        self.notify(message.reason, severity="error", markup=False)

    def _replace_row(self, row: AccountRow) -> None:
        self.rows[row.id] = row
        table = self.account_table
        for column, cell in zip(
            ("login", "name", "unit", "post", "status"), self._cells(row), strict=True
        ):
            table.update_cell(str(row.id), column, cell)
        if row.id == self._detail_id:
            self._show_detail(row)

    # --- roles, activation codes, TOTP (as jzctl role grant|revoke, account reset|mfa) -----

    def action_grant(self) -> None:
        from console.tui.screens.account_admin import GrantDialog

        row = self.current
        if row is None or not self._manage_allowed("grant", row):
            return

        def chosen(result: object) -> None:
            user = self.jz.user
            if user is None or not isinstance(result, tuple):
                return
            role, region = result
            self._set_status(Content(t("tui.accounts.working")))
            self.run_role_change(row, str(role), str(region), None, user.id)

        self.app.push_screen(GrantDialog(row), chosen)

    def action_revoke(self) -> None:
        row = self.current
        if row is None or not self._manage_allowed("revoke", row):
            return
        self.load_target_grants(row)

    @work(thread=True, group="accounts-grants")
    def load_target_grants(self, row: AccountRow) -> None:
        try:
            with self.jz.database.read() as session:
                grants = load_grants(session, subject_of(row.id))
        except Exception as exc:
            self.post_message(ActionFailed(error_text(exc)))
            return
        self.post_message(TargetGrants(row, grants))

    @on(TargetGrants)
    def _target_grants(self, message: TargetGrants) -> None:
        from console.tui.screens.account_admin import RevokeDialog

        row = message.row

        def chosen(result: object) -> None:
            user = self.jz.user
            if user is None or not isinstance(result, Grant):
                return
            self._set_status(Content(t("tui.accounts.working")))
            self.run_role_change(row, result.role, result.region, result.department, user.id)

        self.app.push_screen(RevokeDialog(row, message.grants), chosen)

    @work(thread=True, group="accounts-write")
    def run_role_change(
        self, row: AccountRow, role: str, region: str, department: str | None, user_id: int
    ) -> None:
        """Grant (``department`` None: as ``jzctl role grant`` chooses it) or revoke (the
        chosen grant's domain) with the signed-in account's own grants."""
        from accounts.org import resolve_region
        from rbac.grants import grant, revoke

        revoking = department is not None
        database = self.jz.database
        try:
            if role not in TEMPLATES:
                raise InvalidInput("err.rbac_unknown_role", role=role[:40])
            with database.read() as session:
                code = resolve_region(session, region).code
                enforcer = Enforcer.for_account(session, user_id)
            if department is None:
                office_wide = TEMPLATES[role].departments == frozenset({ALL_DEPARTMENTS})
                department = ALL_DEPARTMENTS if office_wide else row.department_code
            domain = f"{code}|{department}"
            change = revoke if revoking else grant
            with database.uow() as uow:
                done = change(
                    uow.session, enforcer.grants_of(user_id), row.id, role, domain, self.actor
                )
                uow.commit()
        except Exception as exc:
            self.post_message(ActionFailed(error_text(exc)))
            return
        key = "role.revoked" if revoking else "role.granted"
        self.post_message(
            ActionDone(
                t(key, login=row.login_name, role=t(f"rbac.role.{role}"), domain=done.domain)
            )
        )

    def action_reset(self) -> None:
        from console.tui.screens.account_admin import LoginConfirm

        row = self.current
        if row is None or not self._manage_allowed("reset", row):
            return

        def confirmed(result: object) -> None:
            user = self.jz.user
            if result is not True or user is None:
                return
            self._set_status(Content(t("tui.accounts.working")))
            self.run_reset(row, user.id)

        self.app.push_screen(LoginConfirm(row, "reset"), confirmed)

    @work(thread=True, group="accounts-write")
    def run_reset(self, row: AccountRow, user_id: int) -> None:
        from accounts.cli_support import reset_account

        database = self.jz.database
        try:
            code = reset_account(
                database, row.login_name, self.actor, authorize=rbac_authorize(database, user_id)
            )
            with database.read() as session:
                fresh = get_account(session, row.id)
        except Exception as exc:
            self.post_message(ActionFailed(error_text(exc)))
            return
        self.post_message(CodeIssued(fresh or row, code))

    @on(CodeIssued)
    def _code_issued(self, message: CodeIssued) -> None:
        from console.tui.screens.account_admin import CodeShown

        if message.row.id in self.rows:
            self._replace_row(message.row)
        self._set_status(Content(t("account.reset_done", login=message.row.login_name)))
        self.app.push_screen(CodeShown(message.row, message.code))

    def action_mfa(self) -> None:
        from console.tui.screens.account_admin import LoginConfirm

        row = self.current
        if row is None or not self._manage_allowed("mfa", row):
            return

        def confirmed(result: object) -> None:
            user = self.jz.user
            if result is not True or user is None:
                return
            self._set_status(Content(t("tui.accounts.working")))
            self.run_mfa_reset(row, user.id)

        self.app.push_screen(LoginConfirm(row, "mfa"), confirmed)

    @work(thread=True, group="accounts-write")
    def run_mfa_reset(self, row: AccountRow, user_id: int) -> None:
        """As ``jzctl account mfa LOGIN --reset``: in scope, never one's own; refusals are
        recorded."""
        from accounts.credentials import reset_totp
        from audit_log.chain import record_refusal
        from casedb.errors import PermissionDenied

        database = self.jz.database
        actor = self.actor

        def refuse(error: PermissionDenied) -> PermissionDenied:
            record_refusal(database.uow(), actor, ACTION_TOTP_RESET, reason=error.key,
                           target_kind="account", target_id=str(row.id),
                           region=row.region_code, department=row.department_code)  # fmt: skip
            return error

        try:
            if row.id == user_id:
                raise refuse(PermissionDenied("err.mfa_reset_own_account"))
            try:
                rbac_authorize(database, user_id)(
                    actor, ACCOUNT_UPDATE, row.region_code, row.department_code
                )
            except PermissionDenied as exc:
                raise refuse(exc) from None
            with database.uow() as uow:
                had = reset_totp(uow.session, row.id, actor)
                uow.commit()
        except Exception as exc:
            self.post_message(ActionFailed(error_text(exc)))
            return
        key = "account.mfa_reset_done" if had else "account.mfa_reset_none"
        self.post_message(ActionDone(t(key, login=row.login_name)))

    @on(ActionDone)
    def _action_done(self, message: ActionDone) -> None:
        self._set_status(Content(message.note))
        self.notify(message.note, markup=False)

    # --- personnel change requests ---------------------------------------------------------

    def action_offboard(self) -> None:
        """离岗申请: file an offboarding for the highlighted person (reviewed and executed in
        area 4 by the people the chain names)."""
        from console.tui.screens.change_request import OffboardRequest

        row = self.current
        if row is None or self.check_action("offboard", ()) is not True:
            return

        def filed(request_id: int | None) -> None:
            if request_id is not None:
                note = t("tui.request.filed", id=request_id, login=row.login_name)
                self._set_status(Content(note))
                self.notify(note, markup=False)

        self.app.push_screen(OffboardRequest(self.jz.database, self.actor, row), filed)

    # --- the permission checker ----------------------------------------------------------

    def action_check_permission(self) -> None:
        row = self.current
        self.app.push_screen(
            PermissionChecker(
                self.jz.database,
                login=row.login_name if row else "",
                region=row.region_code if row else "",
                department=row.department_code if row else "",
            )
        )
