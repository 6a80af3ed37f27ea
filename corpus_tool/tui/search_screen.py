"""The search screen: query bar, facet sidebar, results table and a preview."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, Horizontal, Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Footer, Header, Input
from textual.worker import get_current_worker

from corpus_tool.errors import CorpusToolError, QueryError
from corpus_tool.tui import keys, render
from corpus_tool.tui.dialogs import SavedSearchesDialog, SaveSearchDialog
from corpus_tool.tui.screens_base import CoreScreen
from corpus_tool.tui.session import (
    Filters,
    ResultRow,
    SavedSearch,
    SearchOutcome,
    short_title,
)
from corpus_tool.tui.widgets.facets import FacetTree
from corpus_tool.tui.widgets.results import ResultsTable
from corpus_tool.tui.widgets.search_bar import SearchBar, TextPane

# Rows fetched while typing (highlighting is the costly part of a search, per row),
# and when the user presses Enter to say the query is done.
LIVE_LIMIT = 30
FULL_LIMIT = 1000
# One character matches little worth reading and costs a full search: live search
# starts at the second character (Enter still searches a single one).
MIN_LIVE_CHARS = 2
PREVIEW_DELAY = 0.12
FACET_DELAY = 0.1


@keys.section("Search screen", 1)
class SearchScreen(CoreScreen):
    """Type a query; results, facets and a preview follow as you type."""

    AUTO_FOCUS = "#query"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+f", "focus_query", "Query", tooltip="Go to the query bar"),
        Binding(
            "ctrl+t", "focus_results", "Results", show=False, tooltip="Go to the results table"
        ),
        Binding(
            "ctrl+g",
            "focus_facets",
            "Facets",
            show=False,
            tooltip="Go to the facet sidebar (Enter toggles a filter)",
        ),
        Binding(
            "ctrl+s",
            "save_search",
            "Save search",
            tooltip="Save the query and filters under a name",
        ),
        Binding("ctrl+l", "saved_searches", "Saved", tooltip="List saved searches; Enter runs one"),
        Binding(
            "f2",
            "toggle_sort",
            "Sort",
            tooltip="Sort the results by score or in document order",
        ),
        Binding(
            "ctrl+o",
            "browse_document",
            "Browse doc",
            tooltip="Browse the highlighted result's whole document",
        ),
        Binding(
            "escape",
            "back",
            "Back",
            show=False,
            tooltip="Back one level: from the results or facets to the query bar; "
            "in the query bar, clear the facet filters",
        ),
    ]

    @dataclass
    class SearchDone(Message):
        generation: int
        outcome: SearchOutcome

    @dataclass
    class Relabelled(Message):
        generation: int
        rows: tuple[ResultRow, ...]

    @dataclass
    class PreviewReady(Message):
        row: ResultRow
        text: Text

    def __init__(self) -> None:
        super().__init__()
        self.filters = Filters()
        self.generation = 0  # bumped per search started; older results are dropped
        self.shown_generation = 0
        self.last_outcome: SearchOutcome | None = None
        self._timer: Timer | None = None
        self._preview_timer: Timer | None = None
        self._facet_timer: Timer | None = None
        self._focus_results_when_shown = False
        self._last_keystroke = 0.0
        self.sort_by = "score"  # or "document" (F2)

    def compose(self) -> ComposeResult:
        yield Header()
        yield SearchBar(self.session.load_history(), id="search-bar")
        with Horizontal(id="search-body"):
            yield FacetTree(id="facets")
            with Vertical(id="results-pane"):
                yield ResultsTable(id="results")
                with Container(id="preview-scroll"):
                    yield TextPane(
                        "Type a query above. Enter moves to the results; Enter on a row opens it.",
                        id="preview",
                    )
        yield Footer()

    def on_mount(self) -> None:
        count = len(self.session.doc_ids())
        hint = "" if count else " — run 'corpus-tool ingest' to add documents"
        self.search_bar.show_status(
            f"{count} documents in workspace {self.session.ws.root.name}{hint}"
        )

    def on_screen_resume(self) -> None:
        # Back from the reader or the review queue: labels may have changed. Only
        # the labels are shown again: searching anew could reorder the rows (labels
        # change scores) and move the list under the cursor.
        self.annotations_changed()

    def annotations_changed(self) -> None:
        """Labels changed (here or a colleague's): the rows show them; order and cursor stay."""
        if self.last_outcome is not None and not self.workers_busy():
            self.relabel(self.shown_generation, self.results.rows_shown)

    @work(thread=True, exclusive=True, group="relabel", exit_on_error=False)
    def relabel(self, generation: int, rows: list[ResultRow]) -> None:
        fresh = self.session.relabelled(rows)
        if not get_current_worker().is_cancelled:
            self.post_message(self.Relabelled(generation, fresh))

    @on(Relabelled)
    def _relabelled(self, event: Relabelled) -> None:
        if event.generation != self.shown_generation:
            return  # a new search replaced the rows meanwhile
        if [r.hit for r in event.rows] != [r.hit for r in self.results.rows_shown]:
            return
        colours = self.session.label_colours(
            {lab for row in event.rows for lab in (*row.tags, *row.labels)}
        )
        self.results.relabel(event.rows, colours)
        if self.last_outcome is not None:
            by_hit = {(r.hit.doc_id, r.hit.id): r for r in event.rows}
            rows = tuple(by_hit.get((r.hit.doc_id, r.hit.id), r) for r in self.last_outcome.rows)
            self.last_outcome = replace(self.last_outcome, rows=rows)

    def workers_busy(self) -> bool:
        # A search on its way will read the new labels anyway.
        return any(w.group == "search" and w.is_running for w in self.workers)

    # --- typed access to the children ------------------------------------------
    @property
    def search_bar(self) -> SearchBar:
        return self.query_one("#search-bar", SearchBar)

    @property
    def results(self) -> ResultsTable:
        return self.query_one("#results", ResultsTable)

    @property
    def facets(self) -> FacetTree:
        return self.query_one("#facets", FacetTree)

    @property
    def query_text(self) -> str:
        return self.search_bar.input.value

    # --- typing -> debounced search ------------------------------------------------
    @on(Input.Changed, "#query")
    def _query_changed(self, event: Input.Changed) -> None:
        if not self._valid(event.value):
            return
        if 0 < len(event.value.strip()) < MIN_LIVE_CHARS:
            if self._timer is not None:
                self._timer.stop()
                self._timer = None
            self.search_bar.show_status("Keep typing (Enter searches a single character)")
            return
        now = time.monotonic()
        idle = now - self._last_keystroke >= self.corpus_app.debounce
        self._last_keystroke = now
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        # The first key after a pause searches at once (no added latency); keys typed
        # in a burst wait until typing pauses, so we do not search every prefix.
        if idle:
            self.start_search()
        else:
            self._timer = self.set_timer(self.corpus_app.debounce, self.start_search)

    def _valid(self, query: str) -> bool:
        try:
            if query.strip():
                self.session.validate(query)
        except QueryError as exc:
            where = f"column {exc.position + 1}: " if exc.position is not None else ""
            self.search_bar.show_error(f"✗ {where}{exc.reason}")
            return False
        except CorpusToolError as exc:
            self.search_bar.show_error(f"✗ {exc}")
            return False
        self.search_bar.show_error(None)
        return True

    @on(SearchBar.Submitted)
    def _submitted(self, event: SearchBar.Submitted) -> None:
        self.session.save_history(self.search_bar.input.history)
        if self._valid(event.query):
            if self._timer is not None:
                self._timer.stop()
                self._timer = None
            outcome = self.last_outcome
            complete = (
                outcome is not None
                and outcome.query == event.query
                and outcome.filters == self.filters
                and len(outcome.rows) == outcome.total
            )
            if not complete:
                self.start_search(limit=FULL_LIMIT)
                # Move to the results once this query's results are in, not the
                # stale rows of a shorter prefix that may be on screen now.
                self._focus_results_when_shown = True
            elif self.results.row_count:
                self.results.focus()

    def start_search(self, limit: int = LIVE_LIMIT) -> None:
        self._timer = None
        query = self.query_text
        self.generation += 1
        if not query.strip() and not self.filters.as_kwargs():
            self.workers.cancel_group(self, "search")
            self._show_empty()
            return
        self.run_search(self.generation, query, self.filters, limit)

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def run_search(self, generation: int, query: str, filters: Filters, limit: int) -> None:
        outcome = self.session.search(query, filters, limit=limit)
        if not get_current_worker().is_cancelled:
            self.post_message(self.SearchDone(generation, outcome))

    @on(SearchDone)
    def _search_done(self, event: SearchDone) -> None:
        if event.generation < self.generation:
            return  # a newer search is on its way; this one is stale
        outcome = event.outcome
        self.last_outcome = outcome
        self.shown_generation = event.generation
        colours = self.session.label_colours(
            {lab for row in outcome.rows for lab in (*row.tags, *row.labels)}
        )
        self.results.show(self._in_order(outcome), colours)
        if self._focus_results_when_shown:
            self._focus_results_when_shown = False
            if outcome.rows and self.search_bar.input.has_focus:
                self.results.focus()
        # The table is what the eye goes to; the facet tree follows once typing
        # pauses, so rebuilding it does not lengthen the frame after each keystroke.
        if self._facet_timer is not None:
            self._facet_timer.stop()
        generation = event.generation
        self._facet_timer = self.set_timer(FACET_DELAY, lambda: self._show_facets(generation))
        shown = len(outcome.rows)
        more = f" (first {shown}; Enter lists up to {FULL_LIMIT})" if shown < outcome.total else ""
        timing = f" · {outcome.seconds * 1000:.0f} ms" if self.corpus_app.show_timings else ""
        self.search_bar.show_status(f"{outcome.total} provisions{more}{timing}")
        self._show_filters()
        if not outcome.rows:
            self.query_one("#preview", TextPane).update("No provision matches.")

    def _in_order(self, outcome: SearchOutcome) -> SearchOutcome:
        if self.sort_by == "score":
            return outcome
        return replace(outcome, rows=self.session.sorted_rows(outcome.rows, self.sort_by))

    def action_toggle_sort(self) -> None:
        self.sort_by = "document" if self.sort_by == "score" else "score"
        outcome = self.last_outcome
        if outcome is None:
            self.notify(f"Results will be sorted by {self.sort_by} order.")
            return
        chosen = self.results.current()
        colours = self.session.label_colours(
            {lab for row in outcome.rows for lab in (*row.tags, *row.labels)}
        )
        self.results.show(self._in_order(outcome), colours)
        if chosen is not None:
            # The cursor stays on the provision it was on, wherever it moved.
            hits = [r.hit for r in self.results.rows_shown]
            if chosen.hit in hits:
                self.results.move_cursor(row=hits.index(chosen.hit), animate=False)
        self.notify(f"Sorted by {'document order' if self.sort_by == 'document' else 'score'}")

    def _show_facets(self, generation: int) -> None:
        if generation == self.shown_generation and self.last_outcome is not None:
            self.facets.show(self.last_outcome.facets, self.filters)

    def _show_empty(self) -> None:
        self.last_outcome = None
        self.shown_generation = self.generation
        self.results.clear()
        self.results.rows_shown = []
        self.facets.show({}, self.filters)
        self.search_bar.show_status(f"{len(self.session.doc_ids())} documents")
        self.query_one("#preview", TextPane).update("Type a query above.")

    def _show_filters(self) -> None:
        active = self.filters.as_kwargs()
        self.search_bar.show_filters(
            "  ".join(f"{k}:{v}" for k, v in active.items())
            + ("  (Esc in the query bar clears)" if active else "")
        )

    # --- facets ----------------------------------------------------------------------
    @on(FacetTree.Toggled)
    def _facet_toggled(self, event: FacetTree.Toggled) -> None:
        self.filters = self.filters.with_(event.facet, event.value)
        self._show_filters()
        self.start_search()

    def action_back(self) -> None:
        # Esc is "back one level" everywhere (reader -> results -> query).
        if not self.search_bar.input.has_focus:
            self.search_bar.input.focus()
        elif self.filters.as_kwargs():
            self.action_clear_filters()

    def action_clear_filters(self) -> None:
        self.filters = Filters()
        self._show_filters()
        self.start_search()

    # --- preview and opening -----------------------------------------------------------
    @on(ResultsTable.Highlighted)
    def _highlighted(self, event: ResultsTable.Highlighted) -> None:
        # While typing, the highlighted row changes with every result list: wait
        # until it settles before rendering a (possibly long) provision.
        if self._preview_timer is not None:
            self._preview_timer.stop()
        self._preview_timer = self.set_timer(PREVIEW_DELAY, lambda: self.load_preview(event.row))

    @work(thread=True, exclusive=True, group="preview", exit_on_error=False)
    def load_preview(self, row: ResultRow) -> None:
        hit = row.hit
        provision = self.session.provision(hit.doc_id, hit.id)
        if provision is None:
            text = Text(hit.snippet)
        else:
            bundle = self.session.bundle(hit.doc_id)
            title = short_title(bundle) if bundle else hit.doc_id
            tags = self.session.tags_for(hit.doc_id, hit.id)
            colours = self.session.label_colours(t.label for t in tags)
            printed = self.session.page_fields(provision)[0]  # issue 11: printed pages
            text = render.breadcrumb(provision, title, printed)
            text.append("\n")
            if provision.heading:
                text.append(provision.heading + "\n", style="bold")
            text.append_text(
                render.provision_text(
                    provision, highlights=hit.highlights, tags=tags, colours=colours
                )
            )
        if not get_current_worker().is_cancelled:
            self.post_message(self.PreviewReady(row, text))

    @on(PreviewReady)
    def _preview_ready(self, event: PreviewReady) -> None:
        if self.results.current() == event.row:
            self.query_one("#preview", TextPane).update(event.text)

    @on(ResultsTable.Opened)
    def _opened(self, event: ResultsTable.Opened) -> None:
        hit = event.row.hit
        self.corpus_app.open_reader(hit.doc_id, hit.id, hit.highlights)

    def action_browse_document(self) -> None:
        row = self.results.current()
        if row is None:
            self.notify(
                "Choose a result first, or use the command palette (Ctrl+P) to open a document."
            )
            return
        self.corpus_app.open_reader(row.hit.doc_id, None, (), outline=True)

    # --- focus --------------------------------------------------------------------------
    def action_focus_query(self) -> None:
        self.search_bar.input.focus()

    def action_focus_results(self) -> None:
        self.results.focus()

    def action_focus_facets(self) -> None:
        self.facets.focus()

    # --- saved searches -------------------------------------------------------------------
    def action_save_search(self) -> None:
        query = self.query_text

        def save(name: str | None) -> None:
            if not name:
                return
            try:
                self.session.save_search(name, query, self.filters)
            except CorpusToolError as exc:
                self.corpus_app.report_error(exc)
                return
            self.notify(f"Saved search “{name}” (corpus-tool saved list shows it too)")

        self.app.push_screen(SaveSearchDialog(query), save)

    def action_saved_searches(self) -> None:
        try:
            searches = self.session.saved_searches()
        except CorpusToolError as exc:
            self.corpus_app.report_error(exc)
            return
        self.app.push_screen(SavedSearchesDialog(searches), self.run_saved)

    def run_saved(self, saved: SavedSearch | None) -> None:
        if saved is None:
            return
        self.filters = Filters(
            **{k: v for k, v in saved.filters.items() if k in ("doc", "kind", "tag", "label")}
        )
        self.search_bar.input.value = saved.query  # Input.Changed starts the search
        self._show_filters()
        self.search_bar.input.focus()
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self.start_search()
