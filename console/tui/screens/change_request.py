"""File a personnel change request from the Accounts area: an offboarding (离岗申请) for the
highlighted person — reason, document number, and, when they hold open cases, who takes them
(colleagues of the same unit who can handle cases, least loaded first). The request then goes
the article-6 chain like one filed with ``jzctl change request offboard``; the inbox (area 4)
reviews and executes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Input, SelectionList, Static
from textual.widgets.selection_list import Selection

from casedb.errors import JzError
from console.i18n import t
from console.tui.screens.permission import error_text
from console.tui.widgets import localise_bindings

if TYPE_CHECKING:
    from accounts.change_queries import Handover
    from accounts.queries import AccountRow
    from audit_log.actor import Actor
    from casedb.engine import Database


@dataclass
class HandoverRead(Message):
    handover: Handover


@dataclass
class Filed(Message):
    request_id: int
    state: str


@dataclass
class Failed(Message):
    text: str


class OffboardRequest(ModalScreen[int | None]):
    """离岗申请：理由、文号，以及由谁接手其未办结工单。"""

    CSS_PATH = "accounts.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "tui.accounts.bind_cancel", id="offboard_request.cancel"),
    ]

    def __init__(self, database: Database, actor: Actor, row: AccountRow) -> None:
        super().__init__()
        localise_bindings(self)
        self.database = database
        self.actor = actor
        self.row = row
        self.open_cases = 0

    def compose(self) -> ComposeResult:
        row = self.row
        with Vertical(id="confirm-dialog") as dialog:
            dialog.border_title = t("tui.request.offboard_title")
            yield Static(
                Content.assemble(
                    t("tui.request.offboard_whom"), (row.login_name, "bold"), f"  {row.full_name}"
                )
            )
            with Horizontal(classes="form-row"):
                yield Static(Content(t("tui.request.reason")), classes="form-label")
                yield Input(id="request-reason", compact=True,
                            placeholder=t("tui.request.reason_hint"))  # fmt: skip
            with Horizontal(classes="form-row"):
                yield Static(Content(t("tui.request.doc_no")), classes="form-label")
                yield Input(id="request-doc-no", compact=True,
                            placeholder=t("tui.request.doc_no_hint"))  # fmt: skip
            yield Static(Content(t("tui.request.loading")), id="request-cases")
            yield SelectionList[int](id="request-successors")
            yield Static("", id="confirm-error", classes="field-error")
            with Horizontal(id="confirm-buttons"):
                yield Button(t("tui.request.file"), variant="primary", id="request-ok")
                yield Button(t("tui.accounts.cancel"), id="request-cancel")

    def on_mount(self) -> None:
        self.query_one("#confirm-error").display = False
        self.query_one("#request-successors").display = False
        self.query_one("#request-reason", Input).focus()
        self._read(self.row.id)

    @work(thread=True, exclusive=True, group="request-read")
    def _read(self, account_id: int) -> None:
        from accounts.change_queries import handover_for

        try:
            with self.database.read() as s:
                found = handover_for(s, account_id)
        except JzError as exc:
            self.post_message(Failed(error_text(exc)))
            return
        self.post_message(HandoverRead(found))

    def on_handover_read(self, message: HandoverRead) -> None:
        hand = message.handover
        self.open_cases = hand.open_cases
        cases = self.query_one("#request-cases", Static)
        if not hand.open_cases:
            cases.update(Content(t("tui.request.no_cases")))
            return
        cases.update(Content(t("tui.request.cases", n=hand.open_cases)))
        picker = self.query_one("#request-successors", SelectionList)
        for c in hand.candidates:
            label = t("tui.request.candidate", login=c.login_name, name=c.full_name,
                      n=c.open_cases)  # fmt: skip
            picker.add_option(Selection(Content(label), c.account_id))
        picker.display = True
        if not hand.candidates:
            cases.update(Content(t("tui.request.nobody", n=hand.open_cases)))

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#request-cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted)
    @on(Button.Pressed, "#request-ok")
    def _ok(self) -> None:
        heirs = list(self.query_one("#request-successors", SelectionList).selected)
        self.query_one("#request-ok", Button).disabled = True
        self._file(
            self.query_one("#request-reason", Input).value,
            self.query_one("#request-doc-no", Input).value,
            heirs,
        )

    @work(thread=True, exclusive=True, group="request-file")
    def _file(self, reason: str, doc_no: str, heirs: list[int]) -> None:
        from accounts import changes
        from casedb.calendar import WorkCalendar

        try:
            with self.database.read() as s:
                cal = WorkCalendar.load(s)
            payload: dict[str, object] = {"successors": heirs} if heirs else {}
            view = changes.submit(
                changes.SubmitChange("offboard", self.row.id, reason, payload, doc_no=doc_no),
                self.database.uow(), self.actor, deadline_for=cal.add_workdays,
            )  # fmt: skip
        except JzError as exc:
            self.post_message(Failed(error_text(exc)))
            return
        self.post_message(Filed(view.id, view.state))

    def on_failed(self, message: Failed) -> None:
        self.query_one("#request-ok", Button).disabled = False
        error = self.query_one("#confirm-error", Static)
        error.update(Content(message.text))
        error.display = True

    def on_filed(self, message: Filed) -> None:
        self.dismiss(message.request_id)
