"""Who may read the trail (DESIGN.md invariant 5: only audit admins read it; nobody alters
or deletes it).

There is no global policy and no permissive default: every read path of the service
(``search_events``, ``verify_chain``, ``export_events``, ``archive_events``) takes the
caller's ``may_read`` and calls ``authorize_read`` with it once at its entry. The console
builds ``may_read`` from the signed-in admin's grants (rbac: the action ``audit.read``,
which the templates give to the audit admin role alone, at the province ``530000000000|*``).
A refusal is itself recorded in the trail (outcome ``denied``) and raises
``PermissionDenied("err.audit_read_denied")``.

``anchor_now`` (sign the head now and hand out the line to keep offline) is also the audit
admin's: rbac has no action for it, the three separated roles are the system admin
(accounts, configuration), the security admin (policy, grants) and the audit admin (the
trail), and the anchor line exists so that the *auditor* can later prove the trail was not
cut — the admins whose work the trail records must not be the ones holding its proof. So
``anchor_now`` takes a ``may_anchor`` check, which the console builds from ``audit.read``.
"""

from __future__ import annotations

from collections.abc import Callable

from audit_log.actor import Actor
from audit_log.chain import record_refusal
from casedb.engine import Database
from casedb.errors import PermissionDenied

ReadPolicy = Callable[[Actor], bool]

REFUSAL_REASON = "not an audit admin"


def authorize_read(db: Database, actor: Actor, action: str, may_read: ReadPolicy) -> None:
    """Return when ``may_read(actor)``; otherwise record the refusal and raise."""
    if may_read(actor):
        return
    record_refusal(db.uow(), actor, action, reason=REFUSAL_REASON, target_kind="audit")
    raise PermissionDenied("err.audit_read_denied", login=actor.login or "-")
