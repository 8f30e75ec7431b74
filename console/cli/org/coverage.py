"""``jzctl org coverage [CODE]``: county departments with no active caseworker and
townships with no active township leader, in a region's subtree (a signed-in admin)."""

from __future__ import annotations

import typer

from console.cli import runtime
from console.i18n import language, t


def run(
    code: str = typer.Argument("53", metavar="CODE", help=t("cli.arg_region")),
) -> None:
    from accounts.org import resolve_region
    from casedb.reference import DEPARTMENTS
    from console.cli.policy._common import admin_operator
    from rbac.queries import coverage

    db = runtime.open_database()
    admin_operator(db)
    with db.read() as s:
        root = resolve_region(s, code)
        result = coverage(s, root.code)
    names = {d.code: (d.name_zh if language() == "zh" else d.name_en) for d in DEPARTMENTS}
    gaps = [
        {
            "kind": g.kind,
            "region": g.region,
            "region_name": g.region_name,
            "department": g.department,
        }
        for g in result.gaps
    ]
    data = {
        "root": root.code,
        "root_name": root.name,
        "cells": result.cells,
        "townships": result.townships,
        "operator_gaps": sum(1 for g in result.gaps if g.kind == "operator"),
        "approver_gaps": sum(1 for g in result.gaps if g.kind == "approver"),
        "gaps": gaps,
    }

    def human() -> None:
        runtime.echo(
            t(
                "coverage.summary",
                name=root.name,
                cells=result.cells,
                operator_gaps=data["operator_gaps"],
                townships=result.townships,
                approver_gaps=data["approver_gaps"],
            )
        )
        if not gaps:
            return
        rows: list[tuple[str, ...]] = [
            (t("coverage.col_kind"), t("coverage.col_region"), t("coverage.col_name"),
             t("coverage.col_dept"))
        ]  # fmt: skip
        for g in result.gaps:
            dept = names.get(g.department, "-") if g.department != "*" else "-"
            rows.append((t(f"coverage.kind_{g.kind}"), g.region, g.region_name, dept))
        runtime.echo(runtime.table(rows, align_right=()))

    runtime.emit(data, human)
