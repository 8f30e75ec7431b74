"""The Audit area (审计): a filterable list of audit events, the highlighted event's details
with its diff, and a verification of the whole chain with live progress.

Events come 100 at a time from ``audit_log.service.search_events`` (keyset paging on the
sequence number; the next page loads when the cursor reaches the last row), in a thread
worker that posts plain ``EventView`` rows back. Each search is itself recorded in the trail
by the service. ``v`` runs ``verify_chain`` in a thread worker; its progress callback posts
to the progress bar through ``App.call_from_thread``. Actors, reasons and diff values are
user-supplied, so everything is rendered as ``Text``/``Content`` and never parsed as markup.

Invariant 5: only audit admins read the trail. Each worker asks rbac whether the app's
signed-in user holds ``audit.read`` (the audit admin's, at ``530000000000|*``) and passes
that answer to the service as ``may_read``; the service records a refusal. Without a user or
without the right the screen shows one sentence instead of the list, and no verify key.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import DataTable, Input, ProgressBar, Static

from accounts.bootstrap import PROVINCE
from audit_log.access import ReadPolicy
from audit_log.actor import Actor, local_actor
from audit_log.search import AuditQuery, EventView, parse_filters
from audit_log.service import search_events, verify_chain
from audit_log.verify import VerifyResult
from casedb.clock import show_local
from casedb.engine import Database
from casedb.errors import InvalidInput, JzError, PermissionDenied
from console.i18n import has, language, t
from console.tui.screens import AreaScreen
from rbac.enforcer import Enforcer
from rbac.templates import ALL_DEPARTMENTS, AUDIT_READ

PAGE_SIZE = 100
FILTER_KEYS = ("actor", "action", "outcome", "region", "target", "since", "until")
MAX_FINDINGS_SHOWN = 30
OUTCOME_STYLE = {"denied": "bold red", "failed": "bold yellow"}
ROW_MARK_STYLE = {"denied": "red", "failed": "yellow"}
BAD_SEQ_STYLE = "bold white on red"


# --- messages from the workers ---------------------------------------------------------


@dataclass
class PageLoaded(Message):
    """One page of events for the filter of ``generation``; ``next_before`` when more exist."""

    generation: int
    events: list[EventView]
    next_before: int | None


@dataclass
class PageFailed(Message):
    generation: int
    reason: str


@dataclass
class ReadRefused(Message):
    """The signed-in user may not read the trail (the service recorded the refusal)."""


@dataclass
class VerifyDone(Message):
    result: VerifyResult


@dataclass
class VerifyFailed(Message):
    reason: str


# --- pure helpers (tested through the screen) ---------------------------------------------


def parse_filter(text: str, *, limit: int = PAGE_SIZE) -> AuditQuery:
    """``actor:x action:account. outcome:denied region:530102 target:kind:id`` or a bare
    action prefix, as an ``AuditQuery``; a clear ``InvalidInput`` for anything else."""
    fields: dict[str, str] = {}
    for token in text.split():
        name, sep, value = token.partition(":")
        key = name.lower() if sep else "action"
        if not sep:
            value = token
        elif key not in FILTER_KEYS:
            raise InvalidInput("tui.audit.filter_unknown", token=token, keys=", ".join(FILTER_KEYS))
        if not value:
            raise InvalidInput("tui.audit.filter_empty", token=token, key=key)
        if key in fields:
            raise InvalidInput("tui.audit.filter_twice", key=key)
        fields[key] = value
    # parse_filters checks each value (region code, outcome, dates) with a clear error.
    return parse_filters(
        since=fields.get("since"),
        until=fields.get("until"),
        actor=fields.get("actor"),
        action=fields.get("action"),
        region=fields.get("region"),
        outcome=fields.get("outcome"),
        target=fields.get("target"),
        limit=limit,
    )


def short_hash(value: str) -> str:
    return f"{value[:10]}…{value[-6:]}" if len(value) > 20 else value


def outcome_label(outcome: str) -> str:
    key = f"audit.outcome.{outcome}"
    return t(key) if has(key) else outcome


def kind_label(kind: str) -> str:
    key = f"audit.kind.{kind}"
    return t(key) if has(key) else kind


def target_label(ev: EventView) -> str:
    if ev.target_kind and ev.target_id:
        return f"{ev.target_kind}:{ev.target_id}"
    return ev.target_kind or ev.target_id


def value_text(value: Any) -> Text:
    """A diff value as plain text: None as a dim dash, strings as typed, the rest as JSON."""
    if value is None:
        return Text("—", style="dim")
    if isinstance(value, str):
        return Text(value)
    return Text(json.dumps(value, ensure_ascii=False, sort_keys=True))


def diff_renderable(diff_rows: list[tuple[str, Text, Text]]) -> Table:
    """Field / before → after, wrapping long values to the pane's width."""
    table = Table(box=None, padding=(0, 0), expand=True, header_style="dim underline")
    table.add_column(t("tui.audit.col_field"), style="bold", overflow="fold")
    table.add_column(t("tui.audit.col_before"), overflow="fold", ratio=1)
    table.add_column("", width=3, style="dim")
    table.add_column(t("tui.audit.col_after"), overflow="fold", ratio=1)
    for field, before, after in diff_rows:
        table.add_row(Text(f"{field} "), before, " → ", after)
    return table


def read_policy(db: Database, account_id: int | None) -> ReadPolicy:
    """``may_read`` for the account at the screen: its grants decide ``audit.read``; with no
    account, nobody may read. Runs in a worker (it reads the grants)."""
    if account_id is None:
        return lambda actor: False
    with db.read() as session:
        enforcer = Enforcer.for_account(session, account_id)
    return lambda actor: enforcer.decide(account_id, AUDIT_READ, PROVINCE, ALL_DEPARTMENTS).allowed


def _label(key: str) -> str:
    return f"{t(key)}：" if language() == "zh" else f"{t(key)}: "


def _first_line(exc: BaseException) -> str:
    if isinstance(exc, JzError):
        return t(exc.key, **exc.params)
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__


# --- widgets -----------------------------------------------------------------------------


class EventTable(DataTable[Text]):
    """The event list; End and Ctrl+End both go to the last row (and so to the next page)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("end", "scroll_bottom", show=False),
        Binding("home", "scroll_top", show=False),
    ]

    def __init__(self) -> None:
        super().__init__(id="audit-events", cursor_type="row", zebra_stripes=True)


class AuditScreen(AreaScreen):
    """审计: search the trail, read an event and its diff, verify the chain."""

    AREA = "audit"
    CSS_PATH = "audit.tcss"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]  # noqa: RUF012 - Textual's own
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("v", "verify", "tui.audit.bind_verify", id="audit.verify"),
        Binding("slash", "focus_filter", "tui.audit.bind_filter", id="audit.filter"),
        Binding("r", "reload", "tui.audit.bind_refresh", id="audit.refresh"),
        Binding("escape", "back", "tui.audit.bind_back", id="audit.back", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.query_filter = AuditQuery(limit=PAGE_SIZE)
        self.events: dict[int, EventView] = {}
        self.next_before: int | None = None
        self.fetching = False
        self.verifying = False
        self.last_verify: VerifyResult | None = None
        self._generation = 0
        self._detail_seq: int | None = None
        self._bad_seqs: set[int] = set()
        self._actor: Actor | None = None
        self.may_read: bool | None = None  # unknown until the first search answers
        self.diff_rows: list[tuple[str, Text, Text]] = []

    # --- layout ----------------------------------------------------------------------

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="audit-filter-row"):
            yield Static(Content(t("tui.audit.filter_label")), id="audit-filter-label")
            yield Input(placeholder=t("tui.audit.filter_placeholder"), id="audit-filter")
        yield Static(Content(t("tui.audit.loading")), id="audit-status")
        with Horizontal(id="audit-main"):
            table = EventTable()
            table.border_title = t("tui.audit.list_title")
            yield table
            with VerticalScroll(id="audit-detail") as detail:
                detail.border_title = t("tui.audit.detail_title")  # Tab to it to scroll
                yield Static(Content(t("tui.audit.no_selection")), id="audit-detail-facts")
                yield Static("", id="audit-diff-caption")
                yield Static("", id="audit-diff")
                yield Static("", id="audit-extra")
        with Vertical(id="audit-verify") as panel:
            panel.border_title = t("tui.audit.verify_title")
            yield ProgressBar(id="audit-progress", show_eta=False)
            with VerticalScroll(id="audit-verify-scroll") as scroll:
                scroll.can_focus = False
                yield Static("", id="audit-verify-result")

    def on_mount(self) -> None:
        table = self.event_table
        table.add_column(t("audit.col_seq"), key="seq")
        table.add_column(t("audit.col_at"), key="at")
        table.add_column(t("audit.col_actor"), key="actor", width=10)
        table.add_column(t("audit.col_action"), key="action", width=16)
        table.add_column(t("audit.col_target"), key="target", width=12)
        table.add_column(t("audit.col_outcome"), key="outcome")
        self.query_one("#audit-diff-caption").display = False
        self.query_one("#audit-diff").display = False
        self.query_one("#audit-verify").display = False
        user = self.jz.user
        self._actor = (
            local_actor(login=user.login_name, account_id=user.id) if user else local_actor()
        )
        table.focus()
        self.refresh_bindings()
        self.reload()

    @property
    def event_table(self) -> EventTable:
        return self.query_one(EventTable)

    @property
    def actor(self) -> Actor:
        if self._actor is None:  # pragma: no cover - set on mount
            self._actor = local_actor()
        return self._actor

    # --- searching (thread workers posting plain data back) -------------------------------

    def reload(self) -> None:
        """Start again from the newest event under the current filter."""
        self._generation += 1
        self.events.clear()
        self.next_before = None
        self._detail_seq = None
        self.event_table.clear()
        self._show_detail(None)
        self.fetching = True
        self._set_status(Content(t("tui.audit.loading")))
        self.fetch_page(self._generation, self.query_filter)

    def load_next_page(self) -> None:
        if self.fetching or self.next_before is None:
            return
        self.fetching = True
        self.fetch_page(self._generation, replace(self.query_filter, before=self.next_before))

    @property
    def _account_id(self) -> int | None:
        user = self.jz.user
        return user.id if user else None

    @work(thread=True, group="audit-page")
    def fetch_page(self, generation: int, query: AuditQuery) -> None:
        db = self.jz.database
        try:
            may_read = read_policy(db, self._account_id)
            page = search_events(db, self.actor, query, may_read=may_read)
        except PermissionDenied as exc:
            if exc.key == "err.audit_read_denied":
                self.post_message(ReadRefused())
            else:
                self.post_message(PageFailed(generation, _first_line(exc)))
            return
        except Exception as exc:  # the screen says what went wrong and stays usable
            self.post_message(PageFailed(generation, _first_line(exc)))
            return
        self.post_message(PageLoaded(generation, page.events, page.next_before))

    @on(PageLoaded)
    def _page_loaded(self, message: PageLoaded) -> None:
        if message.generation != self._generation:
            return  # the filter changed since
        self.fetching = False
        if self.may_read is not True:
            self.may_read = True
            self._show_allowed(True)
        self.next_before = message.next_before
        table = self.event_table
        first_page = table.row_count == 0
        for ev in message.events:
            if ev.seq in self.events:
                continue
            self.events[ev.seq] = ev
            table.add_row(*self._row(ev), key=str(ev.seq))
        self._show_count()
        if first_page and message.events:
            table.move_cursor(row=0)
            self._show_detail(message.events[0])

    @on(PageFailed)
    def _page_failed(self, message: PageFailed) -> None:
        if message.generation != self._generation:
            return
        self.fetching = False
        text = t("tui.load_failed", reason=message.reason)
        self._set_status(Content.styled(text, "bold $text-error"))
        self.notify(text, severity="error", markup=False)

    @on(ReadRefused)
    def _read_refused(self, message: ReadRefused) -> None:
        self.fetching = False
        self.may_read = False
        self.events.clear()
        self.next_before = None
        self.event_table.clear()
        self._show_allowed(False)
        self._set_status(Content.styled(t("tui.audit.not_audit_admin"), "bold $text-warning"))

    def _show_allowed(self, allowed: bool) -> None:
        """Without the right: the sentence alone, no list, no filter, no verification."""
        self.query_one("#audit-filter-row").display = allowed
        self.query_one("#audit-main").display = allowed
        if not allowed:
            self.query_one("#audit-verify").display = False
        self.refresh_bindings()

    def _row(self, ev: EventView) -> tuple[Text, ...]:
        mark = ROW_MARK_STYLE.get(ev.outcome, "")
        seq_style = BAD_SEQ_STYLE if ev.seq in self._bad_seqs else mark
        return (
            Text(str(ev.seq), style=seq_style, justify="right"),
            Text(show_local(ev.at), style=mark or "dim"),
            Text(ev.actor, overflow="ellipsis", no_wrap=True, style=mark),
            Text(ev.action, overflow="ellipsis", no_wrap=True, style=mark),
            Text(target_label(ev), overflow="ellipsis", no_wrap=True, style=mark),
            Text(outcome_label(ev.outcome), style=OUTCOME_STYLE.get(ev.outcome, "green")),
        )

    def _show_count(self) -> None:
        n = self.event_table.row_count
        if n == 0:
            parts: list[str | tuple[str, str]] = [(t("tui.audit.none"), "italic")]
        elif self.next_before is not None:
            parts = [t("tui.audit.loaded_more", n=n)]
        else:
            parts = [t("tui.audit.loaded_all", n=n)]
        text = self.query_one("#audit-filter", Input).value.strip()
        if text:
            parts.extend(["  ", (t("tui.audit.filter_active", filter=text), "dim")])
        self._set_status(Content.assemble(*parts))

    def _set_status(self, content: Content) -> None:
        self.query_one("#audit-status", Static).update(content)

    @on(DataTable.RowHighlighted, "#audit-events")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        key = event.row_key.value
        ev = self.events.get(int(key)) if key is not None else None
        if ev is not None and ev.seq != self._detail_seq:
            self._show_detail(ev)
        if event.cursor_row >= self.event_table.row_count - 1:
            self.load_next_page()

    # --- the filter --------------------------------------------------------------------

    @on(Input.Submitted, "#audit-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        try:
            query = parse_filter(event.value)
        except JzError as exc:
            self._set_status(Content.styled(_first_line(exc), "bold $text-error"))
            return
        self.query_filter = query
        self.reload()
        self.event_table.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Verifying and filtering are for those who may read the trail: hidden otherwise.
        if action in ("verify", "focus_filter") and self.may_read is not True:
            return False
        # While the filter has focus, "/" is typed into it: no need to offer it.
        return not (action == "focus_filter" and isinstance(self.focused, Input))

    def action_focus_filter(self) -> None:
        self.query_one("#audit-filter", Input).focus()

    def action_back(self) -> None:
        """Escape: from the filter or the details back to the list; on the list, close the
        verification panel."""
        table = self.event_table
        if not table.has_focus:
            table.focus()
        elif not self.verifying:
            self.query_one("#audit-verify").display = False

    def action_reload(self) -> None:
        self.reload()

    # --- the details pane --------------------------------------------------------------

    def _show_detail(self, ev: EventView | None) -> None:
        facts_widget = self.query_one("#audit-detail-facts", Static)
        caption = self.query_one("#audit-diff-caption", Static)
        diff_widget = self.query_one("#audit-diff", Static)
        extra = self.query_one("#audit-extra", Static)
        self.diff_rows = []
        self._detail_seq = ev.seq if ev else None
        self.set_crumbs(*((f"#{ev.seq}", ev.action) if ev else ()))
        if ev is None:
            facts_widget.update(Content(t("tui.audit.no_selection")))
            caption.display = diff_widget.display = extra.display = False
            return
        outcome_style = OUTCOME_STYLE.get(ev.outcome, "green")
        # The stored previous hash is shown once the search view carries it.
        prev_hash = str(getattr(ev, "prev_hash", "") or "")
        rows: list[tuple[str, str | Content]] = [
            ("tui.audit.seq", Content.styled(str(ev.seq), "bold")),
            ("tui.audit.at", show_local(ev.at)),
            ("tui.audit.actor", ev.actor),
            ("tui.audit.acting_as", ev.acting_as),
            ("tui.audit.host", ev.host),
            ("tui.audit.terminal", ev.terminal),
            ("tui.audit.action", ev.action),
            ("tui.audit.target", target_label(ev)),
            ("tui.audit.region", ev.region_code or ""),
            ("tui.audit.department", ev.department_code or ""),
            ("tui.audit.outcome", Content.styled(outcome_label(ev.outcome), outcome_style)),
            ("tui.audit.reason", ev.reason),
            ("tui.audit.hash", short_hash(ev.hash)),
            ("tui.audit.prev_hash", short_hash(prev_hash)),
        ]
        parts: list[str | Content | tuple[str, str]] = []
        for key, value in rows:
            if not value:
                continue
            if parts:
                parts.append("\n")
            parts.extend([(_label(key), "dim"), value])
        facts_widget.update(Content.assemble(*parts))

        changes = {k: v for k, v in ev.diff.items() if k != "_"}
        caption.display = True
        caption.update(
            Content.styled(
                t("tui.audit.diff_caption") if changes else t("tui.audit.diff_none"), "bold"
            )
        )
        diff_widget.display = bool(changes)
        for field, pair in changes.items():
            if isinstance(pair, list) and len(pair) == 2:
                before, after = pair
            else:  # not a [before, after] pair (e.g. an unreadable diff): show it as is
                before, after = None, pair
            self.diff_rows.append((field, value_text(before), value_text(after)))
        diff_widget.update(diff_renderable(self.diff_rows))
        details = ev.diff.get("_")
        extra.display = isinstance(details, dict) and bool(details)
        if isinstance(details, dict) and details:
            lines: list[str | Content | tuple[str, str]] = [
                (t("tui.audit.details_caption"), "bold")
            ]
            for k, v in details.items():
                lines.extend(["\n", (f"{k}: ", "dim"), value_text(v).plain])
            extra.update(Content.assemble(*lines))

    # --- verification -----------------------------------------------------------------------

    def action_verify(self) -> None:
        if self.may_read is not True:
            return
        if self.verifying:
            self.notify(t("tui.audit.verify_busy"), markup=False)
            return
        self.verifying = True
        panel = self.query_one("#audit-verify")
        panel.display = True
        bar = self.query_one("#audit-progress", ProgressBar)
        bar.update(total=None, progress=0)
        self.query_one("#audit-verify-result", Static).update(
            Content.styled(t("tui.audit.verify_running"), "italic")
        )
        self.run_verify()

    @work(thread=True, exclusive=True, group="audit-verify")
    def run_verify(self) -> None:
        def progress(done: int, total: int) -> None:
            self.app.call_from_thread(self._progress, done, total)

        db = self.jz.database
        try:
            may_read = read_policy(db, self._account_id)
            result = verify_chain(db, self.actor, may_read=may_read, progress=progress)
        except Exception as exc:
            self.post_message(VerifyFailed(_first_line(exc)))
            return
        self.post_message(VerifyDone(result))

    def _progress(self, done: int, total: int) -> None:
        self.query_one("#audit-progress", ProgressBar).update(total=max(total, 1), progress=done)

    @on(VerifyDone)
    def _verify_done(self, message: VerifyDone) -> None:
        self.verifying = False
        result = message.result
        self.last_verify = result
        bar = self.query_one("#audit-progress", ProgressBar)
        bar.update(total=max(result.events, 1), progress=max(result.events, 1))
        self.query_one("#audit-verify-result", Static).update(verify_content(result))
        self.query_one("#audit-verify").set_class(not result.clean, "-damaged")
        self._mark_bad({f.seq for f in result.findings if f.seq is not None})

    @on(VerifyFailed)
    def _verify_failed(self, message: VerifyFailed) -> None:
        self.verifying = False
        text = t("tui.audit.verify_failed", reason=message.reason)
        self.query_one("#audit-progress", ProgressBar).update(total=1, progress=0)
        self.query_one("#audit-verify-result", Static).update(
            Content.styled(text, "bold $text-error")
        )
        self.notify(text, severity="error", markup=False)

    def _mark_bad(self, seqs: set[int]) -> None:
        """Mark the loaded rows that verification names (and unmark the ones it no longer does)."""
        changed = self._bad_seqs ^ seqs
        self._bad_seqs = seqs
        table = self.event_table
        for seq in changed:
            ev = self.events.get(seq)
            if ev is not None:
                table.update_cell(str(seq), "seq", self._row(ev)[0])


def verify_content(result: VerifyResult) -> Content:
    """The verification's verdict: green when clean, else each finding, the first bad one
    highlighted."""
    if result.clean and result.events == 0:
        return Content.styled(t("audit.verify_empty"), "bold $text-success")
    if result.clean:
        return Content.styled(
            t(
                "audit.verify_clean",
                events=result.events,
                first=result.first_seq,
                last=result.last_seq,
                anchors=result.anchors,
                last_anchor=result.last_anchor or "-",
                tail=result.unanchored_tail,
            ),
            "bold $text-success",
        )
    first_bad = result.first_bad_seq
    parts: list[str | Content | tuple[str, str]] = [
        (t("tui.audit.verify_damaged", count=len(result.findings)), "bold $text-error"),
    ]
    if first_bad is not None:
        parts.extend(["  ", t("tui.audit.first_bad"), (str(first_bad), BAD_SEQ_STYLE)])
    for f in result.findings[:MAX_FINDINGS_SHOWN]:
        line = t("tui.audit.finding", kind=kind_label(f.kind), seq=f.seq or "-")
        detail = " ".join(f"{k}={v}" for k, v in f.detail.items())
        first = f.seq is not None and f.seq == first_bad
        parts.extend(["\n", ("▶ " if first else "  ", "bold $text-error")])
        parts.append((line, BAD_SEQ_STYLE if first else "$text-error"))
        if detail:
            parts.extend(["  ", (detail, "dim")])
    hidden = len(result.findings) - MAX_FINDINGS_SHOWN
    if hidden > 0:
        parts.extend(["\n", (t("tui.audit.findings_more", n=hidden), "dim")])
    return Content.assemble(*parts)
