"""What the Pilot tests of the TUI share: waiting for the app to settle, opening the reader."""

from __future__ import annotations

from typing import Any

from corpus_tool.tui.app import CorpusApp
from corpus_tool.tui.reader_screen import ReaderScreen


async def settle(pilot: Any, app: CorpusApp, rounds: int = 3) -> None:
    """Let workers finish, their messages be handled and the delayed panes follow."""
    await pilot.pause(0.25)
    for _ in range(rounds):
        await pilot.pause()
        await app.workers.wait_for_complete()
    await pilot.pause()


async def open_reader(pilot: Any, app: CorpusApp, doc_id: str, pid: str) -> ReaderScreen:
    app.open_reader(doc_id, pid)
    await settle(pilot, app)
    assert isinstance(app.screen, ReaderScreen)
    return app.screen


def text_of(screen: Any, selector: str) -> str:
    """What a widget shows now, as plain text."""
    return str(screen.query_one(selector).render())
