"""The query language parser: precedence, connectors, patterns and errors with a column."""

from __future__ import annotations

import pytest

from corpus_tool.errors import QueryError
from corpus_tool.query import (
    And,
    ButNot,
    Field,
    Near,
    Not,
    Or,
    Pattern,
    Quoted,
    Words,
    parse,
    validate_query,
)


def test_plain_space_means_and() -> None:
    node = parse("open source exempt")
    assert isinstance(node, And)
    assert [c.raw for c in node.children] == ["open", "source", "exempt"]  # type: ignore[attr-defined]


def test_or_binds_tighter_than_connectors_westlaw_order() -> None:
    node = parse('open-source /p exempt! OR exception OR "not apply"')
    assert isinstance(node, Near) and node.unit == "provision"
    assert isinstance(node.left, Words) and node.left.raw == "open-source"
    assert isinstance(node.right, Or) and len(node.right.children) == 3


def test_connector_levels_words_inside_sentence_inside_provision() -> None:
    node = parse("a /3 b /s c /p d")
    assert isinstance(node, Near) and node.unit == "provision"
    inner = node.left
    assert isinstance(inner, Near) and inner.unit == "sentence"
    assert isinstance(inner.left, Near) and (inner.left.unit, inner.left.n) == ("word", 3)


@pytest.mark.parametrize(
    ("op", "unit", "n", "ordered"),
    [
        ("/s", "sentence", 0, False),
        ("w/s", "sentence", 0, False),
        ("+s", "sentence", 0, True),
        ("/p", "provision", 0, False),
        ("w/p", "provision", 0, False),
        ("w/seg", "provision", 0, False),
        ("/5", "word", 5, False),
        ("w/5", "word", 5, False),
        ("+5", "word", 5, True),
        ("pre/5", "word", 5, True),
    ],
)
def test_connectors(op: str, unit: str, n: int, ordered: bool) -> None:
    node = parse(f'"free and open-source" {op} apply')
    assert isinstance(node, Near)
    assert (node.unit, node.n, node.ordered) == (unit, n, ordered)
    assert isinstance(node.left, Quoted) and node.left.raw == "free and open-source"


def test_but_not_binds_loosest() -> None:
    node = parse("licen! /s free % recital")
    assert isinstance(node, ButNot)
    assert isinstance(node.positive, Near) and isinstance(node.negative, Words)


def test_and_binds_looser_than_connectors_and_lowercase_and_or() -> None:
    node = parse("a /s b and c or d")
    assert isinstance(node, And)
    assert isinstance(node.children[0], Near)
    assert isinstance(node.children[1], Or)


def test_patterns() -> None:
    root = parse("licen!")
    assert root == Pattern(0, "prefix", "licen", "licen!")
    inner = parse("wom*n")
    assert isinstance(inner, Pattern) and (inner.kind, inner.pattern) == ("wildcard", "wom?n")
    trailing = parse("licen*")
    assert isinstance(trailing, Pattern) and trailing.pattern == "licen*"
    fuzzy = parse("licence~2")
    assert isinstance(fuzzy, Pattern) and (fuzzy.kind, fuzzy.distance) == ("fuzzy", 2)


def test_fields_and_not() -> None:
    # NOT between terms is but-not (Lexis AND NOT); NOT before a term negates it
    node = parse('cite:"Article 53" NOT kind:recital')
    assert isinstance(node, ButNot)
    cite, neg = node.positive, node.negative
    assert isinstance(cite, Field) and cite.name == "cite" and isinstance(cite.value, Quoted)
    assert isinstance(neg, Field) and neg.name == "kind"
    alone = parse("NOT kind:recital")
    assert isinstance(alone, Not) and isinstance(alone.child, Field)
    group = parse("kind:(recital OR article)")
    assert isinstance(group, Field) and isinstance(group.value, Or)


def test_empty_query_is_none() -> None:
    assert parse("   ") is None


@pytest.mark.parametrize(
    ("query", "column", "reason"),
    [
        ('"open source', 1, "never closed"),
        ("(licen! OR exempt", 1, "never closed"),
        ("licen!)", 7, "no matching"),
        ("apply /s kind:recital", 10, "restrictor 'kind:'"),
        ("apply /s NOT free", 10, "NOT"),
        ("a /0 b", 3, "between 1 and"),
        ("l!", 1, "at least 2 letters"),
        ("*ence", 1, "cannot start with a wildcard"),
        ("()", 1, "empty parentheses"),
        ("kind:", 1, "needs a value"),
    ],
)
def test_errors_say_where_and_why(query: str, column: int, reason: str) -> None:
    with pytest.raises(QueryError) as info:
        validate_query(query)
    err = info.value
    assert err.position is not None and err.position + 1 == column, str(err)
    assert reason in err.reason
    assert f"at column {column}" in str(err) and "\n" not in str(err)


# The README's order-of-processing table: one example per rule, read as it says.
README_ORDER = [
    ('"open source" /s licence', '("open source" /s licence)'),
    ("exempt! OR exception /s free", "((exempt! OR exception) /s free)"),
    ("model /5 training +3 data", "(model /5 (training +3 data))"),
    ('available /10 free /3 "open source"', '(available /10 (free /3 "open source"))'),
    ("licen! /s model +s free", "(licen! /s (model +s free))"),
    ("free /p apply +p model", "(free /p (apply +p model))"),
    ("licen! & free /s model", "(licen! & (free /s model))"),
    ("licen! /s free % recital", "((licen! /s free) % recital)"),
]


def _show(node: object) -> str:
    if isinstance(node, (Words, Pattern)):
        return node.raw
    if isinstance(node, Quoted):
        return f'"{node.raw}"'
    if isinstance(node, Near):
        return f"({_show(node.left)} {node.op} {_show(node.right)})"
    if isinstance(node, Or):
        return "(" + " OR ".join(_show(c) for c in node.children) + ")"
    if isinstance(node, And):
        return "(" + " & ".join(_show(c) for c in node.children) + ")"
    if isinstance(node, ButNot):
        return f"({_show(node.positive)} % {_show(node.negative)})"
    raise AssertionError(node)


@pytest.mark.parametrize(("query", "reading"), README_ORDER, ids=[q for q, _ in README_ORDER])
def test_readme_order_of_processing_table(query: str, reading: str) -> None:
    # Westlaw order-of-processing chart (law-hawaii.libguides.com), Lexis connector priority
    assert _show(parse(query)) == reading


def test_westlaw_space_is_or_and_binds_tighter_than_connectors() -> None:
    # Westlaw terms and connectors help: "OR (space)"; libguides: cat or dog /10 custody
    assert _show(parse("cat dog /10 custody", "westlaw")) == "((cat OR dog) /10 custody)"
    assert _show(parse("cat dog /10 custody", "lexis")) == "(cat & (dog /10 custody))"


def test_lexis_published_example_smallest_number_first() -> None:
    # Lexis "How are Multiple Connectors Processed?": school W/25 liab! AND rugby OR
    # football OR game W/10 injur!
    assert _show(parse("school W/25 liab! AND rugby OR football OR game W/10 injur!")) == (
        "((school W/25 liab!) & ((rugby OR football OR game) W/10 injur!))"
    )
