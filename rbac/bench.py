"""Budget figures of graded administration, for ``scripts/bench`` to print.

``bench_rows(db_url)`` works on a database holding the province-size demo: it first gives
every account the grant its post implies (batched, once), then measures decisions, loading
one admin's rules, a full load, and pycasbin on the same rules for comparison.
"""

from __future__ import annotations

import gc
import random
import resource
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from casedb.engine import Database
from casedb.models import Account
from casedb.regions import Level, level_of
from rbac.enforcer import Enforcer
from rbac.posts import seed_grants_from_posts
from rbac.store import Grant, casbin_enforcer, load_grants
from rbac.templates import COORD_ADMIN, DEPT_ADMIN

BATCH = 20_000


def _row(name: str, value: float, unit: str, budget: float | None) -> dict[str, Any]:
    shown = f"{value:.3f} {unit}" if value < 10 else f"{value:.0f} {unit}"
    if budget is None:
        return {"name": name, "figure": shown, "budget": "-", "verdict": "info",
                "value": value, "unit": unit}  # fmt: skip
    return {
        "name": name,
        "figure": shown,
        "budget": f"{budget:g} {unit}",
        "verdict": "pass" if value <= budget else "FAIL",
        "value": value,
        "unit": unit,
    }


def _timed(fn: Callable[[], object], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def _requests(
    rng: random.Random, grant: Grant, regions: list[str], n: int
) -> list[tuple[str, str, str]]:
    """Half inside the grant's subtree, half anywhere; real actions and departments."""
    inside = [r for r in regions if r.startswith(grant.prefix)] or [grant.region]
    depts = ["civil", "hrss", "water", "coord", "health"]
    actions = ["account.create", "case.read", "role.grant", "audit.read", "approval.review"]
    return [
        (
            rng.choice(actions),
            rng.choice(inside if i % 2 else regions),
            grant.department if i % 3 and grant.department != "*" else rng.choice(depts),
        )
        for i in range(n)
    ]


def bench_rows(db_url: str, *, decisions: int = 20_000) -> list[dict[str, Any]]:
    db = Database(db_url)
    rng = random.Random(20261124)
    rows: list[dict[str, Any]] = []
    with db.uow() as uow:
        start = time.perf_counter()
        added = seed_grants_from_posts(uow.session)
        uow.commit()
        if added:
            rows.append(_row(f"grants from posts ({added:,} rules, batched)",
                             time.perf_counter() - start, "s", None))  # fmt: skip
    with db.read() as session:
        regions = list(
            session.execute(select(Account.region_code).distinct().limit(50_000)).scalars()
        )
        admins = [
            g
            for g in load_grants(session)
            if g.role in (COORD_ADMIN, DEPT_ADMIN) and level_of(g.region) <= Level.COUNTY
        ]
        sample = rng.sample(admins, min(20, len(admins)))
        # Loading what one signed-in admin's decisions need.
        loads = []
        for g in sample:
            start = time.perf_counter()
            Enforcer.for_account(session, int(g.subject[2:]))
            loads.append(time.perf_counter() - start)
        rows.append(_row("rbac: load one admin's rules (median of 20 admins)",
                         statistics.median(loads) * 1e3, "ms", 100))  # fmt: skip
        # Decisions after warm-up.
        times: list[float] = []
        casbin_times: list[float] = []
        agree = True
        for g in sample[:5]:
            enf = Enforcer.for_account(session, int(g.subject[2:]))
            reqs = _requests(rng, g, regions, decisions // 5)
            for a, r, d in reqs[:500]:
                enf.decide(g.subject, a, r, d)
            for a, r, d in reqs:
                t0 = time.perf_counter()
                enf.decide(g.subject, a, r, d)
                times.append(time.perf_counter() - t0)
            ce = casbin_enforcer(session, g.subject)
            for a, r, d in reqs[:1000]:
                t0 = time.perf_counter()
                ok = ce.enforce(g.subject, f"{r}|{d}", a)
                casbin_times.append(time.perf_counter() - t0)
                agree = agree and ok == enf.decide(g.subject, a, r, d).allowed
        times.sort()
        casbin_times.sort()
        rows.append(_row("rbac: decision, median", statistics.median(times) * 1e3, "ms", 0.2))
        rows.append(_row("rbac: decision, p99", times[int(len(times) * 0.99)] * 1e3, "ms", 1.0))
        rows.append(_row(f"pycasbin, same rules, decision median (agrees: {agree})",
                         statistics.median(casbin_times) * 1e3, "ms", None))  # fmt: skip
        p99 = casbin_times[int(len(casbin_times) * 0.99)] * 1e3
        rows.append(_row("pycasbin, same rules, decision p99", p99, "ms", None))
        enf = Enforcer.for_account(session, int(sample[0].subject[2:]))
        stale = _timed(lambda: enf.reload_if_stale(session), 50)
        rows.append(_row("rbac: policy version check (reload_if_stale, nothing changed)",
                         statistics.median(stale) * 1e3, "ms", None))  # fmt: skip
        # The full load, for lint and coverage.
        gc.collect()
        start = time.perf_counter()
        full = Enforcer.full(session)
        seconds = time.perf_counter() - start
        n = len(full.all_grants())
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        rss_mb = rss / 1024 / (1024 if sys.platform == "darwin" else 1)
        rows.append(_row(f"rbac: full policy load ({n:,} grants)", seconds, "s", 3.0))
        rows.append(_row("rbac: peak resident memory after the full load", rss_mb, "MB", 500))
    db.dispose()
    return rows


if __name__ == "__main__":  # pragma: no cover - a manual run: python -m rbac.bench URL
    for row in bench_rows(sys.argv[1]):
        print(f"{row['name']:<70} {row['figure']:>12}  {row['budget']:>8}  {row['verdict']}")
