"""``jzctl case check``: data checks (seed 001) in the actor's scope — open cases assigned
to disabled, archived or suspended accounts; cases with impossible timelines; units with
open cases and no active handler. Exit 0 either way: findings are data, not errors."""

from __future__ import annotations

from datetime import UTC, datetime

import typer

from console.cli import runtime
from console.cli.case import _common as c
from console.i18n import t


def run(
    region: str | None = c.REGION,
    department: str | None = c.DEPARTMENT,
    only: list[str] = typer.Option([], "--only", metavar="CHECK", help=t("cli.case_opt_only")),
    show: int = typer.Option(20, "--show", min=0, max=500, help=t("cli.case_opt_show")),
) -> None:
    from accounts import supervision
    from casedb.supervision_queries import CHECKS

    db = runtime.open_database()
    op = runtime.operator(db)
    findings = supervision.data_checks(
        db, op.actor, region=c.region_of(region), department=department,
        only=tuple(only) or CHECKS, show=show, now=datetime.now(UTC),
    )  # fmt: skip
    data = {"findings": [f.as_dict() for f in findings]}

    def human() -> None:
        for f in findings:
            runtime.echo(t(f"case.check.{f.check}", count=f.count))
            for item in f.items:
                if f.check == "assigned_to_inactive":
                    line = t("case.check_inactive_row", case=item["case_no"],
                             assignee=item["assignee"], status=item["status"])  # fmt: skip
                elif f.check == "impossible_timeline":
                    line = t("case.check_timeline_row", case=item["case_no"],
                             problem=t(f"case.problem.{item['problem']}"))  # fmt: skip
                else:
                    line = t("case.check_unit_row", unit=item["unit"], count=item["open_cases"])
                runtime.echo("  " + line)

    runtime.emit(data, human)
