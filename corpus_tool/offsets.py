"""Whitespace collapsing that remembers where each character came from (offsets stay sacred).

``collapse_mapped`` gives the same text as ``outline.collapse`` over a span of
``Document.text`` (with some sub-spans left out), plus the runs that map every
character of the result back to its offset in the document — in the manner of
eyecite's ``SpanUpdater``. The runs are ``Provision.offset_map``
(docs/decisions.md, section 3).
"""

from __future__ import annotations

from collections.abc import Sequence

Runs = tuple[tuple[int, int, int], ...]


def collapse_mapped(
    text: str, start: int, end: int, skips: Sequence[tuple[int, int]] = ()
) -> tuple[str, Runs]:
    """``text[start:end]`` with each whitespace run made one space, trimmed, and its offset map.

    A span of ``skips`` inside [start, end) counts as one whitespace character
    (at its first offset), as outline.to_provisions always replaced it.
    A collapsed space maps to the first whitespace character it replaces.
    """
    inside = sorted((s, e) for s, e in skips if start <= s < e <= end)
    out: list[str] = []
    runs: list[list[int]] = []  # [text offset, doc offset, length]
    pending: int | None = None  # doc offset of the first whitespace of the current gap

    def emit(char: str, at: int) -> None:
        if runs:
            last = runs[-1]
            if last[0] + last[2] == len(out) and last[1] + last[2] == at:
                last[2] += 1
                out.append(char)
                return
        runs.append([len(out), at, 1])
        out.append(char)

    k = 0
    i = start
    while i < end:
        if k < len(inside) and i == inside[k][0]:
            if pending is None:
                pending = i
            i = inside[k][1]
            k += 1
            continue
        char = text[i]
        if char.isspace():
            if pending is None:
                pending = i
        else:
            if pending is not None and out:
                emit(" ", pending)
            pending = None
            emit(char, i)
        i += 1
    return "".join(out), tuple((t, d, n) for t, d, n in runs)


def to_document(runs: Runs, offset: int) -> int | None:
    """The document offset of the character at ``offset`` of the collapsed text (None: outside)."""
    lo, hi = 0, len(runs)
    while lo < hi:  # the last run starting at or before offset
        mid = (lo + hi) // 2
        if runs[mid][0] <= offset:
            lo = mid + 1
        else:
            hi = mid
    if lo == 0:
        return None
    t, d, n = runs[lo - 1]
    return d + (offset - t) if offset < t + n else None
