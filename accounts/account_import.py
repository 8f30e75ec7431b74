"""Bulk ``account import`` from CSV or XLSX: validate every row, then write in one transaction.

Every row is checked before anything is written (nothing stops at the first error): each
problem is reported with its line, its column and a catalogue key. A bad row means nothing is
written, unless ``skip_bad``: then the good rows are imported and the bad ones reported.
A row whose login already exists *for the same person* (same ID number) changes that account;
a new login creates a pending account with a one-time activation code (no password, so no
argon2 per row). Every row is authorised for the operator (``account.create`` on the row's
unit, ``account.update`` on both units of a change); an out-of-scope row is a bad row and the
refusal is recorded in the audit trail.

The activation codes are handed to ``write_codes`` just before the commit: the caller writes
them to a file of its own (mode 0600); a failure there rolls the whole import back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from accounts import credentials, personal, validation
from accounts.accounts import ACTION_CREATE, ACTION_UPDATE
from accounts.models import Credential
from accounts.tabular import body_rows, read_grid
from audit_log.actor import Actor
from audit_log.chain import record, record_refusal
from casedb.clock import parse_local
from casedb.engine import Database
from casedb.errors import InvalidInput, JzError, NotFound
from casedb.models import Account, Department, Region
from casedb.regions import expand

COLUMNS = (
    "login_name", "full_name", "id_number", "region_code", "department_code",
    "mobile", "wechat_id", "post", "valid_from", "valid_until",
)  # fmt: skip
REQUIRED = ("login_name", "full_name", "id_number", "region_code", "department_code")
HEADER_ALIASES = {
    "登录名": "login_name",
    "账号": "login_name",
    "login": "login_name",
    "姓名": "full_name",
    "name": "full_name",
    "身份证号": "id_number",
    "身份证号码": "id_number",
    "区划代码": "region_code",
    "区划": "region_code",
    "region": "region_code",
    "部门": "department_code",
    "部门代码": "department_code",
    "department": "department_code",
    "手机": "mobile",
    "手机号": "mobile",
    "政务微信": "wechat_id",
    "wechat": "wechat_id",
    "职务": "post",
    "生效时间": "valid_from",
    "有效期起": "valid_from",
    "失效时间": "valid_until",
    "有效期止": "valid_until",
}
BATCH = 500
MAX_ROWS = 200_000
CHANGE_FIELDS = ("full_name", "region_code", "department_code", "post", "wechat_id",
                 "mobile", "valid_from", "valid_until")  # fmt: skip

Decide = Callable[[str, str, str], bool]
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class BadCell:
    line: int
    column: str
    reason: str  # a catalogue key
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class IssuedCode:
    login_name: str
    full_name: str
    code: str
    expires_at: datetime


@dataclass
class RowPlan:
    line: int
    login_name: str
    action: str  # create | update | unchanged
    changes: list[str] = field(default_factory=list)
    # what the write needs (never reported)
    values: dict[str, Any] = field(default_factory=dict, repr=False)
    account_id: int | None = None


@dataclass(frozen=True)
class ImportResult:
    file: str
    rows: int
    plans: list[RowPlan]
    bad: list[BadCell]
    dry_run: bool
    applied: bool

    @property
    def created(self) -> int:
        return sum(1 for p in self.plans if p.action == "create")

    @property
    def updated(self) -> int:
        return sum(1 for p in self.plans if p.action == "update")

    @property
    def unchanged(self) -> int:
        return sum(1 for p in self.plans if p.action == "unchanged")

    @property
    def bad_lines(self) -> list[int]:
        return sorted({b.line for b in self.bad})


# --- reading -------------------------------------------------------------------------------


def read_rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    """Rows of a CSV or XLSX file as (line, fields), the header checked."""
    raw = read_grid(path)
    if not raw:
        raise InvalidInput("err.account_import_empty", path=str(path))
    header = [HEADER_ALIASES.get(h.strip().lower(), h.strip().lower()) for h in raw[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InvalidInput("err.account_import_header", path=str(path),
                           missing=", ".join(missing), columns=", ".join(COLUMNS))  # fmt: skip
    if len(raw) - 1 > MAX_ROWS:
        raise InvalidInput("err.account_import_too_big", rows=len(raw) - 1, max=MAX_ROWS)
    return body_rows(raw, header)


# --- validating ----------------------------------------------------------------------------


def _date(raw: str) -> datetime | None:
    text = raw.strip()
    return parse_local(text) if text else None


def _check_fields(
    line: int,
    fields: dict[str, str],
    regions: set[str],
    departments: set[str],
    counties: validation.KnownCounties,
) -> tuple[dict[str, Any], list[BadCell]]:
    values: dict[str, Any] = {}
    bad: list[BadCell] = []

    def check(column: str, fn: Callable[[str], Any]) -> None:
        try:
            values[column] = fn(fields.get(column, ""))
        except JzError as exc:
            params = dict(exc.params)
            bad.append(BadCell(line, column, exc.key, params))

    def region(raw: str) -> str:
        code = expand(raw.strip())
        if code is None or code not in regions:
            raise InvalidInput("err.region_not_found", code=raw.strip()[:20])
        return code

    def department(raw: str) -> str:
        code = raw.strip()
        if code not in departments:
            raise NotFound("err.department_not_found", code=code[:16])
        return code

    check("login_name", validation.login_name)
    check("full_name", validation.full_name)
    check("id_number", lambda raw: validation.id_number(raw, counties))
    check("region_code", region)
    check("department_code", department)
    check("mobile", lambda raw: validation.mobile(raw) if raw.strip() else "")
    check("wechat_id", validation.wechat_id)
    check("post", validation.post)
    check("valid_from", _date)
    check("valid_until", _date)
    if "valid_from" in values and "valid_until" in values:
        try:
            validation.validity(values["valid_from"], values["valid_until"])
        except JzError as exc:
            params = dict(exc.params)
            bad.append(BadCell(line, "valid_until", exc.key, params))
    return values, bad


def _existing(session: Session, column: Any, keys: Sequence[str]) -> dict[str, Account]:
    found: dict[str, Account] = {}
    for start in range(0, len(keys), BATCH):
        chunk = list(keys[start : start + BATCH])
        for account in session.scalars(select(Account).where(column.in_(chunk))):
            found[str(getattr(account, column.key))] = account
    return found


def plan_import(
    session: Session,
    rows: Sequence[tuple[int, dict[str, str]]],
    *,
    decide: Decide,
    progress: Progress | None = None,
) -> tuple[list[RowPlan], list[BadCell], list[BadCell]]:
    """(the plan of each good row, every bad cell, the refused cells among them)."""
    regions = set(session.scalars(select(Region.code)))
    departments = set(session.scalars(select(Department.code)))
    counties = validation.known_counties(session)
    checked: list[tuple[int, dict[str, Any]]] = []
    bad: list[BadCell] = []
    seen_login: dict[str, int] = {}
    seen_id: dict[str, int] = {}
    total = len(rows)
    for n, (line, fields) in enumerate(rows, start=1):
        values, problems = _check_fields(line, fields, regions, departments, counties)
        login = values.get("login_name")
        if login is not None:
            if login in seen_login:
                problems.append(BadCell(line, "login_name", "bad.account_duplicate_login",
                                        {"other": seen_login[login]}))  # fmt: skip
            else:
                seen_login[login] = line
        number = values.get("id_number")
        if number is not None:
            if number in seen_id:
                problems.append(BadCell(line, "id_number", "bad.account_duplicate_person",
                                        {"other": seen_id[number]}))  # fmt: skip
            else:
                seen_id[number] = line
        if problems:
            bad.extend(problems)
        else:
            values["id_index"] = personal.blind_index(
                session, number or "", purpose=personal.PURPOSE_ID_NUMBER
            )
            checked.append((line, values))
        if progress is not None and n % 200 == 0:
            progress(n, total)
    by_login = _existing(session, Account.login_name, [v["login_name"] for _, v in checked])
    by_index = _existing(session, Account.id_index, [v["id_index"] for _, v in checked])
    plans: list[RowPlan] = []
    refused: list[BadCell] = []
    cache: dict[tuple[str, str, str], bool] = {}

    def allowed(action: str, region: str, department: str) -> bool:
        key = (action, region, department)
        if key not in cache:
            cache[key] = decide(action, region, department)
        return cache[key]

    for line, values in checked:
        login = values["login_name"]
        account = by_login.get(login)
        holder = by_index.get(values["id_index"])
        if account is None and holder is not None:
            params = {"existing": holder.login_name, "id_masked": holder.id_masked}
            bad.append(BadCell(line, "id_number", "bad.account_person_exists", params))
            continue
        if account is not None and (holder is None or holder.id != account.id):
            bad.append(BadCell(line, "login_name", "bad.account_login_other_person",
                               {"login": login}))  # fmt: skip
            continue
        unit = (values["region_code"], values["department_code"])
        if account is None:
            if not allowed(ACTION_CREATE, *unit):
                cell = BadCell(line, "region_code", "bad.account_not_permitted",
                               {"region": unit[0], "department": unit[1]})  # fmt: skip
                bad.append(cell)
                refused.append(cell)
                continue
            plans.append(RowPlan(line, login, "create", list(COLUMNS), values))
            continue
        if not (
            allowed(ACTION_UPDATE, account.region_code, account.department_code)
            and allowed(ACTION_UPDATE, *unit)
        ):
            cell = BadCell(line, "region_code", "bad.account_not_permitted",
                           {"region": unit[0], "department": unit[1]})  # fmt: skip
            bad.append(cell)
            refused.append(cell)
            continue
        changes = _changes(session, account, values)
        plans.append(
            RowPlan(line, login, "update" if changes else "unchanged", changes, values, account.id)
        )
    bad.sort(key=lambda b: (b.line, COLUMNS.index(b.column) if b.column in COLUMNS else 99))
    return plans, bad, refused


def _changes(session: Session, account: Account, values: dict[str, Any]) -> list[str]:
    changed = []
    for name in CHANGE_FIELDS:
        if name == "mobile":
            current = (
                personal.unseal(session, account.mobile_cipher, aad=personal.AAD_MOBILE)
                if account.mobile_cipher is not None
                else ""
            )
        else:
            current = getattr(account, name)
        if current != values[name]:
            changed.append(name)
    return changed


# --- writing -------------------------------------------------------------------------------


def _audit_fields(v: dict[str, Any], id_masked: str, mobile_masked: str) -> dict[str, Any]:
    return {
        "login_name": v["login_name"],
        "full_name": v["full_name"],
        "region_code": v["region_code"],
        "department_code": v["department_code"],
        "post": v["post"],
        "id_masked": id_masked,
        "mobile_masked": mobile_masked,
        "wechat_id": v["wechat_id"],
        "status": "pending",
        "valid_from": v["valid_from"],
        "valid_until": v["valid_until"],
    }


def _create(
    session: Session,
    plans: Sequence[RowPlan],
    actor: Actor,
    file: str,
    now: datetime,
    progress: Progress | None,
) -> list[IssuedCode]:
    codes: list[IssuedCode] = []
    expires = now + credentials.ACTIVATION_VALID
    total = len(plans)
    for start in range(0, total, BATCH):
        chunk = plans[start : start + BATCH]
        rows = []
        for p in chunk:
            v = p.values
            id_cipher = personal.seal(session, v["id_number"], aad=personal.AAD_ID_NUMBER)
            row: dict[str, Any] = {
                "login_name": v["login_name"],
                "full_name": v["full_name"],
                "region_code": v["region_code"],
                "department_code": v["department_code"],
                "post": v["post"],
                "id_masked": personal.mask_id_number(v["id_number"]),
                "status": "pending",
                "created_at": now,
                "id_cipher": id_cipher,
                "id_index": v["id_index"],
                "key_version": personal.blob_version(id_cipher),
                "wechat_id": v["wechat_id"],
                "valid_from": v["valid_from"],
                "valid_until": v["valid_until"],
                "status_changed_at": now,
                "status_reason": "",
                "mobile_cipher": None,
                "mobile_index": None,
                "mobile_masked": "",
            }
            if v["mobile"]:
                row["mobile_cipher"] = personal.seal(session, v["mobile"], aad=personal.AAD_MOBILE)
                row["mobile_index"] = personal.blind_index(
                    session, v["mobile"], purpose=personal.PURPOSE_MOBILE
                )
                row["mobile_masked"] = personal.mask_mobile(v["mobile"])
            rows.append(row)
        result = session.execute(insert(Account).returning(Account.login_name, Account.id), rows)
        ids = {str(r[0]): int(r[1]) for r in result}
        creds = []
        for p, row in zip(chunk, rows, strict=True):
            account_id = int(ids[row["login_name"]])
            p.account_id = account_id
            code = credentials.new_activation_code()
            creds.append(
                {
                    "account_id": account_id,
                    "password_history": "[]",
                    "failed_count": 0,
                    "activation_code_hash": credentials.activation_hash(account_id, code),
                    "activation_expires_at": expires,
                }
            )
            codes.append(IssuedCode(row["login_name"], row["full_name"], code, expires))
            record(session, actor, ACTION_CREATE, target_kind="account",
                   target_id=str(account_id), region=row["region_code"],
                   department=row["department_code"], at=now,
                   after=_audit_fields(p.values, row["id_masked"], row["mobile_masked"]),
                   details={"import": file, "line": p.line,
                            "activation_expires_at": expires})  # fmt: skip
        session.execute(insert(Credential), creds)
        if progress is not None:
            progress(min(start + BATCH, total), total)
    return codes


def _update(session: Session, plans: Sequence[RowPlan], actor: Actor, file: str) -> None:
    from accounts.accounts import _audit_fields as fields_of
    from accounts.accounts import _set_mobile

    for p in plans:
        assert p.account_id is not None
        account = session.get(Account, p.account_id, with_for_update=True)
        if account is None:  # pragma: no cover - deleted between plan and write
            raise NotFound("err.account_not_found", account=p.login_name)
        before = fields_of(account)
        v = p.values
        for name in ("full_name", "region_code", "department_code", "post", "wechat_id",
                     "valid_from", "valid_until"):  # fmt: skip
            if name in p.changes:
                setattr(account, name, v[name])
        if "mobile" in p.changes:
            _set_mobile(session, account, v["mobile"])
        session.flush()
        record(session, actor, ACTION_UPDATE, target_kind="account", target_id=str(account.id),
               region=account.region_code, department=account.department_code,
               before=before, after=fields_of(account),
               details={"import": file, "line": p.line})  # fmt: skip


def run_import(
    db: Database,
    actor: Actor,
    path: Path,
    *,
    decide: Decide,
    skip_bad: bool = False,
    dry_run: bool = False,
    write_codes: Callable[[list[IssuedCode]], None] | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """``account import`` as one transaction with its audit events; a rejected file and any
    out-of-scope rows are recorded as refusals in transactions of their own."""
    rows = read_rows(path)
    name = path.name[:64]
    with db.uow() as uow:
        s = uow.session
        plans, bad, refused = plan_import(s, rows, decide=decide, progress=progress)
        result = ImportResult(str(path), len(rows), plans, bad, dry_run, applied=False)
        if refused:
            uow.rollback()
            record_refusal(db.uow(), actor, "account.import", reason="out of scope",
                           target_kind="file", target_id=name,
                           details={"file": str(path),
                                    "lines": [c.line for c in refused][:1000]})  # fmt: skip
        if bad and not skip_bad:
            uow.rollback()
            if not refused:
                record_refusal(db.uow(), actor, "account.import", outcome="failed",
                               reason="bad rows", target_kind="file", target_id=name,
                               details={"file": str(path), "bad_rows": len(result.bad_lines),
                                        "rows": len(rows)})  # fmt: skip
            err = InvalidInput("err.account_import_bad_rows", count=len(result.bad_lines),
                               total=len(rows))  # fmt: skip
            err.details = [
                {"line": b.line, "column": b.column, "reason": b.reason, **b.params} for b in bad
            ]
            raise err
        if dry_run:
            return result
        now = datetime.now(UTC)
        codes = _create(s, [p for p in plans if p.action == "create"], actor, name, now, progress)
        _update(s, [p for p in plans if p.action == "update"], actor, name)
        record(s, actor, "account.import", target_kind="file", target_id=name, at=now,
               details={"file": str(path), "rows": len(rows), "created": result.created,
                        "updated": result.updated, "unchanged": result.unchanged,
                        "skipped_lines": result.bad_lines[:1000]})  # fmt: skip
        if codes and write_codes is not None:
            write_codes(codes)
        uow.commit()
    return ImportResult(str(path), len(rows), plans, bad, dry_run, applied=True)
