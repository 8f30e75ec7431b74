"""``jzctl org``: the region tree and its units."""

from __future__ import annotations

import typer

from console.cli import runtime
from console.cli.org import coverage, import_, show, tree
from console.i18n import t

app = typer.Typer(no_args_is_help=True, add_completion=False)
app.command("import", help=t("cli.org_import_help"))(runtime.guarded(import_.run))
app.command("tree", help=t("cli.org_tree_help"))(runtime.guarded(tree.run))
app.command("show", help=t("cli.org_show_help"))(runtime.guarded(show.run))
app.command("coverage", help=t("cli.org_coverage_help"))(runtime.guarded(coverage.run))
