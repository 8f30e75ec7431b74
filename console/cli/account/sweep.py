"""``jzctl account sweep [--days 90] [--dry-run]``: disable accounts unused for N days (cron)."""

from __future__ import annotations

import typer

from console.cli import runtime
from console.cli.account import _common as c
from console.i18n import t


def run(
    days: int = typer.Option(90, "--days", min=1, max=3650, help=t("cli.opt_sweep_days")),
    dry_run: bool = typer.Option(False, "--dry-run", help=t("cli.opt_dry_run")),
) -> None:
    from accounts.cli_support import sweep
    from audit_log.actor import SYSTEM
    from casedb.errors import PermissionDenied

    db = runtime.open_database()
    try:
        op = runtime.operator(db)
    except PermissionDenied as exc:
        if exc.key != "err.signin_required":
            raise
        # Nobody signed in (cron): the sweep runs as "system"; it only takes access away.
        result = sweep(db, SYSTEM, days=days, decide=None, dry_run=dry_run)
    else:

        def decide(action: str, region: str, department: str) -> bool:
            return op.decide(action, region, department).allowed

        result = sweep(db, op.actor, days=days, decide=decide, dry_run=dry_run)
    data = {
        "days": result.days,
        "cutoff": result.cutoff,
        "dry_run": result.dry_run,
        "disabled": [
            {"login_name": r.login_name, "status": r.status, "last_used": r.last_used}
            for r in result.disabled
        ],
        "out_of_scope": result.out_of_scope,
    }

    def human() -> None:
        if result.disabled:
            rows: list[tuple[str, ...]] = [
                (t("field.login_name"), t("field.status"), t("account.last_login_at"))
            ]
            rows += [
                (r.login_name, t(f"status.{r.status}"), c.show_time(r.last_used))
                for r in result.disabled
            ]
            runtime.echo(runtime.table(rows, align_right=()))
        key = "account.sweep_dry_run" if dry_run else "account.sweep_done"
        runtime.echo(
            t(key, count=len(result.disabled), days=days, cutoff=c.show_time(result.cutoff))
        )
        if result.out_of_scope:
            runtime.note(t("account.sweep_out_of_scope", count=result.out_of_scope))

    runtime.emit(data, human)
