"""Pieces every family parser shares: the language data, layout statistics, headings."""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from corpus_tool.segment.lines import Line

LABEL = re.compile(r"^\(([A-Za-z]{1,6}|\d{1,3})\)(?=\s|$)")
DOTTED_LABEL = re.compile(r"^([a-z]{1,2}|[ivx]{1,6}|\d{1,3})\\?\.(?=\s)")


@lru_cache(maxsize=1)
def language() -> dict[str, Any]:
    """The phrase and pattern data of legal drafting (legal_language.toml)."""
    raw = resources.files("corpus_tool.segment").joinpath("legal_language.toml").read_bytes()
    return tomllib.loads(raw.decode("utf-8"))


@lru_cache(maxsize=64)
def rx(pattern: str, flags: int = 0) -> re.Pattern[str]:
    return re.compile(pattern, flags)


def lang_rx(section: str, key: str) -> re.Pattern[str]:
    return rx(language()[section][key])


@lru_cache(maxsize=1)
def definition_patterns() -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p) for p in language()["definitions"]["patterns"])


def defined_term(text: str) -> str | None:
    """The term a provision defines ("‘provider’ means …" -> "provider"), else None."""
    head = text[:400]
    for pat in definition_patterns():
        m = pat.search(head)
        if m:
            return " ".join(m.group("term").split()).rstrip(",;: ")
    return None


@dataclass
class Layout:
    """Where body text starts on each page, so indents can be compared across pages."""

    margins: dict[int, float]
    geometric: bool

    def rel(self, line: Line) -> float | None:
        if line.x0 is None:
            return float(line.indent) * 4.0  # plain text: indentation in "points"
        margin = self.margins.get(line.page)
        return None if margin is None else line.x0 - margin


def layout_of(lines: list[Line]) -> Layout:
    by_page: dict[int, Counter[float]] = {}
    geometric = False
    for ln in lines:
        if ln.x0 is None:
            continue
        geometric = True
        by_page.setdefault(ln.page, Counter())[round(ln.x0)] += 1
    margins: dict[int, float] = {}
    for page, counts in by_page.items():
        # The most common left edge is the body margin; take the leftmost of the
        # frequent ones so a heavily indented list page does not shift it.
        top = counts.most_common(1)[0][1]
        frequent = [x for x, c in counts.items() if c >= max(min(2, top), top // 3)]
        margins[page] = float(min(frequent))
    return Layout(margins, geometric)


def ends_sentence(text: str) -> bool:
    return text.rstrip().endswith((".", "!", "?", ".’", ".”", '."'))


def starts_lower(text: str) -> bool:
    for ch in text:
        if ch.isalpha():
            return ch.islower()
        if not ch.isspace() and ch not in "‘“\"'(":
            return False
    return False


def normalise_label(label: str) -> str:
    return label.strip().strip("().").strip()


# Words a heading in title case leaves in lower case ("Safety of and Trust in AI");
# shared by the parsers that tell a heading from a sentence.
TITLE_SMALL_WORDS = frozenset(
    {"a", "an", "and", "as", "at", "by", "for", "from", "in", "of", "on", "or", "the", "to", "with"}
)
