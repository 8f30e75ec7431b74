"""``jzctl case supervise issue|reply|close|list``: supervision notices (督办), tracked to
closure — handed over and handled, a result reached, the result reported (交必办、办必果、
果必报) — and the unit's inbox of notices."""

from __future__ import annotations

from datetime import UTC, datetime

import typer

from console.cli import runtime
from console.cli.case import _common as c
from console.i18n import t

app = typer.Typer(no_args_is_help=True, add_completion=False)
NOTICE_ID = typer.Argument(..., metavar="NOTICE", help=t("cli.case_arg_notice"))
NOTE = typer.Option("", "--note", metavar="TEXT", help=t("cli.case_opt_note"))


def issue(
    case_nos: list[str] = typer.Argument(None, metavar="[CASE_NO]...",
                                         help=t("cli.case_arg_case_nos")),
    reason: str = typer.Option(..., "--reason", metavar="TEXT", help=t("cli.case_opt_reason")),
    days: int = typer.Option(3, "--days", metavar="N", help=t("cli.case_opt_reply_days")),
    overdue: bool = typer.Option(False, "--overdue", help=t("cli.case_opt_all_overdue")),
    due_soon: bool = c.DUE_SOON,
    ten_day: bool = c.TEN_DAY,
    within: int = c.WITHIN,
    region: str | None = c.REGION,
    department: str | None = c.DEPARTMENT,
    item: str | None = c.ITEM,
    dry_run: bool = typer.Option(False, "--dry-run", help=t("cli.case_opt_dry_run")),
) -> None:  # fmt: skip
    from accounts import supervision

    db = runtime.open_database()
    op = runtime.operator(db)
    by_filter = overdue or due_soon or ten_day
    query = (
        c.query(db, due_soon=due_soon, ten_day=ten_day, region=region, department=department,
                item=item, within=within)
        if by_filter
        else None
    )  # fmt: skip
    cmd = supervision.IssueNotice(reason, tuple(case_nos or ()), query, days)
    cal = c.load_calendar(db)
    now = datetime.now(UTC)
    if dry_run:
        plan = supervision.preview_notices(cmd, db, op.actor, now=now, cal=cal)
        c.warn_calendar(cal)
        data = {"done": False, "cases": [x.case_no for x in plan.cases],
                "skipped": plan.skipped, "due_at": plan.due_at}  # fmt: skip
        runtime.emit(data, lambda: runtime.echo(
            t("case.notice_preview", count=len(plan.cases), skipped=len(plan.skipped),
              due=c.when(plan.due_at))))  # fmt: skip
        return
    issued = supervision.issue_notices(cmd, db.uow(), op.actor, now=now, cal=cal)
    c.warn_calendar(cal)
    data = {"done": True, "batch": issued.batch, "due_at": issued.due_at,
            "skipped": issued.skipped,
            "notices": [n.as_dict() for n in issued.notices]}  # fmt: skip

    def human() -> None:
        for n in issued.notices[:50]:
            runtime.echo(t("case.notice_line", id=n.id, state=t(f"case.notice_state.{n.state}"),
                           unit=f"{n.unit_region}|{n.unit_department}", due=c.when(n.due_at))
                         + f"  {n.case_no}")  # fmt: skip
        runtime.echo(t("case.notices_issued", count=len(issued.notices),
                       skipped=len(issued.skipped), batch=issued.batch))  # fmt: skip

    runtime.emit(data, human)


def _done(view: object, key: str) -> None:
    from casedb.supervision_queries import NoticeView

    assert isinstance(view, NoticeView)
    runtime.emit(view.as_dict(), lambda: runtime.echo(
        t(key, id=view.id, state=t(f"case.notice_state.{view.state}"))))  # fmt: skip


def reply(
    notice_id: int = NOTICE_ID,
    stage: str = typer.Option(..., "--stage", metavar="handled|resulted|reported",
                              help=t("cli.case_opt_stage")),
    note: str = NOTE,
) -> None:  # fmt: skip
    from accounts import supervision

    db = runtime.open_database()
    op = runtime.operator(db)
    view = supervision.reply_notice(supervision.ReplyNotice(notice_id, stage, note), db.uow(),
                                    op.actor)  # fmt: skip
    _done(view, "case.notice_replied")


def close(notice_id: int = NOTICE_ID, note: str = NOTE) -> None:
    from accounts import supervision

    db = runtime.open_database()
    op = runtime.operator(db)
    view = supervision.close_notice(supervision.CloseNotice(notice_id, note), db.uow(), op.actor)
    _done(view, "case.notice_closed")


def list_(
    overdue: bool = typer.Option(False, "--overdue", help=t("cli.case_opt_notice_overdue")),
    all_: bool = typer.Option(False, "--all", help=t("cli.case_opt_notice_all")),
    after: int | None = typer.Option(None, "--after", metavar="ID",
                                     help=t("cli.case_opt_after_id")),
    limit: int = typer.Option(50, "--limit", min=1, max=500, help=t("cli.case_opt_limit")),
) -> None:  # fmt: skip
    from accounts import supervision

    db = runtime.open_database()
    op = runtime.operator(db)
    now = datetime.now(UTC)
    views, nxt = supervision.list_notices(db, op.actor, overdue_only=overdue,
                                          open_only=not all_, after_id=after, limit=limit,
                                          now=now)  # fmt: skip
    data = {"items": [{**v.as_dict(), "overdue": v.overdue(now)} for v in views],
            "next_after": nxt}  # fmt: skip

    def human() -> None:
        if not views:
            runtime.echo(t("case.notices_empty"))
            return
        head = (t("case.f_notice"), t("case.f_case_no"), t("case.f_unit"), t("case.f_state"),
                t("case.f_due"), t("case.f_reason"))  # fmt: skip
        rows = [head] + [
            (
                str(v.id),
                v.case_no,
                f"{v.unit_region}|{v.unit_department}",
                t(f"case.notice_state.{v.state}"),
                c.when(v.due_at) + (f" ({t('case.flag_overdue')})" if v.overdue(now) else ""),
                v.reason,
            )
            for v in views
        ]
        runtime.echo(runtime.table(rows, align_right=()))
        if nxt is not None:
            runtime.note(t("case.notices_more", after=nxt))

    runtime.emit(data, human)


app.command("issue", help=t("cli.case_supervise_issue_help"))(runtime.guarded(issue))
app.command("reply", help=t("cli.case_supervise_reply_help"))(runtime.guarded(reply))
app.command("close", help=t("cli.case_supervise_close_help"))(runtime.guarded(close))
app.command("list", help=t("cli.case_supervise_list_help"))(runtime.guarded(list_))
