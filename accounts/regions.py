"""Division codes live in casedb (every package queries by region subtree); re-exported here
because the region tree is the accounts package's subject."""

from casedb.regions import (
    CODE_RE,
    PREFIX_LEN,
    PREFIX_RE,
    Level,
    ancestors,
    clean,
    expand,
    is_code,
    level_of,
    parent_of,
    prefix,
    subtree_bounds,
)

__all__ = [
    "CODE_RE",
    "PREFIX_LEN",
    "PREFIX_RE",
    "Level",
    "ancestors",
    "clean",
    "expand",
    "is_code",
    "level_of",
    "parent_of",
    "prefix",
    "subtree_bounds",
]
