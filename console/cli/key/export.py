"""``jzctl key export --to FILE``: this database's data key, and this console's audit anchor
key and backup keys, sealed under a passphrase."""

from __future__ import annotations

from pathlib import Path

import typer

from console.cli import runtime
from console.cli.key import _passphrase
from console.i18n import t


def run(
    to: Path = typer.Option(..., "--to", metavar="FILE", help=t("cli.opt_key_to")),
    passphrase_file: Path | None = _passphrase.PASSPHRASE_FILE,
) -> None:
    from accounts import personal
    from accounts.cli_support import authorise_key
    from console.cli.account._common import secret_file
    from ops.keys import console_secrets

    db = runtime.open_database()
    op = runtime.operator(db)
    authorise_key(db, op.actor, "key.export", authorize=op.authorize)
    passphrase = _passphrase.read(passphrase_file, confirm=True)
    with db.uow() as uow:
        extras = console_secrets(personal.chain_id(uow.session))
        blob = personal.export_key(uow.session, passphrase, actor=op.actor, extras=extras)
        with secret_file(to) as fh:
            fh.write(blob.decode("utf-8"))
        uow.commit()
    runtime.emit({"file": str(to)}, lambda: runtime.echo(t("key.exported", path=str(to))))
