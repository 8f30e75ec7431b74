"""The dashboard (概览): the first screen after sign-in. For the signed-in admin's scope, one
row per figure — pending reviews and executions, overdue requests, locked accounts, coverage
gaps, the audit chain, and what the other modules bring (cases, backups, incidents, drills).
Enter on a row opens the list behind it, filtered.

Each figure is read by its own thread worker (``ops.dashboard``), so the table paints at once
and fills in; a figure that fails shows its one-sentence error in its row, the others stay.
State is said in words as well as colour (正常 / 待处理 / 异常), so it reads in monochrome.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.widgets import DataTable, Static

from console.figures import detail_label, figure_label, value_label
from console.i18n import t
from console.tui.screens import AreaScreen
from console.tui.screens.permission import error_text
from ops.dashboard import ALERT, FIGURES, OK, TODO, Figure, FigureFn, Scope

STATE_STYLE = {OK: "green", TODO: "bold yellow", ALERT: "bold red"}


@dataclass
class ScopeRead(Message):
    scope: Scope


@dataclass
class FigureRead(Message):
    index: int
    figure: Figure | None
    error: str = ""


class DashboardScreen(AreaScreen):
    """概览：待我审核与执行的申请、超期事项、锁定账号、缺岗单位、审计链状态等；回车打开对应列表。"""

    AREA = "dashboard"
    CSS_PATH = "dashboard.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "tui.dash.bind_open", id="dash.open"),
        Binding("r", "refresh", "tui.dash.bind_refresh", id="dash.refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.figures: list[Figure | None] = []
        self.fns: list[FigureFn] = list(FIGURES)
        # Figures asked for and not yet in (tests and the bench wait for 0).
        self.pending = 0

    def compose_body(self) -> ComposeResult:
        yield Static(Content(t("tui.dash.heading")), id="dash-heading")
        yield DataTable(id="dash-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="dash-hint")

    @property
    def table(self) -> DataTable[Text]:
        return self.query_one("#dash-table", DataTable)

    def on_mount(self) -> None:
        table = self.table
        table.add_column(t("tui.dash.col_state"), key="state", width=8)
        table.add_column(t("tui.dash.col_figure"), key="figure")
        table.add_column(t("tui.dash.col_value"), key="value", width=8)
        table.add_column(t("tui.dash.col_detail"), key="detail")
        self.action_refresh()
        table.focus()

    def action_refresh(self) -> None:
        user = self.jz.user
        table = self.table
        table.clear()
        self.fns = list(FIGURES)
        self.figures = [None] * len(self.fns)
        self.pending = -1  # until the scope is read
        if user is None:
            self.query_one("#dash-hint", Static).update(Content(t("tui.dash.nobody")))
            return
        for i, fn in enumerate(self.fns):
            label = figure_label(getattr(fn, "__name__", str(i)))
            table.add_row(Text("…", style="dim"), Text(label), Text(""), Text(""), key=str(i))
        self.query_one("#dash-hint", Static).update(Content(t("tui.dash.hint")))
        self._read_scope(user.id)

    @work(thread=True, exclusive=True, group="dash-scope")
    def _read_scope(self, account_id: int) -> None:
        from ops.dashboard import scope_of

        scope = scope_of(self.jz.database, account_id)
        self.post_message(ScopeRead(scope))

    def on_scope_read(self, message: ScopeRead) -> None:
        self.pending = len(self.fns)
        for i, fn in enumerate(self.fns):
            self._read_figure(i, fn, message.scope)

    @work(thread=True, group="dash-figure")
    def _read_figure(self, index: int, fn: FigureFn, scope: Scope) -> None:
        from ops.dashboard import figure

        try:
            got = figure(self.jz.database, fn, scope)
        except Exception as exc:  # one failing figure must not hide the others
            self.post_message(FigureRead(index, None, error_text(exc)))
            return
        self.post_message(FigureRead(index, got))

    def on_figure_read(self, message: FigureRead) -> None:
        self.pending -= 1
        table = self.table
        key = str(message.index)
        if key not in table.rows:
            return
        fig = message.figure
        if fig is None and not message.error:
            table.remove_row(key)
            return
        if fig is None:
            table.update_cell(key, "state", Text(t("tui.dash.state.error"), style="bold red"))
            table.update_cell(key, "detail", Text(message.error), update_width=True)
            return
        self.figures[message.index] = fig
        table.update_cell(
            key, "state", Text(t(f"tui.dash.state.{fig.state}"), style=STATE_STYLE[fig.state])
        )
        table.update_cell(key, "value", Text(value_label(fig), style="bold"), update_width=True)
        table.update_cell(key, "detail", Text(detail_label(fig)), update_width=True)

    def action_open(self) -> None:
        table = self.table
        if table.row_count == 0:
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        if key is None:
            return
        fig = self.figures[int(key)]
        if fig is None or not fig.opens:
            return
        self.jz.open_list(fig.opens, fig.filter)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open()
