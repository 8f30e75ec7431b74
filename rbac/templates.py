"""Role templates per (level, department, post), the actions they carry, and who grants what.

A grant is ``(role, region, department)``: the role held in a domain, a region's subtree and
one department or all of them (``*``). A role's *grade* in a grant is ``(level, rank)``:
the level of the grant's region (province 1 … village 5), then the role's rank within a
level (0 for the three separated provincial roles, 1 for the coordinator admin, …). Smaller
is higher; nobody grants a role at or above their own grade (DOMAIN.md art. 4 and 6).
"""

from __future__ import annotations

from dataclasses import dataclass

from casedb.reference import COORDINATOR, DEPARTMENT_CODES
from casedb.regions import Level

ALL_DEPARTMENTS = "*"
BUSINESS_DEPARTMENTS = frozenset(DEPARTMENT_CODES - {COORDINATOR})
STAFF_DEPARTMENTS = frozenset(DEPARTMENT_CODES)

# --- actions ------------------------------------------------------------------------------
ACCOUNT_CREATE = "account.create"
ACCOUNT_UPDATE = "account.update"
ACCOUNT_STATUS = "account.status"
ACCOUNT_REVEAL = "account.reveal"
ROLE_GRANT = "role.grant"
ROLE_REVOKE = "role.revoke"
CASE_READ = "case.read"
CASE_HANDLE = "case.handle"
CASE_REASSIGN = "case.reassign"
CASE_SUPERVISE = "case.supervise"
APPROVAL_REVIEW = "approval.review"
APPROVAL_EXECUTE = "approval.execute"
AUDIT_READ = "audit.read"
POLICY_READ = "policy.read"
POLICY_EDIT = "policy.edit"
SYSTEM_CONFIG = "system.config"

ACTIONS: tuple[str, ...] = (
    ACCOUNT_CREATE,
    ACCOUNT_UPDATE,
    ACCOUNT_STATUS,
    ACCOUNT_REVEAL,
    ROLE_GRANT,
    ROLE_REVOKE,
    CASE_READ,
    CASE_HANDLE,
    CASE_REASSIGN,
    CASE_SUPERVISE,
    APPROVAL_REVIEW,
    APPROVAL_EXECUTE,
    AUDIT_READ,
    POLICY_READ,
    POLICY_EDIT,
    SYSTEM_CONFIG,
)
# Business data: what none of the three separated roles may touch.
BUSINESS_ACTIONS = frozenset(
    {
        ACCOUNT_REVEAL,
        CASE_READ,
        CASE_HANDLE,
        CASE_REASSIGN,
        CASE_SUPERVISE,
        APPROVAL_REVIEW,
        APPROVAL_EXECUTE,
    }
)

# --- role codes ---------------------------------------------------------------------------
SYSTEM_ADMIN = "system_admin"
SECURITY_ADMIN = "security_admin"
AUDIT_ADMIN = "audit_admin"
COORD_ADMIN = "coord_admin"
DEPT_ADMIN = "dept_admin"
UNIT_HEAD = "unit_head"
LEADER = "leader"
TOWNSHIP_LEADER = "township_leader"
SUPERVISOR = "supervisor"
CASEWORKER = "caseworker"

SEPARATED_ROLES = frozenset({SYSTEM_ADMIN, SECURITY_ADMIN, AUDIT_ADMIN})


@dataclass(frozen=True)
class RoleTemplate:
    code: str
    post: str  # the Chinese post name accounts carry (accounts.demo)
    rank: int  # within a level: 0 highest
    levels: frozenset[Level]
    # Department values a grant of this role takes: "*" for the office-wide roles.
    departments: frozenset[str]
    actions: frozenset[str]

    @property
    def name_key(self) -> str:
        return f"rbac.role.{self.code}"

    @property
    def grade(self) -> int:
        """The highest level the role exists at (province 1 … village 5)."""
        return int(min(self.levels))

    @property
    def separated(self) -> bool:
        return self.code in SEPARATED_ROLES


_PROVINCE = frozenset({Level.PROVINCE})
_UP_TO_COUNTY = frozenset({Level.PROVINCE, Level.PREFECTURE, Level.COUNTY})
_WHOLE_OFFICE = frozenset({ALL_DEPARTMENTS})
_ADMIN_ACTIONS = frozenset(
    {ACCOUNT_CREATE, ACCOUNT_UPDATE, ACCOUNT_STATUS, ROLE_GRANT, ROLE_REVOKE}
)

TEMPLATES: dict[str, RoleTemplate] = {
    t.code: t
    for t in (
        RoleTemplate(
            SYSTEM_ADMIN,
            "系统管理员",
            0,
            _PROVINCE,
            _WHOLE_OFFICE,
            frozenset({ACCOUNT_CREATE, ACCOUNT_UPDATE, ACCOUNT_STATUS, SYSTEM_CONFIG}),
        ),
        RoleTemplate(
            SECURITY_ADMIN,
            "安全管理员",
            0,
            _PROVINCE,
            _WHOLE_OFFICE,
            frozenset({POLICY_READ, POLICY_EDIT, ROLE_GRANT, ROLE_REVOKE}),
        ),
        RoleTemplate(
            AUDIT_ADMIN, "审计管理员", 0, _PROVINCE, _WHOLE_OFFICE, frozenset({AUDIT_READ})
        ),
        RoleTemplate(
            COORD_ADMIN,
            "乡村振兴管理员",
            1,
            _UP_TO_COUNTY,
            _WHOLE_OFFICE,
            _ADMIN_ACTIONS | {CASE_READ, CASE_SUPERVISE, POLICY_READ},
        ),
        RoleTemplate(
            DEPT_ADMIN,
            "行业部门管理员",
            2,
            _UP_TO_COUNTY,
            BUSINESS_DEPARTMENTS,
            _ADMIN_ACTIONS | {ACCOUNT_REVEAL, APPROVAL_EXECUTE, CASE_READ},
        ),
        RoleTemplate(
            UNIT_HEAD,
            "单位负责人",
            3,
            _UP_TO_COUNTY,
            STAFF_DEPARTMENTS,
            frozenset({APPROVAL_REVIEW, CASE_READ, CASE_REASSIGN}),
        ),
        RoleTemplate(
            LEADER,
            "分管领导",
            3,
            _UP_TO_COUNTY,
            STAFF_DEPARTMENTS,
            frozenset({APPROVAL_REVIEW, CASE_READ, CASE_REASSIGN}),
        ),
        RoleTemplate(
            TOWNSHIP_LEADER,
            "乡镇领导",
            3,
            frozenset({Level.TOWNSHIP}),
            _WHOLE_OFFICE,
            frozenset({APPROVAL_REVIEW, CASE_READ, CASE_REASSIGN}),
        ),
        RoleTemplate(
            SUPERVISOR,
            "督办",
            4,
            _UP_TO_COUNTY,
            _WHOLE_OFFICE,
            frozenset({CASE_READ, CASE_SUPERVISE}),
        ),
        RoleTemplate(
            CASEWORKER,
            "经办人员",
            5,
            frozenset(Level),
            STAFF_DEPARTMENTS,
            frozenset({CASE_READ, CASE_HANDLE}),
        ),
    )
}
BY_POST: dict[str, RoleTemplate] = {t.post: t for t in TEMPLATES.values()}


def default_policy() -> list[tuple[str, str]]:
    """The shipped ``p`` rules: (role, action), sorted."""
    return sorted((t.code, a) for t in TEMPLATES.values() for a in t.actions)


# --- who grants what ----------------------------------------------------------------------
# Where the target grant's region lies relative to the granter's grant region.
SAME = "same"  # the granter's own region
CHILD = "child"  # one level down, inside the granter's subtree
SUBTREE = "subtree"  # the granter's region or anywhere under it


@dataclass(frozen=True)
class GrantRule:
    granter: str
    target: str
    where: str
    # Further restricts the target's department (on top of "covered by the granter's").
    departments: frozenset[str] | None = None


_COORD_ONLY = frozenset({COORDINATOR})

GRANT_RULES: tuple[GrantRule, ...] = (
    # The security admin approves the provincial coordinator admins (三员审核).
    GrantRule(SECURITY_ADMIN, COORD_ADMIN, SAME),
    # A coordinator grants the coordinator admins one level down (province → prefecture →
    # county), the seven department admins at its own level, township leaders under a county,
    # and its own office's staff.
    GrantRule(COORD_ADMIN, COORD_ADMIN, CHILD),
    GrantRule(COORD_ADMIN, DEPT_ADMIN, SAME),
    GrantRule(COORD_ADMIN, TOWNSHIP_LEADER, CHILD),
    GrantRule(COORD_ADMIN, SUPERVISOR, SAME),
    GrantRule(COORD_ADMIN, UNIT_HEAD, SAME, _COORD_ONLY),
    GrantRule(COORD_ADMIN, LEADER, SAME, _COORD_ONLY),
    GrantRule(COORD_ADMIN, CASEWORKER, SUBTREE, _COORD_ONLY),
    # A department admin grants its own department's staff roles inside its subtree.
    GrantRule(DEPT_ADMIN, UNIT_HEAD, SUBTREE),
    GrantRule(DEPT_ADMIN, LEADER, SUBTREE),
    GrantRule(DEPT_ADMIN, CASEWORKER, SUBTREE),
)
# Granted only when the platform is set up (jzctl init), never through a grant rule.
BOOTSTRAP_ROLES = SEPARATED_ROLES
