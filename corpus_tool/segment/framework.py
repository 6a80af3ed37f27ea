"""Standards frameworks: functions, categories and subcategories ("GOVERN 1", "GOVERN 1.1").

A framework in the manner of the NIST AI RMF names its outcomes by a function word in
capitals and a number: a category "GOVERN 1: Policies … are in place" and its
subcategories "GOVERN 1.1: Legal and regulatory requirements … are understood". They are
printed in tables (categories in one column, subcategories in the next, the table
continued over pages with its caption and column heads repeated) and cited in prose.

``find_frameworks(lines)`` finds the runs of lines that print such units; each run
becomes a function (container), its categories and their subcategories (units), built
from the numbers rather than the order of extraction (a table's columns are read one
after the other, so "GOVERN 1.5" may come after "GOVERN 4:"). The table's furniture
(caption, column heads, "Continued on next page") belongs to no provision; a category's
statement continued on the next page is kept in its heading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from corpus_tool.segment.common import lang_rx
from corpus_tool.segment.lines import Line
from corpus_tool.segment.outline import Node

# "GOVERN 1:", "MAP 1.1:", "MEASURE 2.13:" at the start of a line.
UNIT = re.compile(r"^([A-Z]{3,12})\s+(\d{1,2})(?:\.(\d{1,2}))?:\s*")


@dataclass
class Framework:
    """One run of lines printing one function's categories and subcategories."""

    word: str  # "GOVERN"
    first: int  # index of its first line (caption or first unit)
    last: int  # index one past its last line
    function: Node | None = None
    noise: list[tuple[int, int]] = field(default_factory=list)


def _function_words(lines: list[Line]) -> set[str]:
    """Capitalised words that number at least three units with a decimal subunit."""
    seen: dict[str, set[str]] = {}
    for ln in lines:
        m = UNIT.match(ln.text)
        if m and m.group(3):
            seen.setdefault(m.group(1), set()).add(f"{m.group(2)}.{m.group(3)}")
    return {w for w, nums in seen.items() if len(nums) >= 3}


def find_frameworks(lines: list[Line], rank: float) -> list[Framework]:
    """The runs of framework units in ``lines``, each built into a function node."""
    words = _function_words(lines)
    if not words:
        return []
    furniture = lang_rx("framework", "furniture")
    caption = lang_rx("framework", "caption")
    out: list[Framework] = []
    k = 0
    n = len(lines)
    while k < n:
        m = UNIT.match(lines[k].text)
        if not (m and m.group(1) in words):
            k += 1
            continue
        word = m.group(1)
        first = k
        # The table's caption and column heads just before the first unit belong to it.
        while first > 0 and (
            furniture.match(lines[first - 1].text) or caption.match(lines[first - 1].text)
        ):
            first -= 1
        fw = Framework(word, first, k)
        k = _build(fw, lines, k, rank, furniture, caption)
        out.append(fw)
    return out


def _build(
    fw: Framework,
    lines: list[Line],
    k: int,
    rank: float,
    furniture: re.Pattern[str],
    caption: re.Pattern[str],
) -> int:
    """Read the units of ``fw.word`` from line ``k``; return the index after the run."""
    word = fw.word
    slug = word.lower()
    function = Node(
        "function", slug, word, word, rank, lines[fw.first].start, lines[fw.first].start,
        scoped=False,
    )  # fmt: skip
    function.heading = word
    categories: dict[str, Node] = {}
    current: Node | None = None  # the unit whose text the next lines continue
    continued: Node | None = None  # the category a continued table column carries on
    n = len(lines)
    for ln in lines[fw.first : k]:
        fw.noise.append((ln.start, ln.end))
    while k < n:
        ln = lines[k]
        t = ln.text
        m = UNIT.match(t)
        if m and m.group(1) == word:
            cat_no, sub_no = m.group(2), m.group(3)
            body = ln.start + m.end()
            if sub_no is None:
                node = Node(
                    "category", f"{slug}_{cat_no}", f"{word} {cat_no}", f"{word} {cat_no}",
                    rank + 0.02, ln.start, body, scoped=False, unit=True, lead_in=True,
                )  # fmt: skip
                node.heading = t[m.end() :].strip()
                categories[cat_no] = node
                node.parent = function
                function.children.append(node)
            else:
                parent = categories.get(cat_no)
                if parent is None:  # a subcategory printed before its category
                    parent = Node(
                        "category", f"{slug}_{cat_no}", f"{word} {cat_no}", f"{word} {cat_no}",
                        rank + 0.02, ln.start, ln.start, scoped=False, unit=True, lead_in=True,
                    )  # fmt: skip
                    parent.end = ln.start
                    categories[cat_no] = parent
                    parent.parent = function
                    function.children.append(parent)
                cite = f"{word} {cat_no}.{sub_no}"
                node = Node(
                    "subcategory", f"{slug}_{cat_no}_{sub_no}", cite, cite, rank + 0.04,
                    ln.start, body, scoped=False, unit=True,
                )  # fmt: skip
                node.parent = parent
                parent.children.append(node)
            node.end = ln.end
            current, continued = node, None
            k += 1
            continue
        if m and m.group(1) != word:
            break  # the next function's table
        if furniture.match(t) or caption.match(t):
            fw.noise.append((ln.start, ln.end))
            if lang_rx("framework", "categories_head").match(t) and categories:
                continued = list(categories.values())[-1]
            current = None
            k += 1
            continue
        if continued is not None:
            # A category's statement carried over to the next page of the table.
            continued.heading += " " + t
            fw.noise.append((ln.start, ln.end))
            k += 1
            continue
        if current is None or _ends_run(lines, k, current):
            break
        current.end = ln.end
        if current.kind == "category":
            current.heading += " " + t
        k += 1
    fw.last = k
    function.end = lines[k - 1].end if k > 0 else function.start
    function.body = function.start
    for cat in function.children:
        cat.heading = " ".join(cat.heading.split())
        if cat.end < 0:
            cat.end = cat.body
    function.children.sort(key=lambda c: int(c.id_part.rsplit("_", 1)[1]))
    for cat in function.children:
        cat.children.sort(key=lambda s: int(s.id_part.rsplit("_", 1)[1]))
    fw.function = function
    return k


def _ends_run(lines: list[Line], k: int, current: Node) -> bool:
    """Whether line ``k`` is prose after the table rather than more of ``current``."""
    ln = lines[k]
    prev = lines[k - 1]
    if re.match(r"^\d{1,2}(?:\.\d{1,2})*\.?\s+[A-Z]", ln.text) and len(ln.text.split()) <= 8:
        return True  # the next numbered heading ("5.2 Map")
    return ln.page != prev.page and prev.text.rstrip().endswith(".") and ln.blank_before
