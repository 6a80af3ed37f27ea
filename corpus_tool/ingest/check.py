"""Quality check: our clean text against an independent extraction (pypdfium2).

Definitions (also in the README):

* **reference words** - the words pypdfium2 reads from every page, lower-cased,
  split at anything that is not a letter or digit (so "open-source" is two
  words in both texts); a word broken at a line end ("Arti-" + "ficial") counts
  as one word when our text has the joined form, else as its two halves.
* **body words** - the reference words minus the words we removed on purpose
  (running heads and feet, the first-page masthead, invisible printer marks and
  rotated margin stamps; each removed word is subtracted once per occurrence,
  read forwards or backwards because stamps come out reversed).
* **kept** - the share of body words that our clean text (body and footnotes)
  contains, counted with multiplicity.
* **invented** - words of our text that do not occur anywhere in the reference.

Beside the counts, **findings**: places where the token sequences of the two
readings differ in a way that damages the text, each with its page and a
snippet of our text (see :func:`find_differences`):

* ``split-word`` - one word of the reference is two in ours ("employ ment",
  "exam- ple");
* ``glued-word`` - two words of the reference are one in ours ("inthe");
* ``hyphen-kept`` - we kept a hyphen (at a line end, or inside a line) where
  the joined word is the word: the reference writes it joined on one line, or
  it is an English word, and never writes it hyphenated ("employ-ment");
* ``hyphen-dropped`` - we joined a word the reference writes with a hyphen
  on one line and never joined ("selfrestoration" beside "self-restoration");
* ``space-before-punctuation`` - a space (or line break) in our text between
  a word and a comma, full stop, colon or semicolon that the reference does
  not have ("benefits , other");
* ``reading-order`` - a run of words that stands in another place of the page
  than in the reference (columns read across).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from corpus_tool.errors import InputError
from corpus_tool.model import Document

# Words are runs of letters or runs of digits: a note call against a word
# ("general32", "2See") is read the same way whichever reader spaced it.
TOKEN = re.compile(r"[^\W\d_]+|\d+")
# pypdfium2 marks a line-end hyphen as U+FFFE (or U+0002) and may drop the line break.
LINE_BREAK_HYPHEN = re.compile(
    r"([^\W\d_]+)(?:[-\u2010\u00ad]\s*\r?\n|[\x02\ufffe]\s*(?:\r?\n)?)\s*([^\W\d_]+)"
)


FINDING_KINDS = (
    "split-word",
    "glued-word",
    "hyphen-kept",
    "hyphen-dropped",
    "space-before-punctuation",
    "reading-order",
)
# A moved run must be this many words long: shorter runs recur by chance.
MIN_MOVED_RUN = 5
# Characters of the next page read with each page (a word broken across the break).
PAGE_OVERLAP = 60
# How many findings of each kind a result keeps (the count is always complete).
MAX_FINDINGS_PER_KIND = 50


@dataclass
class Finding:
    """One place where our text differs from the reference in a damaging way."""

    kind: str  # one of FINDING_KINDS
    page: int  # 1-based PDF page
    snippet: str  # our text around it (for reading-order: the run that moved)
    reference: str = ""  # the reference's reading of the same words

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class CheckResult:
    file: str
    doc_id: str
    body_words: int
    kept_words: int
    invented_words: int
    invented_examples: list[str] = field(default_factory=list)
    lost_examples: list[str] = field(default_factory=list)
    finding_counts: dict[str, int] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    @property
    def kept_pct(self) -> float:
        return 100.0 * self.kept_words / self.body_words if self.body_words else 100.0

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "kept_pct": round(self.kept_pct, 3)}

    @property
    def clean(self) -> bool:
        """No finding of any kind."""
        return not any(self.finding_counts.values())

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CheckResult:
        names = {
            "file",
            "doc_id",
            "body_words",
            "kept_words",
            "invented_words",
            "invented_examples",
            "lost_examples",
            "finding_counts",
        }
        result = cls(**{k: v for k, v in data.items() if k in names})
        result.findings = [Finding(**f) for f in data.get("findings", [])]
        return result

    def summary(self) -> str:
        found = ", ".join(f"{n} {k}" for k, n in self.finding_counts.items() if n)
        return (
            f"{self.file}: {self.kept_pct:.2f}% of {self.body_words} body words kept, "
            f"{self.invented_words} invented" + (f"; findings: {found}" if found else "")
        )


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace("\u00ad", "").lower()


def tokens(text: str) -> list[str]:
    return TOKEN.findall(normalise(text))


def reference_text(path: Path) -> str:
    """All pages' text as pypdfium2 reads it."""
    return "\n".join(reference_pages(path))


def reference_pages(path: Path) -> list[str]:
    """Each page's text as pypdfium2 reads it."""
    import pypdfium2

    try:
        pdf = pypdfium2.PdfDocument(str(path))
    except Exception as exc:
        raise InputError(str(path), f"pypdfium2 cannot open it ({exc})") from exc
    parts: list[str] = []
    try:
        for i in range(len(pdf)):
            page = pdf[i]
            textpage = page.get_textpage()
            parts.append(textpage.get_text_range())
            textpage.close()
            page.close()
    finally:
        pdf.close()
    return parts


def _count_in(blob: str, word: str) -> int:
    n = blob.count(word)
    if len(word) > 1:
        n += blob.count(word[::-1])
    return n


def compare_texts(
    reference: str, ours: str, removed: list[str], *, file: str = "", doc_id: str = ""
) -> CheckResult:
    """Kept and invented words of ``ours`` against ``reference`` (see module docstring)."""
    return _compare_counts(normalise(reference), _count_tokens([ours]), removed, file, doc_id)


def _pieces(text: str, size: int = 1 << 16) -> Iterator[str]:
    """``text`` in pieces of about ``size`` characters, each cut just after a line break.

    Normalising and tokenising piece by piece gives the same words as the whole
    text (a line break is neither part of a word nor changed by NFKC or by
    lower-casing, and it ends a final sigma's context), without a copy of the
    whole document or a list of all its words.
    """
    start = 0
    while start < len(text):
        cut = text.find("\n", start + size)
        stop = len(text) if cut < 0 else cut + 1
        yield text[start:stop]
        start = stop


def _count_tokens(parts: Iterable[str]) -> Counter[str]:
    """Counts of the words of the parts as if joined by line breaks."""
    counts: Counter[str] = Counter()
    for part in parts:
        for piece in _pieces(part):
            counts.update(TOKEN.findall(normalise(piece)))
    return counts


def _compare_counts(
    ref: str, our_counts: Counter[str], removed: list[str], file: str, doc_id: str
) -> CheckResult:
    """:func:`compare_texts` on the normalised reference and the counts of our words.

    The reference's words are counted as they are found, never listed: a list
    of a 1,000-page document's words costs tens of megabytes.
    """
    our_vocab = our_counts.keys()
    expected: Counter[str] = Counter()
    ref_vocab: set[str] = set()
    pos = 0
    for m in LINE_BREAK_HYPHEN.finditer(ref):
        expected.update(TOKEN.findall(ref, pos, m.start()))
        left, right = m.group(1), m.group(2)
        joined = left + right
        ref_vocab.update((left, right, joined))
        if joined in our_vocab and not (
            left in our_vocab and right in our_vocab and our_counts[joined] == 0
        ):
            expected[joined] += 1
        else:
            expected[left] += 1
            expected[right] += 1
        pos = m.end()
    expected.update(TOKEN.findall(ref, pos))
    ref_vocab.update(expected)
    blob = re.sub(r"\s+", "", normalise(" ".join(removed)))
    if blob:
        for word in list(expected):
            gone = _count_in(blob, word)
            if gone:
                expected[word] = max(0, expected[word] - gone)
    body = sum(expected.values())
    kept = sum(min(our_counts[w], n) for w, n in expected.items())
    invented = {w: n for w, n in our_counts.items() if w not in ref_vocab}
    lost = Counter({w: n - our_counts[w] for w, n in expected.items() if n > our_counts[w]})
    return CheckResult(
        file=file,
        doc_id=doc_id,
        body_words=body,
        kept_words=kept,
        invented_words=sum(invented.values()),
        invented_examples=sorted(invented, key=lambda w: -invented[w])[:10],
        lost_examples=[w for w, _ in lost.most_common(10)],
    )


def compare_document(path: Path, doc: Document, removed: list[str]) -> CheckResult:
    """:func:`compare_texts` and :func:`find_differences` of ``doc`` against pypdfium2's reading.

    What is held beside the document is its reference reading (one string a
    page, then those pages normalised as one string while the words are
    counted) and the vocabularies, never a list of all words of either side.
    """
    our_counts = _count_tokens([doc.text, *(f"{f.label} {f.text}" for f in doc.footnotes)])
    pages = reference_pages(path)
    # NFKC and lower-casing per page give the text of the pages joined (see _pieces).
    ref = "\n".join(normalise(page) for page in pages)
    result = _compare_counts(ref, our_counts, removed, doc.meta.file, doc.meta.doc_id)
    del ref, our_counts
    findings = find_differences(doc, pages)
    result.finding_counts = {k: 0 for k in FINDING_KINDS}
    for f in findings:
        result.finding_counts[f.kind] += 1
    kept: Counter[str] = Counter()
    for f in findings:
        kept[f.kind] += 1
        if kept[f.kind] <= MAX_FINDINGS_PER_KIND:
            result.findings.append(f)
    return result


# --- token-sequence comparison -------------------------------------------------------

# pypdfium2 prints a hyphen it takes for a line-end break as U+FFFE (or U+0002),
# usually without the line break; a plain hyphen before a line break is one too.
REF_BREAK = re.compile(r"[\ufffe\x02]\s*|[-\u2010\u00ad][ \t]*\r?\n\s*")
HYPHEN_CHARS = "-\u2010\u2011"
PUNCTUATION_AFTER_SPACE = re.compile(r"([^\W\d_]+)(\s+)([,.;:])(?=\s|$)")


@dataclass
class _Tokens:
    """Words of a text (letter runs, digit runs) and what separates each from the one before."""

    words: list[str]
    seps: list[str]  # "" before the first; " ", "-", "- " (hyphen and space), "break", "p"
    starts: list[int]  # offsets in the text the tokens came from


def _sep_kind(sep: str, reference: bool) -> str:
    if reference and REF_BREAK.fullmatch(sep):
        return "break"
    stripped = sep.strip()
    if stripped and all(ch in HYPHEN_CHARS for ch in stripped):
        return "-" if stripped == sep else "- "
    if not stripped:
        return " "
    return "p"


def _tokenise(text: str, *, reference: bool) -> _Tokens:
    words: list[str] = []
    seps: list[str] = []
    starts: list[int] = []
    prev_end = 0
    for m in TOKEN.finditer(text):
        words.append(normalise(m.group(0)))
        seps.append(_sep_kind(text[prev_end : m.start()], reference) if words[:-1] else "")
        starts.append(m.start())
        prev_end = m.end()
    return _Tokens(words, seps, starts)


def _inline_forms(pages: list[str]) -> tuple[Counter[str], Counter[str]]:
    """Closed words and hyphenated compounds the reference prints inside a line."""
    closed: Counter[str] = Counter()
    hyphenated: Counter[str] = Counter()
    for page in pages:
        text = REF_BREAK.sub("\x00", normalise(page))
        for m in re.finditer(r"[^\W\d_]+(?:[-\u2010][^\W\d_]+)*", text):
            word = m.group(0)
            if "-" in word or "\u2010" in word:
                hyphenated[word.replace("\u2010", "-")] += 1
            else:
                closed[word] += 1
    return closed, hyphenated


_SPACES = re.compile(r"\s+")


def _collapse_spaces(text: str) -> str:
    """``" ".join(text.split())`` without the list of every word (re's \\s is str.split's space)."""
    return _SPACES.sub(" ", text).strip(" ")


def _snippet(text: str, start: int, end: int, margin: int = 30) -> str:
    return " ".join(text[max(0, start - margin) : end + margin].split())


def find_differences(doc: Document, reference_pages: list[str]) -> list[Finding]:
    """Findings of every kind (module docstring) for ``doc`` against pypdfium2's pages."""
    from corpus_tool.ingest.pdf import _is_word

    closed, hyphenated = _inline_forms(reference_pages)
    findings: list[Finding] = []

    def joined_is_the_word(a: str, b: str) -> bool:
        return (closed[a + b] > 0 or _is_word(a + b)) and not hyphenated[f"{a}-{b}"]

    def hyphenated_is_the_word(a: str, b: str) -> bool:
        return hyphenated[f"{a}-{b}"] > 0 and not closed[a + b]

    for n, info in enumerate(doc.pages):
        if info.number > len(reference_pages):
            break
        # Each page is read with the opening of the next, so a word broken across
        # the page break is seen whole; findings are reported on the page they start on.
        overlap = info.end + PAGE_OVERLAP
        text = doc.text[info.start : overlap]
        ours = _tokenise(text, reference=False)
        limit = sum(1 for start in ours.starts if start < info.end - info.start)
        following = reference_pages[info.number][:PAGE_OVERLAP] if n + 1 < len(doc.pages) else ""
        ref = _tokenise(reference_pages[info.number - 1] + "\n" + following, reference=True)
        page = info.number
        matcher = difflib.SequenceMatcher(None, ours.words, ref.words, autojunk=False)
        deleted: list[tuple[int, int]] = []
        inserted: list[str] = []
        opcodes = matcher.get_opcodes()
        # A hyphen and a space inside a word of ours ("exam- ple") where the reference
        # breaks the word at that hyphen, even with a page foot between the halves.
        aligned = {
            i: j1 + (i - i1)
            for op, i1, i2, j1, _ in opcodes
            if op == "equal"
            for i in range(i1, i2)
        }
        for k in range(1, min(limit + 1, len(ours.words))):
            j = aligned.get(k - 1)
            if ours.seps[k] != "- " or j is None or j + 1 >= len(ref.words):
                continue
            a, b = ours.words[k - 1], ours.words[k]
            if ref.seps[j + 1] == "break" and _is_word(a + b):
                where = (ours.starts[k - 1], ours.starts[k] + len(b))
                findings.append(Finding("split-word", page, _snippet(text, *where), a + b))
        for op, i1, i2, j1, j2 in opcodes:
            if i1 >= limit:
                break
            if op == "equal":
                for k in range(1, min(i2, limit + 1) - i1):
                    o, r = ours.seps[i1 + k], ref.seps[j1 + k]
                    a, b = ours.words[i1 + k - 1], ours.words[i1 + k]
                    where = (ours.starts[i1 + k - 1], ours.starts[i1 + k] + len(b))
                    if o == "-" and r == "break" and joined_is_the_word(a, b):
                        findings.append(Finding("hyphen-kept", page, _snippet(text, *where), a + b))
                continue
            if op == "replace" and "".join(ours.words[i1:i2]) == "".join(ref.words[j1:j2]):
                where = (ours.starts[i1], ours.starts[i2 - 1] + len(ours.words[i2 - 1]))
                snippet = _snippet(text, *where)
                if i2 - i1 > j2 - j1:
                    seps = ours.seps[i1 + 1 : i2]
                    # A word the reference reads glued ("CHAPTER I" as "chapteri") is
                    # no split of ours: only a split of a real word counts.
                    joined = "".join(ours.words[i1:i2])
                    is_word = _is_word(joined) or (
                        closed[joined] > 0
                        and not all(closed[w] or _is_word(w) for w in ours.words[i1:i2])
                    )
                    if is_word and any(sep in (" ", "- ") for sep in seps):
                        findings.append(
                            Finding("split-word", page, snippet, " ".join(ref.words[j1:j2]))
                        )
                    elif is_word and "-" in seps:
                        findings.append(
                            Finding("hyphen-kept", page, snippet, " ".join(ref.words[j1:j2]))
                        )
                elif i2 - i1 < j2 - j1:
                    seps = ref.seps[j1 + 1 : j2]
                    parts = ref.words[j1:j2]
                    # The reference letter-spaces some headings ("dat a", "st atus"): a
                    # glued word is one of ours that is no word at all ("inthe").
                    glued = not all(_is_word(w) or closed[w] for w in ours.words[i1:i2])
                    if " " in seps and glued:
                        findings.append(Finding("glued-word", page, snippet, " ".join(parts)))
                    elif "-" in seps or any(
                        sep == "break" and hyphenated_is_the_word(x, y)
                        for sep, x, y in zip(seps, parts, parts[1:], strict=False)
                    ):
                        findings.append(Finding("hyphen-dropped", page, snippet, "-".join(parts)))
                continue
            if op in ("delete", "replace") and i2 - i1 >= MIN_MOVED_RUN:
                deleted.append((i1, i2))
            if op in ("insert", "replace") and j2 - j1 >= MIN_MOVED_RUN:
                inserted.append(" " + " ".join(ref.words[j1:j2]) + " ")
        # A run of our words the reference reads elsewhere on the page: a reading-order slip.
        for i1, i2 in deleted:
            for s in range(i1, i2 - MIN_MOVED_RUN + 1, MIN_MOVED_RUN):
                run = " " + " ".join(ours.words[s : s + MIN_MOVED_RUN]) + " "
                if any(run in block for block in inserted):
                    end = ours.starts[i2 - 1] + len(ours.words[i2 - 1])
                    findings.append(
                        Finding(
                            "reading-order", page, _snippet(text, ours.starts[i1], end, 0)[:200]
                        )
                    )
                    break
    # Spaces before punctuation: in our body text and footnotes, unless the reference has them too.
    # The reference with its white space collapsed is made only when a candidate needs it.
    flat: list[str] = []

    def in_reference(needle: str) -> bool:
        if not flat:
            flat.append(_collapse_spaces("\n".join(normalise(p) for p in reference_pages)))
        return needle in flat[0]

    for m in PUNCTUATION_AFTER_SPACE.finditer(doc.text):
        word, punct = normalise(m.group(1)), m.group(3)
        if in_reference(f"{word} {punct}"):
            continue  # printed so ("OJ C , , p.": blanks of a draft)
        findings.append(
            Finding(
                "space-before-punctuation",
                doc.page_at(m.start()),
                _snippet(doc.text, m.start(), m.end()),
            )
        )
    for note in doc.footnotes:
        for m in PUNCTUATION_AFTER_SPACE.finditer(note.text):
            if in_reference(f"{normalise(m.group(1))} {m.group(3)}"):
                continue
            findings.append(
                Finding(
                    "space-before-punctuation", note.page, _snippet(note.text, m.start(), m.end())
                )
            )
    return findings
