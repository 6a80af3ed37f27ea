"""US state bills (enrolled acts, session laws): bill sections, the statute sections they
add or amend, and those sections' subsections (1), (a), (I), (A).

A bill prints its own sections ("SECTION 1.", "SEC. 2.", "§ 3.") after an enacting
clause ("Be it enacted by …"). A bill section that amends the statutes quotes the
statute sections it adds or amends ("6-1-1702. Developer responsibilities.",
"Sec. 551.001. DEFINITIONS.", "22756."), and those are what lawyers cite:
"§ 6-1-1702(1)(a)". New statutory text is often printed in CAPITALS (Colorado's mark
for new law); it is kept as printed (search is case-insensitive anyway).

Subsection labels nest by *style*, not by a fixed order, because states order them
differently (Colorado (1)(a)(I)(A), California (a)(1)(A)(i), Texas (1)(A)(i)): a
label continues an open list it follows, returns to an open list of its own style, or
opens a deeper list. Amending sections print only the units they change ("(1)" then
"(uuuu)"), so gaps in a list are normal. Ids and citations name levels by depth
(``subsec``, ``para``, ``subpara``, ``item``, as ../shared/gold/README.md sets out).

Lines the publisher prints that are not the act (the note on capitals and dashes,
rules, page heads of enrolled bills, OCR debris) belong to no provision, and nothing
after the signature block is a provision.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

from corpus_tool.model import Document
from corpus_tool.segment.common import LABEL, lang_rx, language, rx
from corpus_tool.segment.enums import Reading, readings
from corpus_tool.segment.lines import Line
from corpus_tool.segment.outline import Node, Outline

RANK_PREAMBLE = 1.0  # closed by the first bill section
RANK_SECTION = 1.0
RANK_STATUTE = 2.0
RANK_LEVEL = 3.0
_LEVEL_IDS = ("subsec", "para", "subpara", "item", "subitem", "subsubitem")
_LEVEL_KINDS = ("subsection", "paragraph", "subparagraph", "item", "subitem", "subsubitem")
# The end of a line after which a new unit may start (a label is not a cross-reference
# wrapped onto the next line: "… SUBSECTION" / "(2)(a) OF THIS SECTION").
_UNIT_MAY_FOLLOW = re.compile(r"(?:[.:;!?][\"”’)]?|;\s*(?:and|or)|\b(?:and|or)|[—–])\s*$", re.I)
_LETTERS = re.compile(r"[A-Za-z]{3,}")
_DOTTED_NUMBER = re.compile(r"^(\d{1,2})\.\s+(?=[A-Z\"“(])")


def looks_like_state_bill(lines: list[Line]) -> bool:
    """An enacting clause followed by the bill's first section."""
    enacting = lang_rx("us_state_bill", "enacting")
    section = lang_rx("us_state_bill", "section")
    for k, ln in enumerate(lines[:400]):
        if enacting.search(ln.text):
            return any(
                (m := section.match(later.text)) is not None and int(m.group(1)) == 1
                for later in lines[k : k + 40]
            )
    return False


def is_noise(text: str) -> bool:
    """A line printed by the publisher or left by OCR, not text of the act."""
    if any(rx(p).search(text) for p in language()["us_state_bill"]["noise"]):
        return True
    if LABEL.match(text) or re.match(r"^\(?\d", text):
        return False
    # OCR debris: no word of three letters and mostly marks ("~ ,. ' ■", "I I . l").
    marks = sum(1 for ch in text if not ch.isalnum() and not ch.isspace())
    return not _LETTERS.search(text) and marks * 2 >= len(text.replace(" ", ""))


@dataclass
class _Level:
    style: str
    last: int


def _place(levels: list[_Level], label: str) -> tuple[int, Reading] | None:
    """Which list depth a subsection label goes to, and how it reads there."""
    options = readings(label)
    if not options:
        return None
    for i in range(len(levels) - 1, -1, -1):  # continues an open list
        for r in options:
            if r.style == levels[i].style and r.value == levels[i].last + 1:
                return i, r
    open_styles = {lvl.style for lvl in levels}
    for r in options:  # the first item of a list of a new style
        if r.value == 1 and r.style not in open_styles:
            return len(levels), r
    for i in range(len(levels) - 1, -1, -1):  # an open list with items left out
        for r in options:
            if r.style == levels[i].style and r.value > levels[i].last:
                return i, r
    fresh = [r for r in options if r.style not in open_styles]
    if fresh:  # a list printed from a later item on ("(3) (e)" of an amending section)
        return len(levels), min(fresh, key=lambda r: r.value)
    return None


def _heading_end(text: str, *, limit_words: int) -> int | None:
    """Length of the heading phrase ending in a full stop at the start of ``text``."""
    for m in re.finditer(r"\.(?=\s|$)", text[:600]):
        phrase = text[: m.start()]
        if re.search(r":\s|\n\s*\(\w{1,6}\)\s", phrase):
            return None  # a lead-in and its list, not a heading
        if re.search(r"\b(?:[A-Z]\.){1,3}$|\b(?:U\.S|Inc|No|Sec|Secs|Nos|Stat|Rev)$", phrase):
            continue  # an abbreviation, not the end of the heading
        words = phrase.split()
        if not words or len(words) > limit_words or not phrase[:1].isupper():
            return None
        return m.end()
    return None


def strip_line_numbers(lines: list[Line]) -> tuple[list[Line], list[tuple[int, int]]]:
    """Lines without the margin line numbers of a bill, and the spans of those numbers.

    A page numbers its lines when most of them start with a number that runs on by one
    from the line before; such a number is not the text of the act.
    """
    number = lang_rx("us_state_bill", "line_number")
    pages: dict[int, list[int]] = {}
    for k, ln in enumerate(lines):
        pages.setdefault(ln.page, []).append(k)
    numbered: set[int] = set()
    for ks in pages.values():
        found = [(k, int(m.group(1))) for k in ks if (m := number.match(lines[k].text))]
        runs = sum(1 for (_, a), (_, b) in pairwise(found) if b == a + 1)
        if len(found) >= 5 and len(found) >= 0.6 * len(ks) and runs >= 0.7 * (len(found) - 1):
            numbered.update(k for k, _ in found)
    if not numbered:
        return lines, []
    out: list[Line] = []
    spans: list[tuple[int, int]] = []
    for k, ln in enumerate(lines):
        m = number.match(ln.text) if k in numbered else None
        if m is None:
            out.append(ln)
            continue
        spans.append((ln.start, ln.start + len(m.group(1))))
        out.append(
            Line(
                ln.index, ln.start + m.end(), ln.end, ln.text[m.end() :], ln.page, ln.x0,
                ln.top, ln.bottom, ln.indent, ln.blank_before, ln.moved_label,
            )
        )  # fmt: skip
    return out, spans


def segment_state_bill(
    doc: Document, lines: list[Line]
) -> tuple[list[Node], list[tuple[int, int]]]:
    """The provision tree of a state bill and the spans of its publisher's noise."""
    outline = Outline(doc)
    text = doc.text
    lines, margin_numbers = strip_line_numbers(lines)
    enacting = lang_rx("us_state_bill", "enacting")
    sec_rx = lang_rx("us_state_bill", "section")
    stat_rx = lang_rx("us_state_bill", "statute_section")
    amends_rx = lang_rx("us_state_bill", "amends")
    not_heading = lang_rx("us_state_bill", "not_heading")
    end_rx = lang_rx("us_state_bill", "conclusions")
    division = lang_rx("us_state_bill", "division")
    noise: list[tuple[int, int]] = list(margin_numbers)
    section_no = 0
    section: Node | None = None
    statute: Node | None = None
    amending = False  # the current bill section quotes statutory text
    levels: list[_Level] = []
    preamble: Node | None = None
    enacted = False
    prev: Line | None = None
    end_offset: int | None = None

    widths = sorted(len(x.text) for x in lines)
    short = 0.6 * widths[len(widths) // 2] if widths else 0.0

    def unit_may_start(ln: Line) -> bool:
        """After a line that ends a sentence or a lead-in, or after a heading block.

        A blank line alone is not enough: page breaks fall inside sentences, and a
        wrapped cross-reference ("… SUBSECTION" / "(3) OF THIS SECTION") must stay text.
        """
        if prev is None or _UNIT_MAY_FOLLOW.search(prev.text):
            return True
        return ln.blank_before and len(prev.text) < short

    def after_division(k: int) -> bool:
        """Just after the heading lines of a statute division ("CHAPTER 551. SEGMENTERS")."""
        for back in range(k - 1, max(k - 4, -1), -1):
            if division.match(lines[back].text):
                return True
            if len(lines[back].text) >= short:
                return False
        return False

    def open_labels(ln: Line, pos: int) -> None:
        """Open the subsection labels printed at ``pos`` of line ``ln`` ("(2) (a) …")."""
        owner = statute or section
        assert owner is not None
        while True:
            m = LABEL.match(text[pos : ln.end]) if pos < ln.end else None
            if m is None and statute is not None and pos < ln.end:
                # New York numbers a statute's subdivisions "1.", "2." without brackets.
                m = _DOTTED_NUMBER.match(text[pos : ln.end])
            if m is None:
                return
            placed = _place(levels, m.group(1))
            if placed is None or placed[0] >= len(_LEVEL_IDS):
                return
            depth, reading = placed
            del levels[depth:]
            levels.append(_Level(reading.style, reading.value))
            rank = RANK_LEVEL + depth
            outline.close_to(rank, pos)
            parent = outline.top()
            base = parent.citation if parent is not None else owner.citation
            lab = m.group(1)
            body = pos + m.end()
            while body < ln.end and text[body].isspace():
                body += 1
            node = Node(
                _LEVEL_KINDS[depth],
                f"{_LEVEL_IDS[depth]}_{lab.lower()}",
                f"{base}({lab})",
                f"({lab})",
                rank,
                pos,
                body,
                unit=True,
                lead_in=True,
            )
            outline.open(node)
            pos = body

    for k, ln in enumerate(lines):
        t = ln.text
        if end_offset is not None:
            break
        if not enacted:
            if preamble is None:
                preamble = outline.open(
                    Node(
                        "preamble", "preamble", "Title", "Title", RANK_PREAMBLE, ln.start, ln.start
                    )
                )
                preamble.unit = True
                preamble.lead_in = True
            if enacting.search(t):
                enacted = True
            if not sec_rx.match(t):
                if is_noise(t):
                    noise.append((ln.start, ln.end))
                prev = ln
                continue
        if section is not None and end_rx.search(t):
            end_offset = ln.start
            break
        if is_noise(t):
            noise.append((ln.start, ln.end))
            continue
        sm = sec_rx.match(t)
        if sm and int(sm.group(1)) == section_no + 1 and unit_may_start(ln):
            section_no += 1
            rest = text[ln.start + sm.end() : ln.end + 400]
            he = None if not_heading.match(rest) else _heading_end(rest, limit_words=8)
            heading = " ".join(rest[: he - 1].split()) if he and "," not in rest[:he] else ""
            body = ln.start + sm.end() + (he if heading and he else 0)
            while body < len(text) and text[body].isspace():
                body += 1
            cite = f"Section {section_no}"
            section = Node(
                "section", f"sec_{section_no}", cite, cite, RANK_SECTION, ln.start, body,
                scoped=False, unit=True, lead_in=True,
            )  # fmt: skip
            section.heading = heading
            outline.open(section)
            statute = None
            levels.clear()
            lead = text[body : ln.end + 600].split("\n\n")[0]
            amending = bool(amends_rx.search(lead))
            open_labels(ln, body)
            prev = ln
            continue
        if section is None:
            prev = ln
            continue
        stm = stat_rx.match(t) if amending else None
        if (
            stm
            and (unit_may_start(ln) or after_division(k))
            and re.match(r"[A-Z(]|$", t[stm.end() :])
        ):
            number = stm.group(1)
            rest = text[ln.start + stm.end() : ln.end + 600]
            he = None if rest.startswith("(") else _heading_end(rest, limit_words=40)
            heading = " ".join(rest[: he - 1].split()) if he else ""
            body = ln.start + stm.end() + (he or 0)
            while body < len(text) and text[body].isspace():
                body += 1
            cite = f"§ {number}"
            statute = Node(
                "statute", f"stat_{number}", cite, cite, RANK_STATUTE, ln.start, body,
                unit=True, lead_in=True,
            )  # fmt: skip
            statute.heading = heading
            outline.open(statute)
            levels.clear()
            # The heading may run over several lines; labels may follow it on the last.
            last = next((x for x in lines[k : k + 8] if x.start <= body <= x.end), ln)
            if last.start <= body < last.end:
                open_labels(last, body)
            prev = ln
            continue
        if body_line_inside_heading(outline, ln):
            prev = ln
            continue
        if (LABEL.match(t) or (statute and _DOTTED_NUMBER.match(t))) and unit_may_start(ln):
            open_labels(ln, ln.start)
        prev = ln
    return outline.finish(end_offset), noise


def body_line_inside_heading(outline: Outline, ln: Line) -> bool:
    """A line that is still part of the heading of the unit just opened."""
    top = outline.top()
    return top is not None and ln.end <= top.body
