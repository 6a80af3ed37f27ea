"""Which words of a provision satisfied a query, as offsets into Provision.text, and snippets.

The parsed query is evaluated again on the one provision, with the same words
and positions as the index (corpus_tool.index.analysis), so that for a
connector only the words that satisfied it are marked — not every occurrence
of each term.
"""

from __future__ import annotations

import fnmatch
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from whoosh.query.spans import Span

from corpus_tool import query as ast
from corpus_tool.index.analysis import Word, query_words, sentence_of, stem, word_of, words
from corpus_tool.index.compile import satisfies


@dataclass(frozen=True)
class _Match:
    """A span of word indexes [first, last] and the words (indexes) that made it."""

    first: int
    last: int
    marks: frozenset[int]


class _Text:
    def __init__(self, text: str) -> None:
        self.words: list[Word] = list(words(text))
        self.stems = [stem(w.text) for w in self.words]

    def span(self, m: _Match) -> Span:
        return Span(self.words[m.first].pos, self.words[m.last].pos)


def _sequence(t: _Text, seq: list[str], forms: list[str]) -> list[_Match]:
    out = []
    k = len(seq)
    for i in range(len(forms) - k + 1):
        if forms[i : i + k] == seq:
            last = i + k - 1
            # consecutive positions: a phrase never crosses a sentence end
            if t.words[last].pos - t.words[i].pos == k - 1:
                out.append(_Match(i, last, frozenset(range(i, last + 1))))
    return out


@lru_cache(maxsize=256)
def _glob(pattern: str) -> re.Pattern[str]:
    return re.compile(fnmatch.translate(pattern))


def _within_edits(a: str, b: str, limit: int) -> bool:
    if abs(len(a) - len(b)) > limit:
        return False
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1] <= limit


def _leaf(t: _Text, node: ast.Node) -> list[_Match]:
    if isinstance(node, ast.Words):
        seq = [stem(w) for w in query_words(node.raw)]
        return _sequence(t, seq, t.stems) if seq else []
    if isinstance(node, ast.Quoted):
        seq = query_words(node.raw)
        return _sequence(t, seq, [w.text for w in t.words]) if seq else []
    if isinstance(node, ast.Pattern):
        if node.kind == "prefix":
            hit = [w.text.startswith(node.pattern) for w in t.words]
        elif node.kind == "wildcard":
            rx = _glob(node.pattern)
            hit = [bool(rx.match(w.text)) for w in t.words]
        else:
            hit = [
                w.text[:1] == node.pattern[:1]
                and _within_edits(w.text, node.pattern, node.distance)
                for w in t.words
            ]
        return [_Match(i, i, frozenset((i,))) for i, h in enumerate(hit) if h]
    return []


def _eval(t: _Text, node: ast.Node) -> list[_Match]:
    """The matches of ``node`` in the text (empty for parts that mark no words)."""
    if isinstance(node, (ast.Words, ast.Quoted, ast.Pattern)):
        return _leaf(t, node)
    if isinstance(node, (ast.And, ast.Or)):
        return [m for c in node.children for m in _eval(t, c)]
    if isinstance(node, ast.ButNot):
        return _eval(t, node.positive)
    if isinstance(node, ast.Field):
        return _eval(t, node.value) if node.name == "text" else []
    if isinstance(node, ast.Near):
        left, right = _eval(t, node.left), _eval(t, node.right)
        if node.unit == "provision":
            return left + right if left and right else []
        out = []
        for a, b in _near_pairs(t, left, right, node.unit, node.n):
            if satisfies(t.span(a), t.span(b), node.unit, node.n, node.ordered):
                out.append(_Match(min(a.first, b.first), max(a.last, b.last), a.marks | b.marks))
        return out
    return []  # NOT marks nothing


def _near_pairs(
    t: _Text, left: list[_Match], right: list[_Match], unit: str, n: int
) -> Iterator[tuple[_Match, _Match]]:
    """The (left, right) pairs that may satisfy a connector: those in one sentence, or
    within ``n`` words, instead of every pair (a common word in a long provision)."""
    if not left or not right:
        return
    if unit == "sentence":
        by_sentence: dict[int, list[_Match]] = {}
        for b in right:
            by_sentence.setdefault(sentence_of(t.words[b.first].pos), []).append(b)
        for a in left:
            for b in by_sentence.get(sentence_of(t.words[a.first].pos), ()):
                yield a, b
        return

    def word(i: int) -> int:
        return word_of(t.words[i].pos)

    ordered = sorted(right, key=lambda m: word(m.first))
    firsts = [word(m.first) for m in ordered]
    widest = max(word(m.last) - word(m.first) for m in ordered)
    for a in left:
        lo = bisect_left(firsts, word(a.first) - n - widest)
        hi = bisect_right(firsts, word(a.last) + n)
        for b in ordered[lo:hi]:
            yield a, b


def highlights(text: str, node: ast.Node | None) -> tuple[tuple[int, int], ...]:
    """Offsets in ``text`` of the words that satisfied the query, merged and sorted."""
    if node is None or not text:
        return ()
    t = _Text(text)
    marked = sorted({i for m in _eval(t, node) for i in m.marks})
    spans: list[list[int]] = []
    for i in marked:
        w = t.words[i]
        # join words of one phrase ("open-source licence") into one highlight
        if spans and i - 1 in marked and _gap_is_joinable(text, spans[-1][1], w.start):
            spans[-1][1] = w.end
        else:
            spans.append([w.start, w.end])
    return tuple((s, e) for s, e in spans)


def _gap_is_joinable(text: str, end: int, start: int) -> bool:
    return start - end <= 3 and not re.search(r"[.;:!?]", text[end:start])


def snippet(text: str, spans: tuple[tuple[int, int], ...], *, width: int = 240) -> str:
    """A passage of ``text`` around the highlights, each marked «like this»."""
    if not text:
        return ""
    if not spans:
        return text if len(text) <= width else text[:width].rsplit(" ", 1)[0] + " …"
    first = spans[0][0]
    start = 0 if len(text) <= width else max(0, first - width // 3)
    end = min(len(text), start + width)
    if end < len(text) or start > 0:
        # do not cut words in half
        if start > 0:
            sp = text.find(" ", start)
            start = sp + 1 if 0 <= sp < first else start
        if end < len(text):
            sp = text.rfind(" ", max(start, spans[0][1]), end)
            end = sp if sp > 0 else end
    out = []
    cursor = start
    for s, e in spans:
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        out.append(text[cursor:s])
        out.append(f"«{text[s:e]}»")
        cursor = e
    out.append(text[cursor:end])
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(text) else ""
    return prefix + "".join(out).strip() + suffix
