"""What the ``jzctl plan`` verbs share."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from console.cli import runtime
from console.i18n import t

if TYPE_CHECKING:
    from accounts.authz import Operator
    from casedb.engine import Database

PLAN_CODE = typer.Argument(..., metavar="CODE", help=t("cli.plan_arg_code"))


def reader(db: Database) -> Operator:
    """The signed-in admin, one of the three separated roles (a refusal is recorded)."""
    from audit_log import incidents as inc

    op = runtime.operator(db)
    inc.authorise(
        db.uow(), op.actor, "plan.read", op.authorize, inc.READ_ACTIONS, target_kind="plan"
    )
    return op


def drill_name(kind: str | None) -> str:
    return t(f"drill.kind.{kind}") if kind else "-"
