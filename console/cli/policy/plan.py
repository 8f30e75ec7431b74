"""``jzctl policy plan FILE``: the lines a policy file (as ``policy export`` writes it) would
add and remove, and those ``apply`` would refuse; changes nothing (exit 1 when refused)."""

from __future__ import annotations

from pathlib import Path

import typer

from console.cli import runtime
from console.i18n import t

POLICY_FILE = typer.Argument(..., metavar="FILE", help=t("cli.arg_policy_file"))


def run(path: Path = POLICY_FILE) -> None:
    from console.cli.policy._common import admin_operator
    from rbac.policy_file import plan_policy, problems_of, read_policy_file

    db = runtime.open_database()
    admin_operator(db)
    wanted = read_policy_file(path)
    with db.read() as s:
        diff = plan_policy(s, wanted)
    problems = problems_of(diff, wanted)
    data = {
        "file": str(path),
        **diff.as_dict(),
        "refused": [
            {
                "role": p.role,
                "action": p.action,
                "reason": p.reason,
                "message": t(p.reason, role=p.role, action=p.action),
            }
            for p in problems
        ],
    }

    def human() -> None:
        for line in diff.lines():
            runtime.echo(line)
        if diff.empty:
            runtime.echo(t("policy.plan_same"))
        else:
            runtime.echo(t("policy.plan_summary", added=len(diff.added), removed=len(diff.removed)))
        for p in problems:
            runtime.echo(
                t("policy.plan_refused", message=t(p.reason, role=p.role, action=p.action))
            )

    runtime.emit(data, human)
    if problems:
        raise typer.Exit(1)
