"""Policy files: the role → action policy as ``jzctl policy export`` writes it (CSV with a
``role,action`` header, or a JSON list of ``{"role": …, "action": …}``), the difference such
a file would make to the stored policy (``plan``), and making it (``apply``).

Applying is all or nothing: the actor must hold ``policy.edit``; every line the file adds
is checked by ``rbac.grants.policy_edit_problem``; the rows change in the caller's
transaction under the policy version row's lock, the version moves on once, and one
``policy.apply`` event carries the difference. A refused or invalid file changes nothing and
its refusal is recorded in a transaction of its own.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from audit_log.actor import Actor
from audit_log.chain import record, record_refusal
from casedb.engine import UnitOfWork
from casedb.errors import InvalidInput, JzError, PermissionDenied
from rbac.grants import _account_state, _effective_grants, _engine, policy_edit_problem
from rbac.models import RULE_FIELDS
from rbac.store import RULES_T, VERSION_T, Grant, PolicyLine, bump_version, load_policy
from rbac.templates import ACTIONS, POLICY_EDIT, TEMPLATES

ACTION_APPLY = "policy.apply"
MAX_FILE_BYTES = 1024 * 1024
WILDCARD = "*"


@dataclass(frozen=True)
class PolicyProblem:
    """A line ``apply`` would refuse, with the catalogue key saying why."""

    role: str
    action: str
    reason: str


@dataclass(frozen=True)
class PolicyDiff:
    added: tuple[PolicyLine, ...]
    removed: tuple[PolicyLine, ...]

    @property
    def empty(self) -> bool:
        return not self.added and not self.removed

    def lines(self) -> list[str]:
        return [f"+ {p.line()}" for p in self.added] + [f"- {p.line()}" for p in self.removed]

    def as_dict(self) -> dict[str, list[dict[str, str]]]:
        return {
            "added": [{"role": p.role, "action": p.action} for p in self.added],
            "removed": [{"role": p.role, "action": p.action} for p in self.removed],
        }


# --- reading a file -----------------------------------------------------------------------


def _line(role: Any, action: Any, where: int) -> PolicyLine:
    if not isinstance(role, str) or not isinstance(action, str):
        raise InvalidInput("err.policy_file_row", line=where)
    role, action = role.strip(), action.strip()
    if role not in TEMPLATES:
        raise InvalidInput("err.policy_file_unknown_role", line=where, role=role[:40])
    if action not in ACTIONS and action != WILDCARD:
        raise InvalidInput("err.policy_file_unknown_action", line=where, action=action[:40])
    return PolicyLine(role, action)


def _parse_json(text: str) -> list[PolicyLine]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput("err.policy_file_json", line=exc.lineno) from None
    if not isinstance(doc, list):
        raise InvalidInput("err.policy_file_json", line=1)
    out = []
    for i, item in enumerate(doc, start=1):
        if not isinstance(item, dict) or set(item) != {"role", "action"}:
            raise InvalidInput("err.policy_file_row", line=i)
        out.append(_line(item["role"], item["action"], i))
    return out


def _parse_csv(text: str) -> list[PolicyLine]:
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or [c.strip() for c in rows[0]] != ["role", "action"]:
        raise InvalidInput("err.policy_file_header")
    out = []
    for i, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        if len(row) != 2:
            raise InvalidInput("err.policy_file_row", line=i)
        out.append(_line(row[0], row[1], i))
    return out


def parse_policy_text(text: str) -> list[PolicyLine]:
    """The lines of a policy file (JSON when it starts with ``[``, else CSV), sorted and
    without repeats; InvalidInput naming the first bad line."""
    body = text.removeprefix("\ufeff")
    lines = _parse_json(body) if body.lstrip().startswith("[") else _parse_csv(body)
    return sorted(set(lines), key=lambda p: (p.role, p.action))


def read_policy_file(path: Path) -> list[PolicyLine]:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise InvalidInput("err.policy_file_too_big", path=str(path), max_bytes=MAX_FILE_BYTES)
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise InvalidInput("err.policy_file_unreadable", path=str(path), reason=reason) from None
    except UnicodeDecodeError:
        raise InvalidInput("err.policy_file_encoding", path=str(path)) from None
    return parse_policy_text(text)


# --- the difference -------------------------------------------------------------------------


def diff_policy(current: Iterable[PolicyLine], wanted: Iterable[PolicyLine]) -> PolicyDiff:
    have, want = set(current), set(wanted)

    def key(p: PolicyLine) -> tuple[str, str]:
        return p.role, p.action

    return PolicyDiff(tuple(sorted(want - have, key=key)), tuple(sorted(have - want, key=key)))


def problems_of(diff: PolicyDiff, wanted: Sequence[PolicyLine]) -> list[PolicyProblem]:
    """What ``apply`` would refuse: every added line ``policy_edit_problem`` objects to, and
    a file that leaves nobody able to edit the policy again."""
    found = [
        PolicyProblem(p.role, p.action, why)
        for p in diff.added
        if (why := policy_edit_problem(p.role, p.action)) is not None
    ]
    if not any(p.action == POLICY_EDIT for p in wanted):
        found.append(PolicyProblem("", POLICY_EDIT, "err.policy_file_lockout"))
    return found


def plan_policy(session: Session, wanted: Sequence[PolicyLine]) -> PolicyDiff:
    return diff_policy(load_policy(session), wanted)


# --- applying -------------------------------------------------------------------------------


def _row(p: PolicyLine) -> dict[str, str]:
    row = {"ptype": "p"}
    row.update(dict.fromkeys(RULE_FIELDS, ""))
    row.update({RULE_FIELDS[0]: p.role, RULE_FIELDS[1]: p.action})
    return row


def apply_policy_file(
    session: Session, actor_grants: Sequence[Grant], path: Path, actor: Actor
) -> PolicyDiff:
    """Make the stored policy what the file says, in the caller's transaction (the caller
    commits). PermissionDenied or InvalidInput, recorded, when anything is refused."""
    source = path.name[:120]

    def refuse(error: JzError, details: dict[str, object] | None = None) -> JzError:
        session.rollback()
        record_refusal(
            UnitOfWork(_engine(session)), actor, ACTION_APPLY, reason=error.key,
            target_kind="policy", target_id="",
            details={"file": source, **(details or {}), **error.params},
        )  # fmt: skip
        return error

    if actor.account_id is None:
        raise refuse(PermissionDenied("err.rbac_actor_unknown", login=actor.login))
    state = _account_state(session, actor.account_id)
    if state is None or not state.can_act():
        raise refuse(PermissionDenied("err.rbac_actor_inactive", login=actor.login))
    # The version row's lock first: the difference is taken against what nobody else is
    # changing meanwhile (SQLite writers serialise anyway).
    session.execute(select(VERSION_T.c.version).where(VERSION_T.c.id == 1).with_for_update())
    editors = {p.role for p in load_policy(session) if p.action == POLICY_EDIT}
    if not any(g.role in editors for g in _effective_grants(session, actor, actor_grants)):
        raise refuse(PermissionDenied("err.rbac_policy_denied", login=actor.login))
    try:
        wanted = read_policy_file(path)
    except InvalidInput as exc:
        raise refuse(exc) from None
    diff = plan_policy(session, wanted)
    problems = problems_of(diff, wanted)
    if problems:
        first = problems[0]
        raise refuse(
            PermissionDenied(first.reason, role=first.role, action=first.action),
            {"refused": [f"p, {p.role}, {p.action}: {p.reason}" for p in problems]},
        )
    if diff.empty:
        return diff
    for p in diff.removed:
        session.execute(delete(RULES_T).where(*(RULES_T.c[k] == v for k, v in _row(p).items())))
    if diff.added:
        session.execute(insert(RULES_T), [_row(p) for p in diff.added])
    version = bump_version(session)
    record(
        session, actor, ACTION_APPLY, target_kind="policy", target_id="",
        details={"file": source, "version": version, **diff.as_dict()},
    )  # fmt: skip
    return diff
