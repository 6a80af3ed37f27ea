"""Which words of a provision satisfied a query, as offsets into its text and headings, and snippets.

The query is evaluated again on the one provision by corpus_tool.index.evaluate —
the evaluator that decided the hit — with the same words and positions as the
index, so for a connector only the words that satisfied it are marked, not
every occurrence of each term; a match in the headings is marked there.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import islice

from corpus_tool import query as ast
from corpus_tool.index.analysis import SENTENCE_STRIDE, WORD_RE
from corpus_tool.index.evaluate import Interval, Matches, Unit, joined_spans


def unit_highlights(
    text: str, headings: str, node: ast.Node | None
) -> tuple[tuple[tuple[int, int], ...], tuple[tuple[int, int], ...]]:
    """Offsets of the words that satisfied the query in ``text`` and in ``headings``."""
    if node is None:
        return (), ()
    unit = Unit(text, headings)
    found = unit.matches(node) or {}
    return (
        unit.paragraphs["text"].offsets(found.get("text", ())),
        unit.paragraphs["heading"].offsets(found.get("heading", ())),
    )


def offsets_at(text: str, intervals: Iterable[Interval]) -> tuple[tuple[int, int], ...]:
    """Character offsets in ``text`` of the words at these index positions.

    A position's word number is the word's place among all the words of its
    paragraph (corpus_tool.index.analysis.words numbers them across sentences, and
    sentences split the text only between words), so the words are found by the
    word pattern alone, without splitting sentences again.
    """
    intervals = list(intervals)
    if not intervals or not text:
        return ()
    words = [(first % SENTENCE_STRIDE, last % SENTENCE_STRIDE) for first, last in intervals]
    # the words up to the last one marked (a long provision's tail is not scanned)
    spans = [m.span() for m in islice(WORD_RE.finditer(text), max(j for _, j in words) + 1)]
    marked: set[int] = set()
    for i, j in words:
        if j < len(spans):
            marked.update(range(i, j + 1))
    return joined_spans(text, spans, marked)


def matched_highlights(
    text: str, headings: str, found: Matches
) -> tuple[tuple[tuple[int, int], ...], tuple[tuple[int, int], ...]]:
    """``unit_highlights`` from the occurrences the evaluator found in the index."""
    return offsets_at(text, found.get("text", ())), offsets_at(headings, found.get("heading", ()))


def highlights(text: str, node: ast.Node | None) -> tuple[tuple[int, int], ...]:
    """Offsets in ``text`` of the words that satisfied the query, merged and sorted."""
    if not text:
        return ()
    return unit_highlights(text, "", node)[0]


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
