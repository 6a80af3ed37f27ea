"""The query language: Westlaw and Lexis terms and connectors, parsed into a small syntax tree.

``parse_query(text, dialect) -> ParsedQuery`` gives the tree and the warnings
(one line each) for anything that was read other than the user probably meant;
``parse(text)`` gives the tree alone. A query that cannot be read at all
raises ``QueryError`` with the column and the reason.

Order of processing (Westlaw's chart; Lexis's differs only in not having ``+``
forms, and both take the smaller number first among numbered connectors),
tightest first; parentheses override, equal connectors go left to right::

    phrases "..."        a quoted phrase is one term
    OR                   (and a space in the ``westlaw`` dialect)
    +n /n w/n pre/n      smaller n first; at equal n the ordered one first;
      not w/n            Lexis's negative proximity sits with them
    +s /s w/s            +s before /s
    +p /p w/p w/seg      +p before /p
    AND &                (and a space in the ``lexis`` dialect)
    % and not  NOT       but-not (Westlaw %, Lexis AND NOT)

Sources: Westlaw order-of-processing chart as reproduced by law-library guides
(e.g. law-hawaii.libguides.com "Westlaw Order of Processing"), Lexis "Connector
Order and Priority" (help.lexisnexis.com, connectorpriority_ref-reference).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

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
DIALECTS = ("lexis", "westlaw")
DEFAULT_DIALECT = "lexis"  # docs/decisions.md section 4
MAX_DISTANCE = 1000
MIN_ROOT = 2  # characters before ! or a trailing *: "li!" would expand to half the index
# Limits checked on the tokens before any recursive step (issue: hostile queries
# with hundreds of nested parentheses or terms ended in RecursionError).
MAX_DEPTH = 24  # nested parentheses
MAX_TERMS = 160  # words, phrases and patterns
MAX_TOKENS = 640  # everything, connectors included

# --- syntax tree ---------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    col: int


@dataclass(frozen=True)
class Words(Node):
    """An unquoted word (or hyphenated words, searched as a phrase), with plurals and
    equivalents unless ``exact`` (written ``#word``)."""

    raw: str
    exact: bool = False


@dataclass(frozen=True)
class Quoted(Node):
    """A quoted word or phrase; ``expand``: with plurals and equivalents (the dialect says)."""

    raw: str
    expand: bool = False


@dataclass(frozen=True)
class Pattern(Node):
    """A word with a root expander (!), wildcard (* ?), or fuzzy (~) marker."""

    kind: str  # "prefix" | "wildcard" | "fuzzy" | "upto" (Westlaw's trailing *s)
    pattern: str  # lower case; for wildcard: Whoosh glob (? one char, * any); upto: ? only
    raw: str
    distance: int = 1  # fuzzy: edits; upto: how many characters may follow


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
    """Two operands close together: within ``n`` words, same sentence or same search unit.

    Each operand is a set of term occurrences, not a stretch: a chain such as
    ``a /3 b /20 c`` keeps the occurrences of a and b that satisfied ``/3``, and
    c must be within 20 words of either (Westlaw's "dog /3 bite /20 liability").
    ``negated`` is Lexis's ``NOT W/n``: the left occurrences with no right one near.
    """

    left: Node
    right: Node
    unit: str  # "word" | "sentence" | "provision" (one search unit, Westlaw's paragraph)
    n: int  # words for unit "word"; 0 otherwise
    ordered: bool
    op: str  # as written
    negated: bool = False


@dataclass(frozen=True)
class ParsedQuery:
    """A parsed query: its tree (None when empty), the dialect and one-line warnings."""

    text: str
    tree: Node | None
    dialect: str = DEFAULT_DIALECT
    warnings: tuple[str, ...] = field(default=())


# --- lexer ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Tok:
    kind: str  # WORD PHRASE LPAREN RPAREN FIELD AND OR NOT BUTNOT NEAR HASH END
    text: str
    col: int
    glued: bool = False  # a WORD written right before "(" (Westlaw's ti(...))


_NEAR_RE = re.compile(
    r"^(w/|/|\+|pre/|near/|onear/|not/)(s|p|seg|sent|para|\d+)$",
    re.IGNORECASE,
)
_FIELD_RE = re.compile(r"^([A-Za-z_]+):(.*)$", re.DOTALL)
_QUOTES = {'"': '"', "“": "”", "”": "”", "„": "“"}


def _lex(query: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(query)
    depth = 0
    while i < n:
        c = query[i]
        if c.isspace():
            i += 1
        elif c in "()":
            if c == "(":
                depth += 1
                if depth > MAX_DEPTH:
                    raise QueryError(
                        query, i, f"more than {MAX_DEPTH} nested parentheses (the limit)"
                    )
            else:
                depth = max(0, depth - 1)
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
            glued = j < n and query[j] == "(" and raw.isalpha()
            toks.extend(_classify(raw, i, glued))
            i = j
        if len(toks) > MAX_TOKENS:
            raise QueryError(
                query, None, f"more than {MAX_TOKENS} words and connectors (the limit)"
            )
    terms = sum(1 for t in toks if t.kind in ("WORD", "PHRASE"))
    if terms > MAX_TERMS:
        raise QueryError(query, None, f"more than {MAX_TERMS} search terms (the limit)")
    toks.append(_Tok("END", "", n))
    return toks


def _classify(raw: str, col: int, glued: bool) -> list[_Tok]:
    low = raw.lower()
    if low in ("and", "&", "&&"):
        return [_Tok("AND", raw, col)]
    if low in ("or", "|", "||"):
        return [_Tok("OR", raw, col)]
    if low == "not":
        return [_Tok("NOT", raw, col)]
    if raw in ("ANDNOT", "%"):
        return [_Tok("BUTNOT", raw, col)]
    if raw == "#":
        return [_Tok("HASH", raw, col)]
    if _NEAR_RE.match(raw):
        return [_Tok("NEAR", raw, col)]
    m = _FIELD_RE.match(raw)
    if m and not raw.startswith(("http:", "https:")):
        name = m.group(1)
        toks = [_Tok("FIELD", name.lower(), col)]
        if m.group(2):
            toks.extend(_classify(m.group(2), col + len(name) + 1, glued))
        return toks
    return [_Tok("WORD", raw, col, glued)]


# --- operators and their order of processing ---------------------------------------


@dataclass(frozen=True)
class _Op:
    kind: str  # "or" | "near" | "and" | "butnot"
    col: int
    text: str
    implicit: bool = False  # a space
    unit: str = ""
    n: int = 0
    ordered: bool = False
    negated: bool = False

    @property
    def rank(self) -> tuple[int, ...]:
        """Smaller is processed first (see the module docstring)."""
        if self.kind == "or":
            return (0,)
        if self.kind == "near":
            ordered_first = 0 if self.ordered else 1
            if self.unit == "word":
                return (1, self.n, ordered_first)
            return (2 if self.unit == "sentence" else 3, 0, ordered_first)
        return (4,) if self.kind == "and" else (5,)


def _near_op(tok: _Tok, query: str, negated: bool = False) -> _Op:
    m = _NEAR_RE.match(tok.text)
    assert m is not None
    prefix, unit = m.group(1).lower(), m.group(2).lower()
    if prefix == "not/":
        negated, prefix = True, "/"
    ordered = prefix in ("+", "pre/", "onear/")
    if unit.isdigit():
        n = int(unit)
        if not 1 <= n <= MAX_DISTANCE:
            raise QueryError(
                query, tok.col, f"a distance must be between 1 and {MAX_DISTANCE} words"
            )
        return _Op("near", tok.col, tok.text, unit="word", n=n, ordered=ordered, negated=negated)
    kind = "sentence" if unit in ("s", "sent") else "provision"
    return _Op("near", tok.col, tok.text, unit=kind, ordered=ordered, negated=negated)


# --- parser --------------------------------------------------------------------


class _Parser:
    def __init__(self, query: str, dialect: str) -> None:
        if dialect not in DIALECTS:
            raise QueryError(query, None, f"unknown dialect {dialect!r}; use lexis or westlaw")
        self.query = query
        self.dialect = dialect
        self.toks = _lex(query)
        self.i = 0
        self.literal: str | None = None  # what a pattern may contain besides wildcards
        self.warnings: list[str] = []

    def peek(self, k: int = 0) -> _Tok:
        return self.toks[min(self.i + k, len(self.toks) - 1)]

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def fail(self, col: int | None, reason: str) -> QueryError:
        return QueryError(self.query, col, reason)

    def warn(self, col: int, message: str) -> None:
        self.warnings.append(f"column {col + 1}: {message}")

    def starts_operand(self, tok: _Tok) -> bool:
        return tok.kind in ("WORD", "PHRASE", "LPAREN", "FIELD", "HASH") or (
            tok.kind == "NOT" and self.not_is_unary(tok)
        )

    def not_is_unary(self, tok: _Tok) -> bool:
        # Upper-case NOT before a term is the boolean NOT of the Whoosh-style syntax.
        return tok.text == "NOT" and not _NEAR_RE.match(self.peek(1).text or "")

    # grammar ------------------------------------------------------------------
    def parse(self) -> Node | None:
        if self.peek().kind == "END":
            return None
        node = self.expr(top=True)
        tok = self.peek()
        if tok.kind != "END":  # only a stray ")" stops expr at the top
            raise self.fail(tok.col, "')' has no matching '('")
        return node

    def expr(self, top: bool = False) -> Node:
        """A sequence of operands and connectors, reduced in the order of processing."""
        operands: list[Node] = []
        ops: list[_Op] = []
        pending: _Op | None = None  # a connector waiting for its right operand
        while True:
            tok = self.peek()
            if tok.kind == "END" or tok.kind == "RPAREN":
                if pending is not None:
                    self.warn(pending.col, f"{pending.text!r} has nothing on its right; ignored")
                    pending = None
                break
            op = self.connector()
            if op is not None:
                if pending is not None:
                    self.warn(pending.col, f"{pending.text!r} has nothing on its right; ignored")
                if not operands:
                    self.warn(op.col, f"{op.text!r} has nothing on its left; ignored")
                    pending = None
                else:
                    pending = op
                continue
            operand = self.operand()
            if operands:
                if pending is None:
                    pending = self.space(operand.col)
                ops.append(pending)
            operands.append(operand)
            pending = None
        if not operands:
            tok = self.peek()
            raise self.fail(tok.col, "the query has no search term")
        return _reduce(operands, ops, self)

    def space(self, col: int) -> _Op:
        if self.dialect == "westlaw":
            return _Op("or", col, " ", implicit=True)
        return _Op("and", col, " ", implicit=True)

    def connector(self) -> _Op | None:
        """The connector at the current token (consumed), or None for an operand."""
        tok = self.peek()
        if tok.kind == "OR":
            self.take()
            return _Op("or", tok.col, tok.text)
        if tok.kind == "BUTNOT":
            self.take()
            return _Op("butnot", tok.col, tok.text)
        if tok.kind == "AND":
            self.take()
            nxt = self.peek()
            if nxt.kind == "NOT" and not _NEAR_RE.match(self.peek(1).text or ""):
                self.take()  # Lexis AND NOT
                return _Op("butnot", tok.col, f"{tok.text} {nxt.text}")
            return _Op("and", tok.col, tok.text)
        if tok.kind == "NEAR":
            self.take()
            return _near_op(tok, self.query)
        if tok.kind == "NOT":
            nxt = self.peek(1)
            if nxt.kind == "NEAR" and not nxt.text.lower().startswith(("not/", "+", "pre/")):
                self.take()
                self.take()
                op = _near_op(nxt, self.query, negated=True)
                return _Op(
                    "near", tok.col, f"{tok.text} {nxt.text}", unit=op.unit, n=op.n, negated=True
                )
            if tok.text == "NOT":
                if self.i > 0 and self.toks[self.i - 1].kind not in (
                    "LPAREN", "AND", "OR", "BUTNOT", "NEAR", "NOT",
                ):  # fmt: skip
                    self.take()  # "a NOT b": a but not b
                    return _Op("butnot", tok.col, tok.text)
                return None  # unary, read by operand()
            if self.dialect == "lexis" and self.i > 0:
                self.take()  # Lexis: "not" between terms is AND NOT
                return _Op("butnot", tok.col, tok.text)
            return None  # a word (westlaw) — operand() warns
        return None

    def operand(self) -> Node:
        tok = self.peek()
        if tok.kind == "NOT":
            if tok.text == "NOT" or self.dialect == "lexis":
                self.take()
                if not self.starts_operand(self.peek()):
                    raise self.fail(tok.col, f"{tok.text!r} needs a term on its right")
                negations = 1
                while self.peek().kind == "NOT" and self.peek().text == "NOT":
                    self.take()
                    negations += 1
                child = self.operand()
                return Not(tok.col, child) if negations % 2 else child
            self.take()
            self.warn(
                tok.col,
                "'not' read as a word (Westlaw's but-not is '%'; Lexis's is 'and not')",
            )
            return Words(tok.col, tok.text)
        return self.atom()

    def atom(self) -> Node:
        tok = self.take()
        if tok.kind == "WORD":
            if tok.glued and self.peek().kind == "LPAREN":
                self.warn(
                    tok.col,
                    f"'{tok.text}(' read as the word {tok.text!r} then a group; "
                    "restrict fields with 'heading:(…)', 'text:(…)', 'cite:…'",
                )
            return self.word(tok)
        if tok.kind == "HASH":
            nxt = self.peek()
            if nxt.kind == "PHRASE":
                self.take()
                if not nxt.text.strip():
                    raise self.fail(nxt.col, "empty quotes")
                return Quoted(nxt.col, nxt.text.strip(), expand=False)
            self.warn(tok.col, "'#' stands alone; ignored (write #licence)")
            if not self.starts_operand(nxt):
                raise self.fail(tok.col, "the query ends where a term was expected")
            return self.operand()
        if tok.kind == "PHRASE":
            if not tok.text.strip():
                raise self.fail(tok.col, "empty quotes")
            return Quoted(tok.col, tok.text.strip(), expand=self.dialect == "westlaw")
        if tok.kind == "LPAREN":
            if self.peek().kind == "RPAREN":
                raise self.fail(tok.col, "empty parentheses")
            node = self.expr()
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
        nxt = self.peek()
        if tok.text not in FIELDS:
            self.warn(
                tok.col,
                f"unknown restrictor '{tok.text}:' read as the word {tok.text!r}; "
                f"known: {', '.join(FIELDS)}",
            )
            return Words(tok.col, tok.text)
        if nxt.kind not in ("WORD", "PHRASE", "LPAREN", "HASH"):
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
        exact = False
        if raw.startswith("#"):
            raw, exact = raw.lstrip("#"), True
            if not raw:
                raise self.fail(col, "'#' needs a word right after it (#licence)")
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
                root = raw.rstrip("*")
                self._check_root(pattern.rstrip("*"), col, "*")
                if self.dialect == "westlaw" and self.literal is None:
                    # Westlaw: "object***" retrieves object, objects, objected ... but not
                    # objectionable: each trailing * is at most one more character
                    inner = "".join("?" if ch in "*?" else ch for ch in root).lower()
                    return Pattern(col, "upto", inner, raw, len(raw) - len(root))
            return Pattern(col, "wildcard", pattern, raw)
        if not re.search(r"\w", raw):
            raise self.fail(col, f"{raw!r} is not a word, phrase or connector")
        return Words(col, raw, exact)

    def _check_root(self, root: str, col: int, sign: str) -> None:
        allowed = (self.literal or r"[\w']+")[:-2] + "?]+"
        if len(re.sub(r"[*?]", "", root)) < MIN_ROOT or not re.fullmatch(allowed, root):
            raise self.fail(
                col, f"'{sign}' needs a root of at least {MIN_ROOT} letters before it (licen{sign})"
            )


def _reduce(operands: list[Node], ops: list[_Op], parser: _Parser) -> Node:
    """Join operands by their connectors, the first in the order of processing first
    (leftmost among equals); iterative, so a long chain costs no recursion."""
    operands = list(operands)
    ops = list(ops)
    while ops:
        best = min(range(len(ops)), key=lambda k: ops[k].rank)
        op = ops.pop(best)
        left, right = operands[best], operands.pop(best + 1)
        operands[best] = _join(op, left, right, parser)
    return operands[0]


def _join(op: _Op, left: Node, right: Node, parser: _Parser) -> Node:
    if op.kind == "or":
        parts = (*_flat(left, Or), *_flat(right, Or))
        return Or(left.col, parts)
    if op.kind == "and":
        return And(left.col, (*_flat(left, And), *_flat(right, And)))
    if op.kind == "butnot":
        if isinstance(left, ButNot):  # a % b % c = a % (b OR c): no deep tree
            negative = Or(left.negative.col, (*_flat(left.negative, Or), *_flat(right, Or)))
            return ButNot(left.col, left.positive, negative)
        return ButNot(op.col, left, right)
    for side, operand in (("left", left), ("right", right)):
        bad = _not_positional(operand)
        if bad is not None:
            raise parser.fail(
                bad.col,
                f"{op.text!r} can only join words, phrases and OR-groups of them; "
                f"the {side} side has {_describe(bad)}",
            )
    return Near(left.col, left, right, op.unit, op.n, op.ordered, op.text, op.negated)


def _flat(node: Node, kind: type) -> tuple[Node, ...]:
    if isinstance(node, kind):
        return node.children  # type: ignore[attr-defined]
    return (node,)


def _not_positional(node: Node) -> Node | None:
    """The first part of ``node`` that has no word positions (cannot sit in a connector)."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, (Words, Quoted, Pattern)):
            continue
        if isinstance(current, Or):
            stack.extend(reversed(current.children))
        elif isinstance(current, Near):
            stack.extend((current.right, current.left))
        elif isinstance(current, Field) and current.name in ("text", "heading"):
            stack.append(current.value)
        else:
            return current
    return None


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


def parse_query(query: str, dialect: str = DEFAULT_DIALECT) -> ParsedQuery:
    """The syntax tree of ``query`` in ``dialect`` with the warnings of its reading."""
    parser = _Parser(query, dialect)
    tree = parser.parse()
    return ParsedQuery(query, tree, dialect, tuple(parser.warnings))


def parse(query: str, dialect: str = DEFAULT_DIALECT) -> Node | None:
    """The syntax tree of ``query`` (``None`` for an empty query)."""
    return parse_query(query, dialect).tree


def validate_query(query: str, dialect: str = DEFAULT_DIALECT) -> None:
    """Raise ``QueryError`` (column + reason) if ``query`` cannot be parsed; cheap."""
    parse(query, dialect)


def leaves(node: Node) -> list[Node]:
    """The words, phrases and patterns of a tree, left to right (iterative)."""
    out: list[Node] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, (Words, Quoted, Pattern)):
            out.append(current)
        elif isinstance(current, (And, Or)):
            stack.extend(reversed(current.children))
        elif isinstance(current, Near):
            stack.extend((current.right, current.left))
        elif isinstance(current, ButNot):
            stack.extend((current.negative, current.positive))
        elif isinstance(current, Not):
            stack.append(current.child)
        elif isinstance(current, Field):
            stack.append(current.value)
    return out


__all__ = [
    "DEFAULT_DIALECT",
    "DIALECTS",
    "FIELDS",
    "MAX_DEPTH",
    "MAX_TERMS",
    "MAX_TOKENS",
    "And",
    "ButNot",
    "Field",
    "Near",
    "Node",
    "Not",
    "Or",
    "ParsedQuery",
    "Pattern",
    "Quoted",
    "Words",
    "leaves",
    "parse",
    "parse_query",
    "validate_query",
]
