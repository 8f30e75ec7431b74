"""Who may run backups: a system setting (``system.config`` at the province, all departments),
as moving or rotating the data key is. A refusal is recorded in the audit trail."""

from __future__ import annotations

from collections.abc import Callable

from accounts.cli_support import ALL, PROVINCE
from audit_log.actor import Actor
from audit_log.chain import record_refusal
from casedb.engine import Database
from casedb.errors import PermissionDenied
from rbac.templates import SYSTEM_CONFIG

Authorize = Callable[[Actor, str, str, str], None]


def authorise(db: Database, actor: Actor, action: str, *, authorize: Authorize) -> None:
    try:
        authorize(actor, SYSTEM_CONFIG, PROVINCE, ALL)
    except PermissionDenied as exc:
        record_refusal(db.uow(), actor, action, reason=exc.key, target_kind="backup",
                       target_id="-")  # fmt: skip
        raise
