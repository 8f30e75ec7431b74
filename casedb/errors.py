"""Typed errors shared by every domain package.

Each error carries a message key of the console's translation catalogue and the values it
needs, so that the domain stays free of user-interface text and the console says one clear,
translated sentence with the documented exit code.
"""

from __future__ import annotations

from typing import Any, ClassVar


class JzError(Exception):
    exit_code: ClassVar[int] = 1
    code: ClassVar[str] = "error"

    def __init__(self, key: str, /, hint: str | None = None, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.hint = hint
        self.params = params
        self.details: list[dict[str, Any]] = []

    def __str__(self) -> str:
        return f"{self.key} {self.params}"


class UsageProblem(JzError):
    exit_code = 2
    code = "usage"


class PermissionDenied(JzError):
    exit_code = 3
    code = "permission_denied"


class NotFound(JzError):
    exit_code = 4
    code = "not_found"


class InvalidInput(JzError):
    exit_code = 5
    code = "invalid_input"


class Conflict(JzError):
    exit_code = 6
    code = "conflict"
