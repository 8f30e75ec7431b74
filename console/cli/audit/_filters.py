"""The search filters shared by ``audit search`` and ``audit export``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from console.i18n import t

if TYPE_CHECKING:
    from audit_log.search import AuditQuery

SINCE = typer.Option(None, "--since", metavar="TIME", help=t("cli.opt_since"))
UNTIL = typer.Option(None, "--until", metavar="TIME", help=t("cli.opt_until"))
ACTOR = typer.Option(None, "--actor", metavar="LOGIN", help=t("cli.opt_actor"))
ACTION = typer.Option(None, "--action", metavar="PREFIX", help=t("cli.opt_action"))
REGION = typer.Option(None, "--region", metavar="CODE", help=t("cli.opt_region"))
OUTCOME = typer.Option(None, "--outcome", metavar="ok|denied|failed", help=t("cli.opt_outcome"))
TARGET = typer.Option(None, "--target", metavar="KIND[:ID]", help=t("cli.opt_target"))


def build_query(
    since: str | None,
    until: str | None,
    actor: str | None,
    action: str | None,
    region: str | None,
    outcome: str | None,
    target: str | None,
    before: int | None = None,
    limit: int = 50,
) -> AuditQuery:
    from audit_log.search import parse_filters

    return parse_filters(
        since=since, until=until, actor=actor, action=action, region=region,
        outcome=outcome, target=target, before=before, limit=limit,
    )  # fmt: skip
