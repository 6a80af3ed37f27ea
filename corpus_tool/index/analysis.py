"""How provision text becomes index terms: legal-aware sentences, words and positions.

Every word gets a position that encodes both its sentence and its place in the
provision: ``position = sentence * SENTENCE_STRIDE + word``. Whoosh's phrase
queries and span queries then never join words across a sentence end (the
positions jump by more than any slop), while ``/n`` can still count plain
words across sentences by decoding the position (``word_of``).
The highlighter tokenizes with the same functions, so index positions and
highlight offsets always agree.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from whoosh.analysis import Composable, LowercaseFilter, StemFilter, Token, Tokenizer

# A provision has far fewer words than this; sentence k's words start at k * stride.
SENTENCE_STRIDE = 1 << 20

# Numbers with inner dots/commas ("4.6", "2019.790", "1,000") stay one word so that
# "Sec. 4.6" is searchable; otherwise a word is a run of letters/digits, with an
# apostrophe inside ("provider's"). A hyphen separates words: "open-source" is
# indexed as "open" "source" at consecutive positions, so the phrase matches both
# spellings.
WORD_RE = re.compile(r"\d+(?:[.,]\d+)+|\w+(?:['’]\w+)*")

# A sentence may end after . ? ! (and closing quotes or brackets) when the next
# sentence starts with a capital, a digit, an opening bracket or quote, or a
# point label such as "(a)".
_BOUNDARY_RE = re.compile(r"[.?!][\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9]|\([a-z]{1,4}\)\s)")
_WORD_BEFORE_RE = re.compile(r"([\w.]+)$")
_NUMBER_NEXT_RE = re.compile(r"\(?(?:\d|[IVXLC]+\b)")
_LIST_LABEL_RE = re.compile(r"^(?:\d+|[ivxlcdm]+|[a-z])$", re.IGNORECASE)


@lru_cache(maxsize=1)
def _abbreviation_table() -> dict[str, bool]:
    """Abbreviation -> True when it is one only before a number (data file)."""
    text = resources.files("corpus_tool.index").joinpath("abbreviations.txt").read_text("utf-8")
    table = {}
    for line in text.splitlines():
        parts = line.strip().lower().split()
        if parts and not parts[0].startswith("#"):
            table[parts[0]] = len(parts) > 1 and parts[1] == "number"
    return table


def abbreviations() -> frozenset[str]:
    """Words that may take a full stop without ending a sentence."""
    return frozenset(_abbreviation_table())


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """The ``[start, end)`` offsets of the sentences of ``text``, in order.

    A line break always ends a sentence (index fields made of several entries,
    such as a citation path, put one entry per line).
    """
    spans: list[tuple[int, int]] = []
    offset = 0
    for line in text.split("\n"):
        spans.extend((s + offset, e + offset) for s, e in _line_sentences(line))
        offset += len(line) + 1
    return spans


def _line_sentences(text: str) -> list[tuple[int, int]]:
    abbrev = _abbreviation_table()
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _BOUNDARY_RE.finditer(text):
        stop = m.start()
        if text[stop] == ".":
            before = _WORD_BEFORE_RE.search(text, start, stop)
            word = before.group(1).lower() if before else ""
            if word in abbrev and (not abbrev[word] or _NUMBER_NEXT_RE.match(text, m.end())):
                continue  # "Art. 5", "No. 1025/2012", "e.g. The"
            if len(word) == 1 and word.isalpha():
                continue  # initials
            if word and text[start:stop].strip() == word and _LIST_LABEL_RE.match(word):
                continue  # "1. The Commission ..." — a list label, not a sentence
        end = m.start() + 1
        spans.append((start, end))
        start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


@dataclass(frozen=True, slots=True)
class Word:
    """One word of a text, with its encoded position and character offsets."""

    text: str  # lower-cased, apostrophe-s removed
    pos: int
    start: int
    end: int


def _normalise(word: str) -> str:
    w = word.lower().replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    return w


def words(text: str, *, sentences: bool = True) -> Iterator[Word]:
    """The words of ``text`` with encoded positions (one sentence = one stride)."""
    spans = sentence_spans(text) if sentences else [(0, len(text))]
    index = 0
    for sent, (s, e) in enumerate(spans):
        base = sent * SENTENCE_STRIDE
        for m in WORD_RE.finditer(text, s, e):
            w = _normalise(m.group(0))
            if not w:
                continue
            yield Word(w, base + index, m.start(), m.end())
            index += 1


def word_positions(text: str) -> list[tuple[str, int]]:
    """``(word.text, word.pos)`` of every word of ``words(text)``, without the offsets.

    The index writer needs only these two, and making a Word object per word
    cost more than finding the word: the regex runs over each sentence in one
    call and only a word holding an apostrophe goes through ``_normalise``.
    """
    out: list[tuple[str, int]] = []
    append = out.append
    find = WORD_RE.findall
    index = 0
    for sent, (s, e) in enumerate(sentence_spans(text)):
        base = sent * SENTENCE_STRIDE
        for raw in find(text, s, e):
            if "'" in raw or "’" in raw:
                w = _normalise(raw)
                if not w:
                    continue
            else:
                w = raw.lower()
            append((w, base + index))
            index += 1
    return out


@lru_cache(maxsize=8)
def _words_once(text: str, sentences: bool) -> tuple[Word, ...]:
    # The stemmed and exact fields analyse the same text one after the other.
    return tuple(words(text, sentences=sentences))


def cached_words(text: str) -> tuple[Word, ...]:
    """``words(text)`` (with sentences), shared with the tokenizer's cache: the
    index writer analyses each text of an entry for two fields."""
    return _words_once(text, True)


def sentence_of(pos: int) -> int:
    return pos // SENTENCE_STRIDE


def word_of(pos: int) -> int:
    return pos % SENTENCE_STRIDE


class LegalTokenizer(Tokenizer):
    """A Whoosh tokenizer yielding ``words()`` (sentence-encoded positions)."""

    def __init__(self, sentences: bool = True) -> None:
        self.sentences = sentences

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LegalTokenizer) and other.sentences == self.sentences

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: object,
    ) -> Iterator[Token]:
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            t.original = t.text = value
            t.boost = 1.0
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar, t.endchar = start_char, start_char + len(value)
            yield t
            return
        for w in _words_once(value, self.sentences):
            t.text = w.text
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = w.text
            if positions:
                t.pos = start_pos + w.pos
            if chars:
                t.startchar, t.endchar = start_char + w.start, start_char + w.end
            yield t


def _stemmer() -> StemFilter:
    return StemFilter(lang="en", cachesize=100_000)


def stemmed_analyzer() -> Composable:
    """Stemmed English words (no stop words: "shall not apply" must stay whole)."""
    return LegalTokenizer() | LowercaseFilter() | _stemmer()


def exact_analyzer() -> Composable:
    """Lower-cased words as written, for quoted phrases, wildcards and ``!``."""
    return LegalTokenizer() | LowercaseFilter()


@lru_cache(maxsize=1)
def _stem_fn():
    from whoosh.lang import stemmer_for_language

    return stemmer_for_language("en")


@lru_cache(maxsize=100_000)
def stem(word: str) -> str:
    """The stemmed form of one lower-cased word (as the stemmed field indexes it)."""
    return str(_stem_fn()(word))


def query_words(text: str) -> list[str]:
    """The words a query term is made of, analysed like the text it searches."""
    return [w.text for w in words(text, sentences=False)]
