"""Where the database is: ``--db``, then ``JZ_DATABASE_URL``, then the config file, else a
SQLite file in the user's data folder (XDG base directories)."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from casedb.errors import InvalidInput

ENV_URL = "JZ_DATABASE_URL"


def config_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "jzctl"


def data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "jzctl"


def state_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "jzctl"


def config_file() -> Path:
    return config_dir() / "config.toml"


def default_sqlite_url() -> str:
    return f"sqlite:///{data_dir() / 'jzctl.db'}"


@dataclass(frozen=True)
class ResolvedUrl:
    url: str
    source: str  # "option" | "env" | "config" | "default"


def resolve_url(option: str | None = None) -> ResolvedUrl:
    if option:
        return ResolvedUrl(option, "option")
    env = os.environ.get(ENV_URL)
    if env:
        return ResolvedUrl(env, "env")
    path = config_file()
    if path.is_file():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise InvalidInput("err.config_unreadable", path=str(path), reason=str(exc)) from exc
        url = data.get("database", {}).get("url")
        if isinstance(url, str) and url:
            return ResolvedUrl(url, "config")
    return ResolvedUrl(default_sqlite_url(), "default")
