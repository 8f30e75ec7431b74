"""``jzctl case show CASE_NO``: the case, its current step and limit, its step history and
its supervision notices with their timelines."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import typer

from console.cli import runtime
from console.cli.case import _common as c
from console.i18n import t

CASE_NO = typer.Argument(..., metavar="CASE_NO", help=t("cli.case_arg_case_no"))


def run(case_no: str = CASE_NO) -> None:
    from accounts import supervision
    from console.cli.account._common import echo_pairs

    db = runtime.open_database()
    op = runtime.operator(db)
    now = datetime.now(UTC)
    shown = supervision.show_case(case_no, db, op.actor, now=now)
    case = shown.detail.case
    data: dict[str, Any] = {
        "case_no": case.case_no,
        "region": case.region_code,
        "department": case.department_code,
        "item": case.item_code,
        "channel": case.channel,
        "status": case.status,
        "step": case.step,
        "step_level": case.step_level,
        "assignee": shown.detail.assignee_login,
        "step_deadline": case.step_deadline,
        "step_limit": shown.limit or None,
        "overdue": shown.overdue,
        "ten_day": shown.ten_day,
        "created_at": case.created_at,
        "closed_at": case.closed_at,
        "events": shown.detail.events,
        "notices": [n.as_dict() for n in shown.detail.notices],
    }

    def human() -> None:
        flags = []
        if shown.overdue:
            flags.append(t("case.flag_overdue"))
        if shown.ten_day:
            flags.append(t("case.flag_ten_day"))
        limit = (
            t(f"case.limit_{shown.limit['unit']}", amount=shown.limit["amount"])
            if shown.limit
            else "-"
        )
        echo_pairs(
            [
                (t("case.f_case_no"), case.case_no),
                (t("case.f_item"), c.item_name(case.item_code)),
                (t("case.f_region"), case.region_code),
                (t("case.f_department"), runtime.department_name(case.department_code)),
                (t("case.f_channel"), t(f"case.channel.{case.channel}")
                 if case.channel in ("self", "proxy", "government") else case.channel),
                (t("case.f_step"), c.step_name(case.step)),
                (t("case.f_limit"), limit),
                (t("case.f_deadline"), c.when(case.step_deadline)
                 + (f" ({', '.join(flags)})" if flags else "")),
                (t("case.f_assignee"), shown.detail.assignee_login or "-"),
                (t("case.f_created"), c.when(case.created_at)),
                (t("case.f_closed"), c.when(case.closed_at)),
            ]
        )  # fmt: skip
        runtime.echo("")
        runtime.echo(t("case.history"))
        rows = [(t("case.f_at"), t("case.f_action"), t("case.f_step"), t("case.f_actor"),
                 t("case.f_note"))]  # fmt: skip
        rows += [
            (
                c.when(e["at"]),
                e["action"],
                c.step_name(e["step"]),
                e["actor"] or "-",
                e["note"] or "",
            )
            for e in shown.detail.events
        ]
        runtime.echo(runtime.table(rows, align_right=()))
        for n in shown.detail.notices:
            runtime.echo("")
            runtime.echo(t("case.notice_line", id=n.id, state=t(f"case.notice_state.{n.state}"),
                           unit=f"{n.unit_region}|{n.unit_department}",
                           due=c.when(n.due_at)))  # fmt: skip
            for e in n.timeline:
                runtime.echo(f"  {c.when(e['at'])}  {t('case.notice_state.' + e['action'])}"
                             f"  {e['actor'] or '-'}  {e['note']}")  # fmt: skip

    runtime.emit(data, human)
