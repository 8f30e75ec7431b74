"""Who may read the trail. Every read path (search, export, verify, the TUI's Audit screen)
calls ``authorize_read`` once at its entry.

Reading will be the audit admin's alone; the security kernel installs that policy with
``set_read_policy`` once sign-in and roles exist. Until then the local operator may read, and
every read is itself recorded.
"""

from __future__ import annotations

from collections.abc import Callable

from audit_log.actor import Actor
from audit_log.chain import record_refusal
from casedb.engine import Database
from casedb.errors import PermissionDenied

ReadPolicy = Callable[[Actor], bool]


def _local_operator(actor: Actor) -> bool:
    return bool(actor.login)


_policy: ReadPolicy = _local_operator


def set_read_policy(policy: ReadPolicy) -> None:
    global _policy
    _policy = policy


def authorize_read(db: Database, actor: Actor, action: str) -> None:
    if _policy(actor):
        return
    record_refusal(db.uow(), actor, action, reason="not an audit admin", target_kind="audit")
    raise PermissionDenied("err.audit_read_denied", login=actor.login)
