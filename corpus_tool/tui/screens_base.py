"""The screen every other screen builds on: one place where worker failures surface."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual import on
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from corpus_tool.errors import CorpusToolError

if TYPE_CHECKING:
    from corpus_tool.tui.app import CorpusApp
    from corpus_tool.tui.session import Session


class CoreScreen(Screen[None]):
    """A screen whose thread workers call the core and post results back as messages."""

    @property
    def corpus_app(self) -> CorpusApp:
        # The app is named for the type checker only: importing it here would
        # make the screens and the app import each other.
        return cast("CorpusApp", self.app)

    @property
    def session(self) -> Session:
        return self.corpus_app.session

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        """Any worker that fails becomes one clear notification, never a crash."""
        if event.state != WorkerState.ERROR:
            return
        error = event.worker.error
        self.corpus_app.report_error(error)


def describe(error: BaseException | None) -> str:
    if isinstance(error, CorpusToolError):
        return str(error)
    return f"{type(error).__name__}: {error}"
