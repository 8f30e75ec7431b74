"""``jzctl status``: the signed-in admin's overview — the same figures as the TUI's first
screen (what waits for them, what is wrong), each with the list behind it."""

from __future__ import annotations

import typer

from console.cli import runtime
from console.i18n import t


def run() -> None:
    from ops.dashboard import figures

    db = runtime.open_database()
    op = runtime.operator(db)
    found = figures(db, op.account_id)
    data = [
        {
            "figure": f.key,
            "value": f.value,
            "capped": f.capped,
            "state": f.state,
            "opens": f.opens,
            "filter": f.filter,
            "details": f.details,
        }
        for f in found
    ]

    def human() -> None:
        from console.figures import detail_label, figure_label, value_label

        rows: list[tuple[str, ...]] = [
            (t("status.col_state"), t("status.col_figure"), t("status.col_value"),
             t("status.col_detail"))
        ]  # fmt: skip
        for f in found:
            rows.append(
                (t(f"tui.dash.state.{f.state}"), figure_label(f.key), value_label(f),
                 detail_label(f))
            )  # fmt: skip
        runtime.echo(runtime.table(rows))

    runtime.emit(data, human)


def register(app: typer.Typer) -> None:
    app.command("status", help=t("cli.status_help"))(runtime.guarded(run))
