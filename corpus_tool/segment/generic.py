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
    language,
    layout_of,
    rx,
    starts_lower,
)
from corpus_tool.segment.enums import Reading, roman_value
from corpus_tool.segment.framework import find_frameworks
from corpus_tool.segment.lines import Line
from corpus_tool.segment.lists import PointTracker
from corpus_tool.segment.outline import Node, Outline

NUMBERED_HEADING = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+(\S.{0,120})$")
ROMAN_HEADING = re.compile(r"^([IVX]{1,5})\.\s+(\S.{0,120})$")
LETTER_HEADING = re.compile(r"^([A-Z])\.\s+(\S.{0,120})$")
NUMBERED_PARAGRAPH = re.compile(r"^(\d{1,3})\.\s+(?=[A-Z“‘\"(])")
# Guidance numbers its paragraphs "(1)" … "(120)" through the document.
BRACKETED_PARAGRAPH = re.compile(r"^\((\d{1,3})\)\s+(?=[A-Z“‘\"(])")
QUESTION = re.compile(r"^(\d{1,3})\.\s+(?=\S)")
# "1.", "Section 2.", and Markdown's "1\\." or "3**." all number a clause.
CLAUSE = re.compile(r"^(?:Section\s+)?(\d{1,2})\**\\?\.\s*(?=\S|$)")
BULLET = re.compile(r"^[•▪●◦■\-–—*]\s+")
# The end of a line after which a list item may start ("… containing:", "…; and").
_LIST_MAY_FOLLOW = re.compile(r"(?:[.:;][\"”’)]?|;\s*(?:and|or)|\b(?:and|or))\s*$")


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


def numbered_paragraphs(lines: list[Line], breaks: list[bool]) -> dict[int, int]:
    """Line index -> number of the paragraphs a document numbers through its text.

    The longest run 1, 2, 3 … of paragraph starts in one style ("12." or "(12)")
    wins, so a short list numbered from 1 earlier (a correction slip, a list of
    questions) does not take the document's numbering, and a list numbered from 1
    inside a paragraph (a case study's steps) does not break it.
    """
    best: dict[int, int] = {}
    for pattern in (NUMBERED_PARAGRAPH, BRACKETED_PARAGRAPH):
        starts = [
            (k, int(m.group(1)))
            for k, ln in enumerate(lines)
            if (k == 0 or breaks[k] or _may_end_paragraph(lines[k - 1].text))
            and (m := pattern.match(ln.text))
        ]
        for i, (_, value) in enumerate(starts):
            if value != 1:
                continue
            run: dict[int, int] = {}
            expected = 1
            for k, v in starts[i:]:
                if v == expected:
                    run[k] = v
                    expected += 1
            # On a tie the later start wins: the earlier "1." began a list of its own
            # whose run only borrowed the document's numbers after it.
            if len(run) >= max(len(best), 3) and _through_sections(lines, breaks, run):
                best = run
    return best


def _through_sections(lines: list[Line], breaks: list[bool], run: dict[int, int]) -> bool:
    """A run numbers the document's paragraphs, not one list: it goes on across headings."""
    if len(run) >= 20:
        return True
    first, last = min(run), max(run)
    return any(
        breaks[k] and k not in run and _is_heading_like(lines[k].text) and len(lines[k].text) > 3
        for k in range(first + 1, last)
        if NUMBERED_HEADING.match(lines[k].text) or lines[k].text[:1].isupper()
    )


def front_matter(doc: Document, lines: list[Line]) -> set[int]:
    """Lines of cover, title and back pages, tables of contents and lists of figures."""
    out: set[int] = set()
    data = language()["front_matter"]
    heading, entry = rx(data["toc_heading"]), rx(data["toc_entry"])
    k, n = 0, len(lines)
    while k < n:
        if heading.match(lines[k].text):
            # Entries end in a page number; an entry may wrap over several lines (a
            # figure's caption), so the list goes on while another entry follows soon.
            last = k + 1
            j = k + 1
            while j < n and j - last < 8 and not heading.match(lines[j].text):
                if entry.match(lines[j].text):
                    last = j + 1
                j += 1
            if last - k >= 3:
                out.update(range(k, last))
                k = last
                continue
        k += 1
    if doc.boxes is not None and len(doc.pages) >= 4:
        text: dict[int, list[str]] = {}
        for ln in lines:
            text.setdefault(ln.page, []).append(ln.text)
        few = int(data["cover_words"])

        def cover_page(page: int) -> bool:
            """Few words and no sentence: a cover, title or back page."""
            joined = " ".join(text[page])
            if len(joined.split()) >= few:
                return False
            sentences = re.split(r"(?<=[.!?])\s+", joined)
            return not any(
                re.search(r"[a-z]{2,}[.!?]$", s) and len(re.findall(r"\b[a-z]{2,}\b", s)) >= 4
                for s in sentences
            )

        pages = sorted(text)
        cover = set()
        for page in pages[:3]:
            if not cover_page(page):
                break
            cover.add(page)
        if cover_page(pages[-1]):
            cover.add(pages[-1])
        out.update(k for k, ln in enumerate(lines) if ln.page in cover)
    return out


def _divisions() -> list[tuple[re.Pattern[str], dict]]:
    data = language()["soft_law"]
    return [(rx(data["division_line"].replace("{word}", d["word"])), d) for d in data["divisions"]]


def segment_into(
    doc: Document,
    lines: list[Line],
    outline: Outline,
    *,
    base_rank: float = 0.0,
    parent: Node | None = None,
    questions: bool = False,
    front: bool = False,
) -> None:
    """Headings (containers) and paragraphs (units) of ``lines`` into ``outline``.

    ``front``: recognise cover and back pages and tables of contents (whole documents
    only; a licence's preamble has none)."""
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

    chain = numbered_paragraphs(lines, breaks)
    hidden = front_matter(doc, lines) if front else set()
    frameworks = {fw.first: fw for fw in find_frameworks(lines, base_rank + 0.8)}
    divisions = _divisions()
    # A unit whose following paragraphs stay its text (a numbered paragraph of guidance,
    # a Measure of a code): its points (a), (i) are units of their own under it.
    holder: Node | None = None
    points = PointTracker(base_rank + 0.95, layout_of(lines), doc_hanging=False)

    def holding() -> Node | None:
        return holder if holder is not None and holder in outline.stack else None

    def make_point(reading: Reading, lab: str, rank: float, _ln: Line, _end: int) -> Node:
        up = outline.top()
        cite = f"{up.citation if up is not None else ''}({lab})"
        return Node("point", f"point_{lab}", cite, cite, rank, _ln.start, _end)

    skip_to = 0
    for k, ln in enumerate(lines):
        if k < skip_to:
            continue
        nxt = lines[k + 1] if k + 1 < len(lines) else None
        prev = lines[k - 1] if k > 0 else None
        t = ln.text
        if k in hidden:
            outline.skips.append((ln.start, ln.end))
            continue
        fw = frameworks.get(k)
        if fw is not None and fw.function is not None:
            outline.close_to(fw.function.rank, ln.start)
            outline.open(fw.function)
            end = lines[fw.last].start if fw.last < len(lines) else fw.function.end
            outline.close_to(fw.function.rank, end)
            outline.skips.extend(fw.noise)
            skip_to = fw.last
            holder, after_heading = None, False
            points.reset()
            continue
        if breaks[k] or after_heading or (prev is not None and ends_sentence(prev.text)):
            division = next(
                ((m, d) for pat, d in divisions if (m := pat.match(t)) and _is_heading_like(t)),
                None,
            )
            if division is not None:
                dm, d = division
                num = dm.group(2)
                cite = f"{dm.group(1)} {num}"
                node = Node(
                    d["kind"], f"{d['id']}_{num.replace('.', '_')}", cite, cite,
                    base_rank + float(d["rank"]), ln.start, ln.end,
                    scoped=False, unit=True, lead_in=True,
                )  # fmt: skip
                node.heading = dm.group(3).strip()
                skip_to = _wrapped_heading(node, lines, k, max_words=8)
                outline.open(node)
                holder, after_heading = node, True
                points.reset()
                continue
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
        numbered_head = hm is not None and (k + 1) in chain and _is_heading_like(t)
        if (
            (breaks[k] or after_heading)
            and in_sequence
            and (numbered_head or _is_heading(ln, nxt, prev))
        ):
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
            skip_to = _wrapped_heading(node, lines, k, max_words=6)
            outline.open(node)
            after_heading = True
            continue
        held = holding()
        lm = LABEL.match(t)
        may_list = prev is not None and bool(_LIST_MAY_FOLLOW.search(prev.text))
        if (
            (breaks[k] or after_heading or may_list)
            and held is not None
            and lm is not None
            and k not in chain
        ):
            label_end = ln.start + lm.end()
            while label_end < ln.end and doc.text[label_end].isspace():
                label_end += 1
            lead = prev is not None and prev.text.rstrip().endswith(":")

            def make(
                r: Reading, lab: str, rank: float, _ln: Line = ln, _e: int = label_end
            ) -> Node:
                return make_point(r, lab, rank, _ln, _e)

            if points.try_open(outline, ln, lm.group(1), ln.start, lead_in_colon=lead, make=make):
                after_heading = False
                continue
        if breaks[k] or after_heading or k in chain:
            after_heading = False
            if k in chain:
                # Paragraphs numbered through the document keep their printed number and
                # are cited as lawyers cite them: "para. 89", with their section as path.
                printed = chain[k]
                outline.close_to(para_rank, ln.start)
                nm = NUMBERED_PARAGRAPH.match(t) or BRACKETED_PARAGRAPH.match(t)
                assert nm is not None
                body = ln.start + nm.end()
                node = Node(
                    "paragraph", f"para_{printed}", f"para. {printed}", f"para. {printed}",
                    para_rank, ln.start, body, scoped=False, unit=True, lead_in=True,
                )  # fmt: skip
                outline.open(node)
                holder = node
                points.reset()
                continue
            if held is not None:
                # More text of the numbered paragraph or measure (after its list, or
                # across a page): it stays the holder's text, its points are closed.
                outline.close_to(points.base_rank, ln.start)
                points.reset()
                continue
            outline.close_to(para_rank, ln.start)
            scope = current_scope()
            para_no[scope] = para_no.get(scope, 0) + 1
            term = defined_term(t)
            if term:
                ident = "def_" + slug(term, 8)
                cite = f"Definition of “{term}”"
            else:
                # Where the document numbers its paragraphs, "para_n" is the printed one.
                ident = f"{'text' if chain and not scope else 'para'}_{para_no[scope]}"
                top = outline.top()
                base = top.citation if top is not None and top.rank < para_rank else ""
                cite = f"{base} ¶{para_no[scope]}".strip()
            node = Node("paragraph", ident, cite, cite, para_rank, ln.start, ln.start, unit=True)
            node.defined_term = term
            outline.open(node)


def segment_generic(
    doc: Document, lines: list[Line], *, questions: bool = False
) -> tuple[list[Node], list[tuple[int, int]]]:
    """Headings, paragraphs and numbered units of any document, and the spans of its
    front matter (cover, contents) and table furniture, which are in no provision."""
    outline = Outline(doc)
    segment_into(doc, lines, outline, questions=questions, front=True)
    return outline.finish(), outline.skips


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
                    unit=True,  # a definition is a unit of its own (decisions.md s.2)
                )
                node.defined_term = term
                clause.lead_in = True
                outline.open(node)
                continue
        points.text_line(outline, ln, prev)
    if clause is None and preamble:
        segment_into(doc, preamble, outline)
    return outline.finish()


def _wrapped_heading(node: Node, lines: list[Line], k: int, *, max_words: int) -> int:
    """Join a heading wrapped onto up to two short lower-case lines ("… regulatory" /
    "environment") to ``node.heading``; returns the index of the first line after it."""
    j = k + 1
    while j < len(lines) and j <= k + 2 and starts_lower(lines[j].text):
        if len(lines[j].text.split()) > max_words or ends_sentence(lines[j].text):
            break
        node.heading += " " + lines[j].text
        node.body = lines[j].end
        j += 1
    return j
