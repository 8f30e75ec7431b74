"""The Casdoor failure (passwords stored in plain text by default), tried the hard way: after
a real account's life — activation code, password, sign-in, TOTP — no secret is anywhere in
the database, in any table, in any column."""

from __future__ import annotations

import sqlalchemy as sa

from accounts import credentials, signin
from casedb.engine import Database
from tests.support.people import PASSWORD, SETUP, cheap_hashing, make_person


def everything_stored(db: Database) -> str:
    parts: list[str] = []
    with db.read() as s:
        for table in sa.inspect(s.connection()).get_table_names():
            for row in s.execute(sa.text(f'SELECT * FROM "{table}"')):
                for value in row:
                    if isinstance(value, (bytes, memoryview)):
                        parts.append(bytes(value).decode("latin-1"))
                    elif value is not None:
                        parts.append(str(value))
    return "\n".join(parts)


def test_no_password_code_token_or_totp_secret_is_stored_in_clear(db: Database) -> None:
    with cheap_hashing():
        aid = make_person(db, "wang.fang", role="dept_admin", region="530102000000")
        with db.uow() as uow:
            code = credentials.issue_activation(uow.session, aid, SETUP)
            uow.commit()
        signin.activate(db, "wang.fang", code, PASSWORD + "x")
        with db.uow() as uow:
            _uri, secret = credentials.enrol_totp(uow.session, aid)
            uow.commit()
        token = signin.sign_in(db, "wang.fang", PASSWORD + "x", None, host="h", terminal="t").token
    stored = everything_stored(db)
    for secret_text in (PASSWORD, PASSWORD + "x", code, code.replace("-", ""), token, secret):
        assert secret_text not in stored, secret_text[:4]
    assert "$argon2id$" in stored  # the password is there, as a hash
