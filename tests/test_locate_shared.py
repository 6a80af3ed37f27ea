"""Spans of provisions (tag evidence, quote annotations, hits) mapped to pages and boxes of a real PDF.

The boxes are checked against pdfplumber's own characters on those pages: the
characters inside the boxes are the quoted words.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from corpus_tool.annotations import AnnotationStore
from corpus_tool.cli import main
from corpus_tool.export import export
from corpus_tool.index import forget, rebuild_index
from corpus_tool.locate import document_span, locate_span
from corpus_tool.model import Box, Document, Provision
from corpus_tool.offsets import to_document
from corpus_tool.workspace import DocBundle, Workspace

pytestmark = pytest.mark.shared

# A short Federal Register notice: two-column pages, sentences running over page breaks,
# and one open-source mention for the tagger.
DOC_FILE = "us-copyright-office-ai-noi-fr-2023-18624.pdf"
MIN_WORDS = 8


@pytest.fixture(scope="module")
def pdf_path(shared_corpus: Path) -> Path:
    path = shared_corpus / DOC_FILE
    if not path.exists():
        pytest.skip(f"{DOC_FILE} is not in {shared_corpus}")
    return path


@pytest.fixture(scope="module")
def built(pdf_path: Path, tmp_path_factory: pytest.TempPathFactory):
    from corpus_tool.ingest.document import extract_document
    from corpus_tool.segment import segment_document
    from corpus_tool.tagging import tag_provisions

    doc = extract_document(pdf_path)
    provisions = segment_document(doc)
    tags = tag_provisions(provisions)
    ws = Workspace(tmp_path_factory.mktemp("locate_ws"))
    ws.ensure()
    bundle = DocBundle(doc.meta, tuple(provisions), tuple(tags))
    ws.save_bundle(bundle)
    ws.save_extraction(doc)
    rebuild_index(ws)
    yield ws, doc, bundle
    forget(ws)


def _norm(text: str) -> str:
    # Line-end hyphens and soft hyphens are where the clean text and the PDF may differ.
    return re.sub(r"[\s\-\u00ad]", "", text)


def _printed_chars(pdf_path: Path, boxes: tuple[Box, ...]) -> str:
    import pdfplumber

    out = []
    with pdfplumber.open(pdf_path) as pdf:
        for box in boxes:
            page = pdf.pages[box.page - 1]
            inside = [
                c
                for c in page.chars
                if box.x0 <= (c["x0"] + c["x1"]) / 2 <= box.x1
                and box.top <= (c["top"] + c["bottom"]) / 2 <= box.bottom
            ]
            out.append("".join(c["text"] for c in sorted(inside, key=lambda c: c["x0"])))
    return "".join(out)


def _span_across_a_page_break(doc: Document, provisions: tuple[Provision, ...]):
    """The first run of ten words of a provision whose fifth and sixth words are on two pages."""
    for p in provisions:
        if not p.searchable or p.pages[0] == p.pages[1]:
            continue
        words = [(m.start(), m.end()) for m in re.finditer(r"\S+", p.text)]
        for k in range(4, len(words) - 5):
            here = doc.page_at(document_span(doc, p, *words[k])[0])
            after = doc.page_at(document_span(doc, p, *words[k + 1])[0])
            if here != after:
                return p, words[k - 4][0], words[k + 5][1]
    raise AssertionError(f"no provision of {DOC_FILE} runs over a page break")


def test_every_provision_offset_maps_to_the_same_character_of_the_document(built) -> None:
    _ws, doc, bundle = built
    checked = 0
    for p in bundle.provisions:
        assert p.text == "" or p.offset_map, p.id
        for i, char in enumerate(p.text):
            d = to_document(p.offset_map, i)
            assert d is not None, (p.id, i)
            assert doc.text[d] == char or (char == " " and doc.text[d].isspace()), (p.id, i)
            checked += 1
    assert checked > 10_000


def test_tag_evidence_maps_to_pages_and_boxes_holding_its_words(built, pdf_path: Path) -> None:
    _ws, doc, bundle = built
    by_id = {p.id: p for p in bundle.provisions}
    evidence = [(t, e) for t in bundle.tags for e in t.evidence]
    assert evidence, f"the tagger found nothing in {DOC_FILE}"
    for tag, ev in evidence:
        loc = locate_span(doc, by_id[tag.provision_id], ev.start, ev.end)
        assert loc.pages and loc.boxes
        assert loc.printed_pages == tuple(doc.printed_page(n) for n in loc.pages)
        assert {b.page for b in loc.boxes} == set(loc.pages)
        assert _norm(_printed_chars(pdf_path, loc.boxes)) == _norm(ev.text), tag.tag_id


def test_a_quote_annotation_across_a_page_break_maps_to_both_pages(
    built, pdf_path: Path, tmp_path: Path
) -> None:
    ws, doc, bundle = built
    provision, start, end = _span_across_a_page_break(doc, bundle.provisions)
    quote = provision.text[start:end]
    assert len(quote.split()) >= MIN_WORDS
    made = AnnotationStore(ws, author="a").create(
        doc_id=bundle.meta.doc_id, provision_id=provision.id, labels=["relevant"], quote=quote
    )
    assert made.position == (start, end)
    loc = locate_span(doc, provision, *made.position)
    assert len(loc.pages) == 2 and loc.pages[1] == loc.pages[0] + 1
    assert loc.printed_pages == tuple(doc.printed_page(n) for n in loc.pages)
    assert len(loc.boxes) >= 2 and {b.page for b in loc.boxes} == set(loc.pages)
    assert _norm(_printed_chars(pdf_path, loc.boxes)) == _norm(quote)
    # Each box is one printed line: the words of the first box end the earlier page.
    first_page_words = _printed_chars(
        pdf_path, tuple(b for b in loc.boxes if b.page == loc.pages[0])
    )
    assert _norm(quote).startswith(_norm(first_page_words)) and first_page_words

    # The exports carry the same pages (fields added beside the annotation's own).
    out = tmp_path / "export.jsonl"
    export(ws, "jsonl", out, doc=bundle.meta.doc_id, everything=True)
    records = [json.loads(line) for line in out.read_text().splitlines()]
    annotated = [a for r in records if r.get("record") == "provision" for a in r["annotations"]]
    (exported,) = [a for a in annotated if a["id"] == made.id]
    assert exported["pages"] == list(loc.pages)
    assert exported["printed_pages"] == list(loc.printed_pages)
    tagged = [
        e
        for r in records
        if r.get("record") == "provision"
        for t in r["tags"]
        for e in t["evidence"]
    ]
    assert tagged and all(e["pages"] and e["printed_pages"] for e in tagged)
    ld = tmp_path / "export.jsonld"
    export(ws, "jsonld", ld, doc=bundle.meta.doc_id, everything=True)
    items = json.loads(ld.read_text())["first"]["items"]
    (person,) = [i for i in items if i["id"].endswith(made.id)]
    assert person["pages"] == list(loc.pages)
    AnnotationStore(ws, author="a").delete(made.id)


def test_json_outputs_gain_printed_pages_pinpoints_and_highlight_pages(
    built, capsys: pytest.CaptureFixture[str]
) -> None:
    ws, doc, bundle = built
    provision, start, end = _span_across_a_page_break(doc, bundle.provisions)
    capsys.readouterr()
    assert main(["-w", str(ws.root), "provisions", "--json"]) == 0
    rows = {r["id"]: r for r in map(json.loads, capsys.readouterr().out.splitlines())}
    row = rows[provision.id]
    first, last = row["pages"]  # the old field, unchanged
    assert row["printed_pages"] == [doc.printed_page(n) for n in range(first, last + 1)]
    assert (
        provision.citation in row["pinpoint"]  # in the family's format (pinpoint.toml)
        and row["printed_pages"][0] in row["pinpoint"]  # pinned at its first printed page
    )
    tagged = [r for r in rows.values() if r["tags"]]
    assert tagged and all("pages" in e for r in tagged for t in r["tags"] for e in t["evidence"])

    words = provision.text[start:end].split()
    query = f'"{words[3]} {words[4]} {words[5]} {words[6]}"'
    assert main(["-w", str(ws.root), "search", query, "--json", "--limit", "0"]) == 0
    hits = {h["id"]: h for h in map(json.loads, capsys.readouterr().out.splitlines())}
    hit = hits[provision.id]
    assert len(hit["highlight_pages"]) == len(hit["highlights"])
    across = list(locate_span(doc, provision, start, end).pages)
    assert len(across) == 2 and across in hit["highlight_pages"]  # the phrase runs over the break
    assert hit["printed_pages"] and provision.citation in hit["pinpoint"]
