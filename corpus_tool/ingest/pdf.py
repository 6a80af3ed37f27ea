"""PDF to clean, page-mapped text: running heads and feet, footnotes and hyphens handled.

Reads a PDF page by page with pdfplumber (closing each page as soon as it is
laid out, so memory stays bounded by the text, not the page count), then
cleans across pages:

* running heads and feet are lines at the top or bottom of a page whose text,
  with numbers flattened, repeats on many pages (page numbers, "OJ L, 12.7.2024",
  a document title repeated in the header) - learned per document;
* the first page's masthead above the title goes with them when the document
  has running heads;
* footnotes (small type at the foot of a column, starting with a label) are
  kept apart with their page and linked to their call;
* words broken at line ends are joined again; a hyphen stays when the
  document writes the compound with a hyphen elsewhere.

Text conventions (what the segmenter can rely on)
-------------------------------------------------
* one printed line per text line, lines joined by ``"\\n"``;
* a blank line (``"\\n\\n"``) where the layout shows a paragraph break (extra
  vertical space above the line); a jump to the next column is a plain ``"\\n"``
  (sentences run on across columns);
* a page break is an ordinary ``"\\n"`` (a sentence may run across it);
* hanging labels stay at the start of their line: ``"(12) Text..."``,
  ``"2. Text..."``, ``"(a) text..."``, with one space after the label;
* a word broken at a line end is joined on the first line: ``"Arti-\\nficial
  rules"`` reads ``"Artificial\\nrules"``;
* no soft hyphens, no ligature glyphs, no trailing spaces on a line;
* footnote calls stay where printed (``"Council (1)"``, ``"court.19"``); the
  footnote text is only in ``Document.footnotes``.
"""

from __future__ import annotations

import math
import pickle
import re
import tempfile
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

from corpus_tool.errors import InputError
from corpus_tool.ingest.boxfile import SpilledArray
from corpus_tool.ingest.layout import (
    Line,
    PageLayout,
    finish_page,
    layout_page,
    normalise_for_repetition,
)
from corpus_tool.ingest.pagelabels import page_labels
from corpus_tool.model import CharBoxes, Footnote, PageInfo

SOFT_HYPHEN = "\u00ad"
HYPHENS = "-\u2010" + SOFT_HYPHEN
WORD = re.compile(r"[^\W\d_]+(?:[-\u2010][^\W\d_]+)*")
# Bands of the page where running heads and feet live, as shares of its height.
HEAD_BAND = 0.14
FOOT_BAND = 0.86
# Pages with fewer visible characters than this count as having no text layer.
MIN_TEXT_CHARS = 20


@dataclass
class Extraction:
    """Clean text of one PDF with its page map, footnotes and what was left out."""

    text: str
    boxes: CharBoxes
    pages: list[PageInfo]
    footnotes: list[Footnote]
    removed: list[str]  # running heads/feet, masthead, printer marks (for check and metadata)
    front: str  # the first page as printed, masthead included (for metadata)
    pdf_title: str = ""
    warnings: list[str] = field(default_factory=list)
    page_labels: tuple[str, ...] = ()  # printed label of each page, "" where none


def read_layouts(path: Path) -> Iterator[PageLayout]:
    """Lay out each page in turn, releasing pdfplumber's per-page caches as it goes."""
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError

    try:
        pdf = pdfplumber.open(path)
    except (PDFPasswordIncorrect, PDFEncryptionError) as exc:
        raise InputError(str(path), "encrypted PDF: it needs a password to open") from exc
    except PDFSyntaxError as exc:
        raise InputError(str(path), f"not a readable PDF ({exc})") from exc
    except Exception as exc:
        if "password" in repr(exc).lower() or "encrypt" in repr(exc).lower():
            raise InputError(str(path), "encrypted PDF: it needs a password to open") from exc
        raise InputError(str(path), f"not a readable PDF ({type(exc).__name__}: {exc})") from exc
    with pdf:
        try:
            for i, page in enumerate(pdf.pages, start=1):
                try:
                    yield layout_page(page_chars(page), i, float(page.width), float(page.height))
                finally:
                    page.close()
                if i % 20 == 0:
                    pdf.flush_cache()
        except InputError:
            raise
        except (PDFPasswordIncorrect, PDFEncryptionError) as exc:
            raise InputError(str(path), "encrypted PDF: it needs a password to open") from exc
        except Exception as exc:
            raise InputError(
                str(path), f"damaged PDF, cannot read its pages ({type(exc).__name__}: {exc})"
            ) from exc


def page_chars(page: Any) -> Iterator[dict[str, Any]]:
    """The characters of a pdfplumber page with only the fields layout needs.

    Walks pdfminer's layout tree directly: pdfplumber's ``page.chars`` resolves
    every attribute of every object, which costs more than our whole cleaning.
    Coordinates follow pdfplumber's (top-left origin, MediaBox-adjusted).
    """
    from pdfminer.layout import LTChar, LTContainer

    height = float(page.height)
    mb_x0, mb_top = float(page.mediabox[0]), float(page.mediabox[1])
    stack = [iter(page.layout._objs)]
    while stack:
        for obj in stack[-1]:
            if isinstance(obj, LTChar):
                ncolor = obj.graphicstate.ncolor
                yield {
                    "text": obj.get_text(),
                    "x0": obj.x0 + mb_x0,
                    "x1": obj.x1 + mb_x0,
                    "top": height - obj.y1 + mb_top,
                    "bottom": height - obj.y0 + mb_top,
                    "size": obj.size,
                    "upright": obj.upright,
                    "non_stroking_color": ncolor if isinstance(ncolor, tuple) else (ncolor,),
                }
            elif isinstance(obj, LTContainer):
                stack.append(iter(obj._objs))
                break
        else:
            stack.pop()


def pdf_title(path: Path) -> str:
    try:
        import pypdfium2

        doc = pypdfium2.PdfDocument(str(path))
        try:
            return str(doc.get_metadata_dict().get("Title", "") or "")
        finally:
            doc.close()
    except Exception:
        return ""


# --- running heads and feet ---------------------------------------------------


def _band_candidates(layout: PageLayout) -> list[tuple[str, Line]]:
    """Lines that could be running heads or feet: rows in the page margins."""
    return [(ln.band, ln) for ln in layout.lines if ln.band]


PAGE_NUMBER_KEYS = {"#", "page#", "#/#", "-#-", "#of#", "page#of#", "p.#", "–#–"}


def running_keys(layouts: list[PageLayout]) -> set[tuple[str, str]]:
    """(band, normalised text) of lines that repeat on enough pages to be running heads/feet."""
    return running_keys_of([margin_rows(layout) for layout in layouts])


def margin_rows(layout: PageLayout) -> list[tuple[str, str]]:
    """(band, text) of a page's margin rows: all that running heads and page labels need."""
    return [(band, ln.text) for band, ln in _band_candidates(layout)]


def running_keys_of(pages: list[list[tuple[str, str]]]) -> set[tuple[str, str]]:
    """:func:`running_keys` from each page's :func:`margin_rows`."""
    pages_with: Counter[tuple[str, str]] = Counter()
    for rows in pages:
        pages_with.update({(band, normalise_for_repetition(text)) for band, text in rows})
    n = len(pages)
    if n < 2:
        return set()
    need = max(2, math.ceil(0.25 * n))
    keys = {k for k, c in pages_with.items() if c >= need and k[1]}
    keys |= {k for k, c in pages_with.items() if c >= 2 and k[1] in PAGE_NUMBER_KEYS}
    return keys


def strip_running(layouts: list[PageLayout]) -> list[str]:
    """Remove running heads, feet and the first page's masthead; return what was removed."""
    keys = running_keys(layouts)
    removed: list[str] = []
    for layout in layouts:
        removed.extend(strip_page(layout, keys))
    return removed


def strip_page(layout: PageLayout, keys: set[tuple[str, str]]) -> list[str]:
    """Remove one page's running heads and feet (and page 1's masthead); return what was removed."""
    removed: list[str] = []
    drop = {
        id(ln)
        for band, ln in _band_candidates(layout)
        if (band, normalise_for_repetition(ln.text)) in keys
    }
    if layout.number == 1 and keys:
        # The first page's masthead (journal name, series, number, date)
        # sits above the title where later pages carry their running head.
        for ln in layout.lines:
            if ln.top < layout.height * 0.1:
                drop.add(id(ln))
    kept = []
    for ln in layout.lines:
        if id(ln) in drop:
            removed.append(ln.text)
        else:
            kept.append(ln)
    layout.lines = kept
    removed.extend("".join(layout.removed).split())
    return removed


# --- hyphenation ---------------------------------------------------------------


def vocabulary(layouts: Iterable[PageLayout]) -> Counter[str]:
    """Words as the document writes them inside lines (not broken at a line end)."""
    vocab = Vocabulary()
    for layout in layouts:
        vocab.add(layout)
    return vocab.counts


class Vocabulary:
    """:func:`vocabulary` counted page by page, so no page need be kept for it."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.after_hyphen = False

    def add(self, layout: PageLayout) -> None:
        for ln in layout.lines:
            words = WORD.findall(ln.text.replace(SOFT_HYPHEN, ""))
            # The halves of a word broken at a line end are not words of the document:
            # "graphically" after "demo-" would vouch for "demo-graphically".
            if words and self.after_hyphen:
                words = words[1:]
            self.after_hyphen = ln.text.rstrip().endswith(tuple(HYPHENS))
            if words and self.after_hyphen:
                words = words[:-1]
            self.counts.update(w.lower() for w in words)


@lru_cache(maxsize=1)
def lexicon() -> frozenset[str]:
    """English words from spaCy's lemma tables (spacy-lookups-data): base forms and inflections.

    About 120,000 words, loaded in a tenth of a second: evidence that a word
    joined at a line-end hyphen is a word, when the document itself never
    writes it on one line.
    """
    import gzip
    import json

    try:
        import spacy_lookups_data
    except ImportError:  # pragma: no cover - a declared dependency
        return frozenset()
    folder = Path(spacy_lookups_data.__file__).parent / "data"
    words: set[str] = set()
    with gzip.open(folder / "en_lemma_lookup.json.gz", "rt", encoding="utf-8") as fh:
        lookup = json.load(fh)
    words.update(lookup)
    words.update(lookup.values())
    with gzip.open(folder / "en_lemma_index.json.gz", "rt", encoding="utf-8") as fh:
        for entries in json.load(fh).values():
            words.update(entries)
    return frozenset(w.lower() for w in words if w.isalpha())


# Endings that make a word from a word the lemma tables list ("demographic" +
# "ally"); the tables hold inflections, not derivations.
DERIVATIONS = ("ally", "ly", "ness", "ity", "s", "es", "ed", "ing", "er", "al")


def _is_word(word: str) -> bool:
    lex = lexicon()
    if word in lex:
        return True
    for ending in DERIVATIONS:
        if word.endswith(ending) and len(word) - len(ending) > 3:
            stem = word[: -len(ending)]
            if stem in lex or stem + "e" in lex:
                return True
    return False


def join_decision(
    left: str, right: str, soft: bool, vocab: Counter[str], before: str = ""
) -> str | None:
    """How a line ending in a hyphen joins the next: "" (drop it), "-" (keep), None (no join).

    ``left`` is the word part before the hyphen, ``right`` the first word of the
    next line, ``before`` the hyphenated parts printed before ``left`` on the
    same line ("business-" of "business-to-"). The decision follows evidence:
    the document's own spelling first, then English word lists, then the form
    of the halves.
    """
    if not left or not right or not left[-1].isalpha():
        return None
    if soft:
        return ""
    if not right[0].islower():
        # "Member-\nStates" is a compound or a list, not a broken word; a word in
        # capitals broken in two ("GOV-\nERN") joins when the document writes it whole.
        # A compound the document writes hyphenated keeps its hyphen ("human-\nAI",
        # "RIGHTS-\nMANAGEMENT" beside "rights-management").
        if left.isupper() and right.isupper() and vocab[(left + right).lower()]:
            return ""
        if vocab[f"{before}{left}-{right}".lower()] or vocab[f"{left}-{right}".lower()]:
            return "-"
        return None
    for head in ((before + left).lower(), left.lower()) if before else (left.lower(),):
        compound = f"{head}-{right.lower()}"
        closed = f"{head}{right.lower()}"
        if vocab[compound] > vocab[closed]:
            return "-"  # "business-to-\nbusiness", "open-\nsource" written so elsewhere
        if vocab[closed]:
            return ""
    closed = f"{left}{right}".lower()
    if _is_word(closed):
        return ""  # "employ-\nment", "high-\nlights", "exam-\nple"
    if (left.isupper() and len(left) > 1) or any(ch.isdigit() for ch in left):
        return "-"  # "AI-\nrelated", "GPT-\n4-based"
    if before:
        return "-"  # a break at a hyphen of a compound already hyphenated on the line
    head, tail = left.lower(), right.lower()
    # Both halves are words and the joined form is none: a compound ("self-\nrestoration").
    # Short halves need the document's word: "pro-\ngrammatic" is no compound.
    if len(head) > 2 and len(tail) > 3 and (vocab[head] or _is_word(head)) and vocab[tail]:
        return "-"
    if len(head) > 3 and len(tail) > 4 and _is_word(head) and _is_word(tail):
        return "-"
    return ""


# --- assembly -------------------------------------------------------------------

# Type codes of CharBoxes' arrays, in its field order (page, x0, top, x1, bottom).
BOX_TYPECODES = ("H", "f", "f", "f", "f")


class TextBuilder:
    """Accumulates clean text and one box per character.

    ``spill``: the boxes go to temporary files as they come (the body of a long
    document; see :mod:`corpus_tool.ingest.boxfile`), else they stay in arrays.
    """

    def __init__(self, *, spill: bool = False) -> None:
        self.parts: list[str] = []
        self.length = 0
        if spill:
            # SpilledArray answers every use of the boxes' arrays (cast: they are typed as array).
            self.boxes = CharBoxes(*(cast(array, SpilledArray(code)) for code in BOX_TYPECODES))
        else:
            self.boxes = CharBoxes()
        # A line-end hyphen waiting for the next line, which may be on the next
        # page: (word part before it, hyphenated parts before that, soft).
        self.pending_hyphen: tuple[str, str, bool] | None = None

    def add(
        self, text: str, page: int, x0s: array, tops: array, x1s: array, bottoms: array
    ) -> None:
        n = len(text)
        self.boxes.page.extend(array("H", [page]) * n)
        self.boxes.x0.extend(x0s[:n])
        self.boxes.top.extend(tops[:n])
        self.boxes.x1.extend(x1s[:n])
        self.boxes.bottom.extend(bottoms[:n])
        self.parts.append(text)
        self.length += len(text)

    def add_gap(self, text: str) -> None:
        """Separator characters carry the box of the character before them."""
        if not self.length:
            return
        last = self.boxes.locate(self.length - 1)
        for _ in text:
            self.boxes.append(last)
        self.parts.append(text)
        self.length += len(text)

    def ends_with(self, suffix: str) -> bool:
        return "".join(self.parts[-3:]).endswith(suffix)

    def drop_last(self, n: int) -> None:
        """Forget the last ``n`` characters (a line-end hyphen that joins a word)."""
        while n > 0 and self.parts:
            last = self.parts[-1]
            take = min(n, len(last))
            self.parts[-1] = last[: len(last) - take]
            if not self.parts[-1]:
                self.parts.pop()
            for a in (
                self.boxes.page,
                self.boxes.x0,
                self.boxes.top,
                self.boxes.x1,
                self.boxes.bottom,
            ):
                del a[len(a) - take :]
            self.length -= take
            n -= take

    def text(self) -> str:
        return "".join(self.parts)


def _clean_line(ln: Line) -> tuple[str, array, array, array, array]:
    """A line without soft hyphens inside words and without trailing spaces."""
    keep = [
        i
        for i, ch in enumerate(ln.text)
        if not (ch == SOFT_HYPHEN and i < len(ln.text.rstrip()) - 1)
    ]
    text = "".join(ln.text[i] for i in keep)
    end = len(text.rstrip())
    keep = keep[:end]
    return (
        text[:end],
        array("f", (ln.x0s[i] for i in keep)),
        array("f", (ln.tops[i] for i in keep)),
        array("f", (ln.x1s[i] for i in keep)),
        array("f", (ln.bottoms[i] for i in keep)),
    )


def _append_lines(
    out: TextBuilder,
    lines: list[tuple[int, Line]],
    vocab: Counter[str],
    calls: list[tuple[int, str, int]] | None = None,
) -> int | None:
    """Append lines with line/paragraph breaks and line-end hyphens joined.

    Returns the offset of the first character taken from ``lines`` (None if none).
    """
    first: int | None = None
    pending_hyphen = out.pending_hyphen
    for page, ln in lines:
        text, x0s, tops, x1s, bottoms = _clean_line(ln)
        if not text:
            continue
        joined = False
        start = 0
        if out.length:
            if pending_hyphen is not None:
                left, before, soft = pending_hyphen
                m = WORD.match(text)
                decision = join_decision(left, m.group(0) if m else "", soft, vocab, before)
                if decision is not None:
                    out.drop_last(1)
                    if decision:
                        out.add_gap(decision)
                    # The rest of the broken word joins this line's first word, with
                    # the punctuation after it ("making." / "benefits,"): the line
                    # break moves to the first space, never before a punctuation mark.
                    word_end = m.end() if m else 0
                    while word_end < len(text) and text[word_end] != " ":
                        word_end += 1
                    if first is None:
                        first = out.length
                    out.add(text[:word_end], page, x0s, tops, x1s, bottoms)
                    start = word_end
                    while start < len(text) and text[start] == " ":
                        start += 1
                    joined = True
            if not joined or start < len(text):
                out.add_gap("\n\n" if ln.paragraph_start else "\n")
        rest = text[start:]
        if first is None:
            first = out.length
        if calls is not None:
            base = out.length - start
            for s, e in ln.superscripts:
                label = ln.text[s:e].strip().strip("()")
                if label and s >= start:
                    calls.append((base + s, label, page))
        out.add(rest, page, x0s[start:], tops[start:], x1s[start:], bottoms[start:])
        pending_hyphen = None
        if text.endswith(tuple(HYPHENS)) and len(text) > 1:
            words = WORD.findall(text[:-1])
            if words and text[:-1].endswith(words[-1]):
                *parts, last = words[-1].split("-")
                before = "".join(f"{p}-" for p in parts)
                pending_hyphen = (last, before, text.endswith(SOFT_HYPHEN))
    out.pending_hyphen = pending_hyphen
    return first


def _footnote_label_span(ln: Line) -> int:
    """Length of the label at the start of a footnote's first line."""
    if ln.superscripts and ln.superscripts[0][0] == 0:
        end = ln.superscripts[0][1]
    else:
        m = re.match(r"\s*(\(\d{1,3}\)|\d{1,3}|[*†‡])", ln.text)
        end = m.end() if m else 0
    while end < len(ln.text) and ln.text[end] == " ":
        end += 1
    return end


def assemble(
    layouts: Iterable[PageLayout], vocab: Counter[str] | None = None
) -> tuple[TextBuilder, list[PageInfo], list[Footnote]]:
    """Body text with page map, and footnotes linked to their calls.

    With ``vocab`` (the document's :func:`vocabulary`) the pages are read once,
    in order, so they may come one at a time from a spill file.
    """
    if vocab is None:
        layouts = list(layouts)
        vocab = vocabulary(layouts)
    body = TextBuilder(spill=True)
    pages: list[PageInfo] = []
    calls: list[tuple[int, str, int]] = []
    notes: list[tuple[str, int, list[tuple[int, Line]]]] = []
    for layout in layouts:
        start = body.length
        body_lines = [(layout.number, ln) for ln in layout.lines if ln.role == "body"]
        first = _append_lines(body, body_lines, vocab, calls)
        for ln in layout.lines:
            if ln.role != "footnote":
                continue
            if ln.label or not notes:
                notes.append((ln.label, layout.number, [(layout.number, ln)]))
            else:
                notes[-1][2].append((layout.number, ln))
        # A page starts at its first character (the line break before it belongs to
        # the page before) and ends where the next page starts.
        if first is not None:
            start = first
        if pages:
            pages[-1] = replace(pages[-1], end=start)
        pages.append(PageInfo(layout.number, layout.width, layout.height, start, body.length))
        # The page's line records are now in the text; let them go so the peak
        # is the larger of the two, not their sum.
        layout.lines = [ln for ln in layout.lines if ln.role == "footnote"]
    footnotes: list[Footnote] = []
    used: set[int] = set()
    for label, page, lines in notes:
        fb = TextBuilder()
        head = lines[0][1]
        cut = _footnote_label_span(head) if label else 0
        trimmed = Line(
            head.text[cut:],
            head.x0s[cut:],
            head.tops[cut:],
            head.x1s[cut:],
            head.bottoms[cut:],
            head.size,
        )
        _append_lines(fb, [(page, trimmed), *lines[1:]], vocab)
        text = " ".join(fb.text().split())
        call = _find_call(calls, used, label, page)
        footnotes.append(Footnote(label=label or "", text=text, page=page, call=call))
    return body, pages, footnotes


def _find_call(
    calls: list[tuple[int, str, int]], used: set[int], label: str, page: int
) -> int | None:
    if not label:
        return None
    for want in (page, page - 1):
        for i, (offset, text, p) in enumerate(calls):
            if p == want and text == label and i not in used:
                used.add(i)
                return offset
    return None


def front_text(layout: PageLayout) -> str:
    return "\n".join(ln.text for ln in layout.lines)


class PageSpill:
    """Laid-out pages kept in an anonymous temporary file, read back in order.

    The decisions made across a document (running heads, the body type size,
    the vocabulary for line-end hyphens) need every page, but only a few
    numbers or margin rows of each: the pages themselves wait on disk, so the
    memory of an extraction does not grow with the page count.
    """

    def __init__(self) -> None:
        # Closed by close(), which extract_pdf calls whatever happens.
        self.file = tempfile.TemporaryFile(prefix="corpus-tool-pages-")  # noqa: SIM115
        self.count = 0

    def append(self, layout: PageLayout) -> None:
        pickle.dump(layout, self.file, pickle.HIGHEST_PROTOCOL)
        self.count += 1

    def __iter__(self) -> Iterator[PageLayout]:
        self.file.flush()
        self.file.seek(0)
        for _ in range(self.count):
            yield pickle.load(self.file)  # our own file, written just now by this process

    def close(self) -> None:
        self.file.close()


def extract_pdf(path: Path, progress: object | None = None) -> Extraction:
    """Clean text of a PDF (raises InputError for unreadable input).

    Three passes over the pages, which wait in temporary files between them:
    reading (keeping only margin rows and type sizes), then running heads
    stripped and footnotes and paragraphs marked (counting the vocabulary),
    then the text assembled.
    """
    read, finished = PageSpill(), PageSpill()
    try:
        return _extract(path, read, finished, progress)
    finally:
        read.close()
        finished.close()


def _extract(
    path: Path, read: PageSpill, finished: PageSpill, progress: object | None
) -> Extraction:
    front = ""
    margins: list[list[tuple[str, str]]] = []
    # Footnotes are "smaller than the body" in the document's terms, not the page's
    # (a page of many notes would otherwise take its notes for body text).
    sizes: Counter[float] = Counter()
    chars = 0
    for layout in read_layouts(path):
        if not read.count:
            front = front_text(layout)
        margins.append(margin_rows(layout))
        sizes[layout.body_size] += layout.char_count
        chars += layout.char_count
        read.append(layout)
        if callable(progress):
            progress(1)
    if not read.count:
        raise InputError(str(path), "the PDF has no pages")
    warnings: list[str] = []
    if chars < MIN_TEXT_CHARS * read.count:
        raise NoTextLayer(
            str(path), "no text layer (a scanned PDF?): it needs OCR; nothing indexed"
        )
    # Labels are read from the margin rows before they are stripped as running heads.
    labels = page_labels([[text for _band, text in rows] for rows in margins])
    keys = running_keys_of(margins)
    del margins
    body_size = sizes.most_common(1)[0][0]
    removed: list[str] = []
    vocab = Vocabulary()
    for layout in read:
        removed.extend(strip_page(layout, keys))
        layout.body_size = body_size
        finish_page(layout)
        vocab.add(layout)
        finished.append(layout)
    read.close()
    body, pages, footnotes = assemble(finished, vocab.counts)
    return Extraction(
        text=body.text(),
        boxes=body.boxes,
        pages=pages,
        footnotes=footnotes,
        removed=removed,
        front=front,
        pdf_title=pdf_title(path),
        warnings=warnings,
        page_labels=labels,
    )


class NoTextLayer(InputError):
    """A PDF with pages but no text to read: a warning, not a failure of the tool."""
