"""Benchmarks of jzctl against their budgets; run through ``scripts/bench``.

Rows: ``jzctl --help`` wall time (median of the installed console script) next to the floor
of a bare two-command typer app, a check that ``--help`` loads no heavy library, seeding the
province-size demo and the size of its SQLite file, and ``org tree`` / ``org show`` on it.
Every figure is a median of several runs of a fresh process, as a user would see it.
Exit status: 0 when every budget holds, 1 when one is exceeded.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
JZCTL = str(VENV_BIN / "jzctl")
PYTHON = str(VENV_BIN / "python")
HEAVY = ("textual", "sqlalchemy", "casbin")

FLOOR_APP = '''
import typer

# Configured as jzctl is: no completion, plain help (rich loads lazily), no pretty tracebacks.
app = typer.Typer(add_completion=False, rich_markup_mode=None, pretty_exceptions_enable=False)


@app.command()
def hello(name: str = "world") -> None:
    """Say hello."""
    print(f"hello {name}")


@app.command()
def bye() -> None:
    """Say goodbye."""
    print("bye")


app()
'''

IMPORT_CHECK = f"""
import contextlib, io, sys
from console.cli.main import main
with contextlib.redirect_stdout(io.StringIO()):
    main(["--help"])
print(",".join(m for m in {HEAVY!r} if m in sys.modules))
"""


@dataclass
class Row:
    name: str
    figure: str
    budget: str
    verdict: str  # "pass" | "FAIL" | "info"
    value: float | None = None
    unit: str = ""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("JZ_DATABASE_URL", None)
    env["JZ_LANG"] = "zh"
    return env


def wall(cmd: list[str], runs: int) -> float:
    """Median wall-clock seconds of ``cmd`` (stdout discarded) over ``runs`` runs."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run(
            cmd, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=_env()
        )
        times.append(time.perf_counter() - start)
        if proc.returncode != 0:
            sys.exit(f"bench: {' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.decode()}")
    return statistics.median(times)


def verdict(value: float, budget: float) -> str:
    return "pass" if value <= budget else "FAIL"


def bench_startup(runs: int, tmp: Path) -> list[Row]:
    floor_py = tmp / "floor_app.py"
    floor_py.write_text(FLOOR_APP, encoding="utf-8")
    wall([JZCTL, "--help"], 1)  # warm the file cache and bytecode
    wall([PYTHON, str(floor_py), "--help"], 1)
    jz = wall([JZCTL, "--help"], runs)
    floor = wall([PYTHON, str(floor_py), "--help"], runs)
    proc = subprocess.run(
        [PYTHON, "-c", IMPORT_CHECK], capture_output=True, text=True, env=_env(), check=True
    )
    heavy = proc.stdout.strip()
    return [
        Row(
            f"jzctl --help (median of {runs})",
            f"{jz * 1000:.0f} ms",
            "300 ms",
            verdict(jz, 0.3),
            jz,
            "s",
        ),
        Row(
            f"floor: bare typer app, 2 commands, --help (median of {runs})",
            f"{floor * 1000:.0f} ms",
            "-",
            "info",
            floor,
            "s",
        ),
        Row("jzctl --help / floor", f"{jz / floor:.2f}x", "-", "info", jz / floor, "ratio"),
        Row(
            f"jzctl --help imports none of {', '.join(HEAVY)}",
            heavy or "none",
            "none",
            "pass" if not heavy else "FAIL",
        ),
    ]


def sqlite_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())


def bench_seed(db_file: Path, size: str, reuse: bool) -> tuple[list[Row], str]:
    url = f"sqlite:///{db_file}"
    rows: list[Row] = []
    if reuse and db_file.exists() and db_file.stat().st_size > 0:
        print(f"bench: reusing {db_file}", file=sys.stderr)
        rows.append(Row(f"seed {size} demo", "reused (not measured)", "600 s", "info"))
    else:
        for p in (db_file, Path(f"{db_file}-wal"), Path(f"{db_file}-shm")):
            p.unlink(missing_ok=True)
        db_file.parent.mkdir(parents=True, exist_ok=True)
        print(f"bench: seeding the {size} demo into {db_file} ...", file=sys.stderr)
        start = time.perf_counter()
        proc = subprocess.run(
            [JZCTL, "--json", "--db", url, "demo", "--size", size],
            capture_output=True,
            text=True,
            env=_env(),
            check=False,
        )
        seconds = time.perf_counter() - start
        if proc.returncode != 0:
            sys.exit(f"bench: seeding failed ({proc.returncode}): {proc.stdout}{proc.stderr}")
        data = json.loads(proc.stdout)["data"]
        budget = 600.0
        rows.append(
            Row(
                f"seed {size} demo ({data['villages']:,} villages, {data['accounts']:,} "
                f"accounts, {data['cases']:,} cases, {data['case_events']:,} events)",
                f"{seconds:.1f} s",
                f"{budget:.0f} s",
                verdict(seconds, budget) if size == "province" else "info",
                seconds,
                "s",
            )
        )
    size_b = sqlite_bytes(db_file)
    gb = size_b / 1024**3
    rows.append(
        Row(
            f"{size} demo SQLite file size",
            f"{gb:.2f} GB" if gb >= 0.1 else f"{size_b / 1024**2:.1f} MB",
            "2 GB",
            verdict(gb, 2.0) if size == "province" else "info",
            size_b,
            "bytes",
        )
    )
    return rows, url


def bench_queries(url: str, runs: int) -> list[Row]:
    rows = []
    for args in (["org", "tree", "53", "--depth", "3"], ["org", "show", "53"]):
        cmd = [JZCTL, "--db", url, *args]
        wall(cmd, 1)  # the first run reads the file into the page cache
        t = wall(cmd, runs)
        rows.append(
            Row(
                f"jzctl {' '.join(args)} (median of {runs})",
                f"{t * 1000:.0f} ms",
                "1000 ms",
                verdict(t, 1.0),
                t,
                "s",
            )
        )
    return rows


AUDIT_ENV = {
    "JZ_KEYRING_FILE": "keyring.jzkr",
    "JZ_KEYRING_PASSPHRASE": "bench",
    "JZ_KEYRING_KDF_LOG2N": "12",
    "JZ_AUDIT_ANCHOR_DIR": "anchors",
}


def _audit_env(tmp: Path) -> None:
    for k, v in AUDIT_ENV.items():
        os.environ[k] = str(tmp / v) if v in ("keyring.jzkr", "anchors") else v


def _fresh_db(url: str) -> object:
    from accounts.setup import initialise
    from audit_log.actor import SYSTEM
    from casedb.engine import Database

    db = Database(url)
    initialise(db, SYSTEM)
    return db


def bench_audit_append(tmp: Path, n: int = 400) -> list[Row]:
    """What recording an event adds to a small write transaction on SQLite (median)."""
    from sqlalchemy import update

    from audit_log.actor import SYSTEM
    from audit_log.chain import record
    from casedb.models import Department

    db = _fresh_db(f"sqlite:///{tmp / 'append.db'}")

    def txn(with_event: bool, i: int) -> float:
        start = time.perf_counter()
        with db.uow() as uow:  # type: ignore[attr-defined]
            uow.session.execute(
                update(Department).where(Department.code == "civil").values(sort=i % 7)
            )
            if with_event:
                record(uow.session, SYSTEM, "bench.change", target_id=str(i),
                       before={"sort": 0}, after={"sort": i % 7})  # fmt: skip
            uow.commit()
        return time.perf_counter() - start

    for i in range(50):  # warm up both paths
        txn(False, i)
        txn(True, i)
    bare = statistics.median(txn(False, i) for i in range(n))
    with_event = statistics.median(txn(True, i) for i in range(n))
    added = with_event - bare
    return [
        Row(
            f"audit: event appended to a SQLite transaction (median of {n}; "
            f"{bare * 1000:.2f} ms without, {with_event * 1000:.2f} ms with)",
            f"+{added * 1000:.2f} ms",
            "2 ms",
            verdict(added, 0.002),
            added,
            "s",
        )
    ]


def build_chain(url: str, n: int) -> None:
    """A valid chain of n events written in bulk (as years of use would leave it)."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import insert, text

    from audit_log.chain import HASHED_FIELDS, hash_fields
    from audit_log.models import GENESIS_HASH, AuditEvent
    from casedb.engine import Database
    from casedb.schema import upgrade

    db = Database(url)
    upgrade(db.engine)
    at0 = datetime(2026, 1, 1, tzinfo=UTC)
    prev = GENESIS_HASH
    with db.uow() as uow:
        uow.session.execute(text("UPDATE audit_head SET anchor_every = :n"), {"n": n + 1})
        batch: list[dict[str, object]] = []
        for seq in range(1, n + 1):
            row = dict(
                zip(
                    HASHED_FIELDS,
                    (seq, at0 + timedelta(seconds=seq), f"u{seq % 977}", seq % 977, "",
                     "console-1", "/dev/pts/1", "account.update", "account", str(seq % 5000),
                     "530102001000", "civil", "ok", "", '{"post":["科员","副科长"]}', prev),
                    strict=True,
                )
            )  # fmt: skip
            h = hash_fields(row)
            batch.append({**row, "hash": h})
            prev = h
            if len(batch) == 20_000:
                uow.session.execute(insert(AuditEvent), batch)
                batch.clear()
        if batch:
            uow.session.execute(insert(AuditEvent), batch)
        uow.session.execute(text("UPDATE audit_head SET seq = :s, hash = :h"), {"s": n, "h": prev})
        uow.commit()
    db.dispose()


def bench_audit_verify(tmp: Path, n: int, budget: float | None) -> list[Row]:
    url = f"sqlite:///{tmp / 'verify.db'}"
    print(f"bench: building an audit chain of {n:,} events ...", file=sys.stderr)
    start = time.perf_counter()
    build_chain(url, n)
    built = time.perf_counter() - start
    # The verification itself, as `jzctl audit verify` runs it for a signed-in audit admin
    # (the command adds its start-up, measured by the --help row, and a sign-in check).
    from audit_log.verify import verify
    from casedb.engine import Database

    db = Database(url)
    start = time.perf_counter()
    with db.read() as session:
        result = verify(session)
    seconds = time.perf_counter() - start
    db.dispose()
    if not result.clean:
        sys.exit(f"bench: the bulk chain did not verify: {result.findings[:3]}")
    checked = result.events
    return [
        Row(
            f"audit: build a chain of {n:,} events in bulk",
            f"{built:.1f} s",
            "-",
            "info",
            built,
            "s",
        ),
        Row(
            f"audit: verify {checked:,} events (hashes and anchors, one process)",
            f"{seconds:.1f} s",
            f"{budget:.0f} s" if budget else "-",
            verdict(seconds, budget) if budget else "info",
            seconds,
            "s",
        ),
    ]


def bench_audit_concurrency(pg_url: str, tmp: Path) -> list[Row]:
    """Four consoles appending 500 events each at once on PostgreSQL: the head lock's cost."""
    import multiprocessing
    import uuid

    from sqlalchemy import text

    from casedb.engine import make_engine

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(pg_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in pg_url else "?"
    url = f"{pg_url}{sep}options=-csearch_path%3D{schema}"
    try:
        _fresh_db(url)
        ctx = multiprocessing.get_context("spawn")
        start = time.perf_counter()
        with ctx.Pool(4) as pool:
            pool.starmap(_writer, [(url, 500, f"console{i}") for i in range(4)])
        seconds = time.perf_counter() - start
        single_start = time.perf_counter()
        _writer(url, 500, "alone")
        single = time.perf_counter() - single_start
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
    return [
        Row("audit: 4 consoles x 500 events at once on PostgreSQL (one transaction each)",
            f"{2000 / seconds:.0f} events/s", "-", "info", 2000 / seconds, "events/s"),
        Row("audit: 1 console x 500 events on PostgreSQL (one transaction each)",
            f"{500 / single:.0f} events/s", "-", "info", 500 / single, "events/s"),
    ]  # fmt: skip


def _writer(url: str, n: int, name: str) -> None:
    from audit_log.actor import Actor
    from audit_log.chain import record
    from casedb.engine import Database

    db = Database(url)
    me = Actor(login=name, host=name, terminal="-")
    for i in range(n):
        with db.uow() as uow:
            record(uow.session, me, "bench.concurrent", target_id=str(i))
            uow.commit()
    db.dispose()


def bench_rbac(url: str) -> list[Row]:
    """Authorisation decisions on the demo database (its accounts' posts become grants)."""
    sys.path.insert(0, str(ROOT))
    from rbac.bench import bench_rows

    print("bench: authorisation decisions ...", file=sys.stderr)
    return [
        Row(
            r["name"],
            r["figure"],
            r["budget"],
            r["verdict"],
            r.get("value"),
            r.get("unit", ""),
        )
        for r in bench_rows(url)
    ]


def _page_times(url: str, runs: int = 30) -> list[float]:
    """A filtered 50-row account page (first and next pages), as the TUI and CLI ask."""
    from accounts.queries import list_accounts
    from casedb.engine import Database

    db = Database(url)
    times = []
    with db.read() as session:
        for i in range(runs):
            start = time.perf_counter()
            page = list_accounts(
                session, region_prefix="5301", department="civil", status="active", limit=50
            )
            if page.next_after is not None and i % 2:
                list_accounts(session, region_prefix="5301", department="civil",
                              status="active", limit=50, after=page.next_after)  # fmt: skip
            list_accounts(session, name_prefix="u53", limit=50)
            times.append((time.perf_counter() - start) / (3 if i % 2 else 2))
    db.dispose()
    return times


def _copy_accounts_to_pg(sqlite_url: str, pg_url: str) -> str:
    """The province demo's villages and accounts in a fresh PostgreSQL schema."""
    import uuid

    from sqlalchemy import insert, select, text

    from accounts.setup import initialise
    from audit_log.actor import SYSTEM
    from casedb.engine import Database, make_engine
    from casedb.models import Account, Region

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(pg_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    sep = "&" if "?" in pg_url else "?"
    url = f"{pg_url}{sep}options=-csearch_path%3D{schema}"
    initialise(Database(url), SYSTEM)
    src, dst = Database(sqlite_url), Database(url)
    with src.read() as s, dst.uow() as uow:
        villages = [
            dict(r._mapping) for r in s.execute(select(Region.__table__).where(Region.level == 5))
        ]
        for i in range(0, len(villages), 5000):
            uow.session.execute(insert(Region), villages[i : i + 5000])
        batch: list[dict[str, object]] = []
        for r in s.execute(select(Account.__table__)).mappings():
            batch.append(dict(r))
            if len(batch) == 10_000:
                uow.session.execute(insert(Account), batch)
                batch.clear()
        if batch:
            uow.session.execute(insert(Account), batch)
        uow.session.execute(text("ANALYZE accounts"))
        uow.commit()
    src.dispose()
    dst.dispose()
    return schema


def bench_accounts(sqlite_url: str, pg_url: str | None, tmp: Path) -> list[Row]:
    rows = []
    times = _page_times(sqlite_url)
    rows.append(_ms_row("accounts: filtered 50-row page, SQLite province (median)", times, 0.1))
    if pg_url:
        print("bench: copying the province accounts to PostgreSQL ...", file=sys.stderr)
        schema = _copy_accounts_to_pg(sqlite_url, pg_url)
        sep = "&" if "?" in pg_url else "?"
        try:
            times = _page_times(f"{pg_url}{sep}options=-csearch_path%3D{schema}")
            rows.append(
                _ms_row("accounts: filtered 50-row page, PostgreSQL province (median)", times, 0.1)
            )
        finally:
            from sqlalchemy import text

            from casedb.engine import make_engine

            eng = make_engine(pg_url)
            with eng.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            eng.dispose()
    rows.append(bench_import(tmp))
    return rows


def _ms_row(name: str, times: list[float], budget: float) -> Row:
    med = statistics.median(times)
    return Row(name, f"{med * 1000:.1f} ms", f"{budget * 1000:.0f} ms", verdict(med, budget),
               med, "s")  # fmt: skip


def bench_import(tmp: Path, n: int = 10_000) -> Row:
    """Importing n accounts from an XLSX file through the service (activation codes issued)."""
    import random
    from datetime import date

    from openpyxl import Workbook

    from accounts.account_import import run_import
    from accounts.idnumber import generate
    from audit_log.actor import SYSTEM

    db = _fresh_db(f"sqlite:///{tmp / 'import.db'}")
    rng = random.Random(7)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(["login_name", "full_name", "id_number", "region_code", "department_code", "post"])
    seen: set[str] = set()
    for i in range(n):
        ident = ""
        while not ident or ident[:17] in seen:  # one person, one account: no repeats
            born = date(1970 + rng.randrange(30), 1 + rng.randrange(12), 1 + rng.randrange(28))
            ident = generate(rng, "530102", born)
        seen.add(ident[:17])
        name = "王" + "明华丽芳强军"[i % 6] + "伟"
        ws.append([f"imp{i:05d}", name, ident, "530102000000", "civil", "经办人员"])
    path = tmp / "accounts.xlsx"
    wb.save(path)
    codes: list[object] = []
    start = time.perf_counter()
    result = run_import(db, SYSTEM, path, decide=lambda *_: True, write_codes=codes.extend)  # type: ignore[arg-type]
    seconds = time.perf_counter() - start
    created = sum(1 for p in result.plans if p.action == "create")
    return Row(f"accounts: import {n:,} from XLSX ({created:,} created, SQLite)",
               f"{seconds:.1f} s", "60 s", verdict(seconds, 60.0), seconds, "s")  # fmt: skip


def bench_changes(url: str, label: str, background: int) -> list[Row]:
    """Executing an offboarding that hands 500 open cases to 2 successors, and loading a
    county department admin's inbox among ``background`` requests spread over the
    province's townships (in process; ``url`` is a copy the bench may write to)."""
    import random
    from datetime import UTC, datetime

    from sqlalchemy import insert, select

    from accounts import change_queries, changes
    from accounts.change_chain import resolve
    from accounts.change_models import ChangeRequest
    from audit_log.actor import Actor
    from casedb.engine import Database
    from casedb.models import Account, Case, Region
    from rbac.store import Grant, add_grant, bump_version, subject_of

    county, township, village = "530102000000", "530102001000", "530102001001"
    db = Database(url)
    now = datetime.now(UTC)
    ids: dict[str, int] = {}
    with db.uow() as uow:
        s = uow.session
        if s.get(Region, village) is None:
            s.add(Region(code=village, name="测试村", level=5, parent_code=township))
        people = [
            ("bench_coord", county, "coord", ("coord_admin", county, "*")),
            ("bench_leader", township, "civil", ("township_leader", township, "*")),
            ("bench_deptadmin", county, "civil", ("dept_admin", county, "civil")),
            ("bench_leaver", township, "civil", ("caseworker", township, "civil")),
            ("bench_succ0", township, "civil", ("caseworker", township, "civil")),
            ("bench_succ1", township, "civil", ("caseworker", township, "civil")),
        ]
        for login, region, dept, grant in people:
            account = Account(login_name=login, full_name="测试人员", region_code=region,
                              department_code=dept, status="active", created_at=now)  # fmt: skip
            s.add(account)
            s.flush()
            ids[login] = account.id
            if grant is not None:
                add_grant(s, Grant(subject_of(account.id), *grant))
        bump_version(s)
        s.execute(
            insert(Case),
            [
                {
                    "case_no": f"BENCH{i:06d}",
                    "region_code": village,
                    "department_code": "civil",
                    "item_code": "dibao",
                    "channel": "self",
                    "status": "open",
                    "step": "accept",
                    "step_level": 5,
                    "assignee_id": ids["bench_leaver"],
                    "created_at": now,
                }
                for i in range(500)
            ],
        )
        townships = list(s.scalars(select(Region.code).where(Region.level == 4)))
        rng = random.Random(5)
        states = ("submitted", "reviewed", "executed", "rejected", "withdrawn")
        rows = []
        for i in range(background):
            unit = rng.choice(townships)
            dept = rng.choice(("civil", "housing", "water", "edu", "health"))
            route = resolve(unit, dept)
            rows.append(
                {
                    "kind": "modify",
                    "state": states[i % 5],
                    "target_account_id": ids["bench_succ0"],
                    "target_region": unit,
                    "target_department": dept,
                    "payload": '{"post": "科员"}',
                    "reason": "岗位调整",
                    "reviewer_role": route.reviewer_role,
                    "reviewer_unit": route.reviewer_unit,
                    "executor_role": route.executor_role,
                    "executor_unit": route.executor_unit,
                    "submitted_by": ids["bench_coord"],
                    "submitted_at": now,
                    "updated_at": now,
                    "deadline": now,
                }
            )
        if rows:
            s.execute(insert(ChangeRequest), rows)
        uow.commit()

    def actor(login: str) -> Actor:
        return Actor(login, ids[login], host="bench", terminal="-")

    successors = [ids["bench_succ0"], ids["bench_succ1"]]
    cmd = changes.SubmitChange("offboard", ids["bench_leaver"], "调离", {"successors": successors})
    req = changes.submit(cmd, db.uow(), actor("bench_coord"))
    changes.review(changes.ActOn(req.id), db.uow(), actor("bench_leader"))
    start = time.perf_counter()
    done = changes.execute(changes.ActOn(req.id), db.uow(), actor("bench_deptadmin"))
    seconds = time.perf_counter() - start
    assert done.state == "executed", done.state

    def inbox() -> tuple[float, int]:
        began = time.perf_counter()
        n = 0
        with db.read() as s:
            for scope in ("to_execute", "to_review", "overdue"):
                n += len(change_queries.list_requests(s, ids["bench_deptadmin"], scope).items)
        return time.perf_counter() - began, n

    _, found = inbox()  # warm up
    times = [inbox()[0] for _ in range(10)]
    db.dispose()
    return [
        Row(
            f"changes: execute an offboarding handing 500 open cases to 2 successors ({label})",
            f"{seconds:.2f} s",
            "2 s",
            verdict(seconds, 2.0),
            seconds,
            "s",
        ),
        _ms_row(
            f"changes: county admin's inbox (to execute, to review, overdue; {found} rows) "
            f"among {background:,} requests ({label}, median of 10)",
            times,
            0.2,
        ),
    ]


def bench_review(url: str, label: str) -> list[Row]:
    """Starting the annual review of every county-level account in the province (one item
    per account, grants snapshot, bulk insert) and its status per unit, as the provincial
    coordinator admin sees it (in process; ``url`` is a copy the bench may write to)."""
    from datetime import UTC, datetime

    from accounts import review
    from accounts.review_models import ReviewCampaign, ReviewItem
    from audit_log.actor import Actor
    from casedb.engine import Database
    from casedb.models import Account
    from rbac.store import Grant, add_grant, bump_version, subject_of

    db = Database(url)
    # A demo seeded while migration 0008 was still empty lacks the tables: add them.
    for table in (ReviewCampaign.__table__, ReviewItem.__table__):
        table.create(db.engine, checkfirst=True)  # type: ignore[attr-defined]
    with db.uow() as uow:
        s = uow.session
        admin = Account(login_name="bench_review_admin", full_name="测试人员",
                        region_code="530000000000", department_code="coord", status="active",
                        created_at=datetime.now(UTC))  # fmt: skip
        s.add(admin)
        s.flush()
        add_grant(s, Grant(subject_of(admin.id), "coord_admin", "530000000000", "*"))
        bump_version(s)
        uow.commit()
        admin_id = admin.id
    actor = Actor("bench_review_admin", admin_id, host="bench", terminal="-")
    start = time.perf_counter()
    started = review.start(review.StartReview("county"), db.uow(), actor)
    seconds = time.perf_counter() - start
    campaign = started.campaign

    def status() -> tuple[float, int]:
        began = time.perf_counter()
        with db.read() as s:
            units = review.status(s, campaign.id, viewer=admin_id).units
        return time.perf_counter() - began, len(units)

    _, units = status()  # warm up
    times = [status()[0] for _ in range(7)]
    db.dispose()
    return [
        Row(
            f"review: start a county-level campaign ({campaign.items:,} items; {label})",
            f"{seconds:.2f} s",
            "5 s",
            verdict(seconds, 5.0),
            seconds,
            "s",
        ),
        _ms_row(f"review: status of {units:,} units ({label}, median of 7)", times, 0.5),
    ]


def bench_cases(url: str, label: str, pg_url: str | None) -> list[Row]:
    """Case supervision on the demo (issue 8): one prefecture supervisor's first page of
    overdue cases (through the service: scope from the grants, calendar, the page and its
    assignees and notices), and a month's statistics for the whole province by department
    and item. ``url`` is a writable copy (upgraded here). With ``pg_url`` the regions,
    accounts and cases are copied to a fresh PostgreSQL schema (COPY) and measured there."""
    import sqlite3
    from datetime import UTC, datetime

    from sqlalchemy import func, select, text

    from accounts import supervision as sv
    from audit_log.actor import Actor
    from casedb.calendar import WorkCalendar
    from casedb.engine import Database, make_engine
    from casedb.models import Account, Case
    from casedb.schema import upgrade
    from casedb.supervision_queries import month_bounds
    from rbac.store import Grant, add_grant, bump_version, load_grants, subject_of

    def people(db: Database) -> dict[str, Actor]:
        out = {}
        with db.uow() as uow:
            for login, region in (("bench_pref_sup", "530100000000"),
                                  ("bench_prov_sup", "530000000000")):  # fmt: skip
                found = uow.session.scalar(select(Account).where(Account.login_name == login))
                if found is None:
                    found = Account(login_name=login, full_name="督办", region_code=region,
                                    department_code="coord", status="active",
                                    created_at=datetime.now(UTC))  # fmt: skip
                    uow.session.add(found)
                    uow.session.flush()
                grant = Grant(subject_of(found.id), "supervisor", region, "*")
                if grant not in load_grants(uow.session, grant.subject):
                    add_grant(uow.session, grant)  # (a copy to PostgreSQL has no grants)
                out[login] = Actor(login, found.id, host="bench", terminal="-")
            bump_version(uow.session)
            uow.commit()
        return out

    def measure(db: Database, where: str) -> list[Row]:
        who = people(db)
        with db.read() as s:
            now = s.scalar(select(func.max(Case.created_at))) or datetime.now(UTC)
        cal = WorkCalendar()
        query = sv.CaseQuery("overdue")

        def page() -> tuple[float, int]:
            began = time.perf_counter()
            got = sv.list_cases(query, db, who["bench_pref_sup"], now=now, cal=cal)
            return time.perf_counter() - began, len(got.items)

        cold, found = page()
        times = [page()[0] for _ in range(10)]
        local = now.astimezone(datetime.now().astimezone().tzinfo)
        month = f"{local.year - (local.month == 1)}-{(local.month - 2) % 12 + 1:02d}"
        start, end = month_bounds(month)
        began = time.perf_counter()
        stats = sv.case_stats(sv.StatsQuery(start, end, ("department", "item")), db,
                              who["bench_prov_sup"], now=now)  # fmt: skip
        took = time.perf_counter() - began
        received = sum(r.received for r in stats)
        rows = [
            _ms_row(f"cases: a prefecture's overdue list, first page of {found} "
                    f"({where}, median of 10; cold {cold * 1000:.0f} ms)", times, 0.3),
            Row(f"cases: {month} statistics, whole province, {received:,} cases by department "
                f"and item ({where})", f"{took:.2f} s", "5 s" if "PostgreSQL" in where else "-",
                verdict(took, 5.0) if "PostgreSQL" in where else "info", took, "s"),
        ]  # fmt: skip
        return rows

    print("bench: case supervision ...", file=sys.stderr)
    db = Database(url)
    upgrade(db.engine)
    rows = measure(db, label)
    db.dispose()
    if not pg_url:
        return rows

    print("bench: copying the province cases to PostgreSQL ...", file=sys.stderr)
    began = time.perf_counter()
    schema = _copy_accounts_to_pg(url, pg_url)
    sep = "&" if "?" in pg_url else "?"
    pg_schema_url = f"{pg_url}{sep}options=-csearch_path%3D{schema}"
    columns = [c.name for c in Case.__table__.columns]
    stamps = {"step_deadline", "created_at", "closed_at"}
    try:
        pg = Database(pg_schema_url)
        src = sqlite3.connect(url.removeprefix("sqlite:///"))
        raw = pg.engine.raw_connection()
        try:
            cur = raw.cursor()
            sql = f"COPY cases ({', '.join(columns)}) FROM STDIN"
            with cur.copy(sql) as copy:  # type: ignore[attr-defined]
                for r in src.execute(f"SELECT {', '.join(columns)} FROM cases"):
                    copy.write_row([
                        (v + "+00" if v is not None and name in stamps else v)
                        for name, v in zip(columns, r, strict=True)
                    ])  # fmt: skip
            cur.execute("ANALYZE cases")
            raw.commit()
        finally:
            raw.close()
            src.close()
        copied = time.perf_counter() - began
        rows.append(Row("cases: copying the province demo to PostgreSQL (regions, accounts, "
                        "cases; COPY)", f"{copied:.0f} s", "-", "info", copied, "s"))  # fmt: skip
        rows += measure(pg, "PostgreSQL, province demo")
        pg.dispose()
    finally:
        eng = make_engine(pg_url)
        with eng.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        eng.dispose()
    return rows


def bench_restore_drill(url: str, size: str, tmp: Path) -> list[Row]:
    """The restore drill (ops.drills: latest verified backup restored into a scratch database,
    checked, RTO/RPO measured, live checksum before and after) against ``backup verify`` on
    the same backup; budget 1.2x. ``url`` is a copy the bench may write to."""
    from audit_log.actor import local_actor
    from casedb.engine import Database
    from casedb.schema import upgrade
    from ops import backup, catalogue, drills, keys
    from ops import verify as bverify

    db = Database(url)
    upgrade(db.engine)
    actor = local_actor("bench")
    root = tmp / "drill-backups"
    bkeys = keys.load(create=True)
    made = backup.create(db, actor, bkeys, root=root)
    started = time.perf_counter()
    report = bverify.verify(root, made.id, bkeys)
    verify_s = time.perf_counter() - started
    at = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
    catalogue.append(root, bkeys, {"fact": "verified", "id": made.id, "status": report.status,
                                   "at": at})  # fmt: skip
    started = time.perf_counter()
    view = drills.run_drill(drills.RunDrill(kind="restore", backup_root=root), db, actor,
                            authorize=lambda *_: None)  # fmt: skip
    drill_s = time.perf_counter() - started
    db.dispose()
    ratio = drill_s / verify_s
    live = next((s.ms for s in view.steps if s.name == "live_unchanged"), 0)
    return [
        Row(f"drills: restore drill ({view.state}, RTO {view.figures.get('rto_seconds')} s, "
            f"live check {live} ms) vs backup verify ({report.status}) of one backup "
            f"(SQLite, {size} demo)", f"{drill_s:.1f} s / {verify_s:.1f} s = {ratio:.2f}x", "1.2x",
            verdict(ratio, 1.2) if view.state == "passed" else "FAIL", ratio, "x"),
    ]  # fmt: skip


def _copy_sqlite(url: str, dest: Path) -> str:
    """A copy of a SQLite demo for benches that write (the seed stays reusable)."""
    import sqlite3

    src = sqlite3.connect(url.removeprefix("sqlite:///"))
    out = sqlite3.connect(dest)
    with out:
        src.backup(out)
    src.close()
    out.close()
    return f"sqlite:///{dest}"


ACCOUNTS_DEBOUNCE_MS = 50
# What the screens call their "a page is on its way" flags.
BUSY_FLAGS = ("fetching", "loading_rows", "busy")


def textual_screen_floor(runs: int = 5) -> list[float]:
    """What Textual alone takes to open a new screen as an area opens one: a bare app whose
    new mode holds a header line, a 6-column table filled with 50 rows, a details pane and
    a footer of 8 keys; timed from the switch to the table's rows on screen (the library's
    floor under "open each overview list")."""
    import asyncio

    from textual.app import App, ComposeResult
    from textual.binding import Binding
    from textual.containers import Horizontal
    from textual.screen import Screen
    from textual.widgets import DataTable, Footer, Static

    class Listing(Screen[None]):
        BINDINGS = [Binding(k, "noop", f"key {k}") for k in "abcdefgh"]  # noqa: RUF012

        def compose(self) -> ComposeResult:
            yield Static("header")
            yield Static("areas")
            with Horizontal():
                yield DataTable(cursor_type="row")
                yield Static("details")
            yield Footer()

        def on_mount(self) -> None:
            table = self.query_one(DataTable)
            table.add_columns(*(f"column {i}" for i in range(6)))
            for r in range(50):
                table.add_row(*(f"cell {r}.{i}" for i in range(6)))

        def action_noop(self) -> None:
            return None

    class Bare(App[None]):
        MODES = {f"m{i}": Listing for i in range(runs + 1)}  # noqa: RUF012
        DEFAULT_MODE = "m0"

    times: list[float] = []

    async def run() -> None:
        app = Bare()
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            for i in range(1, runs + 1):
                begin = time.perf_counter()
                await app.switch_mode(f"m{i}")
                table = app.screen.query_one(DataTable)
                while table.row_count < 50:
                    await asyncio.sleep(0.002)
                await pilot.pause()
                times.append(time.perf_counter() - begin)

    asyncio.run(run())
    return times


def bench_tui(url: str, label: str) -> list[Row]:
    """The console driven by Textual's Pilot on the demo: the first screen painted after
    start, the account list filtered keystroke by keystroke (typing a login prefix), and
    each overview figure's list opened from the overview."""
    import asyncio

    from textual.widgets import Input

    from accounts.demo import DEMO_ADMIN_LOGIN
    from accounts.session import find_account
    from casedb.engine import Database
    from console.tui.app import JzApp
    from console.tui.screens.accounts import AccountsScreen
    from console.tui.screens.dashboard import DashboardScreen

    db = Database(url)
    with db.read() as s:
        user = find_account(s, DEMO_ADMIN_LOGIN)
        sample = s.execute(
            __import__("sqlalchemy").text(
                "SELECT login_name FROM accounts WHERE login_name LIKE 'u5301%' "
                "ORDER BY login_name LIMIT 1 OFFSET 500"
            )
        ).scalar_one()
    assert user is not None
    out: dict[str, object] = {}

    async def until(pilot: object, cond: object, timeout: float = 30.0) -> None:
        end = time.perf_counter() + timeout
        while not cond():  # type: ignore[operator]
            if time.perf_counter() > end:
                raise TimeoutError(cond)
            await asyncio.sleep(0.002)

    async def run() -> None:
        started = time.perf_counter()
        app = JzApp(db, user=user, demo=True)
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, DashboardScreen)
                        and app.screen.table.row_count > 0)  # fmt: skip
            await pilot.pause()
            out["paint"] = time.perf_counter() - started
            dash = app.screen
            assert isinstance(dash, DashboardScreen)
            await until(pilot, lambda: dash.pending == 0, 120)
            out["figures"] = time.perf_counter() - started
            # Each figure's list, opened from the overview as Enter does (app.open_list),
            # timed to the list's first page on screen; Pilot's own key handling (its floor
            # is measured below) is left out.
            opened: list[tuple[str, float]] = []
            for fig in list(dash.figures):
                if fig is None or not fig.opens:
                    continue
                await pilot.press("0")
                await until(pilot, lambda: isinstance(app.screen, DashboardScreen))
                begin = time.perf_counter()
                app.open_list(fig.opens, fig.filter)
                await until(pilot, lambda f=fig: app.current_mode == f.opens)  # type: ignore[misc]
                screen = app.screen
                seen = False
                while time.perf_counter() - begin < 5:
                    if fig.filter.startswith("coverage:"):  # the gaps listed
                        if (
                            screen.query("#coverage")
                            and screen.coverage_shown  # type: ignore[attr-defined]
                            and not screen.coverage_loading  # type: ignore[attr-defined]
                        ):
                            break
                    elif fig.opens == "org":  # the tree opened down to the region, its details in
                        if not screen.query("RegionTree"):
                            await asyncio.sleep(0.002)
                            continue
                        node = screen.region_tree.cursor_node  # type: ignore[attr-defined]
                        code = getattr(getattr(node, "data", None), "code", None)
                        if code == fig.filter and "fetch_detail" not in {
                            w.name
                            for w in screen.workers  # type: ignore[attr-defined]
                        }:
                            break
                    else:  # its first page: the fetch starts, then ends
                        busy = any(getattr(screen, b, False) is True for b in BUSY_FLAGS)
                        seen = seen or busy
                        if seen and not busy:
                            break
                    await asyncio.sleep(0.002)
                opened.append((fig.key, time.perf_counter() - begin))
                await pilot.pause()
            out["opened"] = opened
            # The account list, filtered as a login is typed: from the keystroke reaching
            # the filter box to the new first page on screen (debounce included).
            await pilot.press("3")
            acc = app.screen
            assert isinstance(acc, AccountsScreen)
            await until(pilot, lambda: not acc.fetching and len(acc.rows) > 0)
            box = acc.query_one("#acc-filter", Input)
            box.focus()
            acc.open_with("")  # the overview may have left a filter in the box
            await until(pilot, lambda: not acc.fetching and acc.account_filter.prefix is None
                        and acc.account_filter.status is None)  # fmt: skip
            times = []
            for ch in sample[:9]:
                gen = acc._generation
                begin = time.perf_counter()
                box.insert_text_at_cursor(ch)
                await until(pilot, lambda g=gen: acc._generation > g and not acc.fetching)  # type: ignore[misc]
                times.append(time.perf_counter() - begin)
                await pilot.pause()
            out["keys"] = times
            # Pilot's floor: a key pressed into an empty box, through Pilot.
            floor = []
            for ch in "abcde":
                begin = time.perf_counter()
                await pilot.press(ch)
                await pilot.pause()
                floor.append(time.perf_counter() - begin)
            out["pilot_floor"] = floor

    asyncio.run(run())
    db.dispose()
    rows = [
        Row(f"tui: first screen painted after start ({label})",
            f"{out['paint']:.2f} s", "1.5 s", verdict(out["paint"], 1.5), out["paint"], "s"),  # type: ignore[arg-type]
        Row(f"tui: every overview figure filled in ({label})", f"{out['figures']:.2f} s",
            "info", "info", out["figures"], "s"),  # type: ignore[arg-type]
        _ms_row(f"tui: filter the account list per keystroke, 9 keys ({label}, median; "
                f"debounce {ACCOUNTS_DEBOUNCE_MS} ms included)", out["keys"], 0.15),  # type: ignore[arg-type]
        _ms_row("tui: Pilot's own floor, a key into an empty filter box (median, info only)",
                out["pilot_floor"], 10.0),  # type: ignore[arg-type]
    ]  # fmt: skip
    opened = out["opened"]
    assert isinstance(opened, list)
    worst = max((t for _, t in opened), default=0.0)
    names = ", ".join(f"{k} {t * 1000:.0f} ms" for k, t in opened)
    name = f"tui: open each overview list ({label}; slowest of: {names})"
    rows.append(Row(name, f"{worst * 1000:.0f} ms", "300 ms", verdict(worst, 0.3), worst, "s"))
    floor = statistics.median(textual_screen_floor())
    rows.append(Row("tui: Textual's own floor, a new screen with a 50-row table opened "
                    f"(median of 5; the slowest list above is {worst / floor:.1f}x this)",
                    f"{floor * 1000:.0f} ms", "info", "info", floor, "s"))  # fmt: skip
    return rows


def bench_backup(url: str, pg_url: str | None, tmp: Path, runs: int = 3) -> list[Row]:
    """backup create / restore / verify (issue 6) as ratios to the native tools alone on the
    same data in the same run: sqlite3's backup API, and pg_dump -Fc / pg_restore (on the
    demo's villages and accounts copied to PostgreSQL). Medians of ``runs``."""
    import sqlite3
    import uuid
    from collections.abc import Callable

    from sqlalchemy.engine import make_url

    from audit_log.actor import SYSTEM
    from casedb.engine import Database, make_engine
    from ops import backup, keys, pgtools, restore, verify

    k = keys.load(create=True)
    admin = make_engine(pg_url) if pg_url else None
    made_dbs: list[str] = []

    def timed(fn: Callable[[], object]) -> float:
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    def sqlite_copy(source: str, dest: Path) -> None:
        src, out = sqlite3.connect(source), sqlite3.connect(dest)
        src.backup(out)
        src.close()
        out.close()

    def new_target(src_url: str) -> str:
        if src_url.startswith("sqlite"):
            return f"sqlite:///{tmp / f'restore-{uuid.uuid4().hex[:8]}.db'}"
        assert admin is not None
        name = f"jzbench_{uuid.uuid4().hex[:8]}"
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        made_dbs.append(name)
        return make_url(src_url).set(database=name).render_as_string(hide_password=False)

    def native_pair(label: str, src_url: str, schema: str | None) -> tuple[float, float]:
        native = tmp / f"native-{label}.dump"
        if label == "SQLite":
            source = src_url.removeprefix("sqlite:///")
            nb = timed(lambda: sqlite_copy(source, native))
            nr = timed(lambda: sqlite_copy(str(native), Path(new_target(src_url)[10:])))
            return nb, nr
        conninfo, env = pgtools.conninfo(make_url(src_url))
        dump = [shutil.which("pg_dump") or "pg_dump", "-Fc", "-n", str(schema),
                "-f", str(native), "-d", conninfo]  # fmt: skip
        nb = timed(lambda: subprocess.run(dump, check=True, env=env))

        def pg_native_restore() -> None:
            info, env2 = pgtools.conninfo(make_url(new_target(src_url)))
            tool = shutil.which("pg_restore") or "pg_restore"
            cmd = [tool, "--single-transaction", "--no-owner", "-d", info, str(native)]
            subprocess.run(cmd, check=True, env=env2)

        return nb, timed(pg_native_restore)

    def sqlite_floor(source: str) -> float:
        """What the libraries alone take to do what create must: the online copy, then
        zlib level 1 and SM4-GCM over 1 MiB frames on two threads, written to a file."""
        import zlib
        from concurrent.futures import ThreadPoolExecutor

        from casedb import crypto

        copy = tmp / "floor-copy.db"
        sealed = tmp / "floor.sealed"

        def frame(block: bytes) -> bytes:
            return crypto.sm4_gcm_encrypt(k.seal, zlib.compress(block, 1))

        def run() -> None:
            copy.unlink(missing_ok=True)
            sqlite_copy(source, copy)
            with copy.open("rb") as fh, sealed.open("wb") as out, ThreadPoolExecutor(2) as pool:
                blocks = iter(lambda: fh.read(1 << 20), b"")
                for blob in pool.map(frame, blocks):
                    out.write(len(blob).to_bytes(4, "big") + blob)

        return timed(run)

    def sqlite_restore_floor() -> float:
        """And to undo it: the sealed frames opened and decompressed on two threads, written
        to a database file (run after ``sqlite_floor``, which leaves its sealed file)."""
        import zlib
        from collections.abc import Iterator
        from concurrent.futures import ThreadPoolExecutor

        from casedb import crypto

        sealed = tmp / "floor.sealed"
        target = tmp / "floor-restored.db"

        def frames() -> Iterator[bytes]:
            with sealed.open("rb") as fh:
                while head := fh.read(4):
                    yield fh.read(int.from_bytes(head, "big"))

        def unframe(blob: bytes) -> bytes:
            return zlib.decompress(crypto.sm4_gcm_decrypt(k.seal, blob))

        def run() -> None:
            target.unlink(missing_ok=True)
            with target.open("wb") as out, ThreadPoolExecutor(2) as pool:
                for block in pool.map(unframe, frames()):
                    out.write(block)

        return timed(run)

    def ours(label: str, src_url: str) -> tuple[float, float, float, float]:
        db = Database(src_url)
        root = tmp / f"backups-{label}"
        made: list[backup.Created] = []
        ob = timed(lambda: made.append(backup.create(db, SYSTEM, k, root=root)))
        db.dispose()
        bid = made[-1].id
        orr = timed(lambda: restore.restore(root, bid, k, new_target(src_url), SYSTEM))
        scratch = src_url if label == "PostgreSQL" else None
        ov = timed(lambda: verify.verify(root, bid, k, scratch_url=scratch))
        return ob, orr, ov, made[-1].size / 1024**2

    rows: list[Row] = []
    cases: list[tuple[str, str, str | None]] = [("SQLite", url, None)]
    pg_schema = None
    try:
        if pg_url:
            pg_schema = _copy_accounts_to_pg(url, pg_url)
            sep = "&" if "?" in pg_url else "?"
            cases.append(
                ("PostgreSQL", f"{pg_url}{sep}options=-csearch_path%3D{pg_schema}", pg_schema)
            )
        for label, src_url, schema in cases:
            nb, nr = native_pair(label, src_url, schema)
            ob, orr, ov, mb = ours(label, src_url)
            floor = sqlite_floor(src_url.removeprefix("sqlite:///")) if label == "SQLite" else 0
            rfloor = sqlite_restore_floor() if label == "SQLite" else 0
            for what, mine, base, budget in (
                ("backup create", ob, nb, 1.5),
                ("backup restore", orr, nr, 1.5),
                ("backup verify (restore + checks)", ov, nr, 2.5),
            ):
                ratio = mine / base
                name = f"{what}, {label} ({mb:.1f} MB sealed): {mine:.2f} s, native {base:.2f} s"
                judged = verdict(ratio, budget)
                if what == "backup create" and floor / base > budget:
                    judged = "info"  # below the libraries' floor: judged against it below
                if what.startswith(("backup restore", "backup verify")) and rfloor / base > 1.5:
                    judged = "info"  # the restore floor is above the budget: judged below
                rows.append(Row(name, f"{ratio:.2f}x", f"{budget}x", judged, ratio, "x"))
            if floor:
                rows.append(Row(
                    f"backup create floor, SQLite: copy + zlib-1 + SM4-GCM by the libraries "
                    f"alone {floor:.2f} s = {floor / nb:.2f}x native",
                    f"{floor / nb:.2f}x", "info", "info", floor / nb, "x",
                ))  # fmt: skip
                rows.append(Row(
                    f"backup create vs that floor, SQLite: {ob:.2f} s vs {floor:.2f} s",
                    f"{ob / floor:.2f}x", "1.5x", verdict(ob / floor, 1.5), ob / floor, "x",
                ))  # fmt: skip
                rows.append(Row(
                    f"backup restore floor, SQLite: SM4-GCM open + zlib by the libraries alone "
                    f"{rfloor:.2f} s = {rfloor / nr:.2f}x native",
                    f"{rfloor / nr:.2f}x", "info", "info", rfloor / nr, "x",
                ))  # fmt: skip
                rows.append(Row(
                    f"backup restore vs that floor, SQLite: {orr:.2f} s vs {rfloor:.2f} s",
                    f"{orr / rfloor:.2f}x", "1.5x", verdict(orr / rfloor, 1.5), orr / rfloor, "x",
                ))  # fmt: skip
                rows.append(Row(
                    f"backup verify vs that floor, SQLite: {ov:.2f} s vs {rfloor:.2f} s",
                    f"{ov / rfloor:.2f}x", "2.5x", verdict(ov / rfloor, 2.5), ov / rfloor, "x",
                ))  # fmt: skip
    finally:
        if admin is not None:
            with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                for name in made_dbs:
                    conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                if pg_schema:
                    conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{pg_schema}" CASCADE')
            admin.dispose()
    return rows


def render(rows: list[Row]) -> str:
    head = ("benchmark", "figure", "budget", "verdict")
    cells = [head] + [(r.name, r.figure, r.budget, r.verdict) for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(4)]
    lines = []
    for n, c in enumerate(cells):
        lines.append(
            "  ".join(
                c[i].ljust(widths[i]) if i in (0, 3) else c[i].rjust(widths[i]) for i in range(4)
            ).rstrip()
        )
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


GROUPS = ("startup", "seed", "audit", "changes", "drill", "cases", "tui", "backup")
# The groups that need the demo database.
SEEDED_GROUPS = {"seed", "changes", "drill", "cases", "tui", "backup"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="use the small demo, not province")
    parser.add_argument("--db-dir", type=Path, help="where the demo database is built")
    parser.add_argument("--reuse", action="store_true", help="reuse a demo database in --db-dir")
    parser.add_argument("--json", metavar="FILE", type=Path, help="also write the table as JSON")
    parser.add_argument("--runs", type=int, default=7, help="runs per start-up figure (7)")
    parser.add_argument("--pg", metavar="URL", help="PostgreSQL for the concurrent-writers row")
    parser.add_argument("--skip-seed", action="store_true", help="leave out the demo rows")
    parser.add_argument(
        "--only", metavar="GROUP", action="append", choices=GROUPS,
        help=f"run only these groups (repeatable; {', '.join(GROUPS)}), e.g. --only tui --reuse",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if not Path(JZCTL).exists():
        sys.exit("bench: .venv/bin/jzctl is missing; run scripts/bench, not scripts/bench.py")
    if args.reuse and args.db_dir is None:
        parser.error("--reuse needs --db-dir")

    size = "small" if args.quick else "province"
    only = set(args.only or GROUPS)
    tmp = Path(tempfile.mkdtemp(prefix="jzbench-"))
    try:
        db_dir = args.db_dir or tmp
        rows = bench_startup(args.runs, tmp) if "startup" in only else []
        seeded = not args.skip_seed and bool(only & SEEDED_GROUPS)
        url = ""
        if seeded:
            seed_rows, url = bench_seed(db_dir / f"bench-{size}.db", size, args.reuse)
            rows += seed_rows
            if "seed" in only:
                rows += bench_queries(url, max(3, args.runs - 2))
                rows += bench_rbac(url)
                _audit_env(tmp)
                rows += bench_accounts(url, args.pg, tmp)
        sys.path.insert(0, str(ROOT))
        _audit_env(tmp)
        if "audit" in only:
            rows += bench_audit_append(tmp)
        if args.skip_seed and "changes" in only:
            small = _fresh_db(f"sqlite:///{tmp / 'changes.db'}")
            small.dispose()  # type: ignore[attr-defined]
            rows += bench_changes(f"sqlite:///{tmp / 'changes.db'}", "SQLite, empty", 1_000)
        elif seeded:
            copy = _copy_sqlite(url, tmp / "changes.db") if only & {"changes", "cases"} else ""
            if "changes" in only:
                rows += bench_changes(copy, f"SQLite, {size} demo", 20_000)
            if "drill" in only:
                rows += bench_restore_drill(_copy_sqlite(url, tmp / "drill.db"), size, tmp)
            if "changes" in only:
                rows += bench_review(copy, f"SQLite, {size} demo")
            if "cases" in only:
                rows += bench_cases(copy, f"SQLite, {size} demo", args.pg)
            if "tui" in only:
                rows += bench_tui(url, f"{size} demo")
            if "backup" in only:
                rows += bench_backup(url, args.pg, tmp)
        if "audit" in only:
            if args.quick:
                rows += bench_audit_verify(tmp, 100_000, None)
            else:
                rows += bench_audit_verify(tmp, 1_000_000, 20.0)
            if args.pg:
                rows += bench_audit_concurrency(args.pg, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print(render(rows))
    if args.json:
        doc = {
            "machine": {
                "python": platform.python_version(),
                "platform": platform.platform(),
                "cpus": os.cpu_count(),
            },
            "size": size,
            "rows": [asdict(r) for r in rows],
        }
        args.json.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", "utf-8")
    return 1 if any(r.verdict == "FAIL" for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
