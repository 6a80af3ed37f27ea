"""Index builds: parallel segments, the fast analysis path, incremental updates that skip unchanged documents."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from corpus_tool.index import analysis, forget, rebuild_index, search, store, update_index, writers
from corpus_tool.index.writers import _FastSchema, merge_small
from corpus_tool.workspace import DocBundle, Workspace
from tests._search_helpers import act_bundle, make_workspace, order_bundle

QUERIES = [
    "shall",
    "licensor",
    '"open source"',
    "provider /s licence",
    "model +3 weights",
    "kind:article",
    "exempt!",
]


def _results(ws: Workspace) -> dict[str, list[tuple[str, str, float]]]:
    forget(ws)
    out = {}
    for q in QUERIES:
        hits = search(ws, q, limit=None).hits
        out[q] = sorted((h.doc_id, h.id, round(h.score, 6)) for h in hits)
    forget(ws)
    return out


def _toc_segments(ws: Workspace) -> list:
    ix = store.open_index(ws)
    try:
        return list(ix._segments())
    finally:
        ix.close()


def test_fast_field_analysis_gives_whooshs_postings(shared_corpus_ws_or_fixture) -> None:
    """Same terms, frequencies, weights and encoded positions as Whoosh's own analysis chain."""
    schema = store.make_schema()
    fast = _FastSchema(schema)
    fast_names = [n for n in schema.names() if fast[n] is not schema[n]]
    words = ["cite", "exact", "heading", "heading_exact", "text"]
    ids = ["date", "doc_id", "entryfp", "family", "file", "jurisdiction", "key", "kind", "pid"]
    assert sorted(fast_names) == sorted(words + ids)
    checked = 0
    for bundle in shared_corpus_ws_or_fixture:
        for entry in store.bundle_entries(bundle):
            for name in fast_names:
                value = entry.get(name)
                if value is None:
                    continue
                assert list(fast[name].index(value)) == list(schema[name].index(value)), (
                    bundle.meta.doc_id,
                    entry["key"],
                    name,
                )
                checked += 1
    assert checked > 20
    # the writer's (word, position) pairs are those of the tokenizer's words
    for bundle in shared_corpus_ws_or_fixture:
        for entry in store.bundle_entries(bundle):
            for name in words:
                value = entry.get(name, "")
                assert analysis.word_positions(value) == [
                    (w.text, w.pos) for w in analysis.words(value)
                ]


@pytest.fixture
def shared_corpus_ws_or_fixture(tmp_path: Path):
    """Bundles to analyse: the fixture acts, plus odd text (apostrophes, numbers, non-ASCII case)."""
    ws = make_workspace(tmp_path / "ws", index=False)
    bundles = list(ws.bundles())
    bundles.append(
        act_bundle(
            {
                "art_80": "The provider’s İstanbul ΣΟΦΙΑ licence, Sec. 4.6(a) and 1,000 users. "
                "Straße  e.g. the U.S. Code; (b) open-source models' weights!",
                "art_81": "",
            }
        )
    )
    return bundles


def test_parallel_rebuild_finds_what_a_one_process_build_finds(tmp_path: Path, capsys) -> None:
    ws = make_workspace(tmp_path / "ws", index=False)
    assert rebuild_index(ws, jobs=1) == 9
    one = _results(ws)
    assert len(_toc_segments(ws)) == 1
    seen: list[tuple[int, int]] = []
    assert rebuild_index(ws, jobs=2, progress=lambda d, t: seen.append((d, t))) == 9
    assert len(_toc_segments(ws)) == 2  # one segment written by a worker process
    assert _results(ws) == one
    assert seen and seen[-1] == (2, 2)
    # every file of the new index is signed: a fresh reader opens it without a rebuild
    signed = store.read_signatures(ws.index_dir)
    for seg in _toc_segments(ws):
        assert any(name.startswith(seg.segment_id()) for name in signed)
    assert "notice" not in capsys.readouterr().err  # opened as signed, not rebuilt


def test_rebuild_removes_scratch_folders_of_a_killed_build(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    scratch = ws.index_dir / f"{store.INDEX_NAME}.deadbeef.tmp"
    scratch.mkdir()
    (scratch / "x.run").write_bytes(b"partial run")
    other = ws.index_dir / "not-ours"
    other.mkdir()
    rebuild_index(ws, jobs=1)
    assert not scratch.exists()
    assert other.is_dir()  # only the index's own scratch folders
    assert not (ws.index_dir / f"{store.INDEX_NAME}.tmp").exists()


def test_unchanged_document_is_not_reindexed(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    before = sorted(p.name for p in ws.index_dir.iterdir())
    update_index(ws, [ws.load_bundle("act-a")])  # same entries as indexed
    assert sorted(p.name for p in ws.index_dir.iterdir()) == before  # no new generation
    changed = act_bundle({"art_70": "A zebra licence."})
    update_index(ws, [changed])
    forget(ws)
    assert {h.id for h in search(ws, "zebra").hits} == {"art_70"}
    assert sorted(p.name for p in ws.index_dir.iterdir()) != before


def _order_with(word: str) -> DocBundle:
    b = order_bundle()
    first = next(i for i, p in enumerate(b.provisions) if p.searchable)
    provisions = list(b.provisions)
    provisions[first] = dataclasses.replace(provisions[first], text=f"A {word} licence.")
    return dataclasses.replace(b, provisions=tuple(provisions))


def test_changed_provision_alone_is_rewritten(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws", index=False)
    rebuild_index(ws, jobs=1)
    before = {s.segment_id() for s in _toc_segments(ws)}
    update_index(ws, [_order_with("zebra")])
    new = [s for s in _toc_segments(ws) if s.segment_id() not in before]
    assert [s.doc_count_all() for s in new] == [1]  # one entry written, not the document
    forget(ws)
    assert {h.doc_id for h in search(ws, "zebra").hits} == {"eo-b"}
    assert search(ws, "woman").total == 1  # the document's other provisions are still found
    # a provision removed: the document is written again whole, without it
    b = order_bundle()
    gone = next(p for p in b.provisions if p.searchable and "woman" in p.text)
    update_index(
        ws, [dataclasses.replace(b, provisions=tuple(p for p in b.provisions if p is not gone))]
    )
    forget(ws)
    assert search(ws, "woman").total == 0
    assert search(ws, "zebra").total == 0
    assert {h.doc_id for h in search(ws, "shall").hits} >= {"eo-b", "act-a"}


def test_update_leaves_large_segments_alone(tmp_path: Path, monkeypatch) -> None:
    """Each update writes a segment of its own; small ones are merged, a large one never is."""
    ws = make_workspace(tmp_path / "ws", index=False)
    rebuild_index(ws, jobs=1)
    (big,) = {s.segment_id() for s in _toc_segments(ws)}
    monkeypatch.setattr("corpus_tool.index.writers.SMALL_DOCS", 5)
    counts = []
    for n in range(10):
        update_index(ws, [_order_with(f"zebra{n}")])
        segments = [s.segment_id() for s in _toc_segments(ws)]
        assert big in segments  # never merged, never rewritten
        counts.append(len(segments))
    assert max(counts) <= 1 + writers.MERGE_AT  # the small ones were merged along the way
    assert counts[-1] < counts[writers.MERGE_AT - 2]
    forget(ws)
    assert {h.doc_id for h in search(ws, "zebra9").hits} == {"eo-b"}
    assert search(ws, "zebra8").total == 0
    assert search(ws, "licensor").total == 1  # act-a, still in the large segment


def test_merge_small_merges_only_small_segments_once_there_are_enough() -> None:
    class Seg:
        def __init__(self, n: int) -> None:
            self.n = n

        def doc_count_all(self) -> int:
            return self.n

        def deleted_count(self) -> int:
            return 0

    class Writer:
        storage = schema = None

    big = [Seg(50_000), Seg(48_000)]
    few_small = [Seg(200) for _ in range(3)]
    assert merge_small(Writer(), big + few_small) == big + few_small  # type: ignore[arg-type]


def test_commit_hook_sees_the_committed_segments_and_its_files_are_signed(
    tmp_path: Path, monkeypatch
) -> None:
    """A file written beside the segments at commit (posting arrays, say) is signed with them."""
    seen: list[int] = []

    def hook(st, segments):
        seen.append(sum(s.doc_count_all() for s in segments))
        name = f"arrays-{len(seen)}.bin"
        with st.create_file(name) as f:
            f.write(b"beside the segments")
        return [name]

    monkeypatch.setattr(store, "COMMIT_HOOKS", [hook])
    ws = make_workspace(tmp_path / "ws")
    assert seen and seen[-1] == len([e for b in ws.bundles() for e in store.bundle_entries(b)])
    signed = store.read_signatures(ws.index_dir)
    assert f"arrays-{len(seen)}.bin" in signed
    assert any(name.endswith(".toc") for name in signed)
