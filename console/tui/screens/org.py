"""The Org area (区划): the region tree, the highlighted region's details, and the coverage of
its units (``c``: county departments without an active caseworker, townships without an
active leader — what ``jzctl org coverage`` lists); Enter on a gap walks the tree to it.

Children load when a node is first expanded: a thread worker calls ``accounts.org.children``
and posts the plain ``Node`` rows back. Details come the same way from ``accounts.org.show``.
Region and account names are user-supplied, so they are rendered as ``Text``/``Content``
built from plain strings and never parsed as markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import DataTable, Static, Tree
from textual.widgets.tree import TreeNode
from textual.worker import get_current_worker

from accounts.org import Node, RegionDetail, children, show
from casedb.errors import JzError, PermissionDenied
from console.i18n import language, t
from console.tui.screens import AreaScreen
from console.tui.widgets import SEPARATOR, localise_bindings
from rbac.queries import Coverage

DEPT_COLUMN_EN = 20


@dataclass
class RegionItem:
    """What a tree node knows about its region; ``loaded`` once its children are in."""

    code: str
    name: str
    level: int
    children: int
    loaded: bool = False
    loading: bool = False


@dataclass
class ChildrenLoaded(Message):
    """The children of ``parent_code`` (the roots when None), read in a worker."""

    parent_code: str | None
    nodes: list[Node]


@dataclass
class DetailLoaded(Message):
    """A region's details, read in a worker."""

    detail: RegionDetail


@dataclass
class CoverageLoaded(Message):
    """The coverage of a region's subtree, read in a worker."""

    code: str
    name: str
    coverage: Coverage


@dataclass
class LoadFailed(Message):
    """A worker could not read the database; ``parent_code`` is set for a failed expansion."""

    reason: str
    parent_code: str | None = None
    coverage: bool = False


def node_label(item: RegionItem) -> Text:
    label = Text(item.name)
    if item.children:
        label.append(t("tui.org_count_hint", n=item.children), style="dim")
    return label


def level_name(level: int) -> str:
    return t(f"level.{level}")


class RegionTree(Tree[RegionItem | None]):
    """The region tree; arrows walk it, Enter expands or collapses."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "toggle_node", "tui.org_bind_toggle", id="org.toggle"),
        Binding("right", "descend", "tui.org_bind_child", id="org.child"),
        Binding("left", "ascend", "tui.org_bind_parent", id="org.parent"),
    ]

    def __init__(self) -> None:
        super().__init__("", id="region-tree")
        self.show_root = False
        self.auto_expand = False
        self.guide_depth = 3
        localise_bindings(self)

    def action_descend(self) -> None:
        node = self.cursor_node
        if node is None or not node.allow_expand:
            return
        if not node.is_expanded:
            node.expand()
        elif node.children and isinstance(node.children[0].data, RegionItem):
            self.move_cursor(node.children[0])

    def action_ascend(self) -> None:
        node = self.cursor_node
        if node is None:
            return
        if node.allow_expand and node.is_expanded:
            node.collapse()
        elif node.parent is not None and not node.parent.is_root:
            self.move_cursor(node.parent)


class OrgScreen(AreaScreen):
    """区划: walk the province down to a village and see each unit's figures."""

    AREA = "org"
    CSS_PATH = "org.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "refresh_region", "tui.org_bind_refresh", id="org.refresh"),
        Binding("slash", "find_region", "tui.org_bind_find", id="org.find"),
        Binding("c", "coverage", "tui.org_bind_coverage", id="org.coverage"),
        Binding("escape", "back", "tui.org_bind_back", id="org.back", show=False),
    ]
    COVERAGE_PREFIX = "coverage:"

    def __init__(self) -> None:
        super().__init__()
        # True while the coverage list is on its way (tests and the bench wait for False).
        self.coverage_loading = False
        self._after_coverage = ""  # the region to walk the tree to once its gaps are listed
        self._by_code: dict[str, TreeNode[RegionItem | None]] = {}
        self._detail_code: str | None = None
        # The regions still to open on the way to a region asked for (``open_with``).
        self._goto: list[str] = []

    # --- layout ----------------------------------------------------------------------

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="org-main"):
            tree = RegionTree()
            tree.border_title = t("tui.org_tree_title")
            yield tree
            with VerticalScroll(id="region-detail") as detail:
                detail.border_title = t("tui.org_detail_title")
                detail.can_focus = False
                yield Static(Content(t("tui.org_no_selection")), id="detail-title")
                yield Static("", id="detail-facts")
                yield Static(Content(t("tui.org_departments")), id="detail-dept-caption")
                table: DataTable[str | Text] = DataTable(
                    id="detail-depts", show_cursor=False, zebra_stripes=True
                )
                table.can_focus = False
                yield table
            gaps: DataTable[Text] = DataTable(id="coverage", cursor_type="row", zebra_stripes=True)
            gaps.border_title = t("tui.org_coverage_title")
            gaps.display = False
            yield gaps

    def on_mount(self) -> None:
        table = self.query_one("#detail-depts", DataTable)
        # English department names run long ("Human Resources and Social Security"):
        # cap the column so the figures stay in view on an 80-column terminal.
        width = None if language() == "zh" else DEPT_COLUMN_EN
        table.add_column(t("org.col_department"), key="dept", width=width)
        table.add_column(t("org.col_accounts"), key="accounts")
        table.add_column(t("org.col_open_cases"), key="open_cases")
        gaps = self.query_one("#coverage", DataTable)
        gaps.add_column(t("coverage.col_kind"), key="kind")
        gaps.add_column(t("coverage.col_region"), key="region")
        # Names run long (红河哈尼族彝族自治州…): capped, so the department stays in view.
        gaps.add_column(t("coverage.col_name"), key="name", width=14)
        gaps.add_column(t("coverage.col_dept"), key="dept", width=width)
        self.query_one(RegionTree).focus()
        self.fetch_children(None)

    # --- database work (thread workers posting plain data back) ---------------------------

    @work(thread=True, group="children")
    def fetch_children(self, parent_code: str | None) -> None:
        try:
            with self.jz.database.read() as session:
                nodes = children(session, parent_code)
        except Exception as exc:  # the screen says what went wrong and stays usable
            self.post_message(LoadFailed(_first_line(exc), parent_code))
            return
        self.post_message(ChildrenLoaded(parent_code, nodes))

    @work(thread=True, exclusive=True, group="detail")
    def fetch_detail(self, code: str) -> None:
        try:
            with self.jz.database.read() as session:
                detail = show(session, code)
        except Exception as exc:
            self.post_message(LoadFailed(_first_line(exc)))
            return
        if not get_current_worker().is_cancelled:
            self.post_message(DetailLoaded(detail))

    # --- going to a region (the command line, a dashboard figure) ---------------------------

    def action_find_region(self) -> None:
        """/ asks for a region by name or code, on the command line."""
        from console.tui.screens.palette import CommandLine

        self.app.push_screen(CommandLine(":org "))

    def open_with(self, text: str) -> None:
        """Open the tree down to a region given by code or exact name; ``coverage:CODE`` (the
        overview's coverage figure) lists that region's gaps as well."""
        text = text.strip()
        if text.startswith(self.COVERAGE_PREFIX):
            # The tree walks to the region once the list is in: the list is what was asked
            # for, and the two would only slow each other down.
            self._after_coverage = text.removeprefix(self.COVERAGE_PREFIX).strip()
            self.show_coverage(self._after_coverage)
            return
        self._resolve(text)

    # --- coverage (org coverage) ---------------------------------------------------------

    @property
    def coverage_table(self) -> DataTable[Text]:
        return self.query_one("#coverage", DataTable)

    @property
    def coverage_shown(self) -> bool:
        return bool(self.coverage_table.display)

    def action_coverage(self) -> None:
        """c lists the gaps under the highlighted region; c again (or Esc) goes back."""
        if self.coverage_shown:
            self.action_back()
            return
        node = self.region_tree.cursor_node
        item = node.data if node is not None else None
        self.show_coverage(item.code if isinstance(item, RegionItem) else "53")

    def show_coverage(self, region: str) -> None:
        self.coverage_loading = True
        table = self.coverage_table
        table.clear()
        table.border_subtitle = t("tui.org_loading")
        self.query_one("#region-detail").display = False
        table.display = True
        table.focus()
        self.fetch_coverage(region)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "coverage":
            return self.jz.user is not None
        if action == "back":
            return self.coverage_shown
        return True

    def action_back(self) -> None:
        if not self.coverage_shown:
            return
        self.workers.cancel_group(self, "coverage")
        self.coverage_loading = False
        self.coverage_table.display = False
        self.query_one("#region-detail").display = True
        self.region_tree.focus()
        node = self.region_tree.cursor_node
        if node is not None:
            self.set_crumbs(*self.region_path(node))
        if self._detail_code is not None:
            self.fetch_detail(self._detail_code)

    @work(thread=True, exclusive=True, group="coverage")
    def fetch_coverage(self, region: str) -> None:
        from accounts.authz import require_admin_account
        from accounts.org import resolve_region
        from audit_log.actor import local_actor
        from rbac.queries import coverage

        user = self.jz.user
        try:
            if user is None:
                raise PermissionDenied("err.signin_required")
            actor = local_actor(login=user.login_name, account_id=user.id)
            require_admin_account(self.jz.database, actor, user.id)
            with self.jz.database.read() as session:
                root = resolve_region(session, region)
                result = coverage(session, root.code)
        except Exception as exc:
            self.post_message(LoadFailed(_first_line(exc), coverage=True))
            return
        if not get_current_worker().is_cancelled:
            self.post_message(CoverageLoaded(root.code, root.name, result))

    @on(CoverageLoaded)
    def _coverage_loaded(self, message: CoverageLoaded) -> None:
        if not self.coverage_shown:  # the admin went back before it came
            self.coverage_loading = False
            self._after_coverage = ""
            return
        from casedb.reference import DEPARTMENTS

        names = {d.code: (d.name_zh if language() == "zh" else d.name_en) for d in DEPARTMENTS}
        result = message.coverage
        table = self.coverage_table
        table.clear()
        for i, g in enumerate(result.gaps):
            dept = names.get(g.department, "-") if g.department != "*" else "-"
            table.add_row(
                Text(t(f"coverage.kind_{g.kind}")), Text(g.region),
                Text(g.region_name, overflow="ellipsis", no_wrap=True),
                Text(dept, overflow="ellipsis", no_wrap=True), key=f"{i}:{g.region}",
            )  # fmt: skip
        operators = sum(1 for g in result.gaps if g.kind == "operator")
        table.border_subtitle = Content(
            t("coverage.summary", name=message.name, cells=result.cells, operator_gaps=operators,
              townships=result.townships, approver_gaps=len(result.gaps) - operators)
        )  # fmt: skip
        if not result.gaps:
            table.add_row(Text(t("tui.org_coverage_none"), style="dim"), Text(""), Text(""),
                          Text(""), key="_none")  # fmt: skip
        self.set_crumbs(message.name, t("tui.org_coverage_crumb"))
        self.coverage_loading = False
        if self._after_coverage:
            self._resolve(self._after_coverage)
            self._after_coverage = ""

    @on(DataTable.RowSelected, "#coverage")
    def _gap_chosen(self, event: DataTable.RowSelected) -> None:
        """Enter on a gap: back to the tree, at the region that lacks its staff."""
        key = event.row_key.value or ""
        if ":" not in key:
            return
        self.action_back()
        self._resolve(key.partition(":")[2])

    @work(thread=True, exclusive=True, group="goto")
    def _resolve(self, text: str) -> None:
        from accounts.org import resolve_region
        from casedb.regions import ancestors

        try:
            with self.jz.database.read() as session:
                code = resolve_region(session, text).code
        except Exception as exc:
            self.post_message(LoadFailed(_first_line(exc)))
            return
        self.app.call_from_thread(self._go, ancestors(code))

    def _go(self, path: list[str]) -> None:
        self._goto = list(path)
        self._step()

    def _step(self) -> None:
        """Open the next region on the way as soon as its node exists."""
        while self._goto:
            node = self._by_code.get(self._goto[0])
            if node is None:
                return  # its parent's children are on their way: _children_loaded calls back
            self._goto.pop(0)
            if not self._goto:
                self.region_tree.move_cursor(node)
                self.region_tree.scroll_to_node(node)
                return
            if not node.is_expanded:
                node.expand()
            item = node.data
            if isinstance(item, RegionItem) and not item.loaded:
                self.load_children(node)
                return

    # --- the tree ----------------------------------------------------------------------

    @property
    def region_tree(self) -> RegionTree:
        return self.query_one(RegionTree)

    @on(ChildrenLoaded)
    def _children_loaded(self, message: ChildrenLoaded) -> None:
        tree = self.region_tree
        if message.parent_code is None:
            parent: TreeNode[RegionItem | None] = tree.root
        else:
            found = self._by_code.get(message.parent_code)
            if found is None or not isinstance(found.data, RegionItem):
                return
            parent = found
            found.data.loaded, found.data.loading = True, False
        parent.remove_children()
        for n in message.nodes:
            item = RegionItem(n.code, n.name, n.level, n.children)
            self._by_code[n.code] = parent.add(
                node_label(item), data=item, allow_expand=n.children > 0
            )
        if message.parent_code is None:
            if not message.nodes:
                self.query_one("#detail-title", Static).update(Content(t("tui.org_empty_tree")))
                return
            first = self._by_code[message.nodes[0].code]
            if len(message.nodes) == 1:
                first.expand()
            if not self._goto:
                self.call_after_refresh(tree.move_cursor, first)
        if self._goto:
            self.call_after_refresh(self._step)

    @on(Tree.NodeExpanded)
    def _expanded(self, event: Tree.NodeExpanded[RegionItem | None]) -> None:
        self.load_children(event.node)

    def load_children(self, node: TreeNode[RegionItem | None]) -> None:
        """Start reading a node's children unless they are in or on their way."""
        item = node.data
        if not isinstance(item, RegionItem) or item.loaded or item.loading:
            return
        item.loading = True
        node.remove_children()
        node.add_leaf(Text(t("tui.org_loading"), style="italic dim"), data=None)
        self.fetch_children(item.code)

    @on(Tree.NodeHighlighted)
    def _highlighted(self, event: Tree.NodeHighlighted[RegionItem | None]) -> None:
        item = event.node.data
        if not isinstance(item, RegionItem):
            return
        self._detail_code = item.code
        if self.coverage_shown:  # the details are hidden: read them when they show again
            return
        self.set_crumbs(*self.region_path(event.node))
        self.fetch_detail(item.code)

    def region_path(self, node: TreeNode[RegionItem | None]) -> list[str]:
        names: list[str] = []
        current: TreeNode[RegionItem | None] | None = node
        while current is not None and isinstance(current.data, RegionItem):
            names.append(current.data.name)
            current = current.parent
        return names[::-1]

    def action_refresh_region(self) -> None:
        """Reload the highlighted region's children and figures (others may have changed them)."""
        node = self.region_tree.cursor_node
        if node is None or not isinstance(node.data, RegionItem):
            self._by_code.clear()
            self.fetch_children(None)
            return
        item = node.data
        if item.loaded:
            item.loaded = False
            if node.is_expanded:
                self.load_children(node)
            else:
                node.remove_children()
        self.fetch_detail(item.code)

    # --- the details pane --------------------------------------------------------------

    @on(DetailLoaded)
    def _detail_loaded(self, message: DetailLoaded) -> None:
        d = message.detail
        if d.code != self._detail_code:
            return  # the cursor has moved on since
        self.query_one("#detail-title", Static).update(
            Content.assemble((d.name, "bold"), "  ", (f"[{level_name(d.level)}]", "dim"))
        )
        rows = [
            (t("tui.org_code"), d.code),
            (t("tui.org_level"), level_name(d.level)),
            (t("tui.org_path"), SEPARATOR.join(name for _, name in d.path)),
            (t("tui.org_children"), t("tui.org_children_n", n=d.children)),
        ]
        facts: list[str | tuple[str, str]] = []
        for i, (label, value) in enumerate(rows):
            facts.extend([(f"{label}：" if language() == "zh" else f"{label}: ", "dim"), value])
            if i < len(rows) - 1:
                facts.append("\n")
        self.query_one("#detail-facts", Static).update(Content.assemble(*facts))
        table = self.query_one("#detail-depts", DataTable)
        table.clear()
        for dept in d.departments:
            name = dept.name_zh if language() == "zh" else dept.name_en
            table.add_row(
                Text(name, overflow="ellipsis", no_wrap=True),
                Text(str(dept.accounts), justify="right"),
                Text(str(dept.open_cases), justify="right"),
                key=dept.code,
            )
        table.add_row(
            Text(t("tui.org_total"), style="bold"),
            Text(str(sum(x.accounts for x in d.departments)), justify="right", style="bold"),
            Text(str(sum(x.open_cases for x in d.departments)), justify="right", style="bold"),
            key="_total",
        )

    @on(LoadFailed)
    def _load_failed(self, message: LoadFailed) -> None:
        if message.parent_code is not None:
            node = self._by_code.get(message.parent_code)
            if node is not None and isinstance(node.data, RegionItem):
                node.data.loading = False
                node.remove_children()
                node.collapse()
        if message.coverage:  # said where the admin looks, not only in a passing toast
            self._after_coverage = ""
            table = self.coverage_table
            table.clear()
            table.border_subtitle = Content.styled(message.reason, "bold $text-error")
            self.coverage_loading = False
        self.notify(t("tui.load_failed", reason=message.reason), severity="error", markup=False)


def _first_line(exc: BaseException) -> str:
    if isinstance(exc, JzError):
        return t(exc.key, **exc.params)
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__
