"""``jzctl key import FILE``: put an exported data key (and the audit anchor key and backup
keys it carries) into this console's keyring.

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
    from ops.keys import console_secret_names

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
        allowed = console_secret_names(personal.chain_id(uow.session))
        current = personal.import_key(
            uow.session, blob, passphrase, actor=actor, extras_allowed=allowed
        )
        uow.commit()
    runtime.emit(
        {"file": str(file), "current_version": current},
        lambda: runtime.echo(t("key.imported", version=current)),
    )
