"""Who acts: the account (or ``system``), on whose behalf, from which host and terminal."""

from __future__ import annotations

import getpass
import os
import socket
import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    login: str
    account_id: int | None = None
    acting_as: str = ""
    host: str = ""
    terminal: str = ""


def _terminal() -> str:
    for stream in (sys.stdin, sys.stdout, sys.stderr):
        try:
            if stream is not None and stream.isatty():
                return os.ttyname(stream.fileno())
        except (OSError, ValueError, AttributeError):
            continue
    return "-"


def local_actor(login: str | None = None, account_id: int | None = None) -> Actor:
    """The person at this terminal. Until sign-in exists it is the operating-system user."""
    try:
        os_user = getpass.getuser()
    except (KeyError, OSError):
        os_user = str(os.getuid()) if hasattr(os, "getuid") else "unknown"
    return Actor(
        login=login or f"os:{os_user}",
        account_id=account_id,
        host=socket.gethostname(),
        terminal=_terminal(),
    )


SYSTEM = Actor(login="system", host=socket.gethostname(), terminal="-")
