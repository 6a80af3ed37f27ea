"""The segmenter on the real shared corpus, checked against ../shared/gold."""

from __future__ import annotations

import collections
import dataclasses
import time
from pathlib import Path

import pytest

from corpus_tool.model import Document, Provision
from corpus_tool.segment import resolve_external_refs, segment_document
from corpus_tool.workspace import DocBundle

pytestmark = [pytest.mark.shared, pytest.mark.slow]


@pytest.fixture(scope="module")
def extracted(shared_corpus: Path, gold_structure: dict) -> dict[str, Document]:
    from corpus_tool.ingest import extract_document as extract

    return {name: extract(shared_corpus / name) for name in gold_structure}


def _pdfium_text(path, pages: tuple[int, int]) -> str:
    """Whitespace-collapsed text of those pages by pypdfium2, an independent extractor."""
    import pypdfium2

    pdf = pypdfium2.PdfDocument(str(path))
    try:
        parts = [pdf[i].get_textpage().get_text_range() for i in range(pages[0] - 1, pages[1])]
    finally:
        pdf.close()
    return " ".join(" ".join(parts).split())


@pytest.fixture(scope="module")
def segmented(extracted: dict[str, Document]) -> dict[str, list[Provision]]:
    return {name: segment_document(doc) for name, doc in extracted.items()}


def test_counts_per_top_level_kind(segmented: dict, gold_structure: dict) -> None:
    for name, expected in gold_structure.items():
        counts = collections.Counter(p.kind for p in segmented[name])
        assert {k: counts[k] for k in expected} == expected, name


def test_gold_provision_texts(segmented: dict, gold_texts: list[dict], shared_corpus: Path) -> None:
    wrong = []
    for g in gold_texts:
        if g["doc"] not in segmented:
            continue
        p = {q.id: q for q in segmented[g["doc"]]}.get(g["id"])
        if p is None or p.text != " ".join(g["text"].split()):
            wrong.append(g["id"])
    # art_25__para_4: the gold text stops after "…integrated into high-risk AI systems."
    # while the PDF prints two more sentences of the same subparagraph before "5.".
    # We keep what the PDF prints; the check below proves the extra words are the PDF's,
    # read by an independent extractor, so the exception cannot hide a real error.
    assert set(wrong) <= {"art_25__para_4"}, wrong
    for g in gold_texts:
        if g["id"] not in wrong:
            continue
        ours = {q.id: q for q in segmented[g["doc"]]}[g["id"]]
        gold = " ".join(g["text"].split())
        assert ours.text.startswith(gold) and gold.endswith(".")
        independent = _pdfium_text(shared_corpus / g["doc"], ours.pages)
        assert ours.text in independent, "the extra text is not what the PDF prints"


def test_ai_act_headings_paragraphs_and_refs(segmented: dict) -> None:
    name = next(n for n in segmented if "ai-act" in n)
    provs = {p.id: p for p in segmented[name]}
    articles = [p for p in provs.values() if p.kind == "article"]
    assert all(a.heading for a in articles)
    for art in (2, 25, 53, 54):
        paras = [i for i in provs if i.startswith(f"art_{art}__para_") and i.count("__") == 1]
        assert len(paras) >= 4, art
    targets = {r.target for r in provs["art_53__para_2"].refs}
    assert {"art_53__para_1__point_a", "art_53__para_1__point_b"} <= targets


def test_ids_unique_and_stable(extracted: dict, segmented: dict) -> None:
    for name, doc in extracted.items():
        ids = [p.id for p in segmented[name]]
        assert len(ids) == len(set(ids)), name
        assert [p.id for p in segment_document(doc)] == ids


def test_whole_corpus_segments_fast(extracted: dict) -> None:
    start = time.perf_counter()
    for doc in extracted.values():
        segment_document(doc)
    # A loose bound (shared machine); the measured figure is in docs/benchmarks/segment.md.
    assert time.perf_counter() - start < 20


def test_external_refs_resolve_between_corpus_documents(extracted: dict, segmented: dict) -> None:
    bundles = [DocBundle(extracted[n].meta, tuple(segmented[n]), ()) for n in segmented]
    out = resolve_external_refs(bundles)
    gdpr = next(b.meta.doc_id for b in out if "gdpr" in b.meta.file)
    ai = next(b for b in out if "ai-act" in b.meta.file)
    hits = [r for p in ai.provisions for r in p.refs if r.target_doc == gdpr]
    assert hits, "the AI Act cites Regulation (EU) 2016/679 many times"


def test_changed_version_keeps_ids_of_unchanged_provisions(
    extracted: dict, segmented: dict
) -> None:
    name = next(n for n in segmented if "ai-act" in n)
    doc, first = extracted[name], segmented[name]
    by = {p.id: p for p in first}
    # Remove a recital, an article paragraph and a point; edit one recital's wording.
    cut = sorted((by["rec_50"], by["art_30__para_2"], by["art_53__para_1__point_b"]),
                 key=lambda p: -p.start)  # fmt: skip
    text = doc.text
    for p in cut:
        text = text[: p.start] + text[p.end :]
    edited = by["rec_103"].text.split()[0]
    text = text.replace(
        edited + " and open-source AI components covers",
        edited + " and open-source AI components cover",
        1,
    )
    changed = dataclasses.replace(doc, text=text, boxes=None, footnotes=())
    second = segment_document(changed)
    ids = {p.id for p in second}
    assert {"rec_51", "art_30__para_3", "art_53__para_1__point_c"} <= ids
    assert not {"rec_50", "art_30__para_2", "art_53__para_1__point_b"} & ids
    before: dict[str, list[str]] = collections.defaultdict(list)
    after: dict[str, list[str]] = collections.defaultdict(list)
    for p in first:
        before[p.text].append(p.id)
    for p in second:
        after[p.text].append(p.id)
    same = [t for t in before if len(before[t]) == len(after.get(t, ()))]
    assert len(same) > 1400
    assert all(before[t] == after[t] for t in same)


# --- pending gold: families being built (../shared/gold/pending) -----------------


def _pending() -> tuple[dict, list[dict]]:
    import json

    from conftest import GOLD

    folder = GOLD / "pending"
    if not folder.is_dir():
        pytest.skip(f"the pending gold is not at {folder}")
    structure = json.loads((folder / "structure.json").read_text())
    lines = (folder / "provision-text.jsonl").read_text().splitlines()
    return structure, [json.loads(line) for line in lines if line.strip()]


@pytest.mark.parametrize(
    "name",
    [
        "us-co-sb26-189-session-law-ch131-2026.pdf",
        "eu-infosoc-directive-2001-29.pdf",  # the old two-column OJ first page (issue 11)
    ],
)
def test_pending_gold_counts_and_texts(name: str, shared_corpus: Path) -> None:
    from corpus_tool.ingest import extract_document as extract

    structure, texts = _pending()
    if name not in structure:
        pytest.skip(f"{name} has no pending gold (moved up already?)")
    provisions = segment_document(extract(shared_corpus / name))
    counts = collections.Counter(p.kind for p in provisions)
    assert {k: counts[k] for k in structure[name]} == structure[name]
    by = {p.id: p for p in provisions}
    for g in texts:
        if g["doc"] != name:
            continue
        p = by.get(g["id"])
        assert p is not None, g["id"]
        assert (p.citation, p.text) == (g["citation"], " ".join(g["text"].split())), g["id"]
