"""The query language: Whoosh-style boolean search plus Westlaw/Lexis terms and connectors.

``parse(text) -> Node`` turns a query into a small syntax tree; the index module
compiles the tree to Whoosh queries and the highlighter evaluates it on one
provision. A query that cannot be parsed raises ``QueryError`` with the column
and the reason.

Precedence, tightest first (the Westlaw order, so ``a /p b OR c`` means
``a /p (b OR c)``)::

    NOT x             unary, binds to the next word, phrase or group
    OR                either side
    /n +n w/n pre/n   within n words (+n, pre/n: left before right)
    /s +s w/s         same sentence (+s: left before right)
    /p +p w/p         same provision
    AND & and space   both sides, anywhere in the provision
    %  ANDNOT         left side, but not the right side (Westlaw's but-not)

A plain space means AND (see the query language in README.md for why).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from corpus_tool.errors import QueryError

# Field restrictors and searchable fields a user may name before a colon.
FIELDS = (
    "doc",
    "file",
    "kind",
    "tag",
    "label",
    "jurisdiction",
    "family",
    "date",
    "cite",
    "citation",
    "heading",
    "text",
    "id",
)
MAX_DISTANCE = 1000
MIN_ROOT = 2  # characters before ! or a trailing *: "li!" would expand to half the index

# --- syntax tree ---------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    col: int


@dataclass(frozen=True)
class Words(Node):
    """An unquoted word; stemmed. A hyphenated word is searched as a phrase."""

    raw: str


@dataclass(frozen=True)
class Quoted(Node):
    """A quoted word or phrase: matched exactly as written (no stemming)."""

    raw: str


@dataclass(frozen=True)
class Pattern(Node):
    """A word with a root expander (!), wildcard (* ?), or fuzzy (~) marker."""

    kind: str  # "prefix" | "wildcard" | "fuzzy"
    pattern: str  # lower case; for wildcard: Whoosh glob (? one char, * any)
    raw: str
    distance: int = 1  # fuzzy only


@dataclass(frozen=True)
class Field(Node):
    name: str
    value: Node


@dataclass(frozen=True)
class Not(Node):
    child: Node


@dataclass(frozen=True)
class And(Node):
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or(Node):
    children: tuple[Node, ...]


@dataclass(frozen=True)
class ButNot(Node):
    positive: Node
    negative: Node


@dataclass(frozen=True)
class Near(Node):
    """Two operands close together: within ``n`` words, same sentence or same provision."""

    left: Node
    right: Node
    unit: str  # "word" | "sentence" | "provision"
    n: int  # words for unit "word"; 0 otherwise
    ordered: bool
    op: str  # as written


# --- lexer ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Tok:
    kind: str  # WORD PHRASE LPAREN RPAREN FIELD AND OR NOT BUTNOT NEAR END
    text: str
    col: int


_NEAR_RE = re.compile(r"^(?:(w/|/|\+|pre/)(s|p|seg|\d+))$", re.IGNORECASE)
_FIELD_RE = re.compile(r"^([A-Za-z_]+):(.*)$", re.DOTALL)
_QUOTES = {'"': '"', "“": "”", "”": "”", "„": "“"}


def _lex(query: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(query)
    while i < n:
        c = query[i]
        if c.isspace():
            i += 1
        elif c in "()":
            toks.append(_Tok("LPAREN" if c == "(" else "RPAREN", c, i))
            i += 1
        elif c in _QUOTES:
            close = query.find(_QUOTES[c], i + 1)
            if close < 0 and c != '"':
                close = query.find('"', i + 1)
            if close < 0:
                raise QueryError(query, i, "this quote is never closed")
            toks.append(_Tok("PHRASE", query[i + 1 : close], i))
            i = close + 1
        else:
            j = i
            while j < n and not query[j].isspace() and query[j] not in '()"“”„':
                j += 1
            raw = query[i:j]
            toks.extend(_classify(query, raw, i))
            i = j
    toks.append(_Tok("END", "", n))
    return toks


def _classify(query: str, raw: str, col: int) -> list[_Tok]:
    low = raw.lower()
    if raw in ("AND", "&", "&&") or low == "and":
        return [_Tok("AND", raw, col)]
    if raw in ("OR", "|", "||") or low == "or":
        return [_Tok("OR", raw, col)]
    if raw == "NOT":
        return [_Tok("NOT", raw, col)]
    if raw == "ANDNOT" or raw == "%":
        return [_Tok("BUTNOT", raw, col)]
    if _NEAR_RE.match(raw):
        return [_Tok("NEAR", raw, col)]
    m = _FIELD_RE.match(raw)
    if m and not raw.startswith(("http:", "https:")):
        name = m.group(1)
        toks = [_Tok("FIELD", name.lower(), col)]
        if m.group(2):
            toks.append(_Tok("WORD", m.group(2), col + len(name) + 1))
        return toks
    return [_Tok("WORD", raw, col)]


# --- parser --------------------------------------------------------------------


class _Parser:
    def __init__(self, query: str) -> None:
        self.query = query
        self.toks = _lex(query)
        self.i = 0
        self.literal: str | None = None  # what a pattern may contain besides wildcards

    # helpers
    def peek(self) -> _Tok:
        return self.toks[self.i]

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def fail(self, col: int, reason: str) -> QueryError:
        return QueryError(self.query, col, reason)

    def starts_operand(self, tok: _Tok) -> bool:
        return tok.kind in ("WORD", "PHRASE", "LPAREN", "FIELD", "NOT")

    # grammar
    def parse(self) -> Node | None:
        if self.peek().kind == "END":
            return None
        node = self.butnot()
        tok = self.peek()
        if tok.kind == "RPAREN":
            raise self.fail(tok.col, "')' has no matching '('")
        if tok.kind != "END":
            raise self.fail(tok.col, f"unexpected {tok.text!r}")
        return node

    def butnot(self) -> Node:
        node = self.and_expr()
        while self.peek().kind == "BUTNOT":
            op = self.take()
            if not self.starts_operand(self.peek()):
                raise self.fail(op.col, f"{op.text!r} needs something to exclude on its right")
            node = ButNot(op.col, node, self.and_expr())
        return node

    def and_expr(self) -> Node:
        first = self.prox("p")
        children = [first]
        while True:
            tok = self.peek()
            if tok.kind == "AND":
                self.take()
                if not self.starts_operand(self.peek()):
                    raise self.fail(tok.col, f"{tok.text!r} needs a term on its right")
                children.append(self.prox("p"))
            elif self.starts_operand(tok):
                children.append(self.prox("p"))  # a plain space means AND
            else:
                break
        if len(children) == 1:
            return first
        return And(first.col, tuple(children))

    def prox(self, level: str) -> Node:
        # levels: "p" (provision) > "s" (sentence) > "n" (words)
        lower = {"p": "s", "s": "n"}.get(level)
        node = self.prox(lower) if lower else self.or_expr()
        while self.peek().kind == "NEAR" and self._near_level(self.peek()) == level:
            op = self.take()
            if not self.starts_operand(self.peek()):
                raise self.fail(op.col, f"{op.text!r} needs a term or phrase on its right")
            right = self.prox(lower) if lower else self.or_expr()
            node = self._near(op, node, right)
        return node

    def _near_level(self, tok: _Tok) -> str:
        m = _NEAR_RE.match(tok.text)
        assert m is not None
        unit = m.group(2).lower()
        # Lexis "w/seg" (same segment) is closest to our same provision
        return "n" if unit.isdigit() else ("s" if unit == "s" else "p")

    def _near(self, op: _Tok, left: Node, right: Node) -> Near:
        m = _NEAR_RE.match(op.text)
        assert m is not None
        prefix, unit = m.group(1).lower(), m.group(2).lower()
        ordered = prefix in ("+", "pre/")
        if unit.isdigit():
            n = int(unit)
            if not 1 <= n <= MAX_DISTANCE:
                raise self.fail(op.col, f"a distance must be between 1 and {MAX_DISTANCE} words")
            kind, dist = "word", n
        else:
            kind, dist = ("sentence" if unit == "s" else "provision"), 0
        if kind != "provision":
            for side, operand in (("left", left), ("right", right)):
                bad = _not_positional(operand)
                if bad is not None:
                    raise self.fail(
                        bad.col,
                        f"{op.text!r} can only join words, phrases and OR-groups of them; "
                        f"the {side} side has {_describe(bad)}",
                    )
        return Near(left.col, left, right, kind, dist, ordered, op.text)

    def or_expr(self) -> Node:
        first = self.unary()
        children = [first]
        while self.peek().kind == "OR":
            op = self.take()
            if not self.starts_operand(self.peek()):
                raise self.fail(op.col, f"{op.text!r} needs a term on its right")
            children.append(self.unary())
        return first if len(children) == 1 else Or(first.col, tuple(children))

    def unary(self) -> Node:
        tok = self.peek()
        if tok.kind == "NOT":
            self.take()
            if not self.starts_operand(self.peek()):
                raise self.fail(tok.col, f"{tok.text!r} needs a term on its right")
            return Not(tok.col, self.unary())
        return self.atom()

    def atom(self) -> Node:
        tok = self.take()
        if tok.kind == "WORD":
            return self.word(tok)
        if tok.kind == "PHRASE":
            if not tok.text.strip():
                raise self.fail(tok.col, "empty quotes")
            return Quoted(tok.col, tok.text.strip())
        if tok.kind == "LPAREN":
            if self.peek().kind == "RPAREN":
                raise self.fail(tok.col, "empty parentheses")
            node = self.butnot()
            close = self.take()
            if close.kind != "RPAREN":
                raise self.fail(tok.col, "this '(' is never closed")
            return node
        if tok.kind == "FIELD":
            return self.field(tok)
        if tok.kind == "END":
            raise self.fail(tok.col, "the query ends where a term was expected")
        if tok.kind == "RPAREN":
            raise self.fail(tok.col, "')' where a term was expected")
        raise self.fail(tok.col, f"{tok.text!r} where a term was expected")

    def field(self, tok: _Tok) -> Node:
        if tok.text not in FIELDS:
            raise self.fail(
                tok.col, f"unknown field {tok.text!r}; known fields: {', '.join(FIELDS)}"
            )
        nxt = self.peek()
        if nxt.kind not in ("WORD", "PHRASE", "LPAREN"):
            raise self.fail(tok.col, f"'{tok.text}:' needs a value right after the colon")
        # doc ids, dates and provision ids contain hyphens and dots: allow them in patterns
        self.literal = (
            r"[\w'.\-]+" if tok.text not in ("text", "heading", "cite", "citation") else None
        )
        try:
            value = self.atom()
        finally:
            self.literal = None
        return Field(tok.col, tok.text, value)

    def word(self, tok: _Tok) -> Node:
        raw, col = tok.text, tok.col
        fuzzy = re.match(r"^(.+?)~(\d?)$", raw)
        if fuzzy:
            word = fuzzy.group(1)
            if not re.fullmatch(r"\w+", word):
                raise self.fail(col, "fuzzy search (~) works on a single plain word")
            dist = int(fuzzy.group(2) or 1)
            if not 1 <= dist <= 2:
                raise self.fail(col, "fuzzy distance must be 1 or 2")
            return Pattern(col, "fuzzy", word.lower(), raw, dist)
        if raw.endswith("!"):
            root = raw.rstrip("!")
            if "!" in root or "*" in root or "?" in root:
                raise self.fail(col, "'!' may only end a word (licen!)")
            self._check_root(root, col, "!")
            return Pattern(col, "prefix", root.lower(), raw)
        if "*" in raw or "?" in raw:
            if raw[0] in "*?":
                raise self.fail(col, "a word cannot start with a wildcard")
            glob = []
            for k, ch in enumerate(raw):
                if ch == "*":
                    inside = k + 1 < len(raw) and raw[k + 1] not in "*?"
                    glob.append("?" if inside else "*")
                else:
                    glob.append(ch)
            pattern = "".join(glob).lower()
            literal = re.sub(r"[*?]", "", pattern)
            if not re.fullmatch(self.literal or r"[\w']+", literal):
                raise self.fail(col, "a wildcard works inside one word (no hyphens or signs)")
            if pattern.endswith("*"):
                self._check_root(pattern.rstrip("*"), col, "*")
            return Pattern(col, "wildcard", pattern, raw)
        if not re.search(r"\w", raw):
            raise self.fail(col, f"{raw!r} is not a word, phrase or connector")
        return Words(col, raw)

    def _check_root(self, root: str, col: int, sign: str) -> None:
        allowed = (self.literal or r"[\w']+")[:-2] + "?]+"
        if len(re.sub(r"[*?]", "", root)) < MIN_ROOT or not re.fullmatch(allowed, root):
            raise self.fail(
                col, f"'{sign}' needs a root of at least {MIN_ROOT} letters before it (licen{sign})"
            )


def _not_positional(node: Node) -> Node | None:
    """The first part of ``node`` that has no word positions (cannot sit in /s or /n)."""
    if isinstance(node, (Words, Quoted, Pattern)):
        return None
    if isinstance(node, Or):
        for child in node.children:
            bad = _not_positional(child)
            if bad is not None:
                return bad
        return None
    if isinstance(node, Near):
        if node.unit == "provision":
            return node
        return _not_positional(node.left) or _not_positional(node.right)
    if isinstance(node, Field) and node.name == "text":
        return _not_positional(node.value)
    return node


def _describe(node: Node) -> str:
    if isinstance(node, Field):
        return f"the restrictor '{node.name}:'"
    if isinstance(node, Not):
        return "NOT"
    if isinstance(node, ButNot):
        return "a but-not (%)"
    if isinstance(node, And):
        return "AND (use /p for 'same provision')"
    if isinstance(node, Near):
        return f"the connector {node.op!r}"
    return type(node).__name__


def parse(query: str) -> Node | None:
    """The syntax tree of ``query`` (``None`` for an empty query)."""
    return _Parser(query).parse()


def validate_query(query: str) -> None:
    """Raise ``QueryError`` (column + reason) if ``query`` cannot be parsed; cheap."""
    parse(query)


__all__ = [
    "FIELDS",
    "And",
    "ButNot",
    "Field",
    "Near",
    "Node",
    "Not",
    "Or",
    "Pattern",
    "Quoted",
    "Words",
    "parse",
    "validate_query",
]
