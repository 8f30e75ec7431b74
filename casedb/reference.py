"""Reference data every database carries: the departments and the fifteen service items.

Source: DOMAIN.md (seed 003). The coordinator (乡村振兴 leading-group office) is the eighth
"department" in the console.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, insert, select, update

from casedb.models import Department, ServiceItem


@dataclass(frozen=True)
class Dept:
    code: str
    name_zh: str
    name_en: str


@dataclass(frozen=True)
class Item:
    code: str
    department: str
    name_zh: str
    name_en: str


COORDINATOR = "coord"

DEPARTMENTS: tuple[Dept, ...] = (
    Dept("civil", "民政", "Civil Affairs"),
    Dept("hrss", "人社", "Human Resources and Social Security"),
    Dept("housing", "住建", "Housing and Urban-Rural Development"),
    Dept("water", "水利", "Water Resources"),
    Dept("education", "教育", "Education"),
    Dept("health", "卫健", "Health"),
    Dept("medins", "医保", "Medical Insurance"),
    Dept(COORDINATOR, "乡村振兴", "Rural Revitalisation (coordinator)"),
)

ITEMS: tuple[Item, ...] = (
    Item("temp_assist", "civil", "临时救助", "Temporary assistance"),
    Item("extreme_poverty", "civil", "特困供养", "Extreme-poverty support"),
    Item("dibao", "civil", "低保", "Minimum living allowance"),
    Item("find_job", "hrss", "找工作", "Find a job"),
    Item("find_training", "hrss", "找培训", "Find training"),
    Item("house_renovation", "housing", "农村危房改造", "Rural dilapidated-house renovation"),
    Item("drinking_water", "water", "农村饮水安全", "Rural drinking-water safety"),
    Item("dropout", "education", "控辍保学", "Preventing school dropout"),
    Item("clinic_lookup", "health", "医疗机构查询", "Find a clinic"),
    Item("chronic_care", "health", "慢病健康管理", "Chronic-disease management"),
    Item("serious_treatment", "health", "大病专项救治", "Serious-illness treatment"),
    Item("appointment", "health", "看病预约", "Medical appointments"),
    Item("enrolment", "medins", "参保登记", "Insurance enrolment"),
    Item("out_of_area", "medins", "异地就医未报销", "Out-of-area reimbursement"),
    Item("serious_aid", "medins", "大病救助", "Serious-illness assistance"),
)

DEPARTMENT_CODES = frozenset(d.code for d in DEPARTMENTS)


def sync_reference(conn: Connection) -> int:
    """Insert or rename departments and service items; returns the rows written."""
    written = 0
    have_depts = {r.code: r for r in conn.execute(select(Department.__table__))}
    for sort, d in enumerate(DEPARTMENTS):
        row = {"code": d.code, "name_zh": d.name_zh, "name_en": d.name_en, "sort": sort}
        old = have_depts.get(d.code)
        if old is None:
            conn.execute(insert(Department), row)
            written += 1
        elif (old.name_zh, old.name_en, old.sort) != (d.name_zh, d.name_en, sort):
            conn.execute(update(Department).where(Department.code == d.code).values(**row))
            written += 1
    have_items = {r.code: r for r in conn.execute(select(ServiceItem.__table__))}
    for sort, it in enumerate(ITEMS):
        row = {
            "code": it.code,
            "department_code": it.department,
            "name_zh": it.name_zh,
            "name_en": it.name_en,
            "sort": sort,
        }
        old_item = have_items.get(it.code)
        if old_item is None:
            conn.execute(insert(ServiceItem), row)
            written += 1
        elif (old_item.department_code, old_item.name_zh, old_item.name_en, old_item.sort) != (
            it.department,
            it.name_zh,
            it.name_en,
            sort,
        ):
            conn.execute(update(ServiceItem).where(ServiceItem.code == it.code).values(**row))
            written += 1
    return written
