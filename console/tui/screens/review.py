"""The Review area (复核): the annual account review (账号年度复核, issue 5).

Two views, one key each: ``i`` the items the signed-in reviewer decides in open campaigns
(``accounts.review.list_items``: the account, its unit, the roles it held when the campaign
started, the decision) and ``u`` the completion per unit of the latest campaign
(``accounts.review.status``, limited to the units the viewer's grants reach). Both load in a
thread worker posting plain rows back.

``y`` confirms the highlighted item; ``n`` revokes it, after a dialog asking the reason and
whether the whole account or one of its roles goes (the service files the change request).
``S`` starts a campaign (level, optional region) and ``C`` closes the latest one, after a
confirmation; who may do either is the service's to say, and a refusal is one sentence. In
read-only mode nothing that writes is offered. Names and reasons are user-supplied: they are
rendered as ``Text``/``Content`` and never parsed as markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Input, RadioButton, RadioSet, Select, Static

from accounts import validation
from accounts.changes import holds_action
from accounts.review import (
    LEVELS,
    REVOKE,
    CampaignRef,
    CampaignView,
    Decide,
    ItemView,
    StartReview,
    UnitStatus,
    campaign_view,
    close,
    decide,
    latest_campaign,
    list_items,
    start,
    status,
)
from audit_log.actor import Actor, local_actor
from casedb.clock import show_local
from casedb.errors import InvalidInput, JzError, NotFound
from console.i18n import has, language, t
from console.tui.screens import AreaScreen
from console.tui.screens.permission import department_name, error_text
from console.tui.widgets import localise_bindings
from rbac.store import load_grants, subject_of
from rbac.templates import ACCOUNT_UPDATE, TEMPLATES

PAGE_SIZE = 200
VIEW_KEYS: dict[str, str] = {"items": "i", "units": "u"}
DECISION_STYLE = {"pending": "yellow", "confirmed": "green", "revoked": "red"}
UNIT_COLUMNS = ("total", "confirmed", "revoked", "pending", "overdue", "escalated")

Parts = list[str | Content | tuple[str, str]]


# --- messages from the workers ---------------------------------------------------------


@dataclass
class Loaded(Message):
    generation: int
    view: str
    items: list[ItemView]
    units: list[UnitStatus]
    campaign: CampaignView | None
    may_start: bool
    may_close: bool


@dataclass
class LoadFailed(Message):
    generation: int
    reason: str


@dataclass
class ActionDone(Message):
    note: str


@dataclass
class ActionFailed(Message):
    reason: str


# --- pure helpers -----------------------------------------------------------------------


def role_label(role: str) -> str:
    key = f"rbac.role.{role}"
    return t(key) if has(key) else role


def decision_label(decision: str) -> str:
    key = f"review.decision.{decision}"
    return t(key) if has(key) else decision


def roles_of(item: ItemView) -> list[str]:
    """The roles the account held when the campaign started, each once, in order."""
    return list(dict.fromkeys(g[0] for g in item.grants if g))


def account_label(item: ItemView) -> str:
    if not item.full_name:
        return item.login_name
    sep = ("（", "）") if language() == "zh" else (" (", ")")
    return f"{item.login_name}{sep[0]}{item.full_name}{sep[1]}"


def campaign_text(c: CampaignView) -> str:
    dept = t("review.all_departments") if c.department == "*" else department_name(c.department)
    return t(
        "review.campaign_line",
        id=c.id,
        level=t(f"review.level.{c.level}"),
        scope=f"{c.region_code} {dept}",
        items=c.items,
        deadline=show_local(c.deadline, seconds=False),
        state=t(f"review.state.{c.state}"),
    )


# --- dialogs -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Revocation:
    reason: str
    roles: tuple[str, ...]  # () for the whole account


class RevokeDialog(ModalScreen[Revocation | None]):
    """Revoke an item: the reason (required), and the whole account or one of its roles."""

    CSS_PATH = "review.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "tui.review.bind_cancel", id="form.cancel"),
    ]

    def __init__(self, item: ItemView) -> None:
        super().__init__()
        localise_bindings(self)
        self.item = item
        self.roles = roles_of(item)

    def compose(self) -> ComposeResult:
        with Vertical(id="revoke-dialog", classes="rv-dialog") as dialog:
            dialog.border_title = t("tui.review.revoke_title")
            yield Static(
                Content.assemble(
                    t("tui.review.revoke_question", item=self.item.id),
                    (account_label(self.item), "bold"),
                ),
                classes="rv-question",
            )
            with RadioSet(id="revoke-what"):
                yield RadioButton(t("tui.review.revoke_whole"), value=True)
                for role in self.roles:
                    yield RadioButton(Text(t("tui.review.revoke_role", role=role_label(role))))
            with Horizontal(classes="rv-form-row"):
                yield Static(Content(t("tui.review.reason")), classes="rv-form-label")
                yield Input(
                    id="revoke-reason", placeholder=t("tui.review.reason_hint"), compact=True
                )
            yield Static("", id="revoke-error", classes="rv-error")
            with Horizontal(classes="rv-buttons"):
                yield Button(t("tui.review.revoke_ok"), variant="error", id="revoke-ok")
                yield Button(t("tui.review.cancel"), id="revoke-cancel")

    def on_mount(self) -> None:
        self.query_one("#revoke-error").display = False
        self.query_one("#revoke-reason", Input).focus()

    def chosen_roles(self) -> tuple[str, ...]:
        index = self.query_one("#revoke-what", RadioSet).pressed_index
        if index <= 0 or index > len(self.roles):
            return ()
        return (self.roles[index - 1],)

    @on(Input.Submitted)
    @on(Button.Pressed, "#revoke-ok")
    def _ok(self) -> None:
        try:  # the service's own check, so a refusal shows here and the reason can be fixed
            reason = validation.reason(self.query_one("#revoke-reason", Input).value, "reason")
            if not reason:
                raise InvalidInput("err.review_reason_required", field="reason")
        except JzError as exc:
            error = self.query_one("#revoke-error", Static)
            error.update(Content(error_text(exc)))
            error.display = True
            self.query_one("#revoke-reason", Input).focus()
            return
        self.dismiss(Revocation(reason, self.chosen_roles()))

    @on(Button.Pressed, "#revoke-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


@dataclass(frozen=True)
class StartForm:
    level: str
    region: str | None


class StartDialog(ModalScreen[StartForm | None]):
    """Start a campaign: the level, and the region (the province when empty)."""

    CSS_PATH = "review.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "tui.review.bind_cancel", id="form.cancel"),
    ]

    def __init__(self) -> None:
        super().__init__()
        localise_bindings(self)

    def compose(self) -> ComposeResult:
        with Vertical(id="start-dialog", classes="rv-dialog") as dialog:
            dialog.border_title = t("tui.review.start_title")
            yield Static(Content(t("tui.review.start_question")), classes="rv-question")
            with Horizontal(classes="rv-form-row"):
                yield Static(Content(t("tui.review.level")), classes="rv-form-label")
                yield Select(
                    [(t(f"review.level.{name}"), name) for name in LEVELS],
                    value="county",
                    allow_blank=False,
                    id="start-level",
                    compact=True,
                )
            with Horizontal(classes="rv-form-row"):
                yield Static(Content(t("tui.review.region")), classes="rv-form-label")
                yield Input(
                    id="start-region", placeholder=t("tui.review.region_hint"), compact=True
                )
            with Horizontal(classes="rv-buttons"):
                yield Button(t("tui.review.start_ok"), variant="primary", id="start-ok")
                yield Button(t("tui.review.cancel"), id="start-cancel")

    def on_mount(self) -> None:
        self.query_one("#start-level", Select).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#start-ok")
    def _ok(self) -> None:
        level = self.query_one("#start-level", Select).value
        region = self.query_one("#start-region", Input).value.strip()
        self.dismiss(StartForm(str(level), region or None))

    @on(Button.Pressed, "#start-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class CloseConfirm(ModalScreen[bool]):
    """Close the latest campaign: a plain yes or no."""

    CSS_PATH = "review.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "tui.review.bind_cancel", id="confirm.cancel"),
    ]

    def __init__(self, campaign: CampaignView) -> None:
        super().__init__()
        localise_bindings(self)
        self.campaign = campaign

    def compose(self) -> ComposeResult:
        with Vertical(id="close-dialog", classes="rv-dialog") as dialog:
            dialog.border_title = t("tui.review.close_title")
            yield Static(Content(campaign_text(self.campaign)), classes="rv-question")
            yield Static(Content(t("tui.review.close_question")), classes="rv-question")
            with Horizontal(classes="rv-buttons"):
                yield Button(t("tui.review.close_ok"), variant="warning", id="close-ok")
                yield Button(t("tui.review.cancel"), id="close-cancel")

    def on_mount(self) -> None:
        self.query_one("#close-ok", Button).focus()

    @on(Button.Pressed, "#close-ok")
    def _ok(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#close-cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)


# --- the screen -----------------------------------------------------------------------------


class ReviewScreen(AreaScreen):
    """复核: the accounts the signed-in reviewer decides, and the completion per unit."""

    AREA = "review"
    CSS_PATH = "review.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        *(
            Binding(key, f"view('{view}')", f"tui.review.view.{view}", id=f"review.{view}")
            for view, key in VIEW_KEYS.items()
        ),
        Binding("y", "confirm", "tui.review.bind_confirm", id="review.confirm"),
        Binding("n", "revoke", "tui.review.bind_revoke", id="review.revoke"),
        Binding("S", "start", "tui.review.bind_start", id="review.start"),
        Binding("C", "close", "tui.review.bind_close", id="review.close"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.view = "items"
        self.items: dict[int, ItemView] = {}
        self.campaign: CampaignView | None = None
        self.fetching = False  # not ``loading``: Widget.loading would cover the screen
        self.busy = False
        self.may_start = False
        self.may_close = False
        self._generation = 0
        self._highlighted: int | None = None
        self._note: Content | None = None
        self._actor: Actor | None = None

    def compose_body(self) -> ComposeResult:
        yield Static("", id="rv-views")
        yield Static("", id="rv-campaign")
        yield Static(Content(t("tui.review.loading")), id="rv-status")
        table: DataTable[Text] = DataTable(id="rv-list", cursor_type="row", zebra_stripes=True)
        yield table

    def on_mount(self) -> None:
        self._show_views()
        self.table.focus()
        self.reload()

    @property
    def table(self) -> DataTable[Text]:
        return self.query_one("#rv-list", DataTable)

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
    def current(self) -> ItemView | None:
        if self.view != "items" or self._highlighted is None:
            return None
        return self.items.get(self._highlighted)

    def _show_views(self) -> None:
        parts: Parts = [(t("tui.review.views_label"), "dim")]
        for view, key in VIEW_KEYS.items():
            label = f" {key} {t(f'tui.review.view.{view}')} "
            parts.extend([(label, "reverse bold" if view == self.view else ""), " "])
        self.query_one("#rv-views", Static).update(Content.assemble(*parts))

    # --- what the signed-in admin may do ---------------------------------------------------

    def _ready(self) -> bool:
        return self.jz.user is not None and self.writable and not self.busy

    def _may_decide(self) -> bool:
        item = self.current
        return self._ready() and item is not None and item.decision == "pending"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("confirm", "revoke"):
            return self._may_decide()
        if action == "start":
            return self._ready() and self.may_start
        if action == "close":
            c = self.campaign
            return self._ready() and self.may_close and c is not None and c.state == "open"
        return True

    # --- loading -------------------------------------------------------------------------------

    def action_view(self, view: str) -> None:
        if view not in VIEW_KEYS:
            return
        self._note = None
        if view != self.view:
            self.view = view
            self._show_views()
        self.table.focus()
        self.reload()

    def reload(self) -> None:
        self._generation += 1
        self.items.clear()
        self._highlighted = None
        table = self.table
        table.clear(columns=True)
        self.refresh_bindings()
        user = self.jz.user
        if user is None:
            self.fetching = False
            self._set_status(Content.styled(t("tui.review.sign_in_needed"), "$text-warning"))
            return
        self.fetching = True
        self._set_status(Content(t("tui.review.loading")))
        self.fetch(self._generation, user.id, self.view)

    @work(thread=True, exclusive=True, group="review-load")
    def fetch(self, generation: int, user_id: int, view: str) -> None:
        items: list[ItemView] = []
        units: list[UnitStatus] = []
        campaign: CampaignView | None = None
        try:
            with self.jz.database.read() as session:
                grants = load_grants(session, subject_of(user_id))
                try:
                    campaign = campaign_view(latest_campaign(session))
                except NotFound:
                    campaign = None
                if view == "items":
                    items = list_items(session, user_id, limit=PAGE_SIZE).items
                elif campaign is not None:
                    st = status(session, campaign.id, viewer=user_id)
                    campaign, units = st.campaign, st.units
        except Exception as exc:  # the screen says what went wrong and stays usable
            self.post_message(LoadFailed(generation, error_text(exc)))
            return
        may_start = any(
            g.role in TEMPLATES and ACCOUNT_UPDATE in TEMPLATES[g.role].actions for g in grants
        )
        may_close = campaign is not None and holds_action(
            grants, ACCOUNT_UPDATE, campaign.region_code, campaign.department
        )
        self.post_message(Loaded(generation, view, items, units, campaign, may_start, may_close))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        if message.generation != self._generation:
            return
        self.fetching = False
        self.campaign = message.campaign
        self.may_start, self.may_close = message.may_start, message.may_close
        campaign = self.query_one("#rv-campaign", Static)
        if message.campaign is None:
            campaign.update(Content.styled(t("tui.review.no_campaign"), "dim italic"))
        else:
            campaign.update(Content(campaign_text(message.campaign)))
        if message.view == "items":
            self._fill_items(message.items)
        else:
            self._fill_units(message.units)
        self.refresh_bindings()

    @on(LoadFailed)
    def _load_failed(self, message: LoadFailed) -> None:
        if message.generation != self._generation:
            return
        self.fetching = False
        text = t("tui.load_failed", reason=message.reason)
        self._set_status(Content.styled(text, "bold $text-error"))
        self.notify(text, severity="error", markup=False)

    def _fill_items(self, items: list[ItemView]) -> None:
        table = self.table
        table.add_column(t("review.col_item"), key="id", width=6)
        table.add_column(t("tui.review.col_account"), key="account", width=22)
        table.add_column(t("review.col_unit"), key="unit", width=20)
        table.add_column(t("tui.review.col_roles"), key="roles", width=20)
        table.add_column(t("review.col_decision"), key="decision", width=10)
        for item in items:
            self.items[item.id] = item
            decision = decision_label(item.decision)
            if item.overdue:
                decision += t("review.overdue_mark")
            region, _, dept = item.unit.partition("|")
            table.add_row(
                Text(str(item.id), justify="right"),
                Text(account_label(item), no_wrap=True, overflow="ellipsis"),
                Text(f"{region} {department_name(dept)}", no_wrap=True, overflow="ellipsis"),
                Text(
                    "、".join(role_label(r) for r in roles_of(item)) or "—",
                    no_wrap=True,
                    overflow="ellipsis",
                ),
                Text(decision, style=DECISION_STYLE.get(item.decision, "")),
                key=str(item.id),
            )
        if items:
            table.move_cursor(row=0)
            self._highlighted = items[0].id
            parts: Parts = [t("tui.review.items_count", n=len(items))]
        else:
            parts = [(t("review.list_empty"), "italic")]
        self._status_with_note(parts)

    def _fill_units(self, units: list[UnitStatus]) -> None:
        table = self.table
        table.add_column(t("review.col_name"), key="name", width=16)
        table.add_column(t("review.col_department"), key="department", width=10)
        for key in UNIT_COLUMNS:
            table.add_column(t(f"review.col_{key}"), key=key)
        for u in units:
            table.add_row(
                Text(u.region_name or u.region, no_wrap=True, overflow="ellipsis"),
                Text(department_name(u.department), no_wrap=True, overflow="ellipsis"),
                *(Text(str(getattr(u, key)), justify="right") for key in UNIT_COLUMNS),
                key=f"{u.region}|{u.department}",
            )
        if units:
            parts: Parts = [t("tui.review.units_count", n=len(units))]
        elif self.campaign is None:
            parts = [(t("tui.review.no_campaign"), "italic")]
        else:
            parts = [(t("review.status_empty"), "italic")]
        self._status_with_note(parts)

    def _status_with_note(self, parts: Parts) -> None:
        if self._note is not None:
            parts.extend(["  ", self._note])
        self._set_status(Content.assemble(*parts))

    def _set_status(self, content: Content) -> None:
        self.query_one("#rv-status", Static).update(content)

    @on(DataTable.RowHighlighted, "#rv-list")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        key = event.row_key.value
        if self.view == "items" and key is not None and key.isdigit():
            self._highlighted = int(key)
        self.refresh_bindings()
        item = self.current if self.view == "items" else None
        who = t("tui.person", name=item.full_name, login=item.login_name) if item else ""
        self.set_crumbs(t(f"tui.review.view.{self.view}"), who)

    # --- acting ----------------------------------------------------------------------------

    def action_confirm(self) -> None:
        item = self.current
        if not self._may_decide() or item is None:
            return
        self._start()
        self.run_decide(Decide((item.id,), "confirm"), self.actor)

    def action_revoke(self) -> None:
        item = self.current
        if not self._may_decide() or item is None:
            return
        item_id = item.id

        def given(form: Revocation | None) -> None:
            if form is not None:
                self._start()
                self.run_decide(Decide((item_id,), REVOKE, form.reason, form.roles), self.actor)

        self.app.push_screen(RevokeDialog(item), given)

    def action_start(self) -> None:
        if not (self._ready() and self.may_start):
            return

        def given(form: StartForm | None) -> None:
            if form is not None:
                self._start()
                self.run_start(form, self.actor)

        self.app.push_screen(StartDialog(), given)

    def action_close(self) -> None:
        c = self.campaign
        if not self.check_action("close", ()) or c is None:
            return
        campaign_id = c.id

        def confirmed(ok: bool | None) -> None:
            if ok:
                self._start()
                self.run_close(campaign_id, self.actor)

        self.app.push_screen(CloseConfirm(c), confirmed)

    def _start(self) -> None:
        self.busy = True
        self._note = None
        self.refresh_bindings()
        self._set_status(Content(t("tui.review.working")))

    @work(thread=True, group="review-write")
    def run_decide(self, cmd: Decide, actor: Actor) -> None:
        try:
            done = decide(cmd, self.jz.database.uow(), actor)
        except Exception as exc:
            self.post_message(ActionFailed(error_text(exc)))
            return
        notes = []
        for d in done:
            if d.change_request_id is None:
                notes.append(t("review.decided_confirmed", item=d.item_id))
            else:
                kind_key = f"change.kind.{d.change_kind}"
                notes.append(
                    t(
                        "review.decided_revoked_request",
                        item=d.item_id,
                        request=d.change_request_id,
                        kind=t(kind_key) if has(kind_key) else str(d.change_kind),
                    )
                )
        self.post_message(ActionDone(" ".join(notes)))

    @work(thread=True, group="review-write")
    def run_start(self, form: StartForm, actor: Actor) -> None:
        try:
            started = start(StartReview(form.level, form.region), self.jz.database.uow(), actor)
        except Exception as exc:
            self.post_message(ActionFailed(error_text(exc)))
            return
        notes = [t("review.started") + campaign_text(started.campaign)]
        notes.extend(t("calendar.fallback_warning", year=y) for y in started.calendar_warnings)
        self.post_message(ActionDone(" ".join(notes)))

    @work(thread=True, group="review-write")
    def run_close(self, campaign_id: int, actor: Actor) -> None:
        try:
            view = close(CampaignRef(campaign_id), self.jz.database.uow(), actor)
        except Exception as exc:
            self.post_message(ActionFailed(error_text(exc)))
            return
        self.post_message(ActionDone(t("review.closed") + campaign_text(view)))

    @on(ActionDone)
    def _action_done(self, message: ActionDone) -> None:
        self.busy = False
        self.notify(message.note, markup=False)
        self._note = Content.styled(message.note, "$text-success")
        self.reload()

    @on(ActionFailed)
    def _action_failed(self, message: ActionFailed) -> None:
        self.busy = False
        self.notify(message.reason, severity="error", markup=False)
        self._note = Content.styled(message.reason, "bold $text-error")
        self.reload()
