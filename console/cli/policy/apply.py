"""``jzctl policy apply FILE``: make the role → action policy what the file says, in one
transaction (security admin only); a refused or invalid file changes nothing (recorded)."""

from __future__ import annotations

from pathlib import Path

from console.cli import runtime
from console.cli.policy.plan import POLICY_FILE
from console.i18n import t


def run(path: Path = POLICY_FILE) -> None:
    from rbac.policy_file import apply_policy_file
    from rbac.store import current_version

    db = runtime.open_database()
    op = runtime.operator(db)
    with db.uow() as uow:
        diff = apply_policy_file(uow.session, op.enforcer.grants_of(op.account_id), path, op.actor)
        version = current_version(uow.session)
        uow.commit()
    data = {"file": str(path), **diff.as_dict(), "version": version}

    def human() -> None:
        for line in diff.lines():
            runtime.echo(line)
        if diff.empty:
            runtime.echo(t("policy.plan_same"))
        else:
            runtime.echo(t("policy.applied", added=len(diff.added), removed=len(diff.removed),
                           version=version))  # fmt: skip

    runtime.emit(data, human)
