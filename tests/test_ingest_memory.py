"""Flat extraction memory: pages wait on disk between passes, with the same result as keeping them all."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from corpus_tool.ingest import pdf
from corpus_tool.ingest.layout import finish_page
from corpus_tool.ingest.pagelabels import page_labels

# Small real PDFs with running heads, footnotes, hyphens and two columns.
DOCS = ["us-eo-14179-fr-2025-02172.pdf", "eu-com-2022-496-ai-liability-directive-proposal.pdf"]


def _all_pages_in_memory(path: Path) -> pdf.Extraction:
    """The extraction as it was before the page spill: every page kept in a list."""
    layouts = list(pdf.read_layouts(path))
    front = pdf.front_text(layouts[0])
    labels = page_labels([[ln.text for ln in layout.lines if ln.band] for layout in layouts])
    removed = pdf.strip_running(layouts)
    sizes: Counter[float] = Counter()
    for layout in layouts:
        sizes[layout.body_size] += layout.char_count
    body_size = sizes.most_common(1)[0][0]
    for layout in layouts:
        layout.body_size = body_size
        finish_page(layout)
    body, pages, footnotes = pdf.assemble(layouts)
    return pdf.Extraction(
        text=body.text(),
        boxes=body.boxes,
        pages=pages,
        footnotes=footnotes,
        removed=removed,
        front=front,
        pdf_title=pdf.pdf_title(path),
        page_labels=labels,
    )


@pytest.mark.parametrize("name", DOCS)
def test_spilled_pages_give_the_same_extraction(shared_corpus: Path, name: str) -> None:
    path = shared_corpus / name
    if not path.exists():
        pytest.skip(f"{name} is not in the shared corpus")
    streamed = pdf.extract_pdf(path)
    assert streamed == _all_pages_in_memory(path)
    assert streamed.removed  # running heads: decided over the whole document
    if name.startswith("eu-"):
        assert streamed.footnotes


def test_page_spill_reads_back_pages_in_order() -> None:
    from array import array

    from corpus_tool.ingest.layout import Line, PageLayout

    spill = pdf.PageSpill()
    try:
        for n in range(1, 4):
            line = Line(f"page {n}", *(array("f", [1.0] * 6) for _ in range(4)), 10.0)
            spill.append(PageLayout(n, 600.0, 800.0, [line], [], 6))
        assert [p.number for p in spill] == [1, 2, 3]
        assert [p.lines[0].text for p in spill] == ["page 1", "page 2", "page 3"]  # again
    finally:
        spill.close()


def test_extraction_cache_streams_boxes_as_to_dict_would_write_them(tmp_path: Path) -> None:
    """The cache holds what ``to_dict`` gives, boxes included, and loads back equal."""
    import gzip
    import json
    from array import array

    from corpus_tool.model import CharBoxes, Document, DocumentMeta, PageInfo, to_dict
    from corpus_tool.workspace import Workspace

    n = 70_001  # more than one slice of every array; base64 padding at the end
    text = ("Article 53 ’open-source’ ünïcode \ud800 " * 2000)[:n]
    boxes = CharBoxes(
        array("H", (1 + i // 5000 for i in range(n))),
        *(array("f", (float(i % 997) + k / 4 for i in range(n))) for k in range(4)),
    )
    meta = DocumentMeta("x.pdf", "x", "ab" * 32, "Title", "eu-regulation", "EU", "", "", "", 15)
    doc = Document(meta, text, (PageInfo(1, 595.0, 842.0, 0, n),), boxes=boxes)
    ws = Workspace(tmp_path / "ws")
    ws.ensure()
    ws.save_extraction(doc)
    raw = gzip.decompress(ws.extraction_path(meta.sha256).read_bytes())
    assert json.loads(raw.decode("utf-8", "surrogatepass")) == to_dict(doc)
    assert ws.load_extraction(meta.sha256) == doc
