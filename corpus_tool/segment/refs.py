"""Cross-references written in a provision, resolved to provision ids and other documents.

Within a document: "Article 5 or 50", "Articles 16 and 114", "Article 97(2)",
"paragraph 1, points (a) and (b)", "point (c) of Article 5(1)", "Annex XI",
"Annexes XI and XII", "Chapter III, Section 2", "section 4.6(a) of this order".
To other acts: "Article 4(3) of Directive (EU) 2019/790" keeps that citation in
``Reference.external``; :func:`resolve_external_refs` later points it at the
corpus document whose ``DocumentMeta.citation`` names the same act.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from corpus_tool.model import PackedProvisions, Provision, Reference, structure_of

if TYPE_CHECKING:
    from corpus_tool.workspace import DocBundle
from corpus_tool.segment.enums import roman_value

NUM = r"\d+[a-z]?"
SUB = r"(?:\s?\((?:\d+[a-z]?|[a-z]{1,4})\))"
ITEM = rf"{NUM}{SUB}*"
JOIN = r"(?:\s*,\s*(?:and\s+|or\s+)?|\s+(?:and|or|to|and/or)\s+)"
POINTS = r"points?\s+\([a-z0-9]{1,4}\)(?:" + JOIN + r"\([a-z0-9]{1,4}\))*"
ROMAN = r"[IVXLC]+"

ACT = (
    r"(?:(?:Commission|Council)\s+)?(?:Implementing\s+|Delegated\s+)?"
    r"(?:Regulation|Directive|Decision|Framework Decision)\s+"
    r"(?:\((?:EU|EC|EEC|Euratom|EU, Euratom|CFSP)\)\s+)?(?:No\s+)?"
    r"\d{1,4}/\d{1,4}(?:/(?:EU|EC|EEC|JHA|CFSP|Euratom))?"
    r"|Executive Order\s+\d{4,6}"
    r"|\d{1,2}\s+U\.S\.C\.\s+\d+[a-z]*(?:\([^)\s]{1,6}\))*"
    r"|Public Law\s+\d{2,3}[–-]\d{1,4}"
    r"|COM\(\d{4}\)\s*\d+(?:\s+final)?"
)
ACT_RX = re.compile(ACT)
# Cheap pre-check so provisions that cite no act skip the long pattern.
_MAY_CITE_ACT = re.compile(
    r"Regulation|Directive|Decision|Executive Order|COM\(|U\.S\.C\.|Public Law"
)
TREATY_RX = re.compile(
    r"^\s*(?:,\s*)?(?:of\s+the\s+(?:Treaty|Charter|Protocol|Convention|Agreement)|TFEU|TEU|thereof)"
)
OTHER_ACT_RX = re.compile(r"^\s*(?:,\s*)?(?:of|to|in)\s+(?P<act>" + ACT + r")")
THAT_ACT_RX = re.compile(r"^\s*(?:of|to)\s+(?:that|the said|the same)\s+[A-Z]?[a-z]+")

ARTICLES_RX = re.compile(
    rf"\bArticles?\s+(?P<items>{ITEM}(?:{JOIN}(?:{ITEM}|\(\d+[a-z]?\)(?!\s*of\b)))*)(?:\s*,\s*(?:first|second|third|fourth|fifth)\s+subparagraph)?(?:\s*,\s*(?P<pts>{POINTS}))?"
)
POINTS_OF_RX = re.compile(
    rf"\b(?P<pts>{POINTS})\s+of\s+(?:the\s+\w+\s+subparagraph\s+of\s+)?(?:(?P<para>paragraph\s+{NUM})|Article\s+(?P<art>{NUM}(?:\(\d+[a-z]?\))?))"
)
PARAGRAPHS_RX = re.compile(
    rf"\bparagraphs?\s+(?P<items>{NUM}(?:{JOIN}{NUM})*)(?:\s*,\s*(?:first|second|third|fourth|fifth)\s+subparagraph)?(?:\s*,\s*(?P<pts>{POINTS}))?(?P<of>\s+of\s+(?:this\s+Article|Article\s+(?P<art>{NUM})))?"
)
ANNEX_RX = re.compile(
    rf"\bAnnex(?:es)?\s+(?P<items>{ROMAN}\b(?:{JOIN}{ROMAN}\b)*)(?:\s*,\s*(?:points?\s+(?P<pt>\d+)))?"
)
CHAPTER_RX = re.compile(rf"\bChapters?\s+(?P<ch>{ROMAN})\b(?:\s*,\s*Section\s+(?P<sec>\d+))?")
SECTION_OF_CHAPTER_RX = re.compile(rf"\bSection\s+(?P<sec>\d+)\s+of\s+Chapter\s+(?P<ch>{ROMAN})\b")
ORDER_RX = re.compile(
    r"\b(?:sections?|subsections?|Sec\.)\s+(?P<sec>\d+)(?:\.(?P<sub>\d+))?(?P<paras>(?:\((?:[a-z]{1,4}|[A-Z]|\d+)\))*)"
)
ORDER_RELATIVE_RX = re.compile(
    r"\b(?:sub)?(?:section|paragraph)\s+\((?P<para>[a-z]{1,2})\)(?:\((?P<sub>[ivx]+)\))?\s+of\s+this\s+section"
)
ORDER_EXTERNAL_RX = re.compile(
    r"^\s*(?:of|to)\s+(?!this\b)(?:the\s+)?[A-Z]|^\s*of\s+title\b|^\s*U\.S\.C"
)


def _split_items(items: str) -> list[str]:
    """ "5 or 50" -> ["5", "50"]; "8 to 11" -> ["8", "9", "10", "11"]."""
    parts = re.split(r"(\s*,\s*(?:and\s+|or\s+)?|\s+(?:and|or|to|and/or)\s+)", items)
    out: list[str] = []
    for k in range(0, len(parts), 2):
        tok = parts[k].strip()
        if tok.startswith("(") and out:
            # "Article 6(1) and (2)": another paragraph of the same article.
            article = re.match(r"\d+[a-z]?", out[-1])
            if article:
                tok = article.group() + tok
        sep = parts[k - 1].strip() if k > 0 else ""
        if sep == "to" and out and out[-1].isdigit() and tok.isdigit():
            lo, hi = int(out[-1]), int(tok)
            if 0 < hi - lo <= 40:
                out.extend(str(v) for v in range(lo + 1, hi + 1))
                continue
        if tok:
            out.append(tok)
    return out


def _split_roman(items: str) -> list[str]:
    toks = [t for t in re.split(r"\s*,\s*|\s+(?:and|or|to)\s+", items) if t]
    if len(toks) == 2 and re.search(r"\sto\s", items):
        lo, hi = roman_value(toks[0]), roman_value(toks[1])
        if lo and hi and 0 < hi - lo <= 20:
            from corpus_tool.segment.enums import to_roman

            return [to_roman(v).upper() for v in range(lo, hi + 1)]
    return toks


def _point_labels(pts: str | None) -> list[str]:
    if not pts:
        return []
    labels = re.findall(r"\(([a-z0-9]{1,4})\)", pts)
    m = re.search(r"\(([a-z])\)\s+to\s+\(([a-z])\)", pts)
    if m and len(labels) == 2 and 0 < ord(m.group(2)) - ord(m.group(1)) <= 25:
        return [chr(c) for c in range(ord(m.group(1)), ord(m.group(2)) + 1)]
    return labels


class _Resolver:
    def __init__(self, ids: Iterable[str]) -> None:
        self.ids = set(ids)
        self.has_order_sections = any(i.startswith("sec_") for i in self.ids)

    def first(self, *candidates: str) -> str | None:
        for c in candidates:
            if c in self.ids:
                return c
        return None

    def article_item(self, item: str) -> str | None:
        m = re.match(rf"({NUM})((?:\s?\([^)]+\))*)", item)
        if not m:
            return None
        subs = re.findall(r"\(([^)]+)\)", m.group(2))
        return self.deepest(f"art_{m.group(1)}", subs)

    def deepest(self, base: str, subs: Sequence[str]) -> str | None:
        if base not in self.ids:
            return None
        cur = base
        for k, s in enumerate(subs):
            options = [f"{cur}__para_{s}", f"{cur}__point_{s}"] if k == 0 else [f"{cur}__point_{s}"]
            nxt = self.first(*options)
            if nxt is None:
                break
            cur = nxt
        return cur


def _article_of(provision_id: str) -> str | None:
    head = provision_id.split("__", 1)[0]
    return head if head.startswith("art_") else None


def resolver(ids: Iterable[str]) -> _Resolver:
    """Build once per document and pass to :func:`find_references`."""
    return _Resolver(ids)


def find_references(provision: Provision, ids: Iterable[str] | _Resolver) -> tuple[Reference, ...]:
    """The cross-references in ``provision.text``, resolved against the document's ids."""
    text = provision.text
    if not text:
        return ()
    res = ids if isinstance(ids, _Resolver) else _Resolver(ids)
    refs: list[Reference] = []
    taken: list[tuple[int, int]] = []

    def add(start: int, end: int, target: str | None, external: str | None = None) -> None:
        refs.append(Reference(text[start:end], start, end, target, None, external))

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    here = _article_of(provision.id)

    for m in POINTS_OF_RX.finditer(text) if "point" in text else ():
        if not free(m.start(), m.end()):
            continue
        tail = text[m.end() : m.end() + 120]
        other = OTHER_ACT_RX.match(tail)
        if other and m.group("art"):
            end = m.end() + other.end()
            add(m.start(), end, None, text[m.start() : end])
            taken.append((m.start(), end))
            continue
        if other or THAT_ACT_RX.match(tail):
            continue
        if m.group("art"):
            base = res.article_item(m.group("art"))
        elif here:
            base = res.first(f"{here}__para_{m.group('para').split()[-1]}")
        else:
            base = None
        for p in _point_labels(m.group("pts")):
            add(m.start(), m.end(), res.first(f"{base}__point_{p}") if base else None)
        taken.append((m.start(), m.end()))

    for m in ARTICLES_RX.finditer(text) if "Article" in text else ():
        if not free(m.start(), m.end()):
            continue
        tail = text[m.end() : m.end() + 120]
        other = OTHER_ACT_RX.match(tail)
        if other:
            end = m.end() + other.end()
            add(m.start(), end, None, text[m.start() : end])
            taken.append((m.start(), end))
            continue
        if TREATY_RX.match(tail) or THAT_ACT_RX.match(tail):
            # Another instrument named around it (the Treaties, "that Regulation"): not ours.
            add(m.start(), m.end(), None, m.group())
            taken.append((m.start(), m.end()))
            continue
        items = _split_items(m.group("items"))
        pts = _point_labels(m.group("pts"))
        for k, item in enumerate(items):
            target = res.article_item(item)
            if target and pts and k == len(items) - 1:
                for p in pts:
                    add(m.start(), m.end(), res.first(f"{target}__point_{p}") or target)
                continue
            add(m.start(), m.end(), target)
        taken.append((m.start(), m.end()))

    for m in PARAGRAPHS_RX.finditer(text) if "aragraph" in text else ():
        if not free(m.start(), m.end()):
            continue
        art = f"art_{m.group('art')}" if m.group("art") else here
        if art is None:
            continue
        pts = _point_labels(m.group("pts"))
        items = _split_items(m.group("items"))
        for k, item in enumerate(items):
            para = res.first(f"{art}__para_{item}")
            if para and pts and k == len(items) - 1:
                for p in pts:
                    add(m.start(), m.end(), res.first(f"{para}__point_{p}") or para)
                continue
            add(m.start(), m.end(), para)
        taken.append((m.start(), m.end()))

    for m in ANNEX_RX.finditer(text) if "Annex" in text else ():
        if not free(m.start(), m.end()):
            continue
        tail = text[m.end() : m.end() + 120]
        other = OTHER_ACT_RX.match(tail)
        if other:
            end = m.end() + other.end()
            add(m.start(), end, None, text[m.start() : end])
            continue
        if THAT_ACT_RX.match(tail):
            continue
        items = _split_roman(m.group("items"))
        for item in items:
            target = res.first(f"anx_{item}")
            if target and m.group("pt") and len(items) == 1:
                suffix = f"__point_{m.group('pt')}"
                target = next(
                    (
                        i
                        for i in sorted(res.ids)
                        if i.startswith(target + "__") and i.endswith(suffix)
                    ),
                    target,
                )
            add(m.start(), m.end(), target)

    for rx_ in (SECTION_OF_CHAPTER_RX, CHAPTER_RX):
        for m in rx_.finditer(text) if "Chapter" in text else ():
            if not free(m.start(), m.end()):
                continue
            tail = text[m.end() : m.end() + 120]
            if OTHER_ACT_RX.match(tail) or THAT_ACT_RX.match(tail):
                continue
            target = res.first(f"chp_{m.group('ch')}")
            if target and m.group("sec"):
                target = res.first(f"{target}__sec_{m.group('sec')}") or target
            add(m.start(), m.end(), target)
            taken.append((m.start(), m.end()))

    if res.has_order_sections and "of this section" in text:
        unit = re.match(r"sec_\d+(?:__subsec_\d+)?", provision.id)
        for m in ORDER_RELATIVE_RX.finditer(text):
            if unit is None or not free(m.start(), m.end()):
                continue
            cur = res.first(f"{unit.group()}__para_{m.group('para')}")
            if cur and m.group("sub"):
                cur = res.first(f"{cur}__subpara_{m.group('sub')}") or cur
            add(m.start(), m.end(), cur)
            taken.append((m.start(), m.end()))
    if res.has_order_sections:
        for m in ORDER_RX.finditer(text):
            tail = text[m.end() : m.end() + 60]
            if ORDER_EXTERNAL_RX.match(tail):
                continue
            cur = res.first(f"sec_{m.group('sec')}")
            if cur and m.group("sub"):
                cur = res.first(f"{cur}__subsec_{m.group('sub')}") or cur
            if cur:
                for lab in re.findall(r"\(([^)]+)\)", m.group("paras") or ""):
                    word = "para" if lab.islower() and roman_value(lab) is None else "subpara"
                    nxt = res.first(
                        f"{cur}__para_{lab}",
                        f"{cur}__{word}_{lab}",
                        f"{cur}__subpara_{lab}",
                        f"{cur}__clause_{lab}",
                    )
                    if nxt is None:
                        break
                    cur = nxt
            add(m.start(), m.end(), cur)

    for m in ACT_RX.finditer(text) if _MAY_CITE_ACT.search(text) else ():
        if free(m.start(), m.end()):
            add(m.start(), m.end(), None, m.group())

    refs.sort(key=lambda r: (r.start, r.end))
    return tuple(refs)


# --- references to other documents of the corpus -----------------------------


def act_key(citation: str) -> tuple[str, int, int] | None:
    """A comparable key for an act's citation: ("regulation", 2016, 679)."""
    m = re.search(r"Executive Order\s+(\d{4,6})", citation)
    if m:
        return ("executive-order", 0, int(m.group(1)))
    m = re.search(r"COM\((\d{4})\)\s*(\d+)", citation)
    if m:
        return ("com", int(m.group(1)), int(m.group(2)))
    m = re.search(
        r"(Regulation|Directive|Decision)\s+(?:\([^)]*\)\s+)?(No\s+)?(\d{1,4})/(\d{1,4})(?:/(\w+))?",
        citation,
    )
    if not m:
        return None
    kind = m.group(1).lower()
    a, b = int(m.group(3)), int(m.group(4))
    if m.group(2):  # "No 45/2001": number then year
        number, year = a, b
    else:
        year, number = a, b
    if year < 100:
        year += 1900 if year >= 50 else 2000
    return (kind, year, number)


def resolve_external_refs(bundles: Sequence[DocBundle]) -> list[DocBundle]:
    """Point references to other acts at the corpus documents that are those acts.

    ``bundles`` are DocBundles (or anything with ``.meta`` and ``.provisions``). Returns
    new bundles, in the same order, whose references carry ``target_doc`` (and, when
    the cited provision exists there, ``target`` = its id in that document).
    """
    by_key: dict[tuple[str, int, int], str] = {}
    ids_of: dict[str, set[str]] = {}
    for b in bundles:
        key = act_key(b.meta.citation or "")
        if key is not None:
            by_key.setdefault(key, b.meta.doc_id)
        ids_of[b.meta.doc_id] = {p.id for p in structure_of(b.provisions)}
    out: list[DocBundle] = []
    for b in bundles:
        # Only the changed provisions are made again; a bundle being built keeps
        # its provisions packed (``PackedProvisions``, issue 15).
        changes: dict[int, Provision] = {}
        for i, p in enumerate(structure_of(b.provisions)):
            new_refs = []
            touched = False
            for r in p.refs:
                if r.external:
                    key = act_key(r.external)
                    doc = by_key.get(key) if key else None
                    if doc and doc != b.meta.doc_id:
                        target = None
                        am = re.search(rf"\bArticles?\s+({ITEM})", r.external)
                        if am:
                            there = _Resolver(ids_of[doc])
                            target = there.article_item(am.group(1))
                            for pt in _point_labels(r.external[: am.start()])[:1]:
                                target = there.first(f"{target}__point_{pt}") or target
                        new_refs.append(dataclasses.replace(r, target_doc=doc, target=target))
                        touched = True
                        continue
                new_refs.append(r)
            if touched:
                changes[i] = dataclasses.replace(p, refs=tuple(new_refs))
        if not changes:
            out.append(b)
        elif isinstance(b.provisions, PackedProvisions):
            out.append(dataclasses.replace(b, provisions=b.provisions.replacing(changes)))
        else:
            provisions = tuple(changes.get(i, p) for i, p in enumerate(b.provisions))
            out.append(dataclasses.replace(b, provisions=provisions))
    return out
