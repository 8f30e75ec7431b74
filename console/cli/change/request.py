"""``jzctl change request KIND LOGIN --reason TEXT [...]``: file a personnel change request
(onboard, modify, transfer, offboard) or apply an emergency suspension; deadlines are counted
in working days (calendar).

Roles are ``ROLE`` (in the person's unit), ``ROLE@REGION`` or ``ROLE@REGION|DEPT``; a region
may be given by code or exact name."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from console.cli import runtime
from console.cli.change import _common as c
from console.i18n import t

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

KINDS = ("onboard", "modify", "transfer", "offboard", "suspend")
# Which options each kind takes; anything else given is refused rather than ignored.
_ALLOWED: dict[str, frozenset[str]] = {
    "onboard": frozenset({"name", "region", "department", "post", "roles"}),
    "modify": frozenset({"name", "post", "roles", "revokes", "valid_from", "valid_until"}),
    "transfer": frozenset({"region", "department", "post", "roles", "successors"}),
    "offboard": frozenset({"successors"}),
    "suspend": frozenset(),
}


def _role_spec(s: Session, spec: str, region: str, department: str) -> dict[str, str]:
    """``ROLE[@REGION[|DEPT]]`` as a grant dict; the person's unit fills what is left out."""
    from accounts.org import resolve_region
    from casedb.errors import InvalidInput
    from rbac.templates import ALL_DEPARTMENTS, TEMPLATES

    role, _, where = spec.partition("@")
    role = role.strip()
    if role not in TEMPLATES:
        raise InvalidInput("err.rbac_unknown_role", role=role[:40])
    at_region, _, at_dept = where.partition("|")
    if at_region.strip():
        region = resolve_region(s, at_region.strip()).code
    if at_dept.strip():
        department = at_dept.strip()
    elif TEMPLATES[role].departments == frozenset({ALL_DEPARTMENTS}):
        department = ALL_DEPARTMENTS
    return {"role": role, "region": region, "department": department}


def run(
    kind: str = typer.Argument(
        ..., metavar="onboard|modify|transfer|offboard|suspend", help=t("cli.change_arg_kind")
    ),
    login: str = typer.Argument(..., metavar="LOGIN", help=t("cli.change_arg_target")),
    reason: str = typer.Option(..., "--reason", metavar="TEXT", help=t("cli.change_opt_reason")),
    doc_no: str = typer.Option("", "--doc-no", metavar="N", help=t("cli.change_opt_doc_no")),
    full_name: str | None = typer.Option(
        None, "--name", metavar="NAME", help=t("cli.change_opt_name")
    ),
    region: str | None = typer.Option(
        None, "--region", metavar="CODE|NAME", help=t("cli.change_opt_region")
    ),
    department: str | None = typer.Option(
        None, "--department", metavar="DEPT", help=t("cli.change_opt_department")
    ),
    post: str | None = typer.Option(None, "--post", metavar="P", help=t("cli.change_opt_post")),
    roles: list[str] = typer.Option(
        [], "--role", metavar="ROLE[@REGION[|DEPT]]", help=t("cli.change_opt_role")
    ),
    revokes: list[str] = typer.Option(
        [], "--revoke", metavar="ROLE[@REGION[|DEPT]]", help=t("cli.change_opt_revoke")
    ),
    valid_from: str | None = typer.Option(
        None, "--valid-from", metavar="TIME", help=t("cli.opt_valid_from")
    ),
    valid_until: str | None = typer.Option(
        None, "--valid-until", metavar="TIME", help=t("cli.opt_valid_until")
    ),
    successors: list[str] = typer.Option(
        [], "--successor", metavar="LOGIN", help=t("cli.change_opt_successor")
    ),
    draft: bool = typer.Option(False, "--draft", help=t("cli.change_opt_draft")),
) -> None:
    from accounts import changes
    from accounts.bootstrap import account_id_by_login
    from accounts.org import resolve_region
    from casedb.errors import InvalidInput
    from casedb.models import Account
    from console.cli.account._common import date_option

    if kind not in KINDS:
        raise InvalidInput("err.cli_change_kind", kind=kind[:20])
    given = {
        name
        for name, value in (
            ("name", full_name),
            ("region", region),
            ("department", department),
            ("post", post),
            ("roles", roles),
            ("revokes", revokes),
            ("valid_from", valid_from),
            ("valid_until", valid_until),
            ("successors", successors),
        )
        if value
    }
    extra = sorted(given - _ALLOWED[kind])
    if extra:
        raise InvalidInput("err.cli_change_option_unfit", option=extra[0], kind=kind)
    if kind == "modify" and not given:
        raise InvalidInput("err.cli_change_modify_nothing")
    if kind in ("onboard", "transfer") and not (region and department):
        raise InvalidInput("err.cli_change_unit_needed", kind=kind)
    if kind == "onboard" and not full_name:
        raise InvalidInput("err.cli_change_name_needed")
    db = runtime.open_database()
    op = runtime.operator(db)
    payload: dict[str, Any] = {}
    target: int | None = None
    with db.read() as s:
        if kind != "onboard":
            target = account_id_by_login(s, login)
        person = s.get(Account, target) if target is not None else None
        unit_region = resolve_region(s, region).code if region else None
        unit = (
            unit_region or (person.region_code if person else ""),
            department or (person.department_code if person else ""),
        )
        if roles:
            payload["grants"] = [_role_spec(s, r, *unit) for r in roles]
        if revokes:
            old = (person.region_code, person.department_code) if person else unit
            payload["revokes"] = [_role_spec(s, r, *old) for r in revokes]
        if successors:
            payload["successors"] = [account_id_by_login(s, who) for who in successors]
    if unit_region:
        payload["region_code"], payload["department_code"] = unit
    if kind == "onboard":
        payload["login_name"] = login
    if full_name:
        payload["full_name"] = full_name
    if post is not None:
        payload["post"] = post
    for key, raw in (("valid_from", valid_from), ("valid_until", valid_until)):
        if raw:
            when = date_option(raw, key)
            payload[key] = when.isoformat() if when else None
    cal = c.load_calendar(db)
    if kind == "suspend":
        if draft:
            raise InvalidInput("err.cli_change_option_unfit", option="draft", kind=kind)
        assert target is not None
        view = changes.suspend(
            changes.Suspend(target, reason, doc_no), db.uow(), op.actor,
            deadline_for=cal.add_workdays,
        )  # fmt: skip
    else:
        cmd = changes.SubmitChange(kind, target, reason, payload, doc_no=doc_no, draft=draft)
        view = changes.submit(cmd, db.uow(), op.actor, deadline_for=cal.add_workdays)
    c.warn_calendar(cal)
    c.done(view, "change.drafted" if draft else "change.submitted")


def run_submit(request_id: int = c.REQUEST_ID) -> None:
    from accounts import changes

    db = runtime.open_database()
    op = runtime.operator(db)
    cal = c.load_calendar(db)
    with c.lost_race(request_id):
        view = changes.submit_draft(
            changes.ActOn(request_id), db.uow(), op.actor, deadline_for=cal.add_workdays
        )
    c.warn_calendar(cal)
    c.done(view, "change.submitted")
