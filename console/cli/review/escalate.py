"""``jzctl review escalate [ID]``: pending items of campaigns past their deadline go to the
level above (for a daily timer as well as by hand)."""

from __future__ import annotations

from console.cli import runtime
from console.cli.review import _common as c
from console.i18n import t


def run(campaign_id: int | None = c.CAMPAIGN_ID) -> None:
    from accounts import review

    db = runtime.open_database()
    op = runtime.operator(db)
    result = review.escalate(db.uow(), op.actor, campaign_id=campaign_id)

    def human() -> None:
        if not result.campaigns:
            runtime.echo(t("review.escalated_none"))
        for cid, n in sorted(result.campaigns.items()):
            runtime.echo(t("review.escalated", campaign=cid, items=n))

    runtime.emit({"campaigns": {str(k): v for k, v in result.campaigns.items()}}, human)
