"""Which words of a provision satisfied a query, as offsets into its text and headings, and snippets.

The query is evaluated again on the one provision by corpus_tool.index.evaluate —
the evaluator that decided the hit — with the same words and positions as the
index, so for a connector only the words that satisfied it are marked, not
every occurrence of each term; a match in the headings is marked there.
"""

from __future__ import annotations

from corpus_tool import query as ast
from corpus_tool.index.evaluate import Unit


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
