"""``jzctl doctor``: is this console fit to work, and if not, what to fix?

Each check gives ``ok``, ``warn``, ``fail`` or ``skip`` (it could not run because an earlier
check failed) and one catalogue key whose sentence says what was found and what to do. The
checks read only: no sign-in is needed (a broken console must still be diagnosable), nothing
is written, and no check needs a signed-in admin, so none is skipped for want of one.

- ``database``: the URL resolves and the server answers;
- ``schema``: the revision is the one this jzctl expects (``casedb.schema``);
- ``keyring``: a backend is configured, readable, and not a plaintext one;
- ``clock.zone``: the province's zone (Asia/Shanghai unless ``JZ_TZ``) loads; a missing
  zone database silently turns working-day deadlines into UTC ones;
- ``clock.skew``: on PostgreSQL, this host's clock against the server's (warn beyond 60 s);
- ``anchors``: the audit anchor key is in this keyring, and the newest anchor is not older
  than N days while events pile up behind it;
- ``backup_keys``: the backup sealing and signing keys are in this keyring;
- ``pg_tools``: on PostgreSQL, ``pg_dump`` and ``pg_restore`` as new as the server;
- ``backup.<class>``: the class's newest verified backup meets its RPO (``ops.retention``);
- ``calendar.current_year`` / ``calendar.next_year``: the working-day calendar knows the
  holiday notice (package or table), else deadlines fall back to Monday-Friday.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from casedb.errors import JzError

OK, WARN, FAIL, SKIP = "ok", "warn", "fail", "skip"
STATUSES = (OK, WARN, FAIL, SKIP)
PROVINCE_ZONE = "Asia/Shanghai"
ANCHOR_DAYS = 7
MAX_SKEW_S = 60.0
Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Check:
    name: str  # stable id: "database", "backup.core", "calendar.next_year", ...
    status: str
    key: str  # catalogue key of the one sentence: what was found, what to fix
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return self.name.split(".", 1)[0] if self.name.startswith(("backup.", "calendar.")) \
            else self.name  # fmt: skip

    def as_dict(self) -> dict[str, Any]:
        return {"check": self.name, "status": self.status, "key": self.key,
                "params": self.params}  # fmt: skip


@dataclass
class Report:
    checks: list[Check] = field(default_factory=list)

    def add(self, name: str, status: str, key: str, **params: Any) -> Check:
        c = Check(name, status, key, {k: _plain(v) for k, v in params.items()})
        self.checks.append(c)
        return c

    def count(self, status: str) -> int:
        return sum(1 for c in self.checks if c.status == status)

    @property
    def failed(self) -> bool:
        return self.count(FAIL) > 0


def _plain(v: Any) -> Any:
    return v if isinstance(v, str | int | float | bool | None) else str(v)


def _reason(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__


def _now() -> datetime:
    return datetime.now(UTC)


def run(
    url: str,
    *,
    url_source: str = "option",
    backup_root: Path,
    anchor_days: int = ANCHOR_DAYS,
    max_skew_s: float = MAX_SKEW_S,
    clock: Clock = _now,
) -> Report:
    """Every check, in order; a check that crashes is a ``fail`` naming the error."""
    from casedb.engine import Database

    report = Report()
    db: Database | None = None
    try:
        db = _database(report, url, url_source)
        if db is None:
            report.add("schema", SKIP, "doctor.skip.database")
        schema_ok = db is not None and _schema(report, db)
        keyring_ok = _guard(report, "keyring", lambda: _keyring(report))
        _guard(report, "clock.zone", lambda: _zone(report, clock))
        _guard(report, "clock.skew", lambda: _skew(report, db, max_skew_s, clock))
        if not (db is not None and schema_ok):
            report.add("anchors", SKIP, "doctor.skip.database")
        elif not keyring_ok:
            report.add("anchors", SKIP, "doctor.skip.keyring")
        else:
            _guard(report, "anchors", lambda: _anchors(report, db, anchor_days, clock))
        bkeys = _guard_value(report, "backup_keys", lambda: _backup_keys(report, backup_root,
                                                                          keyring_ok))  # fmt: skip
        if db is not None and db.backend == "postgresql":
            _guard(report, "pg_tools", lambda: _pg_tools(report, db))
        _guard(report, "backup", lambda: _backups(report, backup_root, bkeys, clock))
        if db is not None and schema_ok:
            _guard(report, "calendar", lambda: _calendar(report, db, clock))
        else:
            year = clock().astimezone(_zone_or_utc()).year
            report.add("calendar.current_year", SKIP, "doctor.skip.database", year=year)
            report.add("calendar.next_year", SKIP, "doctor.skip.database", year=year + 1)
    finally:
        if db is not None:
            db.dispose()
    return report


def _zone_or_utc() -> Any:
    from casedb.clock import local_zone

    return local_zone()


def _guard(report: Report, name: str, fn: Callable[[], object]) -> bool:
    before = report.count(FAIL)
    try:
        fn()
    except Exception as exc:
        report.add(name, FAIL, "doctor.crashed", kind=type(exc).__name__, reason=_reason(exc))
    return report.count(FAIL) == before


def _guard_value(report: Report, name: str, fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except Exception as exc:
        report.add(name, FAIL, "doctor.crashed", kind=type(exc).__name__, reason=_reason(exc))
        return None


# --- the database ---------------------------------------------------------------------------


def _database(report: Report, url: str, source: str) -> Any:
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    from casedb.engine import Database

    try:
        db = Database(url, create=False)
    except JzError as exc:
        report.add("database", FAIL, "doctor.database.bad_url", url=_redact(url),
                   reason_key=exc.key, **exc.params)  # fmt: skip
        return None
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        report.add("database", FAIL, "doctor.database.unreachable", url=db.redacted_url,
                   reason=_reason(exc))  # fmt: skip
        db.dispose()
        return None
    report.add("database", OK, "doctor.database.ok", url=db.redacted_url, backend=db.backend,
               source_key=f"doctor.source.{source}")  # fmt: skip
    return db


def _redact(url: str) -> str:
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "-"


def _schema(report: Report, db: Any) -> bool:
    from casedb.errors import InvalidInput
    from casedb.schema import status

    try:
        st = status(db.engine)
    except InvalidInput as exc:
        report.add("schema", FAIL, "doctor.crashed", kind="InvalidInput",
                   reason=str(exc.params.get("reason", exc.key)))  # fmt: skip
        return False
    if st.state == "current":
        report.add("schema", OK, "doctor.schema.current", revision=st.current, head=st.head)
        return True
    report.add("schema", FAIL, f"doctor.schema.{st.state}", revision=st.current or "-",
               head=st.head)  # fmt: skip
    return st.state != "empty"


# --- the keyring ----------------------------------------------------------------------------


def _keyring(report: Report) -> None:
    from casedb import keystore
    from casedb.errors import InvalidInput

    try:
        keystore.backend()
        keystore.get_secret("doctor-probe")  # opens (and decrypts) the keyring
    except InvalidInput as exc:
        report.add("keyring", FAIL, "doctor.keyring.unusable", reason_key=exc.key, **exc.params)
        return
    described = keystore.describe()
    if os.environ.get(keystore.ENV_ALLOW_PLAINTEXT) and not os.environ.get(keystore.ENV_FILE):
        report.add("keyring", WARN, "doctor.keyring.plaintext_allowed", backend=described,
                   env=keystore.ENV_ALLOW_PLAINTEXT)  # fmt: skip
        return
    report.add("keyring", OK, "doctor.keyring.ok", backend=described)


# --- the clock ------------------------------------------------------------------------------


def _zone(report: Report, clock: Clock) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    name = os.environ.get("JZ_TZ", PROVINCE_ZONE)
    try:
        zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        report.add("clock.zone", FAIL, "doctor.clock.zone_missing", zone=name)
        return
    local = clock().astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")
    if name != PROVINCE_ZONE:
        report.add("clock.zone", WARN, "doctor.clock.zone_other", zone=name, local=local,
                   province=PROVINCE_ZONE)  # fmt: skip
        return
    report.add("clock.zone", OK, "doctor.clock.zone_ok", zone=name, local=local)


def _skew(report: Report, db: Any, max_skew_s: float, clock: Clock) -> None:
    from sqlalchemy import text

    if db is None:
        report.add("clock.skew", SKIP, "doctor.skip.database")
        return
    if db.backend != "postgresql":
        report.add("clock.skew", OK, "doctor.clock.same_host")
        return
    with db.engine.connect() as conn:
        t0 = time.monotonic()
        before = clock()
        server: datetime = conn.execute(text("SELECT clock_timestamp()")).scalar_one()
        half = (time.monotonic() - t0) / 2
    ours = before.timestamp() + half
    skew = server.timestamp() - ours
    params = {"skew": f"{skew:+.1f}", "limit": f"{max_skew_s:g}"}
    if abs(skew) > max_skew_s:
        report.add("clock.skew", WARN, "doctor.clock.skewed", **params)
    else:
        report.add("clock.skew", OK, "doctor.clock.skew_ok", **params)


# --- the audit anchors ----------------------------------------------------------------------


def _anchors(report: Report, db: Any, days: int, clock: Clock) -> None:
    from sqlalchemy import select

    from audit_log import anchors
    from audit_log.models import AuditAnchor, AuditHead

    with db.read() as s:
        head = s.get(AuditHead, 1)
        newest = s.scalars(select(AuditAnchor).order_by(AuditAnchor.seq.desc()).limit(1)).first()
        if head is None:
            report.add("anchors", FAIL, "doctor.schema.empty", revision="-", head="-")
            return
        chain, seq = head.chain_id, head.seq
        last = None if newest is None else (newest.seq, newest.at, newest.key_id)
    key = anchors.load_key(chain)
    if key is None:
        if last is not None:
            report.add("anchors", FAIL, "doctor.anchors.key_missing", chain=chain)
        else:
            report.add("anchors", OK, "doctor.anchors.none_no_key", events=seq)
        return
    if last is None:
        status = WARN if seq > 0 else OK
        report.add("anchors", status, "doctor.anchors.none", events=seq)
        return
    anchored, at, key_id = last
    if key_id != anchors.key_id(key):
        report.add("anchors", FAIL, "doctor.anchors.key_wrong", chain=chain, seq=anchored)
        return
    age_days = (clock() - at).total_seconds() / 86400
    behind = seq - anchored
    params = {"seq": anchored, "age": f"{age_days:.1f}", "behind": behind, "days": days}
    if behind > 0 and age_days > days:
        report.add("anchors", WARN, "doctor.anchors.stale", **params)
    else:
        report.add("anchors", OK, "doctor.anchors.ok", **params)


# --- backups --------------------------------------------------------------------------------


def _backup_keys(report: Report, root: Path, keyring_ok: bool) -> Any:
    from casedb.errors import InvalidInput
    from ops import catalogue, keys

    if not keyring_ok:
        report.add("backup_keys", SKIP, "doctor.skip.keyring")
        return None
    try:
        k = keys.load()
    except InvalidInput as exc:
        if exc.key == "err.backup_key_missing":
            made = catalogue.read(root, None).live()
            if made:
                report.add("backup_keys", FAIL, "doctor.backup_keys.missing", root=str(root),
                           count=len(made))  # fmt: skip
            else:
                report.add("backup_keys", WARN, "doctor.backup_keys.none_yet")
        else:
            report.add("backup_keys", FAIL, "doctor.keyring.unusable", reason_key=exc.key,
                       **exc.params)  # fmt: skip
        return None
    cat = catalogue.read(root, k)
    if cat.untrusted_lines and not cat.entries:
        report.add("backup_keys", FAIL, "doctor.backup_keys.other", root=str(root),
                   count=cat.untrusted_lines)  # fmt: skip
        return k
    report.add("backup_keys", OK, "doctor.backup_keys.ok", seal=k.seal_id, sign=k.sign_id)
    return k


def _pg_tools(report: Report, db: Any) -> None:
    from ops import pgtools

    with db.engine.connect() as conn:
        server = int(conn.exec_driver_sql("SHOW server_version_num").scalar_one()) // 10000
    found = []
    for name in ("pg_dump", "pg_restore"):
        try:
            found.append(f"{name} {pgtools.find(name, server).version}")
        except JzError as exc:
            report.add("pg_tools", FAIL, "doctor.pg_tools.bad", reason_key=exc.key, **exc.params)
            return
    report.add("pg_tools", OK, "doctor.pg_tools.ok", tools=", ".join(found), server=server)


def _backups(report: Report, root: Path, k: Any, clock: Clock) -> None:
    from ops import catalogue, retention
    from ops.classes import policy

    cat = catalogue.read(root, k)
    if cat.untrusted_lines and cat.entries:
        report.add("backup.catalogue", WARN, "doctor.backup.untrusted", root=str(root),
                   count=cat.untrusted_lines)  # fmt: skip
    for st in retention.status(cat, policy(), clock()):
        name = f"backup.{st.name}"
        rpo = f"{st.rpo_hours:g}"
        newer = st.last_backup
        pending = newer is not None and (
            st.last_verified is None or newer.id != st.last_verified.id
        )
        if st.rpo_met and st.last_verified is not None:
            report.add(name, OK, "doctor.backup.ok", cls=st.name, id=st.last_verified.id,
                       age=f"{st.age_hours:.1f}", rpo=rpo)  # fmt: skip
        elif pending and newer is not None and newer.verify_status is None:
            report.add(name, FAIL, "doctor.backup.unverified", cls=st.name, id=newer.id, rpo=rpo,
                       root=str(root))  # fmt: skip
        elif st.last_verified is None:
            report.add(name, FAIL, "doctor.backup.none", cls=st.name, rpo=rpo, root=str(root))
        else:
            report.add(name, FAIL, "doctor.backup.stale", cls=st.name, id=st.last_verified.id,
                       age=f"{st.age_hours:.1f}", rpo=rpo)  # fmt: skip


# --- the working-day calendar ---------------------------------------------------------------


def _calendar(report: Report, db: Any, clock: Clock) -> None:
    from casedb.calendar import SOURCE_FALLBACK, WorkCalendar
    from casedb.clock import local_zone

    today: date = clock().astimezone(local_zone()).date()
    with db.read() as s:
        cal = WorkCalendar.load(s)
    for name, year in (("calendar.current_year", today.year),
                       ("calendar.next_year", today.year + 1)):  # fmt: skip
        source = cal.year_source(year)
        if source == SOURCE_FALLBACK:
            report.add(name, WARN, "doctor.calendar.fallback", year=year)
        else:
            report.add(name, OK, f"doctor.calendar.{source}", year=year)
