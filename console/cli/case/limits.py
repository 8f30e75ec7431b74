"""``jzctl case limits [--item ITEM]``: every step's time limit (an admin's, or the shipped
default); with ``--set STEP=AMOUNT:UNIT`` and ``--item`` it sets one (audited)."""

from __future__ import annotations

import typer

from console.cli import runtime
from console.cli.case import _common as c
from console.i18n import t


def run(
    item: str | None = c.ITEM,
    set_: str | None = typer.Option(None, "--set", metavar="STEP=AMOUNT:UNIT",
                                    help=t("cli.case_opt_set_limit")),
) -> None:  # fmt: skip
    from accounts import supervision
    from casedb.errors import InvalidInput
    from casedb.limits import ITEM_CODES, Limits

    if item is not None and item not in ITEM_CODES:
        raise InvalidInput("err.case_item_unknown", item=item[:32])
    db = runtime.open_database()
    if set_ is not None:
        if item is None:
            raise InvalidInput("err.cli_case_limit_needs_item")
        step, _, rest = set_.partition("=")
        amount, _, unit = rest.partition(":")
        if not amount.strip().isdigit() or not unit.strip():
            raise InvalidInput("err.cli_case_limit_format", value=set_[:40])
        op = runtime.operator(db)
        cmd = supervision.SetLimit(item, step.strip(), int(amount), unit.strip())
        changed = supervision.set_step_limit(cmd, db.uow(), op.actor)
        runtime.emit(changed, lambda: runtime.echo(t(
            "case.limit_set", item=c.item_name(item), step=c.step_name(cmd.step),
            limit=t(f"case.limit_{cmd.unit}", amount=cmd.amount))))  # fmt: skip
        return
    runtime.operator(db)
    with db.read() as s:
        rows = Limits.load(s).rows(item)
    data = {"limits": [r.as_dict() for r in rows]}

    def human() -> None:
        head = (t("case.f_item"), t("case.f_step"), t("case.f_level"), t("case.f_limit"),
                t("case.f_source"))  # fmt: skip
        out = [head] + [
            (
                c.item_name(r.item),
                c.step_name(r.step),
                t(f"level.{r.level}"),
                t(f"case.limit_{r.limit.unit}", amount=r.limit.amount),
                t(f"case.source.{r.source}"),
            )
            for r in rows
        ]
        runtime.echo(runtime.table(out, align_right=()))

    runtime.emit(data, human)
