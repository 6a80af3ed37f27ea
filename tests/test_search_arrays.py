"""Search evaluated on arrays gives what the rule, Whoosh's collector and the stored text give.

The array path (corpus_tool.index.evaluate.connect_arrays over many units at
once, postings decoded once per segment, top hits and facets counted on
arrays, highlights from the index's positions) is held here against the plain
forms it replaces: the connector rule pair by pair, heapq over (score, -entry),
Counter.most_common, and the per-unit evaluator over each hit's stored text
(bulk evaluation switched off).
"""

from __future__ import annotations

import heapq
import random
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from corpus_tool.index import forget, search
from corpus_tool.index import postings as bulk
from corpus_tool.index.analysis import SENTENCE_STRIDE
from corpus_tool.index.evaluate import SHIFT, Occurrences, _satisfies, connect_arrays
from corpus_tool.index.searching import _best, _counts, _searcher, clear_result_cache
from corpus_tool.workspace import Workspace
from tests._search_helpers import make_workspace
from tests.test_search_bulk import QUERIES as BULK_QUERIES
from tests.test_search_reference import Leaf, Op, compare_trees

S = SENTENCE_STRIDE


def _bench_queries() -> list[str]:
    bench = Path(__file__).resolve().parent.parent / "benchmarks"
    sys.path.insert(0, str(bench))
    try:
        import search_bench
    finally:
        sys.path.remove(str(bench))
    return [q for _kind, q, _ref in search_bench.QUERIES]


# --- connectors on many units at once -------------------------------------------------------


def _random_occurrences(rng: random.Random) -> list[tuple[int, int]]:
    """Occurrences as the index numbers them: a word's number counts every word of the
    paragraph (it grows across sentences), a phrase stays in its sentence."""
    out = set()
    for _ in range(rng.randint(0, 5)):
        word = rng.randint(0, 29)
        sentence = word // 10
        length = rng.choice([0, 0, 0, 1, 2])
        if (word + length) // 10 != sentence:
            length = 0
        out.add((sentence * S + word, sentence * S + word + length))
    return sorted(out)


@pytest.mark.parametrize("seed", range(6))
def test_connect_arrays_over_many_units_is_the_rule_in_each(seed: int) -> None:
    """Many units (and both paragraphs of each) in one call: each keeps exactly what the
    rule keeps in it alone; nothing leaks from one unit or paragraph to the next
    (words at the very start of a unit, where ``/n`` looks back past word 0)."""
    rng = random.Random(seed)
    keys = list(range(0, 40))
    left = {k: _random_occurrences(rng) for k in keys}
    right = {k: _random_occurrences(rng) for k in keys}

    def arrays(by_key: dict[int, list[tuple[int, int]]]) -> Occurrences:
        first = [(k << SHIFT) + a for k, ivs in by_key.items() for a, _ in ivs]
        last = [(k << SHIFT) + b for k, ivs in by_key.items() for _, b in ivs]
        return Occurrences.of(np.array(first, dtype=np.int64), np.array(last, dtype=np.int64))

    for unit, n, ordered, negated in [
        ("word", 1, False, False), ("word", 3, True, False), ("word", 5, False, True),
        ("sentence", 0, False, False), ("sentence", 0, True, False),
        ("sentence", 0, False, True), ("provision", 0, False, False),
        ("provision", 0, True, False), ("provision", 0, False, True),
    ]:  # fmt: skip
        got = connect_arrays(arrays(left), arrays(right), unit, n, ordered, negated)
        got_pairs = set(zip(got.first.tolist(), got.last.tolist(), strict=True))
        want = set()
        for k in keys:
            for a in left[k]:
                if any(_satisfies(a, b, unit, n, ordered) for b in right[k]) != negated:
                    want.add(((k << SHIFT) + a[0], (k << SHIFT) + a[1]))
            if negated:
                continue
            for b in right[k]:
                if any(_satisfies(a, b, unit, n, ordered) for a in left[k]):
                    want.add(((k << SHIFT) + b[0], (k << SHIFT) + b[1]))
        assert got_pairs == want, (unit, n, ordered, negated)
        assert got.first.tolist() == sorted(got.first.tolist())


# --- top hits and facets -----------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_best_hits_are_in_the_order_of_the_heap_over_score_and_entry(seed: int) -> None:
    rng = random.Random(seed)
    n = rng.randint(1, 300)
    matched = np.array(sorted(rng.sample(range(10_000), n)), dtype=np.int64)
    # few distinct scores: many ties, also at the cut
    scores = np.array([rng.choice([0.5, 1.25, 2.0, 3.75]) for _ in range(n)], dtype=np.float64)
    ranked = list(zip(scores.tolist(), (-matched).tolist(), strict=True))
    for limit in (1, 5, 20, n, n + 3, None):
        best = heapq.nlargest(limit, ranked) if limit else sorted(ranked, reverse=True)
        assert _best(matched, scores, limit) == [(-neg, score) for score, neg in best]


def test_facet_counts_are_listed_as_counter_lists_them() -> None:
    rng = random.Random(3)
    names = ["act-b", "act-a", "order", "guide"]
    codes = np.array([rng.randrange(4) for _ in range(500)], dtype=np.int64)
    matched = np.array(sorted(rng.sample(range(500), 120)), dtype=np.int64)
    want = dict(Counter(names[c] for c in codes[matched].tolist()).most_common())
    got = _counts(names, codes, matched)
    assert got == want and list(got) == list(want)
    assert _counts(names, codes, np.empty(0, dtype=np.int64)) == {}


# --- decoded postings ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    ws = make_workspace(tmp_path_factory.mktemp("arrays_ws"))
    yield ws
    forget(ws)


def test_decoded_positions_are_those_whoosh_reads(ws: Workspace) -> None:
    searcher = _searcher(ws).searcher
    for sub, _offset in searcher.leaf_searchers():
        reader = sub.reader()
        for word in (b"the", b"shall", b"licence", b"open"):
            if ("exact", word) not in reader:
                continue
            arrays = bulk.term_arrays(sub, "exact", word)
            assert arrays is not None
            offsets, positions = arrays.positions()
            m = reader.postings("exact", word)
            row = 0
            while m.is_active():
                assert arrays.ids[row] == m.id()
                assert positions[offsets[row] : offsets[row + 1]].tolist() == list(
                    m.value_as("positions")
                )
                row += 1
                m.next()
            assert row == len(arrays.ids)


def test_decoded_postings_cache_stays_within_its_limit(ws: Workspace) -> None:
    saved = bulk.ARRAYS
    bulk.ARRAYS = bulk._ArrayCache(limit=2_000)
    try:
        sub = next(s for s, _ in _searcher(ws).searcher.leaf_searchers())
        for word in (b"the", b"shall", b"licence", b"model", b"provider", b"of"):
            arrays = bulk.term_arrays(sub, "exact", word)
            if arrays is not None:
                arrays.positions()
        assert bulk.ARRAYS.size <= 2_000 or len(bulk.ARRAYS.items) == 1
        assert bulk.ARRAYS.size == sum(
            a.nbytes for a in bulk.ARRAYS.items.values() if a is not None
        )
        # dropped entries are read again, with the same result
        again = bulk.term_arrays(sub, "exact", b"the")
        assert again is not None and len(again.ids) > 0
    finally:
        bulk.ARRAYS = saved
        clear_result_cache()


# --- the array path against the stored text ----------------------------------------------------


def _both(fn):  # type: ignore[no-untyped-def]
    """``fn()`` with bulk evaluation on, then off (Whoosh's matchers, stored text)."""
    try:
        bulk.ENABLED = True
        clear_result_cache()
        on = fn()
        bulk.ENABLED = False
        clear_result_cache()
        off = fn()
    finally:
        bulk.ENABLED = True
        clear_result_cache()
    return on, off


@pytest.mark.parametrize("query", sorted(set(_bench_queries()) | set(BULK_QUERIES)))
def test_hits_and_highlights_from_arrays_equal_those_from_stored_text(
    sample_ws: Workspace, query: str
) -> None:
    """Every query of the benchmark and of the bulk tests, on the sample corpus: the
    same hits, scores, facets and highlights whether the index's arrays or each
    provision's stored text decided them."""
    on, off = _both(lambda: search(sample_ws, query, limit=None))
    assert on == off
    on, off = _both(lambda: search(sample_ws, query, limit=5, sort="doc"))
    assert on == off


# --- the benchmark's connector queries against the reference ----------------------------------


def _w(word: str) -> Leaf:
    return Leaf((word,), "word")


def _p(*words: str) -> Leaf:
    return Leaf(tuple(words), "phrase")


def _r(stem: str) -> Leaf:
    return Leaf((stem,), "root")


# The benchmark's connector queries (benchmarks/search_bench.py) as reference trees;
# "open-source" is the phrase "open source", as the README says a hyphen reads.
BENCH_TREES = {
    "open-source /p exempt!": Op("near", _p("open", "source"), _r("exempt"), unit="provision"),
    'commission /p "delegated acts"': Op(
        "near", _w("commission"), Leaf(("delegated", "acts"), "phrase"), unit="provision"
    ),
    "data /s protection": Op("near", _w("data"), _w("protection"), unit="sentence"),
    'licen! /s "shall not apply"': Op(
        "near", _r("licen"), _p("shall", "not", "apply"), unit="sentence"
    ),
    "(exempt! OR exception) /s open-source": Op(
        "near", Op("or", _r("exempt"), _w("exception")), _p("open", "source"), unit="sentence"
    ),
    "(data OR information) /s (processing OR transfer)": Op(
        "near",
        Op("or", _w("data"), _w("information")),
        Op("or", _w("processing"), _w("transfer")),
        unit="sentence",
    ),
    "provider /5 obligation": Op("near", _w("provider"), _w("obligation"), unit="word", n=5),
    "personal /3 data": Op("near", _w("personal"), _w("data"), unit="word", n=3),
    '"high-risk" /10 "AI system"': Op(
        "near", _p("high", "risk"), _p("ai", "system"), unit="word", n=10
    ),
    "model +3 weights": Op("near", _w("model"), _w("weights"), unit="word", n=3, ordered=True),
    'risk % "high-risk"': Op("butnot", _w("risk"), _p("high", "risk")),
}


def test_bench_trees_find_what_the_benchmark_queries_find(sample_ws: Workspace) -> None:
    """The trees above stand for the benchmark's queries, not look-alikes: as the
    product reads them, both find the same units with the same highlights."""

    def found(query: str) -> set[tuple[object, ...]]:
        return {
            (h.doc_id, h.id, h.highlights, h.lead_in_highlights, h.heading_highlights)
            for h in search(sample_ws, query, limit=None).hits
        }

    bench = set(_bench_queries())
    for query, tree in BENCH_TREES.items():
        assert query in bench
        assert found(query) == found(tree.render()), query  # type: ignore[attr-defined]


def test_benchmark_connector_queries_match_the_reference(sample_ws: Workspace) -> None:
    assert compare_trees(sample_ws, list(BENCH_TREES.values())) > 0


@pytest.mark.shared
@pytest.mark.slow
def test_benchmark_connector_queries_match_the_reference_on_the_shared_corpus(
    shared_ws: Workspace,
) -> None:
    assert compare_trees(shared_ws, list(BENCH_TREES.values())) > 1000


def test_fuzzy_expansions_given_as_text_read_the_same_postings(ws: Workspace) -> None:
    """Regression: Whoosh's fuzzy expansion gives words as text, not bytes; reading
    the segment's postings directly asserted on them (``wamen~`` failed)."""
    sub = next(s for s, _ in _searcher(ws).searcher.leaf_searchers())
    assert bulk.term_arrays(sub, "exact", "shall") is bulk.term_arrays(sub, "exact", b"shall")
    on, off = _both(lambda: search(ws, "licenze~", limit=None))
    assert on == off and on.total > 0


def test_positions_of_a_few_entries_decoded_alone_equal_the_full_decoding(
    sample_ws: Workspace,
) -> None:
    """The hits shown read their positions without decoding the whole word: the same
    coordinates as from the word's full decoding."""
    bulk.ARRAYS.clear()
    sub = next(s for s, _ in _searcher(sample_ws).searcher.leaf_searchers())
    arrays = bulk.term_arrays(sub, "exact", b"the")
    rows = np.array([0, len(arrays.ids) - 1], dtype=np.int64) if arrays is not None else None
    assert arrays is not None and rows is not None and len(rows) * 16 < len(arrays.ids)

    def key_of(ids: np.ndarray) -> np.ndarray:
        return ids * 2 + 1

    few = arrays.coordinates(rows, key_of)
    assert arrays._positions is None  # decoded alone, not the whole word
    offsets, positions = arrays.positions()
    full = [
        (int(key_of(arrays.ids[r : r + 1])[0]) << SHIFT) | int(p)
        for r in rows.tolist()
        for p in positions[offsets[r] : offsets[r + 1]].tolist()
    ]
    assert few.tolist() == full
    assert arrays.coordinates(rows, key_of).tolist() == full  # the full path, now decoded
