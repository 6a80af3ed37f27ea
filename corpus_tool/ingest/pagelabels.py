"""Printed page labels ("L 119/36", "75203", "85") read from each page's running heads and feet.

A page number is a number in a margin row that rises by one from one page to
the next. Each kind of label (``[[page_label]]`` in ``families.toml``) finds
candidates on every page; a kind and an offset (printed number minus PDF page
number) are trusted when enough pages agree on them, and a page gets the label
that fits a trusted run. So a date, a volume or a chapter number in the same
head never passes for the page, and nothing names a particular document.
"""

from __future__ import annotations

import itertools
import math
import re
import tomllib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

ROMAN = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}
# A run must cover this share of the pages (and at least two pages) to be trusted;
# lower, and a footnote number in the foot margin could pass for a page number.
MIN_SHARE = 0.2


@dataclass(frozen=True)
class LabelKind:
    name: str
    pattern: re.Pattern[str]
    roman: bool


@lru_cache(maxsize=1)
def label_kinds() -> tuple[LabelKind, ...]:
    raw = tomllib.loads(
        resources.files("corpus_tool.ingest").joinpath("families.toml").read_text("utf-8")
    )
    return tuple(
        LabelKind(k["name"], re.compile(k["pattern"]), bool(k.get("roman", False)))
        for k in raw.get("page_label", [])
    )


def roman_value(text: str) -> int | None:
    """The value of a lower-case roman numeral written the usual way, else None."""
    values = [ROMAN.get(ch) for ch in text.lower()]
    if not values or None in values:
        return None
    total = 0
    nums = [v for v in values if v is not None]
    for i, v in enumerate(nums):
        total += -v if i + 1 < len(nums) and nums[i + 1] > v else v
    return total if _to_roman(total) == text.lower() else None


def _to_roman(n: int) -> str:
    out = []
    for value, sym in (
        (100, "c"),
        (90, "xc"),
        (50, "l"),
        (40, "xl"),
        (10, "x"),
        (9, "ix"),
        (5, "v"),
        (4, "iv"),
        (1, "i"),
    ):
        while n >= value:
            out.append(sym)
            n -= value
    return "".join(out)


def _label_text(label: str) -> str:
    # "L119/36" and "L 119 / 36" are printed spacing variants of "L 119/36".
    m = re.fullmatch(r"([LC]) ?(\d+) ?/ ?(\d+)", label)
    return f"{m.group(1)} {m.group(2)}/{m.group(3)}" if m else label


def page_labels(margins: Sequence[Sequence[str]]) -> tuple[str, ...]:
    """One label per page from the text of its margin rows ("" where none fits a run).

    ``margins[i]`` holds the running-head and running-foot rows of PDF page i + 1.
    """
    n = len(margins)
    if n < 2:
        return ("",) * n
    # candidates[(kind index, offset)] = {page index: label}
    candidates: dict[tuple[int, int], dict[int, str]] = {}
    for i, rows in enumerate(margins):
        for k, kind in enumerate(label_kinds()):
            for row in rows:
                for m in kind.pattern.finditer(row):
                    raw = m.group("page")
                    value = roman_value(raw) if kind.roman else int(raw)
                    if value is None:
                        continue
                    candidates.setdefault((k, value - (i + 1)), {}).setdefault(
                        i, _label_text(m.group("label"))
                    )
    need = max(2, math.ceil(MIN_SHARE * n))
    labels = [""] * n
    runs: list[tuple[int, int] | None] = [None] * n
    # Greedy: the run covering most unlabelled pages first (earlier kinds win ties),
    # then further runs (front matter in roman, an annex numbered apart) while they
    # still cover enough pages.
    while candidates:
        support = Counter(
            {key: sum(1 for i in pages if not labels[i]) for key, pages in candidates.items()}
        )
        key, count = max(support.items(), key=lambda kv: (kv[1], -kv[0][0]))
        if count < need:
            break
        for i, label in candidates.pop(key).items():
            if not labels[i]:
                labels[i] = label
                runs[i] = key
    _fill_gaps(labels, runs)
    return tuple(labels)


def _fill_gaps(labels: list[str], runs: list[tuple[int, int] | None]) -> None:
    """A page inside a run whose number was not read (a figure over the foot) gets its number.

    Only between two pages of the same run, so a page before the numbering
    starts or after it ends keeps "" (its PDF page is used).
    """
    known = [i for i, r in enumerate(runs) if r is not None]
    for a, b in itertools.pairwise(known):
        if b - a < 2 or runs[a] != runs[b] or runs[a] is None:
            continue
        offset = runs[a][1]  # type: ignore[index]
        m = re.search(r"[ivxlc]+$|\d+$", labels[a])
        if m is None or not m.group(0).isdigit():
            continue  # roman runs stay as read
        for i in range(a + 1, b):
            labels[i] = labels[a][: m.start()] + str(i + 1 + offset)


__all__ = ["label_kinds", "page_labels", "roman_value"]
