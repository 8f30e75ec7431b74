"""Annual account review (账号年度复核, issue 5): a campaign over every account at one level in
a part of the province, in which each account's reviewer confirms or revokes it.

- **Start** (``start``): whoever administers accounts over the whole scope (``account.update``
  over the scope's region × department: the system admin at the province, a coordinator admin
  over their region, a department admin over their department) opens a campaign. One item per
  account at that level in the scope that can still be used or activated (pending, active,
  locked or suspended), with a snapshot of its grants, is written with bulk Core inserts. Each
  item's reviewer is resolved by the personnel-change chain (accounts.change_chain.resolve), so
  the same person reviews an account's annual review and its change requests. The campaign's
  deadline is counted in working days (casedb.calendar). One audit event for the campaign.
- **Decide** (``decide``): the reviewer (or their deputy today; once the deadline has passed,
  also the chain's escalation one level up) confirms or revokes. Nobody decides on their own
  account (invariant 3). A decision is ``UPDATE … WHERE decision = 'pending'``: of two people
  deciding at once exactly one wins, the other gets Conflict. A revocation becomes a change
  request in the same transaction: revoking the whole account an ``offboard``, revoking some
  roles a ``modify`` with ``revokes``. The reviewer's decision *is* the chain's review step, so
  the request is filed and reviewed by the decider (two audit events, each naming the item)
  and waits for the chain's executor, who is never the decider: the unit head is not asked to
  approve twice, and separation of duties holds between reviewer and executor.
- **Escalate** (``escalate``): pending items of a campaign past its deadline are marked
  escalated (one audit event per campaign per pass); the level above may decide them.
- **Status** (``status``): per unit, total / confirmed / revoked / pending / overdue /
  escalated, limited to the units the viewer's grants reach.

Refusals are recorded in a transaction of their own and raised as PermissionDenied.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Table, and_, case, func, insert, or_, select, text, update
from sqlalchemy.orm import Session

from accounts import validation
from accounts.change_chain import Route, escalation, resolve
from accounts.changes import (
    ACTION_REVIEW,
    ACTION_SUBMIT,
    STEP_DAYS,
    SubmitChange,
    _active,
    _as,
    _audit,
    _authority,
    _new_request,
    _now,
    _refuse,
    _state_fields,
    _transition,
    _validate,
    deputised_by,
    holds_action,
    holds_role,
    run_audited,
)
from accounts.review_models import ReviewCampaign, ReviewItem
from audit_log.actor import Actor
from audit_log.chain import record
from casedb.calendar import WorkCalendar
from casedb.clock import local_zone
from casedb.engine import UnitOfWork
from casedb.errors import Conflict, InvalidInput, NotFound
from casedb.models import Account, Department, Region
from casedb.regions import Level, expand, level_of, subtree_bounds
from rbac.models import PolicyRuleRow
from rbac.store import Grant, code_prefix, load_grants, subject_of
from rbac.templates import ACCOUNT_UPDATE, ALL_DEPARTMENTS

DeadlineFor = Callable[[datetime, int], datetime]
_T = TypeVar("_T")

LEVELS: dict[str, Level] = {lv.name.lower(): lv for lv in Level}
DEFAULT_DAYS = 10
MAX_DAYS = 60
# Accounts a review looks at: all that can still be used or activated.
REVIEWABLE = ("pending", "active", "locked", "suspended")
CONFIRM, REVOKE = "confirm", "revoke"
ACTION_START = "review.start"
ACTION_DECIDE = "review.decide"
ACTION_ESCALATE = "review.escalate"
ACTION_CLOSE = "review.close"
TARGET_CAMPAIGN = "review_campaign"
TARGET_ITEM = "review_item"
# Rows per bulk insert, and account ids per grants lookup (under every backend's bind limit).
_INSERT_BATCH = 5_000
_LOOKUP_BATCH = 500
_LIST_BATCH = 500
# Above this many accounts, grants are read in one pass over the rules.
_ONE_PASS = 2_000

_CAMPAIGNS: Table = ReviewCampaign.__table__  # type: ignore[assignment]
_ITEMS: Table = ReviewItem.__table__  # type: ignore[assignment]
_RULES: Table = PolicyRuleRow.__table__  # type: ignore[assignment]

# The change chain's refusals, said about review items.
_RENAMED = {
    "err.change_own_request": "err.review_own_account",
    "err.change_not_authorised": "err.review_not_authorised",
    "err.change_actor_unusable": "err.review_actor_unusable",
}


# --- commands and views -----------------------------------------------------------------------


@dataclass(frozen=True)
class StartReview:
    """Review every account at ``level`` (province … village) under ``region_code`` (the
    province when None) in ``department`` (``*``: all); ``days`` working days to decide."""

    level: str
    region_code: str | None = None
    department: str = ALL_DEPARTMENTS
    days: int = DEFAULT_DAYS
    title: str = ""


@dataclass(frozen=True)
class Decide:
    """Confirm or revoke items. Revoking with ``revoke_roles`` revokes just those roles (a
    ``modify`` request); without, the whole account (an ``offboard`` request, whose open cases
    go to ``successors``, account ids in the person's unit)."""

    item_ids: tuple[int, ...]
    decision: str
    reason: str = ""
    revoke_roles: tuple[str, ...] = ()
    successors: tuple[int, ...] = ()


@dataclass(frozen=True)
class CampaignRef:
    campaign_id: int


@dataclass(frozen=True)
class CampaignView:
    id: int
    level: str
    region_code: str
    department: str
    year: int
    title: str
    state: str
    items: int
    started_by: int
    started_at: datetime
    deadline: datetime
    escalated_at: datetime | None
    closed_at: datetime | None


@dataclass(frozen=True)
class Started:
    campaign: CampaignView
    # Years the working-day calendar counted Monday-Friday for (say so to the user).
    calendar_warnings: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Decided:
    item_id: int
    account_id: int
    decision: str
    decided_for: int | None
    change_request_id: int | None
    change_kind: str | None


@dataclass(frozen=True)
class UnitStatus:
    region: str
    region_name: str
    department: str
    total: int
    confirmed: int
    revoked: int
    pending: int
    overdue: int
    escalated: int


@dataclass(frozen=True)
class Status:
    campaign: CampaignView
    units: list[UnitStatus]

    def totals(self) -> dict[str, int]:
        keys = ("total", "confirmed", "revoked", "pending", "overdue", "escalated")
        return {k: sum(int(getattr(u, k)) for u in self.units) for k in keys}


@dataclass(frozen=True)
class ItemView:
    id: int
    campaign_id: int
    account_id: int
    login_name: str
    full_name: str
    post: str
    unit: str
    reviewer_role: str
    reviewer_unit: str
    grants: list[list[str]]
    decision: str
    decided_by: int | None
    decided_for: int | None
    decided_at: datetime | None
    note: str
    change_request_id: int | None
    deadline: datetime
    overdue: bool
    escalated_at: datetime | None


@dataclass(frozen=True)
class Page:
    items: list[ItemView]
    next_after: int | None


@dataclass(frozen=True)
class Escalated:
    # campaign id → items escalated by this pass
    campaigns: dict[int, int]


def level_name(level: int) -> str:
    return Level(level).name.lower()


def campaign_view(c: ReviewCampaign) -> CampaignView:
    return CampaignView(
        id=c.id,
        level=level_name(c.level),
        region_code=c.region_code,
        department=c.department,
        year=c.year,
        title=c.title,
        state=c.state,
        items=c.items,
        started_by=c.started_by,
        started_at=c.started_at,
        deadline=c.deadline,
        escalated_at=c.escalated_at,
        closed_at=c.closed_at,
    )


def _campaign_fields(c: ReviewCampaign) -> dict[str, Any]:
    return {
        "level": level_name(c.level),
        "region_code": c.region_code,
        "department": c.department,
        "year": c.year,
        "title": c.title,
        "state": c.state,
        "items": c.items,
        "deadline": c.deadline,
    }


# --- running ----------------------------------------------------------------------------------


def _run(
    uow: UnitOfWork,
    actor: Actor,
    action: str,
    target_kind: str,
    target_id: str,
    body: Callable[[Session], _T],
) -> _T:
    return run_audited(uow, actor, action, target_kind, target_id, body, rename=_RENAMED)


def _usable_actor(s: Session, actor: Actor, at: datetime) -> int:
    if actor.account_id is None or _active(s, actor.account_id, at) is None:
        _refuse("err.review_actor_unusable")
    return actor.account_id


def _administers(s: Session, actor_id: int, region: str, department: str) -> None:
    """``account.update`` over the whole scope, or a refusal."""
    if not holds_action(load_grants(s, subject_of(actor_id)), ACCOUNT_UPDATE, region, department):
        _refuse("err.review_admin_not_authorised", unit=f"{region}|{department}")


def _deadline_fn(s: Session, deadline_for: DeadlineFor | None) -> tuple[DeadlineFor, set[int]]:
    """The deadline function, and the calendar's fallback years it fills as it is used."""
    if deadline_for is not None:
        return deadline_for, set()
    cal = WorkCalendar.load(s)
    return cal.add_workdays, cal.warnings


def _load_campaign(s: Session, campaign_id: int) -> ReviewCampaign:
    c = s.get(ReviewCampaign, campaign_id, populate_existing=True)
    if c is None:
        raise NotFound("err.review_campaign_not_found", campaign=str(campaign_id))
    return c


# --- start ------------------------------------------------------------------------------------


def parse_level(raw: str) -> Level:
    level = LEVELS.get(raw.strip().lower())
    if level is None:
        raise InvalidInput("err.review_level_unknown", level=raw[:20], levels=", ".join(LEVELS))
    return level


def _scope_root(s: Session, raw: str | None) -> str:
    if raw is None:
        root = s.scalar(select(Region.code).where(Region.level == int(Level.PROVINCE)))
        if root is None:
            raise NotFound("err.region_not_found", code="-")
        return str(root)
    code = expand(raw)
    if code is None or s.get(Region, code) is None:
        raise NotFound("err.region_not_found", code=raw[:20])
    return code


def _overlaps(c: ReviewCampaign, level: int, region: str, department: str) -> bool:
    if c.level != level:
        return False
    mine, theirs = code_prefix(region), code_prefix(c.region_code)
    if not (mine.startswith(theirs) or theirs.startswith(mine)):
        return False
    return ALL_DEPARTMENTS in (c.department, department) or c.department == department


def grants_by_account(s: Session, account_ids: Sequence[int]) -> dict[int, list[list[str]]]:
    """Every grant of the accounts, as sorted [role, region, department] lists, by account id.

    Many accounts: one pass over every ``g`` rule (about 0.4 s for the province's 200,000),
    keeping ours; few: IN lists on the (ptype, v0, …) index. Chunked IN lists over tens of
    thousands of accounts cost more than the one pass, and SQLite with statistics gathered
    before the rules were loaded scans the table for each chunk."""
    out: dict[int, list[list[str]]] = {}
    conn = s.connection()
    base = select(_RULES.c.v0, _RULES.c.v1, _RULES.c.v2).where(_RULES.c.ptype == "g")
    if len(account_ids) > _ONE_PASS:
        wanted = {subject_of(a) for a in account_ids}
        batches: Iterable[Any] = [
            (r for r in conn.execute(base) if r[0] in wanted),
        ]
    else:
        batches = (
            conn.execute(
                base.where(
                    _RULES.c.v0.in_([subject_of(a) for a in account_ids[i : i + _LOOKUP_BATCH]])
                )
            )
            for i in range(0, len(account_ids), _LOOKUP_BATCH)
        )
    for rows in batches:
        for subject, role, domain in rows:
            region, _, department = str(domain).partition("|")
            out.setdefault(int(str(subject)[2:]), []).append([str(role), region, department])
    for held in out.values():
        held.sort()
    return out


def _fill(s: Session, campaign: ReviewCampaign, region: str, department: str) -> int:
    """One item per reviewable account at the campaign's level in scope; returns the count."""
    lo, hi = subtree_bounds(region)
    q = (
        select(Account.id, Account.region_code, Account.department_code)
        .join(Region, Region.code == Account.region_code)
        .where(
            Account.region_code.between(lo, hi),
            Region.level == campaign.level,
            Account.status.in_(REVIEWABLE),
        )
        .order_by(Account.region_code, Account.department_code, Account.id)
    )
    if department != ALL_DEPARTMENTS:
        q = q.where(Account.department_code == department)
    accounts = s.execute(q).all()
    grants = grants_by_account(s, [a.id for a in accounts])
    routes: dict[tuple[str, str], Route] = {}
    rows: list[dict[str, Any]] = []
    for account_id, unit_region, unit_department in accounts:
        route = routes.get((unit_region, unit_department))
        if route is None:
            route = routes[(unit_region, unit_department)] = resolve(unit_region, unit_department)
        rows.append(
            {
                "campaign_id": campaign.id,
                "account_id": account_id,
                "unit_region": unit_region,
                "unit_department": unit_department,
                "reviewer_role": route.reviewer_role,
                "reviewer_unit": route.reviewer_unit,
                "grants": json.dumps(grants.get(account_id, []), separators=(",", ":")),
                "decision": "pending",
                "note": "",
            }
        )
    for i in range(0, len(rows), _INSERT_BATCH):
        s.execute(insert(_ITEMS), rows[i : i + _INSERT_BATCH])
    return len(rows)


def _serialise_starts(s: Session) -> None:
    """Two admins starting overlapping campaigns at once: the second waits, then sees the
    first. SQLite writers are serialised already; PostgreSQL takes a transaction lock."""
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text("SELECT pg_advisory_xact_lock(hashtext('jz.review.start'))"))


def start(
    cmd: StartReview,
    uow: UnitOfWork,
    actor: Actor,
    *,
    now: datetime | None = None,
    deadline_for: DeadlineFor | None = None,
) -> Started:
    """Open a campaign and its items in one transaction (see the module's docstring)."""
    at = _now(now)
    level = parse_level(cmd.level)
    if not 1 <= cmd.days <= MAX_DAYS:
        raise InvalidInput("err.review_days", low=1, high=MAX_DAYS)
    title = validation.plain_text(cmd.title, "title", 80)
    department = (cmd.department or ALL_DEPARTMENTS).strip()

    def body(s: Session) -> Started:
        region = _scope_root(s, cmd.region_code)
        if level_of(region) > level:
            raise InvalidInput(
                "err.review_scope_below_level", region=region, level=level.name.lower()
            )
        if department != ALL_DEPARTMENTS and s.get(Department, department) is None:
            raise NotFound("err.department_not_found", code=department[:16])
        actor_id = _usable_actor(s, actor, at)
        _administers(s, actor_id, region, department)
        _serialise_starts(s)
        open_ones = s.scalars(
            select(ReviewCampaign).where(
                ReviewCampaign.state == "open", ReviewCampaign.level == int(level)
            )
        )
        for other in open_ones:
            if _overlaps(other, int(level), region, department):
                raise Conflict("err.review_overlap", campaign=str(other.id))
        due, warnings = _deadline_fn(s, deadline_for)
        campaign = ReviewCampaign(
            level=int(level),
            region_code=region,
            department=department,
            year=at.astimezone(local_zone()).year,
            title=title,
            state="open",
            items=0,
            started_by=actor_id,
            started_at=at,
            deadline=due(at, cmd.days),
        )
        s.add(campaign)
        s.flush()
        count = _fill(s, campaign, region, department)
        if count == 0:
            raise InvalidInput(
                "err.review_nothing", level=level.name.lower(), unit=f"{region}|{department}"
            )
        campaign.items = count
        s.flush()
        record(
            s,
            actor,
            ACTION_START,
            target_kind=TARGET_CAMPAIGN,
            target_id=str(campaign.id),
            region=region,
            department=department,
            before=None,
            after=_campaign_fields(campaign),
            details={"days": cmd.days},
        )
        return Started(campaign_view(campaign), sorted(warnings))

    return _run(uow, actor, ACTION_START, TARGET_CAMPAIGN, cmd.region_code or "", body)


# --- decide -----------------------------------------------------------------------------------


def _item_fields(item: ReviewItem) -> dict[str, Any]:
    return {
        "decision": item.decision,
        "decided_by": item.decided_by,
        "decided_for": item.decided_for,
        "change_request_id": item.change_request_id,
    }


def _revocation(
    s: Session, account: Account, roles: Sequence[str], successors: Sequence[int]
) -> tuple[str, dict[str, Any]]:
    """The change request a revocation files: (kind, payload)."""
    if not roles:
        return "offboard", ({"successors": list(successors)} if successors else {})
    held = load_grants(s, subject_of(account.id))
    chosen = [g for g in held if g.role in roles]
    for role in roles:
        if not any(g.role == role for g in chosen):
            raise InvalidInput(
                "err.review_role_not_held", role=role[:32], account=account.login_name
            )
    revokes = [{"role": g.role, "region": g.region, "department": g.department} for g in chosen]
    return "modify", {"revokes": revokes}


def _file_request(
    s: Session,
    actor: Actor,
    audit_actor: Actor,
    who_id: int,
    acting_for: int | None,
    item: ReviewItem,
    account: Account,
    kind: str,
    payload: dict[str, Any],
    reason: str,
    at: datetime,
    due: DeadlineFor,
) -> int:
    """File the revocation as a change request already reviewed by the decider."""
    target, region, dept = _validate(s, SubmitChange(kind, account.id, reason, payload), at)
    assert target is not None
    req = _new_request(
        kind, account.id, region, dept, json.dumps(payload, ensure_ascii=False, sort_keys=True),
        reason, "", actor, at, due,
    )  # fmt: skip
    s.add(req)
    s.flush()
    origin = {"review_item": item.id, "campaign": item.campaign_id}
    _audit(s, actor, ACTION_SUBMIT, req, None, reason=reason,
           details={"kind": kind, "payload": payload, **origin})  # fmt: skip
    before = _state_fields(req)
    _transition(
        s, req, "reviewed", reviewed_by=who_id, reviewed_for=acting_for, reviewed_at=at,
        updated_at=at, deadline=due(at, STEP_DAYS),
    )  # fmt: skip
    _audit(s, audit_actor, ACTION_REVIEW, req, before,
           details={"acting_for": acting_for, **origin})  # fmt: skip
    return req.id


def _decide_one(
    s: Session,
    actor: Actor,
    item_id: int,
    cmd: Decide,
    reason: str,
    at: datetime,
    due: DeadlineFor,
) -> Decided:
    item = s.get(ReviewItem, item_id, populate_existing=True)
    if item is None:
        raise NotFound("err.review_item_not_found", item=str(item_id))
    campaign = _load_campaign(s, item.campaign_id)
    if campaign.state != "open":
        raise Conflict("err.review_closed", campaign=str(campaign.id))
    if item.decision != "pending":
        raise Conflict("err.review_already_decided", item=str(item.id))
    region, _, department = item.reviewer_unit.partition("|")
    overdue = campaign.deadline < at
    esc = escalation(resolve(item.unit_region, item.unit_department), "review") if overdue else None
    who = _authority(s, actor, item.reviewer_role, region, department, {item.account_id}, at, esc)
    account = s.get(Account, item.account_id)
    assert account is not None
    if account.status not in REVIEWABLE or (account.region_code, account.department_code) != (
        item.unit_region,
        item.unit_department,
    ):
        raise Conflict("err.review_account_changed", account=account.login_name)
    before = _item_fields(item)
    decision = "confirmed" if cmd.decision == CONFIRM else "revoked"
    claimed = s.execute(
        update(_ITEMS)
        .where(_ITEMS.c.id == item.id, _ITEMS.c.decision == "pending")
        .values(
            decision=decision,
            decided_by=who.account_id,
            decided_for=who.acting_for,
            decided_at=at,
            note=reason,
        )
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("err.review_already_decided", item=str(item.id))
    audit_actor = _as(actor, who, s)
    kind: str | None = None
    request_id: int | None = None
    if decision == "revoked":
        kind, payload = _revocation(s, account, cmd.revoke_roles, cmd.successors)
        request_id = _file_request(
            s, actor, audit_actor, who.account_id, who.acting_for, item, account, kind,
            payload, reason, at, due,
        )  # fmt: skip
        s.execute(
            update(_ITEMS)
            .where(_ITEMS.c.id == item.id)
            .values(change_request_id=request_id)
            .execution_options(synchronize_session=False)
        )
    s.refresh(item)
    record(
        s,
        audit_actor,
        ACTION_DECIDE,
        target_kind=TARGET_ITEM,
        target_id=str(item.id),
        region=item.unit_region,
        department=item.unit_department,
        reason=reason,
        before=before,
        after=_item_fields(item),
        details={
            "campaign": item.campaign_id,
            "account": item.account_id,
            "acting_for": who.acting_for,
            "escalated": who.escalated,
            "revoke_roles": list(cmd.revoke_roles),
        },
    )
    return Decided(item.id, item.account_id, decision, who.acting_for, request_id, kind)


def decide(
    cmd: Decide,
    uow: UnitOfWork,
    actor: Actor,
    *,
    now: datetime | None = None,
    deadline_for: DeadlineFor | None = None,
) -> list[Decided]:
    """Decide the items, all in one transaction (all or none)."""
    at = _now(now)
    # In id order: two people deciding overlapping batches lock rows in the same order.
    ids = sorted(set(cmd.item_ids))
    if not ids:
        raise InvalidInput("err.review_no_items")
    if cmd.decision not in (CONFIRM, REVOKE):
        raise InvalidInput("err.review_decision_unknown", decision=cmd.decision[:20])
    reason = validation.reason(cmd.reason, "reason")
    if cmd.decision == REVOKE and not reason:
        raise InvalidInput("err.review_reason_required", field="reason")
    if cmd.decision == CONFIRM and (cmd.revoke_roles or cmd.successors):
        raise InvalidInput("err.review_confirm_extras")
    if cmd.revoke_roles and cmd.successors:
        raise InvalidInput("err.review_successors_whole")
    roles = tuple(dict.fromkeys(r.strip() for r in cmd.revoke_roles if r.strip()))
    command = Decide(tuple(ids), cmd.decision, reason, roles, cmd.successors)

    def body(s: Session) -> list[Decided]:
        due, _ = _deadline_fn(s, deadline_for)
        return [_decide_one(s, actor, item_id, command, reason, at, due) for item_id in ids]

    return _run(uow, actor, ACTION_DECIDE, TARGET_ITEM, ",".join(map(str, ids)), body)


# --- escalate and close -----------------------------------------------------------------------


def escalate(
    uow: UnitOfWork,
    actor: Actor,
    *,
    campaign_id: int | None = None,
    now: datetime | None = None,
) -> Escalated:
    """Mark the pending items of open campaigns past their deadline as escalated: the level
    above (the chain's escalation of the review step) may now decide them. Only campaigns
    whose scope the actor administers (account.update); one audit event per campaign per
    pass. Meant for a daily timer as well as by hand."""
    at = _now(now)

    def body(s: Session) -> Escalated:
        actor_id = _usable_actor(s, actor, at)
        grants = load_grants(s, subject_of(actor_id))
        q = select(ReviewCampaign).where(
            ReviewCampaign.state == "open", ReviewCampaign.deadline < at
        )
        if campaign_id is not None:
            c = _load_campaign(s, campaign_id)
            _administers(s, actor_id, c.region_code, c.department)
            q = q.where(ReviewCampaign.id == campaign_id)
        out: dict[int, int] = {}
        for c in list(s.scalars(q.order_by(ReviewCampaign.id))):
            if not holds_action(grants, ACCOUNT_UPDATE, c.region_code, c.department):
                continue
            result = s.execute(
                update(_ITEMS)
                .where(
                    _ITEMS.c.campaign_id == c.id,
                    _ITEMS.c.decision == "pending",
                    _ITEMS.c.escalated_at.is_(None),
                )
                .values(escalated_at=at)
                .execution_options(synchronize_session=False)
            )
            n = int(result.rowcount)  # type: ignore[attr-defined]
            if not n:
                continue
            c.escalated_at = at
            s.flush()
            out[c.id] = n
            record(
                s,
                actor,
                ACTION_ESCALATE,
                target_kind=TARGET_CAMPAIGN,
                target_id=str(c.id),
                region=c.region_code,
                department=c.department,
                details={"items": n, "deadline": c.deadline},
            )
        return Escalated(out)

    return _run(uow, actor, ACTION_ESCALATE, TARGET_CAMPAIGN, str(campaign_id or ""), body)


def close(
    cmd: CampaignRef, uow: UnitOfWork, actor: Actor, *, now: datetime | None = None
) -> CampaignView:
    """End a campaign (account.update over its scope): no more decisions; what is still
    pending stays so in the record."""
    at = _now(now)

    def body(s: Session) -> CampaignView:
        c = _load_campaign(s, cmd.campaign_id)
        actor_id = _usable_actor(s, actor, at)
        _administers(s, actor_id, c.region_code, c.department)
        before = _campaign_fields(c)
        result = s.execute(
            update(_CAMPAIGNS)
            .where(_CAMPAIGNS.c.id == c.id, _CAMPAIGNS.c.state == "open")
            .values(state="closed", closed_by=actor_id, closed_at=at)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict("err.review_closed", campaign=str(c.id))
        s.refresh(c)
        record(s, actor, ACTION_CLOSE, target_kind=TARGET_CAMPAIGN, target_id=str(c.id),
               region=c.region_code, department=c.department, before=before,
               after=_campaign_fields(c))  # fmt: skip
        return campaign_view(c)

    return _run(uow, actor, ACTION_CLOSE, TARGET_CAMPAIGN, str(cmd.campaign_id), body)


# --- reading ----------------------------------------------------------------------------------


def _viewer_grants(s: Session, viewer: int, at: datetime) -> list[list[Grant]]:
    """The viewer's grants, then those of each person they deputise for today."""
    groups = [load_grants(s, subject_of(viewer))]
    for principal in deputised_by(s, viewer, at):
        if principal != viewer and _active(s, principal, at) is not None:
            groups.append(load_grants(s, subject_of(principal)))
    return groups


def _reach(groups: Iterable[Sequence[Grant]]) -> list[Any]:
    """SQL conditions for the items whose unit lies in one of the grants' domains."""
    seen: set[tuple[str, str]] = set()
    out: list[Any] = []
    for g in (g for group in groups for g in group):
        if (g.region, g.department) in seen:
            continue
        seen.add((g.region, g.department))
        lo, hi = subtree_bounds(g.region)
        cond: Any = ReviewItem.unit_region.between(lo, hi)
        if g.department != ALL_DEPARTMENTS:
            cond = and_(cond, ReviewItem.unit_department == g.department)
        out.append(cond)
    return out


def latest_campaign(s: Session) -> ReviewCampaign:
    c = s.scalars(select(ReviewCampaign).order_by(ReviewCampaign.id.desc()).limit(1)).first()
    if c is None:
        raise NotFound("err.review_campaign_not_found", campaign="-")
    return c


def status(
    s: Session,
    campaign_id: int | None = None,
    *,
    viewer: int | None = None,
    escalated_only: bool = False,
    now: datetime | None = None,
) -> Status:
    """Completion per unit of a campaign (the latest when None). With ``viewer``, only the
    units their grants (or today's principals') reach; ``escalated_only`` keeps the units with
    escalated items still pending."""
    at = _now(now)
    c = _load_campaign(s, campaign_id) if campaign_id is not None else latest_campaign(s)
    pending = ReviewItem.decision == "pending"
    escalated = and_(pending, ReviewItem.escalated_at.is_not(None))

    def count(cond: Any) -> Any:
        return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

    q = (
        select(
            ReviewItem.unit_region,
            ReviewItem.unit_department,
            func.count(),
            count(ReviewItem.decision == "confirmed"),
            count(ReviewItem.decision == "revoked"),
            count(pending),
            count(escalated),
        )
        .where(ReviewItem.campaign_id == c.id)
        .group_by(ReviewItem.unit_region, ReviewItem.unit_department)
        .order_by(ReviewItem.unit_region, ReviewItem.unit_department)
    )
    if viewer is not None:
        reach = _reach(_viewer_grants(s, viewer, at))
        if not reach:
            return Status(campaign_view(c), [])
        q = q.where(or_(*reach))
    rows = s.execute(q).all()
    codes = sorted({r[0] for r in rows})
    names: dict[str, str] = {}
    for i in range(0, len(codes), _LOOKUP_BATCH):
        chunk = codes[i : i + _LOOKUP_BATCH]
        found = s.execute(select(Region.code, Region.name).where(Region.code.in_(chunk)))
        names.update((str(code), str(name)) for code, name in found)
    late = c.deadline < at
    units = [
        UnitStatus(
            region=r[0],
            region_name=names.get(r[0], ""),
            department=r[1],
            total=int(r[2]),
            confirmed=int(r[3]),
            revoked=int(r[4]),
            pending=int(r[5]),
            overdue=int(r[5]) if late else 0,
            escalated=int(r[6]),
        )
        for r in rows
    ]
    if escalated_only:
        units = [u for u in units if u.escalated]
    return Status(campaign_view(c), units)


def _may_decide(
    item: ReviewItem, viewer: int, groups: Sequence[Sequence[Grant]], overdue: bool
) -> bool:
    if item.account_id == viewer:
        return False
    region, _, department = item.reviewer_unit.partition("|")
    if any(holds_role(g, item.reviewer_role, region, department) for g in groups):
        return True
    if overdue:
        esc = escalation(resolve(item.unit_region, item.unit_department), "review")
        return any(holds_role(g, esc.role, esc.region, esc.department) for g in groups)
    return False


def list_items(
    s: Session,
    viewer: int,
    campaign_id: int | None = None,
    *,
    pending_only: bool = False,
    escalated_only: bool = False,
    after: int | None = None,
    limit: int = 50,
    now: datetime | None = None,
) -> Page:
    """The items of open campaigns (or of one) the viewer decides: as the chain's reviewer,
    as today's deputy of one, or, past the deadline, as its escalation. Keyset paged by id."""
    at = _now(now)
    groups = _viewer_grants(s, viewer, at)
    reach = _reach(groups)
    if not reach:
        return Page([], None)
    cq = select(ReviewCampaign)
    cq = (
        cq.where(ReviewCampaign.id == campaign_id)
        if campaign_id is not None
        else cq.where(ReviewCampaign.state == "open")
    )
    campaigns = {c.id: c for c in s.scalars(cq)}
    if campaign_id is not None and campaign_id not in campaigns:
        raise NotFound("err.review_campaign_not_found", campaign=str(campaign_id))
    if not campaigns:
        return Page([], None)
    found: list[tuple[ReviewItem, Account]] = []
    cursor = after
    while len(found) <= limit:
        q = (
            select(ReviewItem, Account)
            .join(Account, Account.id == ReviewItem.account_id)
            .where(ReviewItem.campaign_id.in_(list(campaigns)), or_(*reach))
            .order_by(ReviewItem.id)
            .limit(_LIST_BATCH)
        )
        if cursor is not None:
            q = q.where(ReviewItem.id > cursor)
        if pending_only or escalated_only:
            q = q.where(ReviewItem.decision == "pending")
        if escalated_only:
            q = q.where(ReviewItem.escalated_at.is_not(None))
        rows = [(r[0], r[1]) for r in s.execute(q)]
        for item, account in rows:
            late = campaigns[item.campaign_id].deadline < at
            if _may_decide(item, viewer, groups, late):
                found.append((item, account))
        if len(rows) < _LIST_BATCH:
            break
        cursor = rows[-1][0].id
    more = len(found) > limit
    page = found[:limit]
    views = [_item_view(item, account, campaigns[item.campaign_id], at) for item, account in page]
    return Page(views, page[-1][0].id if more else None)


def _item_view(item: ReviewItem, account: Account, c: ReviewCampaign, at: datetime) -> ItemView:
    return ItemView(
        id=item.id,
        campaign_id=item.campaign_id,
        account_id=item.account_id,
        login_name=account.login_name,
        full_name=account.full_name,
        post=account.post,
        unit=f"{item.unit_region}|{item.unit_department}",
        reviewer_role=item.reviewer_role,
        reviewer_unit=item.reviewer_unit,
        grants=json.loads(item.grants or "[]"),
        decision=item.decision,
        decided_by=item.decided_by,
        decided_for=item.decided_for,
        decided_at=item.decided_at,
        note=item.note,
        change_request_id=item.change_request_id,
        deadline=c.deadline,
        overdue=item.decision == "pending" and c.deadline < at,
        escalated_at=item.escalated_at,
    )


def get_item(s: Session, item_id: int, *, now: datetime | None = None) -> ItemView:
    row = s.execute(
        select(ReviewItem, Account)
        .join(Account, Account.id == ReviewItem.account_id)
        .where(ReviewItem.id == item_id)
    ).first()
    if row is None:
        raise NotFound("err.review_item_not_found", item=str(item_id))
    item, account = row[0], row[1]
    return _item_view(item, account, _load_campaign(s, item.campaign_id), _now(now))


__all__ = [
    "CampaignRef",
    "CampaignView",
    "Decide",
    "Decided",
    "Escalated",
    "ItemView",
    "Page",
    "StartReview",
    "Started",
    "Status",
    "UnitStatus",
    "close",
    "decide",
    "escalate",
    "get_item",
    "list_items",
    "start",
    "status",
]
