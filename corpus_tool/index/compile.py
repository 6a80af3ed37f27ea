"""Compile a parsed query (corpus_tool.query) into Whoosh queries over the index fields.

Connectors become one span query, ``Connector``: its matcher keeps only the
documents where a span of the left operand and a span of the right operand
satisfy the connector, by decoding the sentence and word number from each
position (see corpus_tool.index.analysis). The stemmed ("text") and exact
("exact") fields share positions, so a quoted phrase may sit on one side of a
connector and a stemmed word on the other.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from whoosh import query as wq
from whoosh.matching import binary, mcore
from whoosh.matching.binary import AndNotMatcher
from whoosh.query.spans import Span, SpanQuery, SpanWrappingMatcher

from corpus_tool import query as ast
from corpus_tool.errors import QueryError
from corpus_tool.index.analysis import query_words, sentence_of, stem, word_of
from corpus_tool.index.postings import (
    BulkPhrase,
    Postings,
    PostingsMatcher,
    Unsupported,
    evaluate,
    join_postings,
    postings_of,
    term_postings,
    union_postings,
)
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


def satisfies(a: Span, b: Span, unit: str, n: int, ordered: bool) -> bool:
    """Whether spans ``a`` (left operand) and ``b`` (right operand) satisfy a connector."""
    if a.end < b.start:
        before = True
    elif b.end < a.start:
        if ordered:
            return False
        before = False
    else:
        return False  # the same words cannot satisfy both sides
    if unit == "sentence":
        return sentence_of(a.start) == sentence_of(b.start)
    first, second = (a, b) if before else (b, a)
    return word_of(second.start) - word_of(first.end) <= n


class Connector(SpanQuery):
    """Left and right operands within ``n`` words or in the same sentence (optionally ordered)."""

    def __init__(
        self,
        a: wq.Query,
        b: wq.Query,
        unit: str,
        n: int = 0,
        ordered: bool = False,
        all_spans: bool = True,
    ):
        # all_spans=False: only whether a document matches is wanted (not nested in
        # another connector), so the first satisfying pair is enough.
        self.all_spans = all_spans
        self.a = a
        self.b = b
        self.q = wq.And([a, b])
        self.unit = unit
        self.n = n
        self.ordered = ordered

    def __repr__(self) -> str:
        return f"Connector({self.a!r}, {self.b!r}, {self.unit}, n={self.n}, ordered={self.ordered})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Connector) and (
            self.a,
            self.b,
            self.unit,
            self.n,
            self.ordered,
        ) == (other.a, other.b, other.unit, other.n, other.ordered)

    def __hash__(self) -> int:
        return hash((self.a, self.b, self.unit, self.n, self.ordered))

    def is_leaf(self) -> bool:
        return False

    def children(self):
        return iter([self.a, self.b])

    def estimate_size(self, ixreader: Any) -> int:
        return int(self.q.estimate_size(ixreader))

    def estimate_min_size(self, ixreader: Any) -> int:
        return 0

    def apply(self, fn):
        return Connector(fn(self.a), fn(self.b), self.unit, self.n, self.ordered, self.all_spans)

    def bulk_postings(
        self, searcher: Any, context: Any, among: Sequence[int] | None = None
    ) -> Postings | None:
        # The operand with fewer entries is read first; the other only where it is.
        reader = searcher.reader()
        a_first = self.a.estimate_size(reader) <= self.b.estimate_size(reader)
        first, second = (self.a, self.b) if a_first else (self.b, self.a)
        p1 = postings_of(first, searcher, context, among)
        if p1 is None:
            return None
        p2 = postings_of(second, searcher, context, p1.ids)
        if p2 is None:
            return None
        a, b = (p1, p2) if a_first else (p2, p1)
        return join_postings(a, b, self.unit, self.n, self.ordered, self.all_spans)

    def matcher(self, searcher: Any, context: Any = None) -> mcore.Matcher:
        try:
            postings = evaluate(self, searcher, context)
        except Unsupported:
            pass
        else:
            return PostingsMatcher(postings) if postings is not None else mcore.NullMatcher()
        ma = self.a.matcher(searcher, context)
        mb = self.b.matcher(searcher, context)
        if not (ma.is_active() and mb.is_active()):
            return mcore.NullMatcher()
        return _ConnectorMatcher(ma, mb, self.unit, self.n, self.ordered, self.all_spans)


class _ConnectorMatcher(SpanWrappingMatcher):
    def __init__(
        self, a: Any, b: Any, unit: str, n: int, ordered: bool, all_spans: bool = True
    ) -> None:
        self.a, self.b = a, b
        self.unit, self.n, self.ordered = unit, n, ordered
        self.all_spans = all_spans
        super().__init__(binary.IntersectionMatcher(a, b))

    def copy(self) -> _ConnectorMatcher:
        return _ConnectorMatcher(
            self.a.copy(), self.b.copy(), self.unit, self.n, self.ordered, self.all_spans
        )

    def replace(self, minquality: float = 0) -> mcore.Matcher:
        return self if self.is_active() else mcore.NullMatcher()

    def _get_spans(self) -> list[Span]:
        return connect(
            self.a.spans(), self.b.spans(), self.unit, self.n, self.ordered, self.all_spans
        )


def connect(
    aspans: list[Span], bspans: list[Span], unit: str, n: int, ordered: bool, all_spans: bool
) -> list[Span]:
    """The joined spans of left spans ``aspans`` and right spans ``bspans`` that satisfy a
    connector (only the first when ``all_spans`` is false)."""
    found = set()
    if unit == "sentence":
        by_sentence: dict[int, list[Span]] = {}
        for b in bspans:
            by_sentence.setdefault(sentence_of(b.start), []).append(b)
        for a in aspans:
            for b in by_sentence.get(sentence_of(a.start), ()):
                if satisfies(a, b, unit, n, ordered):
                    if not all_spans:
                        return [a.to(b)]
                    found.add(a.to(b))
    else:
        for a in aspans:
            for b in bspans:
                if satisfies(a, b, unit, n, ordered):
                    if not all_spans:
                        return [a.to(b)]
                    found.add(a.to(b))
    return sorted(found)


class SpanUnion(wq.Query):
    """Any of several span queries, or every index term a pattern expands to, keeping spans.

    Whoosh's own Or and pattern queries may build union matchers that drop
    positions; connectors need them, so this one always builds binary unions.
    """

    def __init__(self, subqueries: Sequence[wq.Query]) -> None:
        self.subqueries = list(subqueries)

    def __repr__(self) -> str:
        return f"SpanUnion({self.subqueries!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SpanUnion) and other.subqueries == self.subqueries

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
        return SpanUnion([fn(q) for q in self.subqueries])

    def bulk_postings(
        self, searcher: Any, context: Any, among: Sequence[int] | None = None
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
            if isinstance(q, wq.MultiTerm):
                fieldname = q.field()
                for word in q._btexts(reader):
                    m = wq.Term(fieldname, word).matcher(searcher, context)
                    if m.is_active():
                        matchers.append(m)
            else:
                m = q.matcher(searcher, context)
                if m.is_active():
                    matchers.append(m)
        if not matchers:
            return mcore.NullMatcher()
        while len(matchers) > 1:  # a balanced tree keeps skipping cheap
            paired = [
                binary.UnionMatcher(matchers[i], matchers[i + 1])
                for i in range(0, len(matchers) - 1, 2)
            ]
            if len(matchers) % 2:
                paired.append(matchers[-1])
            matchers = paired
        return matchers[0]


class _ButNotMatcher(AndNotMatcher):
    """Whoosh's AndNotMatcher, fixed: it let through the first positive entry when the
    excluded side's first entry came earlier (it only skipped on an exact tie)."""

    def _find_first(self) -> None:
        if self.a.is_active() and self.b.is_active():
            self._find_next()


class ButNot(wq.AndNot):
    """``a % b``: entries matching ``a`` and not ``b``."""

    def bulk_postings(
        self, searcher: Any, context: Any, among: Sequence[int] | None = None
    ) -> Postings | None:
        kept = postings_of(self.a, searcher, context, among)
        if kept is None:
            return None
        excluded = postings_of(self.b, searcher, searcher.boolean_context(), kept.ids)
        if excluded is None:
            return kept
        out = excluded.idset
        ids = [d for d in kept.ids if d not in out]
        return Postings(ids, kept.score, kept.intervals) if ids else None

    def matcher(self, searcher: Any, context: Any = None) -> mcore.Matcher:
        scored = self.a.matcher(searcher, context)
        excluded = self.b.matcher(searcher, searcher.boolean_context())
        return _ButNotMatcher(scored, excluded)


class _Compiler:
    def __init__(self, text: str) -> None:
        self.text = text

    def fail(self, node: ast.Node, reason: str) -> QueryError:
        return QueryError(self.text, node.col, reason)

    # --- whole-provision context -------------------------------------------
    def doc(self, node: ast.Node, fields: tuple[str, ...] = ("text", "heading")) -> wq.Query | None:
        if isinstance(node, (ast.Words, ast.Quoted, ast.Pattern)):
            qs = [self.leaf(node, f) for f in fields]
            kept = [q for q in qs if q is not None]
            if not kept:
                return None
            return kept[0] if len(kept) == 1 else wq.Or(kept)
        if isinstance(node, ast.And):
            parts = [p for p in (self.doc(c, fields) for c in node.children) if p is not None]
            return wq.And(parts) if parts else None
        if isinstance(node, ast.Or):
            parts = [p for p in (self.doc(c, fields) for c in node.children) if p is not None]
            return wq.Or(parts) if parts else None
        if isinstance(node, ast.Not):
            inner = self.doc(node.child, fields)
            return wq.Not(inner) if inner is not None else None
        if isinstance(node, ast.ButNot):
            pos = self.doc(node.positive, fields)
            neg = self.doc(node.negative, fields)
            if pos is None:
                return None
            return ButNot(pos, neg) if neg is not None else pos
        if isinstance(node, ast.Near):
            if node.unit == "provision":
                left, right = self.doc(node.left, fields), self.doc(node.right, fields)
                if left is None or right is None:
                    return None
                return wq.And([left, right])
            connector = self.span(node)
            if isinstance(connector, Connector):
                connector.all_spans = False
            return connector
        if isinstance(node, ast.Field):
            return self.field(node)
        raise self.fail(node, f"cannot search {type(node).__name__}")

    def leaf(self, node: ast.Node, field: str) -> wq.Query | None:
        """A word, phrase or pattern in ``field`` ("text" or "heading")."""
        exact_field = "exact" if field == "text" else "heading_exact"
        if isinstance(node, ast.Words):
            ws = [stem(w) for w in query_words(node.raw)]
            return _phrase(field, ws)
        if isinstance(node, ast.Quoted):
            return _phrase(exact_field, query_words(node.raw))
        if isinstance(node, ast.Pattern):
            return _pattern(exact_field, node)
        raise self.fail(node, "expected a word or phrase")

    # --- positional context (inside /s, /n) ------------------------------------
    def span(self, node: ast.Node) -> wq.Query | None:
        if isinstance(node, (ast.Words, ast.Quoted)):
            return self.leaf(node, "text")
        if isinstance(node, ast.Pattern):
            pattern = self.leaf(node, "text")
            return SpanUnion([pattern]) if pattern is not None else None
        if isinstance(node, ast.Or):
            parts = [p for p in (self.span(c) for c in node.children) if p is not None]
            return SpanUnion(parts) if parts else None
        if isinstance(node, ast.Field) and node.name == "text":
            return self.span(node.value)
        if isinstance(node, ast.Near) and node.unit != "provision":
            left, right = self.span(node.left), self.span(node.right)
            if left is None or right is None:
                return None
            return Connector(left, right, node.unit, node.n, node.ordered)
        raise self.fail(node, "a connector can only join words, phrases and OR-groups of them")

    # --- restrictors ------------------------------------------------------------
    def field(self, node: ast.Field) -> wq.Query | None:
        name, value = node.name, node.value
        if isinstance(value, (ast.And, ast.Or, ast.Not, ast.ButNot)):
            return self.doc(_distribute(node), ("text", "heading"))
        if isinstance(value, (ast.Near, ast.Field)):
            raise self.fail(value, f"'{name}:' takes a word, a phrase or a group of them")
        if name == "text":
            return self.doc(value, ("text",))
        if name == "heading":
            return self.doc(value, ("heading",))
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
    return wq.FuzzyTerm(field, node.pattern, maxdist=node.distance, prefixlength=1)


def compile_query(text: str, node: ast.Node) -> wq.Query | None:
    """The Whoosh query for a parsed query (``None`` when nothing searchable is left)."""
    return _Compiler(text).doc(node)
