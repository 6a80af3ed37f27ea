"""The exemption map screen: one row per open-source exemption across the documents.

The same rows as ``corpus-tool exemptions`` (``annotations.exemptions``): who is
exempt, what, from what, on which conditions, with which carve-backs. A rejected
machine tag has no row; what a person added is marked ✎ with their name. Enter on
a cell opens the provision that cell quotes (a carve-back stated in another
provision opens that one) in the reader, its words highlighted; Esc comes back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.console import Console
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widgets import DataTable, Footer, Header, Static

from corpus_tool.tui import keys, render
from corpus_tool.tui.screens_base import CoreScreen
from corpus_tool.tui.session import short_title

if TYPE_CHECKING:
    from corpus_tool.tagging.exemption_map import ExemptionRecord

# The map's fields and titles are exemption_formats.FIELDS and TITLES, imported when
# the map is first shown: the exemption map's module compiles many patterns, and the
# app's start-up should not wait for a screen that may never be opened. The columns
# are the fields but "related" (recitals: shown in the pane below); a test checks
# that this list follows FIELDS.
MAP_FIELDS = ("beneficiary", "subject", "exempted_from", "conditions", "carve_backs")
CELL_WIDTH = 60  # at most: a cell shows its start; the pane below shows the whole row
CELL_LINES = 3
MIN_CELL = 12
DOC_WIDTH = 24
PERSON_STYLE = "bold italic"


@dataclass(frozen=True)
class CellValue:
    """One value of a field as the screen shows it, and the words it opens in the reader."""

    text: str
    doc_id: str
    provision_id: str
    where: str = ""  # "Article 53(1)(a), p. 84" when stated in another provision
    span: tuple[int, int] | None = None
    by_person: bool = False


@dataclass(frozen=True)
class MapRow:
    """One exemption, its cells, and the printed pages of its provision."""

    record: ExemptionRecord
    doc_title: str
    pages: str  # "p. L 119/36 (PDF p. 36)"
    cells: dict[str, tuple[CellValue, ...]]


def _values(
    rec: ExemptionRecord, name: str, page_of: dict[tuple[str, str], str]
) -> tuple[CellValue, ...]:
    from corpus_tool.tagging.exemption_map import ProvisionRef, SpanValue

    out = []
    for v in getattr(rec, name):
        if isinstance(v, SpanValue):
            text = v.text
            if v.kind and name in ("conditions", "carve_backs"):
                text = f"{text} [{v.kind}]"
            pid = v.provision_id or rec.provision_id
            span = (v.start, v.end) if v.start is not None and v.end is not None else None
            person = v.by == "person"
            author = v.author
        elif isinstance(v, ProvisionRef):
            text = v.citation if not v.text or v.text == v.citation else f"{v.citation} ({v.text})"
            pid = v.id or rec.provision_id
            span, person, author = None, v.by == "person", v.author
        else:
            continue
        if person:
            text = f"{text} (✎ {author})"
        where = ""
        if pid != rec.provision_id or name in ("exempted_from", "related"):
            page = page_of.get((rec.doc_id, pid), "")
            citation = v.citation if isinstance(v, SpanValue) else ""
            where = ", ".join(x for x in (citation, page) if x)
        out.append(CellValue(text, rec.doc_id, pid, where, span, person))
    return tuple(out)


def cell_text(values: tuple[CellValue, ...]) -> Text:
    """A field's values in one run ("a; b"), people's additions marked."""
    text = Text()
    for i, v in enumerate(values):
        if i:
            text.append("; ", style="dim")
        text.append(v.text, style=PERSON_STYLE if v.by_person else "")
        if v.where:
            text.append(f" ({v.where})", style="dim")
    return text


def fit(text: Text, width: int, console: Console, lines: int = CELL_LINES) -> Text:
    """``text`` wrapped to ``width`` on at most ``lines`` lines, "…" where it was cut."""
    wrapped = text.wrap(console, width)
    shown = list(wrapped)[:lines]
    if len(wrapped) > lines and shown:
        last = shown[-1]
        last.truncate(width - 1)
        last.append("…", style="dim")
    return Text("\n").join(shown)


def share_widths(natural: dict[str, int], total: int) -> dict[str, int]:
    """Column widths within ``total``: each column its natural width if all fit, else
    the narrow ones keep theirs and the wide ones share the rest evenly."""
    widths = dict(natural)
    wide = set(natural)
    room = total
    while wide:
        fair = room // len(wide)
        narrow = {f for f in wide if natural[f] <= fair}
        if not narrow:
            for f in wide:
                widths[f] = max(MIN_CELL, min(fair, CELL_WIDTH))
            break
        for f in narrow:
            room -= natural[f]
        wide -= narrow
    return widths


@keys.section("Exemption map", 6.5)
class ExemptionsScreen(CoreScreen):
    """Every open-source exemption side by side; Enter opens a cell's provision."""

    AUTO_FOCUS = "#exemptions"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open_cell", "Open in reader", tooltip="Open the cell's provision"),
        Binding("escape", "app.pop_screen", "Back", tooltip="Back to the search screen"),
    ]

    @dataclass
    class Ready(Message):
        rows: list[MapRow]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[MapRow] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Loading the exemption map…", id="exemptions-title")
        yield DataTable(id="exemptions", cursor_type="cell", zebra_stripes=True)
        with VerticalScroll(id="exemption-detail-scroll"):
            yield Static("", id="exemption-detail")
        yield Footer()

    def on_mount(self) -> None:
        self.load_map()

    def annotations_changed(self) -> None:
        """A decision or label arrived (a colleague's, on a shared store): rows follow it."""
        self.load_map()

    @work(thread=True, exclusive=True, group="exemptions", exit_on_error=False)
    def load_map(self) -> None:
        from corpus_tool.annotations import AnnotationStore
        from corpus_tool.annotations.exemptions import exemption_records
        from corpus_tool.tagging.exemption_formats import FIELDS
        from corpus_tool.tagging.exemption_map import SpanValue

        session = self.session
        bundles = [b for d in session.doc_ids() if (b := session.bundle(d)) is not None]
        # Everyone's decisions and labels, read as the CLI reads them.
        annotations = AnnotationStore(session.ws, author="-").all()
        records = exemption_records(bundles, annotations)
        by_doc = {b.meta.doc_id: b for b in bundles}
        page_of: dict[tuple[str, str], str] = {}
        rows = []
        for rec in records:
            bundle = by_doc[rec.doc_id]
            wanted = {rec.provision_id} | {
                (v.provision_id if isinstance(v, SpanValue) else v.id) or rec.provision_id
                for f in FIELDS
                for v in getattr(rec, f)
            }
            for pid in wanted:
                p = bundle.provision(pid)
                if p is not None and (rec.doc_id, pid) not in page_of:
                    printed, _pin = session.page_fields(p)
                    page_of[(rec.doc_id, pid)] = render.page_text(p.pages, printed)
            rows.append(
                MapRow(
                    record=rec,
                    doc_title=short_title(bundle),
                    pages=page_of.get((rec.doc_id, rec.provision_id), ""),
                    cells={f: _values(rec, f, page_of) for f in FIELDS},
                )
            )
        self.post_message(self.Ready(rows))

    @on(Ready)
    def _ready(self, event: Ready) -> None:
        from corpus_tool.tagging.exemption_formats import FIELDS, TITLES

        self.rows = event.rows
        table = self.query_one("#exemptions", DataTable)
        keep = table.cursor_coordinate  # a reload (live update) keeps the cursor's place
        table.clear(columns=True)
        table.add_column("Provision", key="provision")
        table.add_column("Document", key="document")
        for f in MAP_FIELDS:
            table.add_column(TITLES[f], key=f)
        # The five fields share what the provision and document columns leave, so the
        # whole row fits the screen (no column pushed off to the right); a short
        # column keeps its own width and gives the rest to the long ones.
        first_width = max((len(r.record.citation) + 2 for r in self.rows), default=10)
        spare = (self.size.width or 140) - first_width - DOC_WIDTH - 2 * (len(MAP_FIELDS) + 2) - 2
        texts = {f: [cell_text(r.cells[f]) for r in self.rows] for f in MAP_FIELDS}
        natural = {f: max([len(TITLES[f]), *(len(t) for t in texts[f])]) for f in MAP_FIELDS}
        widths = share_widths(natural, max(spare, MIN_CELL * len(MAP_FIELDS)))
        for i, row in enumerate(self.rows):
            rec = row.record
            first = Text(rec.citation, style="bold")
            if rec.by == "person":
                first.append(" ✎", style=PERSON_STYLE)
            elif rec.decision:
                first.append(f" ({rec.decision}ed)", style="dim")
            cells = [fit(texts[f][i], widths[f], self.app.console) for f in MAP_FIELDS]
            table.add_row(
                first,
                fit(Text(row.doc_title), DOC_WIDTH, self.app.console, 2),
                *cells,
                key=str(i),
                height=max(1, *(len(c.plain.splitlines()) for c in cells)),
            )
        people = sum(1 for r in self.rows if r.record.by == "person") + sum(
            1 for r in self.rows for f in FIELDS for v in r.cells[f] if v.by_person
        )
        title = Text.assemble(
            ("Open-source exemptions", "bold"),
            f"  {len(self.rows)} row(s) across {len({r.record.doc_id for r in self.rows})} document(s)",
            ("   ✎ = added by a person" + (f" ({people})" if people else ""), PERSON_STYLE),
            ("   Enter opens the cell's provision · Esc back", "dim"),
        )
        self.query_one("#exemptions-title", Static).update(title)
        if not self.rows:
            self.query_one("#exemption-detail", Static).update(
                Text("No open-source exemption in this workspace (rejected tags are left out).")
            )
        else:
            table.move_cursor(
                row=min(keep.row, len(self.rows) - 1), column=keep.column, animate=False
            )
            self._show_detail(table.cursor_coordinate.row)

    # --- the highlighted row, whole ---------------------------------------------------------
    @on(DataTable.CellHighlighted, "#exemptions")
    def _highlighted(self, event: DataTable.CellHighlighted) -> None:
        self._show_detail(event.coordinate.row)

    def _show_detail(self, index: int) -> None:
        from corpus_tool.tagging.exemption_formats import FIELDS, TITLES

        if not 0 <= index < len(self.rows):
            return
        row = self.rows[index]
        rec = row.record
        text = Text()
        text.append(f"{row.doc_title} › {rec.citation}", style="bold")
        text.append(f"   {row.pages}", style="italic")
        if rec.by == "person":
            text.append("   a row added by a person", style=PERSON_STYLE)
        elif rec.decision:
            text.append(f"   {rec.decision}ed by a reviewer", style="dim")
        for f in FIELDS:
            text.append(f"\n{TITLES[f]}: ", style="bold")
            values = row.cells[f]
            if values:
                text.append_text(cell_text(values))
            else:
                text.append("— (not stated)", style="dim")
        self.query_one("#exemption-detail", Static).update(text)

    # --- opening a cell ---------------------------------------------------------------------------
    def target_of(self, coordinate: Coordinate) -> CellValue | None:
        """What Enter on a cell opens: the value's own provision, else the row's."""
        if not 0 <= coordinate.row < len(self.rows):
            return None
        row = self.rows[coordinate.row]
        rec = row.record
        own = CellValue(rec.citation, rec.doc_id, rec.provision_id)
        column = coordinate.column - 2  # after Provision and Document
        if not 0 <= column < len(MAP_FIELDS):
            return own
        values = row.cells[MAP_FIELDS[column]]
        return values[0] if values else own

    def action_open_cell(self) -> None:
        table = self.query_one("#exemptions", DataTable)
        target = self.target_of(table.cursor_coordinate)
        if target is None:
            return
        spans = (target.span,) if target.span else ()
        self.corpus_app.open_reader(target.doc_id, target.provision_id, spans)

    @on(DataTable.CellSelected, "#exemptions")
    def _selected(self, event: DataTable.CellSelected) -> None:
        event.stop()
        self.action_open_cell()
