"""Read-only queries of case supervision: overdue, due soon and the 10-day rule, a case with
its history, statistics and data checks (DOMAIN.md art. 21-24, seed 001).

Every query takes the *scope* it may look at: a list of ``Domain`` (a region code prefix,
whose subtree is an index range ``code BETWEEN lo AND hi``, and one department or ``*``).
``accounts.supervision`` derives it from the actor's grants; this module never widens it.
Open-case lists use the partial indexes on ``cases`` (``closed_at IS NULL``) and are keyset
paged on (time, id), so a page costs the same on the first page as on the thousandth.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    false,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Session

from casedb.clock import local_zone
from casedb.errors import InvalidInput, NotFound
from casedb.limits import PROVINCE_SUPERVISION_DAYS
from casedb.models import Account, Case, CaseEvent
from casedb.reference import DEPARTMENT_CODES
from casedb.regions import PREFIX_LEN, Level, expand, level_of
from casedb.supervision_models import SupervisionEvent, SupervisionNotice

ALL = "*"
Kind = Literal["overdue", "due_soon", "ten_day"]
KINDS: tuple[Kind, ...] = ("overdue", "due_soon", "ten_day")
OPEN = Case.closed_at.is_(None)
# Accounts that can no longer handle a case (locked is a 30-minute pause, not a leaver).
GONE_STATUSES: tuple[str, ...] = ("disabled", "archived", "suspended")
PAGE_MAX = 500
EVERY_DEPARTMENT: tuple[str, ...] = tuple(sorted(DEPARTMENT_CODES))


# --- scope ---------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Domain:
    """A region's subtree (by code prefix) × one department or all (``*``)."""

    prefix: str
    department: str = ALL

    @property
    def bounds(self) -> tuple[str, str]:
        return self.prefix.ljust(12, "0"), self.prefix.ljust(12, "9")

    def covers(self, region: str, department: str) -> bool:
        return region.startswith(self.prefix) and self.department in (ALL, department)

    def contains(self, other: Domain) -> bool:
        return other.prefix.startswith(self.prefix) and self.department in (
            ALL,
            other.department,
        )


def prefix_of(code: str) -> str:
    """The significant prefix of a 12-digit code (``530100000000`` → ``5301``)."""
    return code[: PREFIX_LEN[level_of(code)]]


def region_arg(raw: str) -> str:
    """A user's region code (``5301`` or 12 digits) as 12 digits; InvalidInput if malformed."""
    code = expand(raw)
    try:
        if code is None:
            raise ValueError(raw)
        level_of(code)
    except ValueError:
        raise InvalidInput("err.case_region_invalid", region=raw[:24]) from None
    return code


def simplify(domains: Iterable[Domain]) -> list[Domain]:
    """Drop the domains another one already contains."""
    unique = sorted(set(domains), key=lambda d: (len(d.prefix), d.department != ALL, d))
    kept: list[Domain] = []
    for d in unique:
        if not any(k.contains(d) for k in kept):
            kept.append(d)
    return kept


def narrow(domains: Iterable[Domain], region: str | None, department: str | None) -> list[Domain]:
    """The part of the scope inside ``region``'s subtree and ``department`` (None: all)."""
    want = prefix_of(region) if region else ""
    out: list[Domain] = []
    for d in domains:
        if department is not None and d.department not in (ALL, department):
            continue
        dept = department if department is not None else d.department
        if want.startswith(d.prefix):
            out.append(Domain(want, dept))
        elif d.prefix.startswith(want):
            out.append(Domain(d.prefix, dept))
    return simplify(out)


def in_scope(domains: Sequence[Domain], region_col: Any, dept_col: Any) -> ColumnElement[bool]:
    """``region BETWEEN lo AND hi [AND department = d]`` for each domain, OR-ed."""
    if not domains:
        return false()
    terms = []
    for d in domains:
        lo, hi = d.bounds
        term = region_col.between(lo, hi)
        if d.department != ALL:
            term = and_(dept_col == d.department, term)
        else:
            # Every department spelled out: the (department, region, …) indexes then serve
            # an all-department grant too (PostgreSQL: 180 → 45 ms on the province demo).
            term = and_(dept_col.in_(EVERY_DEPARTMENT), term)
        terms.append(term)
    return terms[0] if len(terms) == 1 else or_(*terms)


def case_scope(domains: Sequence[Domain]) -> ColumnElement[bool]:
    return in_scope(domains, Case.region_code, Case.department_code)


def unit_of(region: str, step_level: int) -> str:
    """The unit responsible for a step: the case's region cut to the step's level
    (county 3, township 4, village 5), as 12 digits."""
    level = Level(min(max(step_level, int(Level.PROVINCE)), int(Level.VILLAGE)))
    return region[: PREFIX_LEN[level]].ljust(12, "0")


# --- case lists ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseRow:
    id: int
    case_no: str
    region_code: str
    department_code: str
    item_code: str
    step: str
    step_level: int
    assignee_id: int | None
    assignee_login: str | None
    step_deadline: datetime | None
    created_at: datetime
    open_notices: int

    @property
    def unit_region(self) -> str:
        return unit_of(self.region_code, self.step_level)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "case_no": self.case_no,
            "region": self.region_code,
            "department": self.department_code,
            "item": self.item_code,
            "step": self.step,
            "step_level": self.step_level,
            "unit": f"{self.unit_region}|{self.department_code}",
            "assignee_id": self.assignee_id,
            "assignee": self.assignee_login,
            "step_deadline": self.step_deadline,
            "created_at": self.created_at,
            "open_notices": self.open_notices,
        }


@dataclass(frozen=True)
class CasePage:
    items: list[CaseRow]
    next_after: str | None


@dataclass(frozen=True)
class CaseFilter:
    kind: Kind = "overdue"
    item: str | None = None
    assignee_id: int | None = None
    # Narrowed within the scope already; a case number or its prefix (filter as you type).
    case_no_prefix: str | None = None


def cursor_of(at: datetime, case_id: int) -> str:
    return f"{int(at.timestamp() * 1_000_000)}:{case_id}"


def parse_cursor(raw: str) -> tuple[datetime, int]:
    try:
        micros, case_id = raw.split(":", 1)
        at = datetime.fromtimestamp(int(micros) / 1_000_000, UTC)
        return at, int(case_id)
    except (ValueError, OverflowError, OSError):
        raise InvalidInput("err.case_cursor_invalid", cursor=raw[:40]) from None


def ten_day_cutoff(now: datetime) -> datetime:
    return now - timedelta(days=PROVINCE_SUPERVISION_DAYS)


def _kind_clause(kind: Kind, now: datetime, soon_until: datetime | None) -> ColumnElement[bool]:
    if kind == "overdue":
        return Case.step_deadline < now
    if kind == "due_soon":
        until = soon_until or now
        return and_(Case.step_deadline >= now, Case.step_deadline < until)
    return Case.created_at <= ten_day_cutoff(now)


def list_cases(
    session: Session,
    domains: Sequence[Domain],
    flt: CaseFilter,
    *,
    now: datetime,
    soon_until: datetime | None = None,
    after: str | None = None,
    limit: int = 50,
) -> CasePage:
    """Open cases of one kind in the scope: overdue or due soon (oldest deadline first),
    or open past the 10-day rule (oldest first). ``after`` is the previous page's cursor."""
    if flt.kind not in KINDS:
        raise InvalidInput("err.case_kind_unknown", kind=str(flt.kind)[:16])
    limit = max(1, min(limit, PAGE_MAX))
    order_col: Any = Case.created_at if flt.kind == "ten_day" else Case.step_deadline
    q = select(
        Case.id,
        Case.case_no,
        Case.region_code,
        Case.department_code,
        Case.item_code,
        Case.step,
        Case.step_level,
        Case.assignee_id,
        Case.step_deadline,
        Case.created_at,
    ).where(OPEN, case_scope(domains), _kind_clause(flt.kind, now, soon_until))
    if flt.item is not None:
        q = q.where(Case.item_code == flt.item)
    if flt.assignee_id is not None:
        q = q.where(Case.assignee_id == flt.assignee_id)
    if flt.case_no_prefix:
        q = q.where(Case.case_no.startswith(flt.case_no_prefix, autoescape=True))
    if after is not None:
        at, last_id = parse_cursor(after)
        q = q.where(or_(order_col > at, and_(order_col == at, Case.id > last_id)))
    rows = session.execute(q.order_by(order_col, Case.id).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    ids = [r.id for r in rows]
    logins = _logins(session, {r.assignee_id for r in rows if r.assignee_id is not None})
    notices = open_notice_counts(session, ids)
    items = [
        CaseRow(
            r.id,
            r.case_no,
            r.region_code,
            r.department_code,
            r.item_code,
            r.step,
            r.step_level,
            r.assignee_id,
            logins.get(r.assignee_id or 0),
            r.step_deadline,
            r.created_at,
            notices.get(r.id, 0),
        )
        for r in rows
    ]
    nxt = None
    if more and items:
        last = items[-1]
        key = last.created_at if flt.kind == "ten_day" else last.step_deadline
        nxt = cursor_of(key, last.id) if key is not None else None
    return CasePage(items, nxt)


def matching_case_ids(
    session: Session,
    domains: Sequence[Domain],
    flt: CaseFilter,
    *,
    now: datetime,
    soon_until: datetime | None = None,
    cap: int,
) -> list[int]:
    """Every open case of the filter in the scope, up to ``cap`` + 1 (the caller refuses a
    set larger than ``cap``), in list order."""
    order_col: Any = Case.created_at if flt.kind == "ten_day" else Case.step_deadline
    q = select(Case.id).where(OPEN, case_scope(domains), _kind_clause(flt.kind, now, soon_until))
    if flt.item is not None:
        q = q.where(Case.item_code == flt.item)
    if flt.assignee_id is not None:
        q = q.where(Case.assignee_id == flt.assignee_id)
    if flt.case_no_prefix:
        q = q.where(Case.case_no.startswith(flt.case_no_prefix, autoescape=True))
    return list(session.scalars(q.order_by(order_col, Case.id).limit(cap + 1)))


def _logins(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(select(Account.id, Account.login_name).where(Account.id.in_(ids)))
    return {r.id: r.login_name for r in rows}


def open_notice_counts(session: Session, case_ids: Sequence[int]) -> dict[int, int]:
    if not case_ids:
        return {}
    rows = session.execute(
        select(SupervisionNotice.case_id, func.count())
        .where(SupervisionNotice.case_id.in_(case_ids), SupervisionNotice.closed_at.is_(None))
        .group_by(SupervisionNotice.case_id)
    )
    return {r[0]: int(r[1]) for r in rows}


# --- one case ------------------------------------------------------------------------------


@dataclass(frozen=True)
class NoticeView:
    id: int
    case_id: int
    case_no: str
    batch: str
    unit_region: str
    unit_department: str
    state: str
    reason: str
    step: str
    issued_by: int
    issued_at: datetime
    due_at: datetime
    closed_at: datetime | None
    version: int
    timeline: list[dict[str, Any]] = field(default_factory=list)

    def overdue(self, now: datetime) -> bool:
        return self.state not in ("reported", "closed") and self.due_at < now

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "case_id": self.case_id,
            "case_no": self.case_no,
            "batch": self.batch,
            "unit": f"{self.unit_region}|{self.unit_department}",
            "state": self.state,
            "reason": self.reason,
            "step": self.step,
            "issued_by": self.issued_by,
            "issued_at": self.issued_at,
            "due_at": self.due_at,
            "closed_at": self.closed_at,
            "version": self.version,
            "timeline": self.timeline,
        }


@dataclass(frozen=True)
class CaseDetail:
    case: Case
    assignee_login: str | None
    events: list[dict[str, Any]]
    notices: list[NoticeView]


def find_case(session: Session, case_no: str) -> Case:
    found = session.scalars(select(Case).where(Case.case_no == case_no.strip())).first()
    if found is None:
        raise NotFound("err.case_not_found", case=case_no.strip()[:24])
    return found


def notice_view(
    session: Session, n: SupervisionNotice, case_no: str, *, timeline: bool = True
) -> NoticeView:
    events: list[dict[str, Any]] = []
    if timeline:
        rows = session.execute(
            select(SupervisionEvent, Account.login_name)
            .outerjoin(Account, Account.id == SupervisionEvent.actor_id)
            .where(SupervisionEvent.notice_id == n.id)
            .order_by(SupervisionEvent.at, SupervisionEvent.id)
        ).all()
        events = [
            {"at": e.at, "action": e.action, "actor": login, "note": e.note} for e, login in rows
        ]
    return NoticeView(n.id, n.case_id, case_no, n.batch, n.unit_region, n.unit_department,
                      n.state, n.reason, n.step, n.issued_by, n.issued_at, n.due_at,
                      n.closed_at, n.version, events)  # fmt: skip


def case_detail(session: Session, case_no: str) -> CaseDetail:
    c = find_case(session, case_no)
    rows = session.execute(
        select(CaseEvent, Account.login_name)
        .outerjoin(Account, Account.id == CaseEvent.actor_id)
        .where(CaseEvent.case_id == c.id)
        .order_by(CaseEvent.at, CaseEvent.id)
    ).all()
    events = [
        {
            "at": e.at,
            "action": e.action,
            "step": e.step,
            "step_level": e.step_level,
            "actor": login,
            "note": e.note,
        }
        for e, login in rows
    ]
    notices = [
        notice_view(session, n, c.case_no)
        for n in session.scalars(
            select(SupervisionNotice)
            .where(SupervisionNotice.case_id == c.id)
            .order_by(SupervisionNotice.issued_at, SupervisionNotice.id)
        )
    ]
    login = _logins(session, {c.assignee_id}).get(c.assignee_id) if c.assignee_id else None
    return CaseDetail(c, login, events, notices)


def list_notices(
    session: Session,
    domains: Sequence[Domain],
    *,
    now: datetime,
    open_only: bool = True,
    overdue_only: bool = False,
    after_id: int | None = None,
    limit: int = 50,
) -> tuple[list[NoticeView], int | None]:
    """Notices addressed to units in the scope, oldest first (keyset on id)."""
    limit = max(1, min(limit, PAGE_MAX))
    q = (
        select(SupervisionNotice, Case.case_no)
        .join(Case, Case.id == SupervisionNotice.case_id)
        .where(in_scope(domains, SupervisionNotice.unit_region, SupervisionNotice.unit_department))
    )
    if open_only or overdue_only:
        q = q.where(SupervisionNotice.closed_at.is_(None))
    if overdue_only:
        q = q.where(
            SupervisionNotice.due_at < now,
            SupervisionNotice.state.in_(("issued", "handled", "resulted")),
        )
    if after_id is not None:
        q = q.where(SupervisionNotice.id > after_id)
    rows = session.execute(q.order_by(SupervisionNotice.id).limit(limit + 1)).all()
    more = len(rows) > limit
    views = [notice_view(session, n, no, timeline=False) for n, no in rows[:limit]]
    return views, (views[-1].id if more and views else None)


# --- statistics ----------------------------------------------------------------------------

DIMENSIONS: tuple[str, ...] = ("department", "item", "region", "month")


@dataclass
class StatRow:
    key: dict[str, str]
    received: int = 0
    closed: int = 0
    closed_on_time: int = 0
    overdue: int = 0
    durations: list[float] = field(default_factory=list, repr=False)

    @property
    def median_hours(self) -> float | None:
        return _quantile(self.durations, 0.5)

    @property
    def p90_hours(self) -> float | None:
        return _quantile(self.durations, 0.9)

    def as_dict(self) -> dict[str, Any]:
        med, p90 = self.median_hours, self.p90_hours
        return {
            **self.key,
            "received": self.received,
            "closed": self.closed,
            "closed_on_time": self.closed_on_time,
            "overdue": self.overdue,
            "median_hours": None if med is None else round(med, 1),
            "p90_hours": None if p90 is None else round(p90, 1),
        }


def _quantile(values: list[float], q: float) -> float | None:
    """Nearest-rank quantile of durations in seconds, as hours."""
    if not values:
        return None
    ordered = sorted(values)
    if q == 0.5 and len(ordered) % 2 == 0:
        mid = len(ordered) // 2
        return (ordered[mid - 1] + ordered[mid]) / 2 / 3600
    rank = max(1, math.ceil(q * len(ordered)))
    return ordered[rank - 1] / 3600


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """``2026-10`` as [first instant, first instant of the next month) in local time, UTC."""
    try:
        year, mon = (int(x) for x in month.strip().split("-"))
        start = datetime(year, mon, 1, tzinfo=local_zone())
    except ValueError:
        raise InvalidInput("err.case_month_invalid", month=month[:16]) from None
    end = datetime(year + (mon == 12), mon % 12 + 1, 1, tzinfo=local_zone())
    return start.astimezone(UTC), end.astimezone(UTC)


def case_stats(
    session: Session,
    domains: Sequence[Domain],
    *,
    start: datetime,
    end: datetime,
    by: Sequence[str],
    now: datetime,
    region_len: int = 4,
) -> list[StatRow]:
    """Cases received in [start, end) in the scope, grouped by ``by`` (``DIMENSIONS``;
    ``region`` cuts codes to ``region_len`` digits): received, closed, closed within the
    10-day rule, open past their step limit now, and the median and 90th percentile of the
    handling time of the closed ones. One pass over the period's rows (``ix_cases_created``)."""
    for dim in by:
        if dim not in DIMENSIONS:
            raise InvalidInput("err.case_stats_dimension", dim=dim[:16], dims=", ".join(DIMENSIONS))
    on_time = PROVINCE_SUPERVISION_DAYS * 86_400
    zone = local_zone()
    q = select(
        Case.department_code,
        Case.item_code,
        func.substr(Case.region_code, 1, region_len),
        Case.created_at,
        Case.closed_at,
        Case.step_deadline,
    ).where(Case.created_at >= start, Case.created_at < end, case_scope(domains))
    groups: dict[tuple[str, ...], StatRow] = {}
    months: dict[tuple[int, int, int], str] = {}
    for dept, item, region, created, closed, deadline in session.execute(
        q.execution_options(yield_per=20_000)
    ):
        parts: list[str] = []
        for dim in by:
            if dim == "department":
                parts.append(dept)
            elif dim == "item":
                parts.append(item)
            elif dim == "region":
                parts.append(str(region).ljust(12, "0"))
            else:
                day = (created.year, created.month, created.day)
                m = months.get(day)
                if m is None:
                    m = created.astimezone(zone).strftime("%Y-%m")
                    months[day] = m
                parts.append(m)
        key = tuple(parts)
        row = groups.get(key)
        if row is None:
            row = groups[key] = StatRow(dict(zip(by, key, strict=True)))
        row.received += 1
        if closed is not None:
            row.closed += 1
            took = (closed - created).total_seconds()
            row.durations.append(took)
            if took <= on_time:
                row.closed_on_time += 1
        elif deadline is not None and deadline < now:
            row.overdue += 1
    return [groups[k] for k in sorted(groups)]


def total_row(rows: Sequence[StatRow]) -> StatRow:
    total = StatRow({})
    for r in rows:
        total.received += r.received
        total.closed += r.closed
        total.closed_on_time += r.closed_on_time
        total.overdue += r.overdue
        total.durations.extend(r.durations)
    return total


# --- data checks (seed 001) ----------------------------------------------------------------


@dataclass
class Finding:
    check: str
    count: int
    items: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return {"check": self.check, "count": self.count, "items": self.items}


CHECKS: tuple[str, ...] = ("assigned_to_inactive", "impossible_timeline", "unit_without_handler")


def _assigned_to_inactive(session: Session, domains: Sequence[Domain], show: int) -> Finding:
    base = (
        select(
            Case.case_no, Case.region_code, Case.department_code, Account.login_name, Account.status
        )
        .join(Account, Account.id == Case.assignee_id)
        .where(OPEN, case_scope(domains), Account.status.in_(GONE_STATUSES))
    )
    count = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = session.execute(base.order_by(Case.case_no).limit(show)).all() if count else []
    items = [
        {
            "case_no": r.case_no,
            "unit": f"{r.region_code}|{r.department_code}",
            "assignee": r.login_name,
            "status": r.status,
        }
        for r in rows
    ]
    return Finding("assigned_to_inactive", int(count), items)


def _timeline_problems(now: datetime) -> list[tuple[str, ColumnElement[bool]]]:
    return [
        ("closed_before_created", Case.closed_at < Case.created_at),
        ("created_in_future", Case.created_at > now),
        ("closed_in_future", Case.closed_at > now),
        ("deadline_before_created", and_(OPEN, Case.step_deadline < Case.created_at)),
        ("open_without_deadline", and_(OPEN, Case.step_deadline.is_(None))),
        ("status_disagrees", or_(and_(OPEN, Case.status == "closed"),
                                 and_(Case.closed_at.is_not(None), Case.status != "closed"))),
    ]  # fmt: skip


def _impossible_timelines(
    session: Session, domains: Sequence[Domain], now: datetime, show: int
) -> Finding:
    problems = _timeline_problems(now)
    which = case(*[(cond, name) for name, cond in problems], else_="")
    cond = or_(*[c for _, c in problems])
    base = select(Case.case_no, Case.created_at, Case.closed_at, Case.step_deadline,
                  which.label("problem")).where(case_scope(domains), cond)  # fmt: skip
    count = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = session.execute(base.order_by(Case.case_no).limit(show)).all() if count else []
    items = [
        {
            "case_no": r.case_no,
            "problem": r.problem,
            "created_at": r.created_at,
            "closed_at": r.closed_at,
            "step_deadline": r.step_deadline,
        }
        for r in rows
    ]
    return Finding("impossible_timeline", int(count), items)


def _units_without_handler(session: Session, domains: Sequence[Domain], show: int) -> Finding:
    """Units (the case's region cut to its step's level × department) with open cases and
    no active account there or at a unit above it up to the county, which runs the cases."""
    unit_expr = case(
        (Case.step_level <= 3, func.substr(Case.region_code, 1, 6)),
        (Case.step_level == 4, func.substr(Case.region_code, 1, 9)),
        else_=Case.region_code,
    )
    rows = session.execute(
        select(unit_expr, Case.department_code, func.count())
        .where(OPEN, case_scope(domains))
        .group_by(unit_expr, Case.department_code)
    ).all()
    staffed = {
        (r[0], r[1])
        for r in session.execute(
            select(Account.region_code, Account.department_code)
            .where(Account.status == "active")
            .distinct()
        )
    }
    gaps: list[dict[str, Any]] = []
    for prefix, dept, n in rows:
        unit = str(prefix).ljust(12, "0")
        candidates = [unit] + [
            unit[:cut].ljust(12, "0") for cut in (9, 6) if len(str(prefix)) > cut
        ]
        if not any((c, dept) in staffed for c in candidates):
            gaps.append({"unit": f"{unit}|{dept}", "open_cases": int(n)})
    gaps.sort(key=lambda g: (-g["open_cases"], g["unit"]))
    return Finding("unit_without_handler", len(gaps), gaps[:show])


def data_checks(
    session: Session,
    domains: Sequence[Domain],
    *,
    now: datetime,
    only: Sequence[str] = CHECKS,
    show: int = 20,
) -> list[Finding]:
    out: list[Finding] = []
    for name in only:
        if name == "assigned_to_inactive":
            out.append(_assigned_to_inactive(session, domains, show))
        elif name == "impossible_timeline":
            out.append(_impossible_timelines(session, domains, now, show))
        elif name == "unit_without_handler":
            out.append(_units_without_handler(session, domains, show))
        else:
            raise InvalidInput("err.case_check_unknown", check=name[:32], checks=", ".join(CHECKS))
    return out


def scope_all() -> list[Domain]:
    """The whole province (tests, the bench)."""
    return [Domain("", ALL)]


def is_everything(domains: Sequence[Domain]) -> bool:
    return any(d.prefix == "" and d.department == ALL for d in domains)
