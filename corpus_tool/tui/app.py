"""The corpus_tool terminal UI: search, read, annotate, review and export."""

from __future__ import annotations

import asyncio
import contextlib
import re
import threading
from collections.abc import Sequence
from functools import partial
from typing import Any, ClassVar

from textual import work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.screen import ModalScreen, Screen

from corpus_tool.annotations.author import resolve_author, save_author, should_ask
from corpus_tool.errors import CorpusToolError
from corpus_tool.tui import keys
from corpus_tool.tui.dialogs import (
    AuthorDialog,
    ExportDialog,
    ExportRequest,
    HelpScreen,
    ReviewRequest,
    ReviewSetup,
)
from corpus_tool.tui.exemptions_screen import ExemptionsScreen
from corpus_tool.tui.reader_screen import Place, ReaderScreen
from corpus_tool.tui.review_screen import ReviewScreen
from corpus_tool.tui.screens_base import describe
from corpus_tool.tui.search_screen import SearchScreen
from corpus_tool.tui.session import Session
from corpus_tool.workspace import Workspace

DEBOUNCE_SECONDS = 0.15
CITATION_LIKE = re.compile(r"\d|\b[IVXLC]+\s*$")
# How often, on a shared store, the app tries to send its offline journal and
# checks that the server answers (the offline indicator clears at the next try).
SYNC_SECONDS = 2.0


class CorpusCommands(Provider):
    """Command-palette entries: the app's actions, documents and saved searches."""

    def _commands(self) -> list[tuple[str, object, str]]:
        app = self.app
        assert isinstance(app, CorpusApp)
        commands: list[tuple[str, object, str]] = [
            ("Review machine tags", app.action_review, "Accept or reject tags one by one"),
            ("Exemption map", app.action_exemptions, "Who is exempt, from what, unless what"),
            ("Export…", app.action_export, "Write annotations/results to a file"),
            ("Help: keys", app.action_help, "Every key binding"),
            ("Saved searches", partial(app.on_search_screen, "action_saved_searches"), "Run one"),
            ("Save current search", partial(app.on_search_screen, "action_save_search"), ""),
            ("Change author name…", app.action_author, f"Annotations are signed {app.author}"),
        ]
        for doc_id in app.session.doc_ids():
            commands.append(
                (
                    f"Open document {doc_id}",
                    partial(app.open_reader, doc_id, None, (), outline=True),
                    "Browse it with its outline",
                )
            )
        try:
            for saved in app.session.saved_searches():
                commands.append(
                    (
                        f"Run saved search {saved.name}",
                        partial(app.on_search_screen, "run_saved", saved),
                        saved.query,
                    )
                )
        except CorpusToolError:
            pass
        return commands

    async def discover(self) -> Hits:
        for name, command, help_text in self._commands():
            yield DiscoveryHit(name, command, help=help_text)  # type: ignore[arg-type]

    async def search(self, query: str) -> Hits:
        # --- go to a citation (issue 13): "Article 54", "Art. 53(2)", "rec. 15", "AI Act 53(2)"
        app = self.app
        assert isinstance(app, CorpusApp)
        for place in await asyncio.to_thread(app.citation_places, query):
            doc_id, provision_id, citation = place
            yield Hit(
                1.0,
                f"Go to {citation} ({doc_id})",
                partial(app.open_reader, doc_id, provision_id, ()),
                help="Open it in the reader",
            )
        # --- the app's commands ---
        matcher = self.matcher(query)
        for name, command, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), command, help=help_text)  # type: ignore[arg-type]


@keys.section("Everywhere", 0, extra=keys.BUILT_IN)
class CorpusApp(App[None]):
    """One workspace: search it, read provisions in context, annotate, review, export."""

    CSS_PATH = "app.tcss"
    TITLE = "corpus-tool"
    COMMANDS = App.COMMANDS | {CorpusCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        # Shown in every footer: a new user must see how to leave.
        Binding(
            "ctrl+q",
            "quit",
            "Quit",
            priority=True,
            tooltip="Quit (warns first about unsaved annotations)",
        ),
        Binding("f1,question_mark", "help", "Help"),
        Binding("ctrl+r", "review", "Review", tooltip="Review machine tags (choose label/query)"),
        # Priority: the query bar's Input would otherwise take ctrl+e (end of line).
        Binding("ctrl+e", "export", "Export", priority=True, tooltip="Export dialog"),
        # The exemption map (issue 12): a ctrl key, so the query bar's Input lets it through.
        Binding(
            "ctrl+b",
            "exemptions",
            "Exemptions",
            priority=True,
            tooltip="The exemption map (from the search screen): who is exempt, from what, unless what",
        ),
    ]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "exemptions":  # the exemption map is reached from the search screen
            return isinstance(self.screen, SearchScreen)
        # Dialogs and the review queue keep their keys to themselves.
        return not (action in ("review", "export") and isinstance(self.screen, ModalScreen))

    def __init__(
        self,
        ws: Workspace,
        *,
        author: str | None = None,
        ask_author: bool | None = None,
        debounce: float = DEBOUNCE_SECONDS,
        warm: bool = True,
        show_timings: bool = True,
        sync_interval: float = SYNC_SECONDS,
    ) -> None:
        super().__init__()
        self.session = Session(ws, author=author)
        self.debounce = debounce
        self.warm = warm
        self.show_timings = show_timings  # off in snapshot tests: times differ per run
        self.sync_interval = sync_interval
        # None: ask for the author name when should_ask() says so (a terminal, no name yet).
        self.ask_author = False if author else ask_author
        self._quit_warned = False
        self.workspace_name = ws.root.name
        self.sub_title = ws.root.name
        # Live updates from a shared store (issue 16): a listener thread, stopped on exit.
        self._listen_stop = threading.Event()
        self._listener: threading.Thread | None = None
        self._live_lock = threading.Lock()
        self._live_scheduled = False  # a refresh is queued: later notifications join it
        self.live_refreshes = 0  # refreshes done (tests and the curious)
        self.offline_unsent: int | None = None  # None: online (or a file workspace)

    def get_default_screen(self) -> Screen:
        return SearchScreen()

    def on_mount(self) -> None:
        # The search engine is imported after the first paint, off the UI thread.
        self.call_after_refresh(self.preload)
        if self.warm:
            # Loading every document up front makes the first results and the
            # reader instant; it runs after the first paint so start-up stays fast.
            self.call_after_refresh(self.warm_up)
        self.call_after_refresh(self.start_live)
        self.call_after_refresh(self._maybe_ask_author)

    # --- the author name (asked once, on the first interactive run) ---------------------
    @property
    def author(self) -> str:
        return self.session.store().author

    def _maybe_ask_author(self) -> None:
        ask = self.ask_author
        if ask is None:
            # Never without a terminal (tests, pipes): then the default is used silently.
            try:
                ask = not self.is_headless and should_ask(self.session.ws)
            except CorpusToolError:
                ask = False
        if ask:
            self.action_author(first=True)

    def action_author(self, first: bool = False) -> None:
        try:
            default = self.author if not first else resolve_author(self.session.ws)[0]
        except CorpusToolError:
            default = ""

        def chosen(name: str | None) -> None:
            # Esc on the first run keeps the default, stored so it is not asked again.
            if name is None and not first:
                return
            try:
                path = save_author(name or default)
            except CorpusToolError as exc:
                self.report_error(exc)
                return
            self.session.set_author(name or default)
            self.notify(f"Annotations are signed {self.author} (saved in {path})", timeout=5)

        self.push_screen(AuthorDialog(default, first=first), chosen)

    # --- live updates from a shared store ------------------------------------------------
    @work(thread=True, exclusive=True, group="live-start", exit_on_error=False)
    def start_live(self) -> None:
        """On a shared store, listen for everyone's events and watch the connection."""
        shared = self.session.shared()
        if shared is None:
            return  # a file workspace: nobody else writes while we look
        self._listener = shared.listen(self._event_arrived, self._listen_stop)
        self.call_from_thread(self.set_interval, self.sync_interval, self.sync_store)
        self.call_from_thread(self.sync_store)

    def _event_arrived(self, seq: int) -> None:
        """Called by the listener thread per committed event; bursts become one refresh."""
        with self._live_lock:
            if self._live_scheduled or self._listen_stop.is_set():
                return
            self._live_scheduled = True
        with contextlib.suppress(RuntimeError):  # the app is closing
            self.call_from_thread(self.live_refresh)

    @work(thread=True, exclusive=True, group="live", exit_on_error=False)
    def live_refresh(self) -> None:
        # Cleared before reading, so an event committed during the read queues another.
        with self._live_lock:
            self._live_scheduled = False
        self.session.refresh_annotations()
        self.live_refreshes += 1
        self.call_from_thread(self._show_live)

    def _show_live(self) -> None:
        # Every screen on the stack, not only the top one: what lies beneath is
        # up to date when the person goes back to it.
        for screen in self.screen_stack:
            refresh = getattr(screen, "annotations_changed", None)
            if callable(refresh):
                refresh()
        self._show_offline()

    @work(thread=True, exclusive=True, group="sync", exit_on_error=False)
    def sync_store(self) -> None:
        was_offline = self.offline_unsent is not None
        online, unsent = self.session.sync_shared()
        self.offline_unsent = None if online and not unsent else unsent
        if was_offline and self.offline_unsent is None:
            # Back online: events committed meanwhile sent no notification we heard.
            self._event_arrived(0)
        self.call_from_thread(self._show_offline)

    def note_write(self) -> None:
        """After this app wrote an event: show whether it went to the server or the journal."""
        shared = self.session.shared()
        if shared is None:
            return
        try:
            unsent = len(shared.pending())
        except CorpusToolError:
            unsent = 0
        self.offline_unsent = None if shared.online and not unsent else unsent
        self._show_offline()

    def _show_offline(self) -> None:
        unsent = self.offline_unsent
        self.sub_title = (
            self.workspace_name
            if unsent is None
            else f"{self.workspace_name} · offline: {unsent} unsent"
        )

    def on_unmount(self) -> None:
        self._listen_stop.set()

    def stop_live(self) -> Any:
        """Stop listening (the thread ends within a quarter of a second)."""
        self._listen_stop.set()
        return self._listener

    @work(thread=True, exclusive=True, group="preload", exit_on_error=False)
    def preload(self) -> None:
        self.session.preload()

    @work(thread=True, exclusive=True, group="warm", exit_on_error=False)
    def warm_up(self) -> None:
        self.session.warm()
        try:
            self.session.labels()
            self.session.label_scheme()
        except CorpusToolError:
            pass

    async def action_quit(self) -> None:
        # Annotations the store refused are only in memory: say so before they go.
        if self.session.pending and not self._quit_warned:
            self._quit_warned = True
            self.notify(
                f"{len(self.session.pending)} annotation(s) are not saved. Ctrl+S in the reader "
                "retries; Ctrl+Q again quits and writes them to a recovery file.",
                title="Unsaved annotations",
                severity="warning",
                timeout=15,
            )
            return
        self.exit()

    def report_error(self, error: BaseException | None) -> None:
        self.notify(describe(error), title="Error", severity="error", timeout=10)

    # --- navigation used by several screens ------------------------------------------
    def open_reader(
        self,
        doc_id: str,
        provision_id: str | None,
        highlights: Sequence[tuple[int, int]] = (),
        *,
        outline: bool = False,
    ) -> None:
        self.push_screen(
            ReaderScreen(Place(doc_id, provision_id, tuple(highlights)), outline=outline)
        )

    def citation_places(self, text: str, limit: int = 12) -> list[tuple[str, str | None, str]]:
        """(doc_id, provision_id, citation) of what a typed citation names (empty: none)."""
        text = text.strip()
        # A citation has a number ("Art. 53(2)", "rec. 15") or a Roman one ("Annex XI");
        # "Open document…" and the like are commands, not citations.
        if not CITATION_LIKE.search(text):
            return []
        try:
            found = self.session.resolve_citation(text)
        except CorpusToolError:
            return []
        return [(r.doc_id, r.provision_id, r.citation) for r in found[:limit]]

    def search_screen(self) -> SearchScreen | None:
        for screen in self.screen_stack:
            if isinstance(screen, SearchScreen):
                return screen
        return None

    def on_search_screen(self, method: str, *args: object) -> None:
        screen = self.search_screen()
        if screen is None:
            return
        while self.screen is not screen:
            self.pop_screen()
        getattr(screen, method)(*args)

    # --- help -----------------------------------------------------------------------------
    def action_help(self) -> None:
        try:
            scheme = self.session.label_scheme()
        except CorpusToolError:
            scheme = ()
        self.push_screen(HelpScreen(keys.help_sections(scheme)))

    # --- review ---------------------------------------------------------------------------
    def action_review(self) -> None:
        labels = sorted({t.label for d in self.session.doc_ids() for t in self._tags(d)})
        search = self.search_screen()
        query = search.query_text if search else ""

        def start(request: ReviewRequest | None) -> None:
            if request is not None:
                self.push_screen(ReviewScreen(request.label, request.query))

        self.push_screen(ReviewSetup(labels, query), start)

    def _tags(self, doc_id: str) -> tuple:
        bundle = self.session.bundle(doc_id)
        return bundle.tags if bundle else ()

    # --- exemption map (issue 12) -------------------------------------------------------
    def action_exemptions(self) -> None:
        if isinstance(self.screen, ModalScreen | ExemptionsScreen):
            return  # a dialog keeps its keys; the map is open already
        self.push_screen(ExemptionsScreen())

    # --- export ---------------------------------------------------------------------------
    def action_export(self) -> None:
        try:
            formats = self.session.export_formats()
        except CorpusToolError as exc:
            self.report_error(exc)
            return
        search = self.search_screen()
        try:
            human = [lab.name for lab in self.session.label_scheme()]
        except CorpusToolError:
            human = []
        tag_labels = sorted({t.label for d in self.session.doc_ids() for t in self._tags(d)})

        def chosen(request: ExportRequest | None) -> None:
            if request is not None:
                self.run_export(request)

        self.push_screen(
            ExportDialog(
                formats,
                suffixes=self.session.export_suffixes(),
                query=search.query_text if search else "",
                doc_ids=self.session.doc_ids(),
                tag_labels=tag_labels,
                human_labels=human,
                default_dir=self.session.ws.root / "exports",
            ),
            chosen,
        )

    @work(thread=True, exclusive=True, group="export", exit_on_error=False)
    def run_export(self, request: object) -> None:
        assert isinstance(request, ExportRequest)
        try:
            count = self.session.export(request.fmt, request.path, **request.selection)
        except (CorpusToolError, OSError) as exc:
            self.call_from_thread(self.report_error, exc)
            return
        self.call_from_thread(
            self.notify, f"Exported {count} record(s) as {request.fmt} to {request.path}"
        )


def run(ws: Workspace, *, author: str | None = None) -> None:
    CorpusApp(ws, author=author).run()


__all__ = ["CorpusApp", "run"]
