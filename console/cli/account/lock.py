"""``jzctl account lock LOGIN --reason TEXT``: the account becomes locked."""

from __future__ import annotations

from console.cli.account import _common as c
from console.cli.account._transition import change


def run(login: str = c.LOGIN, reason: str = c.REASON) -> None:
    change(login, "locked", reason)
