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

The same functions serve the search and the highlights, so a hit and its
highlights cannot disagree: they work on arrays of occurrences
(``Occurrences``, ``evaluate_arrays``), over all the candidate units of a
segment at once (read from the index's positions) or over one unit (read from
its text by ``Unit``, where the index's positions cannot be read).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterable
from functools import lru_cache

import numpy as np

from corpus_tool import query as ast
from corpus_tool.index.analysis import SENTENCE_STRIDE, Word, words
from corpus_tool.index.expansion import alternatives

Interval = tuple[int, int]  # first and last position of one occurrence
Matches = dict[str, list[Interval]]  # paragraph ("text" | "heading") -> occurrences
PARAGRAPHS = ("text", "heading")
LeafFn = Callable[[ast.Node], Matches]


# --- connectors ----------------------------------------------------------------------


def _satisfies(a: Interval, b: Interval, unit: str, n: int, ordered: bool) -> bool:
    """Whether occurrence ``a`` (left) and ``b`` (right), in one paragraph, satisfy a connector.

    The rule as written; ``connect_arrays`` decides it for many occurrences at once
    (and the tests hold the two together).
    """
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


# An occurrence is kept as two coordinates, of its first and its last word:
# ``(entry * 2 + paragraph) << SHIFT | position``. Positions stay below 2**40 (a
# million sentences), so one sorted int64 array orders occurrences by entry,
# paragraph and position, and "the same paragraph" or "the same sentence" is a
# range of coordinates that numpy's searchsorted can count in bulk.
SHIFT = 40
_POSITION = (1 << SHIFT) - 1
_SENTENCE_START = ~(SENTENCE_STRIDE - 1)
_WORD = SENTENCE_STRIDE - 1


class Occurrences:
    """Occurrences of a query part in many paragraphs: coordinates of their first and
    last words, sorted by (first, last), without repeats."""

    __slots__ = ("first", "last")

    def __init__(self, first: np.ndarray, last: np.ndarray) -> None:
        self.first = first
        self.last = last

    def __len__(self) -> int:
        return len(self.first)

    def take(self, mask: np.ndarray) -> Occurrences:
        return Occurrences(self.first[mask], self.last[mask])

    def keys(self) -> np.ndarray:
        """entry * 2 + paragraph of each occurrence."""
        return self.first >> SHIFT

    def entries(self) -> np.ndarray:
        """The entries with an occurrence, sorted, once each."""
        return distinct_sorted(self.first >> (SHIFT + 1))

    @staticmethod
    def of(first: np.ndarray, last: np.ndarray) -> Occurrences:
        """Occurrences from unsorted coordinates that may repeat."""
        if len(first) > 1:
            # Parts come sorted, so a stable sort (runs merged) costs little; ties of
            # first words with different last words (phrases of several lengths
            # starting at one word) are rare and then sorted fully.
            order = np.argsort(first, kind="stable")
            first, last = first[order], last[order]
            same = first[1:] == first[:-1]
            if same.any() and (last[1:][same] < last[:-1][same]).any():
                order = np.lexsort((last, first))
                first, last = first[order], last[order]
            keep = np.empty(len(first), dtype=bool)
            keep[0] = True
            np.not_equal(first[1:], first[:-1], out=keep[1:])
            keep[1:] |= last[1:] != last[:-1]
            if not keep.all():
                first, last = first[keep], last[keep]
        return Occurrences(first, last)


EMPTY = Occurrences(np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64))


def union(parts: Iterable[Occurrences]) -> Occurrences:
    """Every occurrence of any part."""
    parts = [p for p in parts if len(p)]
    if not parts:
        return EMPTY
    if len(parts) == 1:
        return parts[0]
    return Occurrences.of(
        np.concatenate([p.first for p in parts]), np.concatenate([p.last for p in parts])
    )


def _in_paragraphs(occ: Occurrences, paragraphs: tuple[str, ...]) -> Occurrences:
    if paragraphs is PARAGRAPHS or not len(occ):
        return occ
    if not paragraphs:
        return EMPTY
    wanted = [PARAGRAPHS.index(p) for p in paragraphs]
    para = occ.keys() & 1
    mask = para == wanted[0] if len(wanted) == 1 else np.isin(para, wanted)
    return occ.take(mask)


def _after(x: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Whether the sorted ``x`` has a value in ``(lo, hi]``, for each pair of bounds."""
    return np.searchsorted(x, hi, "right") > np.searchsorted(x, lo, "right")


def _before(x: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Whether the sorted ``x`` has a value in ``[lo, hi)``, for each pair of bounds."""
    return np.searchsorted(x, hi, "left") > np.searchsorted(x, lo, "left")


def _word_coordinates(c: np.ndarray) -> np.ndarray:
    """Coordinates with the sentence dropped from the position: the word number in the
    paragraph, which grows with the position, so the order is kept."""
    return (c & ~_POSITION) | (c & _WORD)


def connect_arrays(
    left: Occurrences, right: Occurrences, unit: str, n: int, ordered: bool, negated: bool
) -> Occurrences:
    """The occurrences of both sides that satisfy a connector (``_satisfies``) with an
    occurrence of the other side in the same paragraph (for a negated connector: the
    left occurrences that have none), over any number of paragraphs at once.

    For each occurrence the other side's that can satisfy the rule form one range
    of coordinates (after it, or before it), so the rule is decided by counting in
    sorted arrays. The sentence of an occurrence is its first word's (an
    occurrence never spans a sentence end: a phrase's words are consecutive).
    """
    if not len(left):
        return EMPTY
    if not len(right):
        return left if negated else EMPTY
    a0, a1, b0, b1 = left.first, left.last, right.first, right.last
    if unit == "word":
        a0, a1, b0, b1 = (_word_coordinates(c) for c in (a0, a1, b0, b1))

    def reach(c: np.ndarray, at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """How far back and forward from ``c`` an occurrence at ``at`` may satisfy the rule."""
        if unit == "word":
            return c - n, c + n
        if unit == "sentence":
            start = at & _SENTENCE_START
            return start, start + (SENTENCE_STRIDE - 1)
        start = at & ~_POSITION
        return start, start + _POSITION

    b0_sorted = b0  # sorted: occurrences are sorted by their first coordinate
    b1_sorted = np.sort(b1, kind="stable")  # nearly sorted: a run merge
    _, forward = reach(a1, left.first)
    back, _ = reach(a0, left.first)
    has = _after(b0_sorted, a1, forward)  # a right occurrence after, close enough
    if not ordered:
        has |= _before(b1_sorted, back, a0)  # or before
    if negated:
        return left.take(~has)
    a1_sorted = np.sort(a1, kind="stable")
    back, _ = reach(b0, right.first)
    _, forward = reach(b1, right.first)
    has_b = _before(a1_sorted, back, b0)  # a left occurrence before it
    if not ordered:
        has_b |= _after(a0, b1, forward)  # or after
    return union([left.take(has), right.take(has_b)])


def _to_occurrences(found: Matches) -> Occurrences:
    """One unit's matches (paragraph -> intervals) as coordinates of entry 0."""
    firsts: list[int] = []
    lasts: list[int] = []
    for para, ivs in found.items():
        base = PARAGRAPHS.index(para) << SHIFT
        firsts.extend(base + f for f, _ in ivs)
        lasts.extend(base + last for _, last in ivs)
    return Occurrences.of(np.array(firsts, dtype=np.int64), np.array(lasts, dtype=np.int64))


def _to_matches(occ: Occurrences) -> Matches:
    out: Matches = {}
    for f, last in zip(occ.first.tolist(), occ.last.tolist(), strict=True):
        out.setdefault(PARAGRAPHS[(f >> SHIFT) & 1], []).append((f & _POSITION, last & _POSITION))
    return out


def connect(
    left: list[Interval], right: list[Interval], unit: str, n: int, ordered: bool, negated: bool
) -> list[Interval]:
    """``connect_arrays`` on the occurrences of one paragraph, as sorted intervals."""
    got = connect_arrays(
        _to_occurrences({"text": left}),
        _to_occurrences({"text": right}),
        unit,
        n,
        ordered,
        negated,
    )
    return _to_matches(got).get("text", [])


# --- the tree ----------------------------------------------------------------------------


def _restrict(node: ast.Field, paragraphs: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(p for p in paragraphs if p == node.name)


def positional_arrays(
    node: ast.Node,
    leaf: Callable[[ast.Node], Occurrences],
    paragraphs: tuple[str, ...] = PARAGRAPHS,
) -> Occurrences:
    """The occurrences that satisfy a positional node (leaf, OR of them, connector), in
    every entry and paragraph that ``leaf`` gives occurrences for."""
    if isinstance(node, (ast.Words, ast.Quoted, ast.Pattern)):
        return _in_paragraphs(leaf(node), paragraphs)
    if isinstance(node, ast.Or):
        return union(positional_arrays(c, leaf, paragraphs) for c in node.children)
    if isinstance(node, ast.Field) and node.name in PARAGRAPHS:
        return positional_arrays(node.value, leaf, _restrict(node, paragraphs))
    if isinstance(node, ast.Near):
        left = positional_arrays(node.left, leaf, paragraphs)
        if not len(left):
            return EMPTY
        right = positional_arrays(node.right, leaf, paragraphs)
        return connect_arrays(left, right, node.unit, node.n, node.ordered, node.negated)
    raise ValueError(f"not a positional node: {type(node).__name__}")


def positional(node: ast.Node, leaf: LeafFn, paragraphs: tuple[str, ...] = PARAGRAPHS) -> Matches:
    """The occurrences that satisfy a positional node in one unit (``positional_arrays``
    over the unit's matches)."""
    converted: dict[int, Occurrences] = {}

    def as_arrays(n: ast.Node) -> Occurrences:
        got = converted.get(id(n))
        if got is None:
            got = converted[id(n)] = _to_occurrences(leaf(n))
        return got

    return _to_matches(positional_arrays(node, as_arrays, paragraphs))


def _among(occ: Occurrences, entries: np.ndarray) -> Occurrences:
    """The occurrences in these entries (sorted)."""
    if not len(occ):
        return occ
    return occ.take(in_sorted(occ.first >> (SHIFT + 1), entries))


def distinct_sorted(values: np.ndarray) -> np.ndarray:
    """The distinct values of a sorted array (np.unique without its sort)."""
    if len(values) < 2:
        return values
    keep = np.empty(len(values), dtype=bool)
    keep[0] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]


def sorted_union(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The distinct values of two sorted arrays, sorted (a merge, not a hash)."""
    if not len(a):
        return b
    if not len(b):
        return a
    both = np.concatenate((a, b))
    both.sort(kind="stable")
    return distinct_sorted(both)


def in_sorted(values: np.ndarray, sorted_values: np.ndarray) -> np.ndarray:
    """Whether each of ``values`` is in the sorted array."""
    if not len(sorted_values) or not len(values):
        return np.zeros(len(values), dtype=bool)
    at = np.searchsorted(sorted_values, values)
    at[at == len(sorted_values)] = 0
    return np.asarray(sorted_values[at] == values)


def evaluate_arrays(
    node: ast.Node,
    leaf: Callable[[ast.Node], Occurrences],
    entries: np.ndarray,
    paragraphs: tuple[str, ...] = PARAGRAPHS,
) -> tuple[np.ndarray, Occurrences]:
    """Which of the sorted ``entries`` satisfy ``node`` (a mask beside them) and the
    occurrences that did, in all of them at once.

    Restrictors other than ``text:`` and ``heading:`` (``kind:``, ``doc:`` …) say
    nothing about words: they count as satisfied and mark nothing, as does NOT
    (the index decides them; here only the marks of matching units are wanted).
    """
    if isinstance(node, (ast.Words, ast.Quoted, ast.Pattern, ast.Near)):
        found = _among(positional_arrays(node, leaf, paragraphs), entries)
        return in_sorted(entries, found.entries()), found
    if isinstance(node, (ast.And, ast.Or)):
        parts = [evaluate_arrays(c, leaf, entries, paragraphs) for c in node.children]
        masks = [m for m, _ in parts]
        mask = (
            np.logical_and.reduce(masks)
            if isinstance(node, ast.And)
            else np.logical_or.reduce(masks)
        )
        return mask, _among(union(occ for _, occ in parts), entries[mask])
    if isinstance(node, ast.ButNot):
        mask, occ = evaluate_arrays(node.positive, leaf, entries, paragraphs)
        if _words_only(node.negative):
            excluded, _ = evaluate_arrays(node.negative, leaf, entries, paragraphs)
            mask = mask & ~excluded
            occ = _among(occ, entries[mask])
        return mask, occ
    if isinstance(node, ast.Not):
        if _words_only(node.child):
            excluded, _ = evaluate_arrays(node.child, leaf, entries, paragraphs)
            return ~excluded, EMPTY
        return np.ones(len(entries), dtype=bool), EMPTY
    if isinstance(node, ast.Field):
        if node.name in PARAGRAPHS:
            return evaluate_arrays(node.value, leaf, entries, _restrict(node, paragraphs))
        return np.ones(len(entries), dtype=bool), EMPTY
    raise ValueError(f"cannot evaluate {type(node).__name__}")


def matches_by_entry(occ: Occurrences) -> dict[int, Matches]:
    """Occurrences grouped by entry, as each unit's paragraph -> intervals."""
    out: dict[int, Matches] = {}
    for f, last in zip(occ.first.tolist(), occ.last.tolist(), strict=True):
        key = f >> SHIFT
        found = out.setdefault(key >> 1, {})
        found.setdefault(PARAGRAPHS[key & 1], []).append((f & _POSITION, last & _POSITION))
    return out


def evaluate(
    node: ast.Node, leaf: LeafFn, paragraphs: tuple[str, ...] = PARAGRAPHS
) -> Matches | None:
    """Whether a unit satisfies ``node`` (None: it does not) and the occurrences that did
    (``evaluate_arrays`` on the one unit)."""
    converted: dict[int, Occurrences] = {}

    def as_arrays(n: ast.Node) -> Occurrences:
        got = converted.get(id(n))
        if got is None:
            got = converted[id(n)] = _to_occurrences(leaf(n))
        return got

    mask, occ = evaluate_arrays(node, as_arrays, np.zeros(1, dtype=np.int64), paragraphs)
    return _to_matches(occ) if mask[0] else None


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
        return joined_spans(self.text, [(w.start, w.end) for w in self.words], marked)


def joined_spans(
    text: str, word_spans: list[tuple[int, int]], marked: Iterable[int]
) -> tuple[tuple[int, int], ...]:
    """Character offsets of the marked words (indexes into ``word_spans``), words next to
    each other joined into one span where only a space or a hyphen parts them."""
    spans: list[list[int]] = []
    prev = -2
    for i in sorted(marked):
        start, end = word_spans[i]
        if spans and i == prev + 1 and _gap_is_joinable(text, spans[-1][1], start):
            spans[-1][1] = end
        else:
            spans.append([start, end])
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
