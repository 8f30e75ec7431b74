"""The passphrase of a key file: from ``--passphrase-file``, or typed twice on a terminal."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from console.i18n import t

PASSPHRASE_FILE = typer.Option(
    None, "--passphrase-file", metavar="FILE", help=t("cli.opt_passphrase_file")
)


def read(path: Path | None, *, confirm: bool) -> str:
    from casedb.errors import InvalidInput, NotFound, UsageProblem

    if path is not None:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise NotFound("err.file_not_found", path=str(path)) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidInput("err.passphrase_file_unreadable", path=str(path),
                               reason=str(exc)[:80]) from None  # fmt: skip
        return text.rstrip("\r\n")
    if not sys.stdin.isatty():
        raise UsageProblem("err.passphrase_needs_terminal")
    value: str = typer.prompt(
        t("key.passphrase_prompt"),
        hide_input=True,
        confirmation_prompt=t("key.passphrase_again") if confirm else False,
    )
    return value
