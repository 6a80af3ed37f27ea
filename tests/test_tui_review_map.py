"""Pilot tests of the readable UI and review in context (issue 13.6, 13.7), the
exemption-map screen (issue 12.4) and printed pages in the UI (issue 11).

They run on the small hand-written workspace of tests/_tui_helpers.py, so they do
not need ../shared; two (marked shared and slow) ingest the real GDPR and AI Act
once per module to check printed pages and the exemption map on real documents,
and skip when the shared corpus is absent.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from _tui_helpers import REG, _evidence, build_demo_workspace, regulation_bundle
from rich.style import Style
from textual.widgets import DataTable, Input, TextArea

from corpus_tool.annotations import tag_decisions
from corpus_tool.annotations.labels import (
    LINK_COLOUR,
    SPARE_COLOURS,
    default_scheme,
    label_colour,
    parse_scheme,
)
from corpus_tool.model import Tag
from corpus_tool.tui import render
from corpus_tool.tui.app import CorpusApp
from corpus_tool.tui.exemptions_screen import MAP_FIELDS, ExemptionsScreen
from corpus_tool.tui.reader_screen import ReaderScreen
from corpus_tool.tui.review_screen import DecisionNote, ReviewScreen
from corpus_tool.workspace import Workspace
from tests._pilot_helpers import settle, text_of

SIZE = (140, 40)
pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def _deterministic(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Input.cursor_blink, "_default", False)
    monkeypatch.setattr(TextArea.cursor_blink, "_default", False)
    monkeypatch.setenv("CORPUS_TOOL_AUTHOR", "test-author")
    ticks = (f"2026-01-02T09:30:{n // 1000:02d}.{n % 1000:03d}Z" for n in range(60000))
    monkeypatch.setattr("corpus_tool.annotations.store.now_iso", lambda: next(ticks))


@pytest.fixture
def demo_ws(tmp_path: Path) -> Workspace:
    return build_demo_workspace(tmp_path / "ws")


def styles_over(text, start: int, end: int) -> set[str]:
    """Every style string applied to any part of text[start:end] of a rich Text."""
    found = set()
    for span in text.spans:
        if span.start < end and span.end > start:
            found.add(str(span.style))
    return found


# --- one colour per label (13.6) -----------------------------------------------------------


def test_label_colour_is_fixed_per_label_not_per_position() -> None:
    scheme = default_scheme()
    # The scheme's own colour, whatever other labels are drawn with it.
    assert label_colour(scheme, "carve-back") == scheme.colour("carve-back")
    # Machine tag labels nobody keys in have a colour of their own from labels.toml.
    assert label_colour(scheme, "oss-mention") == dict(scheme.colours)["oss-mention"]
    assert label_colour(scheme, "oss-condition") == dict(scheme.colours)["oss-condition"]
    # A label no scheme knows: the same colour every time, from the spare palette.
    assert label_colour(scheme, "brand-new") == label_colour(scheme, "brand-new")
    assert label_colour(scheme, "brand-new") in SPARE_COLOURS


def test_every_label_colour_differs_from_the_others_and_from_links() -> None:
    scheme = default_scheme()
    names = [*scheme.names, *(n for n, _ in scheme.colours)]
    colours = [label_colour(scheme, n) for n in names]
    assert len(set(colours)) == len(colours), dict(zip(names, colours, strict=True))
    assert LINK_COLOUR not in colours and LINK_COLOUR not in SPARE_COLOURS
    assert not set(SPARE_COLOURS) & set(colours)
    # In the terminal a reference is underlined ink, never a label's colour.
    assert Style.parse(render.REFERENCE_STYLE).color is None


def test_workspace_scheme_without_colour_table_keeps_the_machine_colours() -> None:
    own = parse_scheme('[labels.mine]\nkey = "m"\ncolour = "#123456"\n', "labels.toml")
    assert label_colour(own, "mine") == "#123456"
    assert label_colour(own, "oss-mention") == label_colour(default_scheme(), "oss-mention")
    again = parse_scheme(own.to_toml())
    assert again.labels == own.labels


def test_colours_table_rejects_a_bad_colour_with_a_clear_error() -> None:
    from corpus_tool.errors import StoreError

    with pytest.raises(StoreError, match=r"labels.toml: \[colours\] 'oss-mention'"):
        parse_scheme(
            '[labels.a]\nkey = "a"\ncolour = "#123456"\n[colours]\noss-mention = "pink"\n',
            "labels.toml",
        )


def test_exports_and_ui_use_the_same_colour(demo_ws: Workspace) -> None:
    from corpus_tool.export.memo import label_colour as export_colour
    from corpus_tool.tui.session import Session

    session = Session(demo_ws)
    scheme = default_scheme()
    names = ["oss-exemption", "carve-back", "oss-mention", "relevant", "brand-new"]
    # The first call with one label and a second with all: no colour moves.
    alone = session.label_colours(["oss-mention"])
    together = session.label_colours(names)
    assert alone["oss-mention"] == together["oss-mention"]
    for name in names:
        assert together[name] == export_colour(scheme, name)


async def test_reader_draws_evidence_in_the_label_colour_and_links_in_ink(
    demo_ws: Workspace,
) -> None:
    app = CorpusApp(demo_ws, warm=False)
    async with app.run_test(size=SIZE) as pilot:
        app.open_reader(REG, "art_2__para_2")
        await settle(pilot, app)
        reader = app.screen
        assert isinstance(reader, ReaderScreen) and reader.view is not None
        p = reader.view.provision
        text = render.provision_text(p, tags=reader.view.tags, colours=reader.view.colours)
        exemption = p.text.index("does not apply to")
        carve = p.text.index("unless they are placed")
        ref = p.text.index("Article 3")
        scheme = default_scheme()
        assert render.evidence_style(label_colour(scheme, "oss-exemption")) in styles_over(
            text, exemption, exemption + 5
        )
        assert render.evidence_style(label_colour(scheme, "carve-back")) in styles_over(
            text, carve, carve + 5
        )
        assert styles_over(text, ref, ref + 9) == {render.REFERENCE_STYLE}


# --- review in context (13.7) ------------------------------------------------------------


async def test_review_note_on_reject_is_stored_in_the_decision_event(demo_ws: Workspace) -> None:
    app = CorpusApp(demo_ws, warm=False)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(ReviewScreen("carve-back", ""))
        await settle(pilot, app)
        review = app.screen
        assert isinstance(review, ReviewScreen) and review.current is not None
        tag_id = review.current.tag.tag_id
        await pilot.press("X")
        await pilot.pause()
        assert isinstance(app.screen, DecisionNote)
        await pilot.press(*"only high-risk models")
        await pilot.press("enter")
        await settle(pilot, app)
        assert app.screen is review
        assert tag_decisions(demo_ws) == {tag_id: "reject"}
    lines = (demo_ws.annotations_dir / "events.jsonl").read_text("utf-8").splitlines()
    events = [json.loads(line) for line in lines]
    assert len(events) == 1, events  # one event: the decision and its note together
    assert events[0]["event"] == "create"
    assert events[0]["annotation"]["decision"] == "reject"
    assert events[0]["annotation"]["note"] == "only high-risk models"


async def test_review_note_dialog_cancelled_decides_nothing(demo_ws: Workspace) -> None:
    app = CorpusApp(demo_ws, warm=False)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(ReviewScreen("carve-back", ""))
        await settle(pilot, app)
        review = app.screen
        await pilot.press("A")
        await pilot.pause()
        assert isinstance(app.screen, DecisionNote)
        await pilot.press(*"abc", "escape")
        await settle(pilot, app)
        assert app.screen is review
        assert tag_decisions(demo_ws) == {}


async def test_review_opens_the_item_in_the_reader_and_esc_comes_back(demo_ws: Workspace) -> None:
    app = CorpusApp(demo_ws, warm=False)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(ReviewScreen(None, ""))
        await settle(pilot, app)
        review = app.screen
        assert isinstance(review, ReviewScreen)
        await pilot.press("space", "space")  # the third item
        item = review.current
        assert item is not None and review.index == 2
        await pilot.press("o")
        await settle(pilot, app)
        reader = app.screen
        assert isinstance(reader, ReaderScreen) and reader.view is not None
        assert (reader.view.provision.doc_id, reader.view.provision.id) == (
            item.tag.doc_id,
            item.tag.provision_id,
        )
        # The evidence is what the reader highlights.
        assert set(reader.view.place.highlights) == {(e.start, e.end) for e in item.tag.evidence}
        await pilot.press("escape")
        await settle(pilot, app)
        assert app.screen is review
        assert review.index == 2 and review.current is item
        assert item.provision.citation in text_of(review, "#review-item")


def _with_point_tags(ws: Workspace) -> None:
    """The demo regulation with a tag on Article 2(1) and the same label on its point (a)."""
    from corpus_tool.index import update_index

    bundle = regulation_bundle()
    by_id = {p.id: p for p in bundle.provisions}
    para, point = by_id["art_2__para_1"], by_id["art_2__para_1__pt_a"]
    extra = (
        Tag(
            REG,
            para.id,
            "oss-mention",
            (_evidence("placing models on the market", para.text, "mention"),),
            "demo.v1:mention",
            0.6,
        ),
        Tag(
            REG,
            point.id,
            "oss-mention",
            (_evidence("placing models on the market", point.text, "mention"),),
            "demo.v1:mention",
            0.6,
        ),
    )
    bundle = dataclasses.replace(bundle, tags=bundle.tags + extra)
    ws.save_bundle(bundle)
    update_index(ws, [bundle])


async def test_review_shows_a_point_tag_under_its_article_not_twice(demo_ws: Workspace) -> None:
    _with_point_tags(demo_ws)
    app = CorpusApp(demo_ws, warm=False)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(ReviewScreen("oss-mention", ""))
        await settle(pilot, app)
        review = app.screen
        assert isinstance(review, ReviewScreen)
        reg_items = [it for it in review.items if it.tag.doc_id == REG]
        cited = [it.provision.id for it in reg_items]
        # rec_1 and Article 2(1) are items; the point's tag is under Article 2(1).
        assert cited == ["rec_1", "art_2__para_1"], cited
        while review.current is not None and review.current.provision.id != "art_2__para_1":
            await pilot.press("space")
        entry = review.current
        assert entry is not None
        assert [u.provision.id for u in entry.under] == ["art_2__para_1__pt_a"]
        shown = text_of(review, "#review-item")
        assert "Article 2(1)(a)" in shown and "decided with it" in shown
        await pilot.press("a")
        await settle(pilot, app)
        decisions = tag_decisions(demo_ws)
        assert decisions[f"{REG}:art_2__para_1:oss-mention"] == "accept"
        assert decisions[f"{REG}:art_2__para_1__pt_a:oss-mention"] == "accept"
        await pilot.press("u")
        await settle(pilot, app)
        assert tag_decisions(demo_ws) == {}


async def test_review_shows_a_lone_point_with_its_lead_in(demo_ws: Workspace) -> None:
    from corpus_tool.index import update_index

    bundle = regulation_bundle()
    point = bundle.provision("art_2__para_1__pt_b")
    assert point is not None
    tag = Tag(
        REG,
        point.id,
        "oss-mention",
        (_evidence("deployers of models", point.text, "mention"),),
        "demo.v1:mention",
        0.6,
    )
    bundle = dataclasses.replace(bundle, tags=(tag,))
    demo_ws.save_bundle(bundle)
    update_index(demo_ws, [bundle])
    app = CorpusApp(demo_ws, warm=False)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(ReviewScreen("oss-mention", ""))
        await settle(pilot, app)
        review = app.screen
        assert isinstance(review, ReviewScreen)
        while review.current is not None and review.current.tag.doc_id != REG:
            await pilot.press("space")
        shown = text_of(review, "#review-item")
        assert "Article 2 › Article 2(1) › Article 2(1)(b)" in shown
        assert "This Regulation applies to:" in shown  # the lead-in it is read with


# --- the exemption map screen (12.4) -------------------------------------------------------


def cli_exemptions(ws: Workspace, capsys: pytest.CaptureFixture[str]) -> list[dict]:
    from corpus_tool.cli import main

    capsys.readouterr()
    assert main(["--workspace", str(ws.root), "exemptions", "--json"]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]


async def open_map(pilot, app: CorpusApp) -> ExemptionsScreen:
    await settle(pilot, app)
    await pilot.press("ctrl+b")  # from the search screen, its query bar focused
    await settle(pilot, app)
    screen = app.screen
    assert isinstance(screen, ExemptionsScreen)
    return screen


async def test_exemption_map_has_the_rows_of_the_cli(
    demo_ws: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = cli_exemptions(demo_ws, capsys)
    assert [r["citation"] for r in expected] == ["Article 2(2)"]
    app = CorpusApp(demo_ws, warm=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_map(pilot, app)
        assert [r.record.as_dict() for r in screen.rows] == expected
        table = screen.query_one("#exemptions", DataTable)
        assert table.row_count == 1
        cells = [" ".join(str(c).split()) for c in table.get_row_at(0)]  # wrapped: one line
        assert cells[0].startswith("Article 2(2)")
        carve = cells[2 + MAP_FIELDS.index("carve_backs")]
        # Wrapped within the screen, whole when it fits in three lines.
        assert carve == "unless they are placed on the market as high-risk models [high-risk]"
        exempted = cells[2 + MAP_FIELDS.index("exempted_from")]
        assert exempted.startswith("Article 3")
        detail = text_of(screen, "#exemption-detail")
        assert "Carve-backs: unless they are placed on the market as high-risk models" in detail
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ExemptionsScreen)


async def test_exemption_map_drops_a_rejected_tag_and_marks_a_persons_labels(
    demo_ws: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    from corpus_tool.annotations import AnnotationStore, review

    review(demo_ws, f"{REG}:art_2__para_2:oss-exemption", "reject")
    store = AnnotationStore(demo_ws)
    # A person says Article 3 exempts open source too, and adds a condition to it.
    store.create(doc_id=REG, provision_id="art_3", labels=("oss-exemption",))
    art3 = demo_ws.find_doc(REG).provision("art_3")
    assert art3 is not None
    quote = "keep documentation for ten years"
    at = art3.text.index(quote)
    store.create(
        doc_id=REG,
        provision_id="art_3",
        labels=("condition",),
        quote=quote,
        position=(at, at + len(quote)),
    )
    expected = cli_exemptions(demo_ws, capsys)
    assert [r["citation"] for r in expected] == ["Article 3"]
    app = CorpusApp(demo_ws, warm=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_map(pilot, app)
        assert [r.record.as_dict() for r in screen.rows] == expected
        row = screen.query_one("#exemptions", DataTable).get_row_at(0)
        cells = [" ".join(str(c).split()) for c in row]
        assert cells[0] == "Article 3 ✎"
        assert "keep documentation for ten years [condition] (✎ test-author)" in text_of(
            screen, "#exemption-detail"
        )
        assert "added by a person" in text_of(screen, "#exemptions-title")


async def test_exemption_map_enter_opens_the_cells_provision_and_esc_returns(
    demo_ws: Workspace,
) -> None:
    app = CorpusApp(demo_ws, warm=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_map(pilot, app)
        table = screen.query_one("#exemptions", DataTable)
        # The "Exempted from" cell opens the provision exempted from: Article 3.
        table.move_cursor(row=0, column=2 + MAP_FIELDS.index("exempted_from"))
        await pilot.press("enter")
        await settle(pilot, app)
        reader = app.screen
        assert isinstance(reader, ReaderScreen) and reader.view is not None
        assert reader.view.provision.id == "art_3"
        await pilot.press("escape")
        await settle(pilot, app)
        assert app.screen is screen
        assert table.cursor_coordinate.column == 2 + MAP_FIELDS.index("exempted_from")
        # The carve-back cell opens the exemption itself, its words highlighted.
        table.move_cursor(row=0, column=2 + MAP_FIELDS.index("carve_backs"))
        await pilot.press("enter")
        await settle(pilot, app)
        reader = app.screen
        assert isinstance(reader, ReaderScreen) and reader.view is not None
        p = reader.view.provision
        assert p.id == "art_2__para_2"
        (start, end), *_ = reader.view.place.highlights
        assert p.text[start:end].startswith("unless they are placed on the market")


# --- printed pages and the pinpoint citation in the UI (issue 11) ---------------------------


def _with_printed_pages(ws: Workspace) -> None:
    """The demo regulation's extraction with Official Journal page labels (L 1/10 …)."""
    from corpus_tool.model import Document

    bundle = regulation_bundle()
    meta = dataclasses.replace(bundle.meta, publication="OJ L 1, 1.1.2099")
    ws.save_bundle(dataclasses.replace(bundle, meta=meta))
    ws.save_extraction(
        Document(meta=meta, text="", page_labels=("L 1/10", "L 1/11", "L 1/12", "L 1/13"))
    )


def test_page_text_shows_the_printed_page_and_the_pdf_page_where_they_differ() -> None:
    assert render.page_text((36, 36), ("L 119/36",)) == "p. L 119/36 (PDF p. 36)"
    assert render.page_text((2, 3), ("L 1/11", "L 1/12")) == "pp. L 1/11–L 1/12 (PDF pp. 2–3)"
    assert render.page_text((85, 85), ("85",)) == "p. 85"  # the same: said once
    assert render.page_text((4, 4), ()) == "p. 4"  # no labels: the PDF page


async def test_reader_breadcrumb_and_footnotes_use_printed_pages(demo_ws: Workspace) -> None:
    _with_printed_pages(demo_ws)
    app = CorpusApp(demo_ws, warm=False)
    async with app.run_test(size=SIZE) as pilot:
        app.open_reader(REG, "art_1")
        await settle(pilot, app)
        reader = app.screen
        assert isinstance(reader, ReaderScreen)
        assert text_of(reader, "#breadcrumb").endswith("p. L 1/11 (PDF p. 2)")
        assert "[p. L 1/11 (PDF p. 2)]" in text_of(reader, "#footnotes")


async def test_reader_copies_the_pinpoint_citation_and_shows_it(demo_ws: Workspace) -> None:
    _with_printed_pages(demo_ws)
    # The Official Journal form, at the printed page of PDF page 3.
    expected = "Regulation (EU) 2099/1, Art. 2(2), OJ L 1, 1.1.2099, p. 12"
    app = CorpusApp(demo_ws, warm=False)
    async with app.run_test(size=SIZE) as pilot:
        app.open_reader(REG, "art_2__para_2")
        await settle(pilot, app)
        await pilot.press("ctrl+k")
        await pilot.pause()
        assert app.clipboard == expected
        shown = [n.message for n in app._notifications]
        assert expected in shown


async def test_exemption_map_and_review_show_printed_pages(demo_ws: Workspace) -> None:
    _with_printed_pages(demo_ws)
    app = CorpusApp(demo_ws, warm=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_map(pilot, app)
        assert screen.rows[0].pages == "p. L 1/12 (PDF p. 3)"
        assert "p. L 1/12 (PDF p. 3)" in text_of(screen, "#exemption-detail")
        await pilot.press("escape")
        app.push_screen(ReviewScreen("carve-back", ""))
        await settle(pilot, app)
        assert "p. L 1/12 (PDF p. 3)" in text_of(app.screen, "#review-item")


@pytest.fixture(scope="module")
def real_ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """The GDPR (pages printed "L 119/n") and the AI Act (its open-source exemptions),
    ingested once for this module."""
    from conftest import SHARED_CORPUS

    from corpus_tool.build import ingest

    pdfs = [SHARED_CORPUS / "eu-gdpr-2016-679.pdf", SHARED_CORPUS / "eu-ai-act-2024-1689.pdf"]
    missing = [p.name for p in pdfs if not p.is_file()]
    if missing:
        pytest.skip(f"the shared corpus is not at {SHARED_CORPUS} (needs {', '.join(missing)})")
    ws = Workspace(tmp_path_factory.mktemp("real_ws"))
    ws.ensure()
    report = ingest(ws, pdfs)
    assert not report.failed, [r.message for r in report.failed]
    return ws


@pytest.mark.shared
@pytest.mark.slow
async def test_reader_on_gdpr_article_6_shows_oj_page_and_copies_its_pinpoint(
    real_ws: Workspace,
) -> None:
    bundle = real_ws.find_doc("eu-gdpr-2016-679")
    art6 = next(p for p in bundle.provisions if p.citation == "Article 6(1)")
    app = CorpusApp(real_ws, warm=False)
    async with app.run_test(size=SIZE) as pilot:
        app.open_reader(bundle.meta.doc_id, art6.id)
        await settle(pilot, app)
        reader = app.screen
        assert isinstance(reader, ReaderScreen)
        assert text_of(reader, "#breadcrumb").endswith("p. L 119/36 (PDF p. 36)")
        await pilot.press("ctrl+k")
        await pilot.pause()
        assert app.clipboard == "Regulation (EU) 2016/679, Art. 6(1), OJ L 119, 4.5.2016, p. 36"


# --- outline and facets (13.6) --------------------------------------------------------------


def lines_of(widget) -> list[str]:
    return [widget.render_line(y).text for y in range(widget.size.height)]


def test_find_entry_jumps_by_word_and_number() -> None:
    from corpus_tool.tui.widgets.outline import find_entry

    entries = [
        ("rec_53", "Recital 53", "recital"),
        ("art_5__para_3", "Article 5(3)", "paragraph"),
        ("art_53", "Article 53", "article"),
        ("art_53__para_1__pt_a", "Article 53(1)(a)", "point"),
        ("anx_XIII", "Annex XIII", "annex"),
    ]
    assert find_entry(entries, "53") == "art_53"  # not Article 5(3), not the recital
    assert find_entry(entries, "rec53") == "rec_53"
    assert find_entry(entries, "art5") == "art_5__para_3"
    assert find_entry(entries, "531a") == "art_53__para_1__pt_a"
    assert find_entry(entries, "Article 53(1)(a)") == "art_53__para_1__pt_a"
    assert find_entry(entries, "annex") == "anx_XIII"
    assert find_entry(entries, "zzz") is None


async def test_outline_shows_a_point_citation_whole(demo_ws: Workspace) -> None:
    from corpus_tool.tui.widgets.outline import OutlineTree

    app = CorpusApp(demo_ws, warm=False)
    async with app.run_test(size=SIZE) as pilot:
        app.open_reader(REG, "art_2__para_1__pt_a")
        await settle(pilot, app)
        outline = app.screen.query_one("#outline", OutlineTree)
        line = next(t for t in lines_of(outline) if "2(1)(a)" in t)
        assert "Article 2(1)(a)" in line
        # Room for a longer point at the same depth: "Article 53(1)(a)", one more digit.
        start = line.index("Article 2(1)(a)")
        assert outline.scrollable_content_region.width >= start + len("Article 53(1)(a)")


async def test_outline_type_to_find_jumps_and_writes_nothing(demo_ws: Workspace) -> None:
    from corpus_tool.tui.widgets.outline import OutlineTree

    app = CorpusApp(demo_ws, warm=False)
    async with app.run_test(size=SIZE) as pilot:
        app.open_reader(REG, "rec_1")
        await settle(pilot, app)
        reader = app.screen
        outline = reader.query_one("#outline", OutlineTree)
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert outline.has_focus
        # "r", "e", "c", "o", "d", "n", "b" are label keys in the reader: here they find.
        await pilot.press(*"art3")
        await pilot.pause(0.1)
        node = outline.cursor_node
        assert node is not None and node.data == "art_3"
        assert "find: art3" in str(outline.root.label)
        await pilot.press("enter")
        await settle(pilot, app)
        assert reader.view is not None and reader.view.provision.id == "art_3"
        await pilot.press("ctrl+o")
        await pilot.pause(1.1)  # a pause starts a new search
        await pilot.press(*"annex")
        await pilot.pause(0.1)
        assert outline.cursor_node is not None and outline.cursor_node.data == "anx_I"
        reader.query_one("#refs").focus()  # leaving the outline ends the search
        await pilot.pause()
        assert "find:" not in str(outline.root.label)
    assert (
        not (demo_ws.annotations_dir / "events.jsonl").exists()
        or not (demo_ws.annotations_dir / "events.jsonl").read_text("utf-8").strip()
    )


def test_shorten_middle_keeps_both_ends() -> None:
    from corpus_tool.tui.widgets.facets import shorten_middle

    name = "eu-digital-services-act-2022-2065"
    short = shorten_middle(name, 20)
    assert len(short) == 20 and short.startswith("eu-digital") and short.endswith("2022-2065")
    assert "…" in short
    assert shorten_middle("short", 20) == "short"


def _long_named_workspace(root: Path) -> Workspace:
    """The demo regulation under a long document id, as real ids are."""
    from corpus_tool.index import update_index

    long_id = "eu-regulation-on-model-testing-and-documentation-2099-0001"
    bundle = regulation_bundle()
    bundle = dataclasses.replace(
        bundle,
        meta=dataclasses.replace(bundle.meta, doc_id=long_id),
        provisions=tuple(dataclasses.replace(p, doc_id=long_id) for p in bundle.provisions),
        tags=tuple(dataclasses.replace(t, doc_id=long_id) for t in bundle.tags),
    )
    ws = Workspace(root)
    ws.ensure()
    ws.save_bundle(bundle)
    update_index(ws, [bundle])
    return ws


async def test_facet_names_shortened_in_the_middle_with_counts_visible(tmp_path: Path) -> None:
    from corpus_tool.tui.widgets.facets import FacetTree

    ws = _long_named_workspace(tmp_path / "ws")
    app = CorpusApp(ws, warm=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press(*"models")
        await pilot.pause(0.3)
        await settle(pilot, app)
        facets = app.screen.query_one("#facets", FacetTree)
        line = next(t for t in lines_of(facets) if "…" in t).rstrip()
        # Start and end of the id, then its count, all inside the sidebar.
        assert "eu-regulat" in line and "2099-0001" in line, line
        assert line.split()[-1].isdigit(), line
        assert len(line) <= facets.scrollable_content_region.width


def test_map_columns_follow_the_exemption_fields() -> None:
    from corpus_tool.tagging.exemption_formats import FIELDS

    assert tuple(f for f in FIELDS if f != "related") == MAP_FIELDS


def test_app_start_up_does_not_import_the_exemption_map() -> None:
    import subprocess
    import sys

    code = (
        "import sys, corpus_tool.tui.app; print('corpus_tool.tagging.exemption_map' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


async def test_reader_reference_list_uses_the_link_style_not_a_colour(demo_ws: Workspace) -> None:
    from textual.widgets import OptionList

    app = CorpusApp(demo_ws, warm=False)
    async with app.run_test(size=SIZE) as pilot:
        app.open_reader(REG, "art_2__para_2")
        await settle(pilot, app)
        refs = app.screen.query_one("#refs", OptionList)
        prompt = refs.get_option_at_index(0).prompt
        arrow = prompt.plain.index("→")
        assert styles_over(prompt, arrow, arrow + 1) == {render.REFERENCE_STYLE}


async def test_reader_with_an_unreadable_extraction_shows_pdf_pages(demo_ws: Workspace) -> None:
    # Derived data damaged on disk must not stop the reader: it falls back to PDF pages.
    meta = regulation_bundle().meta
    path = demo_ws.extraction_path(meta.sha256)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"not an extraction")
    app = CorpusApp(demo_ws, warm=False)
    async with app.run_test(size=SIZE) as pilot:
        app.open_reader(REG, "art_2__para_2")
        await settle(pilot, app)
        reader = app.screen
        assert isinstance(reader, ReaderScreen) and reader.view is not None
        assert text_of(reader, "#breadcrumb").endswith("p. 3")
        assert reader.view.pinpoint.startswith("Regulation (EU) 2099/1")


@pytest.mark.shared
@pytest.mark.slow
async def test_exemption_map_on_the_ai_act_opens_what_article_53_2_exempts_from(
    real_ws: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = cli_exemptions(real_ws, capsys)
    app = CorpusApp(real_ws, warm=False)
    async with app.run_test(size=(180, 50)) as pilot:
        screen = await open_map(pilot, app)
        assert [r.record.as_dict() for r in screen.rows] == expected
        cited = [r.record.citation for r in screen.rows]
        for article in ("Article 2(12)", "Article 25(4)", "Article 53(2)", "Article 54(6)"):
            assert article in cited, cited
        row = cited.index("Article 53(2)")
        # Article 53(2) is printed on page 85 of the new OJ L series (and PDF page 85).
        assert screen.rows[row].pages == "p. 85"
        table = screen.query_one("#exemptions", DataTable)
        table.move_cursor(row=row, column=2 + MAP_FIELDS.index("exempted_from"))
        await pilot.press("enter")
        await settle(pilot, app)
        reader = app.screen
        assert isinstance(reader, ReaderScreen) and reader.view is not None
        assert reader.view.provision.citation == "Article 53(1)(a)"
        await pilot.press("escape")
        await settle(pilot, app)
        assert app.screen is screen and table.cursor_coordinate.row == row
