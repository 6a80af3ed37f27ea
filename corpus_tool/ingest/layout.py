"""Page layout from positioned characters: columns, printed lines, footnote blocks.

Pure functions over small records. Input is the character list of one page as
pdfplumber gives it (``page.chars``); output is a :class:`PageLayout` whose
lines carry their text and one box per character, in reading order (column by
column, top to bottom). Nothing here knows any particular document: columns
come from vertical white gutters, spaces from glyph gaps, footnotes from type
size and position at the foot of a column.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

# A gap wider than this share of the font size between two glyphs is a word
# space, even when the PDF draws no space character (pdfTeX output, for one).
SPACE_GAP = 0.12
# Ligatures printed as one glyph are expanded so words read as words.
LIGATURES = {"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"}
# Footnote labels as printed at the start of a footnote: "(12)", "12", "*", "†".
FOOTNOTE_LABEL = re.compile(r"^\s*(\(\d{1,3}\)|\d{1,3}(?=\s|[A-Z(‘“'\"])|[*†‡])")


@dataclass(slots=True)
class Glyph:
    """One visible character of a page."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    size: float
    space_before: bool = False  # the PDF drew a space character just before it


@dataclass(slots=True)
class Line:
    """One printed line: its text and a box per character of the text."""

    text: str
    x0s: array
    tops: array
    x1s: array
    bottoms: array
    size: float  # dominant font size of the line
    column: int = 0
    role: str = "body"  # body | footnote | rule
    gap_before: float = 0.0  # vertical space above the line, in points
    paragraph_start: bool = False
    superscripts: list[tuple[int, int]] = field(default_factory=list)  # spans in text
    label: str = ""  # footnote label, on the first line of a footnote
    band: str = ""  # "head" / "foot": a row in the page margin, apart from the body

    @property
    def x0(self) -> float:
        return min(self.x0s) if self.x0s else 0.0

    @property
    def x1(self) -> float:
        return max(self.x1s) if self.x1s else 0.0

    @property
    def top(self) -> float:
        return min(self.tops) if self.tops else 0.0

    @property
    def bottom(self) -> float:
        return max(self.bottoms) if self.bottoms else 0.0


@dataclass(slots=True)
class PageLayout:
    """The lines of one page in reading order, and what was set aside."""

    number: int
    width: float
    height: float
    lines: list[Line]
    removed: list[str]  # text the reader never sees: rotated stamps, invisible marks
    char_count: int  # visible characters found on the page
    body_size: float = 0.0  # dominant font size of the page


# --- characters ---------------------------------------------------------------


def _is_white(color: Any) -> bool:
    if not isinstance(color, (tuple, list)) or not color:
        return False
    values = [v for v in color if isinstance(v, (int, float))]
    if not values:
        return False
    if len(values) == 4:  # CMYK: white is no ink at all
        return all(v <= 0.02 for v in values)
    return all(v >= 0.98 for v in values)


def visible_glyphs(
    chars: Iterable[dict[str, Any]], width: float, height: float
) -> tuple[list[Glyph], list[str]]:
    """The characters a reader sees; rotated margin stamps and invisible printer marks apart.

    Rotated (non-upright) text on these pages is a margin stamp or a spine
    label; white text in the margins or in tiny type is a printer's job mark.
    White text inside the page in normal sizes is kept (a designed page may
    print white on a coloured box).
    """
    glyphs: list[Glyph] = []
    removed: list[str] = []
    pending_space = False
    for c in chars:
        text = c.get("text", "")
        if not text:
            continue
        x0, top, x1, bottom = float(c["x0"]), float(c["top"]), float(c["x1"]), float(c["bottom"])
        size = float(c.get("size") or (bottom - top) or 1.0)
        if not c.get("upright", True):
            removed.append(text)
            continue
        in_margin = top > height * 0.94 or bottom < height * 0.03 or x1 < width * 0.04
        if _is_white(c.get("non_stroking_color")) and (size < 7.0 or in_margin):
            removed.append(text)
            continue
        if x1 < 0 or x0 > width or bottom < 0 or top > height:
            continue  # drawn off the page: never seen
        if text.isspace():
            pending_space = True
            continue
        glyphs.append(Glyph(text, x0, top, x1, bottom, size, pending_space))
        pending_space = False
    return glyphs, removed


# --- columns ------------------------------------------------------------------


def _rows(glyphs: Sequence[Glyph]) -> dict[int, list[Glyph]]:
    """Glyphs grouped by baseline (within a third of the type size), top to bottom."""
    rows: dict[int, list[Glyph]] = {}
    start = -1e9
    key = -1
    for g in sorted(glyphs, key=lambda g: g.bottom):
        if g.bottom - start > 0.3 * max(g.size, 1.0):
            key += 1
            start = g.bottom
            rows[key] = []
        rows[key].append(g)
    return rows


def _vertical_split(glyphs: Sequence[Glyph]) -> tuple[list[list[Glyph]], list[Glyph]]:
    """Split a block at vertical white gutters into columns, left to right.

    A gutter is an x-range at least ~6 pt (and most of an em) wide that no
    row of the block crosses (a very long block may have a stray crossing
    row), with text on both sides. A "column" of nothing but short labels
    (hanging recital or paragraph numbers) is not a column: it is read with
    the text to its right.
    """
    rows = _rows(glyphs)
    if len(rows) < 2:
        return [list(glyphs)], []
    size = _dominant_size(glyphs) or 10.0
    left = int(min(g.x0 for g in glyphs))
    right = int(max(g.x1 for g in glyphs)) + 1
    span = right - left + 2
    cover = [0] * span
    # The first and last rows of a longer block may run across a gutter (a
    # caption or heading over a table, a closing line): such rows are then
    # read as bands of their own, which keeps the reading order.
    keys = sorted(rows)
    inner = keys[1:-1] if len(keys) >= 6 else keys
    for key in inner:
        row = rows[key]
        seen = bytearray(span)
        for g in row:
            for b in range(max(int(g.x0) - left, 0), min(int(g.x1) + 1 - left, span)):
                seen[b] = 1
        for b in range(span):
            cover[b] += seen[b]
    # Rows allowed across a gutter: a full-width heading now and then on a long page.
    allowed = len(rows) // 80
    min_width = max(6.0, 0.7 * size)
    cuts: list[float] = []
    b = 1
    while b < span - 1:
        if cover[b] <= allowed:
            e = b
            while e < span - 1 and cover[e] <= allowed:
                e += 1
            if e - b >= min_width and e < right - left:
                cuts.append(left + (b + e) / 2)
            b = e
        else:
            b += 1
    if not cuts:
        return [list(glyphs)], []
    # Rows that run across a gutter (a full-width running head or title) are
    # not column text; the caller reads them as bands of their own.
    spanning: list[Glyph] = []
    inside: list[Glyph] = []
    for row in rows.values():
        row.sort(key=lambda g: g.x0)
        crosses = any(g.x0 < x < g.x1 for g in row for x in cuts) or any(
            a.x1 <= x <= b.x0 and b.x0 - a.x1 < min_width
            for a, b in itertools.pairwise(row)
            for x in cuts
        )
        (spanning if crosses else inside).extend(row)
    if spanning:
        return [list(glyphs)], spanning
    edges = [-1e9, *cuts, 1e9]
    regions: list[list[Glyph]] = [[] for _ in range(len(edges) - 1)]
    for g in glyphs:
        mid = (g.x0 + g.x1) / 2
        for i in range(len(regions)):
            if edges[i] <= mid < edges[i + 1]:
                regions[i].append(g)
                break
    regions = [r for r in regions if r]
    # Columns stand side by side: blocks that do not share any height are
    # stacked text (a heading set to the left of the next one), not columns.
    for left_region, right_region in itertools.pairwise(regions):
        top = max(min(g.top for g in left_region), min(g.top for g in right_region))
        bottom = min(max(g.bottom for g in left_region), max(g.bottom for g in right_region))
        if bottom - top < size:
            return [list(glyphs)], []
    merged: list[list[Glyph]] = []
    carry: list[Glyph] = []
    for i, region in enumerate(regions):
        region_rows = _rows(region)
        short = sum(1 for r in region_rows.values() if len(r) <= 6)
        labels = short >= 0.8 * len(region_rows)
        if len(region_rows) < 2 and not labels:
            # One line beside others is a widely spaced line (a justified
            # title), not a column.
            return [list(glyphs)], []
        if labels and i < len(regions) - 1:
            carry.extend(region)  # hanging labels join the text to their right
            continue
        if labels and merged:
            merged[-1].extend(region)
            continue
        merged.append(carry + region)
        carry = []
    if carry:
        merged.append(carry)
    return merged, []


def _horizontal_split(glyphs: Sequence[Glyph]) -> list[list[Glyph]]:
    """Split a block at horizontal white bands taller than normal line spacing."""
    size = _dominant_size(glyphs) or 10.0
    ordered = sorted(glyphs, key=lambda g: g.top)
    bands: list[list[Glyph]] = [[ordered[0]]]
    bottom = ordered[0].bottom
    for g in ordered[1:]:
        if g.top - bottom > 0.8 * size:
            bands.append([g])
        else:
            bands[-1].append(g)
        bottom = max(bottom, g.bottom)
    return bands


# A title block set across the columns of a page takes at most this share of its height.
TITLE_SHARE = 0.4
# Columns of running text under such a title are of about equal width (a table's are not).
EQUAL_COLUMNS = 0.85


def _columns_under_a_title(
    glyphs: Sequence[Glyph],
) -> tuple[list[Glyph], list[list[Glyph]]] | None:
    """A title block across the page, then columns read each from top to bottom.

    The first page of an act printed in two columns (the Official Journal
    before about 2003) sets the title across both columns and then the
    citations and recitals in two columns. The title's rows cross the gutter,
    so no gutter runs through the whole page; below the title it does. The
    columns must be of about equal width and nothing below the title may cross
    the gutter, so a table under a paragraph is still read band by band.
    """
    top = min(g.top for g in glyphs)
    bottom = max(g.bottom for g in glyphs)
    height = bottom - top
    lower = [g for g in glyphs if g.top >= top + TITLE_SHARE * height]
    columns, spanning = _vertical_split(lower)
    if len(columns) < 2 or spanning:
        return None
    widths = [max(g.x1 for g in c) - min(g.x0 for g in c) for c in columns]
    if min(widths) < EQUAL_COLUMNS * max(widths):
        return None
    edges = sorted(
        (max(g.x1 for g in a), min(g.x0 for g in b)) for a, b in itertools.pairwise(columns)
    )
    cuts = [(right + left) / 2 for right, left in edges]
    rows = [sorted(r, key=lambda g: g.x0) for r in _rows(glyphs).values()]

    def crosses(row: list[Glyph]) -> bool:
        return any(g.x0 < x < g.x1 for g in row for x in cuts) or any(
            a.x1 <= x <= b.x0 and b.x0 - a.x1 < 6.0
            for a, b in itertools.pairwise(row)
            for x in cuts
        )

    crossing = [i for i, row in enumerate(rows) if crosses(row)]
    if not crossing:
        return None
    # The title is everything down to the last row across the gutter (a short
    # centred line of it, "of 22 May 2001", may sit on one side of the gutter).
    last = crossing[-1]
    title = [g for row in rows[: last + 1] for g in row]
    if max(g.bottom for g in title) > top + TITLE_SHARE * height:
        return None
    below = [g for row in rows[last + 1 :] for g in row]
    split, spanning = _vertical_split(below)
    if len(split) < 2 or spanning:
        return None
    return title, split


def reading_blocks(
    glyphs: Sequence[Glyph], column: tuple[int, ...] = (), depth: int = 0
) -> list[tuple[tuple[int, ...], list[Glyph]]]:
    """Blocks of a page in reading order (recursive XY cut), each with its column path.

    Vertical cuts (columns) are tried before horizontal ones (white bands), so
    a three-column page is read column by column, and a table below a full
    width paragraph is read cell column by cell column rather than across.
    """
    if len(glyphs) < 2 or depth > 16:
        return [(column, list(glyphs))]
    columns, spanning = _vertical_split(glyphs)
    if spanning:
        # Cut the block into bands above, at and below each spanning row.
        marks = {id(g) for g in spanning}
        ordered = sorted(glyphs, key=lambda g: (g.top + g.bottom) / 2)
        bands: list[list[Glyph]] = []
        kind: list[bool] = []
        for g in ordered:
            is_span = id(g) in marks
            if not bands or kind[-1] != is_span:
                bands.append([])
                kind.append(is_span)
            bands[-1].append(g)
        if len(bands) > 1:
            out: list[tuple[tuple[int, ...], list[Glyph]]] = []
            for band in bands:
                out.extend(reading_blocks(band, column, depth + 1))
            return out
        return [(column, list(glyphs))]
    if len(columns) > 1:
        out = []
        for i, col in enumerate(columns):
            out.extend(reading_blocks(col, (*column, i), depth + 1))
        return out
    if depth == 0:
        titled = _columns_under_a_title(glyphs)
        if titled is not None:
            title, below = titled
            out = reading_blocks(title, column, depth + 1)
            for i, col in enumerate(below):
                out.extend(reading_blocks(col, (*column, i + 1), depth + 1))
            return out
    bands = _horizontal_split(glyphs)
    if len(bands) > 1:
        out = []
        for band in bands:
            out.extend(reading_blocks(band, column, depth + 1))
        return out
    return [(column, list(glyphs))]


# --- lines --------------------------------------------------------------------


def _cluster_lines(glyphs: list[Glyph]) -> list[list[Glyph]]:
    """Group glyphs into printed lines.

    A glyph joins a line when it overlaps the line vertically and either sits
    on the line's baseline or is a smaller raised (or lowered) glyph - a note
    call. Type of a different size on another baseline (a display heading
    beside body text) makes a line of its own even where the boxes overlap.
    """
    # Display glyphs many times the text size (a huge section number on a
    # designed page) would tie several lines together: each stands alone.
    common = _dominant_size(glyphs) or 10.0
    huge = [g for g in glyphs if g.size > 3 * common]
    if huge:
        rest = [g for g in glyphs if g.size <= 3 * common]
        return sorted(_cluster_lines(huge) + _cluster_lines(rest), key=_baseline)
    ordered = sorted(glyphs, key=lambda g: (g.top + g.bottom) / 2)
    lines: list[list[Glyph]] = []
    spans: list[tuple[float, float, float, float]] = []
    for g in ordered:
        h = max(g.bottom - g.top, 0.1)
        placed = False
        # Only the last few lines can overlap a glyph sorted by its middle.
        for i in range(len(lines) - 1, max(len(lines) - 4, -1), -1):
            top, bottom, base, size = spans[i]
            overlap = min(bottom, g.bottom) - max(top, g.top)
            if overlap < 0.5 * min(h, bottom - top):
                continue
            # Same-size type on another baseline is the next line set tight;
            # a glyph of another size off the baseline is a raised note call.
            on_baseline = abs(g.bottom - base) <= 0.35 * max(g.size, size)
            other_size = abs(g.size - size) > 0.05 * max(g.size, size)
            if not (on_baseline or other_size):
                continue
            lines[i].append(g)
            if g.size > size or (g.size == size and on_baseline):
                base, size = (g.bottom, g.size) if g.size >= size else (base, size)
            spans[i] = (min(top, g.top), max(bottom, g.bottom), base, size)
            placed = True
            break
        if not placed:
            lines.append([g])
            spans.append((g.top, g.bottom, g.bottom, g.size))
    for line in lines:
        line.sort(key=lambda g: g.x0)
    lines.sort(key=lambda ln: _baseline(ln))
    return lines


def _dominant_size(glyphs: Sequence[Glyph]) -> float:
    sizes = Counter(round(g.size, 1) for g in glyphs)
    return sizes.most_common(1)[0][0] if sizes else 0.0


def _baseline(glyphs: Sequence[Glyph]) -> float:
    size = _dominant_size(glyphs)
    main = [g.bottom for g in glyphs if abs(g.size - size) < 0.5] or [g.bottom for g in glyphs]
    return max(main)


def build_line(glyphs: Sequence[Glyph]) -> Line:
    """One printed line's text, with recovered spaces and a box per character."""
    size = _dominant_size(glyphs)
    text: list[str] = []
    x0s, tops, x1s, bottoms = array("f"), array("f"), array("f"), array("f")
    supers: list[tuple[int, int]] = []
    prev: Glyph | None = None
    sup_start: int | None = None
    # Letter-spaced type (headings set with tracking) has a gap between every
    # pair of letters; a word space is that usual gap plus a share of the size.
    gaps = sorted(max(b.x0 - a.x1, 0.0) for a, b in itertools.pairwise(glyphs))
    tracking = min(gaps[len(gaps) // 2], 0.3 * size) if gaps else 0.0
    for g in glyphs:
        if prev is not None:
            # A glyph drawn twice at the same place (fake bold) is read once.
            if g.text == prev.text and abs(g.x0 - prev.x0) < 0.5 and abs(g.top - prev.top) < 0.5:
                continue
            gap = g.x0 - prev.x1
            limit = tracking + SPACE_GAP * min(max(g.size, prev.size), size or g.size)
            if g.space_before or gap > limit:
                text.append(" ")
                x0s.append(prev.x1)
                tops.append(prev.top)
                x1s.append(max(g.x0, prev.x1))
                bottoms.append(prev.bottom)
        is_super = size > 0 and g.size < 0.8 * size and _baseline([g]) < _baseline(glyphs) - 0.5
        chars = LIGATURES.get(g.text) or g.text
        if is_super and sup_start is None:
            # A note call printed against a word ("general32") is read apart
            # from it, so the word stays searchable.
            if text and text[-1].isalpha() and chars[:1].isdigit():
                text.append(" ")
                x0s.append(x1s[-1])
                tops.append(tops[-1])
                x1s.append(g.x0)
                bottoms.append(bottoms[-1])
            sup_start = len(text)
        if not is_super and sup_start is not None:
            supers.append((sup_start, len(text)))
            sup_start = None
        for ch in chars:
            text.append(ch)
            x0s.append(g.x0)
            tops.append(g.top)
            x1s.append(g.x1)
            bottoms.append(g.bottom)
        prev = g
    if sup_start is not None:
        supers.append((sup_start, len(text)))
    return Line("".join(text), x0s, tops, x1s, bottoms, size, superscripts=supers)


# --- footnotes ----------------------------------------------------------------


def _is_rule(line: Line) -> bool:
    stripped = line.text.replace(" ", "")
    return bool(stripped) and set(stripped) <= set("_-–—‒―")


def _label_of(line: Line) -> str:
    """The footnote label a line starts with, or ''."""
    if line.superscripts and line.superscripts[0][0] == 0:
        s, e = line.superscripts[0]
        label = line.text[s:e].strip().strip("()")
        if label:
            return label
    m = FOOTNOTE_LABEL.match(line.text)
    return m.group(1).strip("()") if m else ""


def mark_footnotes(lines: list[Line], body_size: float) -> None:
    """Mark the block of small-type lines at the foot of a column as footnotes.

    The block is the run of lines at the bottom, set smaller than the body
    (and any rule above it). It counts as footnotes only when it starts with a
    printed label, so small-type notes that are not footnotes stay body text.
    """
    if not lines or body_size <= 0:
        return
    i = len(lines)
    while i > 0:
        line = lines[i - 1]
        if _is_rule(line) or line.size < body_size * 0.93:
            i -= 1
            continue
        break
    block = [ln for ln in lines[i:] if not _is_rule(ln)]
    # A block may begin with the end of a note carried over from the previous
    # column or page; it counts as notes when some line in it starts a note.
    if not block or not any(_label_of(ln) for ln in block):
        return
    if len(block) > 0.8 * len(lines) and len(lines) > 5:
        return  # a page set entirely in small type is body text, not notes
    for ln in lines[i:]:
        if _is_rule(ln):
            ln.role = "rule"
            continue
        ln.role = "footnote"
        label = _label_of(ln)
        # A new footnote starts at a label on (or indented from) the block's left edge.
        if label and ln.x0 <= min(b.x0 for b in block) + 2 * ln.size:
            ln.label = label


# --- page ---------------------------------------------------------------------


def layout_page(
    chars: Iterable[dict[str, Any]], number: int, width: float, height: float
) -> PageLayout:
    """Lines of a page in reading order (block by block, column by column)."""
    glyphs, removed = visible_glyphs(chars, width, height)
    body_size = _dominant_size(glyphs)
    heads, body, feet = _split_margins(glyphs, height)
    out: list[Line] = []
    for cluster in heads:
        out.append(build_line(cluster))
        out[-1].band = "head"
    column_ids: dict[tuple[int, ...], int] = {(): 0}
    # x-extent and last line of each top-level column, to read a foot row that runs
    # under two columns as the end of each column, not as one line across them.
    extents: dict[int, list[float]] = {}
    last_line: dict[int, int] = {}
    for column, block in reading_blocks(body):
        cid = column_ids.setdefault(column, len(column_ids))
        if not block:
            continue  # a page with no body text
        top_col = column[0] if column else 0
        box = extents.setdefault(top_col, [min(g.x0 for g in block), max(g.x1 for g in block)])
        box[0] = min(box[0], min(g.x0 for g in block))
        box[1] = max(box[1], max(g.x1 for g in block))
        for cluster in _cluster_lines(block):
            line = build_line(cluster)
            line.column = cid
            out.append(line)
            last_line[top_col] = len(out) - 1
    gutters = _gutters(extents)
    placed: list[tuple[int, Line]] = []
    for cluster in feet:
        pieces = _split_row(cluster, gutters)
        if len(pieces) < 2:
            out.append(build_line(cluster))
            out[-1].band = "foot"
            out[-1].column = -1
            continue
        for top_col, piece in pieces:
            line = build_line(piece)
            line.band = "foot"
            placed.append((last_line.get(top_col, len(out) - 1), line))
    # Insert each piece after the last line of its column, latest positions first and,
    # at one position, the lowest row first, so the rows end up top to bottom.
    order = sorted(range(len(placed)), key=lambda i: (placed[i][0], i), reverse=True)
    for i in order:
        out.insert(placed[i][0] + 1, placed[i][1])
    return PageLayout(number, width, height, out, removed, len(glyphs), body_size)


def _gutters(extents: dict[int, list[float]]) -> list[tuple[float, int, int]]:
    """(x middle, left column, right column) of the white gutters between top-level columns."""
    ordered = sorted(extents.items(), key=lambda kv: kv[1][0])
    return [
        ((a[1] + b[0]) / 2, ca, cb)
        for (ca, a), (cb, b) in itertools.pairwise(ordered)
        if a[1] < b[0]
    ]


def _split_row(
    row: list[Glyph], gutters: list[tuple[float, int, int]]
) -> list[tuple[int, list[Glyph]]]:
    """A margin row cut where it crosses a gutter of the body with white space (column, glyphs)."""
    if not gutters:
        return []
    glyphs = sorted(row, key=lambda g: g.x0)
    pieces: list[tuple[int, list[Glyph]]] = []
    current: list[Glyph] = [glyphs[0]]
    column = gutters[0][1]
    for a, b in itertools.pairwise(glyphs):
        cut = next((g for g in gutters if a.x1 <= g[0] <= b.x0 and b.x0 - a.x1 >= 6.0), None)
        if cut is not None:
            pieces.append((column, current))
            current, column = [], cut[2]
        current.append(b)
    pieces.append((column, current))
    return pieces if len(pieces) > 1 else []


def _split_margins(
    glyphs: list[Glyph], height: float
) -> tuple[list[list[Glyph]], list[Glyph], list[list[Glyph]]]:
    """Rows in the top and bottom margins, set apart from the body by white space.

    These are where running heads, feet and page numbers live; they are read
    as whole rows and never take part in finding columns.
    """
    if not glyphs:
        return [], glyphs, []
    rows = _cluster_lines(glyphs)
    size = _dominant_size(glyphs) or 10.0

    def outer(ordered: list[list[Glyph]], inside_band: Any, gap_of: Any) -> int:
        # The outermost rows up to the first white gap, if all lie in the band.
        i = 0
        while i < len(ordered) and i < 4 and inside_band(ordered[i]):
            if i + 1 < len(ordered) and gap_of(ordered[i], ordered[i + 1]) >= 0.8 * size:
                return i + 1
            i += 1
        return 0

    by_top = sorted(rows, key=lambda r: min(g.top for g in r))
    n_head = outer(
        by_top,
        lambda r: max(g.bottom for g in r) < height * 0.12,
        lambda a, b: min(g.top for g in b) - max(g.bottom for g in a),
    )
    by_bottom = sorted(rows, key=lambda r: -max(g.bottom for g in r))
    n_foot = outer(
        by_bottom[: max(0, len(rows) - n_head)],
        lambda r: min(g.top for g in r) > height * 0.88,
        lambda a, b: min(g.top for g in a) - max(g.bottom for g in b),
    )
    heads = by_top[:n_head]
    feet = list(reversed(by_bottom[:n_foot]))
    margin = {id(g) for r in heads + feet for g in r}
    return heads, [g for g in glyphs if id(g) not in margin], feet


def finish_page(layout: PageLayout) -> None:
    """Mark footnotes and paragraph breaks (after running heads and feet are gone)."""
    # Margin rows that were not running heads or feet (a last footnote line
    # low on the page) belong to the column above them.
    previous = 0
    for ln in layout.lines:
        if ln.band == "foot":
            ln.column = previous
        previous = ln.column
    columns: dict[int, list[Line]] = {}
    for ln in layout.lines:
        columns.setdefault(ln.column, []).append(ln)
    for col_lines in columns.values():
        mark_footnotes(col_lines, layout.body_size)
    _mark_paragraphs(layout.lines)


def _mark_paragraphs(lines: list[Line]) -> None:
    """Record the white space above each line and whether it starts a paragraph."""
    # The line pitch is the usual distance between lines set one under the
    # other (between 0.9 and 1.6 times the type size); more is a paragraph break.
    pitches = [
        b.bottom - a.bottom
        for a, b in itertools.pairwise(lines)
        if a.column == b.column
        and a.role == b.role
        and 0.9 * a.size <= b.bottom - a.bottom <= 1.6 * max(a.size, b.size)
    ]
    size = max((ln.size for ln in lines), default=0.0)
    pitch = sorted(pitches)[len(pitches) // 2] if pitches else 1.2 * size
    prev: Line | None = None
    for ln in lines:
        if prev is None or prev.column != ln.column or prev.role != ln.role:
            ln.gap_before = 0.0
            ln.paragraph_start = prev is None or prev.role != ln.role
        else:
            ln.gap_before = ln.bottom - prev.bottom
            ln.paragraph_start = pitch > 0 and ln.gap_before > pitch * 1.45
        prev = ln


def normalise_for_repetition(text: str) -> str:
    """A line's text with numbers and spacing flattened, to spot running heads and feet."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"\d+", "#", text)
    text = re.sub(r"\b[ivxlc]+\b", "#", text)  # roman page numbers
    return re.sub(r"\s+", "", text)
