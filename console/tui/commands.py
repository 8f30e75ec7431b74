"""Every action of the console by name: the command palette (Ctrl+P, titles such as
``账号：新建``), the ``:`` command line (``:account 五华区 民政``) and the help screen read the
same table.

A command names the area it happens in, an action of that area's screen (with arguments) or a
filter for its list, the rbac action it needs and whether it changes anything. The palette
lists only what the signed-in admin may do: the rbac action held somewhere in their grants,
and nothing that changes data in read-only mode. The screens still decide each action against
the row at hand, and the services authorise and audit every change themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from console.i18n import t
from rbac.store import Grant
from rbac.templates import (
    ACCOUNT_CREATE,
    ACCOUNT_UPDATE,
    AUDIT_READ,
    CASE_READ,
    POLICY_EDIT,
    SYSTEM_CONFIG,
    TEMPLATES,
)


@dataclass(frozen=True)
class Command:
    key: str  # catalogue key of its title: tui.cmd.<key>
    area: str = ""  # the area (mode) it happens in; "" for the app itself
    action: str = ""  # an action of that screen (or of the app when area is "")
    filter: str = ""  # or a filter for that screen's list
    requires: str = ""  # an rbac action the admin must hold somewhere ("a|b": either)
    writes: bool = False

    @property
    def title(self) -> str:
        return t(f"tui.cmd.{self.key}")


# Who reads the incident register and the drills (audit_log.incidents.READ_ACTIONS).
OPS_READ = f"{POLICY_EDIT}|{SYSTEM_CONFIG}|{AUDIT_READ}"
# Who edits the plans and schedules drills (ops.plans, ops.drills).
OPS_WRITE = f"{POLICY_EDIT}|{SYSTEM_CONFIG}"
# Who reads the policy, others' grants and the coverage of the units: the admins
# (rbac.queries.is_admin; the screens and services decide exactly).
ADMIN = f"{ACCOUNT_CREATE}|{ACCOUNT_UPDATE}|{POLICY_EDIT}|{SYSTEM_CONFIG}|{AUDIT_READ}"

COMMANDS: tuple[Command, ...] = (
    Command("dashboard", "dashboard"),
    Command("dashboard_refresh", "dashboard", "refresh"),
    Command("org", "org"),
    Command("org_coverage", "org", filter="coverage:53", requires=ADMIN),
    Command("audit", "audit", requires=AUDIT_READ),
    Command("audit_verify", "audit", "verify", requires=AUDIT_READ),
    Command("audit_denied", "audit", filter="outcome:denied", requires=AUDIT_READ),
    Command("accounts", "accounts", requires=ACCOUNT_UPDATE),
    Command("account_create", "accounts", "create", requires=ACCOUNT_CREATE, writes=True),
    Command("accounts_locked", "accounts", filter="status:locked", requires=ACCOUNT_UPDATE),
    Command("accounts_pending", "accounts", filter="status:pending", requires=ACCOUNT_UPDATE),
    Command("changes_to_review", "changes", filter="to_review"),
    Command("changes_to_execute", "changes", filter="to_execute"),
    Command("changes_mine", "changes", filter="mine"),
    Command("changes_overdue", "changes", filter="overdue"),
    Command("changes_filter", "changes", "filter"),
    Command("cases_overdue", "cases", filter="overdue", requires=CASE_READ),
    Command("cases_due_soon", "cases", filter="due_soon", requires=CASE_READ),
    Command("cases_ten_days", "cases", filter="ten_days", requires=CASE_READ),
    Command("cases_notices", "cases", filter="notices", requires=CASE_READ),
    Command("cases_stats", "cases", filter="stats", requires=CASE_READ),
    Command("account_offboard", "accounts", "offboard", requires=ACCOUNT_UPDATE, writes=True),
    Command("backups", "backups", requires=SYSTEM_CONFIG),
    Command("backup_create", "backups", "create", requires=SYSTEM_CONFIG, writes=True),
    Command("backups_filter", "backups", "filter", requires=SYSTEM_CONFIG),
    Command("incidents", "incidents", filter="incidents", requires=OPS_READ),
    Command("incidents_overdue", "incidents", filter="overdue", requires=OPS_READ),
    Command("drills", "incidents", filter="drills", requires=OPS_READ),
    Command("plans", "incidents", filter="plans", requires=OPS_READ),
    Command("drill_schedule", "incidents", "schedule_drill", "drills", OPS_WRITE, writes=True),
    Command("rules_roles", "rules", filter="roles", requires=ADMIN),
    Command("rules_check", "rules", filter="check", requires=ADMIN),
    Command("rules_lint", "rules", filter="lint", requires=ADMIN),
    Command("rules_grants", "rules", filter="grants"),
    Command("rules_calendar", "rules", filter="calendar"),
    Command("rules_set_day", "rules", filter="set_day", requires=SYSTEM_CONFIG, writes=True),
    Command("theme_contrast", "", "theme('jz-contrast')"),
    Command("theme_default", "", "theme('textual-dark')"),
    Command("lock", "", "lock_now"),
    Command("help", "", "help"),
    Command("quit", "", "quit"),
)


def holds_somewhere(grants: Sequence[Grant], action: str) -> bool:
    """Whether a grant carries the action (or one of ``a|b`` alternatives) anywhere."""
    wanted = set(action.split("|"))
    return any(g.role in TEMPLATES and wanted & set(TEMPLATES[g.role].actions) for g in grants)


def available(
    commands: Iterable[Command],
    grants: Sequence[Grant],
    *,
    areas: Iterable[str],
    readonly: bool,
    signed_in: bool,
) -> list[Command]:
    """What this admin may do from here."""
    here = set(areas)
    out = []
    for c in commands:
        if c.area and c.area not in here:
            continue
        if c.writes and readonly:
            continue
        if c.requires and not holds_somewhere(grants, c.requires):
            continue
        if c.key == "lock" and not signed_in:
            continue
        out.append(c)
    return out


# --- the ":" command line -----------------------------------------------------------------

# Words for areas, in both languages; the rest of the line is that area's filter.
VERBS: dict[str, str] = {
    "account": "accounts",
    "accounts": "accounts",
    "账号": "accounts",
    "change": "changes",
    "changes": "changes",
    "变更": "changes",
    "org": "org",
    "区划": "org",
    "audit": "audit",
    "审计": "audit",
    "case": "cases",
    "cases": "cases",
    "工单": "cases",
    "backup": "backups",
    "backups": "backups",
    "备份": "backups",
    "incident": "incidents",
    "incidents": "incidents",
    "事件": "incidents",
    "plan": "incidents",
    "drill": "incidents",
    "dash": "dashboard",
    "dashboard": "dashboard",
    "概览": "dashboard",
    "review": "review",
    "复核": "review",
    "rules": "rules",
    "rule": "rules",
    "policy": "rules",
    "role": "rules",
    "calendar": "rules",
    "规则": "rules",
}


@dataclass(frozen=True)
class Parsed:
    area: str
    words: tuple[str, ...]


def parse_line(line: str) -> Parsed | None:
    """``account 五华区 民政`` → (accounts, (五华区, 民政)); None for an unknown verb."""
    words = line.strip().lstrip(":").split()
    if not words:
        return None
    area = VERBS.get(words[0].lower())
    if area is None:
        return None
    return Parsed(area, tuple(words[1:]))


def completions() -> list[str]:
    return sorted({f":{v}" for v in VERBS})
