"""``jzctl key rotate``: a new data key version; every sealed row re-encrypted (audited)."""

from __future__ import annotations

from console.cli import runtime
from console.i18n import t


def run() -> None:
    from accounts import personal
    from accounts.cli_support import authorise_key

    db = runtime.open_database()
    op = runtime.operator(db)
    authorise_key(db, op.actor, "key.rotate", authorize=op.authorize)
    with runtime.progress(t("key.rotate_progress")) as advance, db.uow() as uow:
        advance(0, 0)
        result = personal.rotate_key(uow.session, op.actor)
        uow.commit()
        advance(result.accounts, result.accounts)
    data = {
        "version_before": result.version_before,
        "version": result.version,
        "accounts": result.accounts,
    }
    runtime.emit(
        data,
        lambda: runtime.echo(
            t("key.rotated", before=result.version_before, version=result.version,
              accounts=result.accounts)
        ),
    )  # fmt: skip
