"""Bulk evaluation (corpus_tool.index.postings) gives exactly what Whoosh's own matchers give."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from whoosh.util import make_weighted_tree

from corpus_tool import query as ast
from corpus_tool.index import forget, search, update_index
from corpus_tool.index import postings as bulk
from corpus_tool.index.compile import compile_query
from corpus_tool.index.searching import _collect, _searcher, clear_result_cache
from corpus_tool.workspace import Workspace
from tests._search_helpers import act_bundle, make_workspace

QUERIES = [
    "licence",
    "shall",
    "open-source",
    '"open-source licence"',
    '"free and open-source licence"',
    '"shall not apply"',
    '"the the"',
    "general-purpose AI model",
    "general-purpose AI model obligations",
    "provider OR licence",
    "security OR safety OR robustness",
    '"free and open-source licence" /s "shall not apply"',
    "licen! /s (apply OR exempt!)",
    "(exempt! OR exception) /s open-source",
    "provider /5 obligation!",
    "licensor /5 models",
    "model +3 weights",
    "(model /3 weights) /s licen!",
    'open-source /p "shall not apply"',
    'licence % "open-source licence"',
    "shall % (apply OR exempt!)",
    "kind:recital open-source",
    'heading:"general-purpose"',
    'cite:"Article 53"',
    "shall NOT kind:recital",
    "wom*n",
]


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    ws = make_workspace(tmp_path_factory.mktemp("bulk_ws"))
    # A second segment, and deletions in the first: the bulk path must give way
    # to Whoosh's matchers where entries are deleted, and the results still agree.
    changed = act_bundle({"art_70": "A zebra licence. The provider shall not apply it."})
    ws.save_bundle(changed)
    update_index(ws, [changed])
    yield ws
    forget(ws)


def _compiled(query: str):  # type: ignore[no-untyped-def]
    tree = ast.parse(query)
    assert tree is not None
    compiled = compile_query(query, tree)
    assert compiled is not None
    return compiled


def _both(fn):  # type: ignore[no-untyped-def]
    """``fn()`` with bulk evaluation on, then off."""
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


@pytest.mark.parametrize("query", QUERIES)
def test_bulk_and_whoosh_matchers_agree_exactly(ws: Workspace, query: str) -> None:
    compiled = _compiled(query)
    searcher = _searcher(ws).searcher
    # Unrounded scores and the exact order of the top entries, and every match.
    on, off = _both(lambda: _collect(searcher, compiled, 5))
    assert on == off
    on, off = _both(lambda: search(ws, query, limit=None))
    assert on == off
    on, off = _both(lambda: search(ws, query, limit=3, sort="doc"))
    assert on == off
    # A document filter is an OR of three terms that Whoosh preloads on a small
    # index: the top of the query then steps Whoosh's matchers over bulk operands.
    on, off = _both(lambda: search(ws, query, doc="act-a", limit=None))
    assert on == off
    on, off = _both(lambda: search(ws, f"({query}) % kind:recital", doc="act-a", limit=None))
    assert on == off


def test_the_index_under_test_has_several_segments_and_deletions(ws: Workspace) -> None:
    reader = _searcher(ws).searcher.reader()
    assert len(list(reader.leaf_readers())) >= 2
    assert reader.has_deletions()
    assert search(ws, "zebra").total == 1


def test_bulk_path_is_taken_where_it_can_be(ws: Workspace) -> None:
    # The segment written last has no deletions: a phrase connector runs in bulk there.
    q = _compiled('"open-source licence" /s provider')
    taken = []
    for sub, _offset in _searcher(ws).searcher.leaf_searchers():
        try:
            bulk.evaluate(q, sub, sub.context())
            taken.append(True)
        except bulk.Unsupported:
            assert sub.reader().has_deletions()
            taken.append(False)
    assert True in taken


@pytest.mark.parametrize("weights", [[5, 1, 3], [10, 2, 7, 30], [-4, -100, -9, -2, -50]])
def test_score_tree_has_whoosh_shape(weights: list[int]) -> None:
    expected = make_weighted_tree(lambda a, b: (a, b), [(w, i) for i, w in enumerate(weights)])
    assert bulk._weighted_tree(weights) == expected


def test_score_tree_refuses_ties() -> None:
    with pytest.raises(bulk.Unsupported):
        bulk._weighted_tree([3, 3, 5])
    with pytest.raises(bulk.Unsupported):
        bulk._weighted_tree([1, 2, 3])  # 1 + 2 ties with 3


def test_missing_workspace_word_gives_nothing(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path)
    assert search(ws, '"zebra crossing" /s licence').total == 0
    assert search(ws, "zebra OR quagga OR okapi").total == 0
    forget(ws)


def test_postings_matcher_runs_out_like_a_whoosh_leaf() -> None:
    from whoosh.matching.binary import AndNotMatcher, IntersectionMatcher

    def matcher(ids: list[int]) -> bulk.PostingsMatcher:
        return bulk.PostingsMatcher(bulk.Postings(ids, float, lambda d: [(d, d)]))

    # AndNotMatcher.skip_to reads the kept side's id() after it has run out.
    m = AndNotMatcher(matcher([1, 5]), matcher([2, 9]))
    m.skip_to(7)
    assert not m.is_active()
    m = IntersectionMatcher(AndNotMatcher(matcher([1, 4, 6]), matcher([4, 8])), matcher([6, 7]))
    assert list(m.all_ids()) == [6]


def test_connect_windows_follow_the_rule() -> None:
    """corpus_tool.index.evaluate.connect, with its windows, keeps exactly the occurrences
    that the plain rule (_satisfies, over every pair) keeps."""
    import itertools

    from corpus_tool.index.analysis import SENTENCE_STRIDE
    from corpus_tool.index.evaluate import _satisfies, connect

    s = SENTENCE_STRIDE
    spots = [(0, 0), (2, 3), (5, 5), (s + 6, s + 6), (s + 7, s + 9), (2 * s + 12, 2 * s + 12)]
    for left, right in itertools.product(
        itertools.combinations(spots, 2), itertools.combinations(spots, 3)
    ):
        for unit, n, ordered in [
            ("sentence", 0, False), ("sentence", 0, True), ("word", 3, False),
            ("word", 3, True), ("word", 1, False), ("provision", 0, True),
            ("provision", 0, False),
        ]:  # fmt: skip
            for negated in (False, True):
                got = connect(list(left), list(right), unit, n, ordered, negated)
                if negated:
                    want = {
                        a
                        for a in left
                        if not any(_satisfies(a, b, unit, n, ordered) for b in right)
                    }
                else:
                    want = {
                        a for a in left if any(_satisfies(a, b, unit, n, ordered) for b in right)
                    }
                    want |= {
                        b for b in right if any(_satisfies(a, b, unit, n, ordered) for a in left)
                    }
                assert got == sorted(want), (left, right, unit, n, ordered, negated)


def test_bulk_path_reads_a_segment_with_deletions_without_its_deleted_entries(
    ws: Workspace,
) -> None:
    """After an incremental update the old segment has deleted entries: it is still
    evaluated on arrays (not stepped through Whoosh's matchers), and the deleted
    entries stay out as Whoosh's filter keeps them out."""
    searcher = _searcher(ws).searcher
    seen, found = 0, 0
    for sub, _offset in searcher.leaf_searchers():
        reader = sub.reader()
        if not reader.has_deletions():
            continue
        deleted = reader.deleted_docs_set
        # the decoded postings hold deleted entries: evaluation must leave them out
        # (an update rewrites only the changed provision: its old entry holds "licence")
        raw = bulk.term_arrays(sub, "exact", b"licence")
        assert raw is not None and set(raw.ids.tolist()) & deleted
        # words of both documents: some entries with them are deleted, some live
        for query in ("licence", "shall", "the", "Commission", "shall /5 the", "licence /s the"):
            compiled = _compiled(query)
            postings = bulk.evaluate(compiled, sub, sub.context())  # no Unsupported
            got = postings.score_map() if postings is not None else {}
            assert not set(got) & deleted, query
            found += len(got)
            try:
                bulk.ENABLED = False
                m = compiled.matcher(sub, sub.context())
                want = {}
                while m.is_active():
                    want[m.id()] = m.score()
                    m.next()
            finally:
                bulk.ENABLED = True
            assert got == want, query
            seen += 1
    assert seen == 6 and found > 0
