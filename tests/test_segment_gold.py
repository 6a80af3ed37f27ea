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
    ingest = pytest.importorskip("corpus_tool.ingest")
    extract = getattr(ingest, "extract_document", None)
    if extract is None:
        pytest.skip("corpus_tool.ingest.extract_document is not there yet")
    return {name: extract(shared_corpus / name) for name in gold_structure}


@pytest.fixture(scope="module")
def segmented(extracted: dict[str, Document]) -> dict[str, list[Provision]]:
    return {name: segment_document(doc) for name, doc in extracted.items()}


def test_counts_per_top_level_kind(segmented: dict, gold_structure: dict) -> None:
    for name, expected in gold_structure.items():
        counts = collections.Counter(p.kind for p in segmented[name])
        assert {k: counts[k] for k in expected} == expected, name


def test_gold_provision_texts(segmented: dict, gold_texts: list[dict]) -> None:
    wrong = []
    for g in gold_texts:
        if g["doc"] not in segmented:
            continue
        p = {q.id: q for q in segmented[g["doc"]]}.get(g["id"])
        if p is None or p.text != " ".join(g["text"].split()):
            wrong.append(g["id"])
    # art_25__para_4: the gold text stops after the paragraph's second sentence block,
    # while the PDF prints a further sentence in the same paragraph (reported to the lead).
    assert set(wrong) <= {"art_25__para_4"}, wrong


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
