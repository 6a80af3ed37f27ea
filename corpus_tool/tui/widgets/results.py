"""The results table: one row per matching provision."""

from __future__ import annotations

import time
from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.message import Message
from textual.widgets import DataTable

from corpus_tool.model import SearchHit
from corpus_tool.tui.session import ResultRow, SearchOutcome

TAGS_WIDTH = 34  # keeps the score column on screen when a provision has many labels
HEADING_WIDTH = 50  # a long heading must not push Tags and Score off screen
COLUMNS = ("Citation", "Document", "Heading", "Tags · labels", "Score")


class ResultsTable(DataTable[object]):
    """Provisions found by the current query; Enter opens one in the reader."""

    @dataclass
    class Opened(Message):
        row: ResultRow

    @dataclass
    class Highlighted(Message):
        row: ResultRow

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        self.rows_shown: list[ResultRow] = []
        # When rows were last replaced and then painted (read by benchmarks/tui_bench.py).
        self.shown_at = 0.0
        self.painted_at = 0.0

    def on_mount(self) -> None:
        for name in COLUMNS:
            self.add_column(name, key=name)

    def show(self, outcome: SearchOutcome, colours: dict[str, str]) -> None:
        self.shown_at = time.perf_counter()
        if list(outcome.rows) == self.rows_shown and self.row_count == len(self.rows_shown):
            # Another letter often finds the same rows: keep the table (and its cursor).
            self.call_after_refresh(self._painted)
            return
        same_hits = [r.hit for r in outcome.rows] == [r.hit for r in self.rows_shown]
        if same_hits and self.row_count == len(self.rows_shown):
            # The same hits with other labels (a colleague annotated, or back from the
            # reader): only the labels change; cursor, scroll and order stay.
            self.relabel(outcome.rows, colours)
            self.call_after_refresh(self._painted)
            return
        # A new list: columns are rebuilt with widths measured on this query's rows,
        # not the widest cell any earlier query had. Widths are set, not left to
        # the table's auto-width, which is measured later on an idle tick and in
        # a real terminal sometimes left the columns at the width of their titles.
        cells = [
            (
                Text(row.hit.citation, style="bold"),
                Text(row.hit.doc_id),
                heading_cell(row.hit),
                marks_cell(row, colours),
                Text(f"{row.hit.score:.2f}", justify="right"),
            )
            for row in outcome.rows
        ]
        self.clear(columns=True)
        for n, name in enumerate(COLUMNS):
            if name == "Tags · labels":
                width = TAGS_WIDTH  # labels added later (relabel) must fit too
            else:
                width = max([len(name), *(c[n].cell_len for c in cells)])
            self.add_column(name, key=name, width=width)
        self.rows_shown = list(outcome.rows)
        for i, row_cells in enumerate(cells):
            self.add_row(*row_cells, key=str(i))
        self.call_after_refresh(self._painted)

    def relabel(
        self, rows: tuple[ResultRow, ...] | list[ResultRow], colours: dict[str, str]
    ) -> None:
        """Show new labels on the rows in place (same hits, same order, same cursor)."""
        for i, (old, new) in enumerate(zip(self.rows_shown, rows, strict=True)):
            if (old.tags, old.labels) != (new.tags, new.labels):
                self.update_cell(str(i), "Tags · labels", marks_cell(new, colours))
        self.rows_shown = list(rows)

    def _painted(self) -> None:
        self.painted_at = time.perf_counter()

    def current(self) -> ResultRow | None:
        if not self.rows_shown or self.cursor_row < 0 or self.cursor_row >= len(self.rows_shown):
            return None
        return self.rows_shown[self.cursor_row]

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        row = self.current()
        if row is not None:
            self.post_message(self.Opened(row))

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        row = self.current()
        if row is not None:
            self.post_message(self.Highlighted(row))


def marks_cell(row: ResultRow, colours: dict[str, str]) -> Text:
    """Machine tags, then a person's labels with a pen mark (they are not the machine's)."""
    marks = Text()
    for label in row.tags:
        marks.append(label + " ", style=colours.get(label, "magenta"))
    for label in row.labels:
        marks.append("✎" + label + " ", style=f"bold {colours.get(label, 'cyan')}")
    marks.truncate(TAGS_WIDTH, overflow="ellipsis")
    return marks


def heading_cell(hit: SearchHit) -> Text:
    """The unit's heading, else its parent's (dim): a paragraph has none of its own."""
    own = hit.heading.strip()
    parent = hit.headings.strip().splitlines()[-1].strip() if hit.headings.strip() else ""
    text = Text(own) if own else Text(parent, style="dim italic")
    text.truncate(HEADING_WIDTH, overflow="ellipsis")
    return text
