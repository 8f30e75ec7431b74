"""``jzctl passwd``: the signed-in person changes their own password."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from accounts import signin
from casedb.engine import Database
from casedb.errors import PermissionDenied
from tests.support.people import PASSWORD, cheap_hashing, make_person, sign_in_as

NEW = "Brand-New-Horse-88!"


@pytest.fixture(autouse=True)
def _cheap() -> Iterator[None]:
    with cheap_hashing():
        yield


def secret(tmp_path: Path, name: str, value: str) -> str:
    path = tmp_path / name
    path.write_text(value + "\n", "utf-8")
    return str(path)


def test_passwd_checks_the_current_password_and_the_policy(
    cli: Any, db: Database, tmp_path: Path
) -> None:
    make_person(db, "clerk", role="caseworker")
    sign_in_as(db, "clerk")
    url = db.raw_url

    def passwd(current: str, new: str) -> Any:
        return cli("--db", url, "passwd", "--password-file", secret(tmp_path, "c", current),
                   "--new-password-file", secret(tmp_path, "n", new))  # fmt: skip

    assert passwd("not-my-password-1", NEW).exit_code == 3
    weak = passwd(PASSWORD, "short")
    assert weak.exit_code == 5 and "Traceback" not in weak.stderr
    assert passwd(PASSWORD, PASSWORD).exit_code == 5, "the current password is not reused"
    done = passwd(PASSWORD, NEW)
    assert done.exit_code == 0, done.stderr
    with pytest.raises(PermissionDenied):
        signin.sign_in(db, "clerk", PASSWORD, None, host="h", terminal="t")
    assert signin.sign_in(db, "clerk", NEW, None, host="h", terminal="t").account_id


def test_passwd_needs_someone_signed_in(cli: Any, db: Database, tmp_path: Path) -> None:
    res = cli("--db", db.raw_url, "passwd", "--password-file", secret(tmp_path, "c", PASSWORD),
              "--new-password-file", secret(tmp_path, "n", NEW))  # fmt: skip
    assert res.exit_code == 3
