"""Sign-in (登录) and the idle lock.

The sign-in screen is the console's first screen when nobody is signed in at this terminal:
login, password and — asked of everyone, so the question says nothing about the account —
the authenticator code. A first sign-in uses the one-time activation code and sets the
password (typed twice); an administrator then enrols TOTP here, as ``jzctl activate`` and
``jzctl login`` do. The token goes to the keyring exactly as with ``jzctl login``, so the CLI
in another window shares the session. Every failure shows the same one message; the reason
is in the audit trail only.

The lock screen covers the console after the idle timeout: the same person signs in again,
or signs out and leaves.

Database and keyring work runs in thread workers that post plain results back.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Input, Static

from casedb.errors import JzError
from console.i18n import t
from console.tui.screens.permission import error_text
from console.tui.widgets import DemoBanner, localise_bindings

if TYPE_CHECKING:
    from accounts.session import AccountInfo
    from console.tui.app import JzApp


@dataclass
class SignedIn(Message):
    """A session was opened (and TOTP enrolled where it had to be)."""

    user: AccountInfo
    needs_password_change: bool


@dataclass
class Failed(Message):
    text: str


@dataclass
class Activated(Message):
    account_id: int
    login: str


@dataclass
class TotpNeeded(Message):
    """Signed in, but an administrator must enrol TOTP before the session counts."""

    account_id: int
    login: str
    uri: str
    secret: str


FIELDS = (
    "signin-login",
    "signin-password",
    "signin-totp",
    "signin-code",
    "signin-new-password",
    "signin-new-password-again",
    "signin-enrol-code",
)


def _here() -> tuple[str, str]:
    from audit_log.actor import local_actor

    me = local_actor()
    return me.host, me.terminal


class SignInScreen(Screen[None]):
    """登录：账号、密码与动态口令；首次登录用一次性激活码设置密码。"""

    CSS_PATH = "signin.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "app.quit", "tui.bind_quit", id="signin.quit", priority=True),
        Binding("f2", "toggle_activation", "tui.signin.bind_activate", id="signin.activate"),
    ]

    def __init__(self) -> None:
        super().__init__()
        localise_bindings(self)
        self.activating = False
        self.enrolling: tuple[int, str] | None = None
        self.after_enrol: SignedIn | None = None

    @property
    def jz(self) -> JzApp:
        return cast("JzApp", self.app)

    def compose(self) -> ComposeResult:
        if self.jz.demo:
            yield DemoBanner()
        with Center(id="signin-center"), Vertical(id="signin-box"):
            yield Static(Content(t("tui.title")), id="signin-title")
            yield Static(
                Content(t("tui.header_db", url=self.jz.database.redacted_url)), id="signin-db"
            )
            yield Static(Content(t("tui.signin.heading")), id="signin-heading")
            yield Input(compact=True, placeholder=t("tui.signin.login"), id="signin-login")
            yield Input(
                compact=True,
                placeholder=t("tui.signin.password"),
                password=True,
                id="signin-password",
            )
            yield Input(
                compact=True, placeholder=t("tui.signin.totp"), id="signin-totp", max_length=8
            )
            yield Input(
                compact=True, placeholder=t("tui.signin.code"), password=True, id="signin-code"
            )
            yield Input(
                compact=True,
                placeholder=t("tui.signin.new_password"),
                password=True,
                id="signin-new-password",
            )
            yield Input(
                compact=True,
                placeholder=t("tui.signin.new_password_again"),
                password=True,
                id="signin-new-password-again",
            )
            yield Static("", id="signin-enrol")
            yield Input(
                compact=True, placeholder=t("tui.signin.enrol_code"), id="signin-enrol-code"
            )
            yield Button(
                compact=True, label=t("tui.signin.submit"), id="signin-submit", variant="primary"
            )
            yield Static("", id="signin-message")
            yield Static(Content(t("tui.signin.hint")), id="signin-hint")

    def on_mount(self) -> None:
        self._show_fields()
        self.query_one("#signin-login", Input).focus()

    # --- the three forms -------------------------------------------------------------------

    def _show_fields(self) -> None:
        enrol = self.enrolling is not None
        visible = {
            "signin-login": not enrol,
            "signin-password": not self.activating and not enrol,
            "signin-totp": not self.activating and not enrol,
            "signin-code": self.activating and not enrol,
            "signin-new-password": self.activating and not enrol,
            "signin-new-password-again": self.activating and not enrol,
            "signin-enrol": enrol,
            "signin-enrol-code": enrol,
        }
        for wid, show in visible.items():
            self.query_one(f"#{wid}").display = show
        heading = (
            "tui.signin.heading_enrol"
            if enrol
            else "tui.signin.heading_activate"
            if self.activating
            else "tui.signin.heading"
        )
        self.query_one("#signin-heading", Static).update(Content(t(heading)))

    def action_toggle_activation(self) -> None:
        if self.enrolling is not None:
            return
        self.activating = not self.activating
        self._say("")
        self._show_fields()
        first = "#signin-code" if self.activating else "#signin-password"
        if self.query_one("#signin-login", Input).value.strip():
            self.query_one(first, Input).focus()
        else:
            self.query_one("#signin-login", Input).focus()

    def _say(self, text: str, *, error: bool = True) -> None:
        msg = self.query_one("#signin-message", Static)
        msg.set_class(error and bool(text), "error")
        msg.update(Content(text))

    def _value(self, wid: str) -> str:
        return self.query_one(f"#{wid}", Input).value

    # --- submitting --------------------------------------------------------------------------

    @on(Input.Submitted)
    def _next_field(self, event: Input.Submitted) -> None:
        order = [w for w in FIELDS if self.query_one(f"#{w}").display]
        wid = event.input.id or ""
        if wid in order and order.index(wid) < len(order) - 1:
            self.query_one(f"#{order[order.index(wid) + 1]}", Input).focus()
        else:
            self.submit()

    @on(Button.Pressed, "#signin-submit")
    def _pressed(self) -> None:
        self.submit()

    def submit(self) -> None:
        self._say(t("tui.signin.working"), error=False)
        self.query_one("#signin-submit", Button).disabled = True
        if self.enrolling is not None:
            account_id, login = self.enrolling
            self._enrol(account_id, login, self._value("signin-enrol-code").strip())
        elif self.activating:
            if self._value("signin-new-password") != self._value("signin-new-password-again"):
                self.query_one("#signin-submit", Button).disabled = False
                self._say(t("tui.signin.passwords_differ"))
                return
            self._activate(
                self._value("signin-login"),
                self._value("signin-code"),
                self._value("signin-new-password"),
            )
        else:
            self._sign_in(
                self._value("signin-login"),
                self._value("signin-password"),
                self._value("signin-totp").strip() or None,
            )

    @work(thread=True, exclusive=True, group="signin")
    def _sign_in(self, login: str, password: str, totp: str | None) -> None:
        from accounts.bootstrap import begin_totp, totp_pending
        from accounts.session import find_account
        from accounts.signin import sign_in
        from audit_log.actor import local_actor

        db = self.jz.database
        host, terminal = _here()
        try:
            result = sign_in(db, login, password, totp, host=host, terminal=terminal)
            if totp_pending(db, result.account_id):
                actor = local_actor(login=login.strip(), account_id=result.account_id)
                uri, secret = begin_totp(db, result.account_id, actor)
                self.post_message(TotpNeeded(result.account_id, login.strip(), uri, secret))
                return
            with db.read() as s:
                user = find_account(s, login.strip())
        except JzError as exc:
            self.post_message(Failed(error_text(exc)))
            return
        assert user is not None
        self.post_message(SignedIn(user, result.needs_password_change))

    @work(thread=True, exclusive=True, group="signin")
    def _activate(self, login: str, code: str, password: str) -> None:
        from accounts.signin import activate

        host, terminal = _here()
        try:
            account_id = activate(
                self.jz.database, login, code.strip(), password, host=host, terminal=terminal
            )
        except JzError as exc:
            self.post_message(Failed(error_text(exc)))
            return
        self.post_message(Activated(account_id, login.strip()))

    @work(thread=True, exclusive=True, group="signin")
    def _enrol(self, account_id: int, login: str, code: str) -> None:
        from accounts.bootstrap import finish_totp
        from accounts.session import find_account
        from audit_log.actor import local_actor

        db = self.jz.database
        try:
            finish_totp(db, account_id, code, local_actor(login=login, account_id=account_id))
            with db.read() as s:
                user = find_account(s, login)
        except JzError as exc:
            self.post_message(Failed(error_text(exc)))
            return
        assert user is not None
        self.post_message(SignedIn(user, False))

    # --- results -----------------------------------------------------------------------------

    def on_failed(self, message: Failed) -> None:
        self.query_one("#signin-submit", Button).disabled = False
        self._say(message.text)
        if self.enrolling is None:
            pw = "#signin-code" if self.activating else "#signin-password"
            self.query_one(pw, Input).value = ""
            self.query_one(pw, Input).focus()

    def on_activated(self, message: Activated) -> None:
        self.query_one("#signin-submit", Button).disabled = False
        self.activating = False
        for wid in ("signin-code", "signin-new-password", "signin-new-password-again"):
            self.query_one(f"#{wid}", Input).value = ""
        self._show_fields()
        self._say(t("tui.signin.activated", login=message.login), error=False)
        self.query_one("#signin-password", Input).focus()

    def on_totp_needed(self, message: TotpNeeded) -> None:
        self.query_one("#signin-submit", Button).disabled = False
        self.enrolling = (message.account_id, message.login)
        self.query_one("#signin-enrol", Static).update(
            Content(t("tui.signin.enrol_intro", uri=message.uri, secret=message.secret))
        )
        self._show_fields()
        self._say("")
        self.query_one("#signin-enrol-code", Input).focus()

    def on_signed_in(self, message: SignedIn) -> None:
        self.jz.signed_in(message.user, message.needs_password_change)


class LockScreen(ModalScreen[bool]):
    """已锁定：空闲超时后，须由本人重新输入密码（与动态口令）才能继续，或退出登录。"""

    CSS_PATH = "signin.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "app.quit", "tui.bind_quit", id="lock.quit", priority=True),
    ]

    def __init__(self, login: str) -> None:
        super().__init__()
        localise_bindings(self)
        self.login = login

    @property
    def jz(self) -> JzApp:
        return cast("JzApp", self.app)

    def compose(self) -> ComposeResult:
        with Center(id="signin-center"), Vertical(id="signin-box"):
            yield Static(Content(t("tui.lock.heading")), id="signin-heading")
            yield Static(Content(t("tui.lock.who", login=self.login)), id="lock-who")
            yield Input(
                compact=True,
                placeholder=t("tui.signin.password"),
                password=True,
                id="lock-password",
            )
            yield Input(
                compact=True, placeholder=t("tui.signin.totp"), id="lock-totp", max_length=8
            )
            yield Button(
                compact=True, label=t("tui.lock.unlock"), id="lock-submit", variant="primary"
            )
            yield Button(compact=True, label=t("tui.lock.sign_out"), id="lock-sign-out")
            yield Static("", id="signin-message")

    def on_mount(self) -> None:
        self.query_one("#lock-password", Input).focus()

    @on(Input.Submitted, "#lock-password")
    def _to_totp(self) -> None:
        self.query_one("#lock-totp", Input).focus()

    @on(Input.Submitted, "#lock-totp")
    @on(Button.Pressed, "#lock-submit")
    def _unlock(self) -> None:
        self.query_one("#lock-submit", Button).disabled = True
        self._check(
            self.query_one("#lock-password", Input).value,
            self.query_one("#lock-totp", Input).value.strip() or None,
        )

    @on(Button.Pressed, "#lock-sign-out")
    def _sign_out(self) -> None:
        self._leave()

    @work(thread=True, exclusive=True, group="lock")
    def _leave(self) -> None:
        from accounts.signin import sign_out

        # The session may already have ended on the server side.
        with suppress(JzError):
            sign_out(self.jz.database)
        self.app.call_from_thread(self.app.exit, 0)

    @work(thread=True, exclusive=True, group="lock")
    def _check(self, password: str, totp: str | None) -> None:
        from accounts.signin import sign_in

        host, terminal = _here()
        try:
            sign_in(self.jz.database, self.login, password, totp, host=host, terminal=terminal)
        except JzError as exc:
            self.post_message(Failed(error_text(exc)))
            return
        self.app.call_from_thread(self.dismiss, True)

    def on_failed(self, message: Failed) -> None:
        self.query_one("#lock-submit", Button).disabled = False
        box = self.query_one("#lock-password", Input)
        box.value = ""
        box.focus()
        self.query_one("#signin-message", Static).update(Content(message.text))
