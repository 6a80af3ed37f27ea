"""Citations as lawyers type them, parsed and resolved to documents and provisions.

One parser for every place a person names a provision: ``show``, ``annotate``,
the TUI's palette, search's ``cite:`` and the exports' filters. It reads

- provisions: "Art. 53(2)", "Article 53(2)", "53(2)", "Article 53(1)(a)",
  "point (a) of Article 53(1)", "Recital 15", "rec. 15", "Annex XI",
  "Sec. 4.6(a)", "§ 4.6", "Section 1(b)", "§ 6-1-1702(1)(a)", "para. 12";
- documents by name: their id, file name, act citation ("Regulation (EU)
  2024/1689", "2024/1689", "EO 14110", "Executive Order 14110") and short names
  derived from their titles ("AI Act", "GDPR", "Apache License"), before or
  after the provision ("AI Act 53(2)", "Regulation (EU) 2024/1689, Article
  53(2)", "Article 5 of the GDPR").

Nothing here knows the corpus: document names come from each document's own
title and citation, and a provision is found by parsing its own ``citation``
with the same grammar and comparing keys, so "Article 53(1), point (a)" and a
typed "Art. 53(1)(a)" meet at ``("article", "53", ("1", "a"))``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from corpus_tool.errors import CorpusToolError
from corpus_tool.model import DocumentMeta, Provision
from corpus_tool.segment.refs import act_key
from corpus_tool.workspace import DocBundle, Workspace


class CitationError(CorpusToolError):
    """A typed citation that cannot be read or names nothing in the workspace."""


# Kind words as typed -> the family a provision's citation is compared in.
_KIND_WORDS: dict[str, str] = {
    "art": "article",
    "arts": "article",
    "article": "article",
    "articles": "article",
    "rec": "recital",
    "recs": "recital",
    "recital": "recital",
    "recitals": "recital",
    "annex": "annex",
    "annexes": "annex",
    "anx": "annex",
    "sec": "section",
    "secs": "section",
    "section": "section",
    "sections": "section",
    "subsec": "section",
    "subsection": "section",
    "subsections": "section",
    "s": "section",
    "ss": "section",
    "§": "section",
    "§§": "section",
    "para": "paragraph",
    "paras": "paragraph",
    "paragraph": "paragraph",
    "paragraphs": "paragraph",
    "¶": "paragraph",
    "¶¶": "paragraph",
    "chapter": "chapter",
    "ch": "chapter",
    "chap": "chapter",
    "title": "title",
    "part": "part",
    "pt": "part",
    "schedule": "schedule",
    "sch": "schedule",
    "appendix": "appendix",
    "app": "appendix",
    "clause": "clause",
    "cl": "clause",
}
# A bare number ("53(2)") means an article first, then a section, ...; a recital
# only when asked for, since "15" after a document name means its Article 15.
_BARE_PREFERENCE = ("article", "section", "paragraph", "clause", "annex", "chapter", "recital")

_KIND = r"(?P<kind>§§?|¶¶?|[A-Za-z]+\.?)"
_NUMBER = r"(?P<num>\d+(?:[.\-–]\d+)*[A-Za-z]?|[IVXLCDM]+\b|[A-Z]\b)"
_PART = r"\(\s*[0-9A-Za-z]{1,8}\s*\)"
_PROVISION_RX = re.compile(
    rf"^(?:{_KIND}\s*)?{_NUMBER}(?P<parts>(?:\s*{_PART})*)(?P<rest>.*)$", re.DOTALL
)
# ", point (a)", ", point 3", "¶3", "paragraph 2", "first subparagraph" after the number.
_TRAILER_RX = re.compile(
    r"^\s*,?\s*(?:(?:points?|pt\.?|paragraphs?|para\.?|¶|subparagraph|item|sub-?section|section"
    r"|sec\.?)"
    r"\s*\(?\s*(?P<part>[0-9A-Za-z]{1,8})\s*\)?"
    r"|(?P<ignored>(?:first|second|third|fourth|fifth|sixth)\s+subparagraph))",
    re.IGNORECASE,
)
# "point (a) of Article 53(1)", "paragraph 2 of Article 53": the outer unit comes last.
_OF_RX = re.compile(
    r"^\s*(?:points?|pt\.?|paragraphs?|para\.?|subparagraph|sub-?section)\s*"
    r"\(?\s*(?P<part>[0-9A-Za-z]{1,8})\s*\)?\s+of\s+(?P<outer>.+)$",
    re.IGNORECASE | re.DOTALL,
)
_ROMAN_KINDS = frozenset({"annex", "chapter", "title", "part", "schedule", "appendix"})


@dataclass(frozen=True)
class ProvisionKey:
    """What a citation points at inside one document: ("article", "53", ("1", "a"))."""

    kind: str | None  # a family of _KIND_WORDS, or None for a bare number
    number: str
    parts: tuple[str, ...] = ()

    def matches(self, other: ProvisionKey) -> bool:
        """``other`` (a provision's own key) is what this typed key asks for."""
        if self.number != other.number or self.parts != other.parts:
            return False
        return self.kind is None or self.kind == other.kind

    def __str__(self) -> str:
        kind = (self.kind or "").capitalize()
        return f"{kind} {self.number}".strip() + "".join(f"({p})" for p in self.parts)


@dataclass(frozen=True)
class Citation:
    """A parsed typed citation: an optional document name and an optional provision key."""

    text: str
    document: str | None  # the document part as typed, when there is one
    provision: ProvisionKey | None


@dataclass(frozen=True)
class Resolved:
    """Where a citation leads: a document and (unless only a document was named) a provision."""

    doc_id: str
    provision_id: str | None
    citation: str  # the provision's (or document's) own citation


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    # Typographic dashes and quotes as typed on a Mac or pasted from a PDF.
    text = text.replace("–", "-").replace("—", "-").replace("‑", "-")
    return " ".join(text.split())


def _norm_number(num: str) -> str:
    return num.replace("–", "-").lower()


def parse_provision(text: str) -> ProvisionKey | None:
    """The key of a provision citation ("Art. 53(2)", "Article 53(1), point (a)"), or None."""
    text = _clean(text).strip(" ,.;")
    if not text:
        return None
    of = _OF_RX.match(text)
    if of:
        outer = parse_provision(of.group("outer"))
        if outer is None:
            return None
        return ProvisionKey(outer.kind, outer.number, (*outer.parts, of.group("part").lower()))
    m = _PROVISION_RX.match(text)
    if not m:
        return None
    kind: str | None = None
    word = m.group("kind")
    if word is not None:
        kind = _KIND_WORDS.get(word.rstrip(".").lower())
        if kind is None:
            return None
    num = m.group("num")
    if re.fullmatch(r"[IVXLCDM]+|[A-Z]", num) and kind not in _ROMAN_KINDS:
        return None  # "Article V" or a lone letter is not a provision we can find
    parts = [p.strip("() ").lower() for p in re.findall(_PART, m.group("parts"))]
    rest = m.group("rest")
    while rest.strip():
        t = _TRAILER_RX.match(rest)
        if not t:
            return None
        if t.group("part"):
            parts.append(t.group("part").lower())
        rest = rest[t.end() :]
    return ProvisionKey(kind, _norm_number(num), tuple(parts))


# --- documents by name -------------------------------------------------------------

_ACT_NAME_RX = re.compile(
    r"(?:(?:Commission\s+)?(?:Regulation|Directive|Decision)\s+(?:\([^)]*\)\s+)?(?:No\s+)?"
    r"\d+/\d+(?:/\w+)?|Executive Order\s+\d+)",
    re.IGNORECASE,
)
_SHORT_TITLE_RX = re.compile(r"\(([^()]{3,80})\)\s*\.?\s*$")
_TITLE_ENDS = ("act", "regulation", "directive", "order", "license", "licence", "policy")
_SMALL_WORDS = frozenset({"of", "the", "and", "for", "on", "in", "to", "a", "an", "&"})


def _acronym(words: Sequence[str]) -> str:
    return "".join(w[0] for w in words if w.lower() not in _SMALL_WORDS and w[:1].isalpha())


def short_names(title: str) -> set[str]:
    """Names a lawyer uses for a document with this title.

    "… (Artificial Intelligence Act)" gives "Artificial Intelligence Act", "AI Act" and
    "AIA"; "… (General Data Protection Regulation)" gives "GDPR"; "GNU General Public
    License" gives "GPL"; "Apache License, Version 2.0" gives "Apache License" and
    "Apache 2.0".
    """
    names: set[str] = set()
    title = _clean(title)
    if not title:
        return names
    candidates = [title]
    m = _SHORT_TITLE_RX.search(title)
    # A short title in brackets is a name ("Artificial Intelligence Act", "AI RMF 1.0"),
    # not a remark ("web-ready PDF") or another act's number.
    if m and m.group(1)[:1].isupper() and not re.search(r"\d{4}/\d+|\bNo\b", m.group(1)):
        candidates.append(m.group(1).strip())
    # A title's first clause ("Apache License, Version 2.0" -> "Apache License").
    head = re.split(r"[,:;–—]| - ", title)[0].strip()
    if head and head != title and 2 <= len(head.split()) <= 8:
        candidates.append(head)
    version = re.search(r"\b(?:Version|v\.?)\s*(\d+(?:\.\d+)*)", title, re.IGNORECASE)
    # "LLAMA 3.1 COMMUNITY LICENSE AGREEMENT" -> "LLAMA 3.1": a product name and its version.
    product = re.match(r"^([A-Z][\w-]*(?:\s+[A-Z][\w-]*)?)\s+(\d+(?:\.\d+)*)\b", title, re.I)
    if product and len(title.split()) <= 10:
        candidates.append(f"{product.group(1)} {product.group(2)}")
    for name in candidates:
        words = re.findall(r"[A-Za-z][A-Za-z'.-]*|\d+(?:\.\d+)*", name)
        if len(words) > 12:
            continue
        names.add(name)
        unversioned = re.sub(r"\s+(?:(?:Version|v\.?)\s*\d+(?:\.\d+)*|\d+\.\d+)$", "", name)
        if unversioned != name and len(unversioned) >= 2:
            names.add(unversioned)  # "AI RMF 1.0" is also "AI RMF"
        core = [w for w in words if not re.fullmatch(r"\d+(?:\.\d+)*|Version|v", w)]
        proper = all(w[:1].isupper() for w in core if w.lower() not in _SMALL_WORDS)
        if proper and core and core[-1].lower() in _TITLE_ENDS and len(core) >= 3:
            # "Artificial Intelligence Act" -> "AI Act", "AIA"; "Data Governance Act" -> "DGA".
            first = _acronym(core[:-1])
            if len(first) >= 2:
                names.add(f"{first} {core[-1]}")
                names.add(first + core[-1][0].upper())
            # "GNU General Public License" -> "GPL": drop a leading acronym word.
            if core[0].isupper() and len(core) >= 4:
                names.add(_acronym(core[1:-1]) + core[-1][0].upper())
        if version and core:
            lead = core[0] if core[0].lower() not in _TITLE_ENDS else ""
            if lead:
                names.add(f"{lead} {version.group(1)}")
    return {n for n in names if len(n) >= 2}


def citation_names(citation: str) -> set[str]:
    """Other spellings of an act citation: "EO 14110" for "Executive Order 14110", "2024/1689"."""
    names: set[str] = set()
    citation = _clean(citation)
    if not citation:
        return names
    names.add(citation)
    m = re.search(r"Executive Order\s+(\d{4,6})", citation)
    if m:
        n = m.group(1)
        names.update({f"EO {n}", f"E.O. {n}", f"Executive Order {n}", f"Exec. Order No. {n}"})
    m = re.search(
        r"(Regulation|Directive|Decision)\s+(?:\([^)]*\)\s+)?(?:No\s+)?(\d+/\d+)", citation
    )
    if m:
        names.update({m.group(2), f"{m.group(1)} {m.group(2)}"})
    return names


def document_names(meta: DocumentMeta) -> set[str]:
    """Every name the document answers to: id, file, citation spellings, short titles."""
    names = {meta.doc_id, meta.file}
    names.update(citation_names(meta.citation))
    names.update(short_names(meta.title))
    return {n for n in names if n}


def _fold(name: str) -> str:
    """Case, dots and spacing do not matter when a name is compared: "E.O. 14110" = "eo 14110"."""
    folded = _clean(name).casefold().replace(".", "")
    folded = re.sub(r"\bthe\s+", "", folded)
    return re.sub(r"\s*([,/()-])\s*", r"\1", folded).strip()


class DocumentIndex:
    """Documents of a workspace by every name they answer to."""

    def __init__(self, metas: Iterable[DocumentMeta]) -> None:
        self.metas = {m.doc_id: m for m in metas}
        self._names: dict[str, set[str]] = {}
        self._act: dict[tuple[str, int, int], str] = {}
        for meta in self.metas.values():
            for name in document_names(meta):
                self._names.setdefault(_fold(name), set()).add(meta.doc_id)
            key = act_key(meta.citation or "")
            if key is not None:
                self._act.setdefault(key, meta.doc_id)

    def lookup(self, name: str) -> list[str]:
        """Doc ids a document name points at (several when it is ambiguous)."""
        found = self._names.get(_fold(name))
        if found:
            return sorted(found)
        key = act_key(_clean(name)) if _ACT_NAME_RX.fullmatch(_clean(name)) else None
        if key is not None and key in self._act:
            return [self._act[key]]
        return []

    def names(self) -> list[str]:
        return sorted(self._names)

    def split(self, text: str) -> tuple[str | None, str]:
        """(document name, rest): the longest known name at the start or the end of ``text``."""
        cleaned = _clean(text)
        folded_words = cleaned.split(" ")
        best: tuple[int, str, str] | None = None
        n = len(folded_words)
        for i in range(n, 0, -1):
            head, tail = " ".join(folded_words[:i]), " ".join(folded_words[i:])
            if self.lookup(head.rstrip(",;:")):
                best = (len(head), head.rstrip(",;:"), tail)
                break
        for i in range(0, n):
            head, tail = " ".join(folded_words[:i]), " ".join(folded_words[i:])
            name = re.sub(r"^(?:of|in|under)\s+(?:the\s+)?", "", tail, flags=re.IGNORECASE)
            if self.lookup(name) and (best is None or len(name) > best[0]):
                rest = head.rstrip(" ,")
                rest = re.sub(r"\s+(?:of|in|under)(?:\s+the)?$", "", rest, flags=re.IGNORECASE)
                best = (len(name), name, rest)
                break
        if best is None:
            # An act citation not spelled as stored ("Regulation 2024/1689 Art. 5").
            m = re.match(
                r"^(?P<act>(?:(?:Regulation|Directive|Decision)\s+(?:\([^)]*\)\s+)?(?:No\s+)?\d+/\d+"
                r"|Executive Order\s+\d+|E\.?O\.?\s+\d+))\s*,?\s*(?P<rest>.*)$",
                cleaned,
                re.IGNORECASE,
            )
            if m:
                return m.group("act"), m.group("rest")
            return None, cleaned
        return best[1], best[2].strip(" ,")


def parse_citation(text: str, documents: DocumentIndex | None = None) -> Citation:
    """Split a typed citation into its document name and provision key.

    Raises CitationError when the text is neither a provision citation nor a known name.
    """
    cleaned = _clean(text)
    if not cleaned:
        raise CitationError("empty citation: type e.g. 'Art. 53(2)', 'Recital 15' or 'AI Act 5'")
    doc, rest = documents.split(cleaned) if documents is not None else (None, cleaned)
    key = parse_provision(rest) if rest else None
    if rest and key is None:
        raise CitationError(
            f"cannot read the citation {text!r}: try 'Article 53(2)', 'Art. 53(2)', '53(2)', "
            "'Recital 15', 'Annex XI', 'Sec. 4.6(a)', '§ 4.6', optionally with a document "
            "name ('AI Act 53(2)')"
        )
    return Citation(text, doc, key)


# --- provisions ---------------------------------------------------------------------


_KEYS_CACHE: dict[tuple[str, str], dict[str, ProvisionKey | None]] = {}


def provision_keys(bundle: DocBundle) -> dict[str, ProvisionKey | None]:
    """Provision id -> the key of its own citation (cached per document version)."""
    cache_key = (bundle.meta.doc_id, bundle.meta.sha256)
    keys = _KEYS_CACHE.get(cache_key)
    if keys is None:
        keys = {p.id: parse_provision(p.citation) for p in bundle.provisions}
        if len(_KEYS_CACHE) > 256:
            _KEYS_CACHE.clear()
        _KEYS_CACHE[cache_key] = keys
    return keys


def find_provisions(bundle: DocBundle, key: ProvisionKey) -> list[Provision]:
    """The provisions of one document that a key names, best first (document order)."""
    keys = provision_keys(bundle)
    hits = [p for p in bundle.provisions if (k := keys.get(p.id)) is not None and key.matches(k)]
    if not hits:
        return _statute_fallback(bundle, key)
    if key.kind is None and len(hits) > 1:
        # A bare number: keep the most likely family (articles before sections ... recitals).
        def rank(p: Provision) -> int:
            k = keys[p.id]
            kind = k.kind if k is not None else None
            return (
                _BARE_PREFERENCE.index(kind) if kind in _BARE_PREFERENCE else len(_BARE_PREFERENCE)
            )

        best = min(rank(p) for p in hits)
        hits = [p for p in hits if rank(p) == best]
    return hits


_STATUTE_NUMBER = re.compile(r"\d+-\d+(?:-\d+)+[a-z]?")
_STATUTE_START = re.compile(r"^\s*(\d+-\d+(?:-\d+)+[a-z]?)\.\s")
# A subdivision label where one starts: at the start of the text or after ". ", ": ", "; ".
_LABEL_AT = re.compile(r"(?:^|(?<=[.:;]\s)|(?<=\)\s))\((\w{1,6})\)")


def _statute_fallback(bundle: DocBundle, key: ProvisionKey) -> list[Provision]:
    """A statute section ("§ 6-1-1702(1)(a)") in a document segmented only into paragraphs.

    Session laws print each amended section as "6-1-1702. Heading." followed by
    paragraphs labelled "(1)", "(a)"; the unit that holds the cited subdivision is
    found by reading those labels in order from the section's first line.
    """
    if key.kind not in (None, "section") or not _STATUTE_NUMBER.fullmatch(key.number):
        return []
    provisions = bundle.provisions
    start = next(
        (
            i
            for i, p in enumerate(provisions)
            if (m := _STATUTE_START.match(p.text)) and m.group(1).lower() == key.number
        ),
        None,
    )
    if start is None:
        return []
    if not key.parts:
        return [provisions[start]]
    wanted = 0
    for p in provisions[start + 1 :]:
        if _STATUTE_START.match(p.text):
            break  # the next section: the subdivision is not there
        for m in _LABEL_AT.finditer(p.text):
            if m.group(1).lower() == key.parts[wanted]:
                wanted += 1
                if wanted == len(key.parts):
                    return [p]
    return []


def find_in_bundle(bundle: DocBundle, text: str) -> Provision:
    """One provision of a document by id, its exact citation or a typed citation."""
    direct = bundle.provision(text)
    if direct is not None:
        return direct
    wanted = _clean(text).casefold()
    for p in bundle.provisions:
        if _clean(p.citation).casefold() == wanted:
            return p
    names = DocumentIndex([bundle.meta])
    try:
        cite = parse_citation(text, names)
    except CitationError:
        raise CitationError(
            f"no provision {text!r} in {bundle.meta.doc_id}: not one of its ids or citations,"
            " nor a citation like 'Art. 53(2)', 'Recital 15', 'Annex XI', '§ 4.6';"
            f" list them with 'corpus-tool provisions --doc {bundle.meta.doc_id}'"
        ) from None
    if cite.provision is None:
        raise CitationError(f"{text!r} names the document {bundle.meta.doc_id}, not a provision")
    hits = find_provisions(bundle, cite.provision)
    if len(hits) == 1:
        return hits[0]
    if hits:
        listed = ", ".join(f"{p.citation} ({p.id})" for p in hits[:6])
        raise CitationError(f"{text!r} is ambiguous in {bundle.meta.doc_id}: {listed}")
    raise CitationError(
        f"no provision {text!r} in {bundle.meta.doc_id}"
        + _near(bundle, cite.provision)
        + f"; list them with 'corpus-tool provisions --doc {bundle.meta.doc_id}'"
    )


def _near(bundle: DocBundle, key: ProvisionKey) -> str:
    keys = provision_keys(bundle)
    near = [
        p.citation
        for p in bundle.provisions
        if (k := keys.get(p.id)) is not None
        and k.number == key.number
        and (key.kind is None or k.kind == key.kind)
    ]
    return f" (there is {', '.join(near[:5])})" if near else ""


# --- the workspace ------------------------------------------------------------------

_META_CACHE: dict[tuple[str, str], tuple[tuple[int, int], DocumentMeta]] = {}


def workspace_metas(ws: Workspace) -> list[DocumentMeta]:
    """The metadata of every stored document (bundles re-read only when their file changed)."""
    out = []
    for doc_id in ws.doc_ids():
        path = ws.bundle_path(doc_id)
        try:
            st = path.stat()
        except OSError:
            continue
        stamp = (st.st_size, st.st_mtime_ns)
        cached = _META_CACHE.get((str(ws.root), doc_id))
        if cached is not None and cached[0] == stamp:
            out.append(cached[1])
            continue
        bundle = _load(ws, doc_id)  # also remembers the meta
        if bundle is not None:
            out.append(bundle.meta)
    return out


_BUNDLE_CACHE: dict[tuple[str, str], tuple[tuple[int, int], DocBundle]] = {}


def _load(ws: Workspace, doc_id: str) -> DocBundle | None:
    """A stored bundle, kept while its file is unchanged: the palette resolves per keystroke."""
    path = ws.bundle_path(doc_id)
    try:
        st = path.stat()
    except OSError:
        return None
    stamp = (st.st_size, st.st_mtime_ns)
    cached = _BUNDLE_CACHE.get((str(ws.root), doc_id))
    if cached is not None and cached[0] == stamp:
        return cached[1]
    bundle = ws.load_bundle(doc_id)
    if bundle is not None:
        if len(_BUNDLE_CACHE) >= 64:
            _BUNDLE_CACHE.clear()
        _BUNDLE_CACHE[(str(ws.root), doc_id)] = (stamp, bundle)
        _META_CACHE[(str(ws.root), doc_id)] = (stamp, bundle.meta)
    return bundle


def find_document(ws: Workspace, ref: str) -> DocBundle:
    """A document by id, file name, act citation or short name ("AI Act", "EO 14110")."""
    ids = ws.doc_ids()
    if ref in ids:
        bundle = _load(ws, ref)
        if bundle is not None:
            return bundle
    index = DocumentIndex(workspace_metas(ws))
    found = index.lookup(ref)
    if len(found) == 1:
        bundle = _load(ws, found[0])
        if bundle is not None:
            return bundle
    if len(found) > 1:
        raise CitationError(f"{ref!r} names several documents: {', '.join(found)}; give its id")
    return ws.find_doc(ref)  # the workspace's own message lists what exists


def resolve(ws: Workspace, text: str, *, doc: str | None = None) -> list[Resolved]:
    """Provisions (or a document) a typed citation names across the workspace.

    ``doc`` narrows to one document (id, file or name). A citation with no document
    name and no ``doc`` is looked up in every document; the result lists all matches.
    This is what search's ``cite:`` and the palette call.
    """
    index = DocumentIndex(workspace_metas(ws))
    cite = parse_citation(text, index)
    doc_ids: list[str]
    if doc is not None:
        doc_ids = [find_document(ws, doc).meta.doc_id]
        if cite.document is not None and index.lookup(cite.document) not in ([], doc_ids):
            raise CitationError(f"{text!r} names another document than {doc!r}")
    elif cite.document is not None:
        doc_ids = index.lookup(cite.document)
        if not doc_ids:
            raise CitationError(
                f"no document {cite.document!r} in workspace {ws.root}"
                " (names come from each document's title and citation)"
            )
    else:
        doc_ids = sorted(index.metas)
    if cite.provision is None:
        return [Resolved(d, None, index.metas[d].citation or index.metas[d].title) for d in doc_ids]
    out: list[Resolved] = []
    for doc_id in doc_ids:
        bundle = _load(ws, doc_id)
        if bundle is None:
            continue
        out.extend(
            Resolved(doc_id, p.id, p.citation) for p in find_provisions(bundle, cite.provision)
        )
    return out


def locate(ws: Workspace, doc: str, ref: str | None = None) -> tuple[DocBundle, Provision]:
    """One provision from what a person typed: ``doc`` + ``ref``, or a whole citation in ``doc``.

    ``locate(ws, "AI Act", "Art. 53(2)")``, ``locate(ws, "eu-ai-act-2024-1689", "art_53__para_2")``
    and ``locate(ws, "Regulation (EU) 2024/1689, Article 53(2)")`` find the same provision.
    """
    if ref is not None:
        bundle = find_document(ws, doc)
        return bundle, find_in_bundle(bundle, ref)
    hits = [r for r in resolve(ws, doc) if r.provision_id is not None]
    if len(hits) != 1:
        if not hits:
            raise CitationError(
                f"{doc!r} names no provision: give a document and a provision,"
                " e.g. 'AI Act' 'Art. 53(2)' or 'AI Act 53(2)'"
            )
        listed = ", ".join(f"{h.doc_id} {h.citation}" for h in hits[:6])
        more = f" and {len(hits) - 6} more" if len(hits) > 6 else ""
        raise CitationError(f"{doc!r} is in several documents: {listed}{more}; name the document")
    found = _load(ws, hits[0].doc_id)
    provision = found.provision(hits[0].provision_id or "") if found is not None else None
    if found is None or provision is None:
        raise CitationError(f"{hits[0].doc_id} changed while it was read; try again")
    return found, provision


def provision_ids(
    ws: Workspace, text: str, *, doc: str | None = None, descendants: bool = True
) -> set[tuple[str, str]]:
    """(doc_id, provision_id) pairs a typed citation covers, for filters such as ``cite:``.

    ``descendants``: "Article 53" covers its paragraphs and points too, as a lawyer
    means it. A citation naming only a document covers all its provisions. Raises
    CitationError for text that is not a citation or names no document.
    """
    found = resolve(ws, text, doc=doc)
    out: set[tuple[str, str]] = set()
    for doc_id in sorted({r.doc_id for r in found}):
        bundle = _load(ws, doc_id)
        if bundle is None:
            continue
        roots = {r.provision_id for r in found if r.doc_id == doc_id}
        if None in roots:
            out.update((doc_id, p.id) for p in bundle.provisions)
            continue
        covered = set(roots)
        if descendants:
            # Provisions come in document order, a parent before its children.
            for p in bundle.provisions:
                if p.parent is not None and p.parent in covered:
                    covered.add(p.id)
        out.update((doc_id, pid) for pid in covered if pid is not None)
    return out
