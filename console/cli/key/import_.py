"""``jzctl key import FILE``: put an exported data key into this console's keyring.

No sign-in is needed: a console without the key cannot read what sign-in itself needs (the
sealed TOTP secrets), and the file is useless without its passphrase. The import is audited."""

from __future__ import annotations

from pathlib import Path

import typer

from console.cli import runtime
from console.cli.key import _passphrase
from console.i18n import t


def run(
    file: Path = typer.Argument(..., metavar="FILE", help=t("cli.arg_key_file")),
    passphrase_file: Path | None = _passphrase.PASSPHRASE_FILE,
) -> None:
    from accounts import personal
    from audit_log.actor import local_actor
    from casedb.errors import NotFound, PermissionDenied

    if not file.is_file():
        raise NotFound("err.file_not_found", path=str(file))
    blob = file.read_bytes()
    db = runtime.open_database()
    try:
        actor = runtime.operator(db).actor
    except PermissionDenied:
        actor = local_actor()
    passphrase = _passphrase.read(passphrase_file, confirm=False)
    with db.uow() as uow:
        current = personal.import_key(uow.session, blob, passphrase, actor=actor)
        uow.commit()
    runtime.emit(
        {"file": str(file), "current_version": current},
        lambda: runtime.echo(t("key.imported", version=current)),
    )
