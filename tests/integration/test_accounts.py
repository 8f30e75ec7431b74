"""The account service on SQLite and PostgreSQL: create, refuse, update, lifecycle, audit."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from itertools import product

import pytest
import sqlalchemy as sa

from accounts import idnumber
from accounts.accounts import (
    ACCOUNT_STATUSES,
    KEEP,
    TRANSITIONS,
    ChangeStatus,
    CreateAccount,
    UpdateAccount,
    change_status,
    create_account,
    find_by_id_number,
    find_by_mobile,
    is_usable,
    update_account,
)
from audit_log.actor import Actor
from casedb.engine import Database
from casedb.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from casedb.models import Account

ADMIN = Actor(login="admin", account_id=None, host="testhost", terminal="-")
REGION = "530102000000"
DEPT = "civil"


def allow(actor: Actor, action: str, region: str, department: str) -> None:
    return None


def deny(actor: Actor, action: str, region: str, department: str) -> None:
    raise PermissionDenied("err.reveal_denied", account=actor.login, field=action)


def number(seq: int = 1, prefix: str = "530102", born: date = date(1985, 6, 15)) -> str:
    first17 = f"{prefix}{born:%Y%m%d}{seq:03d}"
    return first17 + idnumber.check_digit(first17)


def cmd(login: str = "zhangsan", seq: int = 1, **kw: object) -> CreateAccount:
    base = CreateAccount(
        login_name=login,
        full_name="张三",
        id_number=number(seq),
        region_code=REGION,
        department_code=DEPT,
        mobile="13812345678",
        post="经办人员",
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def counts(db: Database) -> tuple[int, int]:
    with db.engine.connect() as conn:
        accounts = conn.execute(sa.text("SELECT count(*) FROM accounts")).scalar_one()
        events = conn.execute(sa.text("SELECT count(*) FROM audit_events")).scalar_one()
    return accounts, events


def events(db: Database, action: str) -> list[dict[str, object]]:
    with db.engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT action, outcome, reason, diff, target_id FROM audit_events "
                "WHERE action = :a ORDER BY seq"
            ),
            {"a": action},
        ).mappings()
        return [dict(r) for r in rows]


@pytest.fixture
def dept(db: Database) -> str:
    with db.engine.connect() as conn:
        codes = conn.execute(sa.text("SELECT code FROM departments ORDER BY sort")).scalars()
        codes = list(codes)
    assert codes
    global DEPT
    DEPT = codes[0]
    return DEPT


def test_create_stores_masked_data_and_audits(db: Database, dept: str) -> None:
    view = create_account(cmd(), db.uow(), ADMIN, authorize=allow)
    assert view.status == "pending"
    assert view.id_masked == number(1)[:6] + "********" + number(1)[-4:]
    assert view.mobile_masked == "138****5678"
    assert view.full_name == "张三" and view.post == "经办人员"
    (ev,) = events(db, "account.create")
    assert ev["outcome"] == "ok"
    diff = json.loads(str(ev["diff"]))
    assert diff["id_masked"] == [None, view.id_masked]
    assert number(1) not in str(ev["diff"]) and "13812345678" not in str(ev["diff"])
    with db.read() as s:
        found = find_by_id_number(s, number(1))
        assert found is not None and found.login_name == "zhangsan"
        assert [a.login_name for a in find_by_mobile(s, "138 1234 5678")] == ["zhangsan"]
        assert find_by_id_number(s, number(2)) is None


def test_one_person_one_account(db: Database, dept: str) -> None:
    create_account(cmd(), db.uow(), ADMIN, authorize=allow)
    before = counts(db)
    with pytest.raises(Conflict) as exc:
        create_account(cmd("lisi", full_name="李四"), db.uow(), ADMIN, authorize=allow)
    assert exc.value.key == "err.person_has_account"
    assert exc.value.params["existing"] == "zhangsan"
    assert "********" in exc.value.params["id_masked"]
    # The same person typed differently (spaces, invisible characters, lower-case x) is
    # still the same person.
    spaced = f" {number(1)[:6]} {number(1)[6:]}\u200b"
    with pytest.raises(Conflict):
        create_account(cmd("wangwu", id_number=spaced), db.uow(), ADMIN, authorize=allow)
    accounts, evs = counts(db)
    assert accounts == before[0]
    assert evs == before[1] + 2  # the two failed attempts, recorded
    failed = [e for e in events(db, "account.create") if e["outcome"] == "failed"]
    assert len(failed) == 2 and number(1) not in json.dumps(failed)


def test_taken_login_is_a_conflict(db: Database, dept: str) -> None:
    create_account(cmd(), db.uow(), ADMIN, authorize=allow)
    before = counts(db)
    with pytest.raises(Conflict) as exc:
        create_account(cmd(seq=2), db.uow(), ADMIN, authorize=allow)
    assert exc.value.key == "err.login_taken"
    assert counts(db) == before


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (
            {"id_number": number(1)[:17] + ("0" if number(1)[17] != "0" else "1")},
            "err.idnumber_checksum",
        ),
        ({"id_number": "530102198502301230"}, "err.idnumber_birth_invalid"),
        ({"id_number": "530102190002291230"}, "err.idnumber_birth_invalid"),
        ({"id_number": number(born=date.today() + timedelta(days=2))}, "err.idnumber_birth_future"),
        ({"id_number": number(prefix="530199")}, "err.idnumber_region"),
        (
            {"id_number": "".join(chr(0xFF10 + int(c)) if c.isdigit() else c for c in number())},
            "err.digits_not_ascii",
        ),
        (
            {"id_number": "".join(chr(0x0660 + int(c)) if c.isdigit() else c for c in number())},
            "err.digits_not_ascii",
        ),
        ({"full_name": "张\u200b三"}, "err.text_invisible"),
        ({"full_name": "张三\u202e"}, "err.text_invisible"),
        ({"full_name": "Ivаn"}, "err.name_script"),
        ({"full_name": "[b]张三[/b]"}, "err.text_markup"),
        ({"full_name": "\x1b[2J张三"}, "err.text_control"),
        ({"full_name": "张" * 10_240}, "err.field_too_long"),
        ({"post": "x" * 10_240}, "err.field_too_long"),
        ({"wechat_id": "w" * 10_240}, "err.field_too_long"),
        ({"login_name": "l" * 10_240}, "err.field_too_long"),
        ({"mobile": "1" * 10_240}, "err.field_too_long"),
        ({"mobile": "１３８１２３４５６７８"}, "err.digits_not_ascii"),
        ({"login_name": "x'; DROP TABLE accounts; --"}, "err.login_chars"),
        (
            {
                "valid_from": datetime(2027, 1, 1, tzinfo=UTC),
                "valid_until": datetime(2026, 1, 1, tzinfo=UTC),
            },
            "err.validity_order",
        ),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(
    db: Database, dept: str, change: dict[str, object], key: str
) -> None:
    before = counts(db)
    with pytest.raises(InvalidInput) as exc:
        create_account(cmd(**change), db.uow(), ADMIN, authorize=allow)
    assert exc.value.key == key
    assert exc.value.params.get("field")
    assert counts(db) == before


def test_unknown_unit_is_not_found(db: Database, dept: str) -> None:
    before = counts(db)
    with pytest.raises(NotFound):
        create_account(cmd(region_code="539999999999"), db.uow(), ADMIN, authorize=allow)
    with pytest.raises(NotFound):
        create_account(cmd(department_code="nope"), db.uow(), ADMIN, authorize=allow)
    assert counts(db) == before


def test_sql_looking_text_is_just_data(db: Database, dept: str) -> None:
    sneaky = "Robert O'Brien-Smith"
    post = "经办 OR 1-1 (x)"
    wechat = "x--@or.1"
    view = create_account(
        cmd(full_name=sneaky, post=post, wechat_id=wechat), db.uow(), ADMIN, authorize=allow
    )
    assert (view.full_name, view.post, view.wechat_id) == (sneaky, post, wechat)
    with db.read() as s:
        row = s.get(Account, view.id)
        assert row is not None and (row.full_name, row.post, row.wechat_id) == (
            sneaky,
            post,
            wechat,
        )
        assert s.scalar(sa.select(sa.func.count()).select_from(Account)) == 1
    reason = "'); DROP TABLE accounts; --"
    done = change_status(
        ChangeStatus(view.id, "active", reason=reason), db.uow(), ADMIN, authorize=allow
    )
    assert done.status_reason == reason
    with db.read() as s:
        assert s.scalar(sa.select(Account.status_reason).where(Account.id == view.id)) == reason


def test_a_refused_authorisation_is_recorded_and_writes_nothing(db: Database, dept: str) -> None:
    before = counts(db)
    with pytest.raises(PermissionDenied):
        create_account(cmd(), db.uow(), ADMIN, authorize=deny)
    assert counts(db) == (before[0], before[1] + 1)
    (ev,) = events(db, "account.create")
    assert ev["outcome"] == "denied"
    view = create_account(cmd(), db.uow(), ADMIN, authorize=allow)
    with pytest.raises(PermissionDenied):
        update_account(UpdateAccount(view.id, full_name="李四"), db.uow(), ADMIN, authorize=deny)
    with pytest.raises(PermissionDenied):
        change_status(ChangeStatus(view.id, "active"), db.uow(), ADMIN, authorize=deny)
    assert [e["outcome"] for e in events(db, "account.update")] == ["denied"]
    assert [e["outcome"] for e in events(db, "account.status")] == ["denied"]
    with db.read() as s:
        row = s.get(Account, view.id)
        assert row is not None and (row.full_name, row.status) == ("张三", "pending")


def test_authorisation_comes_first(db: Database, dept: str) -> None:
    """A refused caller learns nothing about the input (no validation error instead)."""
    with pytest.raises(PermissionDenied):
        create_account(cmd(full_name="张\u200b三"), db.uow(), ADMIN, authorize=deny)


def test_update_changes_details_and_audits_masked(db: Database, dept: str) -> None:
    view = create_account(cmd(), db.uow(), ADMIN, authorize=allow)
    until = datetime(2027, 6, 30, tzinfo=UTC)
    new = update_account(
        UpdateAccount(view.id, full_name="张三丰", mobile="13987654321", valid_until=until),
        db.uow(),
        ADMIN,
        authorize=allow,
    )
    assert (new.full_name, new.mobile_masked, new.valid_until) == ("张三丰", "139****4321", until)
    (ev,) = events(db, "account.update")
    diff = json.loads(str(ev["diff"]))
    assert diff["full_name"] == ["张三", "张三丰"]
    assert diff["mobile_masked"] == ["138****5678", "139****4321"]
    assert "13987654321" not in str(ev["diff"])
    with db.read() as s:
        assert [a.id for a in find_by_mobile(s, "13987654321")] == [view.id]
        assert find_by_mobile(s, "13812345678") == []
    # nothing changed: nothing recorded
    update_account(UpdateAccount(view.id, full_name="张三丰"), db.uow(), ADMIN, authorize=allow)
    assert len(events(db, "account.update")) == 1
    # a bad value: refused, nothing written
    before = counts(db)
    with pytest.raises(InvalidInput):
        update_account(
            UpdateAccount(view.id, full_name="张三\u200d", post=KEEP), db.uow(), ADMIN,
            authorize=allow,
        )  # fmt: skip
    with pytest.raises(InvalidInput):
        update_account(
            UpdateAccount(view.id, valid_from=datetime(2028, 1, 1, tzinfo=UTC)),
            db.uow(),
            ADMIN,
            authorize=allow,
        )
    assert counts(db) == before
    # removing the mobile
    gone = update_account(UpdateAccount(view.id, mobile=""), db.uow(), ADMIN, authorize=allow)
    assert gone.mobile_masked == ""
    with pytest.raises(NotFound):
        update_account(UpdateAccount(999_999, full_name="李四"), db.uow(), ADMIN, authorize=allow)


def _account_in(db: Database, status: str, login: str, seq: int) -> int:
    view = create_account(cmd(login, seq=seq), db.uow(), ADMIN, authorize=allow)
    with db.uow() as uow:
        uow.session.execute(sa.update(Account).where(Account.id == view.id).values(status=status))
        uow.commit()
    return view.id


def test_every_transition_legal_or_a_conflict(db: Database, dept: str) -> None:
    pairs = list(product(ACCOUNT_STATUSES, ACCOUNT_STATUSES))
    for i, (start, target) in enumerate(pairs):
        account_id = _account_in(db, start, f"user{i:03d}", i + 1)
        before = counts(db)
        legal = target in TRANSITIONS[start]
        if legal:
            view = change_status(
                ChangeStatus(account_id, target, reason="人事变动"),
                db.uow(),
                ADMIN,
                authorize=allow,
            )
            assert view.status == target and view.status_reason == "人事变动"
            assert view.status_changed_at is not None
            assert counts(db) == (before[0], before[1] + 1)
        else:
            with pytest.raises(Conflict) as exc:
                change_status(ChangeStatus(account_id, target), db.uow(), ADMIN, authorize=allow)
            assert exc.value.key == "err.status_transition"
            assert counts(db) == before
            with db.read() as s:
                row = s.get(Account, account_id)
                assert row is not None and row.status == start
    expected = {
        ("pending", "active"), ("pending", "disabled"),
        ("active", "locked"), ("active", "suspended"), ("active", "disabled"),
        ("locked", "active"), ("locked", "suspended"), ("locked", "disabled"),
        ("suspended", "active"), ("suspended", "disabled"),
        ("disabled", "active"), ("disabled", "archived"),
        ("archived", "disabled"),
    }  # fmt: skip
    assert {(a, b) for a, b in pairs if b in TRANSITIONS[a]} == expected


def test_status_refusals(db: Database, dept: str) -> None:
    view = create_account(cmd(), db.uow(), ADMIN, authorize=allow)
    with pytest.raises(InvalidInput) as exc:
        change_status(ChangeStatus(view.id, "deleted"), db.uow(), ADMIN, authorize=allow)
    assert exc.value.key == "err.status_unknown"
    me = Actor(login="zhangsan", account_id=view.id)
    with pytest.raises(PermissionDenied):
        change_status(ChangeStatus(view.id, "active"), db.uow(), me, authorize=allow)
    with pytest.raises(InvalidInput):
        change_status(
            ChangeStatus(view.id, "active", reason="\x1b[31m"), db.uow(), ADMIN, authorize=allow
        )
    with pytest.raises(NotFound):
        change_status(ChangeStatus(123_456, "active"), db.uow(), ADMIN, authorize=allow)


def test_is_usable_follows_status_and_validity(db: Database, dept: str) -> None:
    now = datetime(2026, 11, 24, tzinfo=UTC)
    view = create_account(
        cmd(valid_from=now - timedelta(days=10), valid_until=now + timedelta(days=10)),
        db.uow(),
        ADMIN,
        authorize=allow,
    )
    assert not is_usable(view, now)  # pending
    view = change_status(ChangeStatus(view.id, "active"), db.uow(), ADMIN, authorize=allow)
    assert is_usable(view, now)
    assert not is_usable(view, now + timedelta(days=10))  # expired at the end
    assert not is_usable(view, now - timedelta(days=11))  # not yet valid
    for status in ("locked", "suspended", "disabled"):
        view = change_status(ChangeStatus(view.id, status), db.uow(), ADMIN, authorize=allow)
        assert not is_usable(view, now)
        if status != "disabled":
            view = change_status(ChangeStatus(view.id, "active"), db.uow(), ADMIN, authorize=allow)
    view = change_status(ChangeStatus(view.id, "archived"), db.uow(), ADMIN, authorize=allow)
    assert not is_usable(view, now)


def test_a_failure_inside_the_transaction_leaves_nothing(
    db: Database, dept: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import accounts.accounts as svc

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    before = counts(db)
    monkeypatch.setattr(svc, "record", broken)
    with pytest.raises(RuntimeError):
        create_account(cmd(), db.uow(), ADMIN, authorize=allow)
    assert counts(db) == before
