"""Read-only views of personnel change requests for the inbox (``jzctl tui``) and
``jzctl change show``: inbox rows with the person concerned, a request's details, and its
diff, what executing it would change (before → after).

``diff_rows`` is pure: the request's kind and payload applied to a snapshot of the account
and its grants, the way ``accounts.changes`` executes it (onboard: a new pending account;
modify: the named fields, revokes go and grants come; transfer: the new unit, every old grant
goes and the payload's grants come; offboard: disabled and every grant gone; suspend: the
suspension). ``load_diff`` and ``detail`` read what it needs in one session.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts.change_queries import Handover, handover_preview
from accounts.changes import OPEN_STATES, ChangeView, get
from casedb.models import Account, Region
from rbac.store import Grant, load_grants, subject_of

Value = str | datetime | None

# The account fields a request may change, in the order they are shown.
FIELDS: tuple[str, ...] = (
    "login_name",
    "full_name",
    "region_code",
    "department_code",
    "post",
    "status",
    "valid_from",
    "valid_until",
)
GRANT = "grant"  # the field of a diff row about one grant
HANDOVER_KINDS = frozenset({"offboard", "transfer"})


@dataclass(frozen=True)
class Snapshot:
    """An account's fields as a request sees them (before it is executed)."""

    login_name: str
    full_name: str
    region_code: str
    department_code: str
    post: str
    status: str
    valid_from: datetime | None = None
    valid_until: datetime | None = None

    @classmethod
    def of(cls, account: Account) -> Snapshot:
        return cls(
            login_name=account.login_name,
            full_name=account.full_name,
            region_code=account.region_code,
            department_code=account.department_code,
            post=account.post,
            status=account.status,
            valid_from=account.valid_from,
            valid_until=account.valid_until,
        )


@dataclass(frozen=True)
class DiffRow:
    """One line of the diff: an account field (``FIELDS``) or one grant (``GRANT``, as
    ``grant_text``); None where there is nothing (no account yet, a grant added or gone)."""

    field: str
    before: Value
    after: Value

    @property
    def changed(self) -> bool:
        return self.before != self.after


def grant_text(role: str, region: str, department: str) -> str:
    return f"{role} {region}|{department}"


def _when(value: Any) -> Value:
    """A payload instant (ISO 8601 or null) as an aware datetime; a malformed one as given
    (execution refuses it)."""
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return when.astimezone(UTC) if when.tzinfo is not None else str(value)


def _payload_grants(payload: Mapping[str, Any], key: str) -> list[str]:
    raw = payload.get(key) or []
    if not isinstance(raw, list):
        return []
    return [
        grant_text(str(item["role"]), str(item["region"]), str(item["department"]))
        for item in raw
        if isinstance(item, dict) and {"role", "region", "department"} <= set(item)
    ]


def _after_fields(
    kind: str, payload: Mapping[str, Any], before: Snapshot | None
) -> dict[str, Value]:
    if kind == "onboard" or before is None:
        return {
            "login_name": str(payload.get("login_name", "")),
            "full_name": str(payload.get("full_name", "")),
            "region_code": str(payload.get("region_code", "")),
            "department_code": str(payload.get("department_code", "")),
            "post": str(payload.get("post", "")),
            "status": "pending",
            "valid_from": None,
            "valid_until": None,
        }
    after: dict[str, Value] = {name: getattr(before, name) for name in FIELDS}
    if kind == "modify":
        for name in ("post", "full_name"):
            if isinstance(payload.get(name), str):
                after[name] = payload[name]
        for name in ("valid_from", "valid_until"):
            if name in payload:
                after[name] = _when(payload[name])
    elif kind == "transfer":
        after["region_code"] = str(payload.get("region_code", before.region_code))
        after["department_code"] = str(payload.get("department_code", before.department_code))
        if isinstance(payload.get("post"), str):
            after["post"] = payload["post"]
    elif kind == "offboard":
        after["status"] = "disabled"
    elif kind == "suspend":
        after["status"] = "suspended"
    return after


def _after_grants(kind: str, payload: Mapping[str, Any], held: Sequence[str]) -> list[str]:
    if kind == "onboard":
        return _payload_grants(payload, "grants")
    if kind == "modify":
        revoked = set(_payload_grants(payload, "revokes"))
        kept = [g for g in held if g not in revoked]
        return kept + [g for g in _payload_grants(payload, "grants") if g not in kept]
    if kind == "transfer":
        return _payload_grants(payload, "grants")
    if kind == "offboard":
        return []
    return list(held)


def diff_rows(
    kind: str,
    payload: Mapping[str, Any],
    before: Snapshot | None,
    grants: Iterable[Grant],
) -> list[DiffRow]:
    """What executing a request of ``kind`` with ``payload`` would change: every account
    field (unchanged ones too; ``DiffRow.changed`` tells), then every grant held before or
    after (kept, gone, or new), in the order held, new ones last."""
    fields_before: dict[str, Value] = (
        {name: getattr(before, name) for name in FIELDS} if before is not None else {}
    )
    fields_after = _after_fields(kind, payload, before)
    rows = [DiffRow(name, fields_before.get(name), fields_after[name]) for name in FIELDS]
    held = list(
        dict.fromkeys(grant_text(g.role, g.region, g.department) for g in grants)
        if before is not None
        else []
    )
    coming = list(dict.fromkeys(_after_grants(kind, payload, held)))
    rows.extend(DiffRow(GRANT, g, g if g in coming else None) for g in held)
    rows.extend(DiffRow(GRANT, None, g) for g in coming if g not in held)
    return rows


def load_diff(session: Session, view: ChangeView) -> list[DiffRow]:
    """``diff_rows`` for a request against the account and grants as they are now."""
    account = (
        session.get(Account, view.target_account_id)
        if view.target_account_id is not None and view.kind != "onboard"
        else None
    )
    if account is None:
        return diff_rows(view.kind, view.payload, None, [])
    grants = load_grants(session, subject_of(account.id))
    return diff_rows(view.kind, view.payload, Snapshot.of(account), grants)


# --- the inbox ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    id: int
    login_name: str
    full_name: str


@dataclass(frozen=True)
class InboxRow:
    """A request in a list, with the person it concerns (for an onboarding not yet
    executed: the login and name it asks for, ``target.id`` 0)."""

    view: ChangeView
    target: Person | None


def people(session: Session, ids: Iterable[int | None]) -> dict[int, Person]:
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    rows = session.execute(
        select(Account.id, Account.login_name, Account.full_name).where(Account.id.in_(wanted))
    )
    return {r.id: Person(r.id, r.login_name, r.full_name) for r in rows}


def _target(view: ChangeView, known: Mapping[int, Person]) -> Person | None:
    if view.target_account_id is not None:
        return known.get(view.target_account_id)
    login = view.payload.get("login_name")
    if isinstance(login, str) and login:
        return Person(0, login, str(view.payload.get("full_name", "")))
    return None


def inbox_rows(session: Session, views: Sequence[ChangeView]) -> list[InboxRow]:
    """The views with the people they concern, in one query."""
    known = people(session, (v.target_account_id for v in views))
    return [InboxRow(v, _target(v, known)) for v in views]


@dataclass(frozen=True)
class ChangeDetail:
    """Everything the detail pane shows about one request."""

    view: ChangeView
    target: Person | None
    people: dict[int, Person]  # submitter, reviewer, executor (and whom they acted for)
    diff: list[DiffRow]  # empty once the request is closed (the account has moved on)
    handover: Handover | None  # offboard and transfer while open
    regions: dict[str, str]  # code → name of every region the pane shows


def _region_codes(view: ChangeView, diff: Sequence[DiffRow]) -> set[str]:
    codes = {view.target_unit.partition("|")[0]}
    codes.update(u.partition("|")[0] for u in (view.reviewer_unit, view.executor_unit))
    for row in diff:
        for value in (row.before, row.after):
            if not isinstance(value, str):
                continue
            if row.field == "region_code":
                codes.add(value)
            elif row.field == GRANT:
                codes.add(value.partition(" ")[2].partition("|")[0])
    return {c for c in codes if c}


def region_names(session: Session, codes: Iterable[str]) -> dict[str, str]:
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    rows = session.execute(select(Region.code, Region.name).where(Region.code.in_(wanted)))
    return {r.code: r.name for r in rows}


def detail(session: Session, request_id: int) -> ChangeDetail:
    """One request for the detail pane; NotFound when there is no such request."""
    view = get(session, request_id)
    is_open = view.state in OPEN_STATES
    diff = load_diff(session, view) if is_open else []
    handover = (
        handover_preview(session, request_id)
        if is_open and view.kind in HANDOVER_KINDS and view.target_account_id is not None
        else None
    )
    known = people(
        session,
        (
            view.target_account_id,
            view.submitted_by,
            view.reviewed_by,
            view.reviewed_for,
            view.executed_by,
            view.executed_for,
        ),
    )
    return ChangeDetail(
        view=view,
        target=_target(view, known),
        people=known,
        diff=diff,
        handover=handover,
        regions=region_names(session, _region_codes(view, diff)),
    )


__all__ = [
    "FIELDS",
    "GRANT",
    "ChangeDetail",
    "DiffRow",
    "InboxRow",
    "Person",
    "Snapshot",
    "detail",
    "diff_rows",
    "grant_text",
    "inbox_rows",
    "load_diff",
    "people",
    "region_names",
]
