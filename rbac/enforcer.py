"""Decisions: may this account do this action at this region and department?

Our own evaluator over the same ``p`` and ``g`` rules Casbin's RBAC-with-domains model
holds (``rbac.store.MODEL_TEXT``): a grant reaches its region's subtree by code prefix and
covers one department or all of them. pycasbin evaluates its matcher for every ``p`` line
through an expression interpreter; measured on this machine (``rbac.bench``) it misses the
0.2 ms budget, so decisions are dictionary look-ups here, and the Casbin enforcer built on
the same rules serves as a cross-check in the tests.

An ``Enforcer`` holds either one account's grants (what a signed-in admin's decisions need)
or every grant (lint, coverage), the whole role → action policy, and the policy version it
loaded; ``reload_if_stale`` reloads when another console has changed the policy.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, String, and_, cast, literal, or_, select
from sqlalchemy.orm import Session

from casedb.models import Account
from rbac.store import (
    Grant,
    PolicyLine,
    account_id_of,
    current_version,
    is_valid_department,
    is_valid_region,
    load_grants,
    load_policy,
    subject_of,
)

ACTIVE = "active"
WILDCARD_ACTION = "*"


@dataclass(frozen=True, slots=True)
class AccountState:
    """What invariant 6 needs to know of an account: its status and validity window."""

    status: str = ACTIVE
    valid_from: datetime | None = None
    valid_until: datetime | None = None

    def can_act(self, now: datetime | None = None) -> bool:
        if self.status != ACTIVE:
            return False
        if self.valid_from is None and self.valid_until is None:
            return True
        now = now or datetime.now(UTC)
        if self.valid_from is not None and now < self.valid_from:
            return False
        return not (self.valid_until is not None and now >= self.valid_until)


ACTIVE_STATE = AccountState()


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    reason: str  # a catalogue key: rbac.allow or rbac.deny_*
    matched_grant: Grant | None = None
    matched_policy: PolicyLine | None = None

    def __bool__(self) -> bool:
        return self.allowed


def _window_columns() -> list[Any]:
    names = ("valid_from", "valid_until")
    return [c for c in (getattr(Account, n, None) for n in names) if c is not None]


def blocked_subjects(now: datetime) -> Select[str]:
    """The subjects (``a:<id>``) of accounts that cannot act at ``now`` (invariant 6: not
    active, or outside their validity window), as a subquery: far fewer than the active."""
    cond: Any = Account.status != ACTIVE
    window = {c.key: c for c in _window_columns()}
    if "valid_from" in window:
        cond = or_(cond, and_(window["valid_from"].is_not(None), window["valid_from"] > now))
    if "valid_until" in window:
        cond = or_(cond, and_(window["valid_until"].is_not(None), window["valid_until"] <= now))
    return select(literal("a:") + cast(Account.id, String)).where(cond)


def read_account_states(
    session: Session, account_ids: Iterable[int] | None = None
) -> dict[str, AccountState]:
    """Account states by subject, from the accounts row (validity columns when they exist).

    Without ``account_ids`` (the full load) plainly active accounts, the vast majority,
    share one state object and only their ids are read."""
    window = _window_columns()
    cols = [Account.id, Account.status, *window]
    if account_ids is not None:
        ids = list(account_ids)
        if not ids:
            return {}
        rows = session.execute(select(*cols).where(Account.id.in_(ids)))
        return {f"a:{r[0]}": AccountState(r[1], *r[2:]) for r in rows}
    plain = Account.status == ACTIVE
    for c in window:
        plain = plain & c.is_(None)
    out = {
        f"a:{i}": ACTIVE_STATE
        for i in session.connection().execute(select(Account.id).where(plain)).scalars()
    }
    for r in session.execute(select(*cols).where(~plain)):
        out[f"a:{r[0]}"] = AccountState(r[1], *r[2:])
    return out


class Enforcer:
    """Decides from loaded rules. ``subject`` None loads everything (lint, coverage)."""

    def __init__(self, subject: int | str | None = None, *, check_every_s: float = 0.0) -> None:
        self.subject = None if subject is None else subject_of(subject)
        self.check_every_s = check_every_s
        self.version = -1
        self.assume_active = False
        self._policy: dict[str, dict[str, PolicyLine]] = {}
        self._grants: dict[str, tuple[Grant, ...]] = {}
        self._states: dict[str, AccountState] = {}
        self._checked_at = 0.0

    # --- loading --------------------------------------------------------------------------

    @classmethod
    def for_account(cls, session: Session, account_id: int, **kwargs: float) -> Enforcer:
        enf = cls(account_id, **kwargs)
        enf.load(session)
        return enf

    @classmethod
    def full(cls, session: Session) -> Enforcer:
        enf = cls(None)
        enf.load(session)
        return enf

    @classmethod
    def from_rules(
        cls,
        policy: Iterable[PolicyLine],
        grants: Iterable[Grant],
        states: Mapping[str, AccountState] | None = None,
    ) -> Enforcer:
        """An enforcer over given rules (tests, plans); ``states`` None: everyone active."""
        enf = cls(None)
        enf._index(policy, grants)
        enf.assume_active = states is None
        enf._states = dict(states or {})
        return enf

    def _index(self, policy: Iterable[PolicyLine], grants: Iterable[Grant]) -> None:
        pol: dict[str, dict[str, PolicyLine]] = {}
        for p in policy:
            pol.setdefault(p.role, {})[p.action] = p
        by_subject: dict[str, list[Grant]] = {}
        for g in grants:
            by_subject.setdefault(g.subject, []).append(g)
        self._policy = pol
        self._grants = {s: tuple(gs) for s, gs in by_subject.items()}

    def load(self, session: Session) -> None:
        """Load the version first: a change committed meanwhile shows as stale next time."""
        version = current_version(session)
        self._index(load_policy(session), load_grants(session, self.subject))
        if self.subject is None:
            self._states = read_account_states(session)
        else:
            account_id = account_id_of(self.subject)
            ids = [] if account_id is None else [account_id]
            self._states = read_account_states(session, ids)
        self.version = version
        self._checked_at = time.monotonic()

    def reload_if_stale(self, session: Session) -> bool:
        """Reload when the policy changed since loading; a subject's own account state is
        re-read every time (a disabled account's open console can do nothing from then on).
        With ``check_every_s`` the check runs at most that often."""
        now = time.monotonic()
        if self.check_every_s and now - self._checked_at < self.check_every_s:
            return False
        self._checked_at = now
        if current_version(session) != self.version:
            self.load(session)
            return True
        if self.subject is not None:
            account_id = account_id_of(self.subject)
            self._states = read_account_states(session, [] if account_id is None else [account_id])
        return False

    # --- reading --------------------------------------------------------------------------

    def grants_of(self, subject: int | str) -> tuple[Grant, ...]:
        return self._grants.get(subject_of(subject), ())

    def all_grants(self) -> list[Grant]:
        return [g for gs in self._grants.values() for g in gs]

    def policy(self) -> list[PolicyLine]:
        return [p for lines in self._policy.values() for p in lines.values()]

    def actions_of(self, role: str) -> frozenset[str]:
        return frozenset(self._policy.get(role, {}))

    def state_of(self, subject: int | str) -> AccountState | None:
        st = self._states.get(subject_of(subject))
        if st is None and self.assume_active:
            return ACTIVE_STATE
        return st

    def policy_line(self, role: str, action: str) -> PolicyLine | None:
        lines = self._policy.get(role)
        if not lines:
            return None
        return lines.get(action) or lines.get(WILDCARD_ACTION)

    # --- deciding -------------------------------------------------------------------------

    def decide(
        self,
        subject: int | str,
        action: str,
        region_code: str,
        department: str,
        state: AccountState | None = None,
        *,
        now: datetime | None = None,
    ) -> Decision:
        subj = subject_of(subject)
        st = state or self.state_of(subj)
        if st is None:
            return Decision(False, "rbac.deny_unknown_account")
        if not st.can_act(now):
            return Decision(False, "rbac.deny_inactive")
        if not (is_valid_region(region_code) and is_valid_department(department)):
            return Decision(False, "rbac.deny_bad_domain")
        has_action = False
        for g in self._grants.get(subj, ()):
            line = self.policy_line(g.role, action)
            if line is None:
                continue
            has_action = True
            if g.covers(region_code, department):
                return Decision(True, "rbac.allow", g, line)
        return Decision(False, "rbac.deny_out_of_scope" if has_action else "rbac.deny_no_role")

    def can(self, subject: int | str, action: str, region_code: str, department: str) -> bool:
        return self.decide(subject, action, region_code, department).allowed
