"""``jzctl review start --level LEVEL [--region CODE] [--department D] [--days N]``: open an
annual review of every account at that level in the scope (the province by default)."""

from __future__ import annotations

import typer

from console.cli import runtime
from console.cli.review import _common as c
from console.i18n import t


def run(
    level: str = typer.Option(..., "--level", metavar="LEVEL", help=t("cli.review_opt_level")),
    region: str | None = typer.Option(
        None, "--region", metavar="CODE", help=t("cli.review_opt_region")
    ),
    department: str = typer.Option(
        "*", "--department", metavar="DEPT", help=t("cli.review_opt_department")
    ),
    days: int = typer.Option(10, "--days", metavar="N", help=t("cli.review_opt_days")),
    title: str = typer.Option("", "--title", metavar="TEXT", help=t("cli.review_opt_title")),
) -> None:
    from accounts import review

    db = runtime.open_database()
    op = runtime.operator(db)
    cmd = review.StartReview(level, region, department, days, title)
    with runtime.progress(t("review.starting")):
        started = review.start(cmd, db.uow(), op.actor)
    for year in started.calendar_warnings:
        runtime.note(t("calendar.fallback_warning", year=year))
    view = started.campaign
    runtime.emit(
        c.campaign_data(view),
        lambda: runtime.echo(t("review.started") + c.campaign_line(view)),
    )
