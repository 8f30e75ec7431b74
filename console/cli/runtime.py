"""What every command shares: global options, the JSON contract, errors and exit codes.

Data goes to stdout (one JSON document with ``--json``), diagnostics to stderr. A domain
error becomes one translated sentence and its documented exit code; anything unexpected
becomes exit 1 and a pointer to the log file, never a traceback on the screen.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import typer

from casedb.config import state_dir
from casedb.errors import JzError
from console.i18n import t, translated_params

if TYPE_CHECKING:
    from accounts.authz import Operator
    from casedb.engine import Database

EXIT_OK, EXIT_UNEXPECTED, EXIT_USAGE = 0, 1, 2


@dataclass
class Settings:
    db_url: str | None = None
    json: bool = False
    lang: str = "zh"


settings = Settings()

P = ParamSpec("P")
R = TypeVar("R")


def emit(data: Any, human: Callable[[], None] | None = None) -> None:
    """The command's result: a JSON document with ``--json``, else the human rendering."""
    if settings.json:
        sys.stdout.write(json.dumps({"data": data}, ensure_ascii=False, default=str) + "\n")
    elif human is not None:
        human()


def echo(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def note(text: str) -> None:
    """A diagnostic line (progress, warnings): stderr, never mixed into the data."""
    sys.stderr.write(text + "\n")


def error_document(code: str, message: str, hint: str | None, details: Any = None) -> str:
    err: dict[str, Any] = {"code": code, "message": message, "hint": hint}
    if details:
        err["details"] = details
    return json.dumps({"error": err}, ensure_ascii=False, default=str)


def report_error(code: str, message: str, hint: str | None = None, details: Any = None) -> None:
    if settings.json:
        sys.stdout.write(error_document(code, message, hint, details) + "\n")
        return
    line = t("cli.error_prefix") + message
    if hint:
        line += " " + hint
    sys.stderr.write(line + "\n")
    for d in details or []:
        if isinstance(d, dict) and "line" in d and "reason" in d:
            params = {k: v for k, v in d.items() if k not in ("line", "reason")}
            sys.stderr.write(
                "  " + t("cli.bad_row", line=d["line"], reason=t(d["reason"], **params)) + "\n"
            )


def render_jz_error(exc: JzError) -> int:
    params = translated_params(exc.params)
    hint = t(exc.hint, **params) if exc.hint else None
    details = [
        {**d, "message": t(d["reason"], **{k: v for k, v in d.items() if k != "reason"})}
        if isinstance(d, dict) and "reason" in d
        else d
        for d in exc.details
    ]
    report_error(exc.code, t(exc.key, **params), hint, details)
    return exc.exit_code


def log_unexpected(exc: BaseException) -> str:
    path = state_dir() / "jzctl.log"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            fh.write(f"--- {datetime.now(UTC).isoformat()} {' '.join(sys.argv)}\n")
            fh.write("".join(traceback.format_exception(exc)))
    except OSError:
        return "-"
    return str(path)


def render_unexpected(exc: BaseException) -> int:
    translated = _translate_library_error(exc)
    if translated is not None:
        return render_jz_error(translated)
    if os.environ.get("JZ_DEBUG"):
        traceback.print_exception(exc)
    where = log_unexpected(exc)
    report_error(
        "unexpected",
        t("err.unexpected", kind=type(exc).__name__, reason=_first_line(exc)),
        t("err.unexpected_hint", log=where),
    )
    return EXIT_UNEXPECTED


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else "-"


def _translate_library_error(exc: BaseException) -> JzError | None:
    """Database connection problems are the user's to fix, not bugs: say so plainly."""
    module = type(exc).__module__
    if module.startswith("sqlalchemy"):
        from sqlalchemy.exc import DBAPIError, OperationalError

        from casedb.errors import InvalidInput

        if isinstance(exc, OperationalError) or (
            isinstance(exc, DBAPIError) and exc.connection_invalidated
        ):
            reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
            return InvalidInput("err.db_unreachable", reason=reason)
    return None


def guarded(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn errors raised by a command into the one-sentence, exit-code contract."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except JzError as exc:
            raise typer.Exit(render_jz_error(exc)) from None
        except KeyboardInterrupt:
            raise typer.Exit(130) from None
        except BrokenPipeError:
            # The reader went away (``| head``): stop quietly, as Unix tools do.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise typer.Exit(1) from None
        except Exception as exc:
            raise typer.Exit(render_unexpected(exc)) from None

    return wrapper


def operator(db: Database) -> Operator:
    """The signed-in admin at this console (``jzctl login``); a clear refusal when none."""
    from accounts.authz import signed_in_operator

    return signed_in_operator(db)


def open_database(*, require_schema: bool = True, create: bool = False) -> Database:
    """The database the global options, the environment or the config file name."""
    from casedb.config import resolve_url
    from casedb.engine import Database
    from casedb.schema import require_current

    resolved = resolve_url(settings.db_url)
    db = Database(resolved.url, create=create)
    if require_schema:
        require_current(db.engine)
    return db


def display_width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def table(rows: Sequence[tuple[str, ...]], align_right: tuple[int, ...] | None = None) -> str:
    """A plain text table whose columns line up with Chinese text (double-width cells).

    Numbers read best right-aligned: by default every column but the first is."""
    widths = [max(display_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    right = set(range(1, len(widths))) if align_right is None else set(align_right)
    out = []
    for n, row in enumerate(rows):
        cells = []
        for i, cell in enumerate(row):
            pad = " " * (widths[i] - display_width(cell))
            cells.append(pad + cell if i in right else cell + pad)
        out.append("  ".join(cells).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


@contextmanager
def progress(label: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr when it is a terminal (and not --json); else nothing."""
    if settings.json or not sys.stderr.isatty():
        yield lambda done, total: None
        return
    from rich.console import Console
    from rich.markup import escape
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task(escape(label), total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total or None)

        yield advance


def department_name(code: str) -> str:
    """A department's name in the interface language (reference data, not a query)."""
    from casedb.reference import DEPARTMENTS
    from console.i18n import language

    for d in DEPARTMENTS:
        if d.code == code:
            return d.name_zh if language() == "zh" else d.name_en
    return code
