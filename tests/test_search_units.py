"""/p and /s follow the smallest citable unit; a point is read with its lead-in (issue 18 item 2).

docs/decisions.md, section 2: /p = within one search unit, /s = within one
sentence of it; a point is indexed with the lead-in chain of its ancestors in
front of its own text, in the same sentence as its first one; highlights in
the lead-in are reported apart (``lead_in_highlights``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from corpus_tool.index import forget, rebuild_index, search
from corpus_tool.model import DocumentMeta
from corpus_tool.workspace import DocBundle, Workspace
from tests._search_helpers import _provisions

# (id, citation, kind, parent, heading, text, searchable) — points are units of their own
ROWS = [
    ("art_3", "Article 3", "article", None, "Definitions",
     "For the purposes of this Act, the following definitions apply:", True),
    ("art_3__point_1", "Article 3(1)", "point", "art_3", "",
     "‘commercial activity’ means the supply of goods or services for payment;", True),
    ("art_3__point_2", "Article 3(2)", "point", "art_3", "",
     "‘open-source component’ means software released under a free licence.", True),
    ("art_9", "Article 9", "article", None, "Openness", "", False),
    ("art_9__para_1", "Article 9(1)", "paragraph", "art_9", "", "Providers shall:", True),
    ("art_9__para_1__point_a", "Article 9(1)(a)", "point", "art_9__para_1", "",
     "publish the model weights openly;", True),
    ("art_9__para_1__point_b", "Article 9(1)(b)", "point", "art_9__para_1", "",
     "keep records of any monetisation.", True),
    ("para_88", "para. 88", "paragraph", None, "",
     "Monetisation is absent for transactions between microenterprises.", True),
    ("para_89", "para. 89", "paragraph", None, "",
     "Open-source software remains exempt.", True),
]  # fmt: skip


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    meta = DocumentMeta(
        file="u.txt", doc_id="u", sha256="0" * 64, title="u", family="test",
        jurisdiction="EU", date="2025", citation="u", eli="", pages=1,
    )  # fmt: skip
    ws = Workspace(tmp_path_factory.mktemp("units_ws"))
    ws.ensure()
    ws.save_bundle(DocBundle(meta, _provisions("u.txt", "u", ROWS), ()))
    rebuild_index(ws)
    yield ws
    forget(ws)


def found(ws: Workspace, query: str) -> set[str]:
    return {h.id for h in search(ws, query, limit=None).hits}


def test_p_does_not_match_across_two_points_of_one_article(ws: Workspace) -> None:
    # issue 18: "commercial activity" in one definition, "open-source" in another
    assert found(ws, '"commercial activity" /p open-source') == set()
    assert found(ws, "openly /p monetisation") == set()
    assert found(ws, '"commercial activity" /p payment') == {"art_3__point_1"}


def test_p_does_not_match_across_two_numbered_paragraphs_of_guidance(ws: Workspace) -> None:
    # issue 18: "monetis! /p open-source" returned a paragraph saying only "monetisation"
    assert found(ws, "monetis! /p open-source") == set()
    assert found(ws, "monetis! /p microenterprises") == {"para_88"}


def test_a_point_is_read_with_its_lead_in_and_cited_as_the_point(ws: Workspace) -> None:
    # docs/decisions.md 2: the lead-in reads on into the point's first sentence
    result = search(ws, "providers /s openly", limit=None)
    assert [(h.id, h.citation) for h in result.hits] == [
        ("art_9__para_1__point_a", "Article 9(1)(a)")
    ]
    hit = result.hits[0]
    assert hit.lead_in == "Providers shall:"
    assert [hit.lead_in[s:e] for s, e in hit.lead_in_highlights] == ["Providers"]
    text = next(r[5] for r in ROWS if r[0] == hit.id)
    assert [text[s:e] for s, e in hit.highlights] == ["openly"]
    # the definitions' lead-in likewise, and each definition is its own hit
    assert found(ws, 'definitions /s "commercial activity"') == {"art_3__point_1"}
    assert found(ws, "definitions /p software") == {"art_3__point_2"}


def test_a_container_that_holds_its_childrens_text_adds_no_lead_in(ws: Workspace) -> None:
    # segmentation that keeps the points inside their paragraph: the paragraph is the
    # unit and nothing is indexed twice (its text does not end as a lead-in does)
    from corpus_tool.index.units import lead_in_text
    from tests._search_helpers import act_bundle

    bundle = act_bundle()
    by_id = {p.id: p for p in bundle.provisions}
    assert all(lead_in_text(p, by_id) == "" for p in bundle.provisions)
    rows = {p.id: p for p in _provisions("u.txt", "u", ROWS)}
    assert lead_in_text(rows["art_9__para_1__point_b"], rows) == "Providers shall:"
