"""The demo province: generated villages, fictitious staff and a year of work orders.

``seed_demo`` fills an initialised (or fresh) database with a plausible Yunnan: the real
prefectures, counties and townships of the shipped divisions, generated villages under every
township, real-name accounts (fictitious people) for every role template in a sample of
units, and cases spread over the twelve months before a reference "now", some of them open
and overdue. Everything is drawn from one ``random.Random(seed)``, so the same seed and size
give the same database.

``province`` size is the benchmark scale (about 14,000 villages, 200,000 accounts and
2,000,000 cases). It is written with SQLAlchemy Core bulk inserts in batches, one
transaction per batch, with explicit ids (so that events can name their case without a
round trip); PostgreSQL's sequences are moved past them afterwards.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal, cast

from sqlalchemy import Connection, Table, delete, func, insert, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from accounts import idnumber
from accounts.models import Credential, SigninSession
from accounts.setup import initialise
from audit_log.actor import Actor
from audit_log.chain import record
from casedb.engine import Database
from casedb.errors import Conflict, InvalidInput
from casedb.models import Account, Case, CaseEvent, Region
from casedb.reference import COORDINATOR, DEPARTMENTS, ITEMS
from rbac.models import PolicyRuleRow, PolicyVersion
from rbac.posts import seed_grants_from_posts

Size = Literal["small", "province"]
SIZES: tuple[Size, ...] = ("small", "province")
Progress = Callable[[str, int, int], None]

REGIONS_T = cast(Table, Region.__table__)
ACCOUNTS_T = cast(Table, Account.__table__)
CASES_T = cast(Table, Case.__table__)
EVENTS_T = cast(Table, CaseEvent.__table__)

DEFAULT_SEED = 20261124
DEMO_ADMIN_LOGIN = "demo-admin"


def is_demo_database(session: Session) -> bool:
    """Whether the demo seeded this database (its admin exists: no real one has that login)."""
    from casedb.models import Account

    found = session.scalars(select(Account.id).where(Account.login_name == DEMO_ADMIN_LOGIN))
    return found.first() is not None


DEMO_ADMIN_NAME = "演示管理员"
SYSTEM_LOGIN = "system:demo"
BATCH = 20_000

# --- role templates (DESIGN.md): the post an account holds is the template's Chinese name --
POST_COORD_ADMIN = "乡村振兴管理员"
POST_DEPT_ADMIN = "行业部门管理员"
POST_UNIT_HEAD = "单位负责人"
POST_LEADER = "分管领导"
POST_TOWNSHIP_LEADER = "乡镇领导"
POST_CASEWORKER = "经办人员"
POST_SUPERVISOR = "督办"
POST_SYSTEM_ADMIN = "系统管理员"
POST_SECURITY_ADMIN = "安全管理员"
POST_AUDIT_ADMIN = "审计管理员"
POSTS: tuple[str, ...] = (
    POST_COORD_ADMIN,
    POST_DEPT_ADMIN,
    POST_UNIT_HEAD,
    POST_LEADER,
    POST_TOWNSHIP_LEADER,
    POST_CASEWORKER,
    POST_SUPERVISOR,
    POST_SYSTEM_ADMIN,
    POST_SECURITY_ADMIN,
    POST_AUDIT_ADMIN,
)

# --- the life of a case: county accepts, township investigates, county approves, ... -------
CHANNELS: tuple[tuple[str, float], ...] = (
    ("self", 0.5),  # 群众举手
    ("proxy", 0.3),  # 他人代举
    ("government", 0.2),  # 政府托举
)


@dataclass(frozen=True)
class Step:
    code: str
    level: int
    limit_s: int


DAY = 86_400
STEPS: tuple[Step, ...] = (
    Step("accept", 3, 1 * DAY),  # county accepts or refuses within 24 hours
    Step("investigate", 4, 2 * DAY),  # township visits the household
    Step("approve", 3, 5 * DAY),  # county department approves
    Step("deliver", 4, 5 * DAY),  # township carries it out
    Step("feedback", 5, 2 * DAY),  # village reports back to the citizen
)
CLOSED_STEP = Step("closed", 3, 0)
STATUS_OPEN, STATUS_CLOSED = "open", "closed"

# A realistic spread of requests over the fifteen items (relative weights).
ITEM_WEIGHTS: dict[str, int] = {
    "temp_assist": 12,
    "extreme_poverty": 4,
    "dibao": 14,
    "find_job": 8,
    "find_training": 5,
    "house_renovation": 5,
    "drinking_water": 6,
    "dropout": 3,
    "clinic_lookup": 7,
    "chronic_care": 8,
    "serious_treatment": 4,
    "appointment": 9,
    "enrolment": 6,
    "out_of_area": 4,
    "serious_aid": 5,
}

# --- fictitious names --------------------------------------------------------------------
SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶"
    "程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺"
    "顾毛郝龚邵万钱严覃武戴莫孔向汤普刀岩李杞和木"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国文辉鹏云飞晓春海波宁"
    "丹凤琼梅林松兵燕俊雪琳斌浩宇欣怡佳鑫婷茜颖瑶睿泽涵晨阳光亮福寿德贵昌荣发顺祥"
)
VILLAGE_HEAD = (
    "大小新老上下中东西南北前后高长三双石松龙凤马牛羊田河水山金银白黑红青花桃李柳竹茶果象鹿岩沙"
)
VILLAGE_TAIL = "坝箐哨营寨塘沟坡湾岭冲庄铺田坪场街桥甸厂屯旗所湖林"
COMMUNITY_TAIL = "街苑园华兴康和安宁丰城桥湖"


@dataclass(frozen=True)
class StaffRule:
    post: str
    low: int
    high: int
    slug: str


@dataclass(frozen=True)
class Profile:
    villages_per_township: tuple[int, int]
    township_share: float  # share of townships whose units get accounts
    village_share: float  # share of villages with helper accounts
    staff: dict[tuple[int, bool], tuple[StaffRule, ...]]  # (level, coordinator unit)
    cases: int


def _rules(*rules: tuple[str, int, int]) -> tuple[StaffRule, ...]:
    slugs = {
        POST_COORD_ADMIN: "coord-admin",
        POST_DEPT_ADMIN: "dept-admin",
        POST_UNIT_HEAD: "head",
        POST_LEADER: "leader",
        POST_TOWNSHIP_LEADER: "township-leader",
        POST_CASEWORKER: "caseworker",
        POST_SUPERVISOR: "supervisor",
        POST_SYSTEM_ADMIN: "sysadmin",
        POST_SECURITY_ADMIN: "secadmin",
        POST_AUDIT_ADMIN: "auditadmin",
    }
    return tuple(StaffRule(p, lo, hi, slugs[p]) for p, lo, hi in rules)


_PROVINCE_COORD = _rules(
    (POST_COORD_ADMIN, 2, 3),
    (POST_SYSTEM_ADMIN, 1, 1),
    (POST_SECURITY_ADMIN, 1, 1),
    (POST_AUDIT_ADMIN, 1, 1),
    (POST_UNIT_HEAD, 1, 1),
    (POST_LEADER, 1, 2),
    (POST_SUPERVISOR, 2, 3),
    (POST_CASEWORKER, 2, 4),
)

PROFILES: dict[str, Profile] = {
    "small": Profile(
        villages_per_township=(2, 3),
        township_share=0.15,
        village_share=0.0,
        staff={
            (1, True): _PROVINCE_COORD,
            (1, False): _rules(
                (POST_DEPT_ADMIN, 1, 2),
                (POST_UNIT_HEAD, 1, 1),
                (POST_LEADER, 1, 1),
                (POST_SUPERVISOR, 1, 1),
                (POST_CASEWORKER, 2, 3),
            ),
            (2, True): _rules(
                (POST_COORD_ADMIN, 1, 1), (POST_UNIT_HEAD, 1, 1), (POST_SUPERVISOR, 1, 2)
            ),
            (2, False): _rules(
                (POST_DEPT_ADMIN, 1, 1),
                (POST_UNIT_HEAD, 1, 1),
                (POST_SUPERVISOR, 0, 1),
                (POST_CASEWORKER, 1, 2),
            ),
            (3, True): _rules((POST_COORD_ADMIN, 1, 1), (POST_UNIT_HEAD, 1, 1)),
            (3, False): _rules(
                (POST_DEPT_ADMIN, 1, 1), (POST_UNIT_HEAD, 1, 1), (POST_CASEWORKER, 1, 2)
            ),
            (4, True): _rules((POST_TOWNSHIP_LEADER, 1, 1), (POST_CASEWORKER, 0, 1)),
            (4, False): _rules((POST_CASEWORKER, 1, 1)),
        },
        cases=5_000,
    ),
    "province": Profile(
        villages_per_township=(8, 12),
        township_share=1.0,
        village_share=1.0,
        staff={
            (1, True): _PROVINCE_COORD,
            (1, False): _rules(
                (POST_DEPT_ADMIN, 1, 2),
                (POST_UNIT_HEAD, 1, 1),
                (POST_LEADER, 1, 1),
                (POST_SUPERVISOR, 1, 2),
                (POST_CASEWORKER, 8, 12),
            ),
            (2, True): _rules(
                (POST_COORD_ADMIN, 1, 2),
                (POST_UNIT_HEAD, 1, 1),
                (POST_SUPERVISOR, 2, 3),
                (POST_CASEWORKER, 2, 4),
            ),
            (2, False): _rules(
                (POST_DEPT_ADMIN, 1, 2),
                (POST_UNIT_HEAD, 1, 1),
                (POST_LEADER, 1, 1),
                (POST_SUPERVISOR, 1, 2),
                (POST_CASEWORKER, 4, 8),
            ),
            (3, True): _rules(
                (POST_COORD_ADMIN, 1, 2),
                (POST_UNIT_HEAD, 1, 1),
                (POST_LEADER, 1, 1),
                (POST_CASEWORKER, 2, 4),
            ),
            (3, False): _rules(
                (POST_DEPT_ADMIN, 1, 2),
                (POST_UNIT_HEAD, 1, 1),
                (POST_LEADER, 1, 1),
                (POST_CASEWORKER, 20, 34),
            ),
            (4, True): _rules((POST_TOWNSHIP_LEADER, 2, 3), (POST_CASEWORKER, 2, 4)),
            (4, False): _rules((POST_CASEWORKER, 6, 10)),
            (5, True): _rules((POST_CASEWORKER, 4, 8)),
        },
        cases=2_000_000,
    ),
}


@dataclass(frozen=True)
class DemoSummary:
    size: str
    seed: int
    villages: int
    accounts: int
    cases: int
    open_cases: int
    overdue_cases: int
    case_events: int
    seconds: float
    db_bytes: int | None
    timings: tuple[tuple[str, float], ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["timings"] = dict(self.timings)
        return data


# --- the seeder ---------------------------------------------------------------------------


def seed_demo(
    db: Database,
    size: Size = "small",
    *,
    reset: bool = False,
    progress: Progress | None = None,
    seed: int = DEFAULT_SEED,
    now: datetime | None = None,
    actor: Actor | None = None,
) -> DemoSummary:
    """Fill the database with the demo province; refuses a non-empty one unless ``reset``.

    The database is initialised first if need be (as ``jzctl init``); the reset and the
    seeding are recorded in the audit trail as ``actor`` (default: the system).
    """
    if size not in PROFILES:
        raise InvalidInput("err.demo_size", size=size, sizes=", ".join(SIZES))
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    profile = PROFILES[size]
    report = progress or (lambda _stage, _done, _total: None)
    started = time.perf_counter()
    timings: list[tuple[str, float]] = []

    def lap(stage: str, since: float) -> float:
        t = time.perf_counter()
        timings.append((stage, round(t - since, 3)))
        return t

    actor = actor or Actor(login=SYSTEM_LOGIN)
    initialise(db, actor)  # schema, reference data and divisions, as ``jzctl init`` (audited)
    with db.uow() as uow:
        conn = uow.session.connection()
        if _has_rows(conn):
            if not reset:
                raise Conflict("err.demo_not_empty")
            report("reset", 0, 1)
            deleted = _wipe(conn)
            record(uow.session, actor, "demo.reset", target_kind="database", details=deleted)
            report("reset", 1, 1)
        uow.commit()
    mark = lap("prepare", started)

    rng = random.Random(seed)
    writer = _writer_for(db)
    tree = _load_tree(db)
    try:
        villages = _make_villages(rng, tree, profile, report)
        writer.write(REGIONS_T, ("code", "name", "level", "parent_code"), villages, report)
        tree.add_villages(v[0] for v in villages)
        mark = lap("villages", mark)

        staff = _make_accounts(rng, tree, profile, now, _next_id(db, ACCOUNTS_T))
        writer.write(ACCOUNTS_T, ACCOUNT_COLUMNS, staff.rows, report, stage="accounts")
        mark = lap("accounts", mark)

        figures = _write_cases(
            rng, tree, staff, profile.cases, now, writer, report, _next_id(db, CASES_T)
        )
        mark = lap("cases", mark)
    except IntegrityError as exc:
        # Another seeder (or another console) wrote the same rows since the check above.
        raise Conflict("err.demo_not_empty") from exc

    writer.finish(report)
    mark = lap("finish", mark)
    with db.uow() as uow:
        # Each person's post names a role template: give them that role where they work, so
        # the demo admin and everyone else can try what their role allows.
        grants = seed_grants_from_posts(uow.session)
        record(uow.session, actor, "demo.seed", target_kind="database", target_id=size,
               details={"seed": seed, "villages": len(villages), "accounts": len(staff.rows),
                        "grants": grants, "cases": figures.cases,
                        "case_events": figures.events})  # fmt: skip
        uow.commit()
    lap("grants", mark)
    return DemoSummary(
        size=size,
        seed=seed,
        villages=len(villages),
        accounts=len(staff.rows),
        cases=figures.cases,
        open_cases=figures.open,
        overdue_cases=figures.overdue,
        case_events=figures.events,
        seconds=round(time.perf_counter() - started, 3),
        db_bytes=writer.db_bytes(),
        timings=tuple(timings),
    )


def _has_rows(conn: Connection) -> bool:
    for table in (ACCOUNTS_T, CASES_T):
        if conn.execute(select(table.c.id).limit(1)).first() is not None:
            return True
    return False


def _wipe(conn: Connection) -> dict[str, int]:
    """Delete what the demo creates: cases and their events, accounts, villages."""
    deleted = {
        name: int(conn.execute(select(func.count()).select_from(table)).scalar_one())
        for name, table in (("cases", CASES_T), ("accounts", ACCOUNTS_T))
    }
    if conn.dialect.name == "postgresql":
        # Row-by-row deletes leave dead tuples that every foreign-key check on the deleted
        # accounts then scans; TRUNCATE does not. It fails when another table refers to the
        # cases, and then the deletes below do the work.
        try:
            with conn.begin_nested():
                conn.execute(text("TRUNCATE case_events, cases"))
        except DBAPIError:
            pass
    conn.execute(delete(CaseEvent))
    conn.execute(delete(Case))
    # Everything that hangs on an account goes with it: sessions, credentials, and the role
    # grants (g rules name accounts by id, and new accounts reuse the ids: a grant left
    # behind would hand an old role to a new person).
    conn.execute(delete(SigninSession))
    conn.execute(delete(Credential))
    grants = conn.execute(
        delete(PolicyRuleRow).where(PolicyRuleRow.ptype == "g", PolicyRuleRow.v0.startswith("a:"))
    ).rowcount
    if grants:
        conn.execute(
            update(PolicyVersion)
            .where(PolicyVersion.id == 1)
            .values(version=PolicyVersion.version + 1)
        )
    deleted["grants"] = int(grants or 0)
    conn.execute(delete(Account))
    deleted["villages"] = conn.execute(delete(Region).where(Region.level == 5)).rowcount
    return deleted


def _next_id(db: Database, table: Table) -> int:
    with db.engine.connect() as conn:
        top = conn.execute(select(func.max(table.c.id))).scalar_one_or_none()
    return int(top or 0) + 1


# --- the region tree ----------------------------------------------------------------------


@dataclass
class _Tree:
    prefectures: list[str]
    counties: list[str]
    townships: list[tuple[str, str]]  # (code, name)
    villages: list[str] = field(default_factory=list)
    existing_villages: dict[str, list[str]] = field(default_factory=dict)  # township → codes
    counties_under: dict[str, list[str]] = field(default_factory=dict)  # prefecture → counties

    def add_villages(self, codes: Iterable[str]) -> None:
        self.villages.extend(codes)
        self.villages.sort()

    def county_for(self, rng: random.Random, code: str, level: int) -> str:
        """A real county code (6 digits) of the region, or under it."""
        if level >= 3:
            return code[:6]
        if level == 2:
            return rng.choice(self.counties_under[code[:4]])[:6]
        return rng.choice(self.counties)[:6]


def _load_tree(db: Database) -> _Tree:
    with db.engine.connect() as conn:
        rows = conn.execute(
            select(Region.code, Region.name, Region.level, Region.parent_code).order_by(Region.code)
        ).all()
    tree = _Tree(prefectures=[], counties=[], townships=[])
    for code, name, level, parent in rows:
        if level == 2:
            tree.prefectures.append(code)
        elif level == 3:
            tree.counties.append(code)
            tree.counties_under.setdefault(code[:4], []).append(code)
        elif level == 4:
            tree.townships.append((code, name))
        elif level == 5 and parent is not None:
            tree.villages.append(code)
            tree.existing_villages.setdefault(parent, []).append(code)
    return tree


def _village_name(rng: random.Random, community: bool, taken: set[str]) -> str:
    """A generated name, unique within its township (a third syllable after collisions)."""
    tail = COMMUNITY_TAIL if community else VILLAGE_TAIL
    kind = "社区" if community else "村"
    base = rng.choice(VILLAGE_HEAD) + rng.choice(tail)
    if not community and rng.random() < 0.25:
        base = rng.choice(VILLAGE_HEAD) + base
    while base + kind in taken:
        base += rng.choice(VILLAGE_HEAD)
    taken.add(base + kind)
    return base + kind


def _make_villages(
    rng: random.Random, tree: _Tree, profile: Profile, report: Progress
) -> list[tuple[str, str, int, str]]:
    """Villages (12-digit codes, township prefix + 001..999) under townships that have none.

    Communities (社区) take 001-199 as in the statistical codes, villages (村) 201 onwards.
    """
    lo, hi = profile.villages_per_township
    out: list[tuple[str, str, int, str]] = []
    total = len(tree.townships)
    for i, (township, name) in enumerate(tree.townships):
        if township in tree.existing_villages:
            continue
        n = rng.randint(lo, hi)
        urban = name.endswith("街道")
        communities = sum(1 for _ in range(n) if rng.random() < (0.85 if urban else 0.1))
        taken: set[str] = set()
        for k in range(communities):
            out.append((f"{township[:9]}{k + 1:03d}", _village_name(rng, True, taken), 5, township))
        for k in range(n - communities):
            out.append(
                (f"{township[:9]}{k + 201:03d}", _village_name(rng, False, taken), 5, township)
            )
        if i % 200 == 0:
            report("villages", i, total)
    report("villages", total, total)
    return out


# --- accounts -----------------------------------------------------------------------------

ACCOUNT_COLUMNS = (
    "id",
    "login_name",
    "full_name",
    "region_code",
    "department_code",
    "post",
    "id_masked",
    "status",
    "created_at",
)


@dataclass
class _Staff:
    rows: list[tuple[Any, ...]]
    # Active caseworkers by (department, county or township code): the case assignees.
    caseworkers: dict[tuple[str, str], list[int]]


def _full_name(rng: random.Random) -> str:
    given = rng.choice(GIVEN)
    if rng.random() < 0.7:
        given += rng.choice(GIVEN)
    return rng.choice(SURNAMES) + given


def _make_accounts(
    rng: random.Random, tree: _Tree, profile: Profile, now: datetime, first_id: int
) -> _Staff:
    now_ts = int(now.timestamp())
    today = now.date()
    rows: list[tuple[Any, ...]] = []
    caseworkers: dict[tuple[str, str], list[int]] = {}
    next_id = first_id

    def person(region: str, level: int, dept: str, post: str, login: str, name: str) -> None:
        nonlocal next_id
        age_days = rng.randint(22 * 365 + 6, 60 * 365)
        born = today - timedelta(days=age_days)
        county = tree.county_for(rng, region, level)
        masked = idnumber.mask(idnumber.generate(rng, county, born))
        r = rng.random()
        status = "locked" if r < 0.015 else "disabled" if r < 0.03 else "active"
        if login == DEMO_ADMIN_LOGIN:
            status = "active"
        created = now_ts - rng.randint(30 * DAY, 3 * 365 * DAY)
        rows.append((next_id, login, name, region, dept, post, masked, status, created))
        if post == POST_CASEWORKER and status == "active" and level in (3, 4):
            caseworkers.setdefault((dept, region), []).append(next_id)
        next_id += 1

    province = "530000000000"
    person(province, 1, COORDINATOR, POST_COORD_ADMIN, DEMO_ADMIN_LOGIN, DEMO_ADMIN_NAME)

    units: list[tuple[str, int]] = [(province, 1)]
    units += [(c, 2) for c in tree.prefectures]
    units += [(c, 3) for c in tree.counties]
    units += [(c, 4) for c, _ in tree.townships if rng.random() < profile.township_share]
    units += [(c, 5) for c in tree.villages if rng.random() < profile.village_share]
    depts = [d.code for d in DEPARTMENTS]
    for region, level in units:
        prefix = region[: (2, 4, 6, 9, 12)[level - 1]]
        for dept in depts:
            rules = profile.staff.get((level, dept == COORDINATOR), ())
            seq = 0
            for rule in rules:
                for _ in range(rng.randint(rule.low, rule.high)):
                    seq += 1
                    login = f"u{prefix}-{dept}-{seq:02d}"
                    person(region, level, dept, rule.post, login, _full_name(rng))
    return _Staff(rows, caseworkers)


# --- cases --------------------------------------------------------------------------------


@dataclass
class _Figures:
    cases: int = 0
    open: int = 0
    overdue: int = 0
    events: int = 0


CASE_COLUMNS = (
    "id",
    "case_no",
    "region_code",
    "department_code",
    "item_code",
    "channel",
    "status",
    "step",
    "step_level",
    "assignee_id",
    "step_deadline",
    "created_at",
    "closed_at",
)
EVENT_COLUMNS = ("id", "case_id", "at", "action", "step", "step_level", "actor_id", "note")
YEAR = 365 * DAY
CHINA_OFFSET = 8 * 3600  # case numbers carry the local (UTC+8) date


def _write_cases(
    rng: random.Random,
    tree: _Tree,
    staff: _Staff,
    n: int,
    now: datetime,
    writer: _Writer,
    report: Progress,
    first_id: int,
) -> _Figures:
    figures = _Figures()
    if n == 0 or not tree.villages:
        return figures
    now_ts = int(now.timestamp())
    # Seconds before "now", oldest first, a little busier lately.
    ages = sorted((int(YEAR * rng.random() ** 1.25) + 60 for _ in range(n)), reverse=True)
    item_codes = [it.code for it in ITEMS]
    item_dept = {it.code: it.department for it in ITEMS}
    cum_items = list(_cumulative(ITEM_WEIGHTS[c] for c in item_codes))
    channels = [c for c, _ in CHANNELS]
    cum_channels = list(_cumulative(w for _, w in CHANNELS))
    villages = tree.villages
    workers = staff.caseworkers
    per_day: dict[int, int] = {}
    event_id = _next_id(writer.db, EVENTS_T)
    case_id = first_id
    done = 0
    report("cases", 0, n)
    for start in range(0, n, BATCH):
        chunk = ages[start : start + BATCH]
        k = len(chunk)
        items = rng.choices(item_codes, cum_weights=cum_items, k=k)
        chans = rng.choices(channels, cum_weights=cum_channels, k=k)
        places = rng.choices(villages, k=k)
        cases: list[tuple[Any, ...]] = []
        events: list[tuple[Any, ...]] = []
        for age, item, chan, village in zip(chunk, items, chans, places, strict=True):
            created = now_ts - age
            day = (created + CHINA_OFFSET) // DAY
            seq = per_day.get(day, 0) + 1
            per_day[day] = seq
            case_no = f"YN{_ymd(day)}{seq:06d}"
            dept = item_dept[item]
            township, county = village[:9] + "000", village[:6] + "000000"
            r = rng.random()
            if age <= 30 * DAY:
                is_open = r < 0.8
            elif age <= 120 * DAY:
                is_open = r < 0.2
            else:
                is_open = r < 0.08
            if is_open:
                idx = rng.randrange(len(STEPS))
                step = STEPS[idx]
                if rng.random() < 0.3:  # stuck past the step's time limit
                    in_step = int(step.limit_s * rng.uniform(1.05, 4.0))
                else:
                    in_step = int(step.limit_s * rng.uniform(0.0, 0.95))
                step_start = max(created, now_ts - in_step)
                if step_start == created:
                    idx, step = 0, STEPS[0]
                deadline = step_start + step.limit_s
                assignee = _pick(rng, workers, dept, township, county, step.level)
                cases.append(
                    (
                        case_id,
                        case_no,
                        village,
                        dept,
                        item,
                        chan,
                        STATUS_OPEN,
                        step.code,
                        step.level,
                        assignee,
                        deadline,
                        created,
                        None,
                    )
                )
                figures.open += 1
                if deadline < now_ts:
                    figures.overdue += 1
                events.append((event_id, case_id, created, "created", "accept", 3, None, ""))
                event_id += 1
                if idx > 0:
                    events.append(
                        (
                            event_id,
                            case_id,
                            step_start,
                            "advanced",
                            step.code,
                            step.level,
                            assignee,
                            "",
                        )
                    )
                    event_id += 1
            else:
                span = min(int(DAY * rng.lognormvariate(1.6, 0.7)), age - 60)
                closed = created + max(3600, span)
                closed = min(closed, now_ts - 30)
                assignee = _pick(rng, workers, dept, township, county, 3)
                cases.append(
                    (
                        case_id,
                        case_no,
                        village,
                        dept,
                        item,
                        chan,
                        STATUS_CLOSED,
                        CLOSED_STEP.code,
                        CLOSED_STEP.level,
                        assignee,
                        None,
                        created,
                        closed,
                    )
                )
                events.append((event_id, case_id, created, "created", "accept", 3, None, ""))
                event_id += 1
                if rng.random() < 0.3:
                    mid = created + (closed - created) // 2
                    events.append((event_id, case_id, mid, "advanced", "approve", 3, assignee, ""))
                    event_id += 1
                events.append(
                    (event_id, case_id, closed, "closed", CLOSED_STEP.code, 3, assignee, "")
                )
                event_id += 1
            case_id += 1
        writer.write_cases(cases, events)
        done += k
        figures.cases += k
        figures.events += len(events)
        report("cases", done, n)
    return figures


def _pick(
    rng: random.Random,
    workers: dict[tuple[str, str], list[int]],
    dept: str,
    township: str,
    county: str,
    level: int,
) -> int | None:
    order = (township, county) if level >= 4 else (county, township)
    for region in order:
        ids = workers.get((dept, region))
        if ids:
            return ids[int(rng.random() * len(ids))]
    return None


def _cumulative(weights: Iterable[float]) -> Iterator[float]:
    total = 0.0
    for w in weights:
        total += w
        yield total


_DAYS: dict[int, str] = {}


def _ymd(day: int) -> str:
    s = _DAYS.get(day)
    if s is None:
        s = (date(1970, 1, 1) + timedelta(days=day)).strftime("%Y%m%d")
        _DAYS[day] = s
    return s


# --- writing ------------------------------------------------------------------------------

TIME_COLUMNS = {
    "accounts": ("created_at",),
    "cases": ("step_deadline", "created_at", "closed_at"),
    "case_events": ("at",),
}


class _Writer:
    """Core bulk inserts, one transaction per batch; times arrive as epoch seconds (UTC).

    This base class finishes for PostgreSQL: sequences past the explicit ids, ANALYZE.
    """

    def __init__(self, db: Database) -> None:
        self.db = db

    def write(
        self,
        table: Table,
        columns: Sequence[str],
        rows: Sequence[tuple[Any, ...]],
        report: Progress,
        stage: str | None = None,
    ) -> None:
        for start in range(0, len(rows), BATCH):
            with self.db.engine.begin() as conn:
                self._insert(conn, table, columns, rows[start : start + BATCH])
            if stage:
                report(stage, min(start + BATCH, len(rows)), len(rows))

    def write_cases(self, cases: list[tuple[Any, ...]], events: list[tuple[Any, ...]]) -> None:
        with self.db.engine.begin() as conn:
            self._insert(conn, CASES_T, CASE_COLUMNS, cases)
            self._insert(conn, EVENTS_T, EVENT_COLUMNS, events)

    def _insert(
        self,
        conn: Connection,
        table: Table,
        columns: Sequence[str],
        rows: Sequence[tuple[Any, ...]],
    ) -> None:
        if not rows:
            return
        times = [columns.index(c) for c in TIME_COLUMNS.get(table.name, ())]
        dicts = []
        for row in rows:
            d = dict(zip(columns, row, strict=True))
            for i in times:
                v = row[i]
                d[columns[i]] = None if v is None else datetime.fromtimestamp(v, UTC)
            dicts.append(d)
        conn.execute(insert(table), dicts)

    def finish(self, report: Progress) -> None:
        report("finish", 0, 1)
        with self.db.engine.begin() as conn:
            for table in ("accounts", "cases", "case_events"):
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
                    )
                )
        with self.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE regions, accounts, cases, case_events"))
        report("finish", 1, 1)

    def db_bytes(self) -> int | None:
        return None


class _SqliteWriter(_Writer):
    """SQLite: a sampled ANALYZE, and the WAL folded back into the file before it is measured.

    Measured at province size on the 2-core reference machine, the Core inserts take 123 s;
    the DB-API cursor with hand-formatted values took 69-82 s. Core stays: it is well inside
    the 600 s budget and keeps one code path whose values the column types format.
    """

    def finish(self, report: Progress) -> None:
        report("finish", 0, 1)
        with self.db.engine.connect() as conn:
            raw = conn.connection.dbapi_connection
            assert raw is not None
            # A bounded ANALYZE (sampling) gives the planner its statistics in seconds.
            raw.execute("PRAGMA analysis_limit=2000")
            raw.execute("ANALYZE")
            raw.execute("PRAGMA analysis_limit=0")
            raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        report("finish", 1, 1)

    def db_bytes(self) -> int | None:
        name = self.db.engine.url.database
        if not name or name == ":memory:":
            return None
        path = Path(name).expanduser()
        total = 0
        for suffix in ("", "-wal"):
            p = path.with_name(path.name + suffix)
            if p.exists():
                total += p.stat().st_size
        return total


def _writer_for(db: Database) -> _Writer:
    return _SqliteWriter(db) if db.backend == "sqlite" else _Writer(db)
