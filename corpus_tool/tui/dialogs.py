"""Modal dialogs: help, export, saved searches, note editor, review set-up."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, OptionList, Select, Static, TextArea
from textual.widgets.option_list import Option

from corpus_tool.tui import keys
from corpus_tool.tui.session import SavedSearch


@keys.section("Dialogs", 8.2)
class HelpScreen(ModalScreen[None]):
    """Every key binding, by where it works."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark,f1", "dismiss", "Close help")
    ]

    def __init__(self, sections: list[tuple[str, list[tuple[str, str]]]]) -> None:
        super().__init__()
        self.sections = sections

    @property
    def plain(self) -> str:
        """The help as plain text (what a test or a screen reader compares against)."""
        lines = []
        for title, rows in self.sections:
            lines.append(title)
            lines += [f"  {keys}  {description}" for keys, description in rows]
        return "\n".join(lines)

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2), expand=True)
        table.add_column(style="bold cyan", no_wrap=True, min_width=16, max_width=26)
        table.add_column(ratio=1)
        for i, (title, rows) in enumerate(self.sections):
            if i:
                table.add_row("", "")
            table.add_row(Text(title, style="bold underline"), "")
            for shown_keys, description in rows:
                table.add_row(shown_keys, description)
        table.add_row("", "")
        table.add_row(
            "mouse",
            "click rows, facets, outline entries, references and buttons; "
            "drag in the quote selector to choose a span",
        )
        with Vertical(id="help-box", classes="dialog"):
            yield Label("Keys", classes="dialog-title")
            with VerticalScroll():
                yield Static(table, id="help-text")
            yield Label("Esc closes", classes="dialog-hint")


@dataclass(frozen=True)
class ExportRequest:
    fmt: str
    path: Path
    selection: dict[str, object]


@keys.section("Dialogs", 8)
class ExportDialog(ModalScreen[ExportRequest | None]):
    """Choose what to export (query, tag, label, document, author), the format and the path."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Cancel"),
        Binding("ctrl+s", "go", "Export", tooltip="Export with the choices made (from any field)"),
    ]

    def __init__(
        self,
        formats: tuple[str, ...],
        *,
        suffixes: dict[str, str],
        query: str,
        doc_ids: list[str],
        tag_labels: list[str],
        human_labels: list[str],
        default_dir: Path,
    ) -> None:
        super().__init__()
        self.formats = formats
        self.suffixes = suffixes
        self.query_text = query
        self.doc_ids = doc_ids
        self.tag_labels = tag_labels
        self.human_labels = human_labels
        self.default_dir = default_dir

    def compose(self) -> ComposeResult:
        fmt = self.formats[0] if self.formats else ""
        with Vertical(id="export-box", classes="dialog"):
            yield Label("Export", classes="dialog-title")
            yield Label("Format")
            yield Select(
                [(f, f) for f in self.formats], value=fmt, allow_blank=False, id="export-format"
            )
            yield Label("Query (empty: everything)")
            yield Input(self.query_text, id="export-query")
            with Horizontal(classes="dialog-row"):
                yield Select([(t, t) for t in self.tag_labels], prompt="any tag", id="export-tag")
                yield Select(
                    [(lab, lab) for lab in self.human_labels], prompt="any label", id="export-label"
                )
            with Horizontal(classes="dialog-row"):
                yield Select(
                    [(d, d) for d in self.doc_ids], prompt="all documents", id="export-doc"
                )
                yield Input(placeholder="author (any)", id="export-author")
            yield Label("Path")
            yield Input(str(self.default_dir / f"export{self._suffix(fmt)}"), id="export-path")
            with Horizontal(classes="dialog-row"):
                yield Checkbox("every provision, not only tagged/annotated", id="export-everything")
                yield Checkbox("UTF-8 BOM (Excel)", id="export-bom")
            yield Static("", id="export-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Export", variant="primary", id="export-go")
                yield Button("Cancel", id="export-cancel")

    @on(Select.Changed, "#export-format")
    def _format_changed(self, event: Select.Changed) -> None:
        path_input = self.query_one("#export-path", Input)
        path = Path(path_input.value)
        if event.value and path.stem == "export":
            path_input.value = str(path.with_suffix(self._suffix(str(event.value))))

    def _suffix(self, fmt: str) -> str:
        return self.suffixes.get(fmt) or f".{fmt}"

    @on(Button.Pressed, "#export-cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    def action_go(self) -> None:
        self._go()

    @on(Input.Submitted, "#export-path")
    @on(Button.Pressed, "#export-go")
    def _go(self) -> None:
        path_text = self.query_one("#export-path", Input).value.strip()
        if not path_text:
            self.query_one("#export-error", Static).update("Choose a path to write.")
            return

        def chosen(select_id: str) -> str | None:
            value = self.query_one(select_id, Select).value
            return None if value is Select.NULL else str(value)

        selection: dict[str, object] = {
            "query": self.query_one("#export-query", Input).value.strip() or None,
            "tag": chosen("#export-tag"),
            "label": chosen("#export-label"),
            "doc": chosen("#export-doc"),
            "author": self.query_one("#export-author", Input).value.strip() or None,
            "bom": self.query_one("#export-bom", Checkbox).value,
            "everything": self.query_one("#export-everything", Checkbox).value,
        }
        fmt = str(self.query_one("#export-format", Select).value)
        self.dismiss(ExportRequest(fmt, Path(path_text).expanduser(), selection))


@keys.section("Dialogs", 8.1)
class SaveSearchDialog(ModalScreen[str | None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, query: str) -> None:
        super().__init__()
        self.query_text = query

    def compose(self) -> ComposeResult:
        with Vertical(id="save-box", classes="dialog"):
            yield Label("Save search", classes="dialog-title")
            yield Static(Text(self.query_text or "(empty query)", style="italic"))
            yield Input(placeholder="name", id="save-name")
            yield Label("Enter saves · Esc cancels", classes="dialog-hint")

    @on(Input.Submitted, "#save-name")
    def _save(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.dismiss(event.value.strip())


class SavedSearchesDialog(ModalScreen[SavedSearch | None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, searches: list[SavedSearch]) -> None:
        super().__init__()
        self.searches = searches

    def compose(self) -> ComposeResult:
        with Vertical(id="saved-box", classes="dialog"):
            yield Label("Saved searches", classes="dialog-title")
            if not self.searches:
                yield Static("None yet: Ctrl+S in the search screen saves the current search.")
            options = []
            for i, s in enumerate(self.searches):
                filters = " ".join(f"{k}={v}" for k, v in s.filters.items())
                options.append(
                    Option(
                        Text.assemble((s.name, "bold"), "  ", s.query, f"  {filters}"), id=str(i)
                    )
                )
            yield OptionList(*options, id="saved-list")
            yield Label("Enter runs · Esc cancels", classes="dialog-hint")

    @on(OptionList.OptionSelected, "#saved-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.searches[int(event.option_id or 0)])


@dataclass(frozen=True)
class NoteRequest:
    note: str
    labels: tuple[str, ...]


@keys.section("Note editor", 7)
class NoteEditor(ModalScreen[NoteRequest | None]):
    """Write a note (and optionally labels) on the provision or its chosen quote."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save note"),
        Binding("escape", "dismiss(None)", "Cancel"),
    ]

    def __init__(
        self,
        citation: str,
        quote: str | None,
        labels: list[str],
        note: str = "",
        *,
        checked: tuple[str, ...] = (),
        title: str = "",
    ) -> None:
        super().__init__()
        self.citation = citation
        self.quote = quote
        self.labels = labels
        self.note = note  # pre-filled when editing an existing annotation
        self.checked = set(checked)
        self.heading_text = title or f"Note on {citation}"

    def compose(self) -> ComposeResult:
        with Vertical(id="note-box", classes="dialog"):
            yield Label(self.heading_text, classes="dialog-title")
            if self.quote:
                yield Static(Text(f"“{self.quote}”", style="italic"), id="note-quote")
            yield TextArea(self.note, id="note-text", soft_wrap=True)
            # A grid of fixed-width cells, not a row of 1fr boxes: a row squeezed
            # each checkbox to its box and cut the label name off at any width.
            with Grid(id="note-labels"):
                for name in self.labels:
                    yield Checkbox(
                        name,
                        name in self.checked,
                        id=f"note-label-{_css_id(name)}",
                        name=name,
                    )
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save (Ctrl+S)", variant="primary", id="note-save")
                yield Button("Cancel", id="note-cancel")

    def on_mount(self) -> None:
        self.query_one("#note-text", TextArea).focus()

    @on(Button.Pressed, "#note-cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#note-save")
    def action_save(self) -> None:
        note = self.query_one("#note-text", TextArea).text.strip()
        labels = tuple(
            str(box.name) for box in self.query(Checkbox) if box.value and box.name is not None
        )
        if note or labels:
            self.dismiss(NoteRequest(note, labels))
        elif self.checked or self.note:
            self.notify(
                "An annotation needs a note or a label; Del in the annotations panel deletes it.",
                severity="warning",
            )
        else:
            self.notify("Write a note or tick a label first.", severity="warning")


@keys.section("Dialogs", 8.3)
class AuthorDialog(ModalScreen[str | None]):
    """Who signs the annotations: asked once on the first run, changeable from the palette."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, default: str, *, first: bool = False) -> None:
        super().__init__()
        self.default = default
        self.first = first

    def compose(self) -> ComposeResult:
        with Vertical(id="author-box", classes="dialog"):
            yield Label("Your name on annotations", classes="dialog-title")
            if self.first:
                yield Static(
                    "Asked once: it is kept in your user configuration, not in the workspace."
                )
            yield Input(self.default, placeholder="name", id="author-name")
            hint = (
                "Enter saves · Esc keeps this name" if self.first else "Enter saves · Esc cancels"
            )
            yield Label(hint, classes="dialog-hint")

    @on(Input.Submitted, "#author-name")
    def _save(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.dismiss(event.value.strip())


@dataclass(frozen=True)
class ReviewRequest:
    label: str | None
    query: str


class ReviewSetup(ModalScreen[ReviewRequest | None]):
    """Which machine tags to review: one label or all, optionally only a query's hits."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, labels: list[str], query: str) -> None:
        super().__init__()
        self.labels = labels
        self.query_text = query

    def compose(self) -> ComposeResult:
        with Vertical(id="review-setup-box", classes="dialog"):
            yield Label("Review machine tags", classes="dialog-title")
            yield Label("Label")
            yield Select(
                [(lab, lab) for lab in self.labels], prompt="all labels", id="review-label"
            )
            yield Label("Only provisions matching (empty: all)")
            yield Input(self.query_text, id="review-query")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Start", variant="primary", id="review-start")
                yield Button("Cancel", id="review-cancel")

    @on(Button.Pressed, "#review-cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted, "#review-query")
    @on(Button.Pressed, "#review-start")
    def _start(self) -> None:
        value = self.query_one("#review-label", Select).value
        label = None if value is Select.NULL else str(value)
        self.dismiss(ReviewRequest(label, self.query_one("#review-query", Input).value.strip()))


def _css_id(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name)
