"""Enumeration labels of legal lists — (a), (ii), (12), (A) — and how they nest.

A label like "(i)" can be the ninth letter or the first roman numeral; "(v)"
and "(x)" likewise. The list stack decides: a label continues the innermost
list it can follow, a new list opens only with its first value, and a lead-in
ending in a colon prefers opening a nested list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_ROMAN = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}


def roman_value(s: str) -> int | None:
    """Value of a roman numeral (any case), None when ``s`` is not one in canonical form."""
    low = s.lower()
    if not low or any(ch not in _ROMAN for ch in low):
        return None
    total = 0
    for i, ch in enumerate(low):
        v = _ROMAN[ch]
        if i + 1 < len(low) and _ROMAN[low[i + 1]] > v:
            total -= v
        else:
            total += v
    return total if to_roman(total) == low else None


def to_roman(n: int) -> str:
    parts = [(100, "c"), (90, "xc"), (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v")]
    parts += [(4, "iv"), (1, "i")]
    out = []
    for v, s in parts:
        while n >= v:
            out.append(s)
            n -= v
    return "".join(out)


def alpha_value(s: str) -> int | None:
    """a=1 … z=26, aa=27, bb=28 … (the EU style of extending letters)."""
    if not s.isalpha() or not s.isascii():
        return None
    low = s.lower()
    if len(set(low)) != 1:
        return None
    return (ord(low[0]) - 96) + 26 * (len(low) - 1)


@dataclass(frozen=True, slots=True)
class Reading:
    """One way to read a label: its style and its ordinal value."""

    style: str  # "alpha", "roman", "digit", "ALPHA", "ROMAN"
    value: int


def readings(label: str) -> list[Reading]:
    """Every plausible reading of an enumeration label (without brackets)."""
    out: list[Reading] = []
    if re.fullmatch(r"\d{1,3}", label):
        out.append(Reading("digit", int(label)))
        return out
    if label.islower():
        r = roman_value(label)
        if r is not None:
            out.append(Reading("roman", r))
        a = alpha_value(label)
        if a is not None:
            out.append(Reading("alpha", a))
    elif label.isupper():
        r = roman_value(label)
        if r is not None:
            out.append(Reading("ROMAN", r))
        a = alpha_value(label)
        if a is not None:
            out.append(Reading("ALPHA", a))
    return out


@dataclass
class ListLevel:
    style: str
    last: int
    depth: int  # position in the caller's stack of open lists


@dataclass
class ListStack:
    """The open enumerations inside one provision (innermost last)."""

    levels: list[ListLevel] = field(default_factory=list)

    def place(
        self, label: str, *, lead_in_colon: bool, gap_ok: bool = False
    ) -> tuple[int, Reading] | None:
        """Where a label goes: (index of the level it continues or opens, reading).

        ``gap_ok``: the text before ended an item, so a label a little further on
        in an open list still continues it (an item was removed or lost).
        Returns None when the label cannot be a list item here (it is then text).
        """
        options = readings(label)
        if not options:
            return None
        firsts = [r for r in options if r.value == 1]
        if lead_in_colon and firsts:
            return len(self.levels), firsts[0]
        for i in range(len(self.levels) - 1, -1, -1):
            lvl = self.levels[i]
            for r in options:
                if r.style == lvl.style and r.value == lvl.last + 1:
                    return i, r
        if firsts:
            # A first item that no open list expects: a nested list after the innermost.
            styles = {lvl.style for lvl in self.levels}
            fresh = [r for r in firsts if r.style not in styles] or firsts
            return len(self.levels), fresh[0]
        if lead_in_colon:
            # A list whose first items were removed still starts after its lead-in.
            early = [r for r in options if r.value <= 3]
            if early:
                return len(self.levels), early[0]
        if gap_ok:
            for i in range(len(self.levels) - 1, -1, -1):
                lvl = self.levels[i]
                for r in options:
                    if r.style == lvl.style and lvl.last + 1 < r.value <= lvl.last + 3:
                        return i, r
        return None

    def commit(self, index: int, reading: Reading) -> None:
        del self.levels[index:]
        self.levels.append(ListLevel(reading.style, reading.value, index))

    def clear(self) -> None:
        self.levels.clear()
