"""``jzctl role grant|revoke LOGIN ROLE --region CODE [--department D]``: through
rbac.grants with the signed-in admin's own grants; a refusal exits 3 and is recorded."""

from __future__ import annotations

import typer

from console.cli import runtime
from console.i18n import t


def _change(login: str, role: str, region: str, department: str | None, *, revoking: bool) -> None:
    from accounts.bootstrap import account_id_by_login
    from accounts.org import resolve_region
    from casedb.errors import InvalidInput
    from rbac.grants import grant, revoke
    from rbac.templates import ALL_DEPARTMENTS, TEMPLATES

    if role not in TEMPLATES:
        raise InvalidInput("err.rbac_unknown_role", role=role[:40])
    db = runtime.open_database()
    op = runtime.operator(db)
    with db.read() as s:
        target = account_id_by_login(s, login)
        code = resolve_region(s, region).code
        op.enforcer.reload_if_stale(s)
    if department is None:
        from accounts.bootstrap import identity

        office_wide = TEMPLATES[role].departments == frozenset({ALL_DEPARTMENTS})
        if office_wide:
            department = ALL_DEPARTMENTS
        else:
            with db.read() as s:
                department = identity(s, target).department_code
    domain = f"{code}|{department}"
    change = revoke if revoking else grant
    with db.uow() as uow:
        done = change(uow.session, op.enforcer.grants_of(op.account_id), target, role, domain,
                      op.actor)  # fmt: skip
        uow.commit()
    data = {
        "login": login,
        "role": done.role,
        "region": done.region,
        "department": done.department,
        "domain": done.domain,
        "revoked" if revoking else "granted": True,
    }
    key = "role.revoked" if revoking else "role.granted"
    runtime.emit(
        data, lambda: runtime.echo(t(key, login=login, role=t(f"rbac.role.{role}"), domain=domain))
    )


def run_grant(
    login: str = typer.Argument(..., metavar="LOGIN", help=t("cli.arg_login_other")),
    role: str = typer.Argument(..., metavar="ROLE", help=t("cli.arg_role")),
    region: str = typer.Option(..., "--region", metavar="CODE", help=t("cli.opt_grant_region")),
    department: str | None = typer.Option(
        None, "--department", metavar="D", help=t("cli.opt_grant_department")
    ),
) -> None:
    _change(login, role, region, department, revoking=False)


def run_revoke(
    login: str = typer.Argument(..., metavar="LOGIN", help=t("cli.arg_login_other")),
    role: str = typer.Argument(..., metavar="ROLE", help=t("cli.arg_role")),
    region: str = typer.Option(..., "--region", metavar="CODE", help=t("cli.opt_grant_region")),
    department: str | None = typer.Option(
        None, "--department", metavar="D", help=t("cli.opt_grant_department")
    ),
) -> None:
    _change(login, role, region, department, revoking=True)
