"""What the ``jzctl case`` verbs share: filter options, names of items and steps, times."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import typer

from console.cli import runtime
from console.i18n import language, t

if TYPE_CHECKING:
    from accounts.supervision import CaseQuery
    from casedb.calendar import WorkCalendar
    from casedb.engine import Database
    from casedb.supervision_queries import CaseRow

REGION = typer.Option(None, "--region", metavar="CODE", help=t("cli.case_opt_region"))
DEPARTMENT = typer.Option(None, "--dept", metavar="DEPT", help=t("cli.case_opt_dept"))
ITEM = typer.Option(None, "--item", metavar="ITEM", help=t("cli.case_opt_item"))
DUE_SOON = typer.Option(False, "--due-soon", help=t("cli.case_opt_due_soon"))
TEN_DAY = typer.Option(False, "--ten-day", help=t("cli.case_opt_ten_day"))
WITHIN = typer.Option(1, "--within", metavar="DAYS", help=t("cli.case_opt_within"))


def kind_of(due_soon: bool, ten_day: bool) -> str:
    from casedb.errors import InvalidInput

    if due_soon and ten_day:
        raise InvalidInput("err.cli_case_one_kind")
    return "due_soon" if due_soon else "ten_day" if ten_day else "overdue"


def region_of(raw: str | None) -> str | None:
    from casedb.supervision_queries import region_arg

    return None if raw is None else region_arg(raw)


def account_id(db: Database, login: str) -> int:
    from accounts.bootstrap import account_id_by_login

    with db.read() as s:
        return account_id_by_login(s, login)


def query(
    db: Database,
    *,
    due_soon: bool,
    ten_day: bool,
    region: str | None,
    department: str | None,
    item: str | None,
    within: int = 1,
    assignee: str | None = None,
) -> CaseQuery:
    from accounts.supervision import CaseQuery

    kind: Any = kind_of(due_soon, ten_day)
    return CaseQuery(
        kind=kind,
        region=region_of(region),
        department=department,
        item=item,
        assignee_id=account_id(db, assignee) if assignee else None,
        due_within=within,
    )


def load_calendar(db: Database) -> WorkCalendar:
    from casedb.calendar import WorkCalendar

    with db.read() as s:
        return WorkCalendar.load(s)


def warn_calendar(cal: WorkCalendar) -> None:
    for year in sorted(cal.warnings):
        runtime.note(t("calendar.fallback_warning", year=year))


def item_name(code: str) -> str:
    from casedb.reference import ITEMS

    for it in ITEMS:
        if it.code == code:
            return it.name_zh if language() == "zh" else it.name_en
    return code


def step_name(code: str) -> str:
    key = f"case.step.{code}"
    text = t(key)
    return code if text == key else text


def when(at: datetime | None) -> str:
    from console.cli.account._common import show_time

    return show_time(at)


def late_by(deadline: datetime | None, now: datetime) -> str:
    """How long past (or before) the deadline, in days and hours."""
    if deadline is None:
        return "-"
    seconds = int((now - deadline).total_seconds())
    sign = "" if seconds >= 0 else "-"
    seconds = abs(seconds)
    days, hours = seconds // 86_400, seconds % 86_400 // 3600
    return sign + t("case.duration", days=days, hours=hours)


def case_rows(items: list[CaseRow], now: datetime, *, ten_day: bool) -> str:
    head = (t("case.f_case_no"), t("case.f_item"), t("case.f_step"), t("case.f_unit"),
            t("case.f_assignee"), t("case.f_created") if ten_day else t("case.f_deadline"),
            t("case.f_age") if ten_day else t("case.f_late"), t("case.f_notices"))  # fmt: skip
    rows = [head] + [
        (
            r.case_no,
            item_name(r.item_code),
            step_name(r.step),
            f"{r.unit_region}|{runtime.department_name(r.department_code)}",
            r.assignee_login or "-",
            when(r.created_at if ten_day else r.step_deadline),
            late_by(r.created_at if ten_day else r.step_deadline, now),
            str(r.open_notices) if r.open_notices else "",
        )
        for r in items
    ]
    return runtime.table(rows, align_right=(6, 7))
