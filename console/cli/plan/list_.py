"""``jzctl plan list``: every plan's current version, its category, owner and drill."""

from __future__ import annotations

from console.cli import runtime
from console.cli.plan import _common as c
from console.i18n import t


def run() -> None:
    from ops import plans

    db = runtime.open_database()
    c.reader(db)
    with db.read() as s:
        rows = plans.all_current(s)

    def human() -> None:
        head = tuple(t(f"plan.col_{k}") for k in ("code", "version", "title", "owner", "drill"))
        body = [
            (p.code, str(p.version), p.title, t(f"rbac.role.{p.owner_role}"), c.drill_name(p.drill))
            for p in rows
        ]
        runtime.echo(runtime.table([head, *body], align_right=(1,)))

    runtime.emit({"items": [p.as_dict() for p in rows]}, human)
