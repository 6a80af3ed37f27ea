"""Compile a parsed query (corpus_tool.query) into Whoosh queries over the index fields.

Words are looked up as written in the ``exact`` and ``heading_exact`` fields,
each with its plurals and equivalents (corpus_tool.index.expansion): no
stemming. Booleans (AND, OR, NOT, but-not) and restrictors become Whoosh's
own queries. A connector becomes one ``Proximity`` query: the index finds the
units holding every term it needs, and corpus_tool.index.evaluate decides on
all of them at once, from the occurrences of the terms in the segment's
decoded postings (``leaf_reader``), whether the connector holds — the same
evaluation that marks a hit's highlights.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from whoosh import query as wq
from whoosh.matching import binary, mcore
from whoosh.matching.binary import AndNotMatcher

from corpus_tool import query as ast
from corpus_tool.errors import QueryError
from corpus_tool.index import postings
from corpus_tool.index.analysis import query_words
from corpus_tool.index.evaluate import (
    EMPTY,
    PARAGRAPHS,
    Occurrences,
    Unit,
    distinct_sorted,
    heading_text,
    in_sorted,
    positional,
    positional_arrays,
    upto_regex,
)
from corpus_tool.index.expansion import Alternative, alternatives
from corpus_tool.index.postings import (
    BulkPhrase,
    Entries,
    Postings,
    PostingsMatcher,
    Unsupported,
    _matching_rows,
    as_sorted_array,
    evaluate,
    postings_of,
    term_arrays,
    term_postings,
    union_postings,
)
from corpus_tool.index.units import indexed_text
from corpus_tool.workspace import doc_id_for

# User field name -> index field for keyword-like restrictors.
KEYWORD_FIELDS = {
    "kind": "kind",
    "tag": "tag",
    "label": "label",
    "jurisdiction": "jurisdiction",
    "family": "family",
    "id": "pid",
}
# Paragraph of a unit -> index field of its words as written.
WORD_FIELDS = {"text": "exact", "heading": "heading_exact"}
MAX_PHRASE_VARIANTS = 64  # a phrase whose words have more form combinations is checked by position


def _unit_of(searcher: Any, docnum: int) -> Unit:
    payload = searcher.stored_fields(docnum)["payload"]
    return Unit(
        indexed_text(payload.get("lead_in", ""), payload.get("text", "")),
        heading_text(payload.get("parent_headings", ()), payload.get("heading", "")),
    )


class Proximity(wq.Query):
    """Units where a connector holds: candidates from the index, decided by the evaluator."""

    def __init__(self, node: ast.Node, candidates: wq.Query) -> None:
        self.node = node
        self.candidates = candidates

    def __repr__(self) -> str:
        return f"Proximity({self.node!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Proximity) and other.node == self.node

    def __hash__(self) -> int:
        return hash(self.node)

    def is_leaf(self) -> bool:
        return False

    def children(self):
        return iter([self.candidates])

    def estimate_size(self, ixreader: Any) -> int:
        return int(self.candidates.estimate_size(ixreader))

    def estimate_min_size(self, ixreader: Any) -> int:
        return 0

    def apply(self, fn):
        return Proximity(self.node, fn(self.candidates))

    def _holds(self, searcher: Any, docnum: int) -> bool:
        """Decide one candidate from its stored text (the path where postings cannot be read)."""
        unit = _unit_of(searcher, docnum)
        return bool(positional(self.node, unit.leaf))

    def _decide(self, searcher: Any, candidates: list[int] | np.ndarray) -> np.ndarray:
        """The candidates where the connector holds: from the postings of all of them at
        once where these can be read in bulk, else from each one's stored text (the
        same evaluator either way)."""
        entries = as_sorted_array(candidates)
        if not len(entries):
            return entries
        try:
            found = positional_arrays(self.node, leaf_reader(searcher, entries))
        except Unsupported:
            return np.array(
                [d for d in entries.tolist() if self._holds(searcher, d)], dtype=np.int64
            )
        return found.entries()

    def bulk_postings(
        self, searcher: Any, context: Any, among: Entries | None = None
    ) -> Postings | None:
        found = postings_of(self.candidates, searcher, context, among)
        if found is None:
            return None
        kept = self._decide(searcher, found.entry_array())
        if not len(kept):
            return None
        return found.subset(kept)

    def matcher(self, searcher: Any, context: Any = None) -> mcore.Matcher:
        try:
            postings = evaluate(self, searcher, context)
        except Unsupported:
            m = self.candidates.matcher(searcher, context)
            scores: dict[int, float] = {}
            while m.is_active():
                scores[m.id()] = m.score()
                m.next()
            kept = self._decide(searcher, list(scores))
            postings = (
                Postings(kept.tolist(), scores.__getitem__, lambda d: []) if len(kept) else None
            )
        return PostingsMatcher(postings) if postings is not None else mcore.NullMatcher()


class AnyOf(wq.Query):
    """Any of a leaf's forms (terms, phrases, pattern expansions) in its fields.

    Whoosh's Or over more than two clauses may preload scores into an array,
    which the bulk path cannot imitate; this one always unites pairwise, in the
    same order in bulk (union_postings) and with Whoosh's matchers, so a word
    with its plurals and equivalents stays on the bulk path with equal scores.
    """

    def __init__(self, subqueries: Sequence[wq.Query]) -> None:
        self.subqueries = list(subqueries)

    def __repr__(self) -> str:
        return f"AnyOf({self.subqueries!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AnyOf) and other.subqueries == self.subqueries

    def __hash__(self) -> int:
        return hash(tuple(self.subqueries))

    def is_leaf(self) -> bool:
        return False

    def children(self):
        return iter(self.subqueries)

    def estimate_size(self, ixreader: Any) -> int:
        return sum(int(q.estimate_size(ixreader)) for q in self.subqueries)

    def estimate_min_size(self, ixreader: Any) -> int:
        return 0

    def apply(self, fn):
        return AnyOf([fn(q) for q in self.subqueries])

    def bulk_postings(
        self, searcher: Any, context: Any, among: Entries | None = None
    ) -> Postings | None:
        reader = searcher.reader()
        parts: list[Postings] = []
        for q in self.subqueries:
            if isinstance(q, wq.MultiTerm):
                fieldname = q.field()
                for word in q._btexts(reader):
                    p = term_postings(searcher, context, fieldname, word, among)
                    if p is not None:
                        parts.append(p)
            else:
                p = postings_of(q, searcher, context, among)
                if p is not None:
                    parts.append(p)
        return union_postings(parts) if parts else None

    def matcher(self, searcher: Any, context: Any = None) -> mcore.Matcher:
        try:
            postings = evaluate(self, searcher, context)
        except Unsupported:
            pass
        else:
            return PostingsMatcher(postings) if postings is not None else mcore.NullMatcher()
        reader = searcher.reader()
        matchers = []
        for q in self.subqueries:
            words = (
                [wq.Term(q.field(), w) for w in q._btexts(reader)]
                if isinstance(q, wq.MultiTerm)
                else [q]
            )
            for sub in words:
                m = sub.matcher(searcher, context)
                if m.is_active():
                    matchers.append(m)
        if not matchers:
            return mcore.NullMatcher()
        while len(matchers) > 1:  # the pairing of union_postings
            paired = [
                binary.UnionMatcher(matchers[i], matchers[i + 1])
                for i in range(0, len(matchers) - 1, 2)
            ]
            if len(matchers) % 2:
                paired.append(matchers[-1])
            matchers = paired
        return matchers[0]


def _index_words(searcher: Any, fieldname: str, slot: Any) -> list[bytes]:
    """The index words of one query word position (its forms, or a pattern's words)."""
    if fieldname not in searcher.schema:
        return []
    if isinstance(slot, ast.Pattern):
        return list(_pattern(fieldname, slot)._btexts(searcher.reader()))
    field = searcher.schema[fieldname]
    out = []
    for form in sorted(slot):
        try:
            out.append(field.to_bytes(form))
        except ValueError:
            continue
    return out


def leaf_reader(searcher: Any, entries: np.ndarray) -> Callable[[ast.Node], Occurrences]:
    """The occurrences of a leaf (word, phrase, pattern) in these entries (sorted entry
    numbers) of one segment, read from its decoded postings, each leaf once.

    Raises Unsupported where the postings cannot be read in bulk (a segment with
    deleted entries): the caller then reads the units' stored text.
    """
    read: dict[int, Occurrences] = {}

    def slot_coordinates(fieldname: str, paragraph: int, slot: Any) -> np.ndarray:
        found = []
        for word in _index_words(searcher, fieldname, slot):
            arrays = term_arrays(searcher, fieldname, word)
            if arrays is None:
                continue
            if not arrays.positional:
                raise Unsupported(f"{fieldname} has no positions")
            rows = _matching_rows(arrays.ids, entries)
            found.append(arrays.coordinates(rows, lambda ids: ids * 2 + paragraph))
        if not found:
            return np.empty(0, dtype=np.int64)
        if len(found) == 1:
            return found[0]
        both = np.concatenate(found)
        both.sort(kind="stable")
        return distinct_sorted(both)

    def leaf(node: ast.Node) -> Occurrences:
        if not postings.ENABLED:
            raise Unsupported("bulk evaluation switched off")
        got = read.get(id(node))
        if got is not None:
            return got
        firsts: list[np.ndarray] = []
        lasts: list[np.ndarray] = []
        for para, fieldname in WORD_FIELDS.items():
            paragraph = PARAGRAPHS.index(para)
            for alt in alternatives(node):
                starts = slot_coordinates(fieldname, paragraph, alt[0])
                # consecutive positions: a phrase never crosses a sentence end
                for k in range(1, len(alt)):
                    if not len(starts):
                        break
                    starts = starts[
                        in_sorted(starts + k, slot_coordinates(fieldname, paragraph, alt[k]))
                    ]
                if len(starts):
                    firsts.append(starts)
                    lasts.append(starts + (len(alt) - 1))
        got = Occurrences.of(np.concatenate(firsts), np.concatenate(lasts)) if firsts else EMPTY
        read[id(node)] = got
        return got

    return leaf


class _ButNotMatcher(AndNotMatcher):
    """Whoosh's AndNotMatcher, fixed: it let through the first positive entry when the
    excluded side's first entry came earlier (it only skipped on an exact tie)."""

    def _find_first(self) -> None:
        if self.a.is_active() and self.b.is_active():
            self._find_next()


class ButNot(wq.AndNot):
    """``a % b``: entries matching ``a`` and not ``b``."""

    def bulk_postings(
        self, searcher: Any, context: Any, among: Entries | None = None
    ) -> Postings | None:
        kept = postings_of(self.a, searcher, context, among)
        if kept is None:
            return None
        excluded = postings_of(self.b, searcher, searcher.boolean_context(), kept.entry_array())
        if excluded is None:
            return kept
        ids = kept.entry_array()
        ids = ids[~in_sorted(ids, excluded.entry_array())]
        return kept.subset(ids) if len(ids) else None

    def matcher(self, searcher: Any, context: Any = None) -> mcore.Matcher:
        scored = self.a.matcher(searcher, context)
        excluded = self.b.matcher(searcher, searcher.boolean_context())
        return _ButNotMatcher(scored, excluded)


def _any(queries: list[wq.Query]) -> wq.Query | None:
    if not queries:
        return None
    return queries[0] if len(queries) == 1 else wq.Or(queries)


def _all(queries: list[wq.Query]) -> wq.Query:
    """AND of these, flat (a long connector chain must not become a deep tree)."""
    flat: list[wq.Query] = []
    for q in queries:
        flat.extend(q.subqueries if type(q) is wq.And else [q])
    return wq.And(flat)


class _Compiler:
    def __init__(self, text: str) -> None:
        self.text = text

    def fail(self, node: ast.Node, reason: str) -> QueryError:
        return QueryError(self.text, node.col, reason)

    # --- whole-unit context -------------------------------------------------------
    def doc(
        self, node: ast.Node, paragraphs: tuple[str, ...] = ("text", "heading")
    ) -> wq.Query | None:
        if isinstance(node, (ast.Words, ast.Quoted, ast.Pattern)):
            found = self.leaf(node, paragraphs)
            if found is not None and _needs_positions(node):
                return Proximity(_restricted(node, paragraphs), found)
            return found
        if isinstance(node, ast.And):
            parts = [self.doc(c, paragraphs) for c in node.children]
            if any(p is None for p in parts):
                return None  # a term that matches nothing: so does the AND
            return wq.And(parts)
        if isinstance(node, ast.Or):
            return _any(
                [p for p in (self.doc(c, paragraphs) for c in node.children) if p is not None]
            )
        if isinstance(node, ast.Not):
            inner = self.doc(node.child, paragraphs)
            return wq.Not(inner) if inner is not None else wq.Every()
        if isinstance(node, ast.ButNot):
            pos = self.doc(node.positive, paragraphs)
            neg = self.doc(node.negative, paragraphs)
            if pos is None:
                return None
            return ButNot(pos, neg) if neg is not None else pos
        if isinstance(node, ast.Near):
            candidates = self.candidates(node, paragraphs)
            if candidates is None:
                return None
            return Proximity(_restricted(node, paragraphs), candidates)
        if isinstance(node, ast.Field):
            return self.field(node, paragraphs)
        raise self.fail(node, f"cannot search {type(node).__name__}")

    def candidates(self, node: ast.Node, paragraphs: tuple[str, ...]) -> wq.Query | None:
        """The units that hold every term a positional node needs (a superset of its hits)."""
        if isinstance(node, (ast.Words, ast.Quoted, ast.Pattern)):
            return self.leaf(node, paragraphs)
        if isinstance(node, ast.Or):
            parts = [self.candidates(c, paragraphs) for c in node.children]
            return _any([p for p in parts if p is not None])
        if isinstance(node, ast.Field):
            return self.candidates(node.value, tuple(p for p in paragraphs if p == node.name))
        if isinstance(node, ast.Near):
            left = self.candidates(node.left, paragraphs)
            if left is None or node.negated:
                return left
            right = self.candidates(node.right, paragraphs)
            return None if right is None else _all([left, right])
        raise self.fail(node, "a connector can only join words, phrases and OR-groups of them")

    def leaf(self, node: ast.Node, paragraphs: tuple[str, ...]) -> wq.Query | None:
        """A word, phrase or pattern in these paragraphs, with its plurals and equivalents."""
        out = []
        for para in paragraphs:
            fieldname = WORD_FIELDS[para]
            for alt in alternatives(node):
                out.extend(_alternative(fieldname, alt))
        if not out:
            return None
        return out[0] if len(out) == 1 else AnyOf(out)

    # --- restrictors ------------------------------------------------------------
    def field(self, node: ast.Field, paragraphs: tuple[str, ...]) -> wq.Query | None:
        name, value = node.name, node.value
        if name in ("text", "heading"):
            return self.doc(value, tuple(p for p in paragraphs if p == name))
        if isinstance(value, (ast.And, ast.Or, ast.Not, ast.ButNot)):
            return self.doc(_distribute(node), paragraphs)
        if isinstance(value, (ast.Near, ast.Field)):
            raise self.fail(value, f"'{name}:' takes a word, a phrase or a group of them")
        if name in ("cite", "citation"):
            if isinstance(value, ast.Pattern):
                return _pattern("cite", value)
            return _phrase("cite", query_words(value.raw))  # type: ignore[attr-defined]
        if name in ("doc", "file"):
            if isinstance(value, ast.Pattern):
                return _pattern("doc_id", value)
            raw = value.raw  # type: ignore[attr-defined]
            return wq.Or(
                [
                    wq.Term("doc_id", raw.lower()),
                    wq.Term("doc_id", doc_id_for(raw)),
                    wq.Term("file", raw),
                ]
            )
        if name == "date":
            raw = value.raw if not isinstance(value, ast.Pattern) else None  # type: ignore[attr-defined]
            if raw is not None:
                return wq.Prefix("date", raw.strip())
            return _pattern("date", value)  # type: ignore[arg-type]
        index_field = KEYWORD_FIELDS[name]
        if isinstance(value, ast.Pattern):
            return _pattern(index_field, value)
        return wq.Term(index_field, value.raw.strip().lower())  # type: ignore[attr-defined]


def _restricted(node: ast.Node, paragraphs: tuple[str, ...]) -> ast.Node:
    """A positional node under ``text:`` or ``heading:``, restricted to that paragraph."""
    if len(paragraphs) == 1:
        return ast.Field(node.col, paragraphs[0], node)
    return node


def _needs_positions(node: ast.Node) -> bool:
    """Whether a leaf's index query is only a superset (a phrase of too many forms)."""
    for alt in alternatives(node):
        combos = 1
        for slot in alt:
            combos *= 1 if isinstance(slot, ast.Pattern) else len(slot)
        if len(alt) > 1 and combos > MAX_PHRASE_VARIANTS:
            return True
    return False


def _distribute(node: ast.Field) -> ast.Node:
    """``kind:(recital OR article)`` -> ``kind:recital OR kind:article``."""

    def push(value: ast.Node) -> ast.Node:
        if isinstance(value, ast.And):
            return ast.And(value.col, tuple(push(c) for c in value.children))
        if isinstance(value, ast.Or):
            return ast.Or(value.col, tuple(push(c) for c in value.children))
        if isinstance(value, ast.Not):
            return ast.Not(value.col, push(value.child))
        if isinstance(value, ast.ButNot):
            return ast.ButNot(value.col, push(value.positive), push(value.negative))
        return ast.Field(value.col, node.name, value)

    return push(node.value)


def _alternative(fieldname: str, alt: Alternative) -> list[wq.Query]:
    """One word sequence with its forms: terms, phrases, or a pattern."""
    if any(isinstance(slot, ast.Pattern) for slot in alt):
        (slot,) = alt  # patterns are single words
        assert isinstance(slot, ast.Pattern)
        return [_pattern(fieldname, slot)]
    slots = [sorted(slot) for slot in alt]  # type: ignore[arg-type]
    if not slots:
        return []
    if len(slots) == 1:
        return [wq.Term(fieldname, w) for w in slots[0]]
    combos = 1
    for forms in slots:
        combos *= len(forms)
    if combos <= MAX_PHRASE_VARIANTS:
        return [BulkPhrase(fieldname, list(p)) for p in itertools.product(*slots)]
    # Too many combinations for phrase queries: units with every word are the
    # candidates, and the Proximity the caller wraps this in decides on positions.
    return [wq.And([AnyOf([wq.Term(fieldname, w) for w in forms]) for forms in slots])]


def _phrase(field: str, words: Sequence[str]) -> wq.Query | None:
    if not words:
        return None
    if len(words) == 1:
        return wq.Term(field, words[0])
    return BulkPhrase(field, list(words))


def _pattern(field: str, node: ast.Pattern) -> wq.Query:
    if node.kind == "prefix":
        return wq.Prefix(field, node.pattern)
    if node.kind == "wildcard":
        return wq.Wildcard(field, node.pattern)
    if node.kind == "upto":
        return wq.Regex(field, upto_regex(node))
    return wq.FuzzyTerm(field, node.pattern, maxdist=node.distance, prefixlength=1)


def compile_query(text: str, node: ast.Node) -> wq.Query | None:
    """The Whoosh query for a parsed query (``None`` when nothing searchable is left)."""
    return _Compiler(text).doc(node)
