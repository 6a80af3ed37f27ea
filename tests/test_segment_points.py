"""Points are citable and searchable on their own (issue 11 item 6, docs/decisions.md s.2).

A point's citation is "Article 2(1)" / "Article 3(1)(b)(i)"; the index makes it a unit,
so ``cite:`` finds it and a hit on its words is reported on the point; the paragraph it
hangs from keeps its own text (the lead-in) and is a unit too.
"""

from __future__ import annotations

import pytest
from _segment_helpers import EU_ACT, US_ORDER, make_document

from corpus_tool.index import rebuild_index, search
from corpus_tool.segment import segment_document
from corpus_tool.workspace import DocBundle, Workspace


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    ws = Workspace(tmp_path_factory.mktemp("points_ws"))
    ws.ensure()
    for doc in (
        make_document(EU_ACT, "act.txt", "eu-regulation", "Regulation (EU) 2031/77"),
        make_document(US_ORDER, "eo.txt", "us-executive-order", "Executive Order 99999"),
    ):
        ws.save_bundle(DocBundle(doc.meta, tuple(segment_document(doc)), ()))
    rebuild_index(ws)
    return ws


def cites(ws: Workspace, query: str) -> list[str]:
    return [h.citation for h in search(ws, query, limit=None, sort="doc").hits]


def test_point_citations() -> None:
    provs = {p.id: p for p in segment_document(make_document(EU_ACT, "act.txt", "eu-regulation"))}
    assert provs["art_2__point_1"].citation == "Article 2(1)"
    assert provs["art_3__para_1__point_b__point_i"].citation == "Article 3(1)(b)(i)"
    assert provs["art_3__para_1__point_b__point_i"].path[-3:] == (
        "Article 3(1)",
        "Article 3(1)(b)",
        "Article 3(1)(b)(i)",
    )


def test_cite_finds_a_point(ws: Workspace) -> None:
    assert cites(ws, 'cite:"Article 2(1)"') == ["Article 2(1)"]
    assert cites(ws, 'cite:"Article 3(1)(b)(i)"') == ["Article 3(1)(b)(i)"]
    # a paragraph's citation still finds its lead-in and everything inside it
    assert cites(ws, 'cite:"Article 3(1)"') == [
        "Article 3(1)",
        "Article 3(1)(a)",
        "Article 3(1)(b)",
        "Article 3(1)(b)(i)",
        "Article 3(1)(b)(ii)",
        "Article 3(1)(c)",
    ]


def test_a_hit_on_a_point_is_the_point(ws: Workspace) -> None:
    assert cites(ws, "program /s document") == ["Article 2(1)"]
    assert cites(ws, '"annex headings"') == ["Article 3(1)(b)(ii)"]
    assert cites(ws, "report /p publish") == []  # two points of one paragraph: two units
    assert cites(ws, "publish") == ["Sec. 3.1(a)(ii)"]


def test_lead_in_stays_with_its_paragraph(ws: Workspace) -> None:
    # The lead-in is the article's own text; each point is searched with it
    # (docs/decisions.md section 2), so its words also find the points, with the
    # match reported in the point's lead_in_highlights, not in its own text.
    found = search(ws, '"the following definitions apply"', limit=None, sort="doc").hits
    assert [h.citation for h in found] == ["Article 2", "Article 2(1)", "Article 2(2)"]
    assert found[0].highlights and not found[0].lead_in_highlights
    assert all(h.lead_in_highlights and not h.highlights for h in found[1:])
    assert cites(ws, '"Providers shall"') == ["Article 3(1)"]
