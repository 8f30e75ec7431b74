"""The Cases area (工单): overdue and due-soon work orders, the 10-day rule, supervision
notices (督办) and statistics, in the signed-in admin's scope (issue 8).

Five views, one key each: overdue (default), due soon, open longer than 10 days, the notices
in scope, and statistics. The case lists come 50 at a time from
``accounts.supervision.list_cases`` (the CLI's service: the scope is the admin's ``case.read``
grants, a region or department asked for only narrows it) in a thread worker posting plain
rows back, keyset paged; the next page loads when the cursor reaches the last row. The
filter applies as it is typed (after a short pause): ``region:5301`` or a region's name,
``dept:civil`` or a department's name, ``item:dibao`` or an item's name, ``@login`` for the
assignee, and anything else as the start of a case number.

Enter opens the case: its facts, its step history and its notices with their timelines.
``s`` issues a supervision notice on the highlighted case, or on every case of the filtered
list (its count shown, typed to confirm); ``g`` reassigns the case to a colleague of its
unit (the refused ones listed with the reason). In the notices view the responsible unit
replies (``h``: handled → result reached → result reported) and the supervising office
closes a reported notice (``c``). The statistics view shows a table (by month, department or
item; ``b`` changes it) and a chart of cases received and closed by month.

The data checks view (``k``, ``jzctl case check``) runs the three checks of
``accounts.supervision.data_checks`` in the admin's scope (narrowed by the filter's region
and department): open cases assigned to inactive accounts, impossible timelines, units with
open cases and no active handler; each check's count, then its rows (Enter on a case opens
it). The time limits view (``l``, ``jzctl case limits``) lists every item's step limits;
a provincial admin who may set them (the service's own rule: provincial supervision of the
item's department, or system configuration) edits one with ``e``
(``accounts.supervision.set_step_limit``, audited by the service).

The statistics widgets (and plotext's chart) are mounted the first time the view is shown,
not with the screen: the first list is on screen sooner.

What the admin may do is decided from their grants (read once in a worker): actions they may
not perform, and every write in read-only mode, are hidden. The services still authorise and
audit every write. Case notes, reasons and names are user-supplied: everything is rendered
as ``Text``/``Content`` and never parsed as markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar, cast

from rich.text import Text
from sqlalchemy import select
from sqlalchemy.orm import Session
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widget import AwaitMount
from textual.widgets import Button, Checkbox, DataTable, Input, OptionList, Select, Static
from textual.widgets.option_list import Option

from accounts import supervision
from accounts.bootstrap import account_id_by_login
from accounts.change_inbox import region_names
from accounts.supervision import (
    ITEM_DEPARTMENT,
    NEXT_STATE,
    PROVINCE,
    CaseQuery,
    CaseShown,
    CloseNotice,
    IssueNotice,
    Reassign,
    ReplyNotice,
    SetLimit,
    StatsQuery,
    domains_of,
    handler_problem,
    holds,
)
from audit_log.actor import Actor, local_actor
from casedb import supervision_queries as q
from casedb.engine import Database
from casedb.errors import InvalidInput, JzError
from casedb.limits import (
    NOTICE_REPLY_MAX_WORKDAYS,
    NOTICE_REPLY_WORKDAYS,
    LimitRow,
    Limits,
    check_limit,
)
from casedb.models import Account, Region
from casedb.reference import DEPARTMENTS, ITEMS
from casedb.supervision_models import LIMIT_UNITS
from console.i18n import has, language, t
from console.tui.screens import AreaScreen
from console.tui.screens.permission import department_name, error_text
from console.tui.widgets import localise_bindings
from rbac.store import Grant, load_grants, subject_of
from rbac.templates import CASE_HANDLE, CASE_READ, CASE_REASSIGN, CASE_SUPERVISE, SYSTEM_CONFIG

PAGE_SIZE = 50
DEBOUNCE_S = 0.3
STATS_MONTHS = 6
CANDIDATES_MAX = 200
# The views, their keys, and the list kind of the case views.
VIEW_KEYS: dict[str, str] = {
    "overdue": "o",
    "due_soon": "d",
    "ten_days": "t",
    "notices": "n",
    "stats": "m",
    "checks": "k",
    "limits": "l",
}
CASE_KINDS: dict[str, q.Kind] = {
    "overdue": "overdue",
    "due_soon": "due_soon",
    "ten_days": "ten_day",
}
VIEW_ALIASES = {
    "ten_day": "ten_days",
    "due": "due_soon",
    "statistics": "stats",
    "check": "checks",
    "limit": "limits",
}
# Rows shown per data check (the CLI's ``--show``); the count above them is the full one.
CHECKS_SHOW = 100
STAT_DIMENSIONS: tuple[str, ...] = ("month", "department", "item")
CHART_COLORS = ("cyan", "green")  # received, closed
FILTER_KEYS = ("region", "dept", "item", "assignee")
NOTICE_STYLE = {
    "issued": "cyan",
    "handled": "yellow",
    "resulted": "yellow",
    "reported": "green",
    "closed": "dim",
}

Parts = list[str | Content | tuple[str, str]]


def clock() -> datetime:
    """Now (the tests put a fixed clock here)."""
    return datetime.now(UTC)


# --- the filter --------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseFilterText:
    """A typed filter, parsed; a region name and a login are looked up by the worker."""

    region: str | None = None  # 12 digits
    region_name: str | None = None
    department: str | None = None
    item: str | None = None
    assignee: str | None = None  # login name
    case_no: str | None = None


def _department(value: str) -> str | None:
    low = value.lower()
    for d in DEPARTMENTS:
        if low in (d.code, d.name_zh, d.name_en.lower()):
            return d.code
    return None


def _item(value: str) -> str | None:
    low = value.lower()
    for it in ITEMS:
        if low in (it.code, it.name_zh, it.name_en.lower()):
            return it.code
    return None


def parse_filter(text: str) -> CaseFilterText:
    """``region:5301 dept:civil item:dibao @zhangsan YN2026`` (or names: ``五华区 民政 低保``)
    as a ``CaseFilterText``; a clear ``InvalidInput`` for anything else."""
    fields: dict[str, str] = {}

    def put(key: str, value: str, token: str) -> None:
        if key in fields:
            raise InvalidInput("tui.cases.filter_twice", key=key)
        if not value:
            raise InvalidInput("tui.cases.filter_empty", token=token[:40], key=key)
        fields[key] = value

    for token in text.split():
        name, sep, value = token.partition(":")
        if sep:
            key = name.lower()
            if key not in FILTER_KEYS:
                raise InvalidInput(
                    "tui.cases.filter_unknown", token=token[:40], keys=", ".join(FILTER_KEYS)
                )
            put(key, value, token)
        elif token.startswith("@"):
            put("assignee", token[1:], token)
        elif token.isdigit():
            put("region", token, token)
        elif _department(token) is not None:
            put("dept", token, token)
        elif _item(token) is not None:
            put("item", token, token)
        elif token.isascii():
            put("case_no", token.upper(), token)
        else:
            put("region_name", token, token)
    region = fields.get("region")
    region_name = None
    if region is not None and not region.isdigit():
        region, region_name = None, region
    region_name = region_name or fields.get("region_name")
    if region is not None and region_name is not None:
        raise InvalidInput("tui.cases.filter_twice", key="region")
    department = None
    if "dept" in fields:
        department = _department(fields["dept"])
        if department is None:
            raise InvalidInput(
                "tui.cases.filter_dept",
                value=fields["dept"][:20],
                codes=", ".join(d.code for d in DEPARTMENTS),
            )
    item = None
    if "item" in fields:
        item = _item(fields["item"])
        if item is None:
            raise InvalidInput("err.case_item_unknown", item=fields["item"][:32])
    return CaseFilterText(
        region=q.region_arg(region) if region is not None else None,
        region_name=region_name,
        department=department,
        item=item,
        assignee=fields.get("assignee"),
        case_no=fields.get("case_no"),
    )


def resolve_region(session: Session, name: str, grants: Sequence[Grant]) -> str:
    """A region typed by its name (or the start of it) as its code: an exact name before a
    prefix, a region inside the admin's scope before one outside it."""
    rows = session.execute(
        select(Region.code, Region.name)
        .where(Region.name.startswith(name, autoescape=True))
        .order_by(Region.level, Region.code)
        .limit(50)
    ).all()
    pool = [r for r in rows if r.name == name] or list(rows)
    domains = domains_of(grants, CASE_READ)

    def overlaps(code: str) -> bool:
        mine = q.prefix_of(code)
        return any(mine.startswith(d.prefix) or d.prefix.startswith(mine) for d in domains)

    pool = [r for r in pool if overlaps(r.code)] or pool
    if not pool:
        raise InvalidInput("tui.cases.region_unknown", name=name[:40])
    if len(pool) > 1:
        sep = "、" if language() == "zh" else ", "
        raise InvalidInput(
            "tui.cases.region_ambiguous",
            name=name[:40],
            n=len(pool),
            regions=sep.join(f"{r.name} {r.code}" for r in pool[:4]),
        )
    return str(pool[0].code)


def resolve_query(db: Database, actor: Actor, kind: q.Kind, flt: CaseFilterText) -> CaseQuery:
    """The typed filter as the service's ``CaseQuery`` (a region name, a login looked up)."""
    region = flt.region
    assignee_id = None
    if flt.region_name is not None or flt.assignee is not None:
        with db.read() as session:
            if flt.region_name is not None:
                grants = load_grants(session, subject_of(actor.account_id or 0))
                region = resolve_region(session, flt.region_name, grants)
            if flt.assignee is not None:
                assignee_id = account_id_by_login(session, flt.assignee)
    return CaseQuery(
        kind=kind,
        region=region,
        department=flt.department,
        item=flt.item,
        assignee_id=assignee_id,
        case_no_prefix=flt.case_no,
    )


# --- pure helpers ------------------------------------------------------------------------


def _label(key: str) -> str:
    return f"{t(key)}：" if language() == "zh" else f"{t(key)}: "


def item_name(code: str) -> str:
    for it in ITEMS:
        if it.code == code:
            return it.name_zh if language() == "zh" else it.name_en
    return code


def step_name(code: str) -> str:
    key = f"case.step.{code}"
    return t(key) if has(key) else code


def notice_state(state: str) -> str:
    key = f"case.notice_state.{state}"
    return t(key) if has(key) else state


def account_status(status: str) -> str:
    key = f"status.{status}"
    return t(key) if has(key) else status


def unit_word(unit: str) -> str:
    """A limit's unit in words (小时, 天, 工作日)."""
    key = f"tui.cases.unit.{unit}"
    return t(key) if has(key) else unit


def limit_text(amount: int, unit: str) -> str:
    key = f"case.limit_{unit}"
    return t(key, amount=amount) if has(key) else f"{amount} {unit}"


def action_name(action: str) -> str:
    key = f"tui.cases.action.{action}"
    return t(key) if has(key) else action


def region_label(code: str, regions: dict[str, str]) -> str:
    name = regions.get(code)
    if not name:
        return code
    return f"{name}（{code}）" if language() == "zh" else f"{name} ({code})"


def unit_label(region: str, department: str, regions: dict[str, str]) -> str:
    return f"{region_label(region, regions)} · {department_name(department)}"


def short_time(at: datetime) -> str:
    """Month, day and time (the year is in the details)."""
    return show_time(at)[5:]


def show_time(at: datetime | None) -> str:
    from casedb.clock import show_local

    return show_local(at, seconds=False) if at is not None else "—"


def span(seconds: float) -> tuple[int, int]:
    whole = int(abs(seconds))
    return whole // 86_400, whole % 86_400 // 3600


def deadline_text(deadline: datetime | None, now: datetime) -> Text:
    """The step deadline, and in words how late (red) or how long is left."""
    if deadline is None:
        return Text("—", style="dim")
    days, hours = span((now - deadline).total_seconds())
    if deadline < now:
        words = t("tui.cases.late", days=days, hours=hours)
        return Text(f"{short_time(deadline)} {words}", style="bold red", no_wrap=True)
    words = t("tui.cases.left", days=days, hours=hours)
    return Text.assemble(short_time(deadline), (f" {words}", "yellow"), no_wrap=True)


def age_text(created: datetime, now: datetime) -> Text:
    days, hours = span((now - created).total_seconds())
    words = t("tui.cases.open_for", days=days, hours=hours)
    return Text(f"{short_time(created)} {words}", style="bold red", no_wrap=True)


def notice_due_text(view: q.NoticeView, now: datetime) -> Text:
    if view.overdue(now):
        days, hours = span((now - view.due_at).total_seconds())
        words = t("tui.cases.late", days=days, hours=hours)
        return Text(f"{short_time(view.due_at)} {words}", style="bold red", no_wrap=True)
    return Text(short_time(view.due_at), no_wrap=True)


def stat_label(dim: str, value: str) -> str:
    if dim == "department":
        return department_name(value)
    if dim == "item":
        return item_name(value)
    return value


def hours(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def stats_period(now: datetime, months: int = STATS_MONTHS) -> tuple[list[str], datetime, datetime]:
    """The last ``months`` months up to this one (local time): their names, and the period."""
    from casedb.clock import local_zone

    here = now.astimezone(local_zone())
    year, month = here.year, here.month
    names: list[str] = []
    for _ in range(months):
        names.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    names.reverse()
    start, _ = q.month_bounds(names[0])
    _, end = q.month_bounds(names[-1])
    return names, start, end


# --- messages from the workers ---------------------------------------------------------


@dataclass
class RightsLoaded(Message):
    grants: list[Grant]


@dataclass
class CasesLoaded(Message):
    generation: int
    query: CaseQuery
    rows: list[q.CaseRow]
    next_after: str | None
    regions: dict[str, str]


@dataclass
class NoticesLoaded(Message):
    generation: int
    rows: list[q.NoticeView]
    next_after: int | None
    regions: dict[str, str]


@dataclass
class StatsLoaded(Message):
    generation: int
    dim: str
    months: list[str]
    by_month: list[q.StatRow]
    rows: list[q.StatRow]


@dataclass
class ChecksLoaded(Message):
    generation: int
    findings: list[q.Finding]
    regions: dict[str, str]


@dataclass
class LimitsLoaded(Message):
    generation: int
    rows: list[LimitRow]


@dataclass(frozen=True)
class CheckLine:
    """A row of the data checks view: a check's heading, a case (Enter opens it) or a unit."""

    check: str
    case_no: str | None = None


@dataclass
class PageFailed(Message):
    generation: int
    reason: str


@dataclass
class SupervisePlanned(Message):
    row: q.CaseRow
    bulk_count: int | None  # None: no bulk notice here (bulk_note says why)
    bulk_skipped: int
    bulk_note: str


@dataclass
class Candidate:
    account_id: int
    login_name: str
    full_name: str
    post: str
    problem: str | None  # why they cannot take the case, in words


@dataclass
class CandidatesLoaded(Message):
    row: q.CaseRow
    candidates: list[Candidate]


@dataclass
class ActionDone(Message):
    note: str


@dataclass
class ActionFailed(Message):
    reason: str


@dataclass(frozen=True)
class SuperviseChoice:
    reason: str
    days: int
    bulk: bool


@dataclass(frozen=True)
class ReassignChoice:
    to: int
    reason: str


def colleagues(session: Session, case_no: str, now: datetime) -> list[Candidate]:
    """Whom a case could go to: the accounts of its handler's unit (or, unassigned, of the
    units on its path in its department), each with the reason the service would refuse
    them, if any (``accounts.supervision.handler_problem``)."""
    c = q.find_case(session, case_no)
    previous = session.get(Account, c.assignee_id) if c.assignee_id is not None else None
    sel = select(Account)
    if previous is not None:
        sel = sel.where(
            Account.region_code == previous.region_code,
            Account.department_code == previous.department_code,
            Account.id != previous.id,
        )
    else:
        path = {c.region_code[:n].ljust(12, "0") for n in (2, 4, 6, 9, 12)}
        sel = sel.where(Account.department_code == c.department_code, Account.region_code.in_(path))
    out: list[Candidate] = []
    for account in session.scalars(sel.order_by(Account.login_name).limit(CANDIDATES_MAX)):
        problem = handler_problem(session, account, c.region_code, c.department_code, previous, now)
        out.append(
            Candidate(
                account.id,
                account.login_name,
                account.full_name,
                account.post or "",
                t(problem, account=account.login_name, case=c.case_no) if problem else None,
            )
        )
    out.sort(key=lambda x: (x.problem is not None, x.login_name))
    return out


# --- widgets -----------------------------------------------------------------------------


class CaseTable(DataTable[Text]):
    """The list of cases or notices; End goes to the last row (and so to the next page)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("end", "scroll_bottom", show=False),
        Binding("home", "scroll_top", show=False),
    ]

    def __init__(self) -> None:
        super().__init__(id="cs-list", cursor_type="row", zebra_stripes=True)


class CaseDetailScreen(ModalScreen[None]):
    """One case: its facts, its step history and its notices with their timelines."""

    CSS_PATH = "cases.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "tui.cases.bind_close", id="case_detail.close"),
    ]

    @dataclass
    class Loaded(Message):
        shown: CaseShown
        regions: dict[str, str]

    @dataclass
    class Failed(Message):
        reason: str

    def __init__(self, database: Database, actor: Actor, case_no: str, now: datetime) -> None:
        super().__init__()
        localise_bindings(self)
        self.database = database
        self.actor = actor
        self.case_no = case_no
        self.now = now
        self.shown: CaseShown | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="cs-detail-dialog") as dialog:
            dialog.border_title = Content(t("tui.cases.detail_title", case=self.case_no))
            with VerticalScroll(id="cs-detail-scroll"):
                yield Static(Content.styled(t("tui.cases.loading"), "dim"), id="cs-detail-facts")
                yield Static(
                    Content.styled(t("tui.cases.history"), "bold $text-accent"),
                    id="cs-history-title",
                )
                yield DataTable[Text](id="cs-history", cursor_type="row", zebra_stripes=True)
                yield Static("", id="cs-detail-notices")
            yield Static(Content.styled(t("tui.cases.detail_hint"), "dim"), id="cs-detail-hint")

    def on_mount(self) -> None:
        table = self.query_one("#cs-history", DataTable)
        table.add_column(t("case.f_at"), key="at", width=11)
        table.add_column(t("case.f_action"), key="action", width=8)
        table.add_column(t("case.f_step"), key="step", width=6)
        table.add_column(t("case.f_actor"), key="actor", width=12)
        table.add_column(t("case.f_note"), key="note")
        table.focus()
        self.load()

    @work(thread=True, group="case-detail")
    def load(self) -> None:
        try:
            shown = supervision.show_case(self.case_no, self.database, self.actor, now=self.now)
            c = shown.detail.case
            codes = {c.region_code, *(n.unit_region for n in shown.detail.notices)}
            with self.database.read() as session:
                regions = region_names(session, codes)
        except Exception as exc:
            self.post_message(self.Failed(error_text(exc)))
            return
        self.post_message(self.Loaded(shown, regions))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        self.shown = message.shown
        detail, regions = message.shown.detail, message.regions
        c = detail.case
        flags: list[str] = []
        if message.shown.overdue:
            flags.append(t("case.flag_overdue"))
        if message.shown.ten_day:
            flags.append(t("case.flag_ten_day"))
        limit = message.shown.limit
        limit_text = t(f"case.limit_{limit['unit']}", amount=limit["amount"]) if limit else "—"
        deadline: str | Content = show_time(c.step_deadline)
        if flags:
            sep = "、" if language() == "zh" else ", "
            deadline = Content.assemble(
                show_time(c.step_deadline), "  ", (sep.join(flags), "bold $text-error")
            )
        entries: list[tuple[str, str | Content]] = [
            ("case.f_case_no", Content.styled(c.case_no, "bold")),
            ("case.f_item", item_name(c.item_code)),
            ("case.f_region", region_label(c.region_code, regions)),
            ("case.f_department", department_name(c.department_code)),
            ("case.f_step", step_name(c.step)),
            ("case.f_limit", limit_text),
            ("case.f_deadline", deadline),
            ("case.f_assignee", detail.assignee_login or "—"),
            ("case.f_created", show_time(c.created_at)),
            ("case.f_closed", show_time(c.closed_at)),
        ]
        parts: Parts = []
        for key, value in entries:
            if parts:
                parts.append("\n")
            parts.extend([(_label(key), "dim"), value])
        self.query_one("#cs-detail-facts", Static).update(Content.assemble(*parts))
        table = self.query_one("#cs-history", DataTable)
        table.clear()
        for e in detail.events:
            table.add_row(
                Text(short_time(e["at"]), no_wrap=True),
                Text(action_name(e["action"]), no_wrap=True),
                Text(step_name(e["step"]), no_wrap=True),
                Text(e["actor"] or "—", no_wrap=True, overflow="ellipsis"),
                Text(e["note"] or "", no_wrap=True, overflow="ellipsis"),
            )
        self.query_one("#cs-detail-notices", Static).update(self._notices(detail.notices, regions))

    def _notices(self, notices: list[q.NoticeView], regions: dict[str, str]) -> Content:
        title = Content.styled(t("tui.cases.notices_title"), "bold $text-accent")
        if not notices:
            return Content.assemble(title, "\n", (t("tui.cases.no_notices"), "dim italic"))
        parts: Parts = [title]
        for n in notices:
            parts.extend(
                [
                    "\n",
                    (f"#{n.id} ", "bold"),
                    (notice_state(n.state), NOTICE_STYLE.get(n.state, "")),
                    "  ",
                    unit_label(n.unit_region, n.unit_department, regions),
                    "  ",
                    (t("tui.cases.due", due=show_time(n.due_at)), "dim"),
                ]
            )
            if n.overdue(self.now):
                parts.extend(["  ", (t("case.flag_overdue"), "bold $text-error")])
            for e in n.timeline:
                parts.extend(
                    [
                        "\n  ",
                        (short_time(e["at"]), "dim"),
                        "  ",
                        notice_state(e["action"]),
                        "  ",
                        (e["actor"] or "—", "dim"),
                        "  ",
                        e["note"] or "",
                    ]
                )
        return Content.assemble(*parts)

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self.query_one("#cs-detail-facts", Static).update(
            Content.styled(t("tui.load_failed", reason=message.reason), "bold $text-error")
        )

    def action_close(self) -> None:
        self.dismiss(None)


class SuperviseDialog(ModalScreen[SuperviseChoice | None]):
    """A supervision notice: on the highlighted case, or on the whole filtered list (its
    count shown and typed to confirm); the reply limit in working days and the reason."""

    CSS_PATH = "cases.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "tui.cases.bind_cancel", id="supervise.cancel"),
    ]

    def __init__(self, plan: SupervisePlanned) -> None:
        super().__init__()
        localise_bindings(self)
        self.plan = plan

    def compose(self) -> ComposeResult:
        plan = self.plan
        with Vertical(id="supervise-dialog", classes="cs-dialog") as dialog:
            dialog.border_title = t("tui.cases.supervise_title")
            yield Static(
                Content.assemble(
                    t("tui.cases.supervise_one"),
                    (plan.row.case_no, "bold"),
                    f"  {item_name(plan.row.item_code)} · {step_name(plan.row.step)}",
                ),
                id="supervise-target",
                classes="cs-question",
            )
            if plan.bulk_count is not None:
                yield Checkbox(
                    Content(
                        t(
                            "tui.cases.supervise_bulk",
                            n=plan.bulk_count,
                            skipped=plan.bulk_skipped,
                        )
                    ),
                    id="supervise-bulk",
                    compact=True,
                )
            else:
                yield Static(Content.styled(plan.bulk_note, "dim italic"), classes="cs-question")
            with Horizontal(classes="cs-form-row"):
                yield Static(Content(t("tui.cases.field_reason")), classes="cs-form-label")
                yield Input(
                    id="supervise-reason", placeholder=t("tui.cases.reason_hint"), compact=True
                )
            with Horizontal(classes="cs-form-row"):
                yield Static(Content(t("tui.cases.field_days")), classes="cs-form-label")
                yield Input(
                    str(NOTICE_REPLY_WORKDAYS),
                    id="supervise-days",
                    type="integer",
                    compact=True,
                    placeholder=t("tui.cases.days_hint", max=NOTICE_REPLY_MAX_WORKDAYS),
                )
            with Horizontal(id="supervise-confirm-row", classes="cs-form-row"):
                yield Static(Content(t("tui.cases.field_confirm")), classes="cs-form-label")
                yield Input(
                    id="supervise-confirm",
                    placeholder=t("tui.cases.confirm_hint", n=plan.bulk_count or 0),
                    compact=True,
                )
            yield Static("", id="supervise-error", classes="cs-error")
            with Horizontal(classes="cs-buttons"):
                yield Button(t("tui.cases.supervise_ok"), variant="warning", id="supervise-ok")
                yield Button(t("tui.cases.cancel"), id="supervise-cancel")

    def on_mount(self) -> None:
        self.query_one("#supervise-error").display = False
        self.query_one("#supervise-confirm-row").display = False
        self.query_one("#supervise-reason", Input).focus()

    @property
    def bulk(self) -> bool:
        found = self.query("#supervise-bulk")
        return bool(found) and cast(Checkbox, found.first()).value

    @on(Checkbox.Changed, "#supervise-bulk")
    def _bulk_changed(self) -> None:
        self.query_one("#supervise-confirm-row").display = self.bulk
        target = self.query_one("#supervise-target", Static)
        target.styles.text_style = "strike" if self.bulk else "none"

    def _error(self, text: str, focus: str) -> None:
        error = self.query_one("#supervise-error", Static)
        error.update(Content(text))
        error.display = True
        self.query_one(focus, Input).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#supervise-ok")
    def _ok(self) -> None:
        reason = self.query_one("#supervise-reason", Input).value.strip()
        if not reason:
            self._error(t("tui.cases.reason_required"), "#supervise-reason")
            return
        raw = self.query_one("#supervise-days", Input).value.strip()
        days = int(raw) if raw.isdigit() else 0
        if not 1 <= days <= NOTICE_REPLY_MAX_WORKDAYS:
            self._error(
                t("err.case_reply_days", days=raw or "—", max=NOTICE_REPLY_MAX_WORKDAYS),
                "#supervise-days",
            )
            return
        if self.bulk:
            typed = self.query_one("#supervise-confirm", Input).value.strip()
            if typed != str(self.plan.bulk_count):
                self._error(
                    t("tui.cases.confirm_mismatch", n=self.plan.bulk_count or 0),
                    "#supervise-confirm",
                )
                return
        self.dismiss(SuperviseChoice(reason, days, self.bulk))

    @on(Button.Pressed, "#supervise-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class ReassignDialog(ModalScreen[ReassignChoice | None]):
    """Reassign a case to a colleague of its unit: those who may take it can be picked, the
    others are listed greyed out with the reason."""

    CSS_PATH = "cases.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "tui.cases.bind_cancel", id="reassign.cancel"),
    ]

    def __init__(self, row: q.CaseRow, candidates: list[Candidate]) -> None:
        super().__init__()
        localise_bindings(self)
        self.row = row
        self.candidates = candidates

    def compose(self) -> ComposeResult:
        row = self.row
        with Vertical(id="reassign-dialog", classes="cs-dialog") as dialog:
            dialog.border_title = t("tui.cases.reassign_title")
            yield Static(
                Content.assemble(
                    t("tui.cases.reassign_question"),
                    (row.case_no, "bold"),
                    "  ",
                    (t("tui.cases.reassign_from", login=row.assignee_login or "—"), "dim"),
                ),
                classes="cs-question",
            )
            options: list[Option] = []
            for c in self.candidates:
                name = Content.assemble(
                    (c.login_name, "bold" if c.problem is None else "dim"),
                    (f" {c.full_name}", "" if c.problem is None else "dim"),
                    (f" {c.post}" if c.post else "", "dim"),
                )
                if c.problem is not None:
                    name = Content.assemble(name, "\n  ", (c.problem, "$text-error 80%"))
                options.append(Option(name, id=str(c.account_id), disabled=c.problem is not None))
            if not options:
                yield Static(
                    Content.styled(t("tui.cases.no_colleagues"), "$text-warning"),
                    classes="cs-question",
                )
            yield OptionList(*options, id="reassign-people", compact=True, markup=False)
            with Horizontal(classes="cs-form-row"):
                yield Static(Content(t("tui.cases.field_reason")), classes="cs-form-label")
                yield Input(
                    id="reassign-reason", placeholder=t("tui.cases.reason_hint"), compact=True
                )
            yield Static("", id="reassign-error", classes="cs-error")
            with Horizontal(classes="cs-buttons"):
                yield Button(t("tui.cases.reassign_ok"), variant="primary", id="reassign-ok")
                yield Button(t("tui.cases.cancel"), id="reassign-cancel")

    def on_mount(self) -> None:
        self.query_one("#reassign-error").display = False
        people = self.query_one("#reassign-people", OptionList)
        people.display = bool(self.candidates)
        first = next((i for i, c in enumerate(self.candidates) if c.problem is None), None)
        people.highlighted = first
        people.focus()

    @property
    def picked(self) -> Candidate | None:
        people = self.query_one("#reassign-people", OptionList)
        index = people.highlighted
        if index is None or not 0 <= index < len(self.candidates):
            return None
        return self.candidates[index]

    def _error(self, text: str) -> None:
        error = self.query_one("#reassign-error", Static)
        error.update(Content(text))
        error.display = True

    @on(OptionList.OptionSelected, "#reassign-people")
    def _selected(self) -> None:
        self.query_one("#reassign-reason", Input).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#reassign-ok")
    def _ok(self) -> None:
        picked = self.picked
        if picked is None:
            self._error(t("tui.cases.pick_someone"))
            return
        if picked.problem is not None:
            self._error(picked.problem)
            return
        reason = self.query_one("#reassign-reason", Input).value.strip()
        if not reason:
            self._error(t("tui.cases.reason_required"))
            self.query_one("#reassign-reason", Input).focus()
            return
        self.dismiss(ReassignChoice(picked.account_id, reason))

    @on(Button.Pressed, "#reassign-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class NoteDialog(ModalScreen[str | None]):
    """A unit's reply to a notice (the next stage) or the office closing it: a note,
    required where the service requires one."""

    CSS_PATH = "cases.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "tui.cases.bind_cancel", id="note.cancel"),
    ]

    def __init__(self, title: str, question: Content, ok: str, *, required: bool) -> None:
        super().__init__()
        localise_bindings(self)
        self.title_text = title
        self.question = question
        self.ok_text = ok
        self.required = required

    def compose(self) -> ComposeResult:
        with Vertical(id="note-dialog", classes="cs-dialog") as dialog:
            dialog.border_title = Content(self.title_text)
            yield Static(self.question, classes="cs-question")
            with Horizontal(classes="cs-form-row"):
                yield Static(Content(t("tui.cases.field_note")), classes="cs-form-label")
                yield Input(
                    id="note-text",
                    placeholder=t(
                        "tui.cases.note_required" if self.required else "tui.cases.note_optional"
                    ),
                    compact=True,
                )
            yield Static("", id="note-error", classes="cs-error")
            with Horizontal(classes="cs-buttons"):
                yield Button(self.ok_text, variant="primary", id="note-ok")
                yield Button(t("tui.cases.cancel"), id="note-cancel")

    def on_mount(self) -> None:
        self.query_one("#note-error").display = False
        self.query_one("#note-text", Input).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#note-ok")
    def _ok(self) -> None:
        note = self.query_one("#note-text", Input).value.strip()
        if self.required and not note:
            error = self.query_one("#note-error", Static)
            error.update(Content(t("tui.cases.note_required")))
            error.display = True
            return
        self.dismiss(note)

    @on(Button.Pressed, "#note-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class LimitDialog(ModalScreen[SetLimit | None]):
    """One step's time limit for one item: an amount and its unit (hours, calendar days or
    working days), checked as the service checks it before it is sent."""

    CSS_PATH = "cases.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "tui.cases.bind_cancel", id="case_limit.cancel"),
    ]

    def __init__(self, row: LimitRow) -> None:
        super().__init__()
        localise_bindings(self)
        self.row = row

    def compose(self) -> ComposeResult:
        row = self.row
        with Vertical(id="limit-dialog", classes="cs-dialog") as dialog:
            dialog.border_title = t("tui.cases.limit_title")
            yield Static(
                Content.assemble(
                    (item_name(row.item), "bold"),
                    " · ",
                    (step_name(row.step), "bold"),
                    "  ",
                    (t("tui.cases.limit_now", limit=limit_text(row.limit.amount, row.limit.unit)),
                     "dim"),
                ),
                id="limit-target",
                classes="cs-question",
            )  # fmt: skip
            with Horizontal(classes="cs-form-row"):
                yield Static(Content(t("tui.cases.field_amount")), classes="cs-form-label")
                yield Input(
                    str(row.limit.amount),
                    id="limit-amount",
                    type="integer",
                    compact=True,
                    placeholder=t("tui.cases.amount_hint"),
                )
            with Horizontal(classes="cs-form-row"):
                yield Static(Content(t("tui.cases.field_unit")), classes="cs-form-label")
                yield Select[str](
                    [(unit_word(u), u) for u in LIMIT_UNITS],
                    value=row.limit.unit if row.limit.unit in LIMIT_UNITS else LIMIT_UNITS[-1],
                    allow_blank=False,
                    compact=True,
                    id="limit-unit",
                )
            yield Static("", id="limit-error", classes="cs-error")
            with Horizontal(classes="cs-buttons"):
                yield Button(t("tui.cases.limit_ok"), variant="primary", id="limit-ok")
                yield Button(t("tui.cases.cancel"), id="limit-cancel")

    def on_mount(self) -> None:
        self.query_one("#limit-error").display = False
        self.query_one("#limit-amount", Input).focus()

    def _error(self, text: str) -> None:
        error = self.query_one("#limit-error", Static)
        error.update(Content(text))
        error.display = True
        self.query_one("#limit-amount", Input).focus()

    def choice(self) -> SetLimit | str:
        """The limit typed, or one sentence saying what is wrong with it."""
        raw = self.query_one("#limit-amount", Input).value.strip()
        unit = str(self.query_one("#limit-unit", Select).value)
        if not raw.isdigit():
            return t("tui.cases.amount_invalid", value=raw[:12] or "—")
        amount = int(raw)
        try:
            check_limit(self.row.item, self.row.step, amount, unit)
        except InvalidInput as exc:
            params = dict(exc.params)
            if "unit" in params:
                params["unit"] = unit_word(str(params["unit"]))
            return t(exc.key, **params)
        return SetLimit(self.row.item, self.row.step, amount, unit)

    @on(Input.Submitted)
    @on(Button.Pressed, "#limit-ok")
    def _ok(self) -> None:
        found = self.choice()
        if isinstance(found, str):
            self._error(found)
            return
        self.dismiss(found)

    @on(Button.Pressed, "#limit-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class CasesScreen(AreaScreen):
    """工单: overdue cases and the rest, a case's history, supervising and reassigning."""

    AREA = "cases"
    CSS_PATH = "cases.tcss"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]  # noqa: RUF012 - Textual's own
    BINDINGS: ClassVar[list[BindingType]] = [
        *(
            # The row of views above the list shows these keys; the footer keeps its room
            # for the actions at 80 columns.
            Binding(
                key, f"view('{view}')", f"tui.cases.view.{view}", id=f"cases.{view}", show=False
            )
            for view, key in VIEW_KEYS.items()
        ),
        Binding("slash", "focus_filter", "tui.cases.bind_filter", id="cases.filter"),
        Binding("s", "supervise", "tui.cases.bind_supervise", id="cases.supervise"),
        Binding("g", "reassign", "tui.cases.bind_reassign", id="cases.reassign"),
        Binding("h", "reply", "tui.cases.bind_reply", id="cases.reply"),
        Binding("c", "close_notice", "tui.cases.bind_close_notice", id="cases.close_notice"),
        Binding("a", "all_notices", "tui.cases.bind_all_notices", id="cases.all_notices"),
        Binding("b", "next_dimension", "tui.cases.bind_dimension", id="cases.dimension"),
        Binding("e", "set_limit", "tui.cases.bind_set_limit", id="cases.set_limit"),
        Binding("r", "reload", "tui.cases.bind_refresh", id="cases.refresh"),
        Binding("escape", "back", "tui.cases.bind_back", id="cases.back", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        with suppress(RuntimeError):  # no app running (never in the console)
            # The width's class now, as the first Resize would set it (restyling it all).
            width = self.app.size.width
            fits = [name for at, name in sorted(self.HORIZONTAL_BREAKPOINTS) if width >= at]
            self.add_class(*fits[-1:], update=False)
        self.view = "overdue"
        self.case_filter = CaseFilterText()
        self.query_now: CaseQuery | None = None  # the last list's query, resolved
        self.case_rows: dict[str, q.CaseRow] = {}
        self.notice_rows: dict[str, q.NoticeView] = {}
        self.check_lines: dict[str, CheckLine] = {}
        self.limit_rows: dict[str, LimitRow] = {}
        self.findings: list[q.Finding] = []
        self.regions: dict[str, str] = {}
        self.next_after: str | int | None = None
        self.fetching = False  # not ``loading``: Widget.loading would cover the screen
        self.busy = False
        self.grants: list[Grant] | None = None
        self.all_notices = False
        self.dimension = STAT_DIMENSIONS[0]
        self.now = clock()
        self._generation = 0
        self._highlighted: str | None = None
        self._filter_timer: Timer | None = None
        self.stats_box: Vertical | None = None  # mounted when first shown
        self.stats_table: DataTable[Text] | None = None
        self._note: Content | None = None
        self._actor: Actor | None = None
        with suppress(RuntimeError):  # no app running (never in the console)
            self._ask_first_page()

    def _ask_first_page(self) -> None:
        """Ask for the first page (and the admin's rights) as the screen is made: the query
        (the most of the time on a province's data) runs while the screen is composed,
        mounted and painted. The answers wait in the queue until the screen has mounted
        (Textual dispatches Compose and Mount before any queued message)."""
        user = self.jz.user
        if user is None:
            return
        self.load_rights(user.id)
        self._generation += 1
        self.fetching = True
        self._fetch(None)

    # --- layout ----------------------------------------------------------------------

    def compose_body(self) -> ComposeResult:
        yield Static("", id="cs-views")
        with Horizontal(id="cs-filter-row"):
            yield Static(Content(t("tui.cases.filter_label")), id="cs-filter-label")
            yield Input(placeholder=t("tui.cases.filter_placeholder"), id="cs-filter")
        yield Static(Content(t("tui.cases.loading")), id="cs-status")
        table = CaseTable()
        table.border_title = t("tui.cases.list_title")
        yield table
        # The statistics (a chart and its table) are mounted when first shown: _mount_stats.

    def on_mount(self) -> None:
        self._show_views()
        self.case_table.focus()
        if self.fetching and self._generation == 1:  # asked for as the screen was made
            self._clear_view()
            self._set_status(Content(t("tui.cases.loading")))
            return
        user = self.jz.user
        if user is not None:
            self.load_rights(user.id)
        self.reload()

    def _mount_stats(self) -> AwaitMount | None:
        """Mount the statistics view's widgets, the first time they are needed (plotext and
        a second table cost the first list's opening time otherwise); None once they are."""
        if self.stats_box is not None:
            return None
        from textual_plotext import PlotextPlot

        stats = DataTable[Text](id="cs-stats-table", cursor_type="row", zebra_stripes=True)
        stats.border_title = t("tui.cases.stats_title")
        self.stats_table = stats
        self.stats_box = Vertical(
            Vertical(Static("", id="cs-chart-legend"), PlotextPlot(id="cs-chart"),
                     id="cs-chart-box"),
            stats,
            id="cs-stats",
        )  # fmt: skip
        return self.query_one("#area-body").mount(self.stats_box)

    def _focus_list(self) -> None:
        if self.view == "stats" and self.stats_table is not None:
            self.stats_table.focus()
        else:
            self.case_table.focus()

    @property
    def case_table(self) -> CaseTable:
        return self.query_one(CaseTable)

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
    def is_case_view(self) -> bool:
        return self.view in CASE_KINDS

    @property
    def current_case(self) -> q.CaseRow | None:
        if not self.is_case_view or self._highlighted is None:
            return None
        return self.case_rows.get(self._highlighted)

    @property
    def current_notice(self) -> q.NoticeView | None:
        if self.view != "notices" or self._highlighted is None:
            return None
        return self.notice_rows.get(self._highlighted)

    @property
    def current_check_case(self) -> str | None:
        """The case number of the highlighted row of the data checks, if it is a case."""
        if self.view != "checks" or self._highlighted is None:
            return None
        line = self.check_lines.get(self._highlighted)
        return line.case_no if line is not None else None

    @property
    def current_limit(self) -> LimitRow | None:
        if self.view != "limits" or self._highlighted is None:
            return None
        return self.limit_rows.get(self._highlighted)

    def view_label(self) -> str:
        return t(f"tui.cases.view.{self.view}")

    def _show_views(self) -> None:
        # Short labels, like tabs: the seven fit a line of 80 columns in English too.
        parts: Parts = []
        for view, key in VIEW_KEYS.items():
            label = t(f"tui.cases.tab.{view}")
            if view == self.view:
                parts.append((f" {key} {label} ", "reverse bold"))
            else:
                parts.extend([" ", (key, "bold $text-accent"), f" {label} "])
        self.query_one("#cs-views", Static).update(Content.assemble(*parts))
        self.set_crumbs(self.view_label())

    # --- what the signed-in admin may do ---------------------------------------------------

    @work(thread=True, group="cases-rights")
    def load_rights(self, account_id: int) -> None:
        try:
            with self.jz.database.read() as session:
                grants = load_grants(session, subject_of(account_id))
        except Exception as exc:
            self.post_message(ActionFailed(error_text(exc)))
            return
        self.post_message(RightsLoaded(grants))

    @on(RightsLoaded)
    def _rights_loaded(self, message: RightsLoaded) -> None:
        self.grants = message.grants
        self.refresh_bindings()
        if self.view == "limits" and not self.fetching and not self.busy:
            self._show_count()  # whether this admin may change the limits

    def may(self, action: str, region: str, department: str) -> bool:
        return self.grants is not None and holds(self.grants, action, region, department)

    def _may_write(self) -> bool:
        return self.writable and self.jz.user is not None and not self.busy

    def may_set_limit(self, item: str) -> bool:
        """The service's rule for a step limit: provincial supervision of the item's
        department, or system configuration there."""
        dept = ITEM_DEPARTMENT.get(item)
        if self.grants is None or dept is None:
            return False
        return holds(self.grants, CASE_SUPERVISE, PROVINCE, dept) or holds(
            self.grants, SYSTEM_CONFIG, PROVINCE, dept
        )

    def may_close(self, notice: q.NoticeView) -> bool:
        """The office that may supervise the unit's cases (the service checks the case)."""
        if self.grants is None:
            return False
        unit = q.prefix_of(notice.unit_region)
        return any(
            (unit.startswith(d.prefix) or d.prefix.startswith(unit))
            and d.department in (q.ALL, notice.unit_department)
            for d in domains_of(self.grants, CASE_SUPERVISE)
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        match action:
            case "focus_filter":
                # While the filter has focus, "/" is typed into it.
                return not isinstance(self.focused, Input)
            case "supervise":
                row = self.current_case
                return (
                    self._may_write()
                    and row is not None
                    and self.may(CASE_SUPERVISE, row.region_code, row.department_code)
                )
            case "reassign":
                row = self.current_case
                return (
                    self._may_write()
                    and row is not None
                    and self.may(CASE_REASSIGN, row.region_code, row.department_code)
                )
            case "reply":
                notice = self.current_notice
                return (
                    self._may_write()
                    and notice is not None
                    and notice.state in NEXT_STATE
                    and (
                        self.may(CASE_HANDLE, notice.unit_region, notice.unit_department)
                        or self.may(CASE_REASSIGN, notice.unit_region, notice.unit_department)
                    )
                )
            case "close_notice":
                notice = self.current_notice
                return (
                    self._may_write()
                    and notice is not None
                    and notice.state == "reported"
                    and self.may_close(notice)
                )
            case "all_notices":
                return self.view == "notices"
            case "next_dimension":
                return self.view == "stats"
            case "set_limit":
                limit = self.current_limit
                return self._may_write() and limit is not None and self.may_set_limit(limit.item)
        return True

    # --- loading (thread workers posting plain data back) ---------------------------------

    def reload(self) -> None:
        """Start the current view again from its first row."""
        self._generation += 1
        self.now = clock()
        mounting = self._clear_view()
        if self.jz.user is None:
            self.fetching = False
            self._set_status(Content.styled(t("tui.cases.sign_in_needed"), "$text-warning"))
            return
        self.fetching = True
        self._set_status(Content(t("tui.cases.loading")))
        if mounting is None:
            self._fetch(None)
            return
        generation = self._generation

        async def fetch_once_mounted() -> None:
            await mounting
            self._focus_list()
            if generation == self._generation:
                self._fetch(None)

        self.run_worker(fetch_once_mounted(), group="cases-mount")

    def _clear_view(self) -> AwaitMount | None:
        """Empty the list and set it up for the current view (the statistics mounted the
        first time they are shown: what to wait for before filling them)."""
        self.case_rows.clear()
        self.notice_rows.clear()
        self.check_lines.clear()
        self.limit_rows.clear()
        self.next_after = None
        self._highlighted = None
        stats = self.view == "stats"
        self.case_table.display = not stats
        mounting = self._mount_stats() if stats else None
        if self.stats_box is not None:
            self.stats_box.display = stats
        self._set_columns()
        self.refresh_bindings()
        return mounting

    def load_next_page(self) -> None:
        if self.fetching or self.next_after is None or self.jz.user is None:
            return
        self.fetching = True
        self._fetch(self.next_after)

    def _fetch(self, after: str | int | None) -> None:
        if self.view in CASE_KINDS:
            kind = CASE_KINDS[self.view]
            cursor = after if isinstance(after, str) else None
            self.fetch_cases(self._generation, kind, self.case_filter, cursor, self.actor, self.now)
        elif self.view == "notices":
            after_id = after if isinstance(after, int) else None
            self.fetch_notices(self._generation, self.all_notices, after_id, self.actor, self.now)
        elif self.view == "checks":
            self.fetch_checks(self._generation, self.case_filter, self.actor, self.now)
        elif self.view == "limits":
            self.fetch_limits(self._generation, self.case_filter.item)
        else:
            self.fetch_stats(self._generation, self.dimension, self.case_filter, self.actor,
                             self.now)  # fmt: skip

    @work(thread=True, group="cases-page")
    def fetch_cases(
        self,
        generation: int,
        kind: q.Kind,
        flt: CaseFilterText,
        after: str | None,
        actor: Actor,
        now: datetime,
    ) -> None:
        db = self.jz.database
        try:
            query = resolve_query(db, actor, kind, flt)
            page = supervision.list_cases(query, db, actor, after=after, limit=PAGE_SIZE, now=now)
            with db.read() as session:
                regions = region_names(session, {r.unit_region for r in page.items})
        except Exception as exc:  # the screen says what went wrong and stays usable
            self.post_message(PageFailed(generation, error_text(exc)))
            return
        self.post_message(CasesLoaded(generation, query, page.items, page.next_after, regions))

    @work(thread=True, group="cases-page")
    def fetch_notices(
        self, generation: int, all_: bool, after: int | None, actor: Actor, now: datetime
    ) -> None:
        db = self.jz.database
        try:
            views, nxt = supervision.list_notices(
                db, actor, open_only=not all_, after_id=after, limit=PAGE_SIZE, now=now
            )
            with db.read() as session:
                regions = region_names(session, {v.unit_region for v in views})
        except Exception as exc:
            self.post_message(PageFailed(generation, error_text(exc)))
            return
        self.post_message(NoticesLoaded(generation, views, nxt, regions))

    @work(thread=True, group="cases-page")
    def fetch_stats(
        self, generation: int, dim: str, flt: CaseFilterText, actor: Actor, now: datetime
    ) -> None:
        db = self.jz.database
        try:
            query = resolve_query(db, actor, "overdue", flt)
            months, start, end = stats_period(now)

            def stats(by: str) -> list[q.StatRow]:
                asked = StatsQuery(start, end, (by,), query.region, query.department)
                return supervision.case_stats(asked, db, actor, now=now)

            by_month = stats("month")
            rows = by_month if dim == "month" else stats(dim)
        except Exception as exc:
            self.post_message(PageFailed(generation, error_text(exc)))
            return
        self.post_message(StatsLoaded(generation, dim, months, by_month, rows))

    @work(thread=True, group="cases-page")
    def fetch_checks(
        self, generation: int, flt: CaseFilterText, actor: Actor, now: datetime
    ) -> None:
        """``jzctl case check``: the same service, in the admin's scope, narrowed by the
        filter's region and department."""
        db = self.jz.database
        try:
            query = resolve_query(db, actor, "overdue", flt)
            findings = supervision.data_checks(
                db, actor, region=query.region, department=query.department,
                show=CHECKS_SHOW, now=now,
            )  # fmt: skip
            codes = {
                str(item["unit"]).partition("|")[0]
                for f in findings
                for item in f.items
                if item.get("unit")
            }
            with db.read() as session:
                regions = region_names(session, codes)
        except Exception as exc:
            self.post_message(PageFailed(generation, error_text(exc)))
            return
        self.post_message(ChecksLoaded(generation, findings, regions))

    @work(thread=True, group="cases-page")
    def fetch_limits(self, generation: int, item: str | None) -> None:
        """``jzctl case limits``: every item's step limits (or the filtered item's)."""
        try:
            with self.jz.database.read() as session:
                rows = Limits.load(session).rows(item)
        except Exception as exc:
            self.post_message(PageFailed(generation, error_text(exc)))
            return
        self.post_message(LimitsLoaded(generation, rows))

    def _set_columns(self) -> None:
        table = self.case_table
        table.clear(columns=True)
        if self.view == "checks":
            table.border_title = t("tui.cases.view.checks")
            table.add_column(t("tui.cases.col_check"), key="check", width=10)
            table.add_column(t("tui.cases.col_subject"), key="subject", width=20)
            table.add_column(t("tui.cases.col_problem"), key="problem", width=41)
            return
        if self.view == "limits":
            table.border_title = t("tui.cases.view.limits")
            table.add_column(t("case.f_item"), key="item", width=18)
            table.add_column(t("case.f_step"), key="step", width=11)
            table.add_column(t("case.f_level"), key="level", width=12)
            table.add_column(t("case.f_limit"), key="limit", width=14)
            table.add_column(t("case.f_source"), key="source", width=7)
            return
        if self.view == "notices":
            table.border_title = t("tui.cases.notices_list_title")
            table.add_column(t("tui.cases.col_notice"), key="id", width=4)
            table.add_column(t("tui.cases.col_case_no"), key="case_no", width=16)
            table.add_column(t("tui.cases.col_unit"), key="unit", width=8)
            table.add_column(t("tui.cases.col_state"), key="state", width=10)
            table.add_column(t("tui.cases.col_due"), key="due", width=23)
            table.add_column(t("tui.cases.col_reason"), key="reason", width=40)
            return
        table.border_title = t(f"tui.cases.view.{self.view}")
        # 77 columns inside the border at 80: the case number and the deadline in full.
        table.add_column(t("tui.cases.col_case_no"), key="case_no", width=16)
        table.add_column(t("tui.cases.col_item"), key="item", width=8)
        table.add_column(t("tui.cases.col_unit"), key="unit", width=8)
        table.add_column(t("tui.cases.col_step"), key="step", width=4)
        table.add_column(t("tui.cases.col_assignee"), key="assignee", width=6)
        deadline = "tui.cases.col_created" if self.view == "ten_days" else "tui.cases.col_deadline"
        table.add_column(t(deadline), key="deadline", width=23)

    @on(CasesLoaded)
    def _cases_loaded(self, message: CasesLoaded) -> None:
        if message.generation != self._generation or not self.is_case_view:
            return  # the view or the filter changed since
        self.fetching = False
        self.query_now = message.query
        self.next_after = message.next_after
        self.regions.update(message.regions)
        table = self.case_table
        first_page = table.row_count == 0
        for row in message.rows:
            key = str(row.id)
            if key in self.case_rows:
                continue
            self.case_rows[key] = row
            table.add_row(*self._case_cells(row), key=key)
        self._show_count()
        if first_page and message.rows:
            table.move_cursor(row=0)
            self._highlighted = str(message.rows[0].id)
            self.refresh_bindings()

    @on(NoticesLoaded)
    def _notices_loaded(self, message: NoticesLoaded) -> None:
        if message.generation != self._generation or self.view != "notices":
            return
        self.fetching = False
        self.next_after = message.next_after
        self.regions.update(message.regions)
        table = self.case_table
        first_page = table.row_count == 0
        for view in message.rows:
            key = str(view.id)
            if key in self.notice_rows:
                continue
            self.notice_rows[key] = view
            table.add_row(*self._notice_cells(view), key=key)
        self._show_count()
        if first_page and message.rows:
            table.move_cursor(row=0)
            self._highlighted = str(message.rows[0].id)
            self.refresh_bindings()

    @on(ChecksLoaded)
    def _checks_loaded(self, message: ChecksLoaded) -> None:
        if message.generation != self._generation or self.view != "checks":
            return
        self.fetching = False
        self.findings = message.findings
        self.regions.update(message.regions)
        table = self.case_table
        first_case: str | None = None
        for f in message.findings:
            key = f"h:{f.check}"
            self.check_lines[key] = CheckLine(f.check)
            table.add_row(*self._check_heading(f), key=key)
            for i, item in enumerate(f.items):
                key = f"i:{f.check}:{i}"
                case_no = item.get("case_no")
                line = CheckLine(f.check, str(case_no) if case_no else None)
                self.check_lines[key] = line
                table.add_row(*self._check_cells(f.check, item), key=key)
                if first_case is None and line.case_no is not None:
                    first_case = key
            if f.count > len(f.items):
                key = f"m:{f.check}"
                self.check_lines[key] = CheckLine(f.check)
                more = t("tui.cases.check_more", n=f.count - len(f.items))
                table.add_row(Text(""), Text(""), Text(more, style="dim italic"), key=key)
        self._show_count()
        if table.row_count:
            # On the first case found, so that Enter opens it; else on the first heading.
            row = table.get_row_index(first_case) if first_case is not None else 0
            table.move_cursor(row=row)
            self._highlighted = first_case or next(iter(self.check_lines))
            self.refresh_bindings()

    def _check_heading(self, f: q.Finding) -> tuple[Text, ...]:
        name = Text(t(f"tui.cases.check.{f.check}"), style="bold", no_wrap=True)
        words = (
            "tui.cases.check_units"
            if f.check == "unit_without_handler"
            else "tui.cases.check_cases"
        )
        if f.count:
            count = Text(t(words, n=f.count), style="bold red", no_wrap=True)
        else:
            count = Text(t("tui.cases.check_clean"), style="green", no_wrap=True)
        about = Text(t(f"tui.cases.check_about.{f.check}"), style="dim", no_wrap=True,
                     overflow="ellipsis")  # fmt: skip
        return name, count, about

    def _check_cells(self, check: str, item: dict[str, Any]) -> tuple[Text, ...]:
        unit_region, _, unit_dept = str(item.get("unit") or "").partition("|")
        unit = f"{self.regions.get(unit_region) or unit_region} · {department_name(unit_dept)}"
        if check == "unit_without_handler":
            subject = Text(unit, no_wrap=True, overflow="ellipsis")
            problem = t("tui.cases.check_unit_open", n=item.get("open_cases", 0))
        else:
            subject = Text(str(item.get("case_no", "")), no_wrap=True, overflow="ellipsis")
            if check == "assigned_to_inactive":
                problem = t(
                    "tui.cases.check_inactive",
                    assignee=str(item.get("assignee", "")),
                    status=account_status(str(item.get("status", ""))),
                    unit=unit,
                )
            else:
                key = f"case.problem.{item.get('problem', '')}"
                problem = t(key) if has(key) else str(item.get("problem", ""))
        return (
            Text(""),
            subject,
            Text(problem, no_wrap=True, overflow="ellipsis"),
        )

    @on(LimitsLoaded)
    def _limits_loaded(self, message: LimitsLoaded) -> None:
        if message.generation != self._generation or self.view != "limits":
            return
        self.fetching = False
        table = self.case_table
        for row in message.rows:
            key = f"{row.item}/{row.step}"
            self.limit_rows[key] = row
            table.add_row(*self._limit_cells(row), key=key)
        self._show_count()
        if message.rows:
            table.move_cursor(row=0)
            self._highlighted = f"{message.rows[0].item}/{message.rows[0].step}"
            self.refresh_bindings()

    def _limit_cells(self, row: LimitRow) -> tuple[Text, ...]:
        source = t(f"case.source.{row.source}")
        return (
            Text(item_name(row.item), no_wrap=True, overflow="ellipsis"),
            Text(step_name(row.step), no_wrap=True),
            Text(t(f"level.{row.level}"), no_wrap=True, overflow="ellipsis"),
            Text(limit_text(row.limit.amount, row.limit.unit), no_wrap=True,
                 style="bold" if row.source == "table" else ""),
            Text(source, no_wrap=True, style="cyan" if row.source == "table" else "dim"),
        )  # fmt: skip

    @on(StatsLoaded)
    def _stats_loaded(self, message: StatsLoaded) -> None:
        if message.generation != self._generation or self.view != "stats":
            return
        self.fetching = False
        self._show_chart(message.months, message.by_month)
        self._show_stats_table(message.dim, message.rows)
        ignored = self.case_filter.item or self.case_filter.assignee or self.case_filter.case_no
        parts: Parts = [
            t(
                "tui.cases.stats_period",
                start=message.months[0],
                end=message.months[-1],
                dim=t(f"case.dim.{message.dim}"),
            )
        ]
        if ignored:
            parts.extend(["  ", (t("tui.cases.stats_filter_note"), "dim")])
        self._set_status(Content.assemble(*parts))

    def _show_chart(self, months: list[str], by_month: list[q.StatRow]) -> None:
        from textual_plotext import PlotextPlot

        chart = self.query_one("#cs-chart", PlotextPlot)
        found = {r.key.get("month", ""): r for r in by_month}
        received = [found[m].received if m in found else 0 for m in months]
        closed = [found[m].closed if m in found else 0 for m in months]
        plt: Any = chart.plt
        plt.clear_data()
        plt.clear_figure()
        # Plotext counts characters, not cells: Chinese text inside the plot would break
        # its lines, so the title and the legend are drawn beside it.
        plt.multiple_bar([m[2:] for m in months], [received, closed], color=list(CHART_COLORS))
        self.query_one("#cs-chart-legend", Static).update(
            Content.assemble(
                (t("tui.cases.chart_title"), "bold"),
                "  ",
                ("██", CHART_COLORS[0]),
                f" {t('case.stat.received')}  ",
                ("██", CHART_COLORS[1]),
                f" {t('case.stat.closed')}",
            )
        )
        chart.refresh()

    def _show_stats_table(self, dim: str, rows: list[q.StatRow]) -> None:
        table = self.stats_table
        if table is None:
            return
        table.clear(columns=True)
        table.add_column(t(f"case.dim.{dim}"), key="key", width=12)
        for column in ("received", "closed", "on_time", "overdue", "median", "p90"):
            table.add_column(t(f"tui.cases.stat.{column}"), key=column, width=7)
        if not rows:
            empty = Text(t("case.stats_empty"), style="italic", no_wrap=True)
            table.add_row(empty, *(Text("") for _ in range(6)))
            return

        def cells(label: Text, r: q.StatRow) -> tuple[Text, ...]:
            overdue = Text(str(r.overdue), justify="right", style="bold red" if r.overdue else "")
            return (
                label,
                Text(str(r.received), justify="right"),
                Text(str(r.closed), justify="right"),
                Text(str(r.closed_on_time), justify="right"),
                overdue,
                Text(hours(r.median_hours), justify="right"),
                Text(hours(r.p90_hours), justify="right"),
            )

        for r in rows:
            label = Text(stat_label(dim, r.key.get(dim, "")), no_wrap=True, overflow="ellipsis")
            table.add_row(*cells(label, r))
        table.add_row(*cells(Text(t("case.total"), style="bold"), q.total_row(rows)))

    @on(PageFailed)
    def _page_failed(self, message: PageFailed) -> None:
        if message.generation != self._generation:
            return
        self.fetching = False
        text = t("tui.load_failed", reason=message.reason)
        self._set_status(Content.styled(text, "bold $text-error"))

    def _case_cells(self, row: q.CaseRow) -> tuple[Text, ...]:
        number = Text(row.case_no, no_wrap=True, overflow="ellipsis")
        if row.open_notices:
            number.append(" ●", style="yellow")
        if self.view == "ten_days":
            when = age_text(row.created_at, self.now)
        else:
            when = deadline_text(row.step_deadline, self.now)
        unit = self.regions.get(row.unit_region) or row.unit_region
        return (
            number,
            Text(item_name(row.item_code), no_wrap=True, overflow="ellipsis"),
            Text(unit, no_wrap=True, overflow="ellipsis"),
            Text(step_name(row.step), no_wrap=True),
            Text(row.assignee_login or "—", no_wrap=True, overflow="ellipsis"),
            when,
        )

    def _notice_cells(self, view: q.NoticeView) -> tuple[Text, ...]:
        unit = self.regions.get(view.unit_region) or view.unit_region
        return (
            Text(str(view.id), justify="right"),
            Text(view.case_no, no_wrap=True, overflow="ellipsis"),
            Text(unit, no_wrap=True, overflow="ellipsis"),
            Text(notice_state(view.state), style=NOTICE_STYLE.get(view.state, ""), no_wrap=True),
            notice_due_text(view, self.now),
            Text(view.reason, no_wrap=True, overflow="ellipsis"),
        )

    def _show_count(self) -> None:
        if self.view == "checks":
            self._show_checks_count()
            return
        if self.view == "limits":
            self._show_limits_count()
            return
        n = self.case_table.row_count
        if n == 0:
            key = (
                "tui.cases.notices_none"
                if self.view == "notices"
                else f"tui.cases.none_{self.view}"
            )
            parts: Parts = [(t(key), "italic")]
        elif self.next_after is not None:
            parts = [t("tui.cases.loaded_more", n=n)]
        else:
            parts = [t("tui.cases.loaded_all", n=n)]
        if self.view == "notices":
            which = "tui.cases.notices_all" if self.all_notices else "tui.cases.notices_open"
            parts.extend(["  ", (t(which), "dim")])
            if self.case_filter != CaseFilterText():
                parts.extend(["  ", (t("tui.cases.notices_filter_note"), "dim")])
        if self._note is not None:
            parts.extend(["  ", self._note])
        self._set_status(Content.assemble(*parts))

    def _show_checks_count(self) -> None:
        cases = sum(f.count for f in self.findings if f.check != "unit_without_handler")
        units = sum(f.count for f in self.findings if f.check == "unit_without_handler")
        if cases or units:
            parts: Parts = [(t("tui.cases.checks_found", cases=cases, units=units), "bold")]
        else:
            parts = [(t("tui.cases.checks_clean"), "$text-success")]
        flt = self.case_filter
        if flt.item or flt.assignee or flt.case_no:
            parts.extend(["  ", (t("tui.cases.checks_filter_note"), "dim")])
        if self._note is not None:
            parts.extend(["  ", self._note])
        self._set_status(Content.assemble(*parts))

    def _show_limits_count(self) -> None:
        rows = list(self.limit_rows.values())
        parts: Parts = [
            t("tui.cases.limits_count", n=len(rows), set=sum(r.source == "table" for r in rows))
        ]
        if self.grants is not None and not (
            self.writable and any(self.may_set_limit(r.item) for r in rows)
        ):
            parts.extend(["  ", (t("tui.cases.limits_read_only"), "dim")])
        if self._note is not None:
            parts.extend(["  ", self._note])
        self._set_status(Content.assemble(*parts))

    def _set_status(self, content: Content) -> None:
        self.query_one("#cs-status", Static).update(content)

    @on(DataTable.RowHighlighted, "#cs-list")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        key = event.row_key.value
        if key is not None and (
            key in self.case_rows
            or key in self.notice_rows
            or key in self.check_lines
            or key in self.limit_rows
        ):
            self._highlighted = key
            self.refresh_bindings()
        if event.cursor_row >= self.case_table.row_count - 1:
            self.load_next_page()

    @on(DataTable.RowSelected, "#cs-list")
    def _row_selected(self) -> None:
        if self.view == "limits":
            if self.check_action("set_limit", ()) is True:
                self.action_set_limit()
            return
        self.action_open_detail()

    # --- the filter (applied as it is typed) ------------------------------------------------

    @on(Input.Changed, "#cs-filter")
    def _filter_changed(self) -> None:
        if self._filter_timer is not None:
            self._filter_timer.stop()
        self._filter_timer = self.set_timer(DEBOUNCE_S, self.apply_filter)

    @on(Input.Submitted, "#cs-filter")
    def _filter_submitted(self) -> None:
        if self._filter_timer is not None:
            self._filter_timer.stop()
        if self.apply_filter():
            self.case_table.focus()

    def apply_filter(self) -> bool:
        text = self.query_one("#cs-filter", Input).value
        try:
            flt = parse_filter(text)
        except JzError as exc:
            self._set_status(Content.styled(error_text(exc), "bold $text-error"))
            return False
        if flt != self.case_filter:
            self.case_filter = flt
            self._note = None
            if self.view != "notices":
                self.reload()
        return True

    def action_focus_filter(self) -> None:
        self.query_one("#cs-filter", Input).focus()

    # --- navigation ------------------------------------------------------------------------

    def open_with(self, text: str) -> None:
        """Show one view (``overdue``, ``due_soon``, ``ten_days``, ``notices``, ``stats``),
        or the overdue list under a filter (a dashboard figure or a command opens it so)."""
        word = text.strip()
        view = VIEW_ALIASES.get(word, word)
        if view in VIEW_KEYS:
            if view == self.view and self.fetching:
                return  # that view's first page is on its way already (a fresh screen)
            self.action_view(view)
            return
        self.query_one("#cs-filter", Input).value = text
        if self.view not in CASE_KINDS:
            self.action_view("overdue")
        self.apply_filter()

    def action_view(self, view: str) -> None:
        if view not in VIEW_KEYS:
            return
        self._note = None
        if view != self.view:
            self.view = view
            self._show_views()
        self.reload()
        self._focus_list()

    def action_reload(self) -> None:
        self._note = None
        self.reload()

    def action_back(self) -> None:
        self._focus_list()

    def action_all_notices(self) -> None:
        self.all_notices = not self.all_notices
        self.reload()

    def action_next_dimension(self) -> None:
        i = STAT_DIMENSIONS.index(self.dimension)
        self.dimension = STAT_DIMENSIONS[(i + 1) % len(STAT_DIMENSIONS)]
        self.reload()

    def action_open_detail(self) -> None:
        row, notice = self.current_case, self.current_notice
        case_no = row.case_no if row is not None else notice.case_no if notice else None
        case_no = case_no or self.current_check_case
        if case_no is None or self.jz.user is None:
            return
        self.set_crumbs(self.view_label(), case_no)

        def closed(_: None) -> None:
            self.set_crumbs(self.view_label())

        self.app.push_screen(
            CaseDetailScreen(self.jz.database, self.actor, case_no, clock()), closed
        )

    # --- acting ----------------------------------------------------------------------------

    def _start(self) -> None:
        self.busy = True
        self._note = None
        self.refresh_bindings()
        self._set_status(Content(t("tui.cases.working")))

    def action_supervise(self) -> None:
        row = self.current_case
        if row is None or self.check_action("supervise", ()) is not True:
            return
        self._start()
        query = self.query_now
        self.plan_supervise(row, query, self.actor, clock())

    @work(thread=True, group="cases-write")
    def plan_supervise(
        self, row: q.CaseRow, query: CaseQuery | None, actor: Actor, now: datetime
    ) -> None:
        """How many cases a notice on the whole list would reach (the service's own plan)."""
        if query is None:
            self.post_message(SupervisePlanned(row, None, 0, ""))
            return
        try:
            plan = supervision.preview_notices(
                IssueNotice("", query=query), self.jz.database, actor, now=now
            )
        except Exception as exc:
            self.post_message(SupervisePlanned(row, None, 0, error_text(exc)))
            return
        count = len(plan.cases)
        if count == 0:
            note = t("tui.cases.bulk_nothing", skipped=len(plan.skipped))
            self.post_message(SupervisePlanned(row, None, 0, note))
            return
        self.post_message(SupervisePlanned(row, count, len(plan.skipped), ""))

    @on(SupervisePlanned)
    def _supervise_planned(self, message: SupervisePlanned) -> None:
        self.busy = False
        self.refresh_bindings()
        self._show_count()
        query = self.query_now

        def chosen(choice: SuperviseChoice | None) -> None:
            if choice is None:
                return
            if choice.bulk and query is not None:
                cmd = IssueNotice(choice.reason, query=query, reply_workdays=choice.days)
            else:
                cmd = IssueNotice(choice.reason, (message.row.case_no,), reply_workdays=choice.days)
            self._start()
            self.run_issue(cmd, self.actor, clock())

        self.app.push_screen(SuperviseDialog(message), chosen)

    @work(thread=True, group="cases-write")
    def run_issue(self, cmd: IssueNotice, actor: Actor, now: datetime) -> None:
        try:
            issued = supervision.issue_notices(cmd, self.jz.database.uow(), actor, now=now)
        except Exception as exc:
            self.post_message(ActionFailed(error_text(exc)))
            return
        note = t(
            "tui.cases.issued",
            n=len(issued.notices),
            skipped=len(issued.skipped),
            due=show_time(issued.due_at),
        )
        self.post_message(ActionDone(note))

    def action_reassign(self) -> None:
        row = self.current_case
        if row is None or self.check_action("reassign", ()) is not True:
            return
        self._start()
        self.load_candidates(row, clock())

    @work(thread=True, group="cases-write")
    def load_candidates(self, row: q.CaseRow, now: datetime) -> None:
        try:
            with self.jz.database.read() as session:
                found = colleagues(session, row.case_no, now)
        except Exception as exc:
            self.post_message(ActionFailed(error_text(exc)))
            return
        self.post_message(CandidatesLoaded(row, found))

    @on(CandidatesLoaded)
    def _candidates_loaded(self, message: CandidatesLoaded) -> None:
        self.busy = False
        self.refresh_bindings()
        self._show_count()
        case_no = message.row.case_no

        def chosen(choice: ReassignChoice | None) -> None:
            if choice is None:
                return
            self._start()
            self.run_reassign(Reassign((choice.to,), choice.reason, (case_no,)), self.actor)

        self.app.push_screen(ReassignDialog(message.row, message.candidates), chosen)

    @work(thread=True, group="cases-write")
    def run_reassign(self, cmd: Reassign, actor: Actor) -> None:
        try:
            plan = supervision.reassign(cmd, self.jz.database.uow(), actor, now=clock())
        except Exception as exc:
            self.post_message(ActionFailed(error_text(exc)))
            return
        case_no = plan.moves[0].case_no if plan.moves else ""
        self.post_message(ActionDone(t("tui.cases.reassigned", case=case_no)))

    def action_reply(self) -> None:
        notice = self.current_notice
        if notice is None or self.check_action("reply", ()) is not True:
            return
        stage = NEXT_STATE[notice.state]
        question = Content.assemble(
            t("tui.cases.reply_question", id=notice.id, case=notice.case_no),
            (notice_state(notice.state), NOTICE_STYLE.get(notice.state, "")),
            " → ",
            (notice_state(stage), f"bold {NOTICE_STYLE.get(stage, '')}"),
        )
        notice_id = notice.id

        def given(note: str | None) -> None:
            if note is not None:
                self._start()
                self.run_reply(ReplyNotice(notice_id, stage, note), self.actor)

        dialog = NoteDialog(
            t("tui.cases.reply_title"),
            question,
            t("tui.cases.reply_ok"),
            required=stage != "handled",
        )
        self.app.push_screen(dialog, given)

    @work(thread=True, group="cases-write")
    def run_reply(self, cmd: ReplyNotice, actor: Actor) -> None:
        try:
            view = supervision.reply_notice(cmd, self.jz.database.uow(), actor, now=clock())
        except Exception as exc:
            self.post_message(ActionFailed(error_text(exc)))
            return
        note = t("tui.cases.replied", id=view.id, state=notice_state(view.state))
        self.post_message(ActionDone(note))

    def action_close_notice(self) -> None:
        notice = self.current_notice
        if notice is None or self.check_action("close_notice", ()) is not True:
            return
        notice_id = notice.id
        question = Content.assemble(
            t("tui.cases.close_question", id=notice.id, case=notice.case_no),
        )

        def given(note: str | None) -> None:
            if note is not None:
                self._start()
                self.run_close(CloseNotice(notice_id, note), self.actor)

        dialog = NoteDialog(
            t("tui.cases.close_title"), question, t("tui.cases.close_ok"), required=False
        )
        self.app.push_screen(dialog, given)

    @work(thread=True, group="cases-write")
    def run_close(self, cmd: CloseNotice, actor: Actor) -> None:
        try:
            view = supervision.close_notice(cmd, self.jz.database.uow(), actor, now=clock())
        except Exception as exc:
            self.post_message(ActionFailed(error_text(exc)))
            return
        note = t("tui.cases.closed", id=view.id, state=notice_state(view.state))
        self.post_message(ActionDone(note))

    def action_set_limit(self) -> None:
        row = self.current_limit
        if row is None or self.check_action("set_limit", ()) is not True:
            return
        self.set_crumbs(self.view_label(), f"{item_name(row.item)} · {step_name(row.step)}")

        def chosen(cmd: SetLimit | None) -> None:
            self.set_crumbs(self.view_label())
            if cmd is None:
                return
            self._start()
            self.run_set_limit(cmd, self.actor)

        self.app.push_screen(LimitDialog(row), chosen)

    @work(thread=True, group="cases-write")
    def run_set_limit(self, cmd: SetLimit, actor: Actor) -> None:
        try:
            supervision.set_step_limit(cmd, self.jz.database.uow(), actor, now=clock())
        except Exception as exc:
            self.post_message(ActionFailed(error_text(exc)))
            return
        note = t(
            "case.limit_set",
            item=item_name(cmd.item),
            step=step_name(cmd.step),
            limit=limit_text(cmd.amount, cmd.unit),
        )
        self.post_message(ActionDone(note))

    @on(ActionDone)
    def _action_done(self, message: ActionDone) -> None:
        self.busy = False
        self.notify(message.note, markup=False)
        self.reload()
        self._note = Content.styled(message.note, "$text-success")
        self._set_status(Content.assemble(Content(t("tui.cases.loading")), "  ", self._note))

    @on(ActionFailed)
    def _action_failed(self, message: ActionFailed) -> None:
        self.busy = False
        self.notify(message.reason, severity="error", markup=False)
        self._note = Content.styled(message.reason, "bold $text-error")
        self.refresh_bindings()
        self._show_count()
