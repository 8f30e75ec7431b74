"""What the ``jzctl review`` verbs share: arguments and rendering a campaign."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import typer

from console.cli import runtime
from console.i18n import t

if TYPE_CHECKING:
    from accounts.review import CampaignView

CAMPAIGN_ID = typer.Argument(None, metavar="ID", help=t("cli.review_arg_campaign"))


def show_time(at: Any) -> str:
    if at is None:
        return "-"
    from casedb.clock import show_local

    return str(show_local(at, seconds=False))


def scope_text(region: str, department: str) -> str:
    dept = t("review.all_departments") if department == "*" else runtime.department_name(department)
    return f"{region} {dept}"


def campaign_data(view: CampaignView) -> dict[str, Any]:
    return asdict(view)


def campaign_line(view: CampaignView) -> str:
    return t(
        "review.campaign_line",
        id=view.id,
        level=t(f"review.level.{view.level}"),
        scope=scope_text(view.region_code, view.department),
        items=view.items,
        deadline=show_time(view.deadline),
        state=t(f"review.state.{view.state}"),
    )
