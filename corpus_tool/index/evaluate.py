"""The one evaluator of a query on a search unit: which units match and which words made them.

A unit has two paragraphs, its text and its headings (docs/decisions.md,
section 2), and each word has a position encoding its sentence and its place
(corpus_tool.index.analysis). A leaf of the query (word, phrase, pattern)
evaluates to its occurrences as intervals of positions, per paragraph.

A connector keeps the *occurrences* of its operands that satisfied it, never
the stretch between them: ``a /3 b /20 c`` keeps the a's and b's within 3
words of each other, and c must be within 20 words of either (Westlaw: "dog /3
bite /20 liability"; Lexis: "w/n ... either"). Three or more terms joined by
``/s`` therefore need all of them in one sentence, by ``/p`` in one paragraph.

The same functions serve the search (over occurrences read for a candidate)
and the highlights (over the words of the one provision shown), so a hit and
its highlights cannot disagree. The data are plain lists of int pairs per
unit, so a later version can run the same steps on arrays.
"""

from __future__ import annotations

import fnmatch
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from functools import lru_cache

from corpus_tool import query as ast
from corpus_tool.index.analysis import SENTENCE_STRIDE, Word, words
from corpus_tool.index.expansion import alternatives

Interval = tuple[int, int]  # first and last position of one occurrence
Matches = dict[str, list[Interval]]  # paragraph ("text" | "heading") -> occurrences
PARAGRAPHS = ("text", "heading")
LeafFn = Callable[[ast.Node], Matches]


# --- connectors ----------------------------------------------------------------------


def _satisfies(a: Interval, b: Interval, unit: str, n: int, ordered: bool) -> bool:
    """Whether occurrence ``a`` (left) and ``b`` (right), in one paragraph, satisfy a connector."""
    if a[1] < b[0]:
        first, second = a, b
    elif b[1] < a[0]:
        if ordered:
            return False
        first, second = b, a
    else:
        return False  # the same words cannot satisfy both sides
    if unit == "sentence":
        return a[0] // SENTENCE_STRIDE == b[0] // SENTENCE_STRIDE
    if unit == "word":
        return second[0] % SENTENCE_STRIDE - first[1] % SENTENCE_STRIDE <= n
    return True  # same paragraph


def connect(
    left: list[Interval], right: list[Interval], unit: str, n: int, ordered: bool, negated: bool
) -> list[Interval]:
    """The occurrences of both sides that satisfy a connector in one paragraph (for a
    negated connector: the left occurrences that have no right one satisfying it).

    The rule is ``_satisfies``; the loops below only look at the right occurrences
    that can satisfy it (a window of words, or the same sentence), with the rule
    inlined, as this runs for every candidate of a connector.
    """
    if not left:
        return []
    if not right:
        return list(left) if negated else []
    right = sorted(right)
    stride = SENTENCE_STRIDE
    kept: set[Interval] = set()
    # Occurrences are sorted by position, and a position's sentence and word number
    # both grow with it, so the window keys are sorted too.
    if unit == "word":
        keys = [b0 % stride for b0, _ in right]
        widest = max(b1 - b0 for b0, b1 in right)
        for a in left:
            a0, a1 = a
            w0, w1 = a0 % stride, a1 % stride
            found = False
            for b in right[bisect_left(keys, w0 - n - widest) : bisect_right(keys, w1 + n)]:
                b0, b1 = b
                if a1 < b0:
                    ok = b0 % stride - w1 <= n
                elif b1 < a0:
                    ok = not ordered and w0 - b1 % stride <= n
                else:
                    ok = False
                if ok:
                    found = True
                    if negated:
                        break
                    kept.add(b)
            if found != negated:
                kept.add(a)
        return sorted(kept)
    if unit == "sentence":
        keys = [b0 // stride for b0, _ in right]
    for a in left:
        a0, a1 = a
        if unit == "sentence":
            s = a0 // stride
            window = right[bisect_left(keys, s) : bisect_right(keys, s)]
        else:
            window = right
        found = False
        for b in window:
            b0, b1 = b
            if a1 < b0 or (not ordered and b1 < a0):
                found = True
                if negated:
                    break
                kept.add(b)
        if found != negated:
            kept.add(a)
    return sorted(kept)


# --- the tree ----------------------------------------------------------------------------


def _merge(parts: Iterable[Matches]) -> Matches:
    out: dict[str, set[Interval]] = {}
    for part in parts:
        for para, ivs in part.items():
            if ivs:
                out.setdefault(para, set()).update(ivs)
    return {para: sorted(ivs) for para, ivs in out.items()}


def _restrict(node: ast.Field, paragraphs: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(p for p in paragraphs if p == node.name)


def positional(node: ast.Node, leaf: LeafFn, paragraphs: tuple[str, ...] = PARAGRAPHS) -> Matches:
    """The occurrences that satisfy a positional node (leaf, OR of them, connector)."""
    if isinstance(node, (ast.Words, ast.Quoted, ast.Pattern)):
        found = leaf(node)
        if paragraphs is PARAGRAPHS:
            return found  # leaf functions give only non-empty lists
        return {p: found[p] for p in paragraphs if found.get(p)}
    if isinstance(node, ast.Or):
        return _merge(positional(c, leaf, paragraphs) for c in node.children)
    if isinstance(node, ast.Field) and node.name in PARAGRAPHS:
        return positional(node.value, leaf, _restrict(node, paragraphs))
    if isinstance(node, ast.Near):
        left = positional(node.left, leaf, paragraphs)
        if not left:
            return {}
        right = positional(node.right, leaf, paragraphs)
        out: Matches = {}
        for para, ivs in left.items():
            kept = connect(ivs, right.get(para, []), node.unit, node.n, node.ordered, node.negated)
            if kept:
                out[para] = kept
        return out
    raise ValueError(f"not a positional node: {type(node).__name__}")


def evaluate(
    node: ast.Node, leaf: LeafFn, paragraphs: tuple[str, ...] = PARAGRAPHS
) -> Matches | None:
    """Whether a unit satisfies ``node`` (None: it does not) and the occurrences that did.

    Restrictors other than ``text:`` and ``heading:`` (``kind:``, ``doc:`` …) say
    nothing about words: they count as satisfied and mark nothing, as does NOT
    (the index decides them; here only the marks of a matching unit are wanted).
    """
    if isinstance(node, (ast.Words, ast.Quoted, ast.Pattern, ast.Near)):
        found = positional(node, leaf, paragraphs)
        return found or None
    if isinstance(node, ast.And):
        parts = []
        for child in node.children:
            got = evaluate(child, leaf, paragraphs)
            if got is None:
                return None
            parts.append(got)
        return _merge(parts)
    if isinstance(node, ast.Or):
        got_any = [
            g for g in (evaluate(c, leaf, paragraphs) for c in node.children) if g is not None
        ]
        return _merge(got_any) if got_any else None
    if isinstance(node, ast.ButNot):
        positive = evaluate(node.positive, leaf, paragraphs)
        if positive is None:
            return None
        if _words_only(node.negative) and evaluate(node.negative, leaf, paragraphs) is not None:
            return None
        return positive
    if isinstance(node, ast.Not):
        if _words_only(node.child) and evaluate(node.child, leaf, paragraphs) is not None:
            return None
        return {}
    if isinstance(node, ast.Field):
        if node.name in PARAGRAPHS:
            return evaluate(node.value, leaf, _restrict(node, paragraphs))
        return {}
    raise ValueError(f"cannot evaluate {type(node).__name__}")


def _words_only(node: ast.Node) -> bool:
    """Whether ``node`` is decided by words alone (no restrictor the index must decide)."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.Field):
            if current.name not in PARAGRAPHS:
                return False
            stack.append(current.value)
        elif isinstance(current, (ast.And, ast.Or)):
            stack.extend(current.children)
        elif isinstance(current, ast.Not):
            stack.append(current.child)
        elif isinstance(current, ast.ButNot):
            stack.extend((current.positive, current.negative))
        elif isinstance(current, ast.Near):
            stack.extend((current.left, current.right))
    return True


# --- a unit's words ----------------------------------------------------------------------


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


def upto_regex(node: ast.Pattern) -> str:
    """The regular expression of Westlaw's ``object***`` (object and up to 3 more characters)."""
    body = "".join("." if ch == "?" else re.escape(ch) for ch in node.pattern)
    return f"{body}.{{0,{node.distance}}}$"


def pattern_matches(node: ast.Pattern, word: str) -> bool:
    """Whether an index word matches a ``!``, wildcard or fuzzy pattern."""
    if node.kind == "prefix":
        return word.startswith(node.pattern)
    if node.kind == "wildcard":
        return bool(_glob(node.pattern).match(word))
    if node.kind == "upto":
        return bool(re.fullmatch(upto_regex(node), word))
    return word[:1] == node.pattern[:1] and _within_edits(word, node.pattern, node.distance)


class Paragraph:
    """The words of one paragraph of a unit, looked up by form."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.words: list[Word] = list(words(text)) if text else []
        self.by_form: dict[str, list[int]] = {}
        for i, w in enumerate(self.words):
            self.by_form.setdefault(w.text, []).append(i)

    def _slot(self, slot: frozenset[str] | ast.Pattern) -> list[int]:
        if isinstance(slot, ast.Pattern):
            return [i for i, w in enumerate(self.words) if pattern_matches(slot, w.text)]
        found: list[int] = []
        for form in slot:
            found.extend(self.by_form.get(form, ()))
        return sorted(found)

    def occurrences(self, node: ast.Node) -> list[Interval]:
        out: set[Interval] = set()
        for alt in alternatives(node):
            starts = self._slot(alt[0])
            for k in range(1, len(alt)):
                if not starts:
                    break
                nxt = set(self._slot(alt[k]))
                # consecutive positions: a phrase never crosses a sentence end
                starts = [
                    i
                    for i in starts
                    if i + k in nxt and self.words[i + k].pos - self.words[i].pos == k
                ]
            last = len(alt) - 1
            out.update((self.words[i].pos, self.words[i + last].pos) for i in starts)
        return sorted(out)

    def offsets(self, intervals: Iterable[Interval]) -> tuple[tuple[int, int], ...]:
        """Character offsets of the words inside ``intervals``, a phrase as one span."""
        by_pos = {w.pos: i for i, w in enumerate(self.words)}
        marked: set[int] = set()
        for first, last in intervals:
            i, j = by_pos.get(first), by_pos.get(last)
            if i is not None and j is not None:
                marked.update(range(i, j + 1))
        spans: list[list[int]] = []
        prev = -2
        for i in sorted(marked):
            w = self.words[i]
            if spans and i == prev + 1 and _gap_is_joinable(self.text, spans[-1][1], w.start):
                spans[-1][1] = w.end
            else:
                spans.append([w.start, w.end])
            prev = i
        return tuple((s, e) for s, e in spans)


def _gap_is_joinable(text: str, end: int, start: int) -> bool:
    return start - end <= 3 and not re.search(r"[.;:!?\n]", text[end:start])


class Unit:
    """One search unit's paragraphs (text and headings), for evaluating a query on it."""

    def __init__(self, text: str, heading: str) -> None:
        self.paragraphs = {"text": Paragraph(text), "heading": Paragraph(heading)}
        self._cache: dict[int, Matches] = {}

    def leaf(self, node: ast.Node) -> Matches:
        key = id(node)
        found = self._cache.get(key)
        if found is None:
            found = {}
            for name, para in self.paragraphs.items():
                ivs = para.occurrences(node)
                if ivs:
                    found[name] = ivs
            self._cache[key] = found
        return found

    def matches(self, node: ast.Node) -> Matches | None:
        return evaluate(node, self.leaf)


def heading_text(parent_headings: Iterable[str], heading: str) -> str:
    """A unit's heading paragraph as indexed: the headings above it, then its own, a line each."""
    return "\n".join(h for h in (*parent_headings, heading) if h)
