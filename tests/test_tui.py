"""Pilot tests of the terminal UI on a small hand-written workspace (no ../shared needed)."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import pytest
from _tui_helpers import LIC, REG, build_demo_workspace
from textual.widgets import Input, OptionList, Static

from corpus_tool.errors import StoreError
from corpus_tool.tui.app import CorpusApp
from corpus_tool.tui.dialogs import ExportDialog, HelpScreen
from corpus_tool.tui.reader_screen import ReaderScreen
from corpus_tool.tui.review_screen import ReviewScreen
from corpus_tool.tui.search_screen import SearchScreen
from corpus_tool.workspace import Workspace
from tests._pilot_helpers import open_reader, settle, text_of

SIZE = (140, 40)
pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def has_search() -> bool:
    try:
        from corpus_tool.index import search, update_index, validate_query  # noqa: F401
    except ImportError:
        return False
    return True


needs_search = pytest.mark.skipif(
    not has_search(), reason="corpus_tool.index.search is not built yet"
)


@pytest.fixture(autouse=True)
def _deterministic(monkeypatch: pytest.MonkeyPatch) -> None:
    """No cursor blink, a fixed author and a fixed clock for annotations."""
    from textual.widgets import TextArea

    monkeypatch.setattr(Input.cursor_blink, "_default", False)
    monkeypatch.setattr(TextArea.cursor_blink, "_default", False)
    monkeypatch.setenv("CORPUS_TOOL_AUTHOR", "test-author")
    ticks = (f"2026-01-02T09:30:{n // 1000:02d}.{n % 1000:03d}Z" for n in range(60000))
    monkeypatch.setattr("corpus_tool.annotations.store.now_iso", lambda: next(ticks))


@pytest.fixture
def demo_ws(tmp_path: Path) -> Workspace:
    return build_demo_workspace(tmp_path / "ws", index=has_search())


def store_for(ws: Workspace):
    from corpus_tool.annotations import AnnotationStore

    return AnnotationStore(ws)


# --- reader, outline, references ---------------------------------------------------


async def test_reader_shows_breadcrumb_page_text_footnotes_and_context(demo_ws: Workspace) -> None:
    app = CorpusApp(demo_ws, warm=False)
    async with app.run_test(size=SIZE) as pilot:
        reader = await open_reader(pilot, app, REG, "art_1__para_1")
        crumb = text_of(reader, "#breadcrumb")
        assert "Chapter I › Article 1 › Article 1(1)" in crumb
        assert "p. 2" in crumb
        assert "lays down rules for testing models" in text_of(reader, "#provision")
        assert "After: Article 1(2)" in text_of(reader, "#after")
        assert "Before: —" in text_of(reader, "#before")
        # Footnotes belong to the article, shown when reading it.
        await pilot.press("escape")
        reader = await open_reader(pilot, app, REG, "art_1")
        assert "OJ L 1, 1.1.2099" in text_of(reader, "#footnotes")


async def test_follow_reference_with_enter_and_back_returns(demo_ws: Workspace) -> None:
    app = CorpusApp(demo_ws, warm=False)
    async with app.run_test(size=SIZE) as pilot:
        reader = await open_reader(pilot, app, REG, "art_1__para_1")
        refs = reader.query_one("#refs", OptionList)
        assert refs.has_focus
        assert "Article 2(1)" in str(refs.get_option_at_index(0).prompt)
        await pilot.press("enter")
        await settle(pilot, app)
        assert reader.place.provision_id == "art_2__para_1"
        assert "This Regulation applies to" in text_of(reader, "#provision")
        await pilot.press("backspace")  # the previous place
        await settle(pilot, app)
        assert reader.place.provision_id == "art_1__para_1"
        await pilot.press("escape")  # one level up: the results
        await settle(pilot, app)
        assert isinstance(app.screen, SearchScreen)


async def test_outline_browses_the_whole_document(demo_ws: Workspace) -> None:
    app = CorpusApp(demo_ws, warm=False)
    async with app.run_test(size=SIZE) as pilot:
        app.open_reader(REG, None, outline=True)
        await settle(pilot, app)
        reader = app.screen
        assert isinstance(reader, ReaderScreen)
        assert reader.place.provision_id == "rec_1"  # a whole document opens at its start
        outline = reader.query_one("#outline")
        assert outline.has_focus
        labels = [str(n.label) for n in outline.root.children]
        assert any(lab.startswith("Chapter I ") for lab in labels)
        assert any(lab.startswith("Annex I") for lab in labels)
        # Go down to Annex I (the last top-level entry) and open it.
        for _ in range(6):
            await pilot.press("down")
        await pilot.press("enter")
        await settle(pilot, app)
        assert reader.place.provision_id == "anx_I"
        await pilot.press("left_square_bracket")
        await settle(pilot, app)
        assert reader.place.provision_id == "art_3"


async def test_tag_evidence_is_coloured_with_a_legend(demo_ws: Workspace) -> None:
    app = CorpusApp(demo_ws, warm=False)
    async with app.run_test(size=SIZE) as pilot:
        reader = await open_reader(pilot, app, REG, "art_2__para_2")
        legend = text_of(reader, "#legend")
        assert "oss-exemption" in legend and "carve-back" in legend
        rendered = reader.query_one("#provision", Static).render()
        styled = {str(rendered)[s.start : s.end] for s in rendered.spans if "bold" in str(s.style)}
        assert "does not apply to" in styled
        assert "unless they are placed on the market as high-risk models" in styled


# --- annotation -------------------------------------------------------------------------


async def test_label_key_annotates_and_undo_removes(demo_ws: Workspace) -> None:
    app = CorpusApp(demo_ws, warm=False)
    async with app.run_test(size=SIZE) as pilot:
        reader = await open_reader(pilot, app, REG, "art_2__para_2")
        await pilot.press("ctrl+a", "e")  # annotate mode, then oss-exemption's key
        await settle(pilot, app)
        saved = store_for(demo_ws).for_provision(REG, "art_2__para_2")
        assert [a.labels for a in saved] == [("oss-exemption",)]
        assert saved[0].author == "test-author"
        assert "oss-exemption" in text_of(reader, "#annotations")
        assert "test-author" in text_of(reader, "#annotations")
        await pilot.press("ctrl+z")
        await settle(pilot, app)
        assert store_for(demo_ws).for_provision(REG, "art_2__para_2") == []


async def test_quote_selection_annotates_a_span(demo_ws: Workspace) -> None:
    app = CorpusApp(demo_ws, warm=False)
    async with app.run_test(size=SIZE) as pilot:
        reader = await open_reader(pilot, app, REG, "art_2__para_2")
        await pilot.press("quotation_mark")
        await pilot.pause()
        # Select the first word, "This", with the keyboard.
        await pilot.press(*["shift+right"] * 4, "enter")
        await pilot.pause()
        assert reader.quote is not None and reader.quote.exact == "This"
        await pilot.press("ctrl+a", "r")
        await settle(pilot, app)
        (ann,) = store_for(demo_ws).for_provision(REG, "art_2__para_2")
        assert ann.labels == ("relevant",)
        assert ann.position == (0, 4) and ann.quote is not None and ann.quote.exact == "This"


async def test_label_key_while_selecting_uses_the_selection(demo_ws: Workspace) -> None:
    app = CorpusApp(demo_ws, warm=False)
    async with app.run_test(size=SIZE) as pilot:
        await open_reader(pilot, app, REG, "art_3")
        await pilot.press("ctrl+t")
        await pilot.pause()
        # "Providers", then annotate mode (taking the selection) and carve-back's key.
        await pilot.press(*["shift+right"] * 9, "ctrl+a", "b")
        await settle(pilot, app)
        (ann,) = store_for(demo_ws).for_provision(REG, "art_3")
        assert ann.labels == ("carve-back",) and ann.position == (0, 9)
        assert ann.quote is not None and ann.quote.exact == "Providers"


async def test_note_editor_saves_a_note(demo_ws: Workspace) -> None:
    app = CorpusApp(demo_ws, warm=False)
    async with app.run_test(size=SIZE) as pilot:
        await open_reader(pilot, app, REG, "art_3")
        await pilot.press("ctrl+n")
        await pilot.pause()
        await pilot.press(*"check scope")
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        (ann,) = store_for(demo_ws).for_provision(REG, "art_3")
        assert ann.note == "check scope"


@pytest.mark.parametrize(
    "failure",
    ["enospc", "annotations-dir-is-a-file"],
)
async def test_unwritable_store_keeps_the_annotation_and_retries(
    demo_ws: Workspace, monkeypatch: pytest.MonkeyPatch, failure: str
) -> None:
    """A full disk or an unusable annotations folder: notify, keep, save later."""
    import os

    from corpus_tool.annotations import store as store_module

    real_write = os.write
    if failure == "enospc":

        def full_disk(fd: int, data: bytes) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(store_module.os, "write", full_disk)
    else:
        backup = demo_ws.annotations_dir.with_name("annotations.bak")
        demo_ws.annotations_dir.rename(backup)
        demo_ws.annotations_dir.write_text("not a folder")

    app = CorpusApp(demo_ws, warm=False)
    async with app.run_test(size=SIZE) as pilot:
        reader = await open_reader(pilot, app, REG, "art_3")
        await pilot.press("ctrl+a", "o")  # annotate mode, obligation
        await settle(pilot, app)
        assert len(app.session.pending) == 1
        assert app.session.pending[0].kwargs["labels"] == ("obligation",)
        notes = [n.message for n in app._notifications]
        assert any("Not saved" in m for m in notes), notes
        assert "UNSAVED" in text_of(reader, "#unsaved")

        # Quitting now would lose it: the first Ctrl+Q only warns.
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert app.is_running
        assert any("not saved" in n.message for n in app._notifications)

        # The store becomes writable again: Ctrl+S saves what was kept.
        if failure == "enospc":
            monkeypatch.setattr(store_module.os, "write", real_write)
        else:
            demo_ws.annotations_dir.unlink()
            backup.rename(demo_ws.annotations_dir)
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert app.session.pending == []
        (ann,) = store_for(demo_ws).for_provision(REG, "art_3")
        assert ann.labels == ("obligation",)


def test_unsaved_annotations_go_to_a_recovery_file(
    demo_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    from corpus_tool.annotations import AnnotationStore
    from corpus_tool.tui.session import Session

    def refuse(self, record):  # type: ignore[no-untyped-def]
        raise StoreError("cannot save the annotation: disk full")

    monkeypatch.setattr(AnnotationStore, "_append", refuse)
    session = Session(demo_ws)
    with pytest.raises(StoreError):
        session.annotate(doc_id=REG, provision_id="art_3", labels=("relevant",), note="keep me")
    path = session.write_recovery()
    assert path is not None and path.parent == demo_ws.root
    (record,) = [json.loads(line) for line in path.read_text().splitlines()]
    assert record["provision_id"] == "art_3" and record["note"] == "keep me"
    assert "disk full" in record["error"]


def test_pending_annotations_are_retried_before_the_next_save(
    demo_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    from corpus_tool.annotations import AnnotationStore
    from corpus_tool.tui.session import Session

    session = Session(demo_ws)
    real_append = AnnotationStore._append

    def refuse(self, record):  # type: ignore[no-untyped-def]
        raise StoreError("cannot save the annotation: read-only file system")

    monkeypatch.setattr(AnnotationStore, "_append", refuse)
    with pytest.raises(StoreError):
        session.annotate(doc_id=REG, provision_id="art_3", labels=("relevant",))
    with pytest.raises(StoreError):  # still refused: queued behind the first
        session.annotate(doc_id=REG, provision_id="art_1__para_1", labels=("obligation",))
    assert [p.kwargs["provision_id"] for p in session.pending] == ["art_3", "art_1__para_1"]
    monkeypatch.setattr(AnnotationStore, "_append", real_append)
    session.annotate(doc_id=REG, provision_id="rec_1", labels=("definition",))
    assert session.pending == []
    saved = [(a.provision_id, a.labels) for a in store_for(demo_ws).all()]
    assert sorted(saved) == sorted(
        [
            ("art_3", ("relevant",)),
            ("art_1__para_1", ("obligation",)),
            ("rec_1", ("definition",)),
        ]
    )


# --- review queue ------------------------------------------------------------------------


async def test_review_queue_accept_reject_skip_undo(demo_ws: Workspace) -> None:
    from corpus_tool.annotations import tag_decisions

    app = CorpusApp(demo_ws, warm=False)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(ReviewScreen(None, ""))
        await settle(pilot, app)
        review = app.screen
        assert isinstance(review, ReviewScreen)
        order = [it.tag.tag_id for it in review.items]
        assert len(order) == 4
        assert "item 1/4" in text_of(review, "#review-progress")
        await pilot.press("a")
        await settle(pilot, app)
        await pilot.press("x")
        await settle(pilot, app)
        await pilot.press("space")
        await pilot.pause()
        assert tag_decisions(demo_ws) == {order[0]: "accept", order[1]: "reject"}
        progress = text_of(review, "#review-progress")
        assert "decided 2/4" in progress and "skipped 1" in progress and "item 4/4" in progress
        await pilot.press("u")  # undo the skip
        await pilot.press("u")  # undo the reject
        await settle(pilot, app)
        assert tag_decisions(demo_ws) == {order[0]: "accept"}
        assert review.index == 1
        await pilot.press("a")
        await settle(pilot, app)
        assert tag_decisions(demo_ws) == {order[0]: "accept", order[1]: "accept"}


async def test_review_undo_restores_an_earlier_decision(demo_ws: Workspace) -> None:
    from corpus_tool.annotations import review, tag_decisions

    tag_id = f"{REG}:art_2__para_2:carve-back"
    review(demo_ws, tag_id, "accept")
    app = CorpusApp(demo_ws, warm=False)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(ReviewScreen("carve-back", ""))
        await settle(pilot, app)
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        assert screen.current is None  # already decided: nothing left
        await pilot.press("u")  # nothing to undo in this session
        screen.index = 0
        await pilot.press("x")
        await settle(pilot, app)
        assert tag_decisions(demo_ws)[tag_id] == "reject"
        await pilot.press("u")
        await settle(pilot, app)
        assert tag_decisions(demo_ws)[tag_id] == "accept"


async def test_review_setup_dialog_filters_by_label(demo_ws: Workspace) -> None:
    app = CorpusApp(demo_ws, warm=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+r")
        await pilot.pause()
        from textual.widgets import Select

        app.screen.query_one("#review-label", Select).value = "oss-mention"
        await pilot.click("#review-start")
        await settle(pilot, app)
        assert isinstance(app.screen, ReviewScreen)
        assert {it.tag.label for it in app.screen.items} == {"oss-mention"}
        assert {it.tag.doc_id for it in app.screen.items} == {REG, LIC}


# --- export, help, saved searches, palette ----------------------------------------------------


async def test_export_dialog_writes_a_file(demo_ws: Workspace, tmp_path: Path) -> None:
    from corpus_tool.annotations import review

    review(demo_ws, f"{REG}:art_2__para_2:oss-exemption", "accept")
    target = tmp_path / "out" / "memo.csv"
    app = CorpusApp(demo_ws, warm=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+e")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        from textual.widgets import Select

        dialog.query_one("#export-format", Select).value = "csv"
        dialog.query_one("#export-query", Input).value = ""
        dialog.query_one("#export-path", Input).value = str(target)
        await pilot.click("#export-go")
        await settle(pilot, app)
        assert target.exists()
        assert "Article 2(2)" in target.read_text(encoding="utf-8")
        assert any("Exported" in n.message for n in app._notifications)


async def test_export_failure_is_a_notification_not_a_crash(
    demo_ws: Workspace, tmp_path: Path
) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where a folder should be")
    app = CorpusApp(demo_ws, warm=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+e")
        await pilot.pause()
        app.screen.query_one("#export-query", Input).value = ""
        app.screen.query_one("#export-path", Input).value = str(blocker / "x.csv")
        await pilot.click("#export-go")
        await settle(pilot, app)
        assert app.is_running
        assert any(n.severity == "error" for n in app._notifications)


async def test_help_lists_every_key_binding(demo_ws: Workspace) -> None:
    from corpus_tool.tui.keys import help_sections

    app = CorpusApp(demo_ws, warm=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.press("ctrl+t")  # off the query bar, ? is help (in the bar it is text)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        shown = app.screen.plain
        scheme = app.session.label_scheme()
        for _title, rows in help_sections(scheme):
            for keys, description in rows:
                assert keys in shown and description in shown
        for label in scheme:
            assert f"In annotate mode (Ctrl+A): label {label.name}" in shown
        for screen_class in (CorpusApp, SearchScreen, ReaderScreen, ReviewScreen):
            for binding in screen_class.BINDINGS:
                assert (binding.tooltip or binding.description) in shown  # type: ignore[union-attr]
        await pilot.press("escape")
        assert isinstance(app.screen, SearchScreen)


def test_readme_lists_every_key(demo_ws: Workspace) -> None:
    from corpus_tool.tui.keys import help_sections
    from corpus_tool.tui.session import Session

    doc = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    sections = help_sections(Session(demo_ws).label_scheme())  # the app module is imported above
    assert [title for title, _ in sections] == [
        "Everywhere", "Search screen", "Query bar", "Reader", "Reader: label keys",
        "Annotations panel", "Quote selection", "Review queue", "Exemption map", "Note editor",
        "Dialogs",
    ]  # fmt: skip
    for _title, rows in sections:
        for keys, description in rows:
            assert f"`{keys}`" in doc, keys
            assert description in doc, description


async def test_command_palette_opens_a_document(demo_ws: Workspace) -> None:
    app = CorpusApp(demo_ws, warm=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*f"Open document {LIC}")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot, app)
        assert isinstance(app.screen, ReaderScreen)
        assert app.screen.place.doc_id == LIC


def test_saved_searches_are_the_cores(demo_ws: Workspace) -> None:
    from corpus_tool.annotations import searches
    from corpus_tool.tui.session import Filters, Session

    session = Session(demo_ws)
    session.save_search("exemptions", "open source", Filters(tag="oss-exemption"))
    session.save_search("scope", "applies", Filters())
    session.save_search("exemptions", "free /s open", Filters())  # same name replaces
    assert [s.name for s in searches.saved_searches(demo_ws)] == ["scope", "exemptions"]
    assert Session(demo_ws).saved_searches()[1].query == "free /s open"
    with pytest.raises(StoreError, match="needs a name"):
        session.save_search("  ", "x", Filters())


# --- search (needs the index) ---------------------------------------------------------------


@needs_search
async def test_typing_a_query_fills_results_facets_and_preview(demo_ws: Workspace) -> None:
    app = CorpusApp(demo_ws, warm=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        await settle(pilot, app)
        await pilot.press(*"open-source")
        await settle(pilot, app)
        await pilot.pause(0.3)
        await settle(pilot, app)
        cited = {row.hit.citation for row in screen.results.rows_shown}
        assert "Article 2(2)" in cited
        assert screen.results.row_count == len(screen.results.rows_shown)
        facet_values = {
            leaf.data[1] for node in screen.facets.root.children for leaf in node.children
        }
        assert REG in facet_values
        await pilot.press("enter")  # to the results
        await pilot.pause()
        assert screen.results.has_focus
        await settle(pilot, app)
        assert "open" in text_of(screen, "#preview").lower()


@needs_search
async def test_syntax_error_is_shown_inline(demo_ws: Workspace) -> None:
    app = CorpusApp(demo_ws, warm=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await pilot.press(*'"open source')
        await settle(pilot, app)
        error = screen.query_one("#query-error")
        assert error.display and "✗" in str(error.render())
        await pilot.press('"')
        await settle(pilot, app)
        assert not screen.query_one("#query-error").has_class("-visible")


@needs_search
async def test_facet_selection_filters_and_history_recalls(demo_ws: Workspace) -> None:
    app = CorpusApp(demo_ws, warm=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        await pilot.press(*"licence", "enter")
        await settle(pilot, app)
        docs = {row.hit.doc_id for row in screen.results.rows_shown}
        assert docs == {REG, LIC}
        screen._facet_toggled(screen.facets.Toggled("doc", LIC))
        await settle(pilot, app)
        assert {row.hit.doc_id for row in screen.results.rows_shown} == {LIC}
        assert "doc:" in str(screen.query_one("#query-filters").render())
        # History: a new query, then ↑ brings the previous one back.
        screen.search_bar.input.focus()
        screen.search_bar.input.value = ""
        await pilot.press(*"model", "enter")
        await settle(pilot, app)
        await pilot.press("ctrl+f", "up")
        assert screen.search_bar.input.value == "licence"  # "model" is what is shown already
        await pilot.press("up")
        assert screen.search_bar.input.value == "licence"  # the oldest stays
        await pilot.press("down")
        assert screen.search_bar.input.value == "model"


@needs_search
async def test_saved_search_runs_from_the_dialog(demo_ws: Workspace) -> None:
    from corpus_tool.tui.session import Filters

    app = CorpusApp(demo_ws, warm=False)
    app.session.save_search("testing", "testing", Filters(doc=REG))
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await pilot.press("ctrl+l")
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot, app)
        assert screen.search_bar.input.value == "testing"
        assert screen.filters.doc == REG
        assert screen.results.rows_shown


@needs_search
async def test_results_show_new_labels_after_annotating_in_the_reader(demo_ws: Workspace) -> None:
    app = CorpusApp(demo_ws, warm=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        await settle(pilot, app)
        await pilot.press(*"documentation", "enter")
        await settle(pilot, app)
        ids = [r.hit.id for r in screen.results.rows_shown]
        assert sorted(ids) == ["anx_I", "art_3"]
        await pilot.press("enter")  # opens the first row
        await settle(pilot, app)
        assert isinstance(app.screen, ReaderScreen)
        await pilot.press("ctrl+a", "d", "escape", "escape")  # label, leave the mode, back
        await settle(pilot, app)
        assert app.screen is screen
        labels = {r.hit.id: r.labels for r in screen.results.rows_shown}
        assert labels[ids[0]] == ("definition",)
        assert labels[ids[1]] == ()


@needs_search
async def test_the_mouse_opens_results_and_outline_entries(demo_ws: Workspace) -> None:
    app = CorpusApp(demo_ws, warm=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        await settle(pilot, app)
        await pilot.press(*"documentation")
        await settle(pilot, app)
        first = screen.results.rows_shown[0].hit.id
        # Click the first data row (row 0 of the table is its header).
        await pilot.click("#results", offset=(3, 1))
        await settle(pilot, app)
        reader = app.screen
        assert isinstance(reader, ReaderScreen)
        assert reader.place.provision_id == first
        # Click "Recital 1" in the outline (line 1, under the document's title).
        await pilot.click("#outline", offset=(6, 1))
        await settle(pilot, app)
        assert reader.place.provision_id == "rec_1"


def test_tui_command_is_registered_and_rejects_a_missing_workspace(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from corpus_tool.cli import build_parser, main

    args = build_parser().parse_args(["tui", "--author", "someone"])
    assert args.command == "tui" and args.author == "someone"
    missing = tmp_path / "nowhere"
    assert main(["-w", str(missing), "tui"]) == 2
    err = capsys.readouterr().err
    assert "nowhere" in err and "does not exist" in err and "Traceback" not in err


@needs_search
async def test_one_character_waits_for_more_or_enter(demo_ws: Workspace) -> None:
    app = CorpusApp(demo_ws, warm=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        await settle(pilot, app)
        await pilot.press("a")
        await settle(pilot, app)
        assert screen.generation == 0 and screen.results.rows_shown == []
        assert "Keep typing" in str(screen.query_one("#query-status").render())
        await pilot.press("enter")
        await settle(pilot, app)
        assert screen.generation == 1 and screen.last_outcome is not None
