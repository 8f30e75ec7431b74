"""The Backups area (备份): each class of data with its newest verified backup, its age and
whether its RPO is met; the catalogue's backups; and create, verify and restore, each run in
a thread worker that shows its steps as they happen (issue 6).

Everything is read from the catalogue beside the backups (``ops.catalogue``; signatures
checked when the backup keys are in this keyring), as ``jzctl backup list`` and ``backup
status`` do, so the screen works even when nothing was ever backed up. Who may create,
verify or restore: the rule the CLI uses (``ops.access``: ``system.config`` at the province,
all departments), decided once the screen opens from the signed-in admin's grants; the
keys are hidden from anyone else and in read-only mode, and the services' callers still
authorise (and record a refusal) before each run.

Progress: ``verify`` and ``restore`` report the bytes unsealed, which drive a progress bar;
the stages around them (manifest and key, part digests, the checks on the copy, the audit
chain of a restored target) are step lines set from what the services return. ``create``
reports nothing while it runs: its one step shows as running until it returns. Backup ids,
URLs and problem details are rendered as plain text, never parsed as markup.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, DataTable, Input, OptionList, ProgressBar, Static
from textual.widgets.option_list import Option

from casedb.clock import show_local
from casedb.errors import InvalidInput
from console.i18n import has, language, t
from console.tui.screens import AreaScreen
from console.tui.screens.permission import error_text
from console.tui.widgets import FilterBox, localise_bindings

if TYPE_CHECKING:
    from audit_log.actor import Actor
    from ops.catalogue import Entry
    from ops.retention import ClassStatus
    from ops.verify import Report

Parts = list[str | Content | tuple[str, str]]
# A step's state: waiting, running, done, failed, skipped.
WAIT, RUN, DONE, FAIL, SKIP = "wait", "run", "done", "fail", "skip"
MARKS = {
    WAIT: ("·", "dim"),
    RUN: ("…", "bold $text-warning"),
    DONE: ("✓", "$text-success"),
    FAIL: ("✗", "bold $text-error"),
    SKIP: ("-", "dim"),
}
VERIFY_STYLE = {"ok": "green", "invalid": "bold red", None: "yellow"}
CREATE_STEPS = ("snapshot",)
VERIFY_STEPS = ("manifest", "parts", "scratch", "checks", "record")
RESTORE_STEPS = ("load", "restore", "counts", "chain")
CHECK_KINDS = ("schema mismatch", "count mismatch", "audit head mismatch", "audit chain")


# --- messages from the workers ---------------------------------------------------------


@dataclass
class Loaded(Message):
    generation: int
    root: str
    classes: list[ClassStatus]
    entries: list[Entry]
    present: dict[str, bool]
    signed: bool  # the catalogue's signatures were checked (the keys are here)
    untrusted: int
    may_write: bool


@dataclass
class LoadFailed(Message):
    generation: int
    reason: str


@dataclass
class StepChanged(Message):
    step: str
    state: str
    note: str = ""


@dataclass
class Progressed(Message):
    done: int
    total: int


@dataclass
class JobDone(Message):
    ok: bool
    lines: list[tuple[str, str]]  # (text, style): the result summary
    select: str | None = None  # a backup id to highlight afterwards


# --- pure helpers -----------------------------------------------------------------------


def human_size(n: int) -> str:
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return str(n)  # pragma: no cover


def class_title(name: str) -> str:
    from ops.classes import policy

    try:
        c = policy().get(name)
    except InvalidInput:
        return name
    return c.title_zh if language() == "zh" else c.title_en


def age_text(hours: float | None) -> str:
    if hours is None:
        return "—"
    if hours < 1:
        return t("tui.backups.age_minutes", minutes=int(hours * 60))
    if hours < 48:
        return t("tui.backups.age_hours", hours=f"{hours:.1f}")
    return t("tui.backups.age_days", days=f"{hours / 24:.1f}")


def verify_label(entry: Entry, present: bool) -> Text:
    if not present:
        return Text(t("backup.status.missing"), style="bold red")
    state = entry.verify_status
    key = f"backup.verify_{state or 'never'}"
    return Text(t(key) if has(key) else str(state), style=VERIFY_STYLE.get(state, "yellow"))


def entry_matches(entry: Entry, present: bool, words: list[str]) -> bool:
    """Whether every word of the filter is in what the row shows: the id, the class (name or
    title), the creation time, the verify state."""
    shown = " ".join(
        (entry.id, entry.backup_class, class_title(entry.backup_class),
         show_local(entry.created_at, seconds=False), verify_label(entry, present).plain)
    ).lower()  # fmt: skip
    return all(w in shown for w in words)


def problem_text(pr: dict[str, Any]) -> str:
    """A verify problem in words (the CLI's sentences, ``backup.problem_*``)."""
    kind = str(pr.get("kind", "")).replace(" ", "_")
    params = {k: ("-" if v is None else v) for k, v in pr.items() if k != "kind"}
    if "status" in params:
        params["status"] = t(f"backup.status.{str(params['status']).replace(' ', '_')}")
    if "reason" in params and kind == "manifest":
        params["reason"] = t(f"backup.problem.{str(params['reason']).replace(' ', '_')}")
    if "reason_key" in params:
        params["reason"] = t(str(params["reason_key"]), **params)
    key = f"backup.problem_{kind}"
    return t(key, **params) if has(key) else kind


def verify_steps(report: Report) -> dict[str, str]:
    """Each verify step's final state, from the report."""
    kinds = {str(p.get("kind")) for p in report.problems}
    out = dict.fromkeys(VERIFY_STEPS, DONE)
    if kinds & {"missing", "manifest", "wrong key"}:
        out.update(manifest=FAIL, parts=SKIP, scratch=SKIP, checks=SKIP)
    elif "part" in kinds:
        # A part failed its digest, or was found damaged while unsealing it.
        out.update(parts=FAIL, scratch=SKIP, checks=SKIP)
    elif "restore failed" in kinds:
        out.update(scratch=FAIL, checks=SKIP)
    elif kinds & set(CHECK_KINDS):
        out["checks"] = FAIL
    return out


def step_label(job: str, step: str) -> str:
    return t(f"tui.backups.step.{job}.{step}")


# --- dialogs -----------------------------------------------------------------------------


class CreateDialog(ModalScreen[str | None]):
    """Pick the class to back up (a class's backup holds it and every more critical one)."""

    CSS_PATH = "backups.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "tui.backups.bind_cancel", id="bk-create.cancel"),
    ]

    def __init__(self, classes: list[tuple[str, str]], preselect: str | None = None) -> None:
        super().__init__()
        localise_bindings(self)
        self.class_rows = classes
        self.preselect = preselect

    def compose(self) -> ComposeResult:
        with Vertical(id="bk-create-dialog", classes="bk-dialog") as dialog:
            dialog.border_title = t("tui.backups.create_title")
            yield Static(Content(t("tui.backups.create_question")), classes="bk-question")
            yield OptionList(
                *(
                    Option(Content(f"{title}  ({name})"), id=name)
                    for name, title in self.class_rows
                ),
                id="bk-create-classes",
                compact=True,
            )
            with Horizontal(classes="bk-buttons"):
                yield Button(t("tui.backups.create_ok"), variant="primary", id="bk-create-ok")
                yield Button(t("tui.backups.cancel"), id="bk-create-cancel")

    def on_mount(self) -> None:
        options = self.query_one("#bk-create-classes", OptionList)
        names = [name for name, _ in self.class_rows]
        index = names.index(self.preselect) if self.preselect in names else len(names) - 1
        options.highlighted = max(index, 0)
        options.focus()

    @on(OptionList.OptionSelected)
    @on(Button.Pressed, "#bk-create-ok")
    def _ok(self) -> None:
        options = self.query_one("#bk-create-classes", OptionList)
        if options.highlighted is None:
            return
        self.dismiss(self.class_rows[options.highlighted][0])

    @on(Button.Pressed, "#bk-create-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


@dataclass(frozen=True)
class RestoreRequest:
    target: str
    force: bool


class RestoreDialog(ModalScreen[RestoreRequest | None]):
    """Restore a backup: the target URL, a force checkbox for a non-empty target, and the
    backup's id typed to confirm (the restore button stays off until it matches)."""

    CSS_PATH = "backups.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "tui.backups.bind_cancel", id="bk-restore.cancel"),
    ]

    def __init__(self, backup_id: str, backend: str) -> None:
        super().__init__()
        localise_bindings(self)
        self.backup_id = backup_id
        self.backend = backend

    def compose(self) -> ComposeResult:
        with Vertical(id="bk-restore-dialog", classes="bk-dialog") as dialog:
            dialog.border_title = t("tui.backups.restore_title")
            yield Static(
                Content(t("tui.backups.restore_question", id=self.backup_id)),
                classes="bk-question",
            )
            with Horizontal(classes="bk-form-row"):
                yield Static(Content(t("tui.backups.restore_target")), classes="bk-form-label")
                hint = "sqlite:///…" if self.backend == "sqlite" else "postgresql+psycopg://…"
                yield Input(id="bk-restore-target", placeholder=hint, compact=True)
            with Horizontal(classes="bk-form-row"):
                yield Static("", classes="bk-form-label")
                yield Checkbox(t("tui.backups.restore_force"), id="bk-restore-force", compact=True)
            yield Static(
                Content.styled(t("tui.backups.restore_type", id=self.backup_id), "$text-warning"),
                classes="bk-question",
            )
            with Horizontal(classes="bk-form-row"):
                yield Static(Content(t("tui.backups.restore_confirm")), classes="bk-form-label")
                yield Input(id="bk-restore-id", compact=True)
            yield Static("", id="bk-restore-error", classes="bk-error")
            with Horizontal(classes="bk-buttons"):
                yield Button(
                    t("tui.backups.restore_ok"), variant="error", id="bk-restore-ok", disabled=True
                )
                yield Button(t("tui.backups.cancel"), id="bk-restore-cancel")

    def on_mount(self) -> None:
        self.query_one("#bk-restore-error").display = False
        self.query_one("#bk-restore-target", Input).focus()

    @property
    def confirmed(self) -> bool:
        return self.query_one("#bk-restore-id", Input).value.strip() == self.backup_id

    @property
    def target(self) -> str:
        return self.query_one("#bk-restore-target", Input).value.strip()

    @on(Input.Changed)
    def _typed(self) -> None:
        self.query_one("#bk-restore-ok", Button).disabled = not (self.confirmed and self.target)

    def _error(self, text: str) -> None:
        error = self.query_one("#bk-restore-error", Static)
        error.update(Content(text))
        error.display = True

    @on(Input.Submitted)
    @on(Button.Pressed, "#bk-restore-ok")
    def _ok(self) -> None:
        from casedb.engine import normalise_url

        if not self.target:
            self._error(t("tui.backups.restore_target_missing"))
            self.query_one("#bk-restore-target", Input).focus()
            return
        try:
            normalise_url(self.target)
        except Exception as exc:
            self._error(t("tui.backups.restore_target_bad", reason=error_text(exc)))
            self.query_one("#bk-restore-target", Input).focus()
            return
        if not self.confirmed:
            self._error(t("err.backup_not_confirmed"))
            self.query_one("#bk-restore-id", Input).focus()
            return
        force = self.query_one("#bk-restore-force", Checkbox).value
        self.dismiss(RestoreRequest(self.target, force))

    @on(Button.Pressed, "#bk-restore-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


# --- the screen --------------------------------------------------------------------------


@dataclass
class Job:
    kind: str  # create | verify | restore
    subject: str  # the class or the backup id
    steps: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    result: list[tuple[str, str]] = field(default_factory=list)
    ok: bool | None = None


class BackupsScreen(AreaScreen):
    """备份：各类数据的最近校验通过备份、距今多久、是否满足 RPO；备份列表；创建、校验、恢复。"""

    AREA = "backups"
    CSS_PATH = "backups.tcss"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]  # noqa: RUF012 - Textual's own
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "create", "tui.backups.bind_create", id="backups.create"),
        Binding("v", "verify", "tui.backups.bind_verify", id="backups.verify"),
        Binding("R", "restore", "tui.backups.bind_restore", id="backups.restore"),
        Binding("slash", "filter", "tui.backups.bind_filter", id="backups.filter"),
        Binding("r", "reload", "tui.backups.bind_refresh", id="backups.refresh"),
        Binding("tab", "switch_table", "tui.backups.bind_switch", id="backups.switch", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.class_rows: list[ClassStatus] = []
        self.entries: dict[str, Entry] = {}
        self.present: dict[str, bool] = {}
        self.root = ""
        self.may_write = False
        self.fetching = False
        self.busy = False
        self.job: Job | None = None
        self._generation = 0
        self._select_after: str | None = None
        self._class_wanted: str | None = None
        self._last_pct = -1
        self.match = ""  # the / filter in force

    # --- layout ----------------------------------------------------------------------

    def compose_body(self) -> ComposeResult:
        yield Static(Content(t("tui.backups.loading")), id="bk-status")
        classes = DataTable[Text](id="bk-classes", cursor_type="row", zebra_stripes=True)
        classes.border_title = t("tui.backups.classes_title")
        yield classes
        yield FilterBox(t("tui.backups.filter_placeholder"), id="bk-filter")
        with Horizontal(id="bk-main"):
            backups = DataTable[Text](id="bk-list", cursor_type="row", zebra_stripes=True)
            backups.border_title = t("tui.backups.list_title")
            yield backups
            with VerticalScroll(id="bk-job") as job:
                job.border_title = t("tui.backups.job_title")
                yield Static(Content.styled(t("tui.backups.job_idle"), "dim"), id="bk-steps")
                yield ProgressBar(id="bk-bar", show_eta=False)
                yield Static("", id="bk-result")

    def on_mount(self) -> None:
        classes = self.class_table
        classes.add_column(t("backup.col_class"), key="class", width=10)
        classes.add_column(t("backup.col_rpo"), key="rpo", width=8)
        classes.add_column(t("backup.col_last_verified"), key="last", width=26)
        classes.add_column(t("backup.col_age"), key="age", width=9)
        classes.add_column(t("backup.col_rpo_met"), key="met", width=14)
        backups = self.backup_table
        backups.add_column(t("backup.col_id"), key="id", width=30)
        backups.add_column(t("backup.col_class"), key="class", width=8)
        backups.add_column(t("backup.col_created"), key="created", width=11)
        backups.add_column(t("backup.col_size"), key="size", width=9)
        backups.add_column(t("backup.col_verified"), key="verified", width=7)
        self.query_one("#bk-bar", ProgressBar).display = False
        backups.focus()
        self.reload()

    @property
    def class_table(self) -> DataTable[Text]:
        return self.query_one("#bk-classes", DataTable)

    @property
    def backup_table(self) -> DataTable[Text]:
        return self.query_one("#bk-list", DataTable)

    @property
    def current(self) -> Entry | None:
        table = self.backup_table
        if table.row_count == 0:
            return None
        try:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        except Exception:
            return None
        return self.entries.get(key) if key is not None else None

    @property
    def current_class(self) -> str | None:
        table = self.class_table
        if table.row_count == 0 or not (0 <= table.cursor_row < len(self.class_rows)):
            return None
        return self.class_rows[table.cursor_row].name

    # --- who may do what -------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("create", "verify", "restore"):
            if not (self.writable and self.may_write and self.jz.user is not None):
                return False
            if self.busy:
                return None  # shown, greyed out, while a job runs
            if action != "create" and self.current is None:
                return None
        return True

    def _operator(self) -> Any:
        from accounts.authz import operator_for

        user = self.jz.user
        assert user is not None
        return operator_for(self.jz.database, user.id, user.login_name)

    # --- loading ---------------------------------------------------------------------

    def reload(self) -> None:
        self._generation += 1
        self.fetching = True
        self.fetch(self._generation)

    def action_reload(self) -> None:
        self.reload()

    @work(thread=True, exclusive=True, group="backups-load")
    def fetch(self, generation: int) -> None:
        from ops import catalogue, keys, retention
        from ops.classes import policy
        from rbac.templates import SYSTEM_CONFIG

        try:
            try:
                k: keys.BackupKeys | None = keys.load()
            except InvalidInput:
                k = None  # nothing backed up here yet, or the keys live elsewhere
            root = catalogue.default_root()
            cat = catalogue.read(root, k)
            status = retention.status(cat, policy(), datetime.now(UTC))
            live = cat.live()
            present = {e.id: retention.folder_exists(root, e) for e in live}
            may = False
            user = self.jz.user
            if user is not None and not self.jz.readonly:
                from accounts.authz import operator_for
                from accounts.cli_support import ALL, PROVINCE

                op = operator_for(self.jz.database, user.id, user.login_name)
                may = op.decide(SYSTEM_CONFIG, PROVINCE, ALL).allowed
        except Exception as exc:  # the screen says what went wrong and stays usable
            self.post_message(LoadFailed(generation, error_text(exc)))
            return
        self.post_message(
            Loaded(
                generation,
                str(root),
                status,
                live,
                present,
                k is not None,
                cat.untrusted_lines,
                may,
            )
        )

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        if message.generation != self._generation:
            return
        self.fetching = False
        self.root = message.root
        self.may_write = message.may_write
        self.class_rows = message.classes
        self.present = message.present
        keep = self.current.id if self.current is not None else None
        keep_class = self.current_class
        self.entries = {e.id: e for e in message.entries}
        self._fill_classes()
        self._fill_backups()
        wanted_class = self._class_wanted or keep_class
        if wanted_class is not None:
            self._move_class(wanted_class)
        self._class_wanted = None
        wanted = self._select_after or keep
        self._select_after = None
        if wanted is not None and wanted in self.entries:
            self.backup_table.move_cursor(row=self.backup_table.get_row_index(wanted))
        self._show_status(message)
        self.refresh_bindings()

    @on(LoadFailed)
    def _load_failed(self, message: LoadFailed) -> None:
        if message.generation != self._generation:
            return
        self.fetching = False
        text = t("tui.load_failed", reason=message.reason)
        self.query_one("#bk-status", Static).update(Content.styled(text, "bold $text-error"))
        self.notify(text, severity="error", markup=False)

    def _fill_classes(self) -> None:
        table = self.class_table
        table.clear()
        for c in self.class_rows:
            if c.last_verified is None:
                met = Text(t("tui.backups.rpo_never"), style="bold red")
            elif c.rpo_met:
                met = Text(t("tui.backups.rpo_met"), style="green")
            else:
                met = Text(t("tui.backups.rpo_missed"), style="bold red")
            table.add_row(
                Text(class_title(c.name), no_wrap=True, overflow="ellipsis"),
                Text(t("backup.hours", hours=f"{c.rpo_hours:g}"), no_wrap=True),
                Text(
                    c.last_verified.id if c.last_verified else "—",
                    style="" if c.last_verified else "dim",
                    no_wrap=True,
                    overflow="ellipsis",
                ),
                Text(age_text(c.age_hours), no_wrap=True),
                met,
                key=c.name,
            )

    def _fill_backups(self) -> None:
        table = self.backup_table
        table.clear()
        words = self.match.lower().split()
        for e in reversed(list(self.entries.values())):
            if words and not entry_matches(e, self.present.get(e.id, False), words):
                continue
            table.add_row(
                Text(e.id, no_wrap=True, overflow="ellipsis"),
                Text(class_title(e.backup_class), no_wrap=True, overflow="ellipsis"),
                Text(show_local(e.created_at, seconds=False)[5:], no_wrap=True),
                Text(human_size(e.size), justify="right", no_wrap=True),
                verify_label(e, self.present.get(e.id, False)),
                key=e.id,
            )

    def _show_status(self, message: Loaded) -> None:
        parts: Parts = [t("tui.backups.count", n=len(message.entries), root=message.root)]
        if not message.signed:
            parts.extend(["  ", (t("tui.backups.unsigned"), "$text-warning")])
        if message.untrusted:
            parts.extend(
                ["  ", (t("backup.list_untrusted", count=message.untrusted), "bold $text-error")]
            )
        if self.jz.user is not None and not message.may_write and self.writable:
            parts.extend(["  ", (t("tui.backups.read_only_role"), "dim")])
        self.query_one("#bk-status", Static).update(Content.assemble(*parts))

    def _move_class(self, name: str) -> bool:
        for i, c in enumerate(self.class_rows):
            if c.name == name:
                self.class_table.move_cursor(row=i)
                return True
        return False

    @on(DataTable.RowHighlighted, "#bk-list")
    def _backup_highlighted(self) -> None:
        self.refresh_bindings()
        entry = self.current
        if entry is not None:
            self.set_crumbs(class_title(entry.backup_class), entry.id)

    @on(DataTable.RowHighlighted, "#bk-classes")
    def _class_highlighted(self) -> None:
        name = self.current_class
        if name is not None and self.class_table.has_focus:
            self.set_crumbs(class_title(name))

    def action_filter(self) -> None:
        """/ filters the backups: an id, a class, a date (2026-12), a verify state."""
        self.query_one("#bk-filter", FilterBox).open()

    @on(FilterBox.Applied, "#bk-filter")
    def _filtered(self, message: FilterBox.Applied) -> None:
        if message.text != self.match:
            self.match = message.text
            self._fill_backups()
        if message.done:
            self.backup_table.focus()

    # --- navigation ------------------------------------------------------------------

    def open_with(self, text: str) -> None:
        """Select a class by its name (``core``) or its title (``核心数据``)."""
        wanted = text.strip().lower()
        for c in self.class_rows:
            if wanted in (c.name.lower(), class_title(c.name).lower()):
                self._move_class(c.name)
                self.class_table.focus()
                return
        from ops.classes import policy

        for d in policy().classes:
            if wanted in (d.name.lower(), d.title_zh.lower(), d.title_en.lower()):
                self._class_wanted = d.name  # applied when the list arrives
                self.class_table.focus()
                return

    def action_switch_table(self) -> None:
        if self.backup_table.has_focus:
            self.class_table.focus()
        else:
            self.backup_table.focus()

    # --- the job panel ---------------------------------------------------------------

    def _start_job(self, kind: str, subject: str, steps: tuple[str, ...]) -> Job:
        self.busy = True
        self.job = Job(kind, subject, dict.fromkeys(steps, WAIT))
        self._last_pct = -1
        bar = self.query_one("#bk-bar", ProgressBar)
        bar.update(total=None, progress=0)
        bar.display = False
        self.query_one("#bk-result", Static).update("")
        self.query_one("#bk-job", VerticalScroll).border_title = t(
            f"tui.backups.job_{kind}", subject=subject
        )
        self._render_steps()
        self.refresh_bindings()
        return self.job

    def _render_steps(self) -> None:
        job = self.job
        if job is None:
            return
        parts: Parts = []
        for step, state in job.steps.items():
            mark, style = MARKS[state]
            if parts:
                parts.append("\n")
            parts.extend(
                [(f"{mark} ", style), (step_label(job.kind, step), "bold" if state == RUN else "")]
            )
            note = job.notes.get(step)
            if note:
                parts.extend(["  ", (note, "dim")])
        self.query_one("#bk-steps", Static).update(Content.assemble(*parts))

    @on(StepChanged)
    def _step_changed(self, message: StepChanged) -> None:
        if self.job is None:
            return
        self.job.steps[message.step] = message.state
        if message.note:
            self.job.notes[message.step] = message.note
        bar = self.query_one("#bk-bar", ProgressBar)
        if message.state == RUN and message.step in ("scratch", "restore"):
            bar.display = True
        elif message.step in ("scratch", "restore"):
            bar.display = False
        self._render_steps()

    @on(Progressed)
    def _progressed(self, message: Progressed) -> None:
        bar = self.query_one("#bk-bar", ProgressBar)
        bar.display = True
        bar.update(total=max(message.total, 1), progress=message.done)

    @on(JobDone)
    def _job_done(self, message: JobDone) -> None:
        self.busy = False
        self.query_one("#bk-bar", ProgressBar).display = False
        if self.job is not None:
            self.job.ok = message.ok
            self.job.result = message.lines
        parts: Parts = []
        for text, style in message.lines:
            if parts:
                parts.append("\n")
            parts.append((text, style))
        self.query_one("#bk-result", Static).update(Content.assemble(*parts))
        # The summary comes last: keep it in sight on a short terminal.
        self.call_after_refresh(self.query_one("#bk-job", VerticalScroll).scroll_end, animate=False)
        if message.lines:
            first = message.lines[0][0]
            self.notify(first, severity="information" if message.ok else "error", markup=False)
        self._select_after = message.select
        self.refresh_bindings()
        self.reload()

    def _progress_fn(self) -> Any:
        """A progress callback for the services (called from the worker thread): posts at
        most one message per whole percent."""

        def advance(done: int, total: int) -> None:
            pct = int(done * 100 / total) if total else 0
            if pct != self._last_pct:
                self._last_pct = pct
                self.post_message(Progressed(done, total))

        return advance

    # --- create ----------------------------------------------------------------------

    def action_create(self) -> None:
        if self.check_action("create", ()) is not True:
            return
        from ops.classes import policy

        choices = [(c.name, class_title(c.name)) for c in policy().classes]

        def chosen(name: str | None) -> None:
            if name:
                self._start_job("create", class_title(name), CREATE_STEPS)
                self.run_create(name, self._operator_actor())

        self.app.push_screen(CreateDialog(choices, self.current_class), chosen)

    def _operator_actor(self) -> Actor:
        from audit_log.actor import local_actor

        user = self.jz.user
        assert user is not None
        return local_actor(login=user.login_name, account_id=user.id)

    @work(thread=True, exclusive=True, group="backups-job")
    def run_create(self, backup_class: str, actor: Actor) -> None:
        from ops import access, backup, catalogue, keys

        self.post_message(StepChanged("snapshot", RUN))
        try:
            op = self._operator()
            access.authorise(self.jz.database, op.actor, backup.ACTION, authorize=op.authorize)
            made = backup.create(
                self.jz.database,
                op.actor,
                keys.load(create=True),
                backup_class=backup_class,
                root=catalogue.default_root(),
            )
        except Exception as exc:
            self.post_message(StepChanged("snapshot", FAIL))
            self.post_message(
                JobDone(
                    False,
                    [(t("tui.backups.create_failed", reason=error_text(exc)), "bold $text-error")],
                )
            )
            return
        doc = made.manifest
        self.post_message(StepChanged("snapshot", DONE, human_size(made.size)))
        lines = [
            (t("tui.backups.created", id=made.id), "bold $text-success"),
            (
                t(
                    "tui.backups.created_detail",
                    tables=len(doc["tables"]),
                    rows=made.rows,
                    size=human_size(made.size),
                ),
                "",
            ),
            (t("tui.backups.created_hint"), "dim"),
        ]
        self.post_message(JobDone(True, lines, made.id))

    # --- verify ----------------------------------------------------------------------

    def action_verify(self) -> None:
        entry = self.current
        if self.check_action("verify", ()) is not True or entry is None:
            return
        self._start_job("verify", entry.id, VERIFY_STEPS)
        self.run_verify(entry.id)

    @work(thread=True, exclusive=True, group="backups-job")
    def run_verify(self, backup_id: str) -> None:
        from audit_log.chain import record
        from ops import access, catalogue, keys
        from ops import verify as v

        database = self.jz.database
        self.post_message(StepChanged("manifest", RUN))
        advance = self._progress_fn()
        started = False

        def progress(done: int, total: int) -> None:
            nonlocal started
            if not started:
                started = True
                self.post_message(StepChanged("manifest", DONE))
                self.post_message(StepChanged("parts", DONE))
                self.post_message(StepChanged("scratch", RUN))
            advance(done, total)

        try:
            op = self._operator()
            access.authorise(database, op.actor, v.ACTION, authorize=op.authorize)
            k = keys.load()
            root = catalogue.default_root()
            catalogue.read(root, k).find(backup_id)
            scratch = database.raw_url if database.backend == "postgresql" else None
            report = v.verify(root, backup_id, k, scratch_url=scratch, progress=progress)
            if report.restored:
                self.post_message(StepChanged("scratch", DONE))
                self.post_message(StepChanged("checks", RUN))
            at = datetime.now(UTC).isoformat()
            catalogue.append(
                root,
                k,
                {
                    "fact": "verified",
                    "id": backup_id,
                    "at": at,
                    "status": report.status,
                    "problems": report.problems[:20],
                },
            )
            with database.uow() as uow:
                record(
                    uow.session,
                    op.actor,
                    v.ACTION,
                    target_kind="backup",
                    target_id=backup_id,
                    outcome="ok" if report.status == v.OK else "failed",
                    reason="" if report.status == v.OK else "backup.invalid",
                    details={
                        "status": report.status,
                        "problems": report.problems[:20],
                        "rows": report.rows,
                    },
                )
                uow.commit()
        except Exception as exc:
            self.post_message(StepChanged("manifest" if not started else "scratch", FAIL))
            self.post_message(
                JobDone(
                    False,
                    [(t("tui.backups.verify_failed", reason=error_text(exc)), "bold $text-error")],
                )
            )
            return
        for step, state in verify_steps(report).items():
            note = ""
            if step == "parts" and report.parts:
                note = ", ".join(
                    f"{p.name}: {t('backup.status.' + p.status.replace(' ', '_'))}"
                    for p in report.parts
                )
            if step == "checks" and report.restored:
                note = t(
                    "tui.backups.checks_note",
                    tables=report.tables,
                    rows=report.rows,
                    events=report.audit_events or 0,
                )
            self.post_message(StepChanged(step, state, note))
        if report.status == v.OK:
            lines = [
                (
                    t(
                        "backup.verified_ok",
                        id=report.id,
                        tables=report.tables,
                        rows=report.rows,
                        events=report.audit_events or 0,
                        seconds=f"{report.seconds:.1f}",
                    ),
                    "bold $text-success",
                ),
            ]
        else:
            lines = [
                (
                    t("backup.verified_bad", id=report.id, count=len(report.problems)),
                    "bold $text-error",
                )
            ]
            lines.extend((f"  {problem_text(p)}", "$text-error") for p in report.problems[:20])
        self.post_message(JobDone(report.status == v.OK, lines, backup_id))

    # --- restore ---------------------------------------------------------------------

    def action_restore(self) -> None:
        entry = self.current
        if self.check_action("restore", ()) is not True or entry is None:
            return
        backup_id = entry.id

        def given(request: RestoreRequest | None) -> None:
            if request is not None:
                self._start_job("restore", backup_id, RESTORE_STEPS)
                self.run_restore(backup_id, request)

        self.app.push_screen(RestoreDialog(entry.id, entry.backend), given)

    @work(thread=True, exclusive=True, group="backups-job")
    def run_restore(self, backup_id: str, request: RestoreRequest) -> None:
        from audit_log.verify import verify as audit_verify
        from casedb.engine import Database
        from ops import access, catalogue, keys
        from ops import restore as r

        self.post_message(StepChanged("load", RUN))
        advance = self._progress_fn()
        stage = "load"

        def progress(done: int, total: int) -> None:
            nonlocal stage
            if stage == "load":
                stage = "restore"
                self.post_message(StepChanged("load", DONE))
                self.post_message(StepChanged("restore", RUN))
            if done >= total and stage == "restore":
                stage = "counts"
                self.post_message(StepChanged("restore", DONE))
                self.post_message(StepChanged("counts", RUN))
            advance(done, total)

        try:
            op = self._operator()
            access.authorise(self.jz.database, op.actor, r.ACTION, authorize=op.authorize)
            k = keys.load()
            root = catalogue.default_root()
            catalogue.read(root, k).find(backup_id)
            done = r.restore(
                root, backup_id, k, request.target, op.actor, force=request.force, progress=progress
            )
        except Exception as exc:
            self.post_message(StepChanged(stage, FAIL))
            lines = [(t("tui.backups.restore_failed", reason=error_text(exc)), "bold $text-error")]
            lines.append((t("tui.backups.restore_unchanged"), "$text-warning"))
            self.post_message(JobDone(False, lines))
            return
        for step in ("load", "restore", "counts"):
            self.post_message(StepChanged(step, DONE))
        self.post_message(StepChanged("chain", RUN))
        chain_ok, chain_note = True, ""
        try:
            target = Database(request.target)
            try:
                with target.read() as session:
                    result = audit_verify(session)
            finally:
                target.dispose()
            chain_ok = result.clean
            chain_note = t(
                "tui.backups.chain_note", events=result.events, findings=len(result.findings)
            )
        except Exception as exc:
            chain_ok, chain_note = False, error_text(exc)
        self.post_message(StepChanged("chain", DONE if chain_ok else FAIL, chain_note))
        lines = [
            (
                t(
                    "backup.restored",
                    id=done.id,
                    target=done.target,
                    tables=done.tables,
                    rows=done.rows,
                ),
                "bold $text-success",
            ),
        ]
        if done.replaced:
            lines.append((t("tui.backups.restore_replaced"), "$text-warning"))
        if done.events_lost_here:
            lines.append((t("backup.events_lost", count=done.events_lost_here), "$text-warning"))
        if not chain_ok:
            lines.append((t("tui.backups.chain_bad"), "bold $text-error"))
        self.post_message(JobDone(chain_ok, lines, backup_id))
