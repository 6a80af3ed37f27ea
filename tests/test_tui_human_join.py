"""In the TUI, a rejected machine tag leaves `tag:` results and the Tags facet at once (Pilot)."""

from __future__ import annotations

from pathlib import Path

import pytest
from _tui_helpers import build_demo_workspace
from textual.widgets import Input

from corpus_tool.index import forget
from corpus_tool.index import human as human_join
from corpus_tool.tui.app import CorpusApp
from corpus_tool.tui.review_screen import ReviewScreen
from corpus_tool.tui.search_screen import SearchScreen
from corpus_tool.workspace import Workspace
from tests._pilot_helpers import settle

SIZE = (140, 40)
pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def demo_ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    monkeypatch.setattr(Input.cursor_blink, "_default", False)
    monkeypatch.setenv("CORPUS_TOOL_AUTHOR", "test-author")
    ws = build_demo_workspace(tmp_path / "ws")
    yield ws
    forget(ws)
    human_join.forget(ws)


async def _search(pilot, app: CorpusApp, screen: SearchScreen, query: str) -> None:
    screen.search_bar.input.focus()
    screen.search_bar.input.value = ""
    await pilot.press(*query, "enter")
    await settle(pilot, app)


async def test_rejecting_in_the_review_queue_drops_the_tag_from_search_and_facet(
    demo_ws: Workspace,
) -> None:
    app = CorpusApp(demo_ws, warm=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        await _search(pilot, app, screen, "tag:oss-mention")
        before = {row.hit.id for row in screen.results.rows_shown}
        assert len(before) == 2
        await _search(pilot, app, screen, "open-source")
        assert screen.last_outcome is not None
        assert screen.last_outcome.facets["tag"].get("oss-mention") == 2

        app.push_screen(ReviewScreen("oss-mention", ""))
        await settle(pilot, app)
        review = app.screen
        assert isinstance(review, ReviewScreen)
        first, second = (it.tag for it in review.items)
        await pilot.press("x")  # reject the first
        await settle(pilot, app)
        await pilot.press("a")  # accept the second
        await settle(pilot, app)
        await pilot.press("escape")
        await settle(pilot, app)
        assert app.screen is screen

        await _search(pilot, app, screen, "tag:oss-mention")
        assert {row.hit.id for row in screen.results.rows_shown} == {second.provision_id}
        await _search(pilot, app, screen, "open-source")
        assert screen.last_outcome.facets["tag"].get("oss-mention") == 1
        assert first.provision_id in {row.hit.id for row in screen.results.rows_shown}
