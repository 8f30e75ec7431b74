"""What the ``jzctl account`` verbs share: options, secret files, dates, rendering."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import typer

from console.cli import runtime
from console.i18n import t

if TYPE_CHECKING:
    from accounts.accounts import AccountView

LOGIN = typer.Argument(..., metavar="LOGIN", help=t("cli.arg_login"))
REASON = typer.Option(..., "--reason", metavar="TEXT", help=t("cli.opt_reason"))
CODE_FILE = typer.Option(None, "--code-file", metavar="FILE", help=t("cli.opt_code_file"))


@contextmanager
def secret_file(path: Path) -> Iterator[IO[str]]:
    """A new file only its owner can read (0600), created before anything is changed; it is
    removed again when the work fails, so nothing is half-written."""
    from casedb.errors import Conflict, InvalidInput

    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise Conflict("err.secret_file_exists", path=str(path)) from None
    except OSError as exc:
        raise InvalidInput("err.secret_file_unwritable", path=str(path),
                           reason=exc.strerror or str(exc)) from None  # fmt: skip
    os.fchmod(fd, 0o600)
    ok = False
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        ok = True
    finally:
        if not ok:
            path.unlink(missing_ok=True)


def date_option(value: str | None, field: str) -> datetime | None:
    from casedb.clock import parse_local
    from casedb.errors import InvalidInput

    if value is None or not value.strip():
        return None
    try:
        return parse_local(value)
    except InvalidInput as exc:
        raise InvalidInput("err.date_option", field=field, value=value[:40]) from exc


def show_time(at: datetime | None) -> str:
    if at is None:
        return "-"
    from casedb.clock import show_local

    return show_local(at, seconds=False)


def view_dict(view: AccountView) -> dict[str, Any]:
    return {
        "id": view.id,
        "login_name": view.login_name,
        "full_name": view.full_name,
        "region_code": view.region_code,
        "department_code": view.department_code,
        "post": view.post,
        "id_number": view.id_masked,
        "mobile": view.mobile_masked,
        "wechat_id": view.wechat_id,
        "status": view.status,
        "status_reason": view.status_reason,
        "status_changed_at": view.status_changed_at,
        "valid_from": view.valid_from,
        "valid_until": view.valid_until,
        "created_at": view.created_at,
    }


def view_lines(view: AccountView) -> list[tuple[str, str]]:
    return [
        (t("field.login_name"), view.login_name),
        (t("field.full_name"), view.full_name),
        (t("field.id_number"), view.id_masked or "-"),
        (t("field.mobile"), view.mobile_masked or "-"),
        (t("field.wechat_id"), view.wechat_id or "-"),
        (t("field.region_code"), view.region_code),
        (t("field.department_code"), view.department_code),
        (t("field.post"), view.post or "-"),
        (t("field.status"), t(f"status.{view.status}")),
        (
            t("account.valid_window"),
            f"{show_time(view.valid_from)} ~ {show_time(view.valid_until)}",
        ),
        (t("account.created_at"), show_time(view.created_at)),
    ]


def echo_pairs(pairs: list[tuple[str, str]]) -> None:
    width = max(runtime.display_width(k) for k, _ in pairs)
    for k, v in pairs:
        runtime.echo(k + " " * (width - runtime.display_width(k)) + "  " + v)
