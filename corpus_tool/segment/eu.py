"""EU acts: title, citations, recitals, divisions, articles, paragraphs, points, annexes.

Works on Official Journal regulations, directives and decisions (old and new
layouts) and on Commission proposals, whose explanatory memorandum before the
act is split into headings and paragraphs. Numbers must follow each other
(recital 12 after 11, Article 54 after 53) so a line that happens to begin with
"(5)" or "Article 5" inside running text is not taken for a new provision, and
text quoted by an amending article stays part of that article.
"""

from __future__ import annotations

import re
from itertools import pairwise

from corpus_tool.model import Document
from corpus_tool.segment import generic
from corpus_tool.segment.common import (
    LABEL,
    Layout,
    lang_rx,
    language,
    layout_of,
    rx,
    starts_lower,
)
from corpus_tool.segment.enums import Reading, roman_value
from corpus_tool.segment.lines import Line
from corpus_tool.segment.lists import PointTracker
from corpus_tool.segment.outline import Node, Outline

RANK_TOP = 0.0
RANK_ANNEX_DIVISION = 2.0
RANK_ARTICLE = 6.0
RANK_PARAGRAPH = 7.0
RANK_SUBPOINT = 7.5  # "3.1." inside point 3 of an annex
RANK_POINT = 8.0

PARAGRAPH = re.compile(r"^(\d{1,3})([a-z]?)\.(?:\s+|$)")
DECIMAL_POINT = re.compile(r"^(\d{1,3})\.(\d{1,3})\.?(?:\s+|$)")
SENTENCE_VERB = re.compile(r"\b(shall|may|must|will)\b")
RECITAL = re.compile(r"^\((\d{1,4})\)(?:\s+|$)")


def looks_like_eu(lines: list[Line]) -> bool:
    """An article 1 and a preamble or enacting formula."""
    art = lang_rx("eu", "article")
    has_article = any((m := art.match(ln.text)) and m.group(1) == "1" for ln in lines)
    if not has_article:
        return False
    markers = (lang_rx("eu", "citation"), lang_rx("eu", "enacting_formula"))
    return any(p.match(ln.text) for ln in lines for p in markers)


def _pick_value(num: str, expected: int) -> int | None:
    """The reading of a division number that continues the sequence ("C" is 3 after B, not 100)."""
    options = {_number_value(num)}
    if len(num) == 1 and num.isalpha():
        options.add(ord(num.upper()) - 64)
    if expected in options:
        return expected
    return 1 if 1 in options else None


def _number_value(num: str) -> int | None:
    if num.isdigit():
        return int(num)
    r = roman_value(num)
    if r is not None:
        return r
    if len(num) == 1 and num.isalpha():
        return ord(num.upper()) - 64
    return None


def _norm_num(num: str) -> str:
    return num.upper() if roman_value(num) is not None and not num.isdigit() else num


class _Quotes:
    """Tracks text quoted by an amending provision, which must not be split."""

    def __init__(self) -> None:
        self.open_rx = lang_rx("quotes", "open")
        self.close_rx = lang_rx("quotes", "close")
        self.inside = False

    def feed(self, rest: str, whole: str) -> None:
        """``rest`` is the line after any list label; ``whole`` the full line."""
        if self.inside:
            if self.close_rx.search(whole):
                self.inside = False
            return
        if self.open_rx.match(rest) and not re.search(r"[’”]", rest[1:]):
            self.inside = not self.close_rx.search(whole)


def _heading_lines(
    lines: list[Line], i: int, stop: int, is_structural, max_lines: int = 3
) -> list[Line]:
    """Heading lines after a label line ``i``: the first line, plus wrapped continuations."""
    cont = lang_rx("eu", "heading_continues")
    out: list[Line] = []
    j = i + 1
    while j < stop and len(out) < max_lines:
        ln = lines[j]
        wrapped = bool(out) and bool(cont.search(out[-1].text))
        # "… in accordance with" / "Article 49": a wrapped heading, not a new article.
        if not wrapped and is_structural(ln.text):
            break
        if LABEL.match(ln.text) or PARAGRAPH.match(ln.text):
            break
        if out:
            prev = out[-1].text
            if not (cont.search(prev) or starts_lower(ln.text)):
                break
            if ln.text.endswith(":"):
                break
        elif ln.text.endswith(":") or len(ln.text.split()) > 30 or _reads_as_sentence(ln.text):
            break
        out.append(ln)
        j += 1
    return out


def _next_in_sequence(value: int, expected: int, previous: str, rest: str) -> bool:
    """Whether a number continues its sequence.

    The next number always does. A number a little further on does too when the line
    before closed a sentence and the new text starts one: a provision was removed
    (a changed version of the act) or lost, and what follows must keep its number.
    """
    if value == expected:
        return True
    if not expected < value <= expected + 3 or expected == 1:
        return False
    first = rest.lstrip()[:1]
    return previous.rstrip().endswith((".", ";", ":", "’", "”")) and (not first or first.isupper())


def _starts_appendix(text: str) -> bool:
    """An upper-case title after the signatures, not a signatory's name."""
    words = text.split()
    return (
        text.isupper()
        and "." not in text
        and len(words) >= 2
        and all(len(w) >= 4 or w in ("OF", "THE", "AND", "TO", "FOR", "ON") for w in words)
    )


def _reads_as_sentence(text: str) -> bool:
    """A line of enacting text, not a title: it has the verbs of a provision."""
    words = len(text.split())
    return (bool(SENTENCE_VERB.search(text)) and words > 6) or (text.endswith(".") and words > 3)


def _articles_have_headings(lines: list[Line], art_rx: re.Pattern[str]) -> bool:
    """Whether this act gives its articles headings (older acts often do not).

    Decided once per act: when the line after most "Article N" lines reads like a
    sentence of law rather than a title, no article gets a heading.
    """
    titles = sentences = 0
    for a, b in pairwise(lines):
        if not art_rx.match(a.text) or LABEL.match(b.text) or PARAGRAPH.match(b.text):
            continue
        if _reads_as_sentence(b.text):
            sentences += 1
        else:
            titles += 1
    return titles >= sentences


def segment_eu(doc: Document, lines: list[Line]) -> list[Node]:
    eu = language()["eu"]
    outline = Outline(doc)
    layout = layout_of(lines)
    cit_rx = lang_rx("eu", "citation")
    formula_rx = lang_rx("eu", "enacting_formula")
    whereas_rx = lang_rx("eu", "recitals_open")
    title_rx = lang_rx("eu", "title_start")
    proc_rx = lang_rx("eu", "procedure_number")
    art_rx = lang_rx("eu", "article")
    n = len(lines)

    first_art = next(
        (i for i, ln in enumerate(lines) if (m := art_rx.match(ln.text)) and m.group(1) == "1"),
        n,
    )
    first_cit = next((i for i in range(first_art) if cit_rx.match(lines[i].text)), None)
    formula = next((i for i in range(first_art) if formula_rx.match(lines[i].text)), None)
    if first_cit is not None and formula is not None and formula < first_cit:
        formula = None

    # --- front matter: title block, and a proposal's explanatory memorandum --------
    act_start = 0
    whereas = next(
        (i for i in range(formula if formula is not None else first_art)
         if whereas_rx.match(lines[i].text)),
        None,
    )  # fmt: skip
    anchor = next((a for a in (first_cit, whereas, formula) if a is not None), None)
    if anchor is not None:
        j = next(
            (
                k
                for k in range(anchor - 1, max(-1, anchor - 40), -1)
                if title_rx.match(lines[k].text)
            ),
            None,
        )
        if j is not None:
            while j > 0 and (title_rx.match(lines[j - 1].text) or proc_rx.match(lines[j - 1].text)):
                j -= 1
            # A masthead of a few lines belongs to the title; more is a memorandum.
            act_start = j if j > 12 else 0
    if act_start > 0:
        memo_rx = lang_rx("eu", "memorandum")
        if any(memo_rx.match(ln.text) for ln in lines[:act_start]):
            front = Node(
                "memorandum",
                "memo",
                "Explanatory memorandum",
                "Explanatory memorandum",
                RANK_TOP,
                lines[0].start,
                lines[0].start,
            )
        else:
            # Other matter before the act (a cover page, a contents list): not the act.
            front = Node(
                "front",
                "front",
                "Front matter",
                "Front matter",
                RANK_TOP,
                lines[0].start,
                lines[0].start,
            )
        memo = outline.open(front)
        generic.segment_into(doc, lines[:act_start], outline, base_rank=1.0, parent=memo)
    if lines and (anchor is not None or first_art > 0):
        body_end = anchor if anchor is not None else first_art
        if body_end > act_start:
            block = lines[act_start:body_end]
            first = next((k for k, ln in enumerate(block) if title_rx.match(ln.text)), 0)
            title_lines = []
            for ln in block[first : first + 8]:
                if ln.text.startswith("(Text with") or (
                    ln.text.isupper() and ln.text.endswith(",")
                ):
                    break
                title_lines.append(ln.text)
            title_text = " ".join(title_lines)
            node = Node(
                "title",
                "title",
                "Title",
                "Title",
                RANK_TOP,
                lines[act_start].start,
                lines[act_start].start,
            )
            node.heading = title_text[:300]
            outline.open(node)

    # --- preamble: citations and recitals --------------------------------------
    enacting_from = first_art
    if anchor is not None:
        stop = formula if formula is not None else first_art
        cit_no = 0
        expected_recital = 1
        for i in range(anchor, stop):
            ln = lines[i]
            m = RECITAL.match(ln.text)
            if m and _next_in_sequence(
                int(m.group(1)), expected_recital, lines[i - 1].text, ln.text[m.end() :]
            ):
                num = int(m.group(1))
                outline.open(
                    Node(
                        "recital",
                        f"rec_{num}",
                        f"Recital {num}",
                        f"Recital {num}",
                        RANK_TOP,
                        ln.start,
                        ln.body_after(m.end()),
                        unit=True,
                    )
                )
                expected_recital = num + 1
                continue
            if expected_recital == 1 and cit_rx.match(ln.text):
                cit_no += 1
                outline.open(
                    Node(
                        "citation",
                        f"cit_{cit_no}",
                        f"Citation {cit_no}",
                        f"Citation {cit_no}",
                        RANK_TOP,
                        ln.start,
                        ln.start,
                    )
                )
                continue
            if expected_recital == 1 and whereas_rx.match(ln.text):
                outline.close_to(RANK_TOP, ln.start)
        if formula is not None:
            outline.close_to(RANK_TOP, lines[formula].start)
            enacting_from = formula + 1
    elif formula is not None:
        enacting_from = formula + 1

    _enacting_terms(doc, lines, enacting_from, outline, layout, eu)
    return outline.finish()


def _enacting_terms(
    doc: Document, lines: list[Line], start: int, outline: Outline, layout: Layout, eu: dict
) -> None:
    art_rx = lang_rx("eu", "article")
    annex_rx = lang_rx("eu", "annex")
    concl_rx = lang_rx("eu", "conclusions")
    divisions = [
        (d, rx(rf"^{d['word']}\s+(?P<num>[IVXLC]+|\d+|[A-Z])(?:\s*[.:—–-]\s*(?P<head>.*))?\s*$"))
        for d in eu["divisions"]
    ]
    n = len(lines)
    is_label = lambda t: bool(LABEL.match(t) or PARAGRAPH.match(t))  # noqa: E731
    points = PointTracker(RANK_POINT, layout, PointTracker.hanging_style(lines, layout, is_label))
    article_headings = _articles_have_headings(lines[start:], art_rx)
    quotes = _Quotes()

    last_article = 0
    division_last: dict[str, int] = {}
    division_stack: list[tuple[float, str]] = []  # (rank, kind) of open divisions
    article: Node | None = None
    paragraph_last = 0
    annex_mode = False
    concluded = False
    annex_last = 0
    appendix_no = 0
    skip_until = start

    def structural(text: str) -> bool:
        return bool(
            art_rx.match(text) or annex_rx.match(text) or any(p.match(text) for _, p in divisions)
        )

    def article_number_ok(num: str) -> bool:
        m = re.fullmatch(r"(\d+)([a-z]*)", num)
        if not m:
            return False
        value, suffix = int(m.group(1)), m.group(2)
        if last_article == 0:
            return value == 1 and not suffix
        if suffix:
            return value in (last_article, last_article + 1)
        return last_article < value <= last_article + 2

    for i in range(start, n):
        if i < skip_until:
            continue
        ln = lines[i]
        text = ln.text
        prev = lines[i - 1] if i > 0 else None

        if quotes.inside:
            quotes.feed(text, text)
            continue

        am = annex_rx.match(text)
        if am and (article is not None or annex_mode or concluded):
            num = am.group(1)
            value = (_pick_value(num, annex_last + 1) or 0) if num else 0
            if num is None or value == annex_last + 1:
                annex_mode = True
                annex_last = value if num else annex_last
                outline.close_to(RANK_TOP, ln.start)
                ident = f"anx_{_norm_num(num)}" if num else "anx"
                cite = f"Annex {_norm_num(num)}" if num else "Annex"
                inline = (am.group(2) or "").strip()
                heads = [] if inline else _heading_lines(lines, i, n, structural)
                node = Node(
                    "annex",
                    ident,
                    cite,
                    cite,
                    RANK_TOP,
                    ln.start,
                    heads[-1].end if heads else ln.end,
                    unit=True,
                )
                node.heading = inline or " ".join(h.text for h in heads)
                outline.open(node)
                skip_until = i + 1 + len(heads)
                points.reset()
                paragraph_last = 0
                division_last.clear()
                article = node
                continue

        if not annex_mode:
            if concl_rx.match(text) and article is not None:
                outline.close_to(RANK_TOP, ln.start)
                outline.open(
                    Node(
                        "conclusions",
                        "conclusions",
                        "Final provisions",
                        "Final provisions",
                        RANK_TOP,
                        ln.start,
                        ln.start,
                    )
                )
                concluded = True
                article = None
                continue
            if concluded:
                if _starts_appendix(text):
                    # A statement after the signatures (a proposal's legislative financial
                    # statement): headings and paragraphs, up to the next annex.
                    stop = next((j for j in range(i + 1, n) if annex_rx.match(lines[j].text)), n)
                    appendix_no += 1
                    outline.close_to(RANK_TOP, ln.start)
                    node = Node(
                        "appendix",
                        f"app_{appendix_no}",
                        f"Appendix {appendix_no}",
                        f"Appendix {appendix_no}",
                        RANK_TOP,
                        ln.start,
                        ln.end,
                    )
                    node.heading = text
                    outline.open(node)
                    generic.segment_into(
                        doc, lines[i + 1 : stop], outline, base_rank=1.0, parent=node
                    )
                    skip_until = stop
                continue

            handled = False
            for d, pat in divisions:
                dm = pat.match(text)
                if not dm:
                    continue
                inline = (dm.group("head") or "").strip()
                if inline and (inline.endswith((".", ";", ",", ":")) or len(inline.split()) > 15):
                    break  # a sentence that starts with "Section 2.", not a division
                expected = division_last.get(d["kind"], 0) + 1
                number = _pick_value(dm.group("num"), expected)
                rank = float(d["rank"])
                if number is None or number != expected:
                    break
                # A new division restarts the numbering of the divisions below it.
                for other, _ in divisions:
                    if float(other["rank"]) > rank:
                        division_last.pop(other["kind"], None)
                division_last[d["kind"]] = number
                num = _norm_num(dm.group("num"))
                heads = _heading_lines(lines, i, n, structural)
                heading = (dm.group("head") or "").strip() or " ".join(h.text for h in heads)
                label = f"{d['label']} {num}"
                parent_cites = [c for r, c in division_stack if r < rank]
                outline.close_to(rank, ln.start)
                division_stack[:] = [(r, c) for r, c in division_stack if r < rank]
                node = Node(
                    d["kind"],
                    f"{d['id']}_{num}",
                    ", ".join([*parent_cites, label]),
                    label,
                    rank,
                    ln.start,
                    heads[-1].end if heads else ln.end,
                )
                node.heading = heading
                outline.open(node)
                division_stack.append((rank, label))
                skip_until = i + 1 + len(heads)
                article = None
                handled = True
                break
            if handled:
                continue

            artm = art_rx.match(text)
            if artm and article_number_ok(artm.group(1)):
                num = artm.group(1)
                m = re.fullmatch(r"(\d+)([a-z]*)", num)
                last_article = int(m.group(1)) if m else last_article
                inline = (artm.group(2) or "").strip()
                heads = (
                    _heading_lines(lines, i, n, structural)
                    if article_headings and not inline
                    else []
                )
                node = Node(
                    "article",
                    f"art_{num}",
                    f"Article {num}",
                    f"Article {num}",
                    RANK_ARTICLE,
                    ln.start,
                    heads[-1].end if heads else ln.end,
                    scoped=False,
                    unit=True,
                )
                node.heading = inline or " ".join(h.text for h in heads)
                outline.open(node)
                article = node
                paragraph_last = 0
                points.reset()
                skip_until = i + 1 + len(heads)
                continue

        if article is None:
            continue

        # --- inside an article or an annex ---------------------------------
        if annex_mode:
            dv = rx(language()["eu"]["annex_division"]).match(text)
            if dv and re.fullmatch(r"[A-Z]|\d+|[IVX]+", dv.group(2)):
                word = dv.group(1).lower()
                kind = "part" if word == "part" else "section"
                num = dv.group(2)
                key = f"annex_{kind}"
                value = _pick_value(num, division_last.get(key, 0) + 1) or 0
                if value in (1, division_last.get(key, 0) + 1):
                    division_last[key] = value
                    tail = (dv.group(3) or "").strip()
                    heads = [] if tail else _heading_lines(lines, i, min(i + 2, n), structural, 1)
                    label = f"{kind.capitalize()} {num}"
                    outline.close_to(RANK_ANNEX_DIVISION, ln.start)
                    node = Node(
                        kind,
                        f"{'part' if kind == 'part' else 'sec'}_{num}",
                        f"{article.citation}, {label}",
                        label,
                        RANK_ANNEX_DIVISION,
                        ln.start,
                        heads[-1].end if heads else ln.end,
                    )
                    node.heading = tail or " ".join(h.text for h in heads)
                    outline.open(node)
                    points.reset()
                    paragraph_last = 0 if value == 1 else paragraph_last
                    skip_until = i + 1 + len(heads)
                    continue

            dm = DECIMAL_POINT.match(text)
            if dm and int(dm.group(1)) == paragraph_last and paragraph_last:
                sub = dm.group(2)
                outline.close_to(RANK_SUBPOINT, ln.start)
                parent = outline.top()
                num = f"{paragraph_last}.{sub}"
                base = parent.citation.rsplit(", point", 1)[0] if parent else article.citation
                cite = f"{base}, point {num}"
                outline.open(
                    Node(
                        "point",
                        f"point_{paragraph_last}_{sub}",
                        cite,
                        cite,
                        RANK_SUBPOINT,
                        ln.start,
                        ln.start + dm.end(),
                    )
                )
                points.reset()
                continue

        pm = PARAGRAPH.match(text)
        if pm and not quotes.inside:
            value, suffix = int(pm.group(1)), pm.group(2)
            ok = (
                not suffix
                and prev is not None
                and _next_in_sequence(value, paragraph_last + 1, prev.text, text[pm.end() :])
            ) or bool(suffix and value == paragraph_last)
            if annex_mode and not ok and value == 1:
                ok = True
            if ok:
                paragraph_last = value
                num = f"{value}{suffix}"
                outline.close_to(RANK_PARAGRAPH, ln.start)
                parent = outline.top()
                if annex_mode:
                    cite = f"{parent.citation if parent else article.citation}, point {num}"
                    node = Node(
                        "point",
                        f"point_{num}",
                        cite,
                        cite,
                        RANK_PARAGRAPH,
                        ln.start,
                        ln.body_after(pm.end()),
                        unit=True,
                    )
                else:
                    cite = f"{article.citation}({num})"
                    node = Node(
                        "paragraph",
                        f"para_{num}",
                        cite,
                        cite,
                        RANK_PARAGRAPH,
                        ln.start,
                        ln.body_after(pm.end()),
                        unit=True,
                    )
                outline.open(node)
                points.reset()
                rest = text[pm.end() :]
                quotes.feed(rest, text)
                continue

        lm = LABEL.match(text)
        if lm:
            label = lm.group(1)
            lead_in = prev is not None and prev.text.rstrip().endswith(":")

            def make(
                reading: Reading,
                lab: str,
                rank: float,
                _ln: Line = ln,
                _m: re.Match[str] = lm,
                _annex: bool = annex_mode,
            ) -> Node:
                parent = outline.top()
                pid = lab.lower() if reading.style in ("alpha", "roman") else lab
                base = parent.citation if parent is not None else ""
                if _annex and parent is not None and parent.kind in ("annex", "section", "part"):
                    cite = f"{base}, point ({lab})"
                else:
                    cite = f"{base}({lab})"
                return Node(
                    "point", f"point_{pid}", cite, cite, rank, _ln.start, _ln.body_after(_m.end())
                )

            opened = points.try_open(outline, ln, label, ln.start, lead_in_colon=lead_in, make=make)
            if opened is not None:
                quotes.feed(text[lm.end() :].lstrip(), text)
                continue

        points.text_line(outline, ln, prev)
        quotes.feed(text, text)
