"""``jzctl demo [--size small|province] [--reset]``: seed the demo province."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import Any

import typer

from console.cli import runtime
from console.i18n import t


class DemoSize(StrEnum):
    small = "small"
    province = "province"


STAGES = ("reset", "villages", "accounts", "cases", "finish")


def human_bytes(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"  # pragma: no cover - the loop always returns


def _show_progress() -> bool:
    if runtime.settings.json:
        return False
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


@contextmanager
def _progress() -> Iterator[Callable[[str, int, int], None] | None]:
    """A progress bar per stage on stderr, only on a terminal and never with --json."""
    if not _show_progress():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    bars = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=False,
    )
    tasks: dict[str, Any] = {}

    def report(stage: str, done: int, total: int) -> None:
        task = tasks.get(stage)
        if task is None:
            task = tasks[stage] = bars.add_task(t(f"demo.stage_{stage}"), total=total)
        bars.update(task, completed=done, total=total)

    with bars:
        yield report


def run(
    size: DemoSize = typer.Option(
        DemoSize.small, "--size", case_sensitive=False, help=t("cli.opt_demo_size")
    ),
    reset: bool = typer.Option(False, "--reset", help=t("cli.opt_demo_reset")),
) -> None:
    from accounts.demo import DEMO_ADMIN_LOGIN, seed_demo
    from audit_log.actor import local_actor

    db = runtime.open_database(require_schema=False, create=True)
    try:
        with _progress() as report:
            summary = seed_demo(db, size.value, reset=reset, progress=report, actor=local_actor())
    finally:
        db.dispose()
    data = {"database": db.redacted_url, "demo_admin": DEMO_ADMIN_LOGIN, **summary.as_dict()}

    def human() -> None:
        runtime.echo(
            t(
                "demo.done",
                size=summary.size,
                seed=summary.seed,
                seconds=summary.seconds,
                url=db.redacted_url,
            )
        )
        runtime.echo(t("demo.line_villages", n=summary.villages))
        runtime.echo(t("demo.line_accounts", n=summary.accounts, login=DEMO_ADMIN_LOGIN))
        runtime.echo(
            t(
                "demo.line_cases",
                n=summary.cases,
                open=summary.open_cases,
                overdue=summary.overdue_cases,
                events=summary.case_events,
            )
        )
        if summary.db_bytes is not None:
            runtime.echo(t("demo.line_size", size=human_bytes(summary.db_bytes)))
        runtime.echo(t("demo.fictitious"))

    runtime.emit(data, human)


def register(app: typer.Typer) -> None:
    app.command("demo", help=t("cli.demo_help"))(runtime.guarded(run))
