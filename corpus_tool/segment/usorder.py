"""US executive orders: sections, decimal subsections, lettered and roman paragraphs.

"Section 1. Purpose. …", "Sec. 4. Ensuring … .", "4.6. Soliciting Input … .",
"(a)", "(i)", "(A)". A section's or subsection's heading is the title-cased
phrase after its number, up to its full stop; the first paragraph "(a)" often
follows it on the same line.
"""

from __future__ import annotations

import re

from corpus_tool.model import Document
from corpus_tool.segment.common import LABEL, TITLE_SMALL_WORDS, lang_rx, layout_of
from corpus_tool.segment.enums import Reading
from corpus_tool.segment.lines import Line
from corpus_tool.segment.lists import PointTracker
from corpus_tool.segment.outline import Node, Outline

RANK_SECTION = 1.0
RANK_SUBSECTION = 2.0
RANK_PARA = 3.0
_SMALL = TITLE_SMALL_WORDS | {
    "into",
    "its",
    "under",
    "that",
    "this",
    "our",
    "their",
}
_STYLE_WORD = {
    "alpha": "para",
    "roman": "subpara",
    "ALPHA": "clause",
    "ROMAN": "clause",
    "digit": "item",
}


def looks_like_order(lines: list[Line]) -> bool:
    sec = lang_rx("us_order", "section")
    nums = [int(m.group(2)) for ln in lines if (m := sec.match(ln.text))]
    return len(nums) >= 2 and nums[0] == 1 and nums[1] == 2


def _heading_end(text: str) -> int | None:
    """Length of a title-cased heading phrase ending in a full stop at the start of ``text``."""
    for m in re.finditer(r"\.(?=\s|$)", text[:260]):
        phrase = text[: m.start()]
        words = re.findall(r"[A-Za-z][\w'’-]*", phrase)
        if not words:
            return None
        if re.search(r"\b(?:[A-Z]\.){1,3}$|\b(?:U\.S|Inc|No|Sec|Nos|e\.g|i\.e)$", phrase):
            continue  # an abbreviation, not the end of the heading
        upper = sum(1 for w in words if w[0].isupper() or w.lower() in _SMALL)
        return m.end() if upper >= len(words) * 0.8 and len(words) <= 25 else None
    return None


def segment_order(doc: Document, lines: list[Line]) -> list[Node]:
    outline = Outline(doc)
    layout = layout_of(lines)
    sec_rx = lang_rx("us_order", "section")
    sub_rx = lang_rx("us_order", "subsection")
    end_rx = lang_rx("us_order", "conclusions")
    open_rx = lang_rx("us_order", "opening")
    text = doc.text
    is_label = lambda t: bool(LABEL.match(t))  # noqa: E731
    points = PointTracker(RANK_PARA, layout, PointTracker.hanging_style(lines, layout, is_label))
    section = 0
    subsection = 0
    current: Node | None = None
    started = False
    concluded = False

    def heading_and_body(label_end: int, limit: int) -> tuple[str, int]:
        window = text[label_end:limit]
        he = _heading_end(window)
        if he is None:
            return "", label_end
        heading = " ".join(window[: he - 1].split())
        body = label_end + he
        while body < limit and text[body].isspace():
            body += 1
        return heading, body

    def make_point(reading: Reading, lab: str, rank: float, start: int, body: int) -> Node:
        parent = outline.top()
        word = _STYLE_WORD.get(reading.style, "item")
        base = parent.citation if parent is not None else ""
        cite = f"{base}({lab})"
        node = Node(
            "paragraph" if word == "para" else word, f"{word}_{lab}", cite, cite, rank, start, body
        )
        node.unit = word == "para" and parent is not None and parent.kind == "section"
        return node

    def open_inline_point(body: int, ln: Line) -> None:
        """A first paragraph "(a)" printed on the heading's line."""
        m = re.match(r"\((a|1)\)\s", text[body : ln.end + 1])
        if not m:
            return
        points.reset()
        start = body
        points.try_open(
            outline,
            ln,
            m.group(1),
            start,
            lead_in_colon=True,
            make=lambda r, lab, rank: make_point(r, lab, rank, start, start + m.end()),
        )
        if points.open_points:
            points.open_points[-1].label_rel = None  # not at a line start: no indent to compare

    for k, ln in enumerate(lines):
        t = ln.text
        prev = lines[k - 1] if k > 0 else None
        if not started:
            if open_rx.match(t):
                if k > 0:
                    outline.open(_title_node(lines[:k]))
                outline.open(
                    Node(
                        "preamble",
                        "preamble",
                        "Preamble",
                        "Preamble",
                        RANK_SECTION,
                        ln.start,
                        ln.start,
                    )
                )
                started = True
                continue
            sm = sec_rx.match(t)
            if not (sm and int(sm.group(2)) == 1):
                continue
            if k > 0:
                outline.open(_title_node(lines[:k]))
            started = True
        if concluded:
            continue
        if end_rx.match(t) and section:
            outline.open(
                Node(
                    "conclusions", "conclusions", "Signature", "Signature", 0.0, ln.start, ln.start
                )
            )
            concluded = True
            continue
        sm = sec_rx.match(t)
        if sm and section < int(sm.group(2)) <= section + 2:
            section = int(sm.group(2))
            subsection = 0
            limit = lines[min(k + 3, len(lines) - 1)].end
            heading, body = heading_and_body(ln.start + sm.end(), limit)
            label = f"Sec. {section}"
            current = Node(
                "section",
                f"sec_{section}",
                label,
                label,
                RANK_SECTION,
                ln.start,
                body,
                scoped=False,
                unit=True,
            )
            current.heading = heading
            outline.open(current)
            points.reset()
            open_inline_point(body, _line_at(lines, k, body))
            continue
        um = sub_rx.match(t)
        if (
            um
            and current is not None
            and int(um.group(1)) == section
            and subsection < int(um.group(2)) <= subsection + 2
        ):
            subsection = int(um.group(2))
            limit = lines[min(k + 3, len(lines) - 1)].end
            heading, body = heading_and_body(ln.start + um.end(), limit)
            label = f"Sec. {section}.{subsection}"
            node = Node(
                "subsection",
                f"subsec_{subsection}",
                label,
                label,
                RANK_SUBSECTION,
                ln.start,
                body,
                unit=True,
            )
            node.heading = heading
            outline.open(node)
            points.reset()
            open_inline_point(body, _line_at(lines, k, body))
            continue
        if current is None:
            continue
        lm = LABEL.match(t)
        if lm:
            lead = prev is not None and prev.text.rstrip().endswith((":", "—"))
            start, body = ln.start, ln.start + lm.end()

            def make(r: Reading, lab: str, rank: float, _s: int = start, _e: int = body) -> Node:
                return make_point(r, lab, rank, _s, _e)

            opened = points.try_open(outline, ln, lm.group(1), start, lead_in_colon=lead, make=make)
            if opened is not None:
                continue
        points.text_line(outline, ln, prev)
    return outline.finish()


def _title_node(block: list[Line]) -> Node:
    """The masthead and title before the preamble; its heading is the order's own title."""
    node = Node("title", "title", "Title", "Title", RANK_SECTION, block[0].start, block[0].start)
    for k, ln in enumerate(block):
        if lang_rx("us_order", "designation").search(ln.text):
            rest = [b.text for b in block[k + 1 : k + 4] if not b.text.startswith(("[", "Billing"))]
            node.heading = " ".join(rest).strip()
            break
    return node


def _line_at(lines: list[Line], k: int, offset: int) -> Line:
    for ln in lines[k : k + 4]:
        if ln.start <= offset <= ln.end:
            return ln
    return lines[k]
