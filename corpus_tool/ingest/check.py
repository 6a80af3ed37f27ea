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
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
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


@dataclass
class CheckResult:
    file: str
    doc_id: str
    body_words: int
    kept_words: int
    invented_words: int
    invented_examples: list[str] = field(default_factory=list)
    lost_examples: list[str] = field(default_factory=list)

    @property
    def kept_pct(self) -> float:
        return 100.0 * self.kept_words / self.body_words if self.body_words else 100.0

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "kept_pct": round(self.kept_pct, 3)}

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
        }
        return cls(**{k: v for k, v in data.items() if k in names})

    def summary(self) -> str:
        return (
            f"{self.file}: {self.kept_pct:.2f}% of {self.body_words} body words kept, "
            f"{self.invented_words} invented"
        )


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace("\u00ad", "").lower()


def tokens(text: str) -> list[str]:
    return TOKEN.findall(normalise(text))


def reference_text(path: Path) -> str:
    """All pages' text as pypdfium2 reads it."""
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
    return "\n".join(parts)


def _count_in(blob: str, word: str) -> int:
    n = blob.count(word)
    if len(word) > 1:
        n += blob.count(word[::-1])
    return n


def compare_texts(
    reference: str, ours: str, removed: list[str], *, file: str = "", doc_id: str = ""
) -> CheckResult:
    """Kept and invented words of ``ours`` against ``reference`` (see module docstring)."""
    our_counts = Counter(tokens(ours))
    our_vocab = set(our_counts)
    ref_tokens: list[str] = []
    ref_vocab: set[str] = set()
    pos = 0
    ref = normalise(reference)
    for m in LINE_BREAK_HYPHEN.finditer(ref):
        ref_tokens.extend(TOKEN.findall(ref[pos : m.start()]))
        left, right = m.group(1), m.group(2)
        joined = left + right
        ref_vocab.update((left, right, joined))
        if joined in our_vocab and not (
            left in our_vocab and right in our_vocab and our_counts[joined] == 0
        ):
            ref_tokens.append(joined)
        else:
            ref_tokens.extend((left, right))
        pos = m.end()
    ref_tokens.extend(TOKEN.findall(ref[pos:]))
    expected = Counter(ref_tokens)
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
    ours = doc.text + "\n" + "\n".join(f"{f.label} {f.text}" for f in doc.footnotes)
    return compare_texts(
        reference_text(path), ours, removed, file=doc.meta.file, doc_id=doc.meta.doc_id
    )
