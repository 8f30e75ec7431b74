"""``jzctl policy lint``: dangerous policy and grants; exit 1 when anything is found."""

from __future__ import annotations

import typer

from console.cli import runtime
from console.i18n import t


def run() -> None:
    from console.cli.policy._common import admin_operator
    from rbac.lint import lint_db

    db = runtime.open_database()
    admin_operator(db)
    with db.read() as s:
        findings = lint_db(s)
    data = {
        "findings": [
            {
                "kind": f.kind,
                "subject": f.subject,
                "detail": f.detail,
                "message": t(f.key, subject=f.subject, detail=f.detail),
            }
            for f in findings
        ],
        "clean": not findings,
    }

    def human() -> None:
        if not findings:
            runtime.echo(t("policy.lint_clean"))
            return
        runtime.echo(t("policy.lint_found", n=len(findings)))
        for f in findings:
            runtime.echo("  " + t(f.key, subject=f.subject, detail=f.detail))

    runtime.emit(data, human)
    if findings:
        raise typer.Exit(1)
