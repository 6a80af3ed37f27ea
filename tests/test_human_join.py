"""Human work (labels, tag decisions) is joined to a search when it runs, never written to the index."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from _search_helpers import make_workspace

from corpus_tool.annotations import AnnotationStore, review
from corpus_tool.cli import main
from corpus_tool.index import forget, rebuild_index, search
from corpus_tool.index import human as human_join
from corpus_tool.model import DocumentMeta, Provision
from corpus_tool.workspace import DocBundle, Workspace

TAG_ID = "act-a:art_53__para_2:oss-exemption"


def ids(ws: Workspace, query: str, **filters: str) -> set[str]:
    return {h.id for h in search(ws, query, limit=None, **filters).hits}


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    made = make_workspace(tmp_path / "ws")
    yield made
    forget(made)
    human_join.forget(made)


def _index_files(ws: Workspace) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(ws.index_dir.iterdir()) if p.is_file()}


def test_rejecting_a_tag_on_the_cli_drops_it_from_tag_search_and_facet_at_once(
    ws: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    assert ids(ws, "tag:oss-exemption") == {"art_53__para_2"}
    assert search(ws, "shall").facets["tag"] == {"oss-exemption": 1}
    before = _index_files(ws)
    assert main(["-w", str(ws.root), "review", "reject", TAG_ID]) == 0
    assert ids(ws, "tag:oss-exemption") == set()
    assert ids(ws, "shall", tag="oss-exemption") == set()
    assert search(ws, "shall").facets["tag"] == {}
    assert _index_files(ws) == before, "a decision must not write to the index"
    # The CLI's own search agrees.
    capsys.readouterr()
    assert main(["-w", str(ws.root), "search", "tag:oss-exemption", "--json"]) in (0, 1)
    assert capsys.readouterr().out.strip() == ""
    # Accepting it again brings it back; an accepted tag is kept.
    assert main(["-w", str(ws.root), "review", "accept", TAG_ID]) == 0
    assert ids(ws, "tag:oss-exemption") == {"art_53__para_2"}
    assert search(ws, "shall").facets["tag"] == {"oss-exemption": 1}


def test_a_rejected_tag_pattern_keeps_entries_with_another_matching_tag(ws: Workspace) -> None:
    review(ws, TAG_ID, "reject")
    assert ids(ws, "tag:oss*") == set()
    assert ids(ws, "tag:oss* OR licensor") == {"art_70"}
    assert ids(ws, "shall % tag:oss-exemption") >= {"art_53__para_2"}


def test_labels_come_from_the_store_and_are_faceted(ws: Workspace) -> None:
    store = AnnotationStore(ws, author="a")
    made = store.create(
        doc_id="act-a", provision_id="art_25__para_4", labels=["carve-back", "condition"]
    )
    assert ids(ws, "label:carve-back") == {"art_25__para_4"}
    assert ids(ws, "shall", label="condition") == {"art_25__para_4"}
    assert search(ws, "shall").facets["label"] == {"carve-back": 1, "condition": 1}
    assert ids(ws, "label:carve*") == {"art_25__para_4"}
    store.delete(made.id)
    assert ids(ws, "label:carve-back") == set()
    assert search(ws, "shall").facets["label"] == {}
    assert ids(ws, '"third parties"') == {"art_25__para_4"}


def _pointed_bundle() -> DocBundle:
    """An article with a lead-in paragraph and two points, as EU acts print them."""
    meta = DocumentMeta(
        file="pointed.pdf", doc_id="pointed", sha256="1" * 64, title="pointed",
        family="eu-regulation", jurisdiction="EU", date="2024-01-01", citation="pointed",
        eli="", pages=1,
    )  # fmt: skip
    rows = [
        ("art_2", "Article 2", "article", None, "Scope", "", False),
        ("art_2__para_6", "Article 2(6)", "paragraph", "art_2", "",
         "This Regulation does not apply to the following systems:", True),
        ("art_2__para_6__pt_a", "Article 2(6)(a)", "point", "art_2__para_6", "",
         "(a) systems released under a free licence;", True),
        ("art_2__para_6__pt_b", "Article 2(6)(b)", "point", "art_2__para_6", "",
         "(b) systems used for research.", True),
    ]  # fmt: skip
    # fmt: off
    provisions = tuple(
        Provision(
            file="pointed.pdf", doc_id="pointed", id=pid, citation=cite, kind=kind,
            parent=parent, heading=heading, path=(cite,), pages=(1, 1), start=0,
            end=len(text), text=text, order=n, searchable=searchable,
        )
        for n, (pid, cite, kind, parent, heading, text, searchable) in enumerate(rows)
    )
    # fmt: on
    return DocBundle(meta, provisions, ())


def test_a_label_on_a_point_is_found_and_counted_for_its_ancestors(ws: Workspace) -> None:
    ws.save_bundle(_pointed_bundle())
    rebuild_index(ws)
    AnnotationStore(ws, author="a").create(
        doc_id="pointed", provision_id="art_2__para_6__pt_a", labels=["oss-exemption"]
    )
    found = ids(ws, "label:oss-exemption")
    assert "art_2__para_6__pt_a" in found  # the point itself
    assert "art_2__para_6" in found  # its paragraph (and article) count it too
    assert "art_2__para_6__pt_b" not in found
    # Points are searched with their lead-in (docs/decisions.md section 2), so "apply"
    # hits the paragraph and both points; the label counts for the point and its paragraph.
    assert ids(ws, "apply", doc="pointed") == {
        "art_2__para_6", "art_2__para_6__pt_a", "art_2__para_6__pt_b"
    }  # fmt: skip
    assert search(ws, "apply", doc="pointed").facets["label"] == {"oss-exemption": 2}
    assert search(ws, "licence", doc="pointed").facets["label"] == {"oss-exemption": 1}
    assert search(ws, "research", doc="pointed").facets["label"] == {}


def _bench_queries() -> list[str]:
    bench = Path(__file__).resolve().parent.parent / "benchmarks"
    sys.path.insert(0, str(bench))
    try:
        import search_bench
    finally:
        sys.path.remove(str(bench))
    return [q for _kind, q, _ref in search_bench.QUERIES]


def test_annotating_never_changes_a_score_of_the_benchmark_queries(ws: Workspace) -> None:
    queries = _bench_queries()
    assert len(queries) >= 20

    def scores() -> dict[str, list[tuple[str, float]]]:
        return {q: [(h.id, h.score) for h in search(ws, q, limit=None).hits] for q in queries}

    before = scores()
    assert any(before.values()), "the query set finds nothing in the test workspace"
    store = AnnotationStore(ws, author="a")
    for bundle in ws.bundles():
        for p in bundle.provisions:
            if p.searchable:
                store.create(doc_id=p.doc_id, provision_id=p.id, labels=["relevant"], note="n")
    review(ws, TAG_ID, "accept")
    after = scores()
    assert after == before


def test_no_label_file_or_thread_is_left(ws: Workspace) -> None:
    import corpus_tool.index as index
    import corpus_tool.index.store as index_store

    AnnotationStore(ws, author="a").create(
        doc_id="act-a", provision_id="art_70", labels=["carve-back"]
    )
    assert not hasattr(index, "set_labels") and not hasattr(index_store, "set_labels")
    assert not (ws.index_dir / "pending-labels.json").exists()
    # The stored payload of an entry holds no human work.
    from corpus_tool.index.store import open_index

    with open_index(ws).searcher() as s:
        payloads = [f["payload"] for f in s.all_stored_fields()]
    assert payloads and all("labels" not in p for p in payloads)
    assert json.dumps(payloads).count("carve-back") == 0
