"""``jzctl review close ID``: end a campaign; no more decisions are taken on it."""

from __future__ import annotations

import typer

from console.cli import runtime
from console.cli.review import _common as c
from console.i18n import t


def run(
    campaign_id: int = typer.Argument(..., metavar="ID", help=t("cli.review_arg_campaign")),
) -> None:
    from accounts import review

    db = runtime.open_database()
    op = runtime.operator(db)
    view = review.close(review.CampaignRef(campaign_id), db.uow(), op.actor)
    runtime.emit(
        c.campaign_data(view), lambda: runtime.echo(t("review.closed") + c.campaign_line(view))
    )
