"""``jzctl account restore LOGIN --reason TEXT``: an archived account comes back disabled
(kept for history until re-enabled); a suspended or disabled one becomes active again."""

from __future__ import annotations

from console.cli.account import _common as c
from console.cli.account._transition import change


def run(login: str = c.LOGIN, reason: str = c.REASON) -> None:
    change(login, None, reason)
