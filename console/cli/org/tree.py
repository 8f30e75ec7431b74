"""``jzctl org tree [CODE] [--depth N]``: the region tree in pre-order."""

from __future__ import annotations

import typer

from console.cli import runtime
from console.i18n import t


def run(
    code: str = typer.Argument("53", metavar="CODE", help=t("cli.arg_region")),
    depth: int = typer.Option(1, "--depth", "-d", min=0, max=4, help=t("cli.opt_depth")),
) -> None:
    from accounts.org import resolve_region, subtree

    db = runtime.open_database()
    with db.read() as session:
        root = resolve_region(session, code)
        nodes = subtree(session, root.code, depth)
    data = [
        {
            "code": n.code,
            "name": n.name,
            "level": n.level,
            "parent": n.parent_code,
            "children": n.children,
        }
        for n in nodes
    ]

    def human() -> None:
        base = nodes[0].level if nodes else 1
        lines = []
        for n in nodes:
            more = ""
            if n.children and n.level - base >= depth:
                more = "  " + t("org.tree_more", n=n.children)
            level = t(f"level.{n.level}")
            lines.append(f"{'  ' * (n.level - base)}{n.code}  {n.name}  [{level}]{more}")
        runtime.echo("\n".join(lines))

    runtime.emit(data, human)
