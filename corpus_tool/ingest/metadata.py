"""Document metadata (family, citation, date, title, ELI) read from the text by family rules.

The rules are data (``families.toml`` beside this module); this code applies
them without knowing any document.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from importlib import resources
from typing import Any

ELI = re.compile(r"(?:https?://)?data\.europa\.eu/eli/[a-z_]+/\d{4}/\d+(?:/[a-z0-9_]+)*?/oj\b")
# Titles in PDF metadata that name the software, not the document.
GENERIC_TITLES = re.compile(
    r"^(?:untitled|publications office|microsoft word.*|document\d*|.*\.(?:docx?|indd|pdf))$", re.I
)
FLAGS = re.MULTILINE | re.DOTALL


@dataclass(frozen=True)
class Metadata:
    title: str
    family: str
    jurisdiction: str
    date: str
    citation: str
    eli: str
    publication: str = ""


@dataclass(frozen=True)
class FamilyRule:
    name: str
    jurisdiction: str
    detect: tuple[re.Pattern[str], ...]
    citation: tuple[tuple[re.Pattern[str], str], ...]
    date: tuple[tuple[re.Pattern[str], str], ...]
    title: tuple[re.Pattern[str], ...]
    text_only: bool
    publication: tuple[tuple[re.Pattern[str], str], ...] = ()


@dataclass(frozen=True)
class TitleLineRules:
    """How the title line of a text file is found (``[text_title]`` in families.toml)."""

    markup: tuple[tuple[re.Pattern[str], str], ...] = ()
    skip: tuple[re.Pattern[str], ...] = ()
    max_length: int = 150


@dataclass(frozen=True)
class Rules:
    families: tuple[FamilyRule, ...]
    jurisdictions: tuple[tuple[str, re.Pattern[str]], ...]
    date_formats: tuple[str, ...]
    text_title: TitleLineRules = TitleLineRules()


def _pairs(items: list[list[str]]) -> tuple[tuple[re.Pattern[str], str], ...]:
    return tuple((re.compile(p, FLAGS), f) for p, f in items)


@lru_cache(maxsize=1)
def load_rules() -> Rules:
    raw: dict[str, Any] = tomllib.loads(
        resources.files("corpus_tool.ingest").joinpath("families.toml").read_text("utf-8")
    )
    families = tuple(
        FamilyRule(
            name=f["name"],
            jurisdiction=f.get("jurisdiction", ""),
            detect=tuple(re.compile(p, FLAGS) for p in f.get("detect", [])),
            citation=_pairs(f.get("citation", [])),
            date=_pairs(f.get("date", [])),
            title=tuple(re.compile(p, FLAGS) for p in f.get("title", [])),
            text_only=bool(f.get("text_only", False)),
            publication=_pairs(f.get("publication", [])),
        )
        for f in raw.get("family", [])
    )
    jurisdictions = tuple(
        (j["code"], re.compile(j["pattern"], FLAGS)) for j in raw.get("jurisdiction", [])
    )
    tt = raw.get("text_title", {})
    text_title = TitleLineRules(
        markup=tuple((re.compile(p), r) for p, r in tt.get("markup", [])),
        skip=tuple(re.compile(p) for p in tt.get("skip", [])),
        max_length=int(tt.get("max_length", 150)),
    )
    return Rules(
        families,
        jurisdictions,
        tuple(raw.get("dates", {}).get("formats", [])),
        text_title,
    )


def text_title(text: str) -> str:
    """The document's own title line: the first line that is not markup, a copyright line or a date."""
    rules = load_rules().text_title
    for raw_line in text.splitlines()[:40]:
        line = raw_line.strip()
        for pattern, replacement in rules.markup:
            line = pattern.sub(replacement, line)
        line = " ".join(line.split())
        if not line or any(p.search(line) for p in rules.skip):
            continue
        return line if len(line) <= rules.max_length else ""
    return ""


def _render(fmt: str, m: re.Match[str]) -> str:
    def field(f: re.Match[str]) -> str:
        value = " ".join((m.group(int(f.group(1))) or "").split())
        how = f.group(2)
        if how == "cap":
            return value.capitalize()
        if how == "upper":
            return value.upper()
        return value

    return re.sub(r"\{(\d+)(?:\|(\w+))?\}", field, fmt)


def iso_date(text: str, formats: tuple[str, ...]) -> str:
    text = " ".join(text.replace(" ,", ",").split())
    for fmt in formats:
        try:
            parsed = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return parsed.strftime("%Y-%m") if "%d" not in fmt else parsed.strftime("%Y-%m-%d")
    return ""


def detect_metadata(
    front: str,
    body: str,
    *,
    extra: str = "",
    pdf_title: str = "",
    is_text: bool = False,
    opening: str = "",
) -> Metadata:
    """Metadata from a document's front matter (``front``), its text and removed lines (``extra``)."""
    rules = load_rules()
    haystack = front
    family: FamilyRule | None = None
    for rule in rules.families:
        if rule.text_only and not is_text:
            continue
        if rule.detect and all(p.search(haystack) for p in rule.detect):
            family = rule
            break
    citation = date = title = publication = ""
    if family is not None:
        # Mastheads and running heads (removed from the text) say where it was published.
        # Page 1 first: a later page's head would give a later page number.
        for source in (haystack, extra):
            for pattern, fmt in family.publication:
                m = pattern.search(source) if source else None
                if m:
                    publication = _render(fmt, m)
                    break
            if publication:
                break
        for pattern, fmt in family.citation:
            m = pattern.search(haystack)
            if m:
                citation = _render(fmt, m)
                break
        for pattern, fmt in family.date:
            m = pattern.search(haystack)
            if m:
                date = iso_date(_render(fmt, m), rules.date_formats)
                if date:
                    break
        # A text file's title is its own title line; a PDF's is read from the clean
        # opening text (words joined again), else from the page as printed.
        if is_text:
            title = text_title(body)
        for source in () if title else (opening, haystack):
            for pattern in family.title:
                m = pattern.search(source) if source else None
                if m:
                    title = " ".join(m.group("title").split()).strip(" #*")
                    break
            if title:
                break
        title = re.sub(r"^(?:\[[^\]]{0,80}\]\s*)+", "", title)
    jurisdiction = family.jurisdiction if family is not None else ""
    if not jurisdiction:
        for code, pattern in rules.jurisdictions:
            if pattern.search(front) or pattern.search(body[:20000]):
                jurisdiction = code
                break
    if not title:
        candidate = " ".join(pdf_title.split())
        if candidate and not GENERIC_TITLES.match(candidate):
            title = candidate
    if not title and is_text:
        title = text_title(body)
    if not title:
        for line in body.splitlines():
            words = line.strip(" #*").split()
            if len(words) >= 2 and any(w[0].isalpha() for w in words):
                title = " ".join(words)[:200]
                break
    m_eli = ELI.search(extra) or ELI.search(front) or ELI.search(body[:5000])
    eli = m_eli.group(0) if m_eli else ""
    if eli and not eli.startswith("http"):
        eli = "http://" + eli
    return Metadata(
        title=title,
        family=family.name if family is not None else "other",
        jurisdiction=jurisdiction,
        date=date,
        citation=citation,
        eli=eli,
        publication=publication,
    )
