"""Query limits and a fuzz run: hostile queries give a one-line QueryError, never a traceback.

Issue 17 item 8: queries with >= 123 nested parentheses, >= 248 terms joined by
/s or /n, >= 488 by %, or >= 987 plain words ended in RecursionError.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest

from corpus_tool import query as ast
from corpus_tool.cli import main
from corpus_tool.errors import QueryError
from corpus_tool.index import forget, search
from corpus_tool.workspace import Workspace
from tests._search_helpers import make_workspace


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    ws = make_workspace(tmp_path_factory.mktemp("limits_ws"))
    yield ws
    forget(ws)


def _one_line_limit_error(query: str, limit_words: str) -> None:
    with pytest.raises(QueryError) as info:
        ast.parse(query)
    message = str(info.value)
    assert limit_words in message and "(the limit)" in message and "\n" not in message


def test_nesting_depth_limit_is_checked_before_parsing() -> None:
    deep = "(" * ast.MAX_DEPTH + "licence" + ")" * ast.MAX_DEPTH
    assert ast.parse(deep) is not None
    _one_line_limit_error("(" + deep + ")", f"more than {ast.MAX_DEPTH} nested parentheses")


def test_term_count_limit() -> None:
    at_limit = " /s ".join(["licence"] * ast.MAX_TERMS)
    assert ast.parse(at_limit) is not None
    _one_line_limit_error(at_limit + " /s licence", f"more than {ast.MAX_TERMS} search terms")


def test_token_count_limit() -> None:
    _one_line_limit_error("% " * (ast.MAX_TOKENS + 1), f"more than {ast.MAX_TOKENS} words")


@pytest.mark.parametrize(
    "query",
    [
        "(" * 123 + "a" + ")" * 123,
        " /s ".join(["licence"] * 248),
        " /3 ".join(["licence"] * 248),
        " % ".join(["licence"] * 488),
        " ".join(["licence"] * 987),
        "NOT " * 2000 + "licence",
        '"' + "licence " * 5000 + '"',
    ],
    ids=["parens-123", "s-248", "n-248", "butnot-488", "words-987", "not-2000", "phrase-5000"],
)
def test_the_reported_recursion_errors_are_one_line_errors(ws: Workspace, query: str) -> None:
    try:
        search(ws, query, limit=3)
    except QueryError as err:
        assert "\n" not in str(err) and "limit" in str(err)


def test_a_query_at_every_limit_runs(ws: Workspace) -> None:
    for joiner in (" /s ", " /3 ", " +2 ", " % ", " ", " OR ", " /p ", " not w/2 "):
        dialect = "westlaw" if joiner == " " else "lexis"
        search(ws, joiner.join(["licence"] * ast.MAX_TERMS), limit=3, dialect=dialect)
    nested = "(" * ast.MAX_DEPTH + "licence /s shall" + ")" * ast.MAX_DEPTH
    search(ws, f"{nested} /p {nested} % {nested}", limit=3)


PIECES = [
    "licen!", "wom*n", '"open source"', "open-source", "(", ")", "/s", "/p", "/3", "+2",
    "w/5", "pre/2", "%", "AND", "OR", "NOT", "and", "or", "not", "&", "kind:", "kind:recital",
    'cite:"Article 53"', "doc:act-a", "text:", "heading:(", "shall", "~", "licence~",
    '"', "!", "*", "?", "§", "53(2)", "date:2024", "tag:", "id:art_*", ":", "#", "#licence",
    "w/seg", "not w/3", "and not", "+s", "+p", "w/s", "/255", "/0", "/99999", "ti(", "’",
    "“free”", "\x1b[2J", "\x00", "((((", "))))", "/s /s", "%%", "##", "licence's", "‐",
]  # fmt: skip


def _random_query(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.7:
        return " ".join(rng.choice(PIECES) for _ in range(rng.randint(1, 9)))
    if kind < 0.85:  # adversarial lengths and depths around the limits
        n = rng.choice([ast.MAX_DEPTH, ast.MAX_DEPTH + 1, ast.MAX_TERMS, ast.MAX_TERMS + 1, 400])
        piece = rng.choice(PIECES)
        return rng.choice(["(" * n + piece + ")" * n, f" {piece} ".join(["shall"] * n)])
    return "".join(rng.choice('ab /!*?()"%&#:+~0123456789sp') for _ in range(rng.randint(1, 40)))


def test_fuzz_search_never_tracebacks(ws: Workspace) -> None:
    """A few thousand random and adversarial queries: hits or a QueryError, nothing else."""
    rng = random.Random(17)
    for _ in range(2500):
        query = _random_query(rng)
        dialect = rng.choice(ast.DIALECTS)
        try:
            result = search(ws, query, limit=3, dialect=dialect)
        except QueryError as err:
            assert "\n" not in str(err)
            assert err.position is None or 0 <= err.position <= len(query)
        else:
            assert all("\n" not in w for w in result.warnings)


def test_fuzz_cli_never_tracebacks(ws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    rng = random.Random(18)
    for _ in range(400):
        query = _random_query(rng)
        argv = ["-w", str(ws.root), "search", query, "--limit", "2"]
        if rng.random() < 0.5:
            argv += ["--dialect", "westlaw"]
        if rng.random() < 0.3:
            argv.append("--json")
        status = main(argv)
        captured = capsys.readouterr()
        assert status in (0, 2), (query, captured.err)
        assert "Traceback" not in captured.err
        if status == 2:
            assert captured.err.strip().count("\n") == 0, captured.err
