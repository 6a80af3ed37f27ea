"""Words, phrases and boolean queries evaluated over whole posting lists, positions on demand.

Whoosh steps its span matchers one entry at a time in Python, decoding every
candidate's positions through several layers of matchers. Here a phrase, a
word's forms or a boolean query is evaluated per segment in bulk: the posting
blocks of each word are read at once, the entry sets of the operands are
intersected with set operations, and positions are decoded only for the
entries in every operand (a connector decodes those of its candidates and
leaves the decision to corpus_tool.index.evaluate; see ``recording``).
The result is a plain list matcher with the same entries, scores and spans as
Whoosh's own matchers (scores are summed in the same order), so the boolean
operators above it are unchanged. Anything this cannot read in bulk (a segment
with deleted entries, another posting format) falls back to Whoosh's matchers.
"""

from __future__ import annotations

import contextlib
import threading
from bisect import bisect_left
from collections.abc import Callable, Iterator, Sequence
from itertools import accumulate
from pickle import loads
from typing import Any

from whoosh import formats
from whoosh import query as wq
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching import mcore
from whoosh.query.spans import Span, SpanNear2, SpanQuery
from whoosh.scoring import BM25FScorer, WeightScorer

_INT_SIZE = formats._INT_SIZE

Interval = tuple[int, int]


# Tests switch this off to compare with Whoosh's own matchers.
ENABLED = True


class Unsupported(Exception):
    """The bulk path cannot read these postings; use Whoosh's matchers."""


class Postings:
    """Matching entries of one operand in one segment, with scores and spans on demand."""

    def __init__(
        self,
        ids: list[int],
        score: Callable[[int], float],
        intervals: Callable[[int], list[Interval]],
    ) -> None:
        self.ids = ids
        self.score = score
        # (first, last) positions of each match of the operand in an entry: plain
        # tuples, as Whoosh's Span objects cost more to make than everything else.
        self.intervals = intervals
        self._set: set[int] | frozenset[int] | None = None
        self._scores: dict[int, float] | None = None

    def score_map(self) -> dict[int, float]:
        """Every entry's score (computed once; callers must not change it)."""
        if self._scores is None:
            score = self.score
            self._scores = {d: score(d) for d in self.ids}
        return self._scores

    def intervals_of(self, docnums: Sequence[int]) -> dict[int, list[Interval]]:
        """The intervals of several entries at once (cheaper than one call each)."""
        intervals = self.intervals
        return {d: intervals(d) for d in docnums}

    @property
    def idset(self) -> set[int] | frozenset[int]:
        if self._set is None:
            self._set = frozenset(self.ids)
        return self._set


def _decode(value: bytes) -> list[int]:
    """Positions of one entry (formats.Positions.decode_positions, without the Python loop)."""
    if not value.endswith(b"."):
        value += b"."
    return list(accumulate(loads(value[_INT_SIZE:])))


def term_postings(
    searcher: Any, context: Any, fieldname: str, text: Any, among: Sequence[int] | None = None
) -> Postings | None:
    """Entries of one word in a segment (``None`` when there are none).

    With ``among`` (sorted entry numbers), only those entries are kept and posting
    blocks holding none of them are skipped unread, so a common word costs little
    next to a rare one.
    """
    m = wq.Term(fieldname, text).matcher(searcher, context)
    if not m.is_active():
        return None
    if type(m) is not W3LeafMatcher:  # e.g. a segment with deletions
        raise Unsupported(type(m).__name__)
    positional = type(m.format) is formats.Positions
    scorer = m.scorer
    if scorer is not None and type(scorer) not in (BM25FScorer, WeightScorer):
        raise Unsupported(type(scorer).__name__)
    ids: list[int] = []
    weights: list[float] = []
    values: list[bytes] = []
    if among is None:
        while m.is_active():
            m._read_ids()
            m._read_weights()
            m._read_values()
            start = m._i
            ids.extend(m._ids[start:])
            weights.extend(m._weights[start:])
            values.extend(m._values[start:])
            m._next_block()
    else:
        wanted = among if isinstance(among, (set, frozenset)) else set(among)
        ordered = sorted(among)
        k, n = 0, len(ordered)
        while m.is_active() and k < n:
            top = m._maxid
            if ordered[k] > top:  # no candidate in this block: do not read it
                m._next_block()
                continue
            m._read_ids()
            block_ids = m._ids
            hits = [i for i in range(m._i, len(block_ids)) if block_ids[i] in wanted]
            if hits:
                m._read_weights()
                m._read_values()
                bw, bv = m._weights, m._values
                ids.extend(block_ids[i] for i in hits)
                weights.extend(bw[i] for i in hits)
                values.extend(bv[i] for i in hits)
            k = bisect_left(ordered, top + 1, k)
            m._next_block()
        if not ids:
            return None
    index: dict[int, int] = {}

    def where(docnum: int) -> int:
        if not index:
            index.update(zip(ids, range(len(ids)), strict=True))
        return index[docnum]

    scores: dict[int, float] = {}

    def score(docnum: int) -> float:
        if not scores:
            scores.update(zip(ids, _scores(scorer, ids, weights), strict=True))
        return scores[docnum]

    def positions(docnum: int) -> list[int]:
        if not positional:
            raise Unsupported(f"{fieldname} has no positions")
        return _decode(values[where(docnum)])

    def intervals(docnum: int) -> list[Interval]:
        return [(p, p) for p in positions(docnum)]

    def positions_of(docnums: Sequence[int]) -> dict[int, list[int]]:
        if not positional:
            raise Unsupported(f"{fieldname} has no positions")
        if not index:
            index.update(zip(ids, range(len(ids)), strict=True))
        # _decode, inlined: this loop runs for every candidate of a phrase or connector
        return {
            d: list(accumulate(loads(v[_INT_SIZE:] if v.endswith(b".") else v[_INT_SIZE:] + b".")))
            for d, v in zip(docnums, [values[index[d]] for d in docnums], strict=True)
        }

    def intervals_of(docnums: Sequence[int]) -> dict[int, list[Interval]]:
        return {d: [(p, p) for p in ps] for d, ps in positions_of(docnums).items()}

    postings = Postings(ids, score, intervals)
    postings.positions = positions  # type: ignore[attr-defined]
    postings.positions_of = positions_of  # type: ignore[attr-defined]
    postings.intervals_of = intervals_of  # type: ignore[method-assign]

    def score_map() -> dict[int, float]:
        if not scores:
            scores.update(zip(ids, _scores(scorer, ids, weights), strict=True))
        return scores

    postings.score_map = score_map  # type: ignore[method-assign]
    recorder = getattr(_RECORDING, "read", None)
    if recorder is not None:
        # kept with the entries it was read among (None: all), so that a reader of it
        # can tell whether it holds every entry it asks about
        recorder.setdefault((id(searcher), fieldname, text), []).append(
            (None if among is None else frozenset(among), postings)
        )
    return postings


# Words read while a connector's candidates are found, kept so that the
# connector can decode their positions without reading the blocks again.
_RECORDING = threading.local()
Recorded = dict[tuple[int, str, Any], list[tuple[frozenset[int] | None, Postings]]]


@contextlib.contextmanager
def recording() -> Iterator[Recorded]:
    """Keep every word's Postings read inside the block, by (searcher, field, word)."""
    outer = getattr(_RECORDING, "read", None)
    read: Recorded = {}
    _RECORDING.read = read
    try:
        yield read
    finally:
        _RECORDING.read = outer


def _scores(scorer: Any, ids: list[int], weights: list[float]) -> list[float]:
    """Every entry's score at once, with the very arithmetic of Whoosh's scorers."""
    if scorer is None:
        return [0.0] * len(ids)
    if type(scorer) is WeightScorer:
        return list(weights)
    # whoosh.scoring.bm25 inlined, operation for operation, so scores are equal bit for bit.
    idf, avgfl, B, K1 = scorer.idf, scorer.avgfl, scorer.B, scorer.K1
    dfl = scorer.dfl
    return [
        idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * dfl(d) / avgfl)))
        for d, tf in zip(ids, weights, strict=True)
    ]


def _tree_sum(parts: Sequence[float]) -> float:
    """Sum in the order of whoosh.util.make_binary_tree (so scores match Whoosh's bit for bit)."""
    if len(parts) == 1:
        return parts[0]
    half = len(parts) // 2
    return _tree_sum(parts[:half]) + _tree_sum(parts[half:])


def phrase_postings(
    searcher: Any,
    context: Any,
    fieldname: str,
    words: Sequence[Any],
    among: Sequence[int] | None = None,
) -> Postings | None:
    """Entries where ``words`` occur at consecutive positions (Whoosh's Phrase / SpanNear2)."""
    reader = searcher.reader()
    by_rarity = sorted(range(len(words)), key=lambda i: reader.doc_frequency(fieldname, words[i]))
    found_terms: dict[int, Postings] = {}
    candidates: Sequence[int] | None = among
    for i in by_rarity:
        t = term_postings(searcher, context, fieldname, words[i], candidates)
        if t is None:
            return None
        found_terms[i] = t
        candidates = t.ids
    terms = [found_terms[i] for i in range(len(words))]
    last = len(terms) - 1
    found: dict[int, list[int]] = {}
    docnums = list(candidates or ())
    first = terms[0].positions_of(docnums)  # type: ignore[attr-defined]
    rest = [(k, terms[k].positions_of(docnums)) for k in range(1, len(terms))]  # type: ignore[attr-defined]
    for docnum in docnums:
        starts = set(first[docnum])
        for k, positions in rest:
            starts.intersection_update([p - k for p in positions[docnum]])
            if not starts:
                break
        if starts:
            found[docnum] = sorted(starts)
    if not found:
        return None

    def score(docnum: int) -> float:
        return _tree_sum([t.score(docnum) for t in terms])

    def intervals(docnum: int) -> list[Interval]:
        return [(s, s + last) for s in found[docnum]]

    return Postings(list(found), score, intervals)


def union_postings(parts: list[Postings]) -> Postings:
    """Entries of any part, combined pairwise in the order SpanUnion builds its matcher tree."""
    while len(parts) > 1:
        paired = [_union(parts[i], parts[i + 1]) for i in range(0, len(parts) - 1, 2)]
        if len(parts) % 2:
            paired.append(parts[-1])
        parts = paired
    return parts[0]


def _union(a: Postings, b: Postings) -> Postings:
    ids = sorted(a.idset | b.idset)

    def score(docnum: int) -> float:
        in_a, in_b = docnum in a.idset, docnum in b.idset
        if in_a and in_b:
            return a.score(docnum) + b.score(docnum)
        return a.score(docnum) if in_a else b.score(docnum)

    def intervals(docnum: int) -> list[Interval]:
        in_a, in_b = docnum in a.idset, docnum in b.idset
        if in_a and in_b:
            return sorted(set(a.intervals(docnum)) | set(b.intervals(docnum)))
        return a.intervals(docnum) if in_a else b.intervals(docnum)

    union = Postings(ids, score, intervals)

    def intervals_of(docnums: Sequence[int]) -> dict[int, list[Interval]]:
        in_a = a.intervals_of([d for d in docnums if d in a.idset])
        in_b = b.intervals_of([d for d in docnums if d in b.idset])
        out = {}
        for d in docnums:
            ia, ib = in_a.get(d), in_b.get(d)
            if ia is not None and ib is not None:
                out[d] = sorted(set(ia) | set(ib))
            else:
                out[d] = ia if ia is not None else ib  # type: ignore[assignment]
        return out

    union.intervals_of = intervals_of  # type: ignore[method-assign]

    def score_map() -> dict[int, float]:
        # Whoosh's UnionMatcher adds the two scores where both match (a + b == b + a).
        if union._scores is None:
            merged = dict(a.score_map())
            for d, s in b.score_map().items():
                merged[d] = merged[d] + s if d in merged else s
            union._scores = merged
        return union._scores

    union.score_map = score_map  # type: ignore[method-assign]
    union.score = lambda d: score_map()[d]
    return union


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
    q: wq.Query, searcher: Any, context: Any, among: Sequence[int] | None = None
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


def _compound(
    q: wq.Query, searcher: Any, context: Any, among: Sequence[int] | None
) -> Postings | None:
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
    candidates = among
    for i in sorted(range(len(subs)), key=sizes.__getitem__):
        p = postings_of(subs[i], searcher, context, candidates)
        if p is None:
            return None
        got[i] = p
        candidates = p.ids
    ids = list(candidates or ())
    parts: list[Postings] = [got[i] for i in range(len(subs))]

    def score(docnum: int) -> float:
        def total(node: Tree) -> float:
            if isinstance(node, int):
                return parts[node].score(docnum)
            return total(node[0]) + total(node[1])

        return total(tree)

    def intervals(docnum: int) -> list[Interval]:
        return sorted({iv for p in parts for iv in p.intervals(docnum)})

    return Postings(ids, score, intervals) if ids else None


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
