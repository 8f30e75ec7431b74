"""``jzctl init``: create or upgrade the schema, load the reference data, and on a database
without one, create the three separated provincial admins with one-time activation codes.

The codes are shown once, and never where they could be lost or leak unnoticed: on a terminal,
in ``--codes FILE`` (created with mode 0600, never overwritten), or on stdout (``--json``
included) only with an explicit ``--show-codes``. A run with none of these (a pipe, a log,
``--json`` alone) creates no admin and says so on stderr: a later ``init`` will.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import IO

import typer

from console.cli import runtime
from console.i18n import t


def _tty() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def _open_codes_file(path: Path) -> IO[str]:
    from casedb.errors import Conflict, InvalidInput

    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise Conflict("err.codes_file_exists", path=str(path)) from None
    except OSError as exc:
        raise InvalidInput(
            "err.codes_file_unwritable", path=str(path), reason=exc.strerror
        ) from None
    return os.fdopen(fd, "w", encoding="utf-8")


def init(
    codes_file: Path | None = typer.Option(
        None, "--codes", metavar="FILE", help=t("cli.opt_init_codes")
    ),
    show_codes: bool = typer.Option(False, "--show-codes", help=t("cli.opt_init_show_codes")),
) -> None:
    from accounts.setup import initialise
    from audit_log.actor import local_actor

    bootstrap = show_codes or codes_file is not None or (not runtime.settings.json and _tty())
    out = _open_codes_file(codes_file) if codes_file is not None else None
    written = False
    try:
        db = runtime.open_database(require_schema=False, create=True)
        res = initialise(db, local_actor(), bootstrap=bootstrap)
        if out is not None:
            for a in res.admins:
                expires = a.expires_at.isoformat()
                out.write(f"{a.login}\t{a.role}\t{a.activation_code}\t{expires}\n")
            written = bool(res.admins)
    finally:
        if out is not None and codes_file is not None:
            out.close()
            if not written:
                codes_file.unlink(missing_ok=True)
    before, after = res.revision_before, res.revision
    added, renamed, ref = res.divisions_added, res.divisions_renamed, res.reference_rows
    with_codes = show_codes and codes_file is None
    data = {
        "database": db.redacted_url,
        "revision_before": before,
        "revision": after,
        "reference_rows": ref,
        "divisions_added": added,
        "divisions_renamed": renamed,
        "admins": [
            {
                "login": a.login,
                "role": a.role,
                "expires_at": a.expires_at,
                **({"activation_code": a.activation_code} if with_codes else {}),
            }
            for a in res.admins
        ],
        "codes_file": str(codes_file) if codes_file is not None and res.admins else None,
        "bootstrap_skipped": not bootstrap,
    }

    def human() -> None:
        if before == after:
            runtime.echo(t("init.current", revision=after, url=db.redacted_url))
        else:
            runtime.echo(
                t("init.upgraded", before=before or "-", revision=after, url=db.redacted_url)
            )
        runtime.echo(t("init.divisions", added=added, renamed=renamed))
        if not res.admins:
            return
        if codes_file is not None:
            runtime.echo(t("init.admins_to_file", n=len(res.admins), file=str(codes_file)))
        else:
            runtime.echo(t("init.admins_created", n=len(res.admins)))
            for a in res.admins:
                runtime.echo(f"  {a.login}  {t(f'rbac.role.{a.role}')}  {a.activation_code}")
        runtime.echo(t("init.admins_next"))

    runtime.emit(data, human)
    if not bootstrap:
        from accounts.bootstrap import has_admin

        with db.read() as s:
            pending = not has_admin(s)
        if pending:
            runtime.note(t("init.bootstrap_skipped"))


def register(app: typer.Typer) -> None:
    app.command("init", help=t("cli.init_help"))(runtime.guarded(init))
