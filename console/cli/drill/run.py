"""``jzctl drill run KIND | --id N``: run a drill in a sandbox, step by step (progress on
stderr), then record it. Exit 5 when a step failed (the drill is recorded as failed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from console.cli import runtime
from console.i18n import t


def run(
    kind: str | None = typer.Argument(
        None, metavar="[restore|compromised_admin|audit_tamper]", help=t("cli.drill_arg_kind")
    ),
    drill_id: int | None = typer.Option(None, "--id", metavar="N", help=t("cli.drill_opt_id")),
    plan_code: str | None = typer.Option(
        None, "--plan", metavar="CODE", help=t("cli.drill_opt_plan")
    ),
    participants: list[str] = typer.Option(
        [], "--participant", metavar="NAME", help=t("cli.drill_opt_participant")
    ),
    target: str | None = typer.Option(
        None, "--target", metavar="LOGIN", help=t("cli.drill_opt_target")
    ),
    directory: Path | None = typer.Option(
        None, "--dir", metavar="DIR", help=t("cli.drill_opt_dir")
    ),
    scratch: str | None = typer.Option(
        None, "--scratch", metavar="URL", help=t("cli.drill_opt_scratch")
    ),
) -> None:
    from casedb.errors import UsageProblem
    from ops import drills

    if (kind is None) == (drill_id is None):
        raise UsageProblem("err.drill_kind_or_id")
    db = runtime.open_database()
    op = runtime.operator(db)

    def hook(step: str, state: str, detail: dict[str, Any]) -> None:
        if runtime.settings.json or state == "start":
            return
        runtime.note(
            t("drill.step_line", mark=t(f"drill.mark.{state}"), step=t(f"drill.step.{step}"))
        )

    cmd = drills.RunDrill(
        kind=kind.strip().lower() if kind else None,
        drill_id=drill_id,
        plan_code=plan_code,
        participants=tuple(participants),
        target_login=target,
        backup_root=directory,
        scratch_url=scratch,
    )
    v = drills.run_drill(cmd, db, op.actor, authorize=op.authorize, hook=hook)

    def human() -> None:
        runtime.echo(
            t(
                f"drill.result_{v.state}",
                id=v.id,
                kind=t(f"drill.kind.{v.kind}"),
                plan=v.plan_code,
                seconds=v.figures.get("seconds", 0),
            )
        )
        for st in v.steps:
            line = f"  {t('drill.mark.' + st.outcome)} {t('drill.step.' + st.name)} ({st.ms} ms)"
            if st.outcome == "fail":
                line += "  " + _reason(str(st.detail.get("reason", "")), st.detail)
            runtime.echo(line)
        for key, value in v.figures.items():
            if isinstance(value, int | float | str) and key != "live_checksum":
                runtime.echo(f"  {t('drill.figure.' + key) if key in _FIGURES else key}: {value}")

    runtime.emit(v.as_dict(), human)
    if v.state != "passed":
        raise typer.Exit(5)


_FIGURES = (
    "rto_seconds",
    "rpo_hours",
    "rto_target_hours",
    "rpo_target_hours",
    "seconds",
    "copy_seconds",
    "containment_seconds",
    "denied_checks",
    "rows",
    "backup",
    "target",
)


def _reason(reason: str, detail: dict[str, Any]) -> str:
    """A failed step's reason in the interface language (a drill reason or an error key)."""
    from console.i18n import has

    key = reason if reason.startswith("err.") else f"drill.reason.{reason}"
    if not has(key):
        return reason
    return t(key, **{k: v for k, v in detail.items() if k != "reason"})
