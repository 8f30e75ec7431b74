"""The account form (新建/修改账号): each field checked as it is typed, saved through the service.

Every field is checked by the same ``accounts.validation`` function the service uses, and
its translated refusal shows under the field while typing. The known counties (for the
address code of an ID number) are read once in a thread worker. Saving calls
``create_account`` or ``update_account`` in a thread worker with the signed-in admin's
``authorize``; the service re-validates, authorises and audits, and its refusal shows at the
top of the form (and under the field it names). The form returns the saved account's row.

Editing never shows the clear ID or mobile: the ID number is fixed, and a new mobile is
typed only to replace the old one (left empty, it stays as it is).
"""

from __future__ import annotations

from collections.abc import Callable, Container
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Select, Static

from accounts import validation
from accounts.accounts import (
    KEEP,
    CreateAccount,
    Keep,
    UpdateAccount,
    create_account,
    update_account,
)
from accounts.queries import AccountRow, get_account
from audit_log.actor import Actor
from casedb.clock import local_zone, parse_local
from casedb.errors import InvalidInput, JzError
from casedb.reference import DEPARTMENTS
from casedb.regions import expand, level_of
from console.i18n import t
from console.tui.screens.permission import department_name, error_text
from console.tui.widgets import localise_bindings

if TYPE_CHECKING:
    from casedb.engine import Database

Authorize = Callable[[Actor, str, str, str], None]

TEXT_FIELDS = (
    "login_name",
    "full_name",
    "id_number",
    "mobile",
    "wechat_id",
    "post",
    "region_code",
    "valid_from",
    "valid_until",
)
REQUIRED = frozenset({"login_name", "full_name", "id_number", "region_code"})
FIXED_WHEN_EDITING = frozenset({"login_name", "id_number"})


@dataclass
class CountiesLoaded(Message):
    counties: validation.KnownCounties


@dataclass
class Saved(Message):
    row: AccountRow


@dataclass
class SaveFailed(Message):
    reason: str
    field: str | None


def region_code(raw: str, field: str = "region_code") -> str:
    code = expand(raw)
    try:
        if code is None:
            raise ValueError(raw)
        level_of(code)
    except ValueError:
        raise InvalidInput("err.region_not_found", field=field, code=raw.strip()[:20]) from None
    return code


def date_value(raw: str) -> datetime | None:
    return parse_local(raw) if raw.strip() else None


def local_date(at: datetime | None) -> str:
    return at.astimezone(local_zone()).strftime("%Y-%m-%d") if at else ""


class AccountForm(ModalScreen[AccountRow | None]):
    """A new account (``existing`` None) or changes to one."""

    CSS_PATH = "accounts.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "tui.accounts.bind_cancel", id="form.cancel"),
        Binding("ctrl+s", "save", "tui.accounts.bind_save", id="form.save", priority=True),
    ]

    def __init__(
        self,
        database: Database,
        actor: Actor,
        authorize: Authorize,
        existing: AccountRow | None = None,
        *,
        region: str = "",
        department: str = "",
    ) -> None:
        super().__init__()
        localise_bindings(self)
        self.database = database
        self.actor = actor
        self.authorize = authorize
        self.existing = existing
        self.counties: Container[str] | None = None
        self.errors: dict[str, str] = {}
        self.saving = False
        self._submitted = False
        self._region = existing.region_code if existing else region
        self._department = existing.department_code if existing else department

    # --- layout ----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        editing = self.existing is not None
        with Vertical(id="form-dialog") as dialog:
            dialog.border_title = t(
                "tui.accounts.form_edit" if editing else "tui.accounts.form_new"
            )
            yield Static("", id="form-status")
            with VerticalScroll(id="form-fields"):
                for field in TEXT_FIELDS:
                    with Horizontal(classes="form-row"):
                        yield Static(Content(self._label(field)), classes="form-label")
                        yield Input(
                            self._initial(field),
                            placeholder=self._placeholder(field),
                            id=f"f-{field}",
                            disabled=editing and field in FIXED_WHEN_EDITING,
                            compact=True,
                        )
                    yield Static("", id=f"e-{field}", classes="field-error")
                    if field == "region_code":
                        with Horizontal(classes="form-row"):
                            yield Static(
                                Content(self._label("department_code")), classes="form-label"
                            )
                            codes = [d.code for d in DEPARTMENTS]
                            yield Select(
                                [(department_name(c), c) for c in codes],
                                value=self._department if self._department in codes else codes[0],
                                allow_blank=False,
                                id="f-department_code",
                                compact=True,
                            )
            with Horizontal(id="form-buttons"):
                yield Button(t("tui.accounts.save"), variant="primary", id="form-save")
                yield Button(t("tui.accounts.cancel"), id="form-cancel")

    def _label(self, field: str) -> str:
        mark = (
            " *"
            if field in REQUIRED and not (self.existing and field in FIXED_WHEN_EDITING)
            else ""
        )
        return t(f"tui.accounts.field.{field}") + mark

    def _initial(self, field: str) -> str:
        row = self.existing
        if row is None:
            return self._region[:6] if field == "region_code" and self._region else ""
        values = {
            "login_name": row.login_name,
            "full_name": row.full_name,
            "id_number": row.id_masked,
            "mobile": "",
            "wechat_id": row.wechat_id,
            "post": row.post,
            "region_code": row.region_code,
            "valid_from": local_date(row.valid_from),
            "valid_until": local_date(row.valid_until),
        }
        return values[field]

    def _placeholder(self, field: str) -> str:
        if field == "mobile" and self.existing is not None:
            current = self.existing.mobile_masked or t("tui.accounts.none")
            return t("tui.accounts.mobile_keep", current=current)
        return t(f"tui.accounts.hint.{field}")

    def on_mount(self) -> None:
        first = "full_name" if self.existing else "login_name"
        self.query_one(f"#f-{first}", Input).focus()
        self.load_counties()

    @work(thread=True, group="form-counties")
    def load_counties(self) -> None:
        try:
            with self.database.read() as session:
                counties = validation.known_counties(session)
        except Exception:  # without them, only the province part of an ID is checked
            return
        self.post_message(CountiesLoaded(counties))

    @on(CountiesLoaded)
    def _counties_loaded(self, message: CountiesLoaded) -> None:
        self.counties = message.counties
        if self.value("id_number"):
            self.check_field("id_number")

    # --- checking as you type ------------------------------------------------------------

    def value(self, field: str) -> str:
        return self.query_one(f"#f-{field}", Input).value

    def _validate(self, field: str) -> Any:
        """The field's clean value, or InvalidInput (what the service would say)."""
        raw = self.value(field)
        if not raw.strip() and field not in REQUIRED:
            return None
        match field:
            case "login_name":
                return validation.login_name(raw)
            case "full_name":
                return validation.full_name(raw)
            case "id_number":
                return validation.id_number(raw, self.counties)
            case "mobile":
                return validation.mobile(raw)
            case "wechat_id":
                return validation.wechat_id(raw)
            case "post":
                return validation.post(raw)
            case "region_code":
                if not raw.strip():
                    raise InvalidInput("err.field_required", field=field)
                return region_code(raw)
            case "valid_from" | "valid_until":
                at = date_value(raw)
                if field == "valid_until":
                    start = self._quiet(lambda: date_value(self.value("valid_from")))
                    validation.validity(start, at, field)
                return at
        return raw  # pragma: no cover - every field has a case

    @staticmethod
    def _quiet(fn: Callable[[], datetime | None]) -> datetime | None:
        try:
            return fn()
        except JzError:
            return None

    def check_field(self, field: str) -> bool:
        if self.existing is not None and field in FIXED_WHEN_EDITING:
            return True
        try:
            self._validate(field)
        except JzError as exc:
            self._set_error(field, error_text(exc))
            return False
        self._set_error(field, "")
        return True

    def _set_error(self, field: str, text: str) -> None:
        if text:
            self.errors[field] = text
        else:
            self.errors.pop(field, None)
        self.query_one(f"#e-{field}", Static).update(Content(text))
        self.query_one(f"#e-{field}", Static).display = bool(text)
        self.query_one(f"#f-{field}", Input).set_class(bool(text), "-invalid")

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        field = (event.input.id or "")[2:]
        if field not in TEXT_FIELDS:
            return
        if not event.value and not self._submitted:
            self._set_error(field, "")  # an empty field is not an error until saving
            return
        self.check_field(field)
        if field == "valid_from" and self.value("valid_until"):
            self.check_field("valid_until")

    @on(Input.Submitted)
    def _submitted_field(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#form-save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#form-cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    # --- saving ---------------------------------------------------------------------------

    def action_cancel(self) -> None:
        if not self.saving:
            self.dismiss(None)

    def action_save(self) -> None:
        if self.saving:
            return
        self._submitted = True
        bad = [f for f in TEXT_FIELDS if not self.check_field(f)]
        if bad:
            self._status(t("tui.accounts.form_fix", n=len(bad)), error=True)
            self.query_one(f"#f-{bad[0]}", Input).focus()
            return
        department = str(self.query_one("#f-department_code", Select).value)
        cmd: CreateAccount | UpdateAccount = (
            self._create(department) if self.existing is None else self._update(department)
        )
        self.saving = True
        self._status(t("tui.accounts.saving"))
        self.save(cmd)

    def _create(self, department: str) -> CreateAccount:
        return CreateAccount(
            login_name=self.value("login_name"),
            full_name=self.value("full_name"),
            id_number=self.value("id_number"),
            region_code=region_code(self.value("region_code")),
            department_code=department,
            mobile=self.value("mobile"),
            wechat_id=self.value("wechat_id"),
            post=self.value("post"),
            valid_from=date_value(self.value("valid_from")),
            valid_until=date_value(self.value("valid_until")),
        )

    def _update(self, department: str) -> UpdateAccount:
        row = self.existing
        assert row is not None

        def changed(field: str, old: str) -> str | Keep:
            new = self.value(field).strip()
            return KEEP if new == old else new

        region = region_code(self.value("region_code"))
        new_from = date_value(self.value("valid_from"))
        new_until = date_value(self.value("valid_until"))
        from_changed = local_date(new_from) != local_date(row.valid_from)
        until_changed = local_date(new_until) != local_date(row.valid_until)
        mobile = self.value("mobile").strip()
        return UpdateAccount(
            account_id=row.id,
            full_name=changed("full_name", row.full_name),
            mobile=mobile if mobile else KEEP,
            wechat_id=changed("wechat_id", row.wechat_id),
            post=changed("post", row.post),
            region_code=KEEP if region == row.region_code else region,
            department_code=KEEP if department == row.department_code else department,
            valid_from=new_from if from_changed else KEEP,
            valid_until=new_until if until_changed else KEEP,
        )

    @work(thread=True, exclusive=True, group="form-save")
    def save(self, cmd: CreateAccount | UpdateAccount) -> None:
        try:
            if isinstance(cmd, CreateAccount):
                view = create_account(
                    cmd, self.database.uow(), self.actor, authorize=self.authorize
                )
            else:
                view = update_account(
                    cmd, self.database.uow(), self.actor, authorize=self.authorize
                )
            with self.database.read() as session:
                row = get_account(session, view.id)
        except Exception as exc:  # shown in the form, which stays open
            field = exc.params.get("field") if isinstance(exc, JzError) else None
            self.post_message(
                SaveFailed(error_text(exc), field if isinstance(field, str) else None)
            )
            return
        if row is not None:
            self.post_message(Saved(row))

    @on(Saved)
    def _saved(self, message: Saved) -> None:
        self.saving = False
        self.dismiss(message.row)

    @on(SaveFailed)
    def _save_failed(self, message: SaveFailed) -> None:
        self.saving = False
        self._status(message.reason, error=True)
        if message.field in TEXT_FIELDS:
            self._set_error(message.field, message.reason)

    def _status(self, text: str, *, error: bool = False) -> None:
        content = Content.styled(text, "bold $text-error") if error else Content(text)
        self.query_one("#form-status", Static).update(content)
