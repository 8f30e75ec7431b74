"""``jzctl policy show [ROLE]``: the actions each role carries (one role's with ROLE)."""

from __future__ import annotations

import typer

from console.cli import runtime
from console.i18n import t


def run(
    role: str | None = typer.Argument(None, metavar="ROLE", help=t("cli.arg_role")),
) -> None:
    from casedb.errors import InvalidInput
    from console.cli.policy._common import admin_operator
    from rbac.store import load_policy
    from rbac.templates import TEMPLATES

    if role is not None and role not in TEMPLATES:
        raise InvalidInput("err.rbac_unknown_role", role=role[:40])
    db = runtime.open_database()
    admin_operator(db)
    with db.read() as s:
        lines = load_policy(s)
    by_role: dict[str, list[str]] = {}
    for p in lines:
        if role is None or p.role == role:
            by_role.setdefault(p.role, []).append(p.action)
    roles = [r for r in TEMPLATES if r in by_role] + sorted(set(by_role) - set(TEMPLATES))
    data = [{"role": r, "actions": sorted(by_role[r])} for r in roles]

    def human() -> None:
        if not data:
            runtime.echo(t("policy.empty"))
        for item in data:
            code = str(item["role"])
            runtime.echo(f"{t(f'rbac.role.{code}')} ({code})")
            for action in item["actions"]:
                runtime.echo(f"  {action}")

    runtime.emit(data, human)
