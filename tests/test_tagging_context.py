"""Provision context: a point read after its lead-in, a paragraph after its article's
lead-in, and a provision that limits an exemption stated elsewhere."""

from __future__ import annotations

from corpus_tool.model import Tag
from corpus_tool.tagging import Tagger, tag_provisions
from tests._tagging_helpers import provision, ref

EXEMPTION = "oss-exemption"


def _by_id(tags: list[Tag], label: str = EXEMPTION) -> dict[str, Tag]:
    return {t.provision_id: t for t in tags if t.label == label}


def _list(lead: str, items: list[str], pid: str = "art_4__para_2", kind: str = "point") -> list:
    labels = "abcdefgh"
    body = " ".join(f"({labels[i]}) {t}" for i, t in enumerate(items))
    parent = provision(f"{lead} {body}", pid, parent="art_4")
    points = [
        provision(
            t, f"{pid}__point_{labels[i]}", kind=kind, parent=pid, searchable=False, order=i + 1
        )
        for i, t in enumerate(items)
    ]
    return [provision("", "art_4", kind="article", searchable=False), parent, *points]


def test_a_point_inherits_the_lead_in_of_its_paragraph() -> None:
    ps = _list(
        "This Directive does not apply to:",
        [
            "products intended exclusively for national security purposes;",
            "free and open-source software developed or supplied outside the course of a "
            "commercial activity.",
        ],
    )
    tags = tag_provisions(ps)
    tagged = _by_id(tags)
    assert set(tagged) == {"art_4__para_2", "art_4__para_2__point_b"}
    point = tagged["art_4__para_2__point_b"]
    # evidence only in the point's own text; the lead-in is named in the source
    text = ps[-1].text
    assert [(e.role, text[e.start : e.end]) for e in point.evidence] == [
        ("open-source", "free and open-source software")
    ]
    assert point.source.endswith(":lead-in:art_4__para_2")
    # the condition of the point is the point's own
    conditions = _by_id(tags, "oss-condition")["art_4__para_2__point_b"]
    assert [text[e.start : e.end] for e in conditions.evidence] == [
        "outside the course of a commercial activity"
    ]


def test_a_lead_in_worded_otherwise_and_a_dash_reach_nested_items() -> None:
    lead = "The term covered model does not include any of the following\u2014"
    items = [
        "a model trained by an institution of higher education; or",
        "a model whose weights are publicly available\u2014",
    ]
    ps = _list(lead, items, pid="sec_2__subsec_c")
    nested = provision(
        "if it is made available without charge.",
        "sec_2__subsec_c__point_b__point_i",
        kind="point",
        parent="sec_2__subsec_c__point_b",
        searchable=False,
        order=9,
    )
    tagged = _by_id(tag_provisions([*ps, nested]))
    assert "sec_2__subsec_c__point_b" in tagged
    assert "sec_2__subsec_c__point_a" not in tagged
    # no open-source words in the nested item itself: nothing to cite there
    assert "sec_2__subsec_c__point_b__point_i" not in tagged


def test_a_lead_in_that_does_not_read_on_is_not_inherited() -> None:
    ps = _list(
        "This Directive does not apply to national security. It covers the following.",
        ["products of any kind;", "free and open-source software."],
    )
    assert "art_4__para_2__point_b" not in _by_id(tag_provisions(ps))


def test_a_paragraph_is_read_with_its_articles_lead_in_and_takes_its_references() -> None:
    lead = (
        "By way of derogation from Article 4, the obligations of this Chapter shall not apply to:"
    )
    article = provision(
        f"{lead} 1. open-source software stewards; 2. micro-enterprises.",
        "art_9",
        kind="article",
        searchable=False,
        refs=(ref(lead, "Article 4", "art_4"),),
    )
    ps = [
        article,
        provision("open-source software stewards;", "art_9__para_1", parent="art_9", order=1),
        provision("micro-enterprises.", "art_9__para_2", parent="art_9", order=2),
    ]
    tagged = _by_id(tag_provisions(ps))
    assert set(tagged) == {"art_9__para_1"}
    assert "art_4" in tagged["art_9__para_1"].targets


LIMITED = (
    "The obligations set out in paragraph 1 shall not apply to providers of models released "
    "under a free and open-source licence."
)


def _article_with(limit: str, target: str = "art_9__para_2", phrase: str = "paragraph 2") -> list:
    refs1 = (ref(LIMITED, "paragraph 1", "art_9__para_1"),)
    return [
        provision("", "art_9", kind="article", searchable=False),
        provision("Providers shall keep records.", "art_9__para_1", parent="art_9", order=1),
        provision(LIMITED, "art_9__para_2", parent="art_9", refs=refs1, order=2),
        provision(
            limit, "art_9__para_3", parent="art_9", refs=(ref(limit, phrase, target),), order=3
        ),
    ]


def test_a_carve_back_elsewhere_is_linked_through_its_reference() -> None:
    limit = "The exemption referred to in paragraph 2 shall not apply where the model is monetised."
    tags = tag_provisions(_article_with(limit))
    tagged = _by_id(tags)
    assert set(tagged) == {"art_9__para_2", "art_9__para_3"}
    linked = tagged["art_9__para_3"]
    assert ":limit:" in linked.source and linked.source.endswith(":limits:art_9__para_2")
    roles = {(e.role, e.text) for e in linked.evidence}
    assert ("reference", "paragraph 2") in roles
    assert any(r == "carve-back" and "shall not apply" in t for r, t in roles)
    assert "art_9__para_3" in _by_id(tags, "carve-back")


def test_paragraph_shall_not_apply_limits_the_exemption_it_names() -> None:
    limit = "Paragraph 2 shall not apply to models that present systemic risks."
    tagged = _by_id(tag_provisions(_article_with(limit, phrase="Paragraph 2")))
    assert "art_9__para_3" in tagged


def test_a_limit_of_something_that_is_not_an_exemption_is_not_tagged() -> None:
    limit = "The exemption referred to in paragraph 1 shall not apply where the model is monetised."
    tagged = _by_id(tag_provisions(_article_with(limit, "art_9__para_1", "paragraph 1")))
    assert set(tagged) == {"art_9__para_2"}
    # a mere reference to the exemption, without a limiting wording, is not a limit
    plain = "Providers referred to in paragraph 2 shall inform the Commission."
    tagged = _by_id(tag_provisions(_article_with(plain)))
    assert set(tagged) == {"art_9__para_2"}


def test_context_and_limits_do_not_change_with_the_prefilter() -> None:
    ps = [
        *_list("This Directive does not apply to:", ["national security;", "FOSS."]),
        *_article_with(
            "The exemption referred to in paragraph 2 shall not apply where it is sold."
        ),
    ]
    assert Tagger(prefilter=True).tag(ps) == Tagger(prefilter=False).tag(ps)


def test_staging_the_rulers_changes_nothing() -> None:
    import json as _json
    from pathlib import Path

    class FullPipeline(Tagger):
        @property
        def _post_link_rulers(self) -> list[str]:
            return []

        @property
        def _scoped_rulers(self) -> list[str]:
            return []

    data = Path(__file__).resolve().parent / "data" / "exemption_wordings.jsonl"
    rows = [_json.loads(line) for line in data.read_text().splitlines() if line]
    ps = [provision(r["text"], f"p_{i}") for i, r in enumerate(rows)]
    ps += _list("This Directive does not apply to:", ["national security;", "FOSS, unless sold."])
    staged = Tagger()
    assert staged._scoped_rulers and staged._post_link_rulers  # the staging is in use
    lazy, full = staged.tag(ps), FullPipeline().tag(ps)
    assert lazy == full
    assert {"carve-back", "oss-condition"} <= {t.label for t in lazy}


def test_a_limit_that_ends_an_exemption_in_other_words_is_linked_too() -> None:
    # "cease to apply" / "no longer apply" limit as "shall not apply" does, through
    # the resolved reference; a plain obligation on the same providers does not.
    for limit in (
        "Paragraph 2 shall cease to apply where the model is placed on the market against a fee.",
        "The derogation laid down in paragraph 2 shall no longer apply once the model is sold.",
    ):
        phrase = "Paragraph 2" if limit.startswith("Paragraph") else "paragraph 2"
        tags = tag_provisions(_article_with(limit, phrase=phrase))
        assert "art_9__para_3" in _by_id(tags), limit
        assert "art_9__para_3" in _by_id(tags, "carve-back"), limit
    plain = "Providers referred to in paragraph 2 shall cease to use the exemption logo."
    assert "art_9__para_3" not in _by_id(tag_provisions(_article_with(plain)))


def test_list_items_ended_by_full_stops_stay_in_the_lead_ins_reach() -> None:
    # an enrolled bill's items in one provision, each ending with a full stop
    text = (
        "THIS ACT DOES NOT APPLY TO ANY OF THE FOLLOWING: (1) A STATE AGENCY. "
        "(2) A MODEL RELEASED UNDER AN OPEN-SOURCE LICENSE."
    )
    assert EXEMPTION in {t.label for t in tag_provisions([provision(text)])}
    # an item of another level after the list is outside it
    later = (
        "THIS ACT DOES NOT APPLY TO ANY OF THE FOLLOWING: (1) A STATE AGENCY. (2) A HOSPITAL. "
        "(b) A DEVELOPER OF AN OPEN-SOURCE MODEL SHALL FILE A REPORT."
    )
    assert EXEMPTION not in {t.label for t in tag_provisions([provision(later)])}
    ps = [provision(text, "p_1"), provision(later, "p_2")]
    assert Tagger(prefilter=True).tag(ps) == Tagger(prefilter=False).tag(ps)


def test_texts_with_lead_ins_are_made_as_spacy_reads_them_not_all_up_front(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Issue 15: a long document's texts with their lead-ins were all held at once before tagging."""
    items = [
        "products intended exclusively for national security purposes;",
        "free and open-source software developed or supplied outside the course of a "
        "commercial activity.",
    ]
    ps = []
    for n in range(12):  # twelve lists of two points, each in an article of its own
        _, para, *points = _list("This Directive does not apply to:", items, pid=f"art_{n}__para_2")
        article = provision("", f"art_{n}", kind="article", searchable=False)
        ps += [article, provision(para.text, para.id, parent=f"art_{n}"), *points]
    whole = Tagger().tag(ps, batch_size=1000)
    tagger = Tagger()
    real = tagger._lead_in
    made: list[str] = []
    seen_at_first_tag: list[int] = []
    real_tags_for = tagger._tags_for

    def lead_in(p, *args):  # type: ignore[no-untyped-def]
        made.append(p.id)
        return real(p, *args)

    def tags_for(*args):  # type: ignore[no-untyped-def]
        seen_at_first_tag.append(len(made))
        return real_tags_for(*args)

    monkeypatch.setattr(tagger, "_lead_in", lead_in)
    monkeypatch.setattr(tagger, "_tags_for", tags_for)
    assert tagger.tag(ps, batch_size=2) == whole  # the same tags, a batch at a time
    points = [p for p in ps if p.id.endswith(("__point_a", "__point_b"))]
    assert len(points) == 24 and {p.id for p in points} <= set(made)
    assert seen_at_first_tag and seen_at_first_tag[0] < len(points)
