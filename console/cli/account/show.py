"""``jzctl account show LOGIN [--reveal id_number|mobile]``: one account, masked."""

from __future__ import annotations

import typer

from console.cli import runtime
from console.cli.account import _common as c
from console.i18n import t


def run(
    login: str = c.LOGIN,
    reveal: str | None = typer.Option(
        None, "--reveal", metavar="id_number|mobile", help=t("cli.opt_reveal")
    ),
) -> None:
    from accounts import cli_support as cs

    db = runtime.open_database()
    op = runtime.operator(db)
    if reveal is None:
        view = cs.read_account(db, login, op.actor, authorize=op.authorize)
        value = None
    else:

        def decide(action: str, region: str, department: str) -> bool:
            return op.decide(action, region, department).allowed

        view, value = cs.reveal(db, login, reveal, op.actor, decide=decide, authorize=op.authorize)
    data = c.view_dict(view)
    if reveal is not None:
        data[reveal] = value
        data["revealed"] = reveal

    def human() -> None:
        pairs = c.view_lines(view)
        if reveal is not None and value is not None:
            label = t(f"field.{reveal}")
            pairs = [(k, value if k == label else v) for k, v in pairs]
        c.echo_pairs(pairs)
        if reveal is not None:
            runtime.note(t("account.revealed_note", field=t(f"field.{reveal}")))

    runtime.emit(data, human)
