"""The query bar: the full query language, history on ↑/↓, inline syntax errors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult, RenderResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Input

from corpus_tool.tui import keys


@keys.section("Query bar", 2, extra=[("enter", "Go to the results")])
class QueryInput(Input):
    """An Input that walks back and forth through earlier queries."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "history(-1)", "Earlier query", show=False),
        Binding("down", "history(1)", "Later query", show=False),
    ]

    def __init__(self, history: list[str] | None = None, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.history: list[str] = list(history or [])
        self._cursor: int | None = None  # position in history while browsing it
        self._draft = ""

    def remember(self, query: str) -> None:
        query = query.strip()
        if query:
            if query in self.history:
                self.history.remove(query)
            self.history.append(query)
        self._cursor = None

    def action_history(self, step: int) -> None:
        if not self.history:
            return
        if self._cursor is None:
            if step > 0:
                return
            self._draft = self.value
            self._cursor = len(self.history)
            if self.history[-1] == self.value:
                self._cursor -= 1  # the query shown is already the latest entry
        self._cursor += step
        if self._cursor >= len(self.history):
            self._cursor = None
            self.value = self._draft
        else:
            self._cursor = max(0, self._cursor)
            self.value = self.history[self._cursor]
        self.cursor_position = len(self.value)


class StatusLine(Widget):
    """One line of text whose changes repaint it without re-laying out the screen.

    (``Static.update`` asks for a new layout each time, which re-renders every
    widget; the bar changes on every keystroke.)
    """

    DEFAULT_CSS = "StatusLine { height: 1; }"
    text: reactive[str | Text] = reactive("", layout=False)

    def __init__(self, text: str | Text = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.set_reactive(StatusLine.text, text)

    def render(self) -> RenderResult:
        return self.text

    def update(self, text: str | Text) -> None:
        if text != self.text:
            self.text = text


class TextPane(StatusLine):
    """A fixed-size pane of wrapped text (cropped, not scrolled) that only repaints."""

    DEFAULT_CSS = "TextPane { height: 1fr; overflow: hidden; }"


class SearchBar(Vertical):
    """Query input, a status line (hits, time, filters) and the inline error."""

    @dataclass
    class Submitted(Message):
        """Enter in the query bar: the user is done typing."""

        query: str

    def __init__(self, history: list[str] | None = None, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._history = history

    def compose(self) -> ComposeResult:
        yield QueryInput(
            self._history,
            placeholder='Search: open source /s exempt*   "free and open-source"   art_53 …',
            id="query",
        )
        with Horizontal(id="query-status-row"):
            yield StatusLine(id="query-status")
            yield StatusLine(id="query-filters")
        yield StatusLine(id="query-error")

    @property
    def input(self) -> QueryInput:
        return self.query_one("#query", QueryInput)

    def show_error(self, message: str | None) -> None:
        error = self.query_one("#query-error", StatusLine)
        error.update(message or "")
        # The line is always there (height 1): showing an error must not re-lay the screen.
        error.set_class(bool(message), "-visible")
        self.input.set_class(bool(message), "-invalid")

    def show_status(self, status: str) -> None:
        self.query_one("#query-status", StatusLine).update(status)

    def show_filters(self, filters: str) -> None:
        self.query_one("#query-filters", StatusLine).update(filters)

    @on(Input.Submitted, "#query")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.input.remember(event.value)
        self.post_message(self.Submitted(event.value))
