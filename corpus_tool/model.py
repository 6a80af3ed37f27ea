"""The data that flows between corpus_tool's stages, defined once.

Every stage is a function over these frozen dataclasses:
ingest (file -> Document) -> segment (Document -> Provisions) -> tag
(Provisions -> Tags) -> index; annotate; export.

Offsets are the source of truth. ``Document.text`` is the clean text of a
document; a Provision's ``start``/``end`` are offsets into it; a Tag's evidence,
a SearchHit's highlights and an Annotation's position are offsets into the
provision's own ``text``. ``CharBoxes`` maps any offset of ``Document.text``
back to its page and bounding box.
"""

from __future__ import annotations

import base64
import dataclasses
import os
import sys
import tempfile
import types
import typing
import zlib
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# Document families (issue 2, item 6). Kept as plain strings so that the JSON
# interface stays simple; this tuple is the closed list the code may produce.
FAMILIES = (
    "eu-regulation",
    "eu-directive",
    "eu-decision",
    "eu-proposal",
    "us-executive-order",
    "us-federal-register-notice",
    "us-state-bill",
    "licence",
    "other",
)


@dataclass(frozen=True, slots=True)
class Box:
    """Where a character sits: 1-based page number and PDF points from top-left."""

    page: int
    x0: float
    top: float
    x1: float
    bottom: float


@dataclass(frozen=True, slots=True)
class PageInfo:
    """One page of a document and the slice of the clean text that came from it."""

    number: int  # 1-based
    width: float
    height: float
    start: int  # offset in Document.text of the first character from this page
    end: int  # offset one past the last character from this page


@dataclass(frozen=True, slots=True)
class Footnote:
    """A footnote kept apart from the body text."""

    label: str  # as printed: "1", "12", "*"
    text: str
    page: int
    call: int | None = None  # offset in Document.text of its call, when found


class CharBoxes:
    """Per-character page and box for a document's clean text, stored compactly.

    Characters the cleaner inserted (a recovered space, a newline) carry the box
    of the character before them, so every offset maps to a page.
    """

    __slots__ = ("page", "x0", "top", "x1", "bottom")  # noqa: RUF023 (field order matters)

    def __init__(
        self,
        page: array | None = None,
        x0: array | None = None,
        top: array | None = None,
        x1: array | None = None,
        bottom: array | None = None,
    ) -> None:
        self.page = page if page is not None else array("H")
        self.x0 = x0 if x0 is not None else array("f")
        self.top = top if top is not None else array("f")
        self.x1 = x1 if x1 is not None else array("f")
        self.bottom = bottom if bottom is not None else array("f")

    def append(self, box: Box) -> None:
        self.page.append(box.page)
        self.x0.append(box.x0)
        self.top.append(box.top)
        self.x1.append(box.x1)
        self.bottom.append(box.bottom)

    def __len__(self) -> int:
        return len(self.page)

    def locate(self, offset: int) -> Box:
        """The page and box of the character at ``offset`` of the clean text."""
        if not len(self.page):
            raise IndexError("document has no character boxes")
        i = min(max(offset, 0), len(self.page) - 1)
        return Box(self.page[i], self.x0[i], self.top[i], self.x1[i], self.bottom[i])

    def pages_of(self, start: int, end: int) -> tuple[int, int]:
        """First and last page of the span ``[start, end)``."""
        if not len(self.page):
            return (1, 1)
        lo = min(max(start, 0), len(self.page) - 1)
        hi = min(max(end - 1, lo), len(self.page) - 1)
        pages = self.page[lo : hi + 1]
        return (min(pages), max(pages))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CharBoxes) and all(
            getattr(self, n) == getattr(other, n) for n in self.__slots__
        )


@dataclass(frozen=True, slots=True)
class DocumentMeta:
    """What a document is: the fields of ``corpus-tool docs --json``."""

    file: str  # file name as given, e.g. "eu-ai-act-2024-1689.pdf"
    doc_id: str  # stable id derived from the file name
    sha256: str
    title: str
    family: str  # one of FAMILIES
    jurisdiction: str  # "EU", "US", "UK", "" when unknown
    date: str  # ISO date "2024-07-12" or ""
    citation: str  # "Regulation (EU) 2024/1689", "Executive Order 14110", "88 FR 75191"
    eli: str  # ELI URI where printed, else ""
    pages: int  # 0 for text files
    source: str = ""  # absolute path the file was ingested from
    media_type: str = "application/pdf"
    # Where it was published, as read from its mastheads and running heads:
    # "OJ L 119, 4.5.2016", "OJ L, 12.7.2024", "88 FR 75191, November 1, 2023"; "" if unknown.
    # Pinpoint citations (corpus_tool/pinpoint.py) are built from it.
    publication: str = ""


@dataclass(frozen=True)
class Document:
    """A document's clean text, as a reader sees it, mapped back to its pages."""

    meta: DocumentMeta
    text: str
    pages: tuple[PageInfo, ...] = ()
    footnotes: tuple[Footnote, ...] = ()
    boxes: CharBoxes | None = None  # None for plain-text sources
    warnings: tuple[str, ...] = ()
    # Printed page label of each PDF page (index 0 = PDF page 1), as printed in its
    # running head or foot ("L 119/36", "75203", "85"); "" where the page prints none.
    # See docs/decisions.md, section 3.
    page_labels: tuple[str, ...] = ()

    def printed_page(self, number: int) -> str:
        """The label printed on PDF page ``number`` (1-based), else the number itself."""
        if 1 <= number <= len(self.page_labels) and self.page_labels[number - 1]:
            return self.page_labels[number - 1]
        return str(number)

    def page_at(self, offset: int) -> int:
        """1-based page of the character at ``offset`` (1 for plain text)."""
        if self.boxes is not None and len(self.boxes):
            return self.boxes.locate(offset).page
        for p in self.pages:
            if p.start <= offset < p.end:
                return p.number
        return 1


@dataclass(frozen=True, slots=True)
class Reference:
    """A cross-reference written inside a provision."""

    text: str  # as written: "paragraph 1, points (a) and (b)"
    start: int  # offsets in the provision's text
    end: int
    target: str | None = None  # resolved provision id in the same document
    target_doc: str | None = None  # doc_id of another corpus document it resolves to
    external: str | None = None  # official citation of another act, "Directive (EU) 2019/790"


@dataclass(frozen=True)
class Provision:
    """One citable unit of a document: a recital, article, paragraph, point, section…"""

    file: str
    doc_id: str
    id: str  # "art_53__para_2" (see ../shared/gold/README.md convention)
    citation: str  # "Article 53(2)"
    kind: str  # recital, article, paragraph, point, chapter, section, annex, subsection, clause, …
    parent: str | None
    heading: str
    path: tuple[str, ...]  # breadcrumb of citations: ("Chapter V", "Section 2", "Article 53")
    pages: tuple[int, int]  # first and last page
    start: int  # span in Document.text
    end: int
    text: str  # the provision's text, without its own number label
    order: int  # position in document order
    footnotes: tuple[Footnote, ...] = ()
    refs: tuple[Reference, ...] = ()
    defined_term: str | None = None
    searchable: bool = True  # False for pure containers whose text is all in children
    # Runs of (offset in self.text, offset in Document.text, length) where the provision's
    # text was collapsed or joined; empty means self.text[i] is Document.text[start + i].
    # See docs/decisions.md, section 3.
    offset_map: tuple[tuple[int, int, int], ...] = ()


@dataclass(frozen=True, slots=True)
class Evidence:
    """A span of a provision's text that made a tagger decide."""

    start: int  # offsets in Provision.text
    end: int
    text: str
    role: str  # "exemption", "open-source", "carve-back", "condition", "mention"


@dataclass(frozen=True)
class Tag:
    """A machine label on a provision, with the evidence for it."""

    doc_id: str
    provision_id: str
    label: str  # oss-exemption, oss-mention, carve-back, oss-condition
    evidence: tuple[Evidence, ...]
    source: str  # the rule or model that produced it, e.g. "oss_rules.v1:exemption"
    score: float
    targets: tuple[str, ...] = ()  # for oss-exemption: provision ids it exempts from

    @property
    def tag_id(self) -> str:
        return f"{self.doc_id}:{self.provision_id}:{self.label}"


@dataclass(frozen=True, slots=True)
class SearchHit:
    """A provision that matched a query."""

    file: str
    doc_id: str
    id: str
    citation: str
    heading: str
    kind: str
    pages: tuple[int, int]
    score: float
    snippet: str  # matched words marked with «…»
    highlights: tuple[tuple[int, int], ...] = ()  # offsets in Provision.text
    # The headings searched with the unit (its parents' and its own, one a line)
    # and the words of them that satisfied the query (offsets in ``headings``).
    headings: str = ""
    heading_highlights: tuple[tuple[int, int], ...] = ()
    # The lead-in a point is read with (its ancestors' own text ending in ":"; the
    # parent's text when there is one level) and the words of it that satisfied the query.
    lead_in: str = ""
    lead_in_highlights: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True, slots=True)
class SpanLocation:
    """Where a span of a provision's text is printed (docs/decisions.md, section 3)."""

    pages: tuple[int, ...]  # 1-based PDF pages
    printed_pages: tuple[str, ...]  # the labels printed on those pages
    boxes: tuple[Box, ...] = ()  # one box per line run of the span


@dataclass(frozen=True, slots=True)
class TextQuote:
    """W3C TextQuoteSelector."""

    exact: str
    prefix: str = ""
    suffix: str = ""


@dataclass(frozen=True)
class Annotation:
    """A person's judgement on a provision or a span of it."""

    id: str
    author: str
    created: str  # ISO 8601 UTC
    modified: str
    file: str
    doc_id: str
    sha256: str  # version of the document annotated
    provision_id: str
    labels: tuple[str, ...] = ()
    note: str = ""
    quote: TextQuote | None = None
    position: tuple[int, int] | None = None  # offsets in Provision.text
    decision: str | None = None  # "accept" | "reject" on a machine tag
    tag_label: str | None = None  # the machine tag decided on
    # A whole-provision annotation keeps the opening of the provision's text as annotated,
    # so re-anchoring can tell a renumbered or rewritten provision from the same one.
    anchor_text: str = ""


# --- a document's provisions held compactly while it is built (issue 15) ----

# Texts shorter than this stay as they are (unless they have an offset map):
# compressing them saves less than the compressed bytes' own object costs.
PACK_MIN_CHARS = 64
# Compressed bytes gathered in memory before they are written to the spill file.
_SPILL_FLUSH = 1 << 20


class _Spill:
    """An append-only anonymous temporary file of compressed texts, read with ``pread``.

    Shared by a :class:`PackedProvisions` and those made from it by
    ``replacing`` (bytes once written are never changed); closed when the last
    of them is collected (TemporaryFile's own finaliser).
    """

    __slots__ = ("_fd", "_file", "_pending", "end")

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile(prefix="corpus-tool-texts-")  # noqa: SIM115
        self._fd = self._file.fileno()
        self._pending = bytearray()
        self.end = 0  # bytes appended so far, written or pending

    def append(self, data: bytes) -> int:
        """Where ``data`` starts in the file."""
        at = self.end
        self._pending += data
        self.end += len(data)
        if len(self._pending) >= _SPILL_FLUSH:
            self.flush()
        return at

    def flush(self) -> None:
        data = memoryview(self._pending)
        offset = self.end - len(self._pending)
        while data:
            written = os.pwrite(self._fd, data, offset)
            data, offset = data[written:], offset + written
        self._pending = bytearray()

    def read(self, at: int, size: int) -> bytes:
        if not size:
            return b""
        if self._pending:
            self.flush()
        data = os.pread(self._fd, size, at)
        while len(data) < size:  # a short read is legal; the bytes are there
            more = os.pread(self._fd, size - len(data), at + len(data))
            if not more:
                raise OSError(f"{self._file.name}: packed texts truncated")
            data += more
        return data


class PackedProvisions(Sequence[Provision]):
    """A document's provisions with their long texts and offset maps held compressed.

    A built document is tagged, stored, resolved and indexed before it is
    dropped; holding every text whole all that while made a long document's
    ingest peak grow with its length (a container repeats its children's text,
    and one character beyond Latin-1 makes a text take 2 bytes a character).
    Here each text of ``PACK_MIN_CHARS`` or more, and each provision's offset
    map, is zlib-compressed (the text's UTF-8 bytes; the map's runs as 64-bit
    integers) and written to an anonymous temporary file, read back with
    ``os.pread`` when it is needed: memory holds three integers a packed
    provision (the page cache, not the process, keeps the bytes). A pickle or
    copy of it is a plain tuple.

    Reading it as a sequence gives whole :class:`Provision` objects, unpacked
    one at a time (the last few are kept). Code that walks the structure of all
    provisions at once (parents, children, references) reads :attr:`structure`
    instead, whose provisions have no text and no offset map, and asks
    :meth:`text_of` for the text of one of them.
    """

    __slots__ = (
        "_at",
        "_cache",
        "_cache_size",
        "_index",
        "_min_chars",
        "_spill",
        "_texts",
        "structure",
    )

    def __init__(
        self,
        provisions: Iterable[Provision],
        *,
        keep: int = 16,
        min_chars: int = PACK_MIN_CHARS,
        _spill: _Spill | None = None,
    ) -> None:
        self._cache: OrderedDict[int, Provision] = OrderedDict()
        self._cache_size = keep
        self._texts: OrderedDict[int, str] = OrderedDict()
        self._min_chars = min_chars
        self._spill = _spill or _Spill()
        # Per position: where its compressed text starts in the spill file, the
        # text's compressed length and the offset map's (-1, 0, 0: not packed).
        self._at = array("q")
        light = [self._pack(i, p) for i, p in enumerate(provisions)]
        self._spill.flush()
        #: The provisions in order, each without its text and offset map if packed.
        self.structure: tuple[Provision, ...] = tuple(light)
        self._index = self._positions()

    def _positions(self) -> dict[int, int] | None:
        """Where each light provision sits, unless its ``order`` says so (the usual case)."""
        if all(p.order == i for i, p in enumerate(self.structure)):
            return None
        return {id(p): i for i, p in enumerate(self.structure) if self._packed(i)}

    def _packed(self, i: int) -> bool:
        return self._at[3 * i] >= 0

    def _pack(self, i: int, p: Provision) -> Provision:
        """``p`` as held at position ``i``: without its text and offsets if they are packed."""
        if len(self._at) < 3 * (i + 1):
            self._at.extend((-1, 0, 0) * (i + 1 - len(self._at) // 3))
        if len(p.text) < self._min_chars and not p.offset_map:
            self._at[3 * i : 3 * i + 3] = array("q", (-1, 0, 0))
            return p
        runs = array("q", [n for run in p.offset_map for n in run])
        text = zlib.compress(p.text.encode("utf-8", "surrogatepass"), 1)
        offsets = zlib.compress(runs.tobytes(), 1) if runs else b""
        at = self._spill.append(text)
        self._spill.append(offsets)
        self._at[3 * i : 3 * i + 3] = array("q", (at, len(text), len(offsets)))
        return dataclasses.replace(p, text="", offset_map=())

    def _text(self, i: int) -> str:
        at, size = self._at[3 * i], self._at[3 * i + 1]
        return zlib.decompress(self._spill.read(at, size)).decode("utf-8", "surrogatepass")

    def _unpack(self, i: int) -> tuple[str, tuple[tuple[int, int, int], ...]]:
        at, size, map_size = self._at[3 * i : 3 * i + 3]
        raw = self._spill.read(at, size + map_size)
        text = zlib.decompress(raw[:size]).decode("utf-8", "surrogatepass")
        runs = array("q")
        runs.frombytes(zlib.decompress(raw[size:]) if map_size else b"")
        return text, tuple(tuple(runs[k : k + 3]) for k in range(0, len(runs), 3))  # type: ignore[misc]

    def _position(self, p: Provision) -> int | None:
        """``p``'s position if it is one of :attr:`structure` and packed, else None."""
        if self._index is not None:
            return self._index.get(id(p))
        i = p.order
        if 0 <= i < len(self.structure) and self.structure[i] is p and self._packed(i):
            return i
        return None

    def text_of(self, p: Provision) -> str:
        """The text of ``p``, one of :attr:`structure` (or any whole provision)."""
        i = self._position(p)
        if i is None:
            return p.text
        cached = self._cache.get(i)
        if cached is not None:
            return cached.text
        # A parent's text and its first child's are read for each of the
        # children's lead-ins: the last few texts read are kept.
        text = self._texts.get(i)
        if text is None:
            text = self._texts[i] = self._text(i)
            if len(self._texts) > 4:
                self._texts.popitem(last=False)
        return text

    def __len__(self) -> int:
        return len(self.structure)

    @typing.overload
    def __getitem__(self, i: int) -> Provision: ...
    @typing.overload
    def __getitem__(self, i: slice) -> tuple[Provision, ...]: ...
    def __getitem__(self, i: int | slice) -> Provision | tuple[Provision, ...]:
        if isinstance(i, slice):
            return tuple(self[k] for k in range(*i.indices(len(self))))
        i = range(len(self))[i]
        if not self._packed(i):
            return self.structure[i]
        cached = self._cache.get(i)
        if cached is None:
            text, runs = self._unpack(i)
            cached = dataclasses.replace(self.structure[i], text=text, offset_map=runs)
            self._cache[i] = cached
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(i)
        return cached

    def __iter__(self) -> Iterator[Provision]:
        for i in range(len(self)):
            yield self[i]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (PackedProvisions, tuple)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> tuple[type[tuple[Provision, ...]], tuple[tuple[Provision, ...]]]:
        # A file descriptor does not cross a process: another process gets the tuple.
        return tuple, (tuple(self),)

    def replacing(self, changes: Mapping[int, Provision]) -> PackedProvisions:
        """The same provisions with those at the given positions replaced.

        A replacement is a provision of :attr:`structure` with other fields
        changed (its text and offset map stay the packed ones), or a whole one.
        """
        out = PackedProvisions(
            (), keep=self._cache_size, min_chars=self._min_chars, _spill=self._spill
        )
        out._at = array("q", self._at)
        light = list(self.structure)
        for i, p in changes.items():
            i = range(len(light))[i]
            if self._packed(i) and not p.text and not p.offset_map:
                light[i] = p  # the packed text and offsets stay
            else:
                light[i] = out._pack(i, p)
        out._spill.flush()
        out.structure = tuple(light)
        out._index = out._positions()
        return out


def structure_of(provisions: Sequence[Provision]) -> Sequence[Provision]:
    """Provisions to walk for ids, parents, kinds and references (texts may be absent)."""
    return provisions.structure if isinstance(provisions, PackedProvisions) else provisions


def text_reader(provisions: Sequence[Provision]) -> Callable[[Provision], str]:
    """How to read the text of one of ``structure_of(provisions)``."""
    if isinstance(provisions, PackedProvisions):
        return provisions.text_of
    return _own_text


def _own_text(p: Provision) -> str:
    return p.text


# --- JSON round-trip -------------------------------------------------------


def to_dict(obj: Any) -> Any:
    """A JSON-ready structure for any model object (tuples become lists)."""
    if isinstance(obj, CharBoxes):
        # Base64 of the little-endian array bytes: a list of millions of Python
        # floats costs ~30 bytes a value in memory and ~10 in JSON.
        return {n: _pack_array(getattr(obj, n)) for n in CharBoxes.__slots__}
    if isinstance(obj, PackedProvisions):
        return [to_dict(p) for p in obj]
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_dict(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, (list, tuple)):
        return [to_dict(x) for x in obj]
    if isinstance(obj, dict):
        return {k: to_dict(v) for k, v in obj.items()}
    return obj


def _pack_array(values: array) -> str:
    if sys.byteorder != "little":
        values = array(values.typecode, values)
        values.byteswap()
    return base64.b64encode(values.tobytes()).decode("ascii")


def _unpack_array(typecode: str, value: str | list[float]) -> array:
    """An array from ``_pack_array`` output, or from the plain list form of older caches."""
    if not isinstance(value, str):
        return array(typecode, value)
    values = array(typecode)
    values.frombytes(base64.b64decode(value))
    if sys.byteorder != "little":
        values.byteswap()
    return values


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


def _convert(tp: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        # A field that may hold PackedProvisions (a bundle being built) is read
        # back as its tuple: packed provisions are never stored as such.
        members = [
            a for a in typing.get_args(tp) if a is not type(None) and a is not PackedProvisions
        ]
        return _convert(members[0], value) if len(members) == 1 else value
    if tp is CharBoxes:
        return CharBoxes(
            _unpack_array("H", value["page"]),
            *(_unpack_array("f", value[n]) for n in ("x0", "top", "x1", "bottom")),
        )
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return from_dict(tp, value)
    if origin is tuple:
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_convert(args[0], v) for v in value)
        return tuple(_convert(a, v) for a, v in zip(args, value, strict=False))
    return value


def from_dict(cls: type, data: dict[str, Any]) -> Any:
    """Rebuild a model object from ``to_dict`` output; unknown keys are ignored."""
    hints = _hints(cls)
    kwargs = {
        f.name: _convert(hints[f.name], data[f.name])
        for f in dataclasses.fields(cls)
        if f.name in data
    }
    return cls(**kwargs)


__all__ = [
    "FAMILIES",
    "Annotation",
    "Box",
    "CharBoxes",
    "Document",
    "DocumentMeta",
    "Evidence",
    "Footnote",
    "PackedProvisions",
    "PageInfo",
    "Provision",
    "Reference",
    "SearchHit",
    "SpanLocation",
    "Tag",
    "TextQuote",
    "from_dict",
    "structure_of",
    "text_reader",
    "to_dict",
]
