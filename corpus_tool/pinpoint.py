"""Printed pages and paste-ready pinpoint citations of provisions ("… Art. 6(1), OJ L 119, 4.5.2016, p. 36").

The formats are data (``pinpoint.toml`` beside this module): per document
family, templates filled from the document's citation, title and publication
(``DocumentMeta.publication``), the provision's citation and the page label
printed on its first page (``Document.page_labels``). Nothing here knows a
particular document.
"""

from __future__ import annotations

import re
import string
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any, Protocol

from corpus_tool.model import DocumentMeta


class Citable(Protocol):
    """What a pinpoint needs of a provision or a search hit."""

    @property
    def citation(self) -> str: ...

    @property
    def pages(self) -> tuple[int, int]: ...


PIN_NUMBER = re.compile(r"(\d+)\s*$")


@dataclass(frozen=True)
class PinFormat:
    families: tuple[str, ...]
    templates: tuple[str, ...]
    cite: tuple[tuple[re.Pattern[str], str], ...] = ()
    act: re.Pattern[str] | None = None
    publication: re.Pattern[str] | None = None
    section: re.Pattern[str] | None = None
    abbr: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class PinRules:
    formats: tuple[PinFormat, ...]
    months: dict[str, str]


@lru_cache(maxsize=1)
def load_formats() -> PinRules:
    raw = tomllib.loads(resources.files("corpus_tool").joinpath("pinpoint.toml").read_text("utf-8"))
    formats = tuple(
        PinFormat(
            families=tuple(f["families"]),
            templates=tuple(f["templates"]),
            cite=tuple((re.compile(p), r) for p, r in f.get("cite", [])),
            act=re.compile(f["act"]) if f.get("act") else None,
            publication=re.compile(f["publication"]) if f.get("publication") else None,
            section=re.compile(f["section"]) if f.get("section") else None,
            abbr={k: dict(v) for k, v in f.get("abbr", {}).items()},
        )
        for f in raw.get("format", [])
    )
    return PinRules(formats, dict(raw.get("months", {})))


def printed_pages(
    provision: Citable, page_labels: Sequence[str], page_count: int | None = None
) -> list[str]:
    """The labels printed on the provision's pages, first to last (the PDF page where none)."""
    first, last = provision.pages
    if page_count is not None:
        last = min(last, max(page_count, first))
    return [_label(page_labels, n) for n in range(first, last + 1)]


def _label(page_labels: Sequence[str], number: int) -> str:
    if 1 <= number <= len(page_labels) and page_labels[number - 1]:
        return page_labels[number - 1]
    return str(number)


def pin_page(label: str) -> str:
    """The page number inside a printed label: "36" of "L 119/36", "75203" of "75203"."""
    m = PIN_NUMBER.search(label)
    return m.group(1) if m else label


def format_for(family: str) -> PinFormat | None:
    rules = load_formats()
    for fmt in rules.formats:
        if family in fmt.families:
            return fmt
    return next((f for f in rules.formats if "other" in f.families), None)


def pinpoint(meta: DocumentMeta, provision: Citable, page_labels: Sequence[str] = ()) -> str:
    """A citation of the provision ready to paste into a brief, in its family's format."""
    fmt = format_for(meta.family)
    cite = provision.citation
    if fmt is None:
        return f"{meta.citation or meta.title}, {cite}"
    name = meta.citation or meta.title
    if name and cite.lower().startswith(name.lower()):
        # A licence whose paragraphs are cited under its own title ("Apache License ¶1").
        cite = cite[len(name) :].strip(" ,") or cite
    for pattern, replacement in fmt.cite:
        cite = pattern.sub(replacement, cite, count=1)
    fields: dict[str, str] = {
        "act": meta.citation,
        "title": meta.title,
        "name": name,
        "cite": cite,
        # Text files have no pages to cite.
        "page": pin_page(_label(page_labels, provision.pages[0])) if meta.pages else "",
    }
    sources: tuple[tuple[re.Pattern[str] | None, str], ...] = (
        (fmt.act, meta.citation),
        (fmt.publication, meta.publication),
        (fmt.section, cite),
    )
    for source_pattern, value in sources:
        m = source_pattern.search(value) if source_pattern is not None and value else None
        if m:
            fields.update({k: v for k, v in m.groupdict().items() if v})
    months = load_formats().months
    if fields.get("month") in months:
        fields["month_abbr"] = months[fields["month"]]
    for group, table in fmt.abbr.items():
        if fields.get(group) in table:
            fields[f"{group}_abbr"] = table[fields[group]]
    for template in fmt.templates:
        names = [n for _, n, _, _ in string.Formatter().parse(template) if n]
        if all(fields.get(n) for n in names):
            return template.format(**fields)
    return f"{fields['name']}, {cite}"


class PageLabels:
    """Printed page labels of the workspace's documents, read once per document.

    They live with the extracted Document (the extraction cache); a document
    extracted before labels existed has none, so its PDF pages are used.
    """

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self._labels: dict[str, tuple[str, ...]] = {}

    def of(self, meta: DocumentMeta) -> tuple[str, ...]:
        if meta.sha256 not in self._labels:
            doc = self.ws.load_extraction(meta.sha256) if meta.pages else None
            self._labels[meta.sha256] = tuple(doc.page_labels) if doc is not None else ()
        return self._labels[meta.sha256]

    def fields(self, meta: DocumentMeta, provision: Citable) -> dict[str, Any]:
        """The ``printed_pages`` and ``pinpoint`` fields of a provision or hit record."""
        labels = self.of(meta)
        return {
            "printed_pages": printed_pages(provision, labels, meta.pages or None),
            "pinpoint": pinpoint(meta, provision, labels),
        }


__all__ = ["Citable", "PageLabels", "load_formats", "pin_page", "pinpoint", "printed_pages"]
