"""Words, phrases and boolean queries evaluated on numpy arrays of whole posting lists.

Whoosh steps its matchers one entry at a time in Python. Here each word's
postings in a segment are decoded once into arrays (entry numbers, weights,
and every entry's positions in one flat array; ``TermArrays``, kept in
``ARRAYS`` by segment, which never changes once written; the blocks are read
in bulk by corpus_tool.index.blocks), and a phrase, a
word's forms or a boolean query is evaluated per segment on them: entry sets
are merged and intersected as sorted arrays, scores computed for all entries
at once, positions read only for the candidates of a phrase or connector
(whose decision is corpus_tool.index.evaluate's). The result has the same
entries and scores as Whoosh's own matchers (scores are summed in the same
order, bit for bit), so the operators above it are unchanged. Entries deleted
since a segment was written are left out as Whoosh leaves them out; anything
else this cannot read in bulk (another posting format or scorer) falls back
to Whoosh's matchers.
"""

from __future__ import annotations

import threading
import weakref
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from whoosh import formats
from whoosh import query as wq
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching import mcore
from whoosh.query.spans import Span, SpanNear2, SpanQuery
from whoosh.scoring import BM25FScorer, WeightScorer

from corpus_tool.index import blocks
from corpus_tool.index.evaluate import SHIFT, distinct_sorted, in_sorted, sorted_union
from corpus_tool.index.scoring import field_length_array

_POSITION = (1 << SHIFT) - 1

Interval = tuple[int, int]
# Entry numbers of a segment: a sorted sequence or int64 array.
Entries = Sequence[int] | np.ndarray


# Tests switch this off to compare with Whoosh's own matchers.
ENABLED = True


class Unsupported(Exception):
    """The bulk path cannot read these postings; use Whoosh's matchers."""


class Postings:
    """Matching entries of one operand in one segment, with scores and spans on demand.

    Entries and scores are kept as numpy arrays where the operand was evaluated on
    arrays (``entry_array``, ``score_array``); the lists and maps that Whoosh's
    matchers and older callers use are made from them only when asked for.
    """

    def __init__(
        self,
        ids: list[int] | np.ndarray,
        score: Callable[[int], float] | None,
        intervals: Callable[[int], list[Interval]],
        scores: Callable[[], np.ndarray] | None = None,
    ) -> None:
        if isinstance(ids, np.ndarray):
            self._array: np.ndarray | None = ids
            self._ids: list[int] | None = None
        else:
            self._array, self._ids = None, ids
        self.score = score if score is not None else self._score_of
        # (first, last) positions of each match of the operand in an entry: plain
        # tuples, as Whoosh's Span objects cost more to make than everything else.
        self.intervals = intervals
        self._scores_fn = scores
        self._score_array: np.ndarray | None = None
        self._set: set[int] | frozenset[int] | None = None
        self._scores: dict[int, float] | None = None

    @property
    def ids(self) -> list[int]:
        if self._ids is None:
            assert self._array is not None
            self._ids = self._array.tolist()
        return self._ids

    def entry_array(self) -> np.ndarray:
        """The entries as a sorted int64 array."""
        if self._array is None:
            self._array = np.array(self.ids, dtype=np.int64)
        return self._array

    def score_array(self) -> np.ndarray:
        """Every entry's score, beside ``entry_array`` (computed once)."""
        if self._score_array is None:
            if self._scores_fn is not None:
                self._score_array = self._scores_fn()
            else:
                score = self.score
                self._score_array = np.array([score(d) for d in self.ids], dtype=np.float64)
        return self._score_array

    def score_map(self) -> dict[int, float]:
        """Every entry's score (computed once; callers must not change it)."""
        if self._scores is None:
            self._scores = dict(zip(self.ids, self.score_array().tolist(), strict=True))
        return self._scores

    def _score_of(self, docnum: int) -> float:
        return self.score_map()[docnum]

    def subset(self, kept: np.ndarray) -> Postings:
        """The entries of sorted ``kept`` (all of them among these), with their scores."""
        rows = np.searchsorted(self.entry_array(), kept)
        return Postings(kept, None, self.intervals, lambda: self.score_array()[rows])

    def intervals_of(self, docnums: Sequence[int]) -> dict[int, list[Interval]]:
        """The intervals of several entries at once (cheaper than one call each)."""
        intervals = self.intervals
        return {d: intervals(d) for d in docnums}

    @property
    def idset(self) -> set[int] | frozenset[int]:
        if self._set is None:
            self._set = frozenset(self.ids)
        return self._set


def _decode_positions(
    buf: np.ndarray, starts: np.ndarray, ends: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    try:
        return blocks.decode_positions(*blocks.latin1(buf, starts, ends))
    except blocks.LayoutError as exc:
        raise Unsupported(str(exc)) from exc


class TermArrays:
    """One word's postings in one segment, decoded once: entry numbers, weights, and
    (on first use) every entry's positions as one flat array with offsets.

    Until then the encoded position values are kept as one byte array with each
    entry's (start, end) in it (as the block pickles hold them: see
    ``blocks.latin1``), so that a few entries' positions (a phrase's candidates,
    the hits shown) are decoded without decoding the whole word."""

    __slots__ = (
        "_ends", "_offsets", "_positions", "_raw", "_starts", "cached", "ids", "nbytes",
        "positional", "weights",
    )  # fmt: skip

    def __init__(
        self,
        ids: np.ndarray,
        weights: np.ndarray,
        raw: np.ndarray | None,
        starts: np.ndarray | None,
        ends: np.ndarray | None,
    ) -> None:
        self.ids = ids
        self.weights = weights
        self.positional = raw is not None
        self._raw, self._starts, self._ends = raw, starts, ends
        self._offsets: np.ndarray | None = None
        self._positions: np.ndarray | None = None
        self.cached = False  # counted in ARRAYS' size
        self.nbytes = ids.nbytes + weights.nbytes + self._encoded_nbytes()

    def _encoded_nbytes(self) -> int:
        parts = (self._raw, self._starts, self._ends)
        return sum(a.nbytes for a in parts if a is not None)

    def positions(self) -> tuple[np.ndarray, np.ndarray]:
        """(offsets, positions): entry ``i``'s positions are ``positions[offsets[i]:offsets[i + 1]]``."""
        # read once: another thread may finish decoding (and drop these) meanwhile
        raw, starts, ends, done = self._raw, self._starts, self._ends, self._positions
        if done is None:
            if raw is None or starts is None or ends is None:
                if self._positions is not None:  # decoded by another thread just now
                    assert self._offsets is not None
                    return self._offsets, self._positions
                raise Unsupported("no positions")
            counts, positions = _decode_positions(raw, starts, ends)
            offsets = np.zeros(len(counts) + 1, dtype=np.int64)
            np.cumsum(counts, out=offsets[1:])
            # offsets first: a reader that sees the positions finds their offsets
            self._offsets = offsets
            self._positions = positions
            self._raw = self._starts = self._ends = None
            before = self.nbytes
            self.nbytes = self.ids.nbytes + self.weights.nbytes + positions.nbytes + offsets.nbytes
            ARRAYS.grew(before, self)
            return offsets, positions
        assert self._offsets is not None
        return self._offsets, done

    def coordinates(
        self, rows: np.ndarray | None, key_of: Callable[[np.ndarray], np.ndarray]
    ) -> np.ndarray:
        """``key_of(entry) << SHIFT | position`` of every position of these rows (all: None)."""
        if self._positions is None and rows is not None and len(rows) * 16 < len(self.ids):
            # a few rows (the hits shown, a rare word's candidates): decode only
            # theirs, leaving the word's full decoding to a query that needs it
            return self._few_coordinates(rows, key_of)
        offsets, positions = self.positions()
        counts = np.diff(offsets)
        if rows is None:
            keys = np.repeat(key_of(self.ids), counts)
            return (keys << SHIFT) | positions
        if not len(rows):
            return np.empty(0, dtype=np.int64)
        keep = np.zeros(len(self.ids), dtype=bool)
        keep[rows] = True
        keys = np.repeat(key_of(self.ids[rows]), counts[rows])
        return (keys << SHIFT) | positions[np.repeat(keep, counts)]

    def _few_coordinates(
        self, rows: np.ndarray, key_of: Callable[[np.ndarray], np.ndarray]
    ) -> np.ndarray:
        raw, starts, ends = self._raw, self._starts, self._ends
        if raw is None or starts is None or ends is None:
            if self._positions is not None:  # decoded in full by another thread meanwhile
                return self.coordinates(rows, key_of)
            raise Unsupported("no positions")
        counts, positions = _decode_positions(raw, starts[rows], ends[rows])
        keys = np.repeat(key_of(self.ids[rows]), counts)
        return (keys << SHIFT) | positions


def _matching_rows(ids: np.ndarray, among: np.ndarray) -> np.ndarray:
    """Rows of sorted ``ids`` whose value is in sorted ``among``."""
    if len(among) > 2048 and len(ids) > 2048:
        # both long: one pass over a bitmap of the entries beats a binary search each
        top = int(max(ids[-1], among[-1])) + 1
        wanted = np.zeros(top, dtype=bool)
        wanted[among] = True
        return np.flatnonzero(wanted[ids])
    rows = np.searchsorted(ids, among)
    inside = rows < len(ids)
    rows, wanted = rows[inside], among[inside]
    return rows[ids[rows] == wanted]


class _ArrayCache:
    """Decoded TermArrays by (segment, field, word), least recently used dropped first
    once they hold more than ``limit`` bytes. A segment never changes once written,
    so its decoded postings stay true for as long as any reader sees it."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self.items: OrderedDict[tuple[Any, ...], TermArrays | None] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> TermArrays | bool | None:
        with self.lock:
            if key not in self.items:
                return False
            self.items.move_to_end(key)
            return self.items[key]

    def put(self, key: tuple[Any, ...], value: TermArrays | None) -> None:
        with self.lock:
            old = self.items.pop(key, None)
            if old is not None:
                self.size -= old.nbytes
                old.cached = False
            self.items[key] = value
            if value is not None:
                self.size += value.nbytes
                value.cached = True
            self.trim()

    def trim(self) -> None:
        while self.size > self.limit and len(self.items) > 1:
            _, dropped = self.items.popitem(last=False)
            if dropped is not None:
                self.size -= dropped.nbytes
                dropped.cached = False

    def grew(self, before: int, after: TermArrays) -> None:
        """An entry's positions were decoded: account for its new size."""
        with self.lock:
            if after.cached:
                self.size += after.nbytes - before
                self.trim()

    def clear(self) -> None:
        with self.lock:
            for value in self.items.values():
                if value is not None:
                    value.cached = False
            self.items.clear()
            self.size = 0


# 256 MiB of decoded postings: the words of a few hundred queries at a million provisions.
ARRAYS = _ArrayCache(256 << 20)


def _segment_key(reader: Any) -> Any:
    segment = getattr(reader, "segment", None)
    if segment is None:
        raise Unsupported("not a segment reader")
    seg = segment()
    return (id(getattr(reader, "_storage", None)), seg.segment_id())


def term_arrays(searcher: Any, fieldname: str, text: Any) -> TermArrays | None:
    """The decoded postings of one word in a segment (``None`` when it has none),
    read from the index the first time and from the cache after. Entries deleted
    since the segment was written are still in them (see ``deleted_entries``)."""
    reader = searcher.reader()
    if isinstance(text, str):  # some of Whoosh's expansions (fuzzy words) give text
        text = reader.schema[fieldname].to_bytes(text)
    key = (_segment_key(reader), fieldname, text)
    cached = ARRAYS.get(key)
    if cached is not False:
        return cached  # type: ignore[return-value]
    if (fieldname, text) not in reader:
        ARRAYS.put(key, None)
        return None
    terms = getattr(reader, "_terms", None)
    if terms is None:
        raise Unsupported(type(reader).__name__)
    # the segment's own postings, deleted entries included (reader.postings would
    # filter them, and that filter skips ahead before the first read)
    m = terms.matcher(fieldname, text, reader.schema[fieldname].format, scorer=None)
    if type(m) is not W3LeafMatcher:
        raise Unsupported(type(m).__name__)
    if m._byteids or m._i:
        raise Unsupported("postings of another layout")
    positional = type(m.format) is formats.Positions
    try:
        ids, weights, values = blocks.read_blocks(
            m, positional, reader.doc_frequency(fieldname, text)
        )
    except blocks.LayoutError as exc:
        raise Unsupported(str(exc)) from exc
    arrays = TermArrays(ids, weights, *(values or (None, None, None)))
    ARRAYS.put(key, arrays)
    return arrays


_DELETED: weakref.WeakKeyDictionary[Any, np.ndarray] = weakref.WeakKeyDictionary()


def deleted_entries(searcher: Any) -> np.ndarray:
    """The entries of a segment deleted since it was written, sorted (Whoosh's matchers
    leave them out; so does every reading of TermArrays for a search)."""
    reader = searcher.reader()
    if not reader.has_deletions():
        return _NONE
    got = _DELETED.get(reader)
    if got is None:
        got = np.array(sorted(reader.deleted_docs_set), dtype=np.int64)
        _DELETED[reader] = got
    return got


_NONE = np.empty(0, dtype=np.int64)


def _scorer(searcher: Any, context: Any, fieldname: str, text: Any) -> Any:
    """The scorer Whoosh's Term.matcher would give this word (see whoosh.query.terms)."""
    weighting = searcher.weighting if context is None else context.weighting
    scorer = (weighting or searcher.weighting).scorer(searcher, fieldname, text)
    if scorer is not None and type(scorer) not in (BM25FScorer, WeightScorer):
        raise Unsupported(type(scorer).__name__)
    return scorer


def as_sorted_array(among: Entries | set[int] | frozenset[int]) -> np.ndarray:
    """Entry numbers as a sorted int64 array."""
    if isinstance(among, np.ndarray):
        return among
    if isinstance(among, (set, frozenset)):
        return np.sort(np.fromiter(among, dtype=np.int64, count=len(among)))
    arr = np.asarray(among, dtype=np.int64)
    if len(arr) > 1 and not (arr[1:] >= arr[:-1]).all():
        arr = np.sort(arr)
    return arr


def term_postings(
    searcher: Any, context: Any, fieldname: str, text: Any, among: Entries | None = None
) -> Postings | None:
    """Entries of one word in a segment (``None`` when there are none); with ``among``,
    only those entries."""
    arrays = term_arrays(searcher, fieldname, text)
    if arrays is None:
        return None
    scorer = _scorer(searcher, context, fieldname, text)
    deleted = deleted_entries(searcher)
    rows: np.ndarray | None
    if among is None:
        rows = np.flatnonzero(~in_sorted(arrays.ids, deleted)) if len(deleted) else None
    else:
        rows = _matching_rows(arrays.ids, as_sorted_array(among))
        if len(deleted):
            rows = rows[~in_sorted(arrays.ids[rows], deleted)]
    if rows is not None and not len(rows):
        return None
    ids_arr = arrays.ids if rows is None else arrays.ids[rows]
    index: dict[int, int] = {}

    def score_array() -> np.ndarray:
        weights = arrays.weights if rows is None else arrays.weights[rows]
        return _score_array(searcher, scorer, fieldname, ids_arr, weights)

    def positions_of(docnums: Sequence[int]) -> dict[int, list[int]]:
        if not arrays.positional:
            raise Unsupported(f"{fieldname} has no positions")
        offsets, positions = arrays.positions()
        if not index:
            index.update(
                zip(
                    ids_arr.tolist(),
                    (range(len(ids_arr)) if rows is None else rows.tolist()),
                    strict=True,
                )
            )
        out = {}
        for d in docnums:
            r = index[d]
            out[d] = positions[offsets[r] : offsets[r + 1]].tolist()
        return out

    def intervals(docnum: int) -> list[Interval]:
        return [(p, p) for p in positions_of([docnum])[docnum]]

    postings = Postings(ids_arr, None, intervals, score_array)
    postings.positions_of = positions_of  # type: ignore[attr-defined]
    return postings


def _score_array(
    searcher: Any, scorer: Any, fieldname: str, ids: np.ndarray, weights: np.ndarray
) -> np.ndarray:
    """Every entry's score at once, with the very arithmetic of Whoosh's scorers."""
    if scorer is None:
        return np.zeros(len(ids), dtype=np.float64)
    if type(scorer) is WeightScorer:
        return weights.copy()
    # whoosh.scoring.bm25, operation for operation on float64 arrays (each operation
    # rounds as Python's float does), so scores are equal bit for bit.
    idf, avgfl, B, K1 = scorer.idf, scorer.avgfl, scorer.B, scorer.K1
    lengths = field_length_array(searcher.reader(), fieldname)
    if lengths is not None:
        dfl = lengths[ids]
    else:
        dfl = np.array([scorer.dfl(d) for d in ids.tolist()], dtype=np.float64)
    tf = weights
    return idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * dfl / avgfl)))


def _tree_sum(parts: Sequence[Any]) -> Any:
    """Sum in the order of whoosh.util.make_binary_tree (so scores match Whoosh's bit for bit)."""
    if len(parts) == 1:
        return parts[0]
    half = len(parts) // 2
    return _tree_sum(parts[:half]) + _tree_sum(parts[half:])


def _entry(ids: np.ndarray) -> np.ndarray:
    return ids


def phrase_postings(
    searcher: Any,
    context: Any,
    fieldname: str,
    words: Sequence[Any],
    among: Entries | None = None,
) -> Postings | None:
    """Entries where ``words`` occur at consecutive positions (Whoosh's Phrase / SpanNear2)."""
    arrays: list[TermArrays] = []
    for w in words:
        got = term_arrays(searcher, fieldname, w)
        if got is None:
            return None
        if not got.positional:
            raise Unsupported(f"{fieldname} has no positions")
        arrays.append(got)
    candidates = as_sorted_array(among) if among is not None else None
    for got in sorted(arrays, key=lambda t: len(t.ids)):
        candidates = got.ids if candidates is None else candidates[in_sorted(candidates, got.ids)]
        if not len(candidates):
            return None
    assert candidates is not None
    deleted = deleted_entries(searcher)
    if len(deleted):
        candidates = candidates[~in_sorted(candidates, deleted)]
        if not len(candidates):
            return None
    coordinates = [t.coordinates(_matching_rows(t.ids, candidates), _entry) for t in arrays]
    starts = coordinates[0]
    for k in range(1, len(coordinates)):
        starts = starts[in_sorted(starts + k, coordinates[k])]
        if not len(starts):
            return None
    docs = distinct_sorted(starts >> SHIFT)
    last = len(words) - 1
    terms = [term_postings(searcher, context, fieldname, w, docs) for w in words]
    found: dict[int, list[int]] = {}

    def score_array() -> np.ndarray:
        return np.asarray(_tree_sum([t.score_array() for t in terms]))  # type: ignore[union-attr]

    def intervals(docnum: int) -> list[Interval]:
        if not found:
            for c in starts.tolist():
                found.setdefault(c >> SHIFT, []).append(c & _POSITION)
        return [(s, s + last) for s in found[docnum]]

    return Postings(docs, None, intervals, score_array)


def union_postings(parts: list[Postings]) -> Postings:
    """Entries of any part, combined pairwise in the order SpanUnion builds its matcher tree."""
    while len(parts) > 1:
        paired = [_union(parts[i], parts[i + 1]) for i in range(0, len(parts) - 1, 2)]
        if len(parts) % 2:
            paired.append(parts[-1])
        parts = paired
    return parts[0]


def _union(a: Postings, b: Postings) -> Postings:
    in_a, in_b = a.entry_array(), b.entry_array()
    ids = sorted_union(in_a, in_b)

    def score_array() -> np.ndarray:
        # Whoosh's UnionMatcher adds the two scores where both match (a + b == b + a).
        out = np.zeros(len(ids), dtype=np.float64)
        out[np.searchsorted(ids, in_a)] = a.score_array()
        out[np.searchsorted(ids, in_b)] += b.score_array()
        return out

    def intervals(docnum: int) -> list[Interval]:
        has_a, has_b = docnum in a.idset, docnum in b.idset
        if has_a and has_b:
            return sorted(set(a.intervals(docnum)) | set(b.intervals(docnum)))
        return a.intervals(docnum) if has_a else b.intervals(docnum)

    return Postings(ids, None, intervals, score_array)


class PostingsMatcher(mcore.Matcher):
    """A matcher over precomputed Postings (entries, scores and spans)."""

    def __init__(self, postings: Postings, i: int = 0) -> None:
        self.postings = postings
        self.ids = postings.ids
        self.i = i

    def is_active(self) -> bool:
        return self.i < len(self.ids)

    def _at(self) -> int:
        # Whoosh's matchers read id() of a sub-matcher that has just run out (e.g.
        # AndNotMatcher after skip_to) and its leaf matchers answer with the last
        # entry; so does this one.
        return self.ids[self.i] if self.i < len(self.ids) else self.ids[-1]

    def id(self) -> int:
        return self._at()

    def next(self) -> bool:
        self.i += 1
        return False

    def skip_to(self, targetid: int) -> bool:
        if self.i < len(self.ids) and self.ids[self.i] < targetid:
            self.i = bisect_left(self.ids, targetid, self.i)
        return False

    def all_ids(self):
        return iter(self.ids[self.i :])

    def copy(self) -> PostingsMatcher:
        return PostingsMatcher(self.postings, self.i)

    def reset(self) -> None:
        self.i = 0

    def replace(self, minquality: float = 0) -> mcore.Matcher:
        return self if self.is_active() else mcore.NullMatcher()

    def supports(self, astype: str) -> bool:
        return astype == "positions"

    def supports_block_quality(self) -> bool:
        return False

    def score(self) -> float:
        return self.postings.score(self._at())

    def weight(self) -> float:
        return self.score()

    def spans(self) -> list[Span]:
        return [Span(s, e) for s, e in self.postings.intervals(self._at())]

    def depth(self) -> int:
        return 0


def postings_of(
    q: wq.Query, searcher: Any, context: Any, among: Entries | None = None
) -> Postings | None:
    """Bulk postings of a span operand (only entries in ``among`` when given).

    Raises Unsupported for a query it cannot evaluate in bulk.
    """
    if isinstance(q, BulkPhrase) or type(q) is wq.Term:
        if q.fieldname not in searcher.schema:
            return None
        field = searcher.schema[q.fieldname]
        if isinstance(q, BulkPhrase):
            try:
                words = [field.to_bytes(w) for w in q.words]
            except ValueError:  # as Phrase: a word the field cannot hold matches nothing
                return None
            return phrase_postings(searcher, context, q.fieldname, words, among)
        if q.boost != 1.0 or q.minquality:
            raise Unsupported("boosted Term")
        return term_postings(searcher, context, q.fieldname, field.to_bytes(q.text), among)
    if type(q) in (wq.Or, wq.And):
        return _compound(q, searcher, context, among)
    bulk = getattr(q, "bulk_postings", None)
    if bulk is None:
        raise Unsupported(type(q).__name__)
    return bulk(searcher, context, among)


# A matcher tree as Whoosh's make_weighted_tree builds it: an operand index, or a pair.
Tree = int | tuple[Any, Any]


def _weighted_tree(weights: list[int]) -> Tree:
    """The shape of whoosh.util.make_weighted_tree over operands of these weights.

    Scores are added along this tree, and float addition is not associative, so
    equal scores need the same shape. Whoosh breaks ties in weight by comparing
    matcher objects; rather than imitate that, a tie is Unsupported.
    """
    if len(set(weights)) < len(weights):
        raise Unsupported("operands of equal estimated size")
    ls: list[tuple[int, Tree]] = sorted(
        ((w, i) for i, w in enumerate(weights)), key=lambda item: item[0]
    )
    while len(ls) > 1:
        (wa, a), (wb, b) = ls[0], ls[1]
        del ls[:2]
        w = wa + wb
        if any(x == w for x, _ in ls):
            raise Unsupported("subtrees of equal estimated size")
        k = 0
        while k < len(ls) and ls[k][0] < w:
            k += 1
        ls.insert(k, (w, (a, b)))
    return ls[0][1]


def _compound(q: wq.Query, searcher: Any, context: Any, among: Entries | None) -> Postings | None:
    """A Whoosh And/Or evaluated in bulk, its scores added along Whoosh's matcher tree."""
    subs = list(q.subqueries)
    if q.boost != 1.0 or not subs:
        raise Unsupported("boosted or empty compound")
    if any(isinstance(sub, wq.Not) for sub in subs):
        raise Unsupported("compound with Not")
    reader = searcher.reader()
    if type(q) is wq.Or:
        if q.minmatch or q.scale or q.matcher_type != wq.Or.AUTO_MATCHER:
            raise Unsupported("Or with minmatch, scale or a chosen matcher")
        if len(subs) > 2:
            # Or.matcher's own choice: a union tree only in these cases (else it
            # preloads scores into an array, adding them in another order).
            needs_current = context.needs_current if context else True
            if not (
                len(subs) < wq.Or.TOO_MANY_CLAUSES
                and (needs_current or reader.doc_count_all() > 5000)
            ):
                raise Unsupported("Or preloaded into an array")
        alternatives = [postings_of(sub, searcher, context, among) for sub in subs]
        if len(subs) == 1:
            return alternatives[0]
        tree = (
            _weighted_tree([sub.estimate_size(reader) for sub in subs]) if len(subs) > 2 else (0, 1)
        )
        return _tree_union(tree, alternatives)
    # And: the rarest operand first, each next one read only where all before matched.
    if len(subs) == 1:
        return postings_of(subs[0], searcher, context, among)
    sizes = [sub.estimate_size(reader) for sub in subs]
    tree = _weighted_tree([0 - size for size in sizes]) if len(subs) > 2 else (0, 1)
    got: dict[int, Postings] = {}
    candidates: Entries | None = among
    for i in sorted(range(len(subs)), key=sizes.__getitem__):
        p = postings_of(subs[i], searcher, context, candidates)
        if p is None:
            return None
        got[i] = p
        candidates = p.entry_array()
    if candidates is None or not len(candidates):
        return None
    ids = as_sorted_array(candidates)
    parts: list[Postings] = [got[i] for i in range(len(subs))]

    def score_array() -> np.ndarray:
        def total(node: Tree) -> np.ndarray:
            if isinstance(node, int):
                part = parts[node]
                return part.score_array()[np.searchsorted(part.entry_array(), ids)]
            return total(node[0]) + total(node[1])

        return total(tree)

    def intervals(docnum: int) -> list[Interval]:
        return sorted({iv for p in parts for iv in p.intervals(docnum)})

    return Postings(ids, None, intervals, score_array)


def _tree_union(tree: Tree, parts: list[Postings | None]) -> Postings | None:
    """The union of ``parts`` combined along ``tree`` (scores of both sides add up)."""
    if isinstance(tree, int):
        return parts[tree]
    a, b = _tree_union(tree[0], parts), _tree_union(tree[1], parts)
    if a is None or b is None:
        return a if b is None else b
    return _union(a, b)


def evaluate(q: wq.Query, searcher: Any, context: Any) -> Postings | None:
    """A whole query's entries and scores in one segment, or Unsupported."""
    if not ENABLED:
        raise Unsupported("bulk evaluation switched off")
    return postings_of(q, searcher, context)


class BulkPhrase(SpanQuery):
    """A phrase (consecutive words in one field) with spans, evaluated in bulk.

    Equivalent to Whoosh's Phrase and to SpanNear2 over its words with slop 1:
    same entries, spans and scores.
    """

    def __init__(self, fieldname: str, words: Sequence[str]) -> None:
        self.fieldname = fieldname
        self.words = list(words)

    def __repr__(self) -> str:
        return f"BulkPhrase({self.fieldname!r}, {self.words!r})"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, BulkPhrase)
            and other.fieldname == self.fieldname
            and other.words == self.words
        )

    def __hash__(self) -> int:
        return hash((self.fieldname, tuple(self.words)))

    def is_leaf(self) -> bool:
        return False

    def children(self):
        return iter(self._terms())

    def _terms(self) -> list[wq.Term]:
        return [wq.Term(self.fieldname, w) for w in self.words]

    def estimate_size(self, ixreader: Any) -> int:
        return int(wq.And(self._terms()).estimate_size(ixreader))

    def estimate_min_size(self, ixreader: Any) -> int:
        return 0

    def apply(self, fn):
        return self

    def matcher(self, searcher: Any, context: Any = None) -> mcore.Matcher:
        if self.fieldname not in searcher.schema:
            return mcore.NullMatcher()
        try:
            postings = evaluate(self, searcher, context)
        except Unsupported:
            return SpanNear2(self._terms(), slop=1).matcher(searcher, context)
        except ValueError:  # a word the field cannot encode
            return mcore.NullMatcher()
        if postings is None:
            return mcore.NullMatcher()
        return PostingsMatcher(postings)
