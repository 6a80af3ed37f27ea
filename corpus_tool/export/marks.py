"""Split a provision's text at marked spans so a report can wrap them (marks may overlap)."""

from __future__ import annotations

import itertools

from corpus_tool.export.selection import Mark


def segments(text: str, marks: list[Mark]) -> list[tuple[str, tuple[Mark, ...]]]:
    """``text`` cut at every mark boundary, each piece with the marks covering it."""
    cuts = {0, len(text)}
    for m in marks:
        cuts.update((m.start, m.end))
    bounds = sorted(c for c in cuts if 0 <= c <= len(text))
    out: list[tuple[str, tuple[Mark, ...]]] = []
    for start, end in itertools.pairwise(bounds):
        covering = tuple(m for m in marks if m.start <= start and end <= m.end)
        if out and out[-1][1] == covering:
            out[-1] = (out[-1][0] + text[start:end], covering)
        else:
            out.append((text[start:end], covering))
    return out
