"""Term expansion as Westlaw documents it: plurals, possessives and equivalents, no stemming.

A word searched without ``#`` also finds its regular and irregular plurals and
its equivalent spellings (``licence``/``license``, ``organisation``/
``organization``, kept as data in ``equivalents.txt``); a plural finds only
plurals (Westlaw: "If you enter the plural form, only the plural is
retrieved"). Possessives need nothing here: the tokenizer indexes
``provider's`` as ``provider`` and ``providers'`` as ``providers``. Roots are
the user's to ask for with ``!`` or ``*``.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from corpus_tool import query as ast
from corpus_tool.index.analysis import query_words

Slot = frozenset[str] | ast.Pattern  # the forms one word position may take
Alternative = tuple[Slot, ...]  # consecutive words


def _data_lines(name: str) -> list[list[str]]:
    text = resources.files("corpus_tool.index").joinpath(name).read_text("utf-8")
    rows = []
    for line in text.splitlines():
        parts = line.strip().lower().split()
        if parts and not parts[0].startswith("#"):
            rows.append(parts)
    return rows


@lru_cache(maxsize=1)
def _equivalents() -> dict[str, frozenset[str]]:
    table: dict[str, frozenset[str]] = {}
    for group in _data_lines("equivalents.txt"):
        members = frozenset(group)
        for word in group:
            table[word] = table.get(word, frozenset()) | members
    return table


@lru_cache(maxsize=1)
def _irregular() -> dict[str, tuple[str, ...]]:
    return {row[0]: tuple(row[1:]) for row in _data_lines("irregular_plurals.txt")}


_VOWELS = set("aeiou")


def plurals(word: str) -> set[str]:
    """The plural forms of a singular ``word`` (regular ones and those of the data table)."""
    out = set(_irregular().get(word, ()))
    if not word.isalpha():
        return out
    if word.endswith(("s", "x", "z", "ch", "sh")):
        out.add(word + "es")
    elif word.endswith("y") and len(word) > 1 and word[-2] not in _VOWELS:
        out.add(word[:-1] + "ies")
    else:
        out.add(word + "s")
    return out


@lru_cache(maxsize=50_000)
def forms(word: str, expand: bool = True) -> frozenset[str]:
    """Every index word that a query word finds (``word`` already normalised)."""
    if not expand:
        return frozenset((word,))
    bases = {word} | _equivalents().get(word, frozenset())
    out = set(bases)
    for base in bases:
        out |= plurals(base)
    return frozenset(out)


def alternatives(node: ast.Node) -> list[Alternative]:
    """The word sequences a leaf of the query matches, each word as a set of forms."""
    if isinstance(node, ast.Pattern):
        return [(node,)]
    if isinstance(node, ast.Words):
        words = query_words(node.raw)
        expand = not node.exact
        alts: list[Alternative] = [tuple(forms(w, expand) for w in words)] if words else []
        if len(words) > 1 and "-" in node.raw and all(w.isalpha() for w in words):
            # Westlaw: the hyphenated form also finds the closed compound (good-will, goodwill)
            alts.append((forms("".join(words), expand),))
        return alts
    if isinstance(node, ast.Quoted):
        words = query_words(node.raw)
        return [tuple(forms(w, node.expand) for w in words)] if words else []
    return []
