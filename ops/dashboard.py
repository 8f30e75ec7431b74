"""The dashboard's figures for one signed-in admin, in their scope: what waits for them and
what is wrong. The TUI's first screen and ``jzctl status`` show the same list.

Each figure is computed by its own small function in its own read transaction, so that one
slow or failing figure never hides the others (the TUI fills tiles in as they arrive); a
figure the admin may not see is left out rather than shown empty. Every figure names the
list behind it (``opens``: a console area and its filter), so a tile opens that list.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casedb.engine import Database
from rbac.store import Grant, load_grants, subject_of

# A figure's state: ok (nothing to do), todo (work waits), alert (something is wrong).
OK, TODO, ALERT = "ok", "todo", "alert"
# Lists are counted up to this many (a tile says "500+"): counting more buys nothing.
COUNT_CAP = 500


@dataclass(frozen=True)
class Figure:
    key: str  # the catalogue key of its label: dash.<key>
    value: int | str | None
    state: str
    opens: str = ""  # the console area holding the list behind it
    filter: str = ""  # that list's filter, as a person would type it
    capped: bool = False
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Scope:
    account_id: int
    grants: tuple[Grant, ...]
    now: datetime

    @property
    def admin_grants(self) -> list[Grant]:
        from rbac.templates import ACCOUNT_UPDATE, TEMPLATES

        return [
            g
            for g in self.grants
            if g.role in TEMPLATES and ACCOUNT_UPDATE in TEMPLATES[g.role].actions
        ]

    @property
    def root(self) -> str | None:
        """The broadest region the admin administers (the shortest code prefix)."""
        from casedb.regions import prefix

        admin = self.admin_grants
        if not admin:
            return None
        return min(admin, key=lambda g: len(prefix(g.region))).region


FigureFn = Callable[[Session, Scope], Figure | None]


def _count_requests(s: Session, scope: Scope, which: str) -> Figure:
    from accounts.change_queries import list_requests

    page = list_requests(s, scope.account_id, which, limit=COUNT_CAP, now=scope.now)
    n = len(page.items)
    state = (ALERT if which == "overdue" else TODO) if n else OK
    return Figure(f"changes_{which}", n, state, "changes", which,
                  capped=page.next_before is not None)  # fmt: skip


def changes_to_review(s: Session, scope: Scope) -> Figure:
    return _count_requests(s, scope, "to_review")


def changes_to_execute(s: Session, scope: Scope) -> Figure:
    return _count_requests(s, scope, "to_execute")


def changes_overdue(s: Session, scope: Scope) -> Figure:
    return _count_requests(s, scope, "overdue")


def locked_accounts(s: Session, scope: Scope) -> Figure | None:
    """Locked accounts in the units the admin administers."""
    from sqlalchemy import and_, or_

    from casedb.models import Account
    from casedb.regions import subtree_bounds
    from rbac.templates import ALL_DEPARTMENTS

    admin = scope.admin_grants
    if not admin:
        return None
    conds = []
    for g in admin:
        lo, hi = subtree_bounds(g.region)
        cond: Any = Account.region_code.between(lo, hi)
        if g.department != ALL_DEPARTMENTS:
            cond = and_(cond, Account.department_code == g.department)
        conds.append(cond)
    n = s.scalar(
        select(func.count()).select_from(
            select(Account.id)
            .where(Account.status == "locked", or_(*conds))
            .limit(COUNT_CAP + 1)
            .subquery()
        )
    )
    n = int(n or 0)
    return Figure("locked_accounts", min(n, COUNT_CAP), ALERT if n else OK, "accounts",
                  "status:locked", capped=n > COUNT_CAP)  # fmt: skip


def coverage_gaps(s: Session, scope: Scope) -> Figure | None:
    """County departments without an active caseworker, townships without a leader."""
    from rbac.queries import coverage

    root = scope.root
    if root is None:
        return None
    result = coverage(s, root)
    n = len(result.gaps)
    return Figure("coverage_gaps", n, ALERT if n else OK, "org", f"coverage:{root}",
                  details={"root": root, "cells": result.cells,
                           "townships": result.townships})  # fmt: skip


def audit_chain(s: Session, scope: Scope) -> Figure:
    """The chain's head and its newest anchor: its age, and whether its seal checks out
    with the anchor key (a full ``audit verify`` reads every event; this does not)."""
    from audit_log import anchors
    from audit_log.models import AuditAnchor, AuditHead

    head = s.get(AuditHead, 1)
    last = s.scalars(select(AuditAnchor).order_by(AuditAnchor.seq.desc()).limit(1)).first()
    if head is None:
        return Figure("audit_chain", None, ALERT, "audit", details={"problem": "no_head"})
    details: dict[str, Any] = {"head_seq": head.seq}
    state = OK
    if last is not None:
        details["anchor_seq"] = last.seq
        details["anchor_age_hours"] = round((scope.now - last.at).total_seconds() / 3600, 1)
        key = anchors.load_key(head.chain_id)
        if key is None:
            details["problem"] = "no_anchor_key"
            state = ALERT
        elif not anchors.mac_ok(key, head.chain_id, last.seq, last.hash, last.mac):
            details["problem"] = "anchor_mac"
            state = ALERT
    return Figure("audit_chain", None, state, "audit", details=details)


def _holds_any(scope: Scope, actions: Sequence[str]) -> bool:
    from rbac.templates import TEMPLATES

    return any(
        g.role in TEMPLATES and set(actions) & set(TEMPLATES[g.role].actions) for g in scope.grants
    )


def backups(s: Session, scope: Scope) -> Figure | None:
    """Each class's newest verified backup: classes whose RPO is not met, out of all. Read
    from the catalogue beside the backups (signatures checked when the keys are here)."""
    from ops import catalogue, classes, keys, retention

    if not _holds_any(scope, ("system.config", "policy.edit")):
        return None
    try:
        k: keys.BackupKeys | None = keys.load()
    except Exception:  # no keys yet: nothing was ever backed up here
        k = None
    root = catalogue.default_root()
    found = retention.status(catalogue.read(root, k), classes.policy(), scope.now)
    missed = [c.name for c in found if not c.rpo_met]
    details: dict[str, Any] = {
        f"backup_{c.name}": "—" if c.age_hours is None else f"{c.age_hours:.0f}" for c in found
    }
    return Figure("backups", len(missed), ALERT if missed else OK, "backups", details=details)


def incidents(s: Session, scope: Scope) -> Figure | None:
    """Open incidents, and those whose report to the provincial office is overdue."""
    from audit_log.incidents import READ_ACTIONS, IncidentQuery, list_incidents, overdue

    if not _holds_any(scope, READ_ACTIONS):
        return None
    open_ = list_incidents(s, IncidentQuery(open_only=True), scope.now)
    late = overdue(s, scope.now)
    state = ALERT if late else TODO if open_ else OK
    return Figure("incidents", len(open_), state, "incidents",
                  details={"report_overdue": len(late)})  # fmt: skip


def drills(s: Session, scope: Scope) -> Figure | None:
    """Emergency plans not drilled in the last 12 months (or never), and the oldest drill."""
    from audit_log.incidents import READ_ACTIONS
    from ops.drills import plan_status

    if not _holds_any(scope, READ_ACTIONS):
        return None
    found = plan_status(s, now=scope.now)
    late = [p for p in found if p.overdue]
    drilled = [p.last_drilled for p in found if p.last_drilled is not None]
    details: dict[str, Any] = {"plans": len(found)}
    if drilled:
        details["oldest_drill_days"] = (scope.now - min(drilled)).days
    return Figure("drills", len(late), ALERT if late else OK, "incidents", "drills",
                  details=details)  # fmt: skip


def cases_overdue(s: Session, scope: Scope) -> Figure | None:
    """Open cases past their step's limit where the admin may read cases (their grants'
    ``case.read`` scope, as ``jzctl case overdue``)."""
    from accounts.supervision import domains_of
    from casedb.supervision_queries import CaseFilter, matching_case_ids
    from rbac.templates import CASE_READ

    domains = domains_of(scope.grants, CASE_READ)
    if not domains:
        return None
    n = len(matching_case_ids(s, domains, CaseFilter("overdue"), now=scope.now, cap=COUNT_CAP))
    return Figure("cases_overdue", min(n, COUNT_CAP), ALERT if n else OK, "cases", "overdue",
                  capped=n > COUNT_CAP)  # fmt: skip


def supervision_open(s: Session, scope: Scope) -> Figure | None:
    """Open supervision notices to units in the admin's case scope; those past their reply
    deadline make it an alert."""
    from accounts.supervision import domains_of
    from casedb.supervision_queries import list_notices
    from rbac.templates import CASE_READ

    domains = domains_of(scope.grants, CASE_READ)
    if not domains:
        return None
    open_, more = list_notices(s, domains, now=scope.now, limit=COUNT_CAP)
    late, _ = list_notices(s, domains, now=scope.now, overdue_only=True, limit=COUNT_CAP)
    state = ALERT if late else TODO if open_ else OK
    return Figure("supervision_open", len(open_), state, "cases", "notices",
                  capped=more is not None,
                  details={"notices_overdue": len(late)} if late else {})  # fmt: skip


FIGURES: list[FigureFn] = [
    changes_to_review,
    changes_to_execute,
    changes_overdue,
    locked_accounts,
    coverage_gaps,
    audit_chain,
    backups,
    incidents,
    drills,
    cases_overdue,
    supervision_open,
]


def register(fn: FigureFn) -> FigureFn:
    """Add a figure (used by modules that bring their own: cases, backups, incidents)."""
    if fn not in FIGURES:
        FIGURES.append(fn)
    return fn


def scope_of(db: Database, account_id: int, now: datetime | None = None) -> Scope:
    with db.read() as s:
        grants = tuple(load_grants(s, subject_of(account_id)))
    return Scope(account_id, grants, now or datetime.now(UTC))


def figure(db: Database, fn: FigureFn, scope: Scope) -> Figure | None:
    with db.read() as s:
        return fn(s, scope)


def figures(
    db: Database, account_id: int, *, now: datetime | None = None,
    which: Sequence[FigureFn] | None = None,
) -> list[Figure]:  # fmt: skip
    """Every figure, in order (None ones left out)."""
    scope = scope_of(db, account_id, now)
    out = []
    for fn in which if which is not None else FIGURES:
        got = figure(db, fn, scope)
        if got is not None:
            out.append(got)
    return out
