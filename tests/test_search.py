"""Search on hand-written provisions: every connector, restrictor and sort order with exact ids."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corpus_tool.cli import main
from corpus_tool.errors import QueryError, StoreError
from corpus_tool.index import forget, search, update_index
from corpus_tool.workspace import Workspace
from tests._search_helpers import act_bundle, make_workspace


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    return make_workspace(tmp_path_factory.mktemp("search_ws"))


def ids(ws: Workspace, query: str, **kw) -> list[str]:  # type: ignore[no-untyped-def]
    return [h.id for h in search(ws, query, limit=None, **kw).hits]


def same(ws: Workspace, query: str, **kw) -> set[str]:  # type: ignore[no-untyped-def]
    return set(ids(ws, query, **kw))


def test_same_sentence_phrase_to_phrase(ws: Workspace) -> None:
    # art_60(1) has both phrases, but in two sentences; art_2(12) says "does not apply".
    assert same(ws, '"free and open-source licence" /s "shall not apply"') == {
        "art_25__para_4",
        "art_53__para_2",
    }


def test_same_provision(ws: Workspace) -> None:
    assert same(ws, '"free and open-source licence" /p "shall not apply"') == {
        "art_25__para_4",
        "art_53__para_2",
        "art_60__para_1",
    }
    assert same(ws, 'open-source /p (exempt! OR exception OR "not apply")') == {
        "rec_10",
        "art_2__para_12",
        "art_25__para_4",
        "art_53__para_2",
        "art_60__para_1",
    }


def test_within_n_words_counts_across_sentences(ws: Workspace) -> None:
    # "The licensor grants a licence. Licensed models": 5 words apart across a full stop
    assert same(ws, "licensor /5 models") == {"art_70"}
    assert same(ws, "licensor /4 models") == set()
    assert same(ws, "licensor /s models") == set()


def test_ordered_proximity(ws: Workspace) -> None:
    assert same(ws, "licensor +3 licence") == {"art_70"}
    assert same(ws, "licence +3 licensor") == set()
    assert same(ws, "licence pre/3 licensor") == set()
    assert same(ws, "licence /3 licensor") == {"art_70"}
    assert same(ws, "woman +s report") == {"sec_5"}
    assert same(ws, "report +s woman") == set()


def test_root_expander_and_wildcards(ws: Workspace) -> None:
    hits = search(ws, "licen! doc:act-a", limit=None).hits
    art70 = next(h for h in hits if h.id == "art_70")
    text = act_bundle().provision("art_70").text  # type: ignore[union-attr]
    marked = [text[s:e] for s, e in art70.highlights]
    assert marked == ["licensor", "licence", "Licensed", "licensing", "licenses"]
    assert same(ws, "wom*n") == {"sec_5"}
    assert same(ws, "w*man") == {"sec_5"}
    assert same(ws, "licen*") == same(ws, "licen!")
    assert same(ws, "wamen~") == {"sec_5"}


def test_no_stemming_roots_are_asked_for_and_exact_quotes(ws: Workspace) -> None:
    # Issue 14: Westlaw adds plurals and equivalents only and leaves roots to "!";
    # "exempt" no longer finds "exempted" (it did while words were stemmed).
    assert same(ws, "exempt") == set()
    assert same(ws, "exempt!") == {"rec_10"}
    assert same(ws, '"exempt"') == set()
    assert same(ws, '"exempted"') == {"rec_10"}


def test_hyphenated_word_is_a_phrase(ws: Workspace) -> None:
    assert same(ws, "open-source") == {
        "rec_10",
        "art_2__para_12",
        "art_25__para_4",
        "art_53__para_2",
        "art_60__para_1",
        "sec_4__subsec_6",
    }
    assert same(ws, '"open source"') == same(ws, "open-source")


def test_but_not_and_not(ws: Workspace) -> None:
    assert same(ws, "open-source % exempt!") == {
        "art_2__para_12",
        "art_25__para_4",
        "art_53__para_2",
        "art_60__para_1",
        "sec_4__subsec_6",
    }
    assert same(ws, "open-source NOT doc:act-a") == {"sec_4__subsec_6"}
    # regression: Whoosh's AndNot let the first positive entry through when the
    # excluded side had an earlier entry (art_25(4) has both words)
    assert same(ws, 'shall % "open-source"') == {"art_53__para_1", "sec_5"}


def test_restrictors(ws: Workspace) -> None:
    assert same(ws, 'cite:"Article 53"') == {"art_53__para_1", "art_53__para_2"}
    assert same(ws, 'cite:"Article 5"') == set()
    assert same(ws, 'cite:"Sec. 4.6"') == {"sec_4__subsec_6"}
    assert same(ws, "kind:recital") == {"rec_10"}
    assert same(ws, "kind:(recital OR article)") == {"rec_10", "art_70"}
    assert same(ws, "jurisdiction:us") == {"sec_4__subsec_6", "sec_5"}
    assert same(ws, "doc:eo-b.pdf shall") == {"sec_4__subsec_6", "sec_5"}
    assert same(ws, "tag:oss-exemption") == {"art_53__para_2"}
    assert same(ws, "date:2023") == {"sec_4__subsec_6", "sec_5"}
    assert same(ws, "id:art_53*") == {"art_53__para_1", "art_53__para_2"}
    assert same(ws, "doc:eo-* shall") == {"sec_4__subsec_6", "sec_5"}
    assert same(ws, "date:2023-11*") == {"sec_4__subsec_6", "sec_5"}
    assert same(ws, "heading:licensing") == {"art_70"}


def test_parent_headings_are_searchable(ws: Workspace) -> None:
    # Article 53's heading speaks for its paragraphs; Sec. 4's for 4.6
    assert same(ws, "obligations /p providers") >= {"art_53__para_1", "art_53__para_2"}
    assert same(ws, '"ensuring safety"') == {"sec_4__subsec_6"}
    assert same(ws, 'text:"ensuring safety"') == set()


def test_api_filters(ws: Workspace) -> None:
    assert same(ws, "shall", doc="eo-b") == {"sec_4__subsec_6", "sec_5"}
    assert same(ws, "shall", doc=["eo-b.pdf"], kind="section") == {"sec_5"}
    assert same(ws, "shall", tag="oss-exemption") == {"art_53__para_2"}


def test_sort_orders(ws: Workspace) -> None:
    in_doc_order = ids(ws, "shall", sort="doc")
    assert in_doc_order == [
        "art_25__para_4",
        "art_53__para_1",
        "art_53__para_2",
        "art_60__para_1",
        "sec_4__subsec_6",
        "sec_5",
    ]
    by_score = search(ws, "shall apply", limit=None).hits
    assert [h.score for h in by_score] == sorted((h.score for h in by_score), reverse=True)
    # Article 70 has five words of the licen- family and a matching heading: it ranks first,
    # although it is last of its document in document order
    assert ids(ws, "licen!")[0] == "art_70"
    assert ids(ws, "licen!", sort="doc")[-1] == "art_70"
    assert search(ws, "shall", sort="doc", limit=2).hits[1].id == "art_53__para_1"


def test_result_shape_total_limit_and_facets(ws: Workspace) -> None:
    result = search(ws, "shall", limit=2)
    assert result.total == 6 and len(result.hits) == 2
    assert result.facets["doc"] == {"act-a": 4, "eo-b": 2}
    assert result.facets["kind"] == {"paragraph": 4, "subsection": 1, "section": 1}
    assert result.facets["tag"] == {"oss-exemption": 1}
    hit = search(ws, '"free and open-source licence" /s "shall not apply"', doc="act-a").hits[0]
    assert hit.file == "act-a.pdf" and hit.doc_id == "act-a" and hit.pages[0] >= 1
    text = act_bundle().provision(hit.id).text  # type: ignore[union-attr]
    marked = [text[s:e] for s, e in hit.highlights]
    assert marked == ["shall not apply", "free and open-source licence"]
    assert "«shall not apply»" in hit.snippet


def test_connector_marks_only_the_words_that_satisfied_it(ws: Workspace) -> None:
    # art_53(2): the first "shall not apply" shares a sentence with the licence phrase,
    # the second one does not and must stay unmarked
    hit = next(
        h
        for h in search(ws, '"shall not apply" /s "open-source licence"').hits
        if h.id == "art_53__para_2"
    )
    text = act_bundle().provision("art_53__para_2").text  # type: ignore[union-attr]
    assert [text[s:e] for s, e in hit.highlights] == ["shall not apply", "open-source licence"]
    assert hit.highlights[0][0] == text.index("shall not apply")


def test_empty_and_bad_queries(ws: Workspace) -> None:
    assert search(ws, "  ").total == 0
    with pytest.raises(QueryError, match="column 7"):
        search(ws, "apply /0 free")
    # a connector with nothing on one side is dropped with a warning, not an error
    assert search(ws, "apply /s").warnings == ("column 7: '/s' has nothing on its right; ignored",)
    with pytest.raises(StoreError):
        search(ws, "shall", sort="random")


def test_update_replaces_a_documents_entries_and_cached_searcher_sees_it(
    tmp_path: Path,
) -> None:
    ws = make_workspace(tmp_path)
    assert same(ws, "zebra") == set()
    changed = act_bundle({"art_70": "A zebra licence."})
    ws.save_bundle(changed)
    update_index(ws, [changed])
    assert same(ws, "zebra") == {"art_70"}
    assert same(ws, "licensor") == set()
    update_index(ws, [], removed=["eo-b"])
    assert same(ws, "shall", doc="eo-b") == set()
    forget(ws)


def test_search_without_any_ingest_says_so(tmp_path: Path) -> None:
    ws = Workspace(tmp_path)
    ws.ensure()
    with pytest.raises(StoreError, match="ingest"):
        search(ws, "licence")


def test_missing_index_is_built_from_bundles(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path, index=False)
    assert same(ws, "licensor") == {"art_70"}
    forget(ws)


def test_cli_json_lines(ws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["-w", str(ws.root), "search", "licen! /s terms", "--json", "--sort", "doc"])
    assert status == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["id"] for r in records] == ["rec_10", "art_70"]
    rec = records[1]
    for key in ("file", "doc_id", "id", "citation", "score", "snippet", "heading", "kind"):
        assert key in rec
    assert rec["citation"] == "Article 70" and "«" in rec["snippet"]
    assert all(isinstance(s, list) and len(s) == 2 for s in rec["highlights"])


def test_cli_table_and_errors(
    ws: Workspace, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "140")
    assert main(["-w", str(ws.root), "search", "woman", "--limit", "1"]) == 0
    out = capsys.readouterr().out
    assert "Sec. 5" in out and "1 provisions" in out and "┃ Document" in out
    assert main(["-w", str(ws.root), "search", '"open source']) == 2
    err = capsys.readouterr().err
    assert "column 1" in err and "Traceback" not in err


def test_cli_output_in_a_narrow_pipe_keeps_text_readable_and_marked(
    ws: Workspace, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Regression: on an 80-column pipe the table squeezed the text to one word a line
    # and the highlight (reverse video) vanished with the styles.
    monkeypatch.setenv("COLUMNS", "80")
    assert main(["-w", str(ws.root), "search", "woman", "--limit", "1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("1. Sec. 5") and "┃" not in out
    assert "«" in out and "»" in out
    longest = max(out.splitlines(), key=len)
    assert len(longest.split()) > 5


def test_random_queries_never_traceback(ws: Workspace) -> None:
    """Any string gets hits or a QueryError — never another exception."""
    import random

    pieces = [
        "licen!", "wom*n", '"open source"', "open-source", "(", ")", "/s", "/p", "/3", "+2",
        "w/5", "pre/2", "%", "AND", "OR", "NOT", "and", "or", "&", "kind:", "kind:recital",
        'cite:"Article 53"', "doc:act-a", "text:", "heading:(", "shall", "~", "licence~",
        '"', "!", "*", "?", "§", "53(2)", "date:2024", "tag:", "id:art_*", ":",
    ]  # fmt: skip
    rng = random.Random(4)
    for _ in range(400):
        query = " ".join(rng.choice(pieces) for _ in range(rng.randint(1, 6)))
        try:
            search(ws, query, limit=3)
        except QueryError as err:
            assert err.position is None or 0 <= err.position <= len(query)


def test_cli_unknown_document_is_an_error(
    ws: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["-w", str(ws.root), "search", "shall", "--doc", "no-such-act"]) == 2
    err = capsys.readouterr().err
    assert "no document 'no-such-act'" in err and "act-a" in err
