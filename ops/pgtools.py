"""PostgreSQL's own tools (``pg_dump`` custom format, ``pg_restore``): found, version-checked,
and given a connection without a password on their command line."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from urllib.parse import unquote

from sqlalchemy.engine import URL

from casedb.errors import Conflict, InvalidInput

ENV_BIN = "JZ_PG_BIN"


@dataclass(frozen=True)
class Tool:
    path: str
    version: str
    major: int


def find(name: str, server_major: int | None = None) -> Tool:
    """``pg_dump`` or ``pg_restore``: missing or older than the server is one clear error."""
    folder = os.environ.get(ENV_BIN)
    found = shutil.which(name, path=folder) if folder else shutil.which(name)
    if found is None:
        raise InvalidInput("err.backup_pg_tool_missing", tool=name)
    try:
        out = subprocess.run(
            [found, "--version"], capture_output=True, text=True, check=True, timeout=30
        ).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        raise InvalidInput("err.backup_pg_tool_broken", tool=name, reason=str(exc)[:120]) from None
    m = re.search(r"(\d+)(?:\.(\d+))?", out)
    if m is None:
        raise InvalidInput("err.backup_pg_tool_broken", tool=name, reason=out.strip()[:120])
    major = int(m.group(1))
    tool = Tool(found, m.group(0), major)
    if server_major is not None and major < server_major:
        raise Conflict("err.backup_pg_tool_old", tool=name, version=tool.version,
                       server=server_major)  # fmt: skip
    return tool


def search_path_schema(url: URL) -> str | None:
    """The schema a ``?options=-csearch_path=NAME`` URL works in (tests use one per test)."""
    options = url.query.get("options")
    if options is None:
        return None
    text = unquote(options if isinstance(options, str) else " ".join(options))
    m = re.search(r"-c\s*search_path\s*=\s*([^\s,]+)", text)
    return m.group(1).strip('"') if m else None


def conninfo(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq URI for the tools and the environment carrying the password (never argv)."""
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def with_database(url: URL, database: str) -> URL:
    return url.set(database=database)
