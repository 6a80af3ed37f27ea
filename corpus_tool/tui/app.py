"""The corpus_tool terminal UI: search, read, annotate, review and export."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import ClassVar

from textual import work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.screen import ModalScreen, Screen

from corpus_tool.errors import CorpusToolError
from corpus_tool.model import Annotation
from corpus_tool.tui import keys
from corpus_tool.tui.dialogs import (
    ExportDialog,
    ExportRequest,
    HelpScreen,
    ReviewRequest,
    ReviewSetup,
)
from corpus_tool.tui.reader_screen import Place, ReaderScreen
from corpus_tool.tui.review_screen import ReviewScreen
from corpus_tool.tui.screens_base import describe
from corpus_tool.tui.search_screen import SearchScreen
from corpus_tool.tui.session import Session
from corpus_tool.workspace import Workspace

DEBOUNCE_SECONDS = 0.15


class CorpusCommands(Provider):
    """Command-palette entries: the app's actions, documents and saved searches."""

    def _commands(self) -> list[tuple[str, object, str]]:
        app = self.app
        assert isinstance(app, CorpusApp)
        commands: list[tuple[str, object, str]] = [
            ("Review machine tags", app.action_review, "Accept or reject tags one by one"),
            ("Export…", app.action_export, "Write annotations/results to a file"),
            ("Help: keys", app.action_help, "Every key binding"),
            ("Saved searches", partial(app.on_search_screen, "action_saved_searches"), "Run one"),
            ("Save current search", partial(app.on_search_screen, "action_save_search"), ""),
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
        Binding("f1,question_mark", "help", "Help"),
        Binding("ctrl+r", "review", "Review", tooltip="Review machine tags (choose label/query)"),
        # Priority: the query bar's Input would otherwise take ctrl+e (end of line).
        Binding("ctrl+e", "export", "Export", priority=True, tooltip="Export dialog"),
    ]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Dialogs and the review queue keep their keys to themselves.
        return not (action in ("review", "export") and isinstance(self.screen, ModalScreen))

    def __init__(
        self,
        ws: Workspace,
        *,
        author: str | None = None,
        debounce: float = DEBOUNCE_SECONDS,
        warm: bool = True,
        show_timings: bool = True,
    ) -> None:
        super().__init__()
        self.session = Session(ws, author=author)
        self.debounce = debounce
        self.warm = warm
        self.show_timings = show_timings  # off in snapshot tests: times differ per run
        self.undo_stack: list[Annotation] = []
        self._quit_warned = False
        self.sub_title = ws.root.name

    def get_default_screen(self) -> Screen:
        return SearchScreen()

    def on_mount(self) -> None:
        if self.warm:
            # Loading every document up front makes the first results and the
            # reader instant; it runs after the first paint so start-up stays fast.
            self.call_after_refresh(self.warm_up)

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
