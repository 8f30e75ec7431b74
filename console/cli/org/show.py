"""``jzctl org show CODE``: one region, its path, and per department its accounts and open cases."""

from __future__ import annotations

import typer

from console.cli import runtime
from console.i18n import language, t


def run(
    code: str = typer.Argument(..., metavar="CODE|NAME", help=t("cli.arg_region")),
) -> None:
    from accounts.org import show

    db = runtime.open_database()
    with db.read() as session:
        detail = show(session, code)
    data = {
        "code": detail.code,
        "name": detail.name,
        "level": detail.level,
        "path": [{"code": c, "name": n} for c, n in detail.path],
        "children": detail.children,
        "departments": [
            {
                "code": d.code,
                "name": d.name_zh if language() == "zh" else d.name_en,
                "accounts": d.accounts,
                "open_cases": d.open_cases,
            }
            for d in detail.departments
        ],
    }

    def human() -> None:
        runtime.echo(f"{detail.name}  {detail.code}  [{t(f'level.{detail.level}')}]")
        runtime.echo(" > ".join(n for _, n in detail.path))
        runtime.echo(t("org.children", n=detail.children))
        runtime.echo("")
        rows: list[tuple[str, ...]] = [
            (t("org.col_department"), t("org.col_accounts"), t("org.col_open_cases"))
        ]
        for d in detail.departments:
            name = d.name_zh if language() == "zh" else d.name_en
            rows.append((name, str(d.accounts), str(d.open_cases)))
        runtime.echo(runtime.table(rows))

    runtime.emit(data, human)
