"""Pilot tests of issue 13's hazards: keys never write by accident, undo/redo, editing notes,
going to a citation, stable result lists, the note editor's labels, the author prompt."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _tui_helpers import LIC, REG, build_demo_workspace
from textual.widgets import Checkbox, Input, Static, TextArea

from corpus_tool.tui.app import CorpusApp
from corpus_tool.tui.dialogs import AuthorDialog, NoteEditor
from corpus_tool.tui.reader_screen import ReaderScreen
from corpus_tool.tui.search_screen import SearchScreen
from corpus_tool.workspace import Workspace
from tests._pilot_helpers import open_reader, settle, text_of

SIZE = (140, 40)
pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def _deterministic(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(Input.cursor_blink, "_default", False)
    monkeypatch.setattr(TextArea.cursor_blink, "_default", False)
    monkeypatch.setenv("CORPUS_TOOL_AUTHOR", "test-author")
    # The user's configuration (author name) never touches the real home folder.
    monkeypatch.setenv("CORPUS_TOOL_CONFIG_DIR", str(tmp_path / "config"))


@pytest.fixture
def demo_ws(tmp_path: Path) -> Workspace:
    return build_demo_workspace(tmp_path / "ws")


def events(ws: Workspace) -> list[dict]:
    path = ws.annotations_dir / "events.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def current(ws: Workspace, pid: str) -> list:
    from corpus_tool.annotations import AnnotationStore

    return AnnotationStore(ws).for_provision(REG, pid)


def footer_keys(app: CorpusApp) -> dict[str, str]:
    """key -> description of what the footer shows now (Textual's active bindings)."""
    return {
        key: active.binding.description
        for key, active in app.screen.active_bindings.items()
        if active.binding.show and active.enabled
    }


# --- 1. keys never write by accident ------------------------------------------------------


async def test_typing_a_whole_query_into_the_reader_writes_nothing(demo_ws: Workspace) -> None:
    app = CorpusApp(demo_ws, warm=False)
    async with app.run_test(size=SIZE) as pilot:
        reader = await open_reader(pilot, app, REG, "art_2__para_2")
        before = events(demo_ws)
        # Every label key of the default scheme (r e b c o d n ?) is among these letters.
        await pilot.press(*"doc:eu-ai-act open source exempt* carve back ordinance")
        await settle(pilot, app)
        assert events(demo_ws) == before
        assert not reader.annotating


async def test_annotate_mode_is_shown_in_footer_and_border_and_esc_leaves_it(
    demo_ws: Workspace,
) -> None:
    app = CorpusApp(demo_ws, warm=False)
    async with app.run_test(size=SIZE) as pilot:
        reader = await open_reader(pilot, app, REG, "art_3")
        shown = footer_keys(app)
        assert shown.get("ctrl+a") == "Annotate" and shown.get("ctrl+q") == "Quit"
        assert "e" not in shown  # label keys are not offered outside annotate mode
        scroll = reader.query_one("#reader-scroll")
        assert "annotate" in str(scroll.border_title).lower()
        await pilot.press("ctrl+a")
        await pilot.pause()
        assert reader.annotating
        shown = footer_keys(app)
        assert shown.get("e") == "oss-exemption" and shown.get("escape") == "Leave mode"
        assert "ANNOTATE MODE" in str(scroll.border_title)
        assert scroll.has_class("-annotate")
        await pilot.press("escape")
        await pilot.pause()
        assert not reader.annotating and app.screen is reader  # Esc left the mode only
        assert "e" not in footer_keys(app)
        await pilot.press("escape")
        await settle(pilot, app)
        assert isinstance(app.screen, SearchScreen)  # then Esc goes back a level


async def test_esc_from_the_reader_after_next_goes_back_to_the_results(
    demo_ws: Workspace,
) -> None:
    """Reported: `]` then Esc went to the previous provision instead of the results."""
    app = CorpusApp(demo_ws, warm=False)
    async with app.run_test(size=SIZE) as pilot:
        reader = await open_reader(pilot, app, REG, "art_1__para_1")
        await pilot.press("right_square_bracket")
        await settle(pilot, app)
        assert reader.place.provision_id == "art_1__para_2"
        await pilot.press("escape")
        await settle(pilot, app)
        assert isinstance(app.screen, SearchScreen)


async def test_ctrl_f_in_the_reader_goes_to_the_query_bar(demo_ws: Workspace) -> None:
    """Reported: ^f opened "References here" instead of the query bar."""
    app = CorpusApp(demo_ws, warm=False)
    async with app.run_test(size=SIZE) as pilot:
        await open_reader(pilot, app, REG, "art_1__para_1")
        await pilot.press("ctrl+f")
        await settle(pilot, app)
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        assert screen.search_bar.input.has_focus


# --- 2. undo and redo, one label = one annotation ------------------------------------------


async def test_undo_removes_the_newest_action_and_redo_restores_it(demo_ws: Workspace) -> None:
    app = CorpusApp(demo_ws, warm=False)
    async with app.run_test(size=SIZE) as pilot:
        reader = await open_reader(pilot, app, REG, "rec_1")
        await pilot.press("ctrl+a", "r")  # an earlier annotation on another provision
        await settle(pilot, app)
        await pilot.press("right_square_bracket")
        await settle(pilot, app)
        assert reader.place.provision_id == "rec_2"
        await pilot.press("e")
        await settle(pilot, app)
        await pilot.press("o")
        await settle(pilot, app)
        assert [a.labels for a in current(demo_ws, "rec_2")] == [
            ("oss-exemption",),
            ("obligation",),
        ]

        await pilot.press("ctrl+z")  # the newest: obligation on Recital 2
        await settle(pilot, app)
        assert [a.labels for a in current(demo_ws, "rec_2")] == [("oss-exemption",)]
        assert [a.labels for a in current(demo_ws, "rec_1")] == [("relevant",)]
        last = events(demo_ws)[-1]
        assert last["event"] == "delete" and last.get("undoes")

        await pilot.press("ctrl+y")  # redo brings it back, as an event naming what it redoes
        await settle(pilot, app)
        assert [a.labels for a in current(demo_ws, "rec_2")] == [
            ("oss-exemption",),
            ("obligation",),
        ]
        assert events(demo_ws)[-1].get("redoes")

        # Undo twice more: obligation, then oss-exemption, newest first; Recital 1 untouched.
        await pilot.press("ctrl+z")
        await settle(pilot, app)
        await pilot.press("ctrl+z")
        await settle(pilot, app)
        assert current(demo_ws, "rec_2") == []
        assert [a.labels for a in current(demo_ws, "rec_1")] == [("relevant",)]
        assert "oss-exemption" in " ".join(str(n.message) for n in app._notifications)


async def test_the_same_label_twice_is_one_annotation(demo_ws: Workspace) -> None:
    app = CorpusApp(demo_ws, warm=False)
    async with app.run_test(size=SIZE) as pilot:
        await open_reader(pilot, app, REG, "art_3")
        await pilot.press("ctrl+a", "e")
        await settle(pilot, app)
        await pilot.press("e")
        await settle(pilot, app)
        assert [a.labels for a in current(demo_ws, "art_3")] == [("oss-exemption",)]
        messages = " ".join(str(n.message) for n in app._notifications)
        assert "Already labelled" in messages
        assert not app.session.pending  # a duplicate is not an unsaved annotation


# --- 3. the annotations panel: edit and delete --------------------------------------------


async def test_a_note_is_edited_from_the_panel_and_the_edit_is_an_event(
    demo_ws: Workspace,
) -> None:
    app = CorpusApp(demo_ws, warm=False)
    async with app.run_test(size=SIZE) as pilot:
        reader = await open_reader(pilot, app, REG, "art_3")
        await pilot.press("ctrl+n", *"check scope", "ctrl+s")
        await settle(pilot, app)
        (ann,) = current(demo_ws, "art_3")
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert reader.query_one("#annotations").has_focus
        await pilot.press("enter")
        await pilot.pause()
        editor = app.screen
        assert isinstance(editor, NoteEditor)
        area = editor.query_one("#note-text", TextArea)
        assert area.text == "check scope"  # pre-filled
        await pilot.press("end", *" and Annex I")
        editor.query_one("#note-label-condition", Checkbox).value = True
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        (edited,) = current(demo_ws, "art_3")
        assert edited.id == ann.id
        assert edited.note == "check scope and Annex I" and edited.labels == ("condition",)
        last = events(demo_ws)[-1]
        assert last["event"] == "update" and last["annotation"]["id"] == ann.id
        assert last["annotation"]["note"] == "check scope and Annex I"

        await pilot.press("ctrl+z")  # the edit is undoable like any action
        await settle(pilot, app)
        (back,) = current(demo_ws, "art_3")
        assert back.note == "check scope" and back.labels == ()


async def test_del_deletes_with_an_undo_hint(demo_ws: Workspace) -> None:
    app = CorpusApp(demo_ws, warm=False)
    async with app.run_test(size=SIZE) as pilot:
        reader = await open_reader(pilot, app, REG, "art_3")
        await pilot.press("ctrl+a", "e", "o", "escape")
        await settle(pilot, app)
        await pilot.press("ctrl+l", "down", "delete")  # the second: obligation
        await settle(pilot, app)
        assert [a.labels for a in current(demo_ws, "art_3")] == [("oss-exemption",)]
        messages = [str(n.message) for n in app._notifications]
        assert any("Deleted obligation" in m and "Ctrl+Z" in m for m in messages)
        assert "obligation" not in text_of(reader, "#annotations")
        await pilot.press("ctrl+z")
        await settle(pilot, app)
        assert {a.labels for a in current(demo_ws, "art_3")} == {
            ("oss-exemption",),
            ("obligation",),
        }


# --- 4. the palette goes to a citation ------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "doc_id", "pid"),
    [
        ("Article 3", REG, "art_3"),
        ("Art. 2(2)", REG, "art_2__para_2"),
        ("rec. 2", REG, "rec_2"),
        ("Article 2(1)(b)", REG, "art_2__para_1__pt_b"),
        ("Annex I", REG, "anx_I"),
        ("Section 2", LIC, "sec_2"),
    ],
)
async def test_palette_goes_to_a_citation(
    demo_ws: Workspace, typed: str, doc_id: str, pid: str
) -> None:
    app = CorpusApp(demo_ws, warm=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*typed)
        await pilot.pause(0.6)
        await pilot.press("enter")
        await settle(pilot, app)
        assert isinstance(app.screen, ReaderScreen), typed
        assert (app.screen.place.doc_id, app.screen.place.provision_id) == (doc_id, pid)


def test_citation_places_are_the_cores_resolve(demo_ws: Workspace) -> None:
    from corpus_tool.citations import resolve

    app = CorpusApp(demo_ws, warm=False)
    for typed in ("Article 2(2)", "rec. 1", "Annex I"):
        expected = [(r.doc_id, r.provision_id, r.citation) for r in resolve(demo_ws, typed)]
        assert expected and app.citation_places(typed) == expected
    assert app.citation_places("Open document") == []
    assert app.citation_places("Article 99") == []


# --- 5. stable lists ----------------------------------------------------------------------


async def test_back_from_the_reader_keeps_row_and_order_after_labelling(
    demo_ws: Workspace,
) -> None:
    app = CorpusApp(demo_ws, warm=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        await settle(pilot, app)
        await pilot.press(*"model", "enter")
        await settle(pilot, app)
        order = [r.hit.id for r in screen.results.rows_shown]
        assert len(order) >= 5
        await pilot.press("down", "down", "down")
        row = screen.results.cursor_row
        assert row == 3
        await pilot.press("enter")
        await settle(pilot, app)
        assert isinstance(app.screen, ReaderScreen)
        assert app.screen.place.provision_id == order[3]
        await pilot.press("ctrl+a", "e", "r", "escape", "escape")
        await settle(pilot, app)
        assert app.screen is screen
        assert screen.results.cursor_row == row
        assert [r.hit.id for r in screen.results.rows_shown] == order
        assert set(screen.results.rows_shown[row].labels) == {"oss-exemption", "relevant"}


async def test_columns_are_sized_per_query_and_sort_by_document_order(
    demo_ws: Workspace,
) -> None:
    app = CorpusApp(demo_ws, warm=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        await settle(pilot, app)
        await pilot.press(*"documentation", "enter")
        await settle(pilot, app)
        wide = screen.results.columns["Heading"].get_render_width(screen.results)
        await pilot.press("ctrl+f", *["backspace"] * 13, *"open", "enter")
        await settle(pilot, app)
        narrow = screen.results.columns["Heading"].get_render_width(screen.results)
        assert narrow < wide  # "Technical documentation" no longer sets the width
        # A paragraph shows its parent's heading.
        headings = {
            r.hit.id: str(screen.results.get_row_at(i)[2])
            for i, r in enumerate(screen.results.rows_shown)
        }
        assert headings["art_2__para_2"] == "Scope"

        by_score = [r.hit.id for r in screen.results.rows_shown]
        await pilot.press("f2")
        await pilot.pause()
        by_doc = [r.hit.id for r in screen.results.rows_shown]
        bundle = app.session.bundle(REG)
        assert bundle is not None
        order = {p.id: p.order for p in bundle.provisions}
        reg_rows = [i for i in by_doc if i in order]
        assert reg_rows == sorted(reg_rows, key=order.__getitem__)
        assert sorted(by_doc) == sorted(by_score)
        await pilot.press("f2")
        await pilot.pause()
        assert [r.hit.id for r in screen.results.rows_shown] == by_score


# --- 6. label names in the note editor at any width --------------------------------------


@pytest.mark.parametrize("width", [80, 180, 250])
async def test_note_editor_shows_label_names_at_any_width(demo_ws: Workspace, width: int) -> None:
    app = CorpusApp(demo_ws, warm=False)
    async with app.run_test(size=(width, 45)) as pilot:
        await open_reader(pilot, app, REG, "art_3")
        await pilot.press("ctrl+n")
        await pilot.pause()
        editor = app.screen
        assert isinstance(editor, NoteEditor)
        for box in editor.query(Checkbox):
            assert box.name is not None
            # The box is wide enough for "▐X▌ " and the whole name.
            assert box.content_region.width >= len(box.name) + 4, (width, box.name)
            assert box.name in str(box.render())


# --- 7. the author: asked once, changeable ------------------------------------------------


async def test_author_is_asked_once_and_stored_in_the_user_config(
    demo_ws: Workspace, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from corpus_tool.annotations.author import should_ask, user_config_path

    monkeypatch.delenv("CORPUS_TOOL_AUTHOR")
    monkeypatch.setattr("corpus_tool.annotations.author.git_user_name", lambda: "Git Name")
    assert should_ask(demo_ws, interactive=True)
    app = CorpusApp(demo_ws, warm=False, ask_author=None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        # Headless (no terminal): never asked, the default is used silently.
        assert not isinstance(app.screen, AuthorDialog)
    assert not user_config_path().exists()

    app = CorpusApp(demo_ws, warm=False, ask_author=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        dialog = app.screen
        assert isinstance(dialog, AuthorDialog)
        assert dialog.query_one("#author-name", Input).value == "Git Name"  # the default
        await pilot.press("ctrl+u", *"A. Lawyer", "enter")
        await settle(pilot, app)
        assert app.author == "A. Lawyer"
        await open_reader(pilot, app, REG, "art_3")
        await pilot.press("ctrl+a", "e")
        await settle(pilot, app)
    assert current(demo_ws, "art_3")[0].author == "A. Lawyer"
    assert 'author = "A. Lawyer"' in user_config_path().read_text("utf-8")
    assert user_config_path().is_relative_to(tmp_path / "config")  # not in the workspace
    assert not should_ask(demo_ws, interactive=True)  # asked once


async def test_author_is_changeable_from_the_palette(demo_ws: Workspace) -> None:
    app = CorpusApp(demo_ws, warm=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Change author")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot, app)
        assert isinstance(app.screen, AuthorDialog)
        await pilot.press("ctrl+u", *"B. Counsel", "enter")
        await settle(pilot, app)
        assert app.session.store().author == "B. Counsel"


# --- 8. the children of a unit that holds only its own text -----------------------------


async def test_reader_shows_the_points_under_a_lead_in(tmp_path: Path) -> None:
    from dataclasses import replace

    from _tui_helpers import licence_bundle, regulation_bundle

    from corpus_tool.index import update_index

    # As the segmenter stores it now: a paragraph with points holds only its lead-in.
    reg = regulation_bundle()
    provisions = tuple(
        replace(p, text="This Regulation applies to:") if p.id == "art_2__para_1" else p
        for p in reg.provisions
    )
    reg = replace(reg, provisions=provisions)
    ws = Workspace(tmp_path / "ws")
    ws.ensure()
    for bundle in (reg, licence_bundle()):
        ws.save_bundle(bundle)
    update_index(ws, [reg, licence_bundle()])
    app = CorpusApp(ws, warm=False)
    async with app.run_test(size=SIZE) as pilot:
        reader = await open_reader(pilot, app, REG, "art_2__para_1")
        children = reader.query_one("#children", Static)
        assert children.display
        shown = text_of(reader, "#children")
        assert "Article 2(1)(a)" in shown and "providers placing models on the market" in shown
        assert "Article 2(1)(b)" in shown and "deployers of models" in shown
        # An article whose text runs through its paragraphs repeats nothing.
        await pilot.press("escape")
        reader = await open_reader(pilot, app, REG, "art_1")
        assert not reader.query_one("#children", Static).display


async def test_esc_walks_back_from_reader_to_results_to_query(demo_ws: Workspace) -> None:
    app = CorpusApp(demo_ws, warm=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        await settle(pilot, app)
        await pilot.press(*"model", "enter")
        await settle(pilot, app)
        await pilot.press("down", "enter")
        await settle(pilot, app)
        assert isinstance(app.screen, ReaderScreen)
        await pilot.press("escape")
        await settle(pilot, app)
        assert app.screen is screen and screen.results.has_focus
        assert screen.results.cursor_row == 1  # the row that was opened
        screen._facet_toggled(screen.facets.Toggled("doc", REG))
        await settle(pilot, app)
        await pilot.press("escape")
        assert screen.search_bar.input.has_focus
        assert screen.filters.doc == REG  # the first Esc only moved back to the query
        await pilot.press("escape")
        await settle(pilot, app)
        assert screen.filters.doc is None  # in the query bar, Esc clears the filters


async def test_reader_text_keeps_a_readable_width_at_80_columns(demo_ws: Workspace) -> None:
    """Found driving the real TUI at 80 columns: outline and side panes left ~10 columns."""
    app = CorpusApp(demo_ws, warm=False)
    async with app.run_test(size=(80, 30)) as pilot:
        reader = await open_reader(pilot, app, REG, "art_3")
        assert reader.query_one("#reader-scroll").size.width >= 30
