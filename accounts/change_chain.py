"""The personnel-change chain (DOMAIN.md, art. 6) as data.

Whose account changes decides who reviews and who then executes the change. Each row maps the
*target* unit's position (its level, and whether its department is a business department or
the coordinator office) to a (role, unit rule) pair for the reviewer and for the executor:

- township or village staff: township_leader at the township reviews; dept_admin (or
  coord_admin for the coordinator office) at the county executes;
- prefecture or county staff: unit_head at the target's own unit reviews; dept_admin /
  coord_admin of the same department one level up executes;
- provincial staff: leader (分管领导) at the province reviews; dept_admin / coord_admin at
  the province executes.

The department of the resolved reviewer and executor units is always the target's department
(a township leader or coordinator admin holds an office-wide grant, which covers it).
``resolve`` is the only place that reads this table; nothing else branches on levels.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from casedb.reference import COORDINATOR
from casedb.regions import Level, ancestors, level_of, parent_of
from rbac.templates import COORD_ADMIN, DEPT_ADMIN, LEADER, TOWNSHIP_LEADER, UNIT_HEAD

# Where a step's unit lies, relative to the target's region.
UnitRule = Literal["own", "township", "county", "parent", "province"]
# Which departments a row applies to: a business department or the coordinator office.
DeptKind = Literal["business", "coordinator"]


@dataclass(frozen=True)
class ChainRow:
    key: str
    levels: frozenset[Level]
    dept_kind: DeptKind
    reviewer_role: str
    reviewer_at: UnitRule
    executor_role: str
    executor_at: UnitRule


@dataclass(frozen=True)
class Route:
    """The resolved chain for one target unit."""

    row: str
    reviewer_role: str
    reviewer_region: str
    reviewer_department: str
    executor_role: str
    executor_region: str
    executor_department: str

    @property
    def reviewer_unit(self) -> str:
        return f"{self.reviewer_region}|{self.reviewer_department}"

    @property
    def executor_unit(self) -> str:
        return f"{self.executor_region}|{self.executor_department}"


_LOCAL = frozenset({Level.TOWNSHIP, Level.VILLAGE})
_MIDDLE = frozenset({Level.PREFECTURE, Level.COUNTY})
_TOP = frozenset({Level.PROVINCE})

CHAIN: tuple[ChainRow, ...] = (
    ChainRow("township", _LOCAL, "business", TOWNSHIP_LEADER, "township", DEPT_ADMIN, "county"),
    ChainRow("township", _LOCAL, "coordinator", TOWNSHIP_LEADER, "township", COORD_ADMIN, "county"),
    ChainRow("unit", _MIDDLE, "business", UNIT_HEAD, "own", DEPT_ADMIN, "parent"),
    ChainRow("unit", _MIDDLE, "coordinator", UNIT_HEAD, "own", COORD_ADMIN, "parent"),
    ChainRow("province", _TOP, "business", LEADER, "province", DEPT_ADMIN, "province"),
    ChainRow("province", _TOP, "coordinator", LEADER, "province", COORD_ADMIN, "province"),
)


def dept_kind(department: str) -> DeptKind:
    return "coordinator" if department == COORDINATOR else "business"


def row_for(region: str, department: str) -> ChainRow:
    """The chain row for a target unit; ValueError for a malformed region code."""
    level = level_of(region)
    kind = dept_kind(department)
    for row in CHAIN:
        if level in row.levels and row.dept_kind == kind:
            return row
    raise LookupError(f"no chain row for level {level} and {kind}")  # pragma: no cover


def unit_region(rule: UnitRule, region: str) -> str:
    """The region a unit rule names, relative to the target's region."""
    if rule == "own":
        return region
    if rule == "parent":
        parent = parent_of(region)
        if parent is None:
            raise ValueError("the province has no parent")
        return parent
    line = ancestors(region)
    index = {"province": Level.PROVINCE, "county": Level.COUNTY, "township": Level.TOWNSHIP}[rule]
    return line[int(index) - 1]


def resolve(target_region: str, target_department: str) -> Route:
    row = row_for(target_region, target_department)
    return Route(
        row=row.key,
        reviewer_role=row.reviewer_role,
        reviewer_region=unit_region(row.reviewer_at, target_region),
        reviewer_department=target_department,
        executor_role=row.executor_role,
        executor_region=unit_region(row.executor_at, target_region),
        executor_department=target_department,
    )


@dataclass(frozen=True)
class Escalation:
    """Who may also act on a step once it is overdue: the row's executing role one level
    above the step's unit (at the province, which has no level above, the leader in charge)."""

    role: str
    region: str
    department: str

    @property
    def unit(self) -> str:
        return f"{self.region}|{self.department}"


def escalation(route: Route, step: Literal["review", "execute"]) -> Escalation:
    region = route.reviewer_region if step == "review" else route.executor_region
    parent = parent_of(region)
    if parent is None:
        return Escalation(LEADER, region, route.executor_department)
    return Escalation(route.executor_role, parent, route.executor_department)


def table() -> list[dict[str, str]]:
    """The chain as rows for display (``change show``): one dict per row, plain strings."""
    return [
        {
            "row": row.key,
            "levels": ",".join(lv.name.lower() for lv in sorted(row.levels)),
            "departments": row.dept_kind,
            "reviewer_role": row.reviewer_role,
            "reviewer_at": row.reviewer_at,
            "executor_role": row.executor_role,
            "executor_at": row.executor_at,
        }
        for row in CHAIN
    ]
