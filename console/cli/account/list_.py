"""``jzctl account list``: the accounts the signed-in admin administers, a page at a time."""

from __future__ import annotations

import typer

from console.cli import runtime
from console.i18n import t

REGION = typer.Option(None, "--region", metavar="CODE", help=t("cli.opt_list_region"))
DEPARTMENT = typer.Option(None, "--department", metavar="DEPT", help=t("cli.opt_list_department"))
ROLE = typer.Option(None, "--role", metavar="ROLE", help=t("cli.opt_list_role"))
STATUS = typer.Option(None, "--status", metavar="STATUS", help=t("cli.opt_list_status"))
NAME = typer.Option(None, "--name", metavar="PREFIX", help=t("cli.opt_list_name"))


def run(
    region: str | None = REGION,
    department: str | None = DEPARTMENT,
    role: str | None = ROLE,
    status: str | None = STATUS,
    name: str | None = NAME,
    after: str | None = typer.Option(None, "--after", metavar="LOGIN", help=t("cli.opt_after")),
    limit: int = typer.Option(50, "--limit", min=1, max=500, help=t("cli.opt_list_limit")),
) -> None:
    from accounts import cli_support as cs

    db = runtime.open_database()
    op = runtime.operator(db)
    f = cs.ListFilter(region, department, role, status, name)
    page = cs.list_accounts(
        db, op.actor, op.enforcer.grants_of(op.account_id), f, after=after, limit=limit
    )
    data = {"accounts": [r.as_dict() for r in page.rows], "next_after": page.next_after}

    def human() -> None:
        if not page.rows:
            runtime.echo(t("account.list_none"))
            return
        rows: list[tuple[str, ...]] = [
            (
                t("field.login_name"),
                t("field.full_name"),
                t("account.col_unit"),
                t("field.post"),
                t("field.id_number"),
                t("field.mobile"),
                t("field.status"),
            )
        ]
        for r in page.rows:
            rows.append(
                (
                    r.login_name,
                    r.full_name,
                    f"{r.region_name} · {runtime.department_name(r.department_code)}",
                    r.post or "-",
                    r.id_masked or "-",
                    r.mobile_masked or "-",
                    t(f"status.{r.status}"),
                )
            )
        runtime.echo(runtime.table(rows, align_right=()))
        if page.next_after is not None:
            runtime.note(t("account.list_more", cursor=page.next_after))

    runtime.emit(data, human)
