"""Any document: headings and paragraphs, so every text can be searched by provision.

Also holds the two families whose structure is headings plus numbered units:
Federal Register notices (numbered questions under lettered/roman headings) and
licences (numbered clauses, lettered and roman sub-clauses, definitions).
Ids avoid running counters over the whole document where they can (a heading's
number or words, a defined term), so an edit elsewhere does not renumber them.
"""

from __future__ import annotations

import re
from itertools import pairwise
from statistics import median

from corpus_tool.model import Document
from corpus_tool.segment.common import (
    DOTTED_LABEL,
    LABEL,
    TITLE_SMALL_WORDS,
    defined_term,
    ends_sentence,
    lang_rx,
    layout_of,
    starts_lower,
)
from corpus_tool.segment.enums import Reading, roman_value
from corpus_tool.segment.lines import Line
from corpus_tool.segment.lists import PointTracker
from corpus_tool.segment.outline import Node, Outline

NUMBERED_HEADING = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+(\S.{0,120})$")
ROMAN_HEADING = re.compile(r"^([IVX]{1,5})\.\s+(\S.{0,120})$")
LETTER_HEADING = re.compile(r"^([A-Z])\.\s+(\S.{0,120})$")
NUMBERED_PARAGRAPH = re.compile(r"^(\d{1,3})\.\s+(?=[A-Z“‘\"(])")
QUESTION = re.compile(r"^(\d{1,3})\.\s+(?=\S)")
# "1.", "Section 2.", and Markdown's "1\\." or "3**." all number a clause.
CLAUSE = re.compile(r"^(?:Section\s+)?(\d{1,2})\**\\?\.\s*(?=\S|$)")
BULLET = re.compile(r"^[•▪●◦■\-–—*]\s+")


def slug(text: str, words: int = 6) -> str:
    parts = re.findall(r"[a-z0-9]+", text.lower())[:words]
    return "-".join(parts) or "untitled"


def _is_heading(line: Line, nxt: Line | None, prev: Line | None) -> bool:
    """A short line standing alone, not ending like a sentence."""
    t = line.text
    words = t.split()
    if not words or len(words) > 14 or len(t) > 110:
        return False
    if t.endswith((".", ",", ";", ":")):
        return False
    if nxt is not None and starts_lower(nxt.text) and not nxt.blank_before:
        return False  # a sentence wrapped onto the next line
    if LABEL.match(t) or BULLET.match(t):
        return False
    if len(words) > 1 and re.search(r"\s\d{1,3}$", t) and re.search(r"[A-Za-z]{3}", t):
        return False  # a table-of-contents entry ending in its page number
    if len(words) > 3 and lang_rx("eu", "heading_continues").search(t.lower()):
        return False  # ends mid-phrase: the first line of a paragraph
    if not (t[0].isupper() or t[0].isdigit()):
        return False
    if (
        prev is not None
        and not (ends_sentence(prev.text) or prev.text.endswith(":"))
        and not line.blank_before
        and not _is_heading_like(prev.text)
    ):
        return False
    if nxt is None:
        return False
    capitals = sum(1 for w in words if w[:1].isupper() or w[:1].isdigit())
    small = sum(1 for w in words if w.lower() in _SMALL)
    return t.isupper() or capitals + small >= len(words) or (line.blank_before and nxt.blank_before)


_SMALL = TITLE_SMALL_WORDS


def _is_heading_like(text: str) -> bool:
    return len(text.split()) <= 14 and not ends_sentence(text)


def _may_end_paragraph(text: str) -> bool:
    return ends_sentence(text) or text.endswith((":", ";")) or _is_heading_like(text)


def _breaks(lines: list[Line]) -> list[bool]:
    """For each line: does a new paragraph start here."""
    gaps = [
        b.top - a.bottom
        for a, b in pairwise(lines)
        if a.page == b.page
        and a.top is not None
        and b.top is not None
        and a.bottom is not None
        and b.top > a.top
    ]
    typical = median(gaps) if gaps else None
    heights = [ln.bottom - ln.top for ln in lines if ln.top is not None and ln.bottom is not None]
    height = median(heights) if heights else 10.0
    out: list[bool] = []
    for k, ln in enumerate(lines):
        if k == 0:
            out.append(True)
            continue
        prev = lines[k - 1]
        brk = ln.blank_before
        if not brk and typical is not None and prev.page == ln.page and ln.top is not None:
            assert prev.bottom is not None
            gap = ln.top - prev.bottom
            brk = gap > typical + 0.5 * height
        if not brk and ends_sentence(prev.text) and (LABEL.match(ln.text) or BULLET.match(ln.text)):
            brk = True
        if not brk and prev.page != ln.page and ends_sentence(prev.text) and ln.text[:1].isupper():
            brk = True
        if brk and k > 0 and starts_lower(ln.text):
            brk = False  # a sentence carried on past a column or page break
        if brk and ln.x0 is not None and not ln.blank_before and not _may_end_paragraph(prev.text):
            brk = False  # layout gaps inside a sentence (figures, columns) are not paragraphs
        out.append(brk)
    return out


def segment_into(
    doc: Document,
    lines: list[Line],
    outline: Outline,
    *,
    base_rank: float = 0.0,
    parent: Node | None = None,
    questions: bool = False,
) -> None:
    """Headings (containers) and paragraphs (units) of ``lines`` into ``outline``."""
    if not lines:
        return
    breaks = _breaks(lines)
    heading_rank = base_rank
    para_rank = base_rank + 0.9
    para_no: dict[str, int] = {}
    question_last = 0
    roman_last = letter_last = 0
    roman_cite = ""

    after_heading = False
    numbering: tuple[int, ...] = ()

    def follows(num: tuple[int, ...]) -> bool:
        """Whether a heading number continues the document's heading numbering."""
        if num[0] in (0, 1) and all(n == 1 for n in num[1:]):
            return True  # a first heading, or numbering that restarts after a contents list
        if numbering and num[0] == numbering[0] + 1 and all(n == 1 for n in num[1:]):
            return True  # "2.1" opens part 2 whose own heading is not numbered
        for depth in range(1, len(numbering) + 2):
            base = numbering[: depth - 1]
            if depth <= len(numbering):
                if num == (*base, numbering[depth - 1] + 1):
                    return True
            elif num == (*numbering, 1):
                return True
        return False

    def current_scope() -> str:
        top = outline.top()
        return "" if top is None or top is parent else f"{id(top)}"

    skip_to = 0
    numbered_last = 0
    for k, ln in enumerate(lines):
        if k < skip_to:
            continue
        nxt = lines[k + 1] if k + 1 < len(lines) else None
        prev = lines[k - 1] if k > 0 else None
        t = ln.text
        if questions:
            rm = ROMAN_HEADING.match(t)
            if rm and roman_value(rm.group(1)) == roman_last + 1 and _is_heading_like(rm.group(2)):
                roman_last += 1
                letter_last = 0
                num = rm.group(1)
                roman_cite = f"Part {num}"
                node = Node(
                    "heading",
                    f"part_{num}",
                    roman_cite,
                    roman_cite,
                    heading_rank,
                    ln.start,
                    ln.end,
                    scoped=False,
                )
                node.heading = rm.group(2).strip()
                outline.open(node)
                after_heading = True
                continue
            lm = LETTER_HEADING.match(t)
            if lm and ord(lm.group(1)) - 64 == letter_last + 1 and _is_heading_like(lm.group(2)):
                letter_last += 1
                num = lm.group(1)
                cite = f"{roman_cite}, {num}" if roman_cite else f"Part {num}"
                node = Node(
                    "heading",
                    f"sec_{num}",
                    cite,
                    cite,
                    heading_rank + 0.3,
                    ln.start,
                    ln.end,
                    scoped=bool(roman_cite),
                )
                node.heading = lm.group(2).strip()
                outline.open(node)
                after_heading = True
                continue
            qm = QUESTION.match(t)
            if qm and int(qm.group(1)) == question_last + 1:
                question_last += 1
                num = qm.group(1)
                outline.open(
                    Node(
                        "question",
                        f"q_{num}",
                        f"Question {num}",
                        f"Question {num}",
                        para_rank,
                        ln.start,
                        ln.start + qm.end(),
                        scoped=False,
                        unit=True,
                    )
                )
                continue
        hm = NUMBERED_HEADING.match(t)
        number = tuple(int(x) for x in hm.group(1).split(".")) if hm else ()
        # A numbered line out of sequence (a footnote, a list item) is not a heading.
        in_sequence = hm is None or follows(number)
        if (breaks[k] or after_heading) and in_sequence and _is_heading(ln, nxt, prev):
            if hm:
                numbering = number
                num = hm.group(1)
                depth = num.count(".")
                ident = "sec_" + num.replace(".", "_")
                cite = f"Section {num}"
                rank = heading_rank + 0.1 * depth
                title = hm.group(2)
            else:
                ident = "h_" + slug(t)
                cite = t
                rank = heading_rank + 0.5
                title = t
            node = Node(
                "heading", ident, cite, cite[:60], rank, ln.start, ln.end, scoped=parent is not None
            )
            node.heading = title.strip()
            # A heading wrapped onto a short line of its own ("… regulatory" / "environment").
            j = k + 1
            while j < len(lines) and j <= k + 2 and starts_lower(lines[j].text):
                if len(lines[j].text.split()) > 6 or ends_sentence(lines[j].text):
                    break
                node.heading += " " + lines[j].text
                node.body = lines[j].end
                j += 1
            skip_to = j
            outline.open(node)
            after_heading = True
            continue
        if breaks[k] or after_heading:
            after_heading = False
            outline.close_to(para_rank, ln.start)
            nm = NUMBERED_PARAGRAPH.match(t)
            if nm and int(nm.group(1)) == numbered_last + 1:
                # Paragraphs numbered through the document keep their printed number.
                numbered_last += 1
                node = Node(
                    "paragraph",
                    f"para_{numbered_last}",
                    f"Paragraph {numbered_last}",
                    f"Paragraph {numbered_last}",
                    para_rank,
                    ln.start,
                    ln.start + nm.end(),
                    scoped=False,
                    unit=True,
                )
                outline.open(node)
                continue
            scope = current_scope()
            para_no[scope] = para_no.get(scope, 0) + 1
            term = defined_term(t)
            if term:
                ident = "def_" + slug(term, 8)
                cite = f"Definition of “{term}”"
            else:
                ident = f"para_{para_no[scope]}"
                top = outline.top()
                base = top.citation if top is not None and top.rank < para_rank else ""
                cite = f"{base} ¶{para_no[scope]}".strip()
            node = Node("paragraph", ident, cite, cite, para_rank, ln.start, ln.start, unit=True)
            node.defined_term = term
            outline.open(node)


def segment_generic(doc: Document, lines: list[Line], *, questions: bool = False) -> list[Node]:
    outline = Outline(doc)
    segment_into(doc, lines, outline, questions=questions)
    return outline.finish()


# --- licences ----------------------------------------------------------------


def looks_like_licence(lines: list[Line]) -> bool:
    """Numbered clauses with short titles ("1. Definitions.", "2. Grant of License.")."""
    expected = None
    titled = 0
    for ln in lines:
        m = CLAUSE.match(ln.text)
        if not m:
            continue
        value = int(m.group(1))
        if expected is None and value not in (0, 1):
            continue
        if expected is not None and value != expected:
            continue
        expected = value + 1
        hm = re.match(r"^\**([A-Z][^.*]{0,80}?)\**\.", ln.text[m.end() :])
        if hm and _title_cased(hm.group(1)):
            titled += 1
    return titled >= 3


def _title_cased(phrase: str) -> bool:
    words = re.findall(r"[A-Za-z][\w'’-]*", phrase)
    if not words or len(words) > 10:
        return False
    return all(w[0].isupper() or w.lower() in _SMALL for w in words)


def segment_licence(doc: Document, lines: list[Line]) -> list[Node]:
    """Numbered clauses (1., Section 2), sub-clauses (a., (b), i.), definitions."""
    outline = Outline(doc)
    layout = layout_of(lines)
    points = PointTracker(2.0, layout, doc_hanging=False)
    breaks = _breaks(lines)
    last = -1
    clause: Node | None = None
    clause_indent: int | None = None
    preamble: list[Line] = []
    for k, ln in enumerate(lines):
        t = ln.text
        prev = lines[k - 1] if k > 0 else None
        cm = CLAUSE.match(t)
        if cm and clause_indent is not None and ln.x0 is None and ln.indent > clause_indent + 1:
            cm = None  # an indented numbered item belongs to the clause above it
        if cm and (int(cm.group(1)) == last + 1 or (last == -1 and int(cm.group(1)) in (0, 1))):
            if clause_indent is None:
                clause_indent = ln.indent
            if clause is None and preamble:
                segment_into(doc, preamble, outline)
            outline.close_to(float("-inf"), ln.start)
            last = int(cm.group(1))
            rest = t[cm.end() :]
            hm = re.match(r"^\**([A-Z][^.*]{0,80}?)\**\.(?:\s+|$)", rest)
            heading = hm.group(1) if hm and _is_heading_like(hm.group(1)) else ""
            if not heading and rest and len(rest.split()) <= 10 and not ends_sentence(rest):
                heading = rest.strip()
            body = ln.start + cm.end() + (hm.end() if heading and hm else 0)
            if heading and not hm:
                body = ln.end
            clause = Node(
                "clause",
                f"sec_{last}",
                f"Section {last}",
                f"Section {last}",
                1.0,
                ln.start,
                body,
                unit=True,
            )
            clause.heading = heading
            outline.open(clause)
            points.reset()
            continue
        if clause is None:
            preamble.append(ln)
            continue
        nxt = lines[k + 1] if k + 1 < len(lines) else None
        if (
            ln.blank_before
            and ln.indent <= (clause_indent or 0)
            and not (LABEL.match(t) or DOTTED_LABEL.match(t))
            and _is_heading(ln, nxt, prev)
            and (nxt is None or nxt.blank_before)
            and (t.isupper() or not ends_sentence(t))
            and len(t.split()) >= 3
        ):
            # A titled document appended after the clauses (an acceptable use policy,
            # an appendix): its own headings and paragraphs, not part of the last clause.
            outline.close_to(float("-inf"), ln.start)
            segment_into(doc, lines[k:], outline)
            return outline.finish()
        lm = LABEL.match(t) or DOTTED_LABEL.match(t)
        if lm:
            lead = prev is not None and prev.text.rstrip().endswith(":")

            def make(reading: Reading, lab: str, rank: float, _ln: Line = ln, _m=lm) -> Node:
                parent = outline.top()
                word = {"alpha": "para", "roman": "subpara", "ALPHA": "clause", "ROMAN": "clause"}
                kind = word.get(reading.style, "item")
                base = parent.citation if parent is not None else ""
                cite = f"{base}({lab})"
                return Node(
                    kind if kind != "para" else "paragraph",
                    f"{kind}_{lab}",
                    cite,
                    cite,
                    rank,
                    _ln.start,
                    _ln.start + _m.end(),
                )

            if points.try_open(outline, ln, lm.group(1), ln.start, lead_in_colon=lead, make=make):
                continue
        if breaks[k] and not points.open_points:
            term = defined_term(t)
            if term:
                outline.close_to(2.0, ln.start)
                node = Node(
                    "definition",
                    "def_" + slug(term, 8),
                    f"{clause.citation} “{term}”",
                    f"“{term}”",
                    2.0,
                    ln.start,
                    ln.start,
                )
                node.defined_term = term
                outline.open(node)
                continue
        points.text_line(outline, ln, prev)
    if clause is None and preamble:
        segment_into(doc, preamble, outline)
    return outline.finish()
