"""``jzctl policy check|explain LOGIN ACTION REGION [DEPARTMENT]``: may LOGIN do ACTION
there (exit 0 yes, 3 no); ``explain`` adds the grant and the policy line that decided."""

from __future__ import annotations

import typer

from console.cli import runtime
from console.i18n import t

EXIT_DENIED = 3


def _decide(login: str, action: str, region: str, department: str, *, detailed: bool) -> None:
    from accounts.bootstrap import account_id_by_login
    from accounts.org import resolve_region
    from console.cli.policy._common import admin_operator
    from console.cli.whoami import show_explanation, trace_dicts
    from rbac.enforcer import Enforcer
    from rbac.explain import explain

    db = runtime.open_database()
    admin_operator(db)
    with db.read() as s:
        target = account_id_by_login(s, login)
        code = resolve_region(s, region).code
        enforcer = Enforcer.for_account(s, target)
    expl = explain(enforcer, target, action, code, department)
    d = expl.decision
    data = {
        "login": login,
        "action": action,
        "region": code,
        "department": department,
        "allowed": d.allowed,
        "reason": d.reason,
        "message": t(d.reason),
        "lines": expl.lines(),
    }
    if detailed:
        data["grants"] = trace_dicts(expl)

    def human() -> None:
        if detailed:
            show_explanation(expl)
            return
        runtime.echo(t("whoami.can_yes" if d.allowed else "whoami.can_no"))
        runtime.echo(t(d.reason))

    runtime.emit(data, human)
    if not d.allowed:
        raise typer.Exit(EXIT_DENIED)


def run_check(
    login: str = typer.Argument(..., metavar="LOGIN", help=t("cli.arg_login_other")),
    action: str = typer.Argument(..., metavar="ACTION", help=t("cli.arg_action")),
    region: str = typer.Argument(..., metavar="REGION", help=t("cli.arg_region")),
    department: str = typer.Argument("*", metavar="[DEPARTMENT]", help=t("cli.arg_department")),
) -> None:
    _decide(login, action, region, department, detailed=False)


def run_explain(
    login: str = typer.Argument(..., metavar="LOGIN", help=t("cli.arg_login_other")),
    action: str = typer.Argument(..., metavar="ACTION", help=t("cli.arg_action")),
    region: str = typer.Argument(..., metavar="REGION", help=t("cli.arg_region")),
    department: str = typer.Argument("*", metavar="[DEPARTMENT]", help=t("cli.arg_department")),
) -> None:
    _decide(login, action, region, department, detailed=True)
