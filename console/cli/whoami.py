"""``jzctl whoami [--can ACTION REGION [DEPARTMENT]]``: who is signed in here, their unit,
roles and session; with ``--can`` whether they may do ACTION there, and why (exit 0 for
yes, 3 for no)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import typer

from console.cli import runtime
from console.i18n import language, t

EXIT_DENIED = 3


def grant_dict(g: Any) -> dict[str, str]:
    return {"role": g.role, "region": g.region, "department": g.department, "domain": g.domain}


def role_name(role: str) -> str:
    return t(f"rbac.role.{role}")


def trace_dicts(expl: Any) -> list[dict[str, Any]]:
    return [
        {
            "grant": tr.grant.line(),
            "policy": tr.policy.line() if tr.policy else None,
            "covers": tr.covers,
            "decides": tr.decides,
        }
        for tr in expl.traces
    ]


def show_explanation(expl: Any) -> None:
    """The decision, then each grant: its policy line for the action and whether it covers."""
    d = expl.decision
    runtime.echo(t("whoami.can_yes" if d.allowed else "whoami.can_no"))
    runtime.echo(t(d.reason))
    for tr in expl.traces:
        mark = "*" if tr.decides else " "
        policy = tr.policy.line() if tr.policy else t("policy.no_line")
        cover = t("policy.covers" if tr.covers else "policy.not_covers")
        runtime.echo(f" {mark} {tr.grant.line()}  |  {policy}  |  {cover}")


def parse_where(args: list[str]) -> tuple[str, str]:
    """REGION [DEPARTMENT] → (12-digit code, department or "*")."""
    from casedb.errors import InvalidInput

    if not args or len(args) > 2:
        raise InvalidInput("err.can_arguments")
    return args[0], (args[1] if len(args) == 2 else "*")


def run(
    can: str | None = typer.Option(None, "--can", metavar="ACTION", help=t("cli.opt_can")),
    where: list[str] | None = typer.Argument(
        None, metavar="[REGION [DEPARTMENT]]", help=t("cli.arg_can_where")
    ),
) -> None:
    from accounts.bootstrap import identity
    from accounts.org import resolve_region
    from accounts.signin import current_session
    from casedb.errors import InvalidInput
    from rbac.explain import explain

    db = runtime.open_database()
    op = runtime.operator(db)
    if can is None:
        if where:
            raise InvalidInput("err.can_arguments")
        session = current_session(db)
        with db.read() as s:
            me = identity(s, op.account_id)
        grants = op.enforcer.grants_of(op.account_id)
        age = int((datetime.now(UTC) - session.created_at).total_seconds())
        dept = me.department_zh if language() == "zh" else me.department_en
        data = {
            "login": me.login,
            "full_name": me.full_name,
            "region": me.region_code,
            "region_name": me.region_name,
            "department": me.department_code,
            "department_name": dept,
            "post": me.post,
            "roles": [grant_dict(g) for g in grants],
            "session_started_at": session.created_at,
            "session_age_s": age,
        }

        def human() -> None:
            runtime.echo(f"{me.login}  {me.full_name}")
            runtime.echo(t("whoami.unit", region=me.region_name, code=me.region_code, dept=dept))
            if not grants:
                runtime.echo(t("whoami.no_roles"))
            for g in grants:
                runtime.echo(f"  {role_name(g.role)} ({g.role})  {g.domain}")
            runtime.echo(t("whoami.session", minutes=age // 60, seconds=age % 60))

        runtime.emit(data, human)
        return
    raw_region, department = parse_where(where or [])
    with db.read() as s:
        region = resolve_region(s, raw_region).code
        op.enforcer.reload_if_stale(s)
    expl = explain(op.enforcer, op.account_id, can, region, department)
    data2 = {
        "login": op.actor.login,
        "action": can,
        "region": region,
        "department": department,
        "allowed": expl.decision.allowed,
        "reason": expl.decision.reason,
        "message": t(expl.decision.reason),
        "lines": expl.lines(),
        "grants": trace_dicts(expl),
    }
    runtime.emit(data2, lambda: show_explanation(expl))
    if not expl.decision.allowed:
        raise typer.Exit(EXIT_DENIED)


def register(app: typer.Typer) -> None:
    app.command("whoami", help=t("cli.whoami_help"))(runtime.guarded(run))
