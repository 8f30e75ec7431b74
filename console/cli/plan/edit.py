"""``jzctl plan edit CODE --from FILE [--reason TEXT]``: the plan's next version, from its
whole TOML text (``plan show CODE --source`` gives the current one to start from). The file
is checked first; a bad one changes nothing."""

from __future__ import annotations

from pathlib import Path

import typer

from console.cli import runtime
from console.cli.plan import _common as c
from console.i18n import t


def run(
    code: str = c.PLAN_CODE,
    source: Path = typer.Option(..., "--from", metavar="FILE", help=t("cli.plan_opt_from")),
    reason: str = typer.Option("", "--reason", help=t("cli.plan_opt_reason")),
) -> None:
    from casedb.errors import InvalidInput
    from ops import plans

    try:
        text = source.expanduser().read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        raise InvalidInput("err.file_not_found", path=str(source)) from None
    db = runtime.open_database()
    op = runtime.operator(db)
    plan = plans.edit(
        plans.EditPlan(code, text, reason), db.uow(), op.actor, authorize=op.authorize
    )
    runtime.emit(
        plan.as_dict(),
        lambda: runtime.echo(
            t("plan.edited", code=plan.code, version=plan.version, steps=len(plan.steps))
        ),
    )
