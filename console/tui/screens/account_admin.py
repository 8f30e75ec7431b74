"""Dialogs of the Accounts area for what an administrator does to someone else's account:
grant a role (``jzctl role grant``), revoke one (``jzctl role revoke``), a new activation code
(``jzctl account reset``) and clearing the TOTP enrolment (``jzctl account mfa --reset``).

The dialogs only ask; the Accounts screen calls the services (which authorise and audit)
in its workers. Logins, names and codes are user data: rendered as ``Content``/``Text``,
never parsed as markup."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option

from accounts.queries import AccountRow
from console.i18n import language, t
from console.tui.screens.permission import department_name
from console.tui.widgets import localise_bindings
from rbac.store import Grant
from rbac.templates import TEMPLATES


def _whom(row: AccountRow) -> list[str | tuple[str, str]]:
    return [
        (row.login_name, "bold"),
        "（" if language() == "zh" else " (",
        row.full_name,
        "）" if language() == "zh" else ")",
    ]


def role_label(role: str) -> str:
    return f"{t(f'rbac.role.{role}')}  {role}"


def grant_label(grant: Grant) -> str:
    return f"{t(f'rbac.role.{grant.role}')}  {grant.region} · {department_name(grant.department)}"


class _Dialog(ModalScreen[object]):
    CSS_PATH = "accounts.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "tui.accounts.bind_cancel", id="confirm.cancel"),
    ]

    def __init__(self, row: AccountRow) -> None:
        super().__init__()
        localise_bindings(self)
        self.row = row

    def show_error(self, text: str) -> None:
        error = self.query_one("#confirm-error", Static)
        error.update(Content(text))
        error.display = True

    def on_mount(self) -> None:
        self.query_one("#confirm-error").display = False

    @on(Button.Pressed, "#confirm-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class GrantDialog(_Dialog):
    """授予角色: the role (a list) and the region (code or name; the account's by default).
    Dismissed with ``(role, region)`` or None."""

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog") as dialog:
            dialog.border_title = t("tui.accounts.grant_title")
            yield Static(
                Content.assemble(t("tui.accounts.grant_whom"), *_whom(self.row)),
                id="confirm-question",
            )
            yield Static(Content(t("tui.accounts.grant_role")), classes="form-label")
            yield OptionList(
                *(Option(Text(role_label(role)), id=role) for role in TEMPLATES),
                id="grant-role",
            )
            with Horizontal(classes="form-row"):
                yield Static(Content(t("tui.accounts.grant_region")), classes="form-label")
                yield Input(
                    value=self.row.region_code,
                    placeholder=t("tui.accounts.grant_region_hint"),
                    id="grant-region",
                    compact=True,
                )
            yield Static("", id="confirm-error", classes="field-error")
            with Horizontal(id="confirm-buttons"):
                yield Button(t("tui.accounts.bind_grant"), variant="primary", id="confirm-ok")
                yield Button(t("tui.accounts.cancel"), id="confirm-cancel")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#grant-role", OptionList).focus()

    @on(OptionList.OptionSelected, "#grant-role")
    def _role_chosen(self) -> None:
        self.query_one("#grant-region", Input).focus()

    @on(Input.Submitted, "#grant-region")
    @on(Button.Pressed, "#confirm-ok")
    def _ok(self) -> None:
        roles = self.query_one("#grant-role", OptionList)
        index = roles.highlighted
        region = self.query_one("#grant-region", Input).value.strip()
        if index is None:
            self.show_error(t("tui.accounts.grant_pick_role"))
            roles.focus()
            return
        if not region:
            self.show_error(t("tui.accounts.grant_pick_region"))
            self.query_one("#grant-region", Input).focus()
            return
        self.dismiss((roles.get_option_at_index(index).id, region))


class RevokeDialog(_Dialog):
    """撤销角色: the account's current grants; dismissed with the chosen ``Grant`` or None."""

    def __init__(self, row: AccountRow, grants: list[Grant]) -> None:
        super().__init__(row)
        self.grants = grants

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog") as dialog:
            dialog.border_title = t("tui.accounts.revoke_title")
            yield Static(
                Content.assemble(t("tui.accounts.revoke_whom"), *_whom(self.row)),
                id="confirm-question",
            )
            if self.grants:
                yield OptionList(
                    *(Option(Text(grant_label(g)), id=str(i)) for i, g in enumerate(self.grants)),
                    id="revoke-grant",
                )
            else:
                yield Static(
                    Content.styled(t("tui.accounts.revoke_none"), "italic"), id="revoke-none"
                )
            yield Static("", id="confirm-error", classes="field-error")
            with Horizontal(id="confirm-buttons"):
                yield Button(
                    t("tui.accounts.bind_revoke"),
                    variant="error",
                    id="confirm-ok",
                    disabled=not self.grants,
                )
                yield Button(t("tui.accounts.cancel"), id="confirm-cancel")

    def on_mount(self) -> None:
        super().on_mount()
        if self.grants:
            self.query_one("#revoke-grant", OptionList).focus()
        else:
            self.query_one("#confirm-cancel", Button).focus()

    @on(OptionList.OptionSelected, "#revoke-grant")
    @on(Button.Pressed, "#confirm-ok")
    def _ok(self) -> None:
        if not self.grants:
            return
        index = self.query_one("#revoke-grant", OptionList).highlighted
        if index is None:
            self.show_error(t("tui.accounts.revoke_pick"))
            return
        self.dismiss(self.grants[index])


class LoginConfirm(_Dialog):
    """A change with lasting effects (a reset, clearing TOTP): the login must be typed.
    Dismissed with True or None."""

    def __init__(self, row: AccountRow, name: str) -> None:
        super().__init__(row)
        self.name_key = name

    def compose(self) -> ComposeResult:
        row, name = self.row, self.name_key
        with Vertical(id="confirm-dialog") as dialog:
            dialog.border_title = t(f"tui.accounts.bind_{name}")
            yield Static(
                Content.assemble(t(f"tui.accounts.{name}_question"), *_whom(row)),
                id="confirm-question",
            )
            yield Static(
                Content.styled(t(f"tui.accounts.{name}_effect"), "$text-warning"),
                id="confirm-type-hint",
            )
            yield Static(Content(t("tui.accounts.confirm_type", login=row.login_name)))
            with Horizontal(classes="form-row"):
                yield Static(Content(t("tui.accounts.field.login_name")), classes="form-label")
                yield Input(id="confirm-login", compact=True)
            yield Static("", id="confirm-error", classes="field-error")
            with Horizontal(id="confirm-buttons"):
                yield Button(
                    t(f"tui.accounts.bind_{name}"), variant="error", id="confirm-ok", disabled=True
                )
                yield Button(t("tui.accounts.cancel"), id="confirm-cancel")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#confirm-login", Input).focus()

    @property
    def confirmed(self) -> bool:
        return self.query_one("#confirm-login", Input).value.strip() == self.row.login_name

    @on(Input.Changed, "#confirm-login")
    def _typed(self) -> None:
        self.query_one("#confirm-ok", Button).disabled = not self.confirmed

    @on(Input.Submitted, "#confirm-login")
    @on(Button.Pressed, "#confirm-ok")
    def _ok(self) -> None:
        if not self.confirmed:
            self.show_error(t("tui.accounts.confirm_mismatch", login=self.row.login_name))
            self.query_one("#confirm-login", Input).focus()
            return
        self.dismiss(True)


class CodeShown(_Dialog):
    """The new activation code, shown this once (as ``jzctl account reset`` prints it)."""

    def __init__(self, row: AccountRow, code: str) -> None:
        super().__init__(row)
        self.code = code

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog") as dialog:
            dialog.border_title = t("tui.accounts.bind_reset")
            yield Static(
                Content(t("account.reset_done", login=self.row.login_name)),
                id="confirm-question",
            )
            yield Static(
                Content.assemble(t("tui.accounts.code_label"), (self.code, "bold $text-success")),
                id="code-value",
            )
            yield Static(
                Content.styled(t("account.code_once"), "bold $text-warning"),
                id="confirm-type-hint",
            )
            yield Static("", id="confirm-error", classes="field-error")
            with Horizontal(id="confirm-buttons"):
                yield Button(t("tui.accounts.code_close"), variant="primary", id="confirm-cancel")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#confirm-cancel", Button).focus()
