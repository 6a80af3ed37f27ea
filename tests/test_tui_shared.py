"""End-to-end Pilot flows on a workspace ingested from ../shared/corpus."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from textual.widgets import Checkbox, Input, Static

from corpus_tool.tui.app import CorpusApp
from corpus_tool.tui.dialogs import ExportDialog
from corpus_tool.tui.reader_screen import ReaderScreen
from corpus_tool.tui.review_screen import ReviewScreen
from corpus_tool.tui.search_screen import SearchScreen
from corpus_tool.workspace import Workspace
from tests._pilot_helpers import settle

pytestmark = [pytest.mark.anyio, pytest.mark.shared, pytest.mark.slow]
SIZE = (160, 48)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def ws(shared_ws: Workspace, tmp_path: Path) -> Workspace:
    """A writable copy of the session's shared workspace (that one stays read-only)."""
    copy = tmp_path / "ws"
    shutil.copytree(shared_ws.root, copy)
    return Workspace(copy)


async def test_query_open_follow_reference_annotate(ws: Workspace) -> None:
    from corpus_tool.annotations import AnnotationStore

    app = CorpusApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        await pilot.press(*'"open-source licence"')
        await pilot.pause(0.3)
        await settle(pilot, app)
        await pilot.press("enter")  # done typing: the full list, focus on the table
        await settle(pilot, app)
        rows = screen.results.rows_shown
        assert rows, "the shared corpus has provisions on open-source licences"
        assert screen.results.has_focus
        # Open the first hit whose provision has a cross-reference resolved in its document.
        index = next(
            (
                i
                for i, row in enumerate(rows)
                if any(
                    r.target
                    for r in (app.session.provision(row.hit.doc_id, row.hit.id) or ()).refs  # type: ignore[union-attr]
                )
            ),
            None,
        )
        if index is None:
            pytest.skip("no hit of the query has a resolved cross-reference in this build")
        for _ in range(index):
            await pilot.press("down")
        await pilot.press("enter")
        await settle(pilot, app)
        reader = app.screen
        assert isinstance(reader, ReaderScreen)
        opened = rows[index].hit
        assert reader.place.provision_id == opened.id
        assert opened.citation in str(reader.query_one("#breadcrumb", Static).render())

        source = app.session.provision(opened.doc_id, opened.id)
        assert source is not None
        first_ref = next(i for i, r in enumerate(source.refs) if r.target)
        target_id = source.refs[first_ref].target
        for _ in range(first_ref):
            await pilot.press("down")
        await pilot.press("enter")
        await settle(pilot, app)
        assert reader.place.provision_id == target_id

        label = app.session.label_scheme()[0]
        await pilot.press("ctrl+a", label.key)
        await settle(pilot, app)
        saved = AnnotationStore(ws).for_provision(opened.doc_id, target_id)
        assert [a.labels for a in saved] == [(label.name,)]

        await pilot.press("escape", "backspace")  # leave annotate mode, then the previous place
        await settle(pilot, app)
        assert reader.place.provision_id == opened.id


async def test_review_queue_accept_reject_undo(ws: Workspace) -> None:
    from corpus_tool.annotations import tag_decisions

    app = CorpusApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("ctrl+r")
        await pilot.pause()
        await pilot.click("#review-start")  # all labels, no query
        await settle(pilot, app)
        review = app.screen
        assert isinstance(review, ReviewScreen)
        if len(review.items) < 2:
            pytest.skip("the tagger tagged fewer than two provisions of the shared corpus")
        first, second = (review.items[review.index + k].tag.tag_id for k in (0, 1))
        await pilot.press("a")
        await settle(pilot, app)
        await pilot.press("x")
        await settle(pilot, app)
        decisions = tag_decisions(ws)
        assert decisions[first] == "accept" and decisions[second] == "reject"
        assert "accepted 1" in str(review.query_one("#review-progress", Static).render())
        await pilot.press("u")
        await settle(pilot, app)
        decisions = tag_decisions(ws)
        assert decisions.get(first) == "accept" and second not in decisions
        assert review.current is not None and review.current.tag.tag_id == second


async def test_export_writes_a_file(ws: Workspace, tmp_path: Path) -> None:
    target = tmp_path / "exports" / "open-source.md"
    app = CorpusApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press(*"open source", "enter")
        await settle(pilot, app)
        await pilot.press("ctrl+e")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        assert dialog.query_one("#export-query", Input).value == "open source"
        from textual.widgets import Select

        dialog.query_one("#export-format", Select).value = "markdown"
        dialog.query_one("#export-everything", Checkbox).value = True
        dialog.query_one("#export-path", Input).value = str(target)
        await pilot.click("#export-go")
        await settle(pilot, app)
        assert target.exists(), [n.message for n in app._notifications]
        text = target.read_text(encoding="utf-8")
        assert "open" in text.lower() and len(text) > 200


@pytest.mark.parametrize(
    ("typed", "citation"),
    [
        ("Article 54", "Article 54"),
        ("Art. 53(2)", "Article 53(2)"),
        ("rec. 15", "Recital 15"),
        ("Article 2(6)", "Article 2(6)"),
        ("AI Act 53(2)", "Article 53(2)"),
    ],
)
async def test_palette_goes_to_a_citation_in_the_ai_act(
    shared_ws: Workspace, typed: str, citation: str
) -> None:
    """Reported: the palette found nothing for "Article 54" and points could not be found."""
    ai_act = next((d for d in shared_ws.doc_ids() if "2024-1689" in d), None)
    if ai_act is None:
        pytest.skip("the AI Act is not in ../shared/corpus")
    app = CorpusApp(shared_ws, warm=False)
    places = [p for p in app.citation_places(typed) if p[0] == ai_act]
    assert [p[2] for p in places] == [citation], places
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*typed)
        await pilot.pause(1.0)
        # The AI Act's hit among those of other documents that have the same number.
        for _ in range(10):
            highlighted = app.screen.query_one("CommandList").highlighted_option  # type: ignore[attr-defined]
            if highlighted is not None and ai_act in str(highlighted.prompt):
                break
            await pilot.press("down")
        await pilot.press("enter")
        await settle(pilot, app)
        reader = app.screen
        assert isinstance(reader, ReaderScreen)
        assert reader.place.doc_id == ai_act
        assert reader.view is not None and reader.view.provision.citation == citation
