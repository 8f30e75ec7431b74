"""The permission checker (权限检查): may this person do this action here, and why.

Pick an account (login name), an action and a domain (region code, department); a thread
worker loads that account's grants (``rbac.enforcer.Enforcer.for_account``) and posts back
rbac's ``explain``: the decision, its reason, and every grant with whether its role has the
action and whether its domain covers the request. Also here: ``rbac_authorize``, the
``authorize`` callable the account services get, built from the signed-in account's grants.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Input, Select, Static

from accounts.queries import find_login
from audit_log.actor import Actor
from casedb.errors import JzError, PermissionDenied
from casedb.reference import DEPARTMENTS
from casedb.regions import expand
from console.i18n import has, language, t, translated_params
from console.tui.widgets import localise_bindings
from rbac.enforcer import Enforcer
from rbac.explain import explain
from rbac.templates import ACTIONS, ALL_DEPARTMENTS

if TYPE_CHECKING:
    from collections.abc import Callable

    from casedb.engine import Database

DEBOUNCE_S = 0.25


def rbac_authorize(database: Database, account_id: int) -> Callable[[Actor, str, str, str], None]:
    """The services' ``authorize``: the signed-in account's grants, read fresh at each call
    (a grant revoked or an account locked in another console counts at once)."""

    def authorize(actor: Actor, action: str, region: str, department: str) -> None:
        with database.read() as session:
            enforcer = Enforcer.for_account(session, account_id)
        decision = enforcer.decide(account_id, action, region, department)
        if not decision.allowed:
            raise PermissionDenied(decision.reason)

    return authorize


def error_text(exc: BaseException) -> str:
    """One translated sentence for an error; the field named in its own words."""
    if isinstance(exc, JzError):
        params = translated_params(exc.params)
        field = params.get("field")
        if isinstance(field, str) and has(f"field.{field}"):
            params["field"] = t(f"field.{field}")
        return t(exc.key, **params)
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__


def department_name(code: str) -> str:
    if code == ALL_DEPARTMENTS:
        return t("tui.accounts.all_departments")
    for d in DEPARTMENTS:
        if d.code == code:
            return d.name_zh if language() == "zh" else d.name_en
    return code


def action_label(action: str) -> str:
    key = f"tui.accounts.action.{action}"
    return f"{t(key)} ({action})" if has(key) else action


@dataclass(frozen=True)
class TraceLine:
    grant: str  # the g line
    role: str
    has_action: bool
    covers: bool


@dataclass
class CheckResult(Message):
    generation: int
    allowed: bool | None  # None: could not decide (see ``error``)
    reason: str = ""
    lines: tuple[str, ...] = ()
    traces: tuple[TraceLine, ...] = ()
    error: str = ""


class PermissionChecker(ModalScreen[None]):
    """权限检查: an account, an action, a domain → allowed or denied, and why."""

    CSS_PATH = "accounts.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "tui.accounts.bind_close", id="perm.close"),
    ]

    def __init__(
        self, database: Database, *, login: str = "", region: str = "", department: str = ""
    ) -> None:
        super().__init__()
        localise_bindings(self)
        self.database = database
        self._login = login
        self._region = region
        self._department = department or ALL_DEPARTMENTS
        self._generation = 0
        self._timer: Timer | None = None
        self.result: CheckResult | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="perm-dialog") as dialog:
            dialog.border_title = t("tui.accounts.perm_title")
            with Horizontal(classes="form-row"):
                yield Static(Content(t("tui.accounts.perm_login")), classes="form-label")
                yield Input(self._login, id="perm-login", compact=True)
            with Horizontal(classes="form-row"):
                yield Static(Content(t("tui.accounts.perm_action")), classes="form-label")
                yield Select(
                    [(action_label(a), a) for a in ACTIONS],
                    value=ACTIONS[0],
                    allow_blank=False,
                    id="perm-action",
                    compact=True,
                )
            with Horizontal(classes="form-row"):
                yield Static(Content(t("tui.accounts.perm_region")), classes="form-label")
                yield Input(self._region, id="perm-region", compact=True)
            with Horizontal(classes="form-row"):
                yield Static(Content(t("tui.accounts.perm_department")), classes="form-label")
                codes = [ALL_DEPARTMENTS, *(d.code for d in DEPARTMENTS)]
                yield Select(
                    [(department_name(c), c) for c in codes],
                    value=self._department if self._department in codes else ALL_DEPARTMENTS,
                    allow_blank=False,
                    id="perm-dept",
                    compact=True,
                )
            with VerticalScroll(id="perm-result-scroll"):
                yield Static(Content(t("tui.accounts.perm_hint")), id="perm-result")

    def on_mount(self) -> None:
        self.query_one("#perm-login", Input).focus()
        self.check_now()

    # --- asking ------------------------------------------------------------------------

    @on(Input.Changed)
    @on(Select.Changed)
    def _changed(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(DEBOUNCE_S, self.check_now)

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.check_now()

    def check_now(self) -> None:
        self._generation += 1
        login = self.query_one("#perm-login", Input).value.strip()
        action = self.query_one("#perm-action", Select).value
        raw_region = self.query_one("#perm-region", Input).value.strip()
        dept = self.query_one("#perm-dept", Select).value
        if not login:
            self._show(Content(t("tui.accounts.perm_hint")))
            return
        region = expand(raw_region) if raw_region else None
        if region is None:
            self._show(Content.styled(t("tui.accounts.perm_bad_region"), "$text-warning"))
            return
        self.run_check(self._generation, login, str(action), region, str(dept))

    @work(thread=True, exclusive=True, group="perm-check")
    def run_check(self, generation: int, login: str, action: str, region: str, dept: str) -> None:
        try:
            with self.database.read() as session:
                row = find_login(session, login)
                if row is None:
                    self.post_message(
                        CheckResult(
                            generation,
                            None,
                            error=t("tui.accounts.perm_no_account", login=login[:40]),
                        )
                    )
                    return
                enforcer = Enforcer.for_account(session, row.id)
            exp = explain(enforcer, row.id, action, region, dept)
        except Exception as exc:  # the dialog says what went wrong and stays usable
            self.post_message(CheckResult(generation, None, error=error_text(exc)))
            return
        traces = tuple(
            TraceLine(tr.grant.line(), tr.grant.role, tr.policy is not None, tr.covers)
            for tr in exp.traces
        )
        self.post_message(
            CheckResult(
                generation, exp.decision.allowed, exp.decision.reason, tuple(exp.lines()), traces
            )
        )

    @on(CheckResult)
    def _result(self, message: CheckResult) -> None:
        if message.generation != self._generation:
            return
        self.result = message
        if message.allowed is None:
            self._show(Content.styled(message.error, "bold $text-error"))
            return
        # The reason says the verdict itself ("允许：…" / "拒绝：…").
        style = "bold $text-success" if message.allowed else "bold $text-error"
        parts: list[str | Content | tuple[str, str]] = [(t(message.reason), style)]
        if message.lines:
            parts.extend(["\n", (t("tui.accounts.perm_lines"), "dim")])
            for line in message.lines:
                parts.extend(["\n  ", line])
        parts.extend(["\n", (t("tui.accounts.perm_grants"), "dim")])
        if not message.traces:
            parts.extend(["\n  ", (t("tui.accounts.perm_no_grants"), "italic")])
        for tr in message.traces:
            mark = ("✓ ", "$text-success") if tr.has_action and tr.covers else ("· ", "dim")
            role_key = f"rbac.role.{tr.role}"
            role = t(role_key) if has(role_key) else tr.role
            notes = [
                t(
                    "tui.accounts.perm_has_action"
                    if tr.has_action
                    else "tui.accounts.perm_no_action"
                ),
                t("tui.accounts.perm_covers" if tr.covers else "tui.accounts.perm_not_covers"),
            ]
            parts.extend(
                [
                    "\n",
                    mark,
                    f"{role}  ",
                    (tr.grant, "dim"),
                    "\n    ",
                    "；".join(notes) if language() == "zh" else "; ".join(notes),
                ]
            )
        self._show(Content.assemble(*parts))

    def _show(self, content: Content) -> None:
        self.query_one("#perm-result", Static).update(content)

    def action_close(self) -> None:
        self.dismiss(None)
