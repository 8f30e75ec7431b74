"""Drills that really run (DOMAIN.md art. 18), on a sandbox, never on live data.

Three kinds, each a list of named steps recorded with pass/fail, timings, figures and a log:

- ``restore``: the latest *verified* backup is restored (ops.restore) into a scratch
  database, checked (schema, audit chain) and measured: RTO is the time until the copy is
  usable, RPO the age of the newest data restored; both are compared with the targets of
  the backup's class (ops/backup_policy.toml).
- ``compromised_admin``: in a copy of the live database an admin (signed in, as an attacker
  would be) is emergency-suspended (accounts.changes.suspend, which ends its sessions), its
  password and TOTP are reset and the data key rotated; then rbac must deny it every action
  in every domain it held, and the copy's audit trail must hold every step and verify.
- ``audit_tamper``: a copy's audit chain is damaged (one event edited, one deleted, the
  database's own guards removed in the copy) and ``audit verify`` must name both, exactly.

The sandbox
-----------
A copy is made with SQLite's online backup API, or ``pg_dump | pg_restore`` into a new
database on the same server; the live database is only read. What lives *outside* the
database is isolated too: while a drill runs, the keyring (``JZ_KEYRING_FILE``) and the audit
anchor folder (``JZ_AUDIT_ANCHOR_DIR``) point into the sandbox folder, holding copies of the
secrets and anchor files the drill needs. Without that, events recorded in the copy would
move this console's head witness, a rotation would move the data key's current version, and
a restore would rebase the anchor file, all of which belong to the live database. (These are
process-wide settings: run one drill at a time, and nothing else in the same process.)

The live database must be exactly as it was before the drill, or the drill fails
(``live_unchanged``): on SQLite ``PRAGMA data_version`` on a connection held open for the
drill proves that nobody committed anything (a full per-table checksum of a province-size
file costs more than the restore itself; ``checksum`` is there for tests and audits); on
PostgreSQL the per-table checksum, hashed by the server. Only then is the drill recorded in
the live register, with its ``drill.run`` audit event.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, func, inspect, select, text
from sqlalchemy.engine import URL

from audit_log import anchors
from audit_log.actor import Actor
from audit_log.chain import record
from audit_log.incident_models import DRILL_KINDS, Drill, DrillStep
from audit_log.incidents import READ_ACTIONS, WRITE_ACTIONS, Authorize, authorise
from casedb.engine import Database, normalise_url
from casedb.errors import Conflict, InvalidInput, JzError, NotFound
from ops import plans

ACTION_RUN = "drill.run"
ACTION_PLAN = "drill.plan"
ACTION_READ = "drill.read"
DEFAULT_OVERDUE_MONTHS = 12
SANDBOX_PASSPHRASE_BYTES = 24
_ENV_KEYS = (
    "JZ_KEYRING_FILE",
    "JZ_KEYRING_PASSPHRASE",
    "JZ_KEYRING_PASSPHRASE_FILE",
    "JZ_KEYRING_KDF_LOG2N",
    anchors.ENV_ANCHOR_DIR,
)
# What the compromised-admin drill expects in the copy's audit trail.
CONTAINMENT_ACTIONS = (
    "change.suspend",
    "account.status",
    "account.activation_issue",
    "account.totp_reset",
    "key.rotate",
)

StepHook = Callable[[str, str, dict[str, Any]], None]  # (step, "start"|"pass"|"fail", detail)

# Test-only failure injection: the name of a step to fail on purpose.
_fail_step: str | None = None


# --- the live checksum ----------------------------------------------------------------------


@dataclass(frozen=True)
class Checksum:
    tables: dict[str, tuple[int, str]]  # name -> (rows, SHA-256 of the rows in key order)

    @property
    def digest(self) -> str:
        body = json.dumps(self.tables, sort_keys=True).encode()
        return hashlib.sha256(body).hexdigest()

    def differs(self, other: Checksum) -> list[str]:
        names = set(self.tables) | set(other.tables)
        return sorted(n for n in names if self.tables.get(n) != other.tables.get(n))


def _reading(db: Database) -> Connection:
    """A read-only connection: a deferred transaction on SQLite, so writers never wait."""
    engine: Engine = db.engine
    if db.backend == "sqlite":
        engine = engine.execution_options(sqlite_begin="DEFERRED")
    return engine.connect()


def _order_columns(conn: Any, table: str) -> list[str]:
    insp = inspect(conn)
    pk = insp.get_pk_constraint(table).get("constrained_columns") or []
    return list(pk) or [c["name"] for c in insp.get_columns(table)]


def checksum(db: Database, *, skip: tuple[str, ...] = ()) -> Checksum:
    """Every table's row count and a hash of its rows in primary-key order (read only)."""
    out: dict[str, tuple[int, str]] = {}
    with _reading(db) as conn:
        prep = conn.dialect.identifier_preparer
        names = sorted(inspect(conn).get_table_names())
        for name in names:
            if name in skip:
                continue
            order = ", ".join(prep.quote(c) for c in _order_columns(conn, name))
            h = hashlib.sha256()
            rows = 0
            what = "md5(x::text)" if db.backend == "postgresql" else "*"
            result = conn.execution_options(stream_results=True, yield_per=5000).execute(
                text(f"SELECT {what} FROM {prep.quote(name)} AS x ORDER BY {order}")
            )
            for part in result.partitions():
                rows += len(part)
                h.update(repr([tuple(r) for r in part]).encode("utf-8", "surrogatepass"))
            out[name] = (rows, h.hexdigest())
    return Checksum(out)


class LiveWatch:
    """Is the live database exactly as it was? Read only.

    SQLite: ``PRAGMA data_version`` on one connection held open for the drill changes when
    any other connection (any process) commits to the file, so an unchanged value proves
    the content unchanged, at no cost on a province-size database. PostgreSQL: the
    per-table checksum, the rows hashed by the server (``md5`` of each row's text)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.method = "data_version" if db.backend == "sqlite" else "checksum"
        self._conn: sqlite3.Connection | None = None
        self._version: int | None = None
        self._before: Checksum | None = None
        if self.method == "data_version":
            path = db.engine.url.database or ""
            self._conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
            self._version = self._data_version()
        else:
            self._before = checksum(db)

    def _data_version(self) -> int:
        assert self._conn is not None
        return int(self._conn.execute("PRAGMA data_version").fetchone()[0])

    def changed(self) -> list[str]:
        """The tables that changed (``*`` on SQLite: some commit happened)."""
        if self._conn is not None:
            return [] if self._data_version() == self._version else ["*"]
        assert self._before is not None
        return checksum(self.db).differs(self._before)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


# --- steps, results -------------------------------------------------------------------------


class StepFailed(Exception):
    """A step's check did not hold; ``detail`` says what was found."""

    def __init__(self, reason: str, **detail: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


@dataclass
class StepResult:
    name: str
    outcome: str  # pass | fail | skip
    ms: int
    detail: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "outcome": self.outcome, "ms": self.ms, **self.detail}


@dataclass
class Run:
    kind: str
    hook: StepHook | None = None
    steps: list[StepResult] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)

    @property
    def passed(self) -> bool:
        return bool(self.steps) and all(s.outcome != "fail" for s in self.steps)

    @property
    def failed(self) -> bool:
        return any(s.outcome == "fail" for s in self.steps)

    def say(self, line: str) -> None:
        self.log.append(f"{datetime.now(UTC).strftime('%H:%M:%S.%f')[:-3]} {line}")

    @contextlib.contextmanager
    def step(self, name: str, *, always: bool = False) -> Iterator[dict[str, Any]]:
        """Run a step: its body fills ``detail``; StepFailed or any error fails it. Steps
        after a failed one are skipped (each depends on the one before), except ``always``
        ones (the live checksum)."""
        detail: dict[str, Any] = {}
        if self.failed and not always:
            self.steps.append(StepResult(name, "skip", 0, {}))
            self.say(f"{name}: skipped")
            if self.hook:
                self.hook(name, "skip", {})
            raise _Skip
        if _fail_step == name:  # tests: this step fails without running
            self.steps.append(StepResult(name, "fail", 0, {"reason": "injected"}))
            self.say(f"{name}: fail (injected)")
            if self.hook:
                self.hook(name, "fail", {"reason": "injected"})
            raise _Skip
        if self.hook:
            self.hook(name, "start", {})
        self.say(f"{name}: start")
        t0 = time.perf_counter()
        outcome = "pass"
        try:
            yield detail
        except StepFailed as exc:
            outcome = "fail"
            detail.update({"reason": exc.reason, **exc.detail})
        except JzError as exc:
            outcome = "fail"
            detail.update({"reason": exc.key, **{k: str(v) for k, v in exc.params.items()}})
        except Exception as exc:  # a drill records what broke; it never crashes the console
            outcome = "fail"
            detail.update({"reason": "error", "error": f"{type(exc).__name__}: {exc}"[:300]})
            self.log.append("".join(traceback.format_exception_only(exc)).strip()[:500])
        ms = int((time.perf_counter() - t0) * 1000)
        self.steps.append(StepResult(name, outcome, ms, detail))
        self.say(f"{name}: {outcome} ({ms} ms) {json.dumps(detail, default=str)[:300]}")
        if self.hook:
            self.hook(name, outcome, detail)


class _Skip(Exception):
    pass


@contextlib.contextmanager
def _guard() -> Iterator[None]:
    with contextlib.suppress(_Skip):
        yield


# --- the sandbox ----------------------------------------------------------------------------


@dataclass
class Sandbox:
    folder: Path
    db: Database | None = None
    cleanup: list[Callable[[], None]] = field(default_factory=list)


def _chain_of(db: Database) -> str | None:
    from ops import facts

    with _reading(db) as conn:
        audit = facts.audit(conn)
    return None if audit is None else str(audit["chain_id"])


@contextlib.contextmanager
def isolated_outside(folder: Path, chain_id: str | None) -> Iterator[None]:
    """Point the keyring and the anchor folder into ``folder`` for the drill's duration,
    holding copies of the chain's anchor key and anchor files (read from the live ones
    first). The data key, when a drill needs it, is exported from the live keyring before
    and imported into the sandbox keyring by the caller."""
    from accounts import personal
    from casedb import keystore

    anchor_key = anchors.load_key(chain_id) if chain_id else None
    saved = {k: os.environ.get(k) for k in _ENV_KEYS}
    inner = folder / "anchors"
    inner.mkdir(parents=True, exist_ok=True)
    if chain_id:
        for src in (anchors.anchor_file(chain_id), anchors.head_file(chain_id)):
            if src.exists():
                shutil.copy2(src, inner / src.name)
    os.environ["JZ_KEYRING_FILE"] = str(folder / "sandbox.jzkr")
    os.environ["JZ_KEYRING_PASSPHRASE"] = secrets.token_urlsafe(SANDBOX_PASSPHRASE_BYTES)
    os.environ.pop("JZ_KEYRING_PASSPHRASE_FILE", None)
    os.environ["JZ_KEYRING_KDF_LOG2N"] = "10"  # a random passphrase: the KDF adds nothing
    os.environ[anchors.ENV_ANCHOR_DIR] = str(inner)
    anchors.forget_cached_keys()
    personal.forget_cached_keys()
    try:
        if chain_id and anchor_key is not None:
            keystore.set_secret(anchors.key_name(chain_id), anchor_key.hex())
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        anchors.forget_cached_keys()
        personal.forget_cached_keys()


def _sqlite_copy(db: Database, dest: Path) -> str:
    source = db.engine.url.database
    if not source or source == ":memory:":
        raise InvalidInput("err.backup_memory_db")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    out = sqlite3.connect(dest)
    try:
        src.backup(out)
    finally:
        src.close()
        out.close()
    return f"sqlite:///{dest}"


def _pg_scratch(url: URL, schema: str | None) -> tuple[URL, Callable[[], None]]:
    """A new, empty database on the server of ``url``; and how to drop it."""
    from ops import pgtools

    server = Database(url.render_as_string(hide_password=False))
    name = f"jzctl_drill_{secrets.token_hex(6)}"
    try:
        with server.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except Exception as exc:
        server.dispose()
        raise InvalidInput("err.drill_scratch", reason=str(exc).splitlines()[0][:200]) from None
    target = pgtools.with_database(url, name)
    if schema:
        target = target.update_query_dict({"options": f"-csearch_path={schema}"})

    def drop() -> None:
        with server.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.dispose()

    return target, drop


def _pg_copy(db: Database) -> tuple[str, Callable[[], None]]:
    """``pg_dump -Fc`` of the live schema piped into ``pg_restore`` in a new database."""
    from ops import pgtools

    url = db.engine.url
    with db.engine.connect() as conn:
        major = int(conn.exec_driver_sql("SHOW server_version_num").scalar_one()) // 10000
        schema = pgtools.search_path_schema(url) or str(
            conn.exec_driver_sql("SELECT current_schema()").scalar_one()
        )
    dump, restore_tool = pgtools.find("pg_dump", major), pgtools.find("pg_restore")
    target, drop = _pg_scratch(url, schema)
    try:
        if schema == "public":
            scratch = Database(target.render_as_string(hide_password=False))
            with scratch.engine.begin() as conn:
                conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
            scratch.dispose()
        src, env = pgtools.conninfo(url)
        dst, env2 = pgtools.conninfo(target)
        with tempfile.TemporaryFile() as errors:
            p1 = subprocess.Popen([dump.path, "-Fc", "-n", schema, "-d", src],
                                  stdout=subprocess.PIPE, stderr=errors, env=env)  # fmt: skip
            p2 = subprocess.Popen([restore_tool.path, "--single-transaction", "--exit-on-error",
                                   "--no-owner", "--no-privileges", "-d", dst],
                                  stdin=p1.stdout, stderr=errors, env=env2)  # fmt: skip
            assert p1.stdout is not None
            p1.stdout.close()
            rc2, rc1 = p2.wait(), p1.wait()
            errors.seek(0)
            message = errors.read().decode("utf-8", "replace").strip()
        if rc1 or rc2:
            raise InvalidInput("err.drill_copy_failed", reason=message.splitlines()[-1][:200]
                               if message else f"exit {rc1 or rc2}")  # fmt: skip
    except BaseException:
        drop()
        raise
    return target.render_as_string(hide_password=False), drop


def _has_data_key(live: Database, chain: str) -> bool:
    """Whether the live database has a data key yet (exporting would otherwise make one in
    the live keyring). Key names: accounts.personal's module doc."""
    from casedb import keystore
    from casedb.models import Account

    if keystore.get_secret(f"data-key:{chain}:current") is not None:
        return True
    with live.read() as s:
        return s.scalar(select(func.max(Account.key_version))) is not None


@contextlib.contextmanager
def sandbox_copy(live: Database, run: Run, *, need_data_key: bool) -> Iterator[Sandbox]:
    """A copy of the live database with the outside state isolated (see the module doc)."""
    folder = Path(tempfile.mkdtemp(prefix="jzctl-drill-"))
    box = Sandbox(folder)
    try:
        chain = _chain_of(live)
        passphrase = secrets.token_urlsafe(SANDBOX_PASSPHRASE_BYTES)
        blob = None
        if need_data_key and chain is not None and _has_data_key(live, chain):
            from accounts import personal

            with live.read() as s:
                blob = personal.export_key(s, passphrase)
        with isolated_outside(folder, chain):
            with _guard(), run.step("sandbox_copy") as d:
                t0 = time.perf_counter()
                if live.backend == "sqlite":
                    url = _sqlite_copy(live, folder / "sandbox.sqlite")
                else:
                    url, drop = _pg_copy(live)
                    box.cleanup.append(drop)
                box.db = Database(url)
                box.cleanup.insert(0, box.db.dispose)
                if blob is not None:
                    from accounts import personal

                    with box.db.uow() as uow:
                        personal.import_key(uow.session, blob, passphrase)
                        uow.commit()
                d["backend"] = live.backend
                d["seconds"] = round(time.perf_counter() - t0, 3)
                run.figures["copy_seconds"] = d["seconds"]
            yield box
    finally:
        for fn in box.cleanup:
            with contextlib.suppress(Exception):
                fn()
        shutil.rmtree(folder, ignore_errors=True)


# --- the three drills -----------------------------------------------------------------------


def _grants_domains(session: Any, account_id: int) -> list[tuple[str, str]]:
    from rbac.store import load_grants, subject_of

    return sorted({(g.region, g.department) for g in load_grants(session, subject_of(account_id))})


def _decisions(db: Database, account_id: int, domains: list[tuple[str, str]]) -> tuple[int, int]:
    """(allowed, checked) over every action in every domain."""
    from rbac.enforcer import Enforcer
    from rbac.templates import ACTIONS

    with db.read() as s:
        enf = Enforcer.for_account(s, account_id)
    checked = allowed = 0
    for region, dept in domains:
        for action in ACTIONS:
            checked += 1
            allowed += enf.can(account_id, action, region, dept)
    return allowed, checked


def _pick_target(db: Database, actor: Actor, login: str | None) -> tuple[int, str]:
    """The account to compromise: the one named, else the first active admin other than
    the actor (one of the separated roles, a coordinator or a department admin)."""
    from casedb.models import Account
    from rbac.store import load_grants
    from rbac.templates import SEPARATED_ROLES

    with db.read() as s:
        if login is not None:
            acc = s.scalars(select(Account).where(Account.login_name == login)).first()
            if acc is None:
                raise NotFound("err.account_not_found", account=login)
            return acc.id, acc.login_name
        admin_roles = SEPARATED_ROLES | {"coord_admin", "dept_admin"}
        ids = sorted({int(g.subject[2:]) for g in load_grants(s)
                      if g.role in admin_roles and g.subject.startswith("a:")})  # fmt: skip
        for account_id in ids:
            acc = s.get(Account, account_id)
            if acc is not None and acc.status == "active" and acc.id != actor.account_id:
                return acc.id, acc.login_name
    raise NotFound("err.drill_no_target")


def _compromised_admin(live: Database, actor: Actor, run: Run, target_login: str | None) -> None:
    from accounts import changes, credentials, personal
    from accounts.models import SigninSession
    from audit_log.models import AuditEvent
    from audit_log.verify import verify as audit_verify

    with _guard(), run.step("choose_target") as d:
        target_id, login = _pick_target(live, actor, target_login)
        d.update(target=login)
        run.figures["target"] = login
    if run.failed:
        return
    with sandbox_copy(live, run, need_data_key=True) as box:
        copy = box.db
        if copy is None:
            return
        with copy.read() as s:
            start_seq = int(s.execute(text("SELECT seq FROM audit_head")).scalar_one())
            domains = _grants_domains(s, target_id)
        with _guard(), run.step("attacker_signed_in") as d:
            at = datetime.now(UTC)
            with copy.uow() as uow:
                uow.session.add(SigninSession(
                    token_hash=secrets.token_hex(32), account_id=target_id, created_at=at,
                    last_seen_at=at, host="drill-attacker", terminal="-"))  # fmt: skip
                uow.commit()
            allowed_before, checked = _decisions(copy, target_id, domains)
            d.update(domains=len(domains), allowed_before=allowed_before, checked=checked)
            if allowed_before == 0:
                raise StepFailed("target_powerless_already", target=login)
        contain_t0 = time.perf_counter()
        with _guard(), run.step("emergency_suspend") as d:
            done = changes.suspend(changes.Suspend(target_id, "drill: compromised admin"),
                                   copy.uow(), actor)  # fmt: skip
            d.update(request=done.id)
        with _guard(), run.step("sessions_ended") as d:
            with copy.read() as s:
                still = s.scalar(select(func.count()).select_from(SigninSession).where(
                    SigninSession.account_id == target_id,
                    SigninSession.ended_at.is_(None)))  # fmt: skip
            d.update(open_sessions=int(still or 0))
            if still:
                raise StepFailed("sessions_still_open", count=int(still))
            run.figures["containment_seconds"] = round(time.perf_counter() - contain_t0, 3)
        with _guard(), run.step("credentials_rotated") as d:
            with copy.uow() as uow:
                credentials.issue_activation(uow.session, target_id, actor)
                had_totp = credentials.reset_totp(uow.session, target_id, actor)
                uow.commit()
            d.update(password_reset=True, totp_was_enrolled=had_totp)
        with _guard(), run.step("data_key_rotated") as d:
            with copy.uow() as uow:
                rotated = personal.rotate_key(uow.session, actor)
                uow.commit()
            d.update(version_before=rotated.version_before, version=rotated.version,
                     rows=rotated.accounts)  # fmt: skip
            run.figures["rows_reencrypted"] = rotated.accounts
        with _guard(), run.step("can_do_nothing") as d:
            allowed_after, checked = _decisions(copy, target_id, domains)
            d.update(allowed=allowed_after, checked=checked)
            run.figures["denied_checks"] = checked - allowed_after
            if allowed_after:
                raise StepFailed("still_allowed", allowed=allowed_after, checked=checked)
        with _guard(), run.step("audit_trail_complete") as d:
            with copy.read() as s:
                actions = set(s.scalars(select(AuditEvent.action).where(
                    AuditEvent.seq > start_seq, AuditEvent.target_id.in_(
                        (str(target_id), str(done.id), personal.chain_id(s))))))  # fmt: skip
                result = audit_verify(s)
            missing = [a for a in CONTAINMENT_ACTIONS if a not in actions]
            d.update(events=len(actions), missing=missing, findings=len(result.findings))
            run.figures["audit_findings"] = len(result.findings)
            if missing:
                raise StepFailed("audit_events_missing", missing=missing)
            if not result.clean:
                raise StepFailed("audit_chain_unclean",
                                 findings=[f.kind for f in result.findings][:10])  # fmt: skip


def _disable_guards(db: Database) -> None:
    with db.engine.begin() as conn:
        if db.backend == "sqlite":
            for name in ("audit_events_no_update", "audit_events_no_delete"):
                conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        else:
            conn.exec_driver_sql("ALTER TABLE audit_events DISABLE TRIGGER USER")


def _audit_tamper(live: Database, actor: Actor, run: Run) -> None:
    from audit_log.verify import verify as audit_verify

    del actor
    with sandbox_copy(live, run, need_data_key=False) as box:
        copy = box.db
        if copy is None:
            return
        with _guard(), run.step("chain_clean_before") as d:
            with copy.read() as s:
                result = audit_verify(s)
            d.update(events=result.events, findings=[f.kind for f in result.findings][:10])
            run.figures["events"] = result.events
            if not result.clean:
                raise StepFailed("chain_already_damaged", first_bad_seq=result.first_bad_seq)
            if result.events < 3 or result.first_seq is None or result.last_seq is None:
                raise StepFailed("chain_too_short", events=result.events)
        with _guard(), run.step("damage_copy") as d:
            first, last = int(result.first_seq or 1), int(result.last_seq or 1)
            edited = first + (last - first) // 2
            deleted = edited + 1 if edited + 1 < last else first
            _disable_guards(copy)
            with copy.engine.begin() as conn:
                conn.execute(text("UPDATE audit_events SET reason = reason || ' (altered)' "
                                  "WHERE seq = :s"), {"s": edited})  # fmt: skip
                conn.execute(text("DELETE FROM audit_events WHERE seq = :s"), {"s": deleted})
            d.update(edited=edited, deleted=deleted)
            run.figures["damage"] = {"edited": edited, "deleted": deleted}
        with _guard(), run.step("verify_names_damage") as d:
            t0 = time.perf_counter()
            with copy.read() as s:
                after = audit_verify(s)
            found = {(f.kind, f.seq) for f in after.findings}
            run.figures["verify_seconds"] = round(time.perf_counter() - t0, 3)
            run.figures["findings"] = sorted(f"{k}@{s}" for k, s in found)
            d.update(findings=run.figures["findings"][:10])
            wanted = {("changed", edited), ("missing", deleted)}
            if not wanted <= found:
                raise StepFailed("damage_not_named", wanted=sorted(f"{k}@{s}" for k, s in wanted))


def _restore(
    live: Database,
    actor: Actor,
    run: Run,
    root: Path | None,
    scratch_url: str | None,
) -> None:
    from audit_log.verify import verify as audit_verify
    from casedb.schema import status
    from ops import catalogue, keys, restore
    from ops.classes import policy

    started = time.perf_counter()
    with _guard(), run.step("latest_verified_backup") as d:
        folder = catalogue.root_of(root)
        bkeys = keys.load()
        cat = catalogue.read(folder, bkeys)
        good = [e for e in cat.live() if e.verified_ok and e.backend == live.backend]
        if not good:
            raise StepFailed("no_verified_backup", root=str(folder), backend=live.backend)
        entry = good[-1]
        d.update(backup=entry.id, backup_class=entry.backup_class,
                 created_at=entry.created_at.isoformat())  # fmt: skip
        run.figures["backup"] = entry.id
    if run.failed:
        return
    box = Sandbox(Path(tempfile.mkdtemp(prefix="jzctl-drill-")))
    try:
        with isolated_outside(box.folder, _chain_of(live)):
            with _guard(), run.step("restore_to_scratch") as d:
                if live.backend == "sqlite":
                    target = f"sqlite:///{box.folder / 'restored.sqlite'}"
                else:
                    from ops import manifest

                    doc = manifest.load(folder / entry.id, bkeys, entry.id)
                    base = normalise_url(scratch_url or live.raw_url)
                    url, drop = _pg_scratch(base, doc["source"].get("schema"))
                    box.cleanup.append(drop)
                    target = url.render_as_string(hide_password=False)
                done = restore.restore(folder, entry.id, bkeys, target, actor)
                d.update(tables=done.tables, rows=done.rows)
                run.figures["rows"] = done.rows
                box.db = Database(target)
                box.cleanup.insert(0, box.db.dispose)
            with _guard(), run.step("restored_copy_usable") as d:
                assert box.db is not None
                st = status(box.db.engine)
                with box.db.read() as s:
                    result = audit_verify(s)
                    newest = s.execute(text(
                        "SELECT max(at) FROM audit_events WHERE action <> 'backup.restore'"
                    )).scalar()  # fmt: skip
                d.update(schema=st.state, events=result.events,
                         findings=[f.kind for f in result.findings][:10])  # fmt: skip
                if st.state not in ("current", "behind"):
                    raise StepFailed("schema_unusable", state=st.state)
                if not result.clean:
                    raise StepFailed("audit_chain_unclean", first_bad_seq=result.first_bad_seq)
                rto = time.perf_counter() - started
                run.figures["rto_seconds"] = round(rto, 3)
            with _guard(), run.step("within_targets") as d:
                cls = policy().get(entry.backup_class)
                at = datetime.now(UTC)
                # RPO: what a loss now would cost, back to the snapshot the copy holds.
                rpo_h = (at - entry.created_at).total_seconds() / 3600
                newest_at = _as_utc(newest)
                if newest_at is not None:
                    run.figures["newest_data_age_hours"] = round(
                        (at - newest_at).total_seconds() / 3600, 3
                    )
                run.figures.update(rpo_hours=round(rpo_h, 3), rto_target_hours=cls.rto_hours,
                                   rpo_target_hours=cls.rpo_hours)  # fmt: skip
                d.update(
                    rto_seconds=round(rto, 3),
                    rpo_hours=round(rpo_h, 3),
                    rto_target_hours=cls.rto_hours,
                    rpo_target_hours=cls.rpo_hours,
                )
                if rto > cls.rto_hours * 3600:
                    raise StepFailed("rto_missed")
                if rpo_h > cls.rpo_hours:
                    raise StepFailed("rpo_missed")
    finally:
        for fn in box.cleanup:
            with contextlib.suppress(Exception):
                fn()
        shutil.rmtree(box.folder, ignore_errors=True)


def _as_utc(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# --- commands and services ------------------------------------------------------------------


@dataclass(frozen=True)
class PlanDrill:
    kind: str
    scheduled_for: datetime | None = None
    plan_code: str | None = None
    participants: tuple[str, ...] = ()


@dataclass(frozen=True)
class RunDrill:
    kind: str | None = None
    drill_id: int | None = None  # a planned drill to run
    plan_code: str | None = None
    participants: tuple[str, ...] = ()
    target_login: str | None = None  # compromised_admin: whom (default: an admin)
    backup_root: Path | None = None  # restore: the backup folder (default as ``backup``)
    scratch_url: str | None = None  # restore on PostgreSQL: the server for the scratch copy
    check_live: bool = True


@dataclass(frozen=True)
class DrillView:
    id: int
    kind: str
    plan_code: str
    plan_version: int
    state: str
    scheduled_for: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    participants: tuple[str, ...]
    figures: dict[str, Any]
    steps: tuple[StepResult, ...]
    log: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "plan": self.plan_code,
            "plan_version": self.plan_version,
            "state": self.state,
            "scheduled_for": self.scheduled_for.isoformat() if self.scheduled_for else None,
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "participants": list(self.participants),
            "figures": self.figures,
            "steps": [s.as_dict() for s in self.steps],
        }


def _view(s: Any, d: Drill) -> DrillView:
    steps = s.scalars(select(DrillStep).where(DrillStep.drill_id == d.id)
                      .order_by(DrillStep.seq)).all()  # fmt: skip
    return DrillView(
        d.id, d.kind, d.plan_code, d.plan_version, d.state, d.scheduled_for, d.started_at,
        d.finished_at, tuple(json.loads(d.participants or "[]")),
        json.loads(d.figures or "{}"),
        tuple(StepResult(x.name, x.outcome, x.ms, json.loads(x.detail or "{}")) for x in steps),
        d.log,
    )  # fmt: skip


def _check_kind(kind: str | None) -> str:
    if kind not in DRILL_KINDS:
        raise InvalidInput("err.drill_kind", kind=str(kind), kinds=", ".join(DRILL_KINDS))
    return kind


def _participants(raw: tuple[str, ...], actor: Actor) -> list[str]:
    out = [p.strip()[:64] for p in raw if p.strip()]
    if any(any(ord(ch) < 32 for ch in p) for p in out) or len(out) > 50:
        raise InvalidInput("err.drill_participants")
    return out or [actor.login]


def plan_drill(
    cmd: PlanDrill,
    db: Database,
    actor: Actor,
    *,
    authorize: Authorize,
    now: datetime | None = None,
) -> DrillView:
    at = now or datetime.now(UTC)
    kind = _check_kind(cmd.kind)
    if cmd.scheduled_for is not None and cmd.scheduled_for.tzinfo is None:
        raise InvalidInput("err.incident_time", field="scheduled_for")
    people = _participants(cmd.participants, actor)
    authorise(db.uow(), actor, ACTION_PLAN, authorize, WRITE_ACTIONS, target_kind="drill")
    with db.uow() as uow:
        s = uow.session
        plan = plans.current(s, cmd.plan_code) if cmd.plan_code else plans.for_drill(s, kind)
        row = Drill(kind=kind, plan_code=plan.code, plan_version=plan.version, state="planned",
                    scheduled_for=cmd.scheduled_for or at, participants=json.dumps(people,
                    ensure_ascii=False), figures="{}", log="", created_by=actor.account_id,
                    created_at=at)  # fmt: skip
        s.add(row)
        s.flush()
        record(s, actor, ACTION_PLAN, target_kind="drill", target_id=str(row.id),
               after={"kind": kind, "plan": plan.code, "scheduled_for": row.scheduled_for,
                      "participants": people}, at=at)  # fmt: skip
        uow.commit()
        return _view(s, row)


def run_drill(
    cmd: RunDrill,
    db: Database,
    actor: Actor,
    *,
    authorize: Authorize,
    hook: StepHook | None = None,
    now: datetime | None = None,
) -> DrillView:
    """Run a drill in a sandbox and record it (steps, figures, participants, log) with its
    ``drill.run`` event, in one transaction. A failed step makes the drill ``failed``; that
    is a result, not an error."""
    authorise(db.uow(), actor, ACTION_RUN, authorize, WRITE_ACTIONS, target_kind="drill")
    planned: Drill | None = None
    with db.read() as s:
        if cmd.drill_id is not None:
            planned = s.get(Drill, cmd.drill_id)
            if planned is None:
                raise NotFound("err.drill_not_found", id=str(cmd.drill_id))
            if planned.state != "planned":
                raise Conflict("err.drill_already_run", id=str(planned.id), state=planned.state)
            kind = planned.kind
            plan = plans.version_of(s, planned.plan_code, planned.plan_version)
            people = (
                _participants(cmd.participants, actor)
                if cmd.participants
                else list(json.loads(planned.participants or "[]"))
            )
        else:
            kind = _check_kind(cmd.kind)
            plan = plans.current(s, cmd.plan_code) if cmd.plan_code else plans.for_drill(s, kind)
            people = _participants(cmd.participants, actor)
    started_at = now or datetime.now(UTC)
    run = Run(kind, hook)
    run.say(f"drill {kind} under plan {plan.code} v{plan.version} by {actor.login}")
    watch = LiveWatch(db) if cmd.check_live else None
    if kind == "compromised_admin":
        _compromised_admin(db, actor, run, cmd.target_login)
    elif kind == "audit_tamper":
        _audit_tamper(db, actor, run)
    else:
        _restore(db, actor, run, cmd.backup_root, cmd.scratch_url)
    if watch is not None:
        try:
            with _guard(), run.step("live_unchanged", always=True) as d:
                changed = watch.changed()
                d.update(method=watch.method)
                run.figures["live_check"] = watch.method
                if changed:
                    raise StepFailed("live_changed", tables=", ".join(changed[:20]))
        finally:
            watch.close()
    run.figures["seconds"] = round(time.perf_counter() - run.started, 3)
    finished = (now + timedelta(seconds=run.figures["seconds"])) if now else datetime.now(UTC)
    state = "passed" if run.passed else "failed"
    with db.uow() as uow:
        s = uow.session
        if planned is not None:
            row = s.get(Drill, planned.id, with_for_update=True, populate_existing=True)
            assert row is not None
            if row.state != "planned":
                raise Conflict("err.drill_already_run", id=str(row.id), state=row.state)
        else:
            row = Drill(kind=kind, plan_code=plan.code, plan_version=plan.version,
                        created_by=actor.account_id, created_at=started_at)  # fmt: skip
            s.add(row)
        row.state = state
        row.started_at = started_at
        row.finished_at = finished
        row.participants = json.dumps(people, ensure_ascii=False)
        row.figures = json.dumps(run.figures, ensure_ascii=False, default=str)
        row.log = "\n".join(run.log)[-60_000:]
        s.flush()
        for i, st in enumerate(run.steps, 1):
            s.add(
                DrillStep(
                    drill_id=row.id,
                    seq=i,
                    name=st.name,
                    outcome=st.outcome,
                    ms=st.ms,
                    detail=json.dumps(st.detail, ensure_ascii=False, default=str),
                )
            )
        s.flush()
        failed = [st.name for st in run.steps if st.outcome == "fail"]
        record(s, actor, ACTION_RUN, target_kind="drill", target_id=str(row.id),
               outcome="ok" if state == "passed" else "failed",
               reason="" if state == "passed" else f"failed step {failed[0]}",
               details={"kind": kind, "plan": plan.code, "state": state,
                        "figures": {k: v for k, v in run.figures.items()
                                    if isinstance(v, int | float | str)},
                        "participants": people})  # fmt: skip
        uow.commit()
        return _view(s, row)


# --- reading --------------------------------------------------------------------------------


def get(s: Any, drill_id: int) -> DrillView:
    row = s.get(Drill, drill_id)
    if row is None:
        raise NotFound("err.drill_not_found", id=str(drill_id))
    return _view(s, row)


def list_drills(s: Any, limit: int = 100) -> list[DrillView]:
    rows = s.scalars(select(Drill).order_by(Drill.id.desc()).limit(limit)).all()
    return [_view(s, r) for r in rows]


@dataclass(frozen=True)
class PlanStatus:
    code: str
    version: int
    drill: str | None
    last_drilled: datetime | None
    last_state: str | None
    overdue: bool

    def as_dict(self) -> dict[str, Any]:
        return {"plan": self.code, "version": self.version, "drill": self.drill,
                "last_drilled": self.last_drilled.isoformat() if self.last_drilled else None,
                "last_state": self.last_state, "overdue": self.overdue}  # fmt: skip


def plan_status(
    s: Any, *, months: int = DEFAULT_OVERDUE_MONTHS, now: datetime | None = None
) -> list[PlanStatus]:
    """When each plan was last drilled; ``overdue`` when never or more than ``months`` ago."""
    if months < 1 or months > 120:
        raise InvalidInput("err.drill_months", months=months)
    at = now or datetime.now(UTC)
    cutoff = at - timedelta(days=round(months * 365.25 / 12))
    out = []
    for plan in plans.all_current(s):
        last = s.execute(
            select(Drill.finished_at, Drill.state)
            .where(Drill.plan_code == plan.code, Drill.finished_at.is_not(None))
            .order_by(Drill.finished_at.desc())
            .limit(1)
        ).first()
        when = last[0] if last else None
        state = last[1] if last else None
        overdue = when is None or when < cutoff
        out.append(PlanStatus(plan.code, plan.version, plan.drill, when, state, overdue))
    return out


def authorise_read(db: Database, actor: Actor, authorize: Authorize) -> None:
    authorise(db.uow(), actor, ACTION_READ, authorize, READ_ACTIONS, target_kind="drill")
