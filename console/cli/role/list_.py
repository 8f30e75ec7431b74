"""``jzctl role list [LOGIN]``: the grants an account holds (your own without LOGIN)."""

from __future__ import annotations

import typer

from console.cli import runtime
from console.i18n import t


def run(
    login: str | None = typer.Argument(None, metavar="LOGIN", help=t("cli.arg_login_other")),
) -> None:
    from accounts.authz import check_grants_readable
    from accounts.bootstrap import account_id_by_login, identity
    from rbac.queries import grants_of

    db = runtime.open_database()
    op = runtime.operator(db)
    with db.read() as s:
        target = op.account_id if login is None else account_id_by_login(s, login)
        who = identity(s, target)
        grants = grants_of(s, target)
    check_grants_readable(op, who)
    data = {
        "login": who.login,
        "full_name": who.full_name,
        "grants": [
            {"role": g.role, "region": g.region, "department": g.department, "domain": g.domain}
            for g in grants
        ],
    }

    def human() -> None:
        runtime.echo(f"{who.login}  {who.full_name}")
        if not grants:
            runtime.echo(t("whoami.no_roles"))
            return
        rows: list[tuple[str, ...]] = [
            (t("role.col_role"), t("role.col_code"), t("role.col_region"), t("role.col_dept"))
        ]
        rows += [(t(f"rbac.role.{g.role}"), g.role, g.region, g.department) for g in grants]
        runtime.echo(runtime.table(rows, align_right=()))

    runtime.emit(data, human)
