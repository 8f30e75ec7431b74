"""``jzctl review status [ID] [--escalated]``: completion per unit of a campaign (the latest
by default), for the units the signed-in person's grants reach."""

from __future__ import annotations

from dataclasses import asdict

import typer

from console.cli import runtime
from console.cli.review import _common as c
from console.i18n import t


def run(
    campaign_id: int | None = c.CAMPAIGN_ID,
    escalated: bool = typer.Option(False, "--escalated", help=t("cli.review_opt_escalated")),
) -> None:
    from accounts import review

    db = runtime.open_database()
    op = runtime.operator(db)
    with db.read() as s:
        st = review.status(s, campaign_id, viewer=op.account_id, escalated_only=escalated)
    totals = st.totals()
    data = {
        "campaign": c.campaign_data(st.campaign),
        "units": [asdict(u) for u in st.units],
        "totals": totals,
    }

    def human() -> None:
        runtime.echo(c.campaign_line(st.campaign))
        if not st.units:
            runtime.echo(t("review.status_empty"))
            return
        head = tuple(
            t(f"review.col_{k}")
            for k in ("region", "name", "department", "total", "confirmed", "revoked",
                      "pending", "overdue", "escalated")
        )  # fmt: skip
        rows = [head] + [
            (u.region, u.region_name, runtime.department_name(u.department), str(u.total),
             str(u.confirmed), str(u.revoked), str(u.pending), str(u.overdue), str(u.escalated))
            for u in st.units
        ]  # fmt: skip
        rows.append(
            (t("review.col_all"), "", "", *(str(totals[k]) for k in
             ("total", "confirmed", "revoked", "pending", "overdue", "escalated")))
        )  # fmt: skip
        runtime.echo(runtime.table(rows, align_right=(3, 4, 5, 6, 7, 8)))

    runtime.emit(data, human)
