"""The segmenter on generated documents of each family, and on the shared corpus against gold."""

from __future__ import annotations

import collections
import dataclasses
import io
import json
from contextlib import redirect_stdout
from pathlib import Path

import pytest
from _segment_helpers import (
    EU_ACT,
    GENERIC,
    LICENCE,
    US_ORDER,
    make_boxed_document,
    make_document,
)

from corpus_tool.cli import main
from corpus_tool.model import Document, Evidence, Footnote, Provision, Tag
from corpus_tool.segment import SEGMENTER_VERSION, resolve_external_refs, segment_document
from corpus_tool.workspace import DocBundle, Workspace


def by_id(provisions: list[Provision]) -> dict[str, Provision]:
    return {p.id: p for p in provisions}


@pytest.fixture(scope="module")
def act() -> dict[str, Provision]:
    return by_id(segment_document(make_document(EU_ACT, "act.txt", "eu-regulation")))


# --- EU acts -----------------------------------------------------------------


def test_eu_counts_and_no_phantom_provisions(act: dict[str, Provision]) -> None:
    kinds = collections.Counter(p.kind for p in act.values())
    assert kinds["recital"] == 3  # "(5)" at the start of a wrapped line is not recital 5
    assert kinds["article"] == 5  # the quoted "Article 7a" belongs to Article 4
    assert kinds["annex"] == 2
    assert "art_7a" not in act
    assert "inserted heading" in act["art_4"].text.lower()
    assert "So does this one." in act["art_4"].text
    assert not any(i.startswith("art_4__para") for i in act)


def test_eu_ids_citations_headings_paths(act: dict[str, Provision]) -> None:
    para = act["art_3__para_2"]
    assert para.citation == "Article 3(2)"
    assert para.parent == "art_3"
    assert para.path == ("Chapter II", "Section 1", "Article 3", "Article 3(2)")
    assert act["art_3"].heading == "Obligations of providers"
    assert act["chp_II__sec_1"].heading == "Obligations of providers of segmenters"
    assert act["chp_I"].heading == "GENERAL PROVISIONS"
    assert act["art_3__para_1__point_b__point_ii"].citation == "Article 3(1)(b)(ii)"
    assert act["anx_I"].heading == "List of things"
    assert act["anx_I__point_1__point_b"].text == "sub-item two."


def test_eu_texts_have_no_labels_and_subparagraphs_return_to_paragraph(
    act: dict[str, Provision],
) -> None:
    assert act["rec_2"].text.endswith("which continues the second recital.")
    assert act["art_3__para_1__point_a"].text == "keep ids stable;"
    # The sentence after the points belongs to paragraph 1, not to point (c)... in plain
    # text there is no indentation to tell, so the sentence rule decides.
    assert act["art_3__para_1"].text.endswith("apply from the date of application.")
    assert act["art_3__para_1__point_c"].text == "report errors."
    art3 = act["art_3"]
    assert art3.text.startswith("1. Providers shall:")  # a container shows its whole body


def test_eu_searchable_units_partition_the_text(act: dict[str, Provision]) -> None:
    assert act["art_3"].searchable is False  # its text is all in its paragraphs
    assert act["art_3__para_1"].searchable is True
    assert act["art_1"].searchable is True  # an article without paragraphs
    assert act["chp_I"].searchable is False
    assert act["anx_I__point_1"].searchable and not act["anx_I"].searchable
    assert act["anx_II"].searchable
    # Points are units of their own; what they hang from keeps only its own text
    # (the lead-in and the closing words), so no word is in two units.
    assert act["art_3__para_1__point_a"].searchable is True
    assert act["art_3__para_1__point_b__point_i"].searchable is True
    assert act["art_3__para_1"].text == (
        "Providers shall: The obligations set out in this paragraph apply from the date of "
        "application."
    )
    assert act["art_3__para_1__point_b"].text == "keep headings, including:"
    assert (
        act["art_2"].text == "For the purposes of this Regulation, the following definitions apply:"
    )
    assert act["anx_I__point_1"].text == "First item, as referred to in Article 3(1), point (a):"
    for p in act.values():
        parent = act.get(p.parent or "")
        if p.searchable and parent is not None and parent.searchable:
            assert p.text not in parent.text, (parent.id, p.id)


def test_eu_definitions(act: dict[str, Provision]) -> None:
    assert act["art_2__point_1"].defined_term == "segmenter"
    assert act["art_2__point_2"].defined_term == "provision"
    assert act["art_2"].defined_term is None


def test_eu_references(act: dict[str, Provision]) -> None:
    targets = [r.target for r in act["art_3__para_2"].refs]
    assert targets == ["art_3__para_1__point_a", "art_3__para_1__point_b", "art_1", "art_2"]
    refs3 = act["art_3__para_3"].refs
    assert [r.target for r in refs3 if r.target] == ["anx_I"]
    ext = [r for r in refs3 if r.external]
    assert ext and ext[0].external == "Article 4(3) of Directive (EU) 2019/790"
    assert ext[0].target is None
    r = act["anx_I__point_1"].refs[0]
    assert r.text == "Article 3(1), point (a)" and r.target == "art_3__para_1__point_a"
    # A span is an offset into the provision's own text.
    p = act["art_3__para_2"]
    assert all(p.text[x.start : x.end] == x.text for x in p.refs)


def test_eu_spans_and_pages(act: dict[str, Provision]) -> None:
    doc = make_document(EU_ACT, "act.txt", "eu-regulation")
    p = act["art_3__para_2"]
    assert " ".join(doc.text[p.start : p.end].split()).startswith("2. The obligations")
    assert p.pages == (1, 1)
    orders = [q.order for q in act.values()]
    assert orders == sorted(orders)


def test_ids_are_stable_across_runs_and_edits() -> None:
    doc = make_document(EU_ACT, "act.txt", "eu-regulation")
    first = segment_document(doc)
    assert [p.id for p in segment_document(doc)] == [p.id for p in first]
    # A changed version: one recital's text edited, one article paragraph deleted, a line added.
    edited = (
        EU_ACT.replace("Free software deserves", "Free software surely deserves")
        .replace(
            "3. Paragraph 2 is without prejudice to Annex I and Article 4(3) of Directive (EU) 2019/790.\n",
            "",
        )
        .replace("Text of the second annex.", "Text of the second annex.\nAnd a new line.")
        .replace(
            "(2) Numbers at the start of a wrapped line must not open a recital, as in the line that follows\n"
            "(5) which continues the second recital.\n",
            "",
        )
        .replace("(a) keep ids stable;\n", "")
    )
    second = segment_document(dataclasses.replace(doc, text=edited))
    new = {p.text: p.id for p in second}
    unchanged = [p for p in first if p.text in new and p.kind not in ("chapter", "section")]
    assert len(unchanged) > 15
    for p in unchanged:
        assert new[p.text] == p.id, p.citation
    ids = {p.id for p in second}
    assert "art_3__para_3" not in ids and "rec_2" not in ids and "rec_3" in ids
    assert "art_3__para_1__point_a" not in ids and "art_3__para_1__point_c" in ids
    assert by_id(second)["rec_3"].text.startswith("Free software surely")


def test_citation_and_recital_structure(act: dict[str, Provision]) -> None:
    assert act["cit_1"].kind == "citation" and act["cit_1"].text.startswith("Having regard")
    assert act["title"].kind == "title"
    assert "on the testing of segmenters" in act["title"].heading
    assert act["rec_1"].refs[0].external == "Article 4 of Regulation (EU) 2016/679"


def test_commission_proposal_memorandum_is_not_articles() -> None:
    memo = (
        "EXPLANATORY MEMORANDUM\n1. CONTEXT OF THE PROPOSAL\n"
        + "This proposal explains itself. Article 1 sets the subject matter.\n" * 3
        + "\n2. LEGAL BASIS\n"
        + "The legal basis is Article 114 TFEU.\n" * 10
    )
    act = EU_ACT.replace("REGULATION (EU) 2031/77", "Proposal for a\nREGULATION")
    provs = by_id(segment_document(make_document(memo + act, "com.txt", "eu-proposal")))
    kinds = collections.Counter(p.kind for p in provs.values())
    assert kinds["article"] == 5 and kinds["recital"] == 3
    assert provs["memo"].kind == "memorandum"
    memo_parts = [p for p in provs.values() if p.id.startswith("memo__")]
    assert memo_parts and all(p.kind in ("heading", "paragraph") for p in memo_parts)


# --- US executive orders -------------------------------------------------------


def test_executive_order_structure() -> None:
    provs = by_id(segment_document(make_document(US_ORDER, "eo.txt", "us-executive-order")))
    kinds = collections.Counter(p.kind for p in provs.values())
    assert kinds["section"] == 4 and kinds["subsection"] == 2
    assert provs["sec_1"].heading == "Purpose"
    assert provs["title"].heading == "Testing Segmenters"
    assert provs["sec_1"].text == "Orders are split into sections."
    sub = provs["sec_3__subsec_2"]
    assert sub.heading == "Second Subsection With a Long Wrapped Heading"
    assert sub.citation == "Sec. 3.2"
    assert provs["sec_3__subsec_1__para_a__subpara_ii"].citation == "Sec. 3.1(a)(ii)"
    assert provs["sec_3__subsec_1__para_a__subpara_ii"].text == "publish."
    assert provs["sec_4__para_a"].parent == "sec_4"  # "(a)" on the heading's line
    ref = provs["sec_2__para_b"].refs[0]
    assert ref.target == "sec_3__subsec_2__para_a"
    # A section's lead-in is its own text and searchable; its paragraphs are units too.
    assert provs["sec_2__para_a"].searchable and provs["sec_2"].searchable
    assert provs["sec_2"].text == "It is the policy of my Administration that:"
    assert provs["sec_3__subsec_1__para_a"].searchable
    assert provs["sec_3__subsec_1__para_a"].text == "Within 90 days the Secretary shall:"
    assert provs["sec_3__subsec_1__para_a__subpara_i"].searchable
    assert not provs["sec_3__subsec_1"].searchable  # no text of its own: "(a)" follows its heading
    assert provs["preamble"].parent is None and provs["sec_1"].parent is None


# --- licences and anything else -------------------------------------------------


def test_licence_clauses_and_definitions() -> None:
    provs = by_id(segment_document(make_document(LICENCE, "lic.txt", "licence")))
    assert provs["sec_1"].heading == "License Rights"
    assert provs["sec_1__para_b__subpara_ii"].citation == "Section 1(b)(ii)"
    assert provs["sec_2"].text.startswith("If you have more than 700 million users")
    terms = {p.defined_term for p in provs.values() if p.defined_term}
    assert {"Agreement", "Licensee"} <= terms
    assert all(p.parent is None for p in provs.values() if p.kind == "clause")


def test_generic_headings_and_paragraphs() -> None:
    provs = segment_document(make_document(GENERIC, "gen.txt"))
    paras = [p for p in provs if p.kind == "paragraph"]
    assert [p.text for p in paras] == [
        "This report describes things. It has two paragraphs in its introduction.",
        "The second paragraph of the introduction.",
        "One finding only.",
    ]
    assert all(p.searchable for p in paras)
    assert len({p.id for p in provs}) == len(provs)


def test_empty_document_has_no_provisions() -> None:
    assert segment_document(make_document("", "empty.txt")) == []
    assert segment_document(make_document("\n \n", "blank.txt")) == []


# --- references to other documents ----------------------------------------------


def _bundle(doc: Document) -> DocBundle:
    return DocBundle(doc.meta, tuple(segment_document(doc)), ())


def test_resolve_external_refs_points_at_corpus_documents() -> None:
    act = make_document(EU_ACT, "act.txt", "eu-regulation", "Regulation (EU) 2031/77")
    other = make_document(
        EU_ACT.replace("2031/77", "2019/790"), "dir.txt", "eu-directive", "Directive (EU) 2019/790"
    )
    out = resolve_external_refs([_bundle(act), _bundle(other)])
    refs = [r for r in out[0].provision("art_3__para_3").refs if r.external]
    assert refs[0].target_doc == "dir"
    assert refs[0].target == "art_4"  # Article 4(3): that act's Article 4 has no paragraph 3
    gdpr = [r for r in out[0].provision("rec_1").refs if r.external]
    assert gdpr[0].target_doc is None  # Regulation (EU) 2016/679 is not in this corpus


# --- CLI ------------------------------------------------------------------------


@pytest.fixture()
def ws(tmp_path: Path) -> Workspace:
    w = Workspace(tmp_path)
    w.ensure()
    w.save_bundle(_bundle(make_document(EU_ACT, "act.txt", "eu-regulation")))
    w.save_bundle(_bundle(make_document(US_ORDER, "eo.txt", "us-executive-order")))
    return w


def run_cli(*argv: str) -> tuple[int, str]:
    buf = io.StringIO()
    with redirect_stdout(buf):
        code = main(list(argv))
    return code, buf.getvalue()


def test_cli_provisions_json(ws: Workspace) -> None:
    code, out = run_cli(
        "-w", str(ws.root), "provisions", "--doc", "act", "--kind", "paragraph", "--json"
    )
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in rows][:2] == ["art_3__para_1", "art_3__para_2"]
    need = {
        "file",
        "doc_id",
        "id",
        "citation",
        "kind",
        "parent",
        "heading",
        "pages",
        "text",
        "refs",
        "path",
        "start",
        "end",
        "footnotes",
        "defined_term",
        "tags",
    }
    assert need <= set(rows[0])
    assert rows[1]["refs"][0]["target"] == "art_3__para_1__point_a"
    code, out = run_cli("-w", str(ws.root), "provisions", "--json")
    docs = {json.loads(line)["doc_id"] for line in out.splitlines()}
    assert docs == {"act", "eo"}


def test_cli_provisions_table_and_show(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    code, out = run_cli("-w", str(ws.root), "provisions", "--doc", "eo.txt")
    assert code == 0 and "sec_3__subsec_1" in out and "provision(s)" in out
    code, out = run_cli("-w", str(ws.root), "show", "act", "art_3__para_2")
    assert code == 0
    assert "Article 3(2)" in out and "Section 1" in out and "art_3__para_1__point_b" in out
    code, out = run_cli("-w", str(ws.root), "show", "act", "Article 3(2)")
    assert code == 0 and "free and open-source" in out


def test_cli_unknown_doc_or_id_is_one_line_error(
    ws: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["-w", str(ws.root), "show", "nope", "art_1"]) == 2
    err = capsys.readouterr().err
    assert "no document 'nope'" in err and len(err.strip().splitlines()) == 1
    assert main(["-w", str(ws.root), "show", "act", "art_99"]) == 2
    err = capsys.readouterr().err
    assert "no provision 'art_99'" in err and "Traceback" not in err


def test_version_is_a_string() -> None:
    assert isinstance(SEGMENTER_VERSION, str) and SEGMENTER_VERSION


def test_definitions_with_qualifiers_and_sub_points() -> None:
    text = EU_ACT.replace(
        "(2) ‘provision’ means a citable unit of a legal act.",
        "(2) ‘consent’ of the data subject means any freely given indication;\n"
        "(3) ‘main establishment’ means:\n(a) the place of central administration;\n"
        "(b) the place of decisions.",
    )
    provs = by_id(segment_document(make_document(text, "act.txt", "eu-regulation")))
    assert provs["art_2__point_2"].defined_term == "consent"
    assert provs["art_2__point_3"].defined_term == "main establishment"
    assert provs["art_2__point_3__point_a"].defined_term is None


OLD_DIRECTIVE = """\
COUNCIL DIRECTIVE 91/250/EEC
of 14 May 1991
on the legal protection of computer programs
THE COUNCIL OF THE EUROPEAN COMMUNITIES,
Having regard to the Treaty establishing the European Economic Community, and in particular
Article 100a thereof,
Whereas:
(1)
computer programs are at present not clearly protected in all Member States;
(2)
the development of computer programs requires the investment of considerable resources,
HAS ADOPTED THIS DIRECTIVE:
Article 1
1. In accordance with the provisions of this Directive, Member States shall protect computer
programs, by copyright, as literary works.
2. Protection in accordance with this Directive shall apply to the expression in any form.
Article 2
Member States shall bring into force the laws necessary to comply with this Directive before
1 January 1993.
Article 3
This Directive is addressed to the Member States.
Done at Brussels, 14 May 1991.
"""


def test_older_directive_without_article_headings() -> None:
    provs = by_id(segment_document(make_document(OLD_DIRECTIVE, "dir.txt", "eu-directive")))
    kinds = collections.Counter(p.kind for p in provs.values())
    assert kinds["recital"] == 2 and kinds["article"] == 3
    assert (
        provs["rec_1"].text
        == "computer programs are at present not clearly protected in all Member States;"
    )
    assert provs["art_1"].heading == "" and provs["art_2"].heading == ""
    assert provs["art_2"].text.startswith("Member States shall bring into force")
    assert provs["art_1__para_2"].citation == "Article 1(2)"
    assert provs["art_3"].text == "This Directive is addressed to the Member States."
    assert provs["conclusions"].text.startswith("Done at Brussels")


def test_markdown_licence() -> None:
    md = (
        "**EXAMPLE LICENSE**\n\n“**Licensee**” means you.\n\n"
        "1\\. **License Rights**.\n\na. Grant of Rights. You may use it.\n\n"
        "2**. Disclaimer**. PROVIDED AS IS.\n"
    )
    provs = by_id(segment_document(make_document(md, "lic.md", "licence")))
    assert provs["sec_1"].heading == "License Rights"
    assert provs["sec_2"].heading == "Disclaimer"
    assert any(p.defined_term == "Licensee" for p in provs.values())


def test_indentation_from_the_pdf_decides_where_points_end() -> None:
    # EU layout: point text hangs past its label; a subparagraph returns to the margin.
    eu_lines = [
        (300, "Article 1"),
        (280, "Scope"),
        (67, "1. Providers shall:"),
        (67, "(a) keep records of the"),
        (81, "processing;"),
        (67, "(b) report incidents."),
        (67, "The first subparagraph applies from 2030."),
        (67, "2. Deployers shall comply."),
    ]
    preamble = [
        (67, "Whereas:"),
        (67, "(1) A recital that"),
        (81, "continues."),
        (67, "HAVE ADOPTED THIS REGULATION:"),
    ]
    doc = make_boxed_document(preamble + eu_lines, "eu.pdf")
    provs = by_id(segment_document(doc))
    assert provs["art_1__para_1__point_b"].text == "report incidents."
    assert provs["art_1__para_1"].text.endswith("The first subparagraph applies from 2030.")
    # Order layout: the label is indented, its continuation lines are flush left (one odd).
    eo_lines = [
        (207, "Section 1. Purpose. Orders are split."),
        (207, "Sec. 2. Policy. The Secretary shall:"),
        (217, "(a) solicit input from the public"),
        (253, "through a consultation,"),  # justified text: an odd first line start
        (221, "including:"),
        (217, "(i) risks; and"),
        (217, "(ii) benefits; and"),
        (217, "(b) submit a report."),
    ]
    provs = by_id(segment_document(make_boxed_document(eo_lines, "eo.pdf")))
    assert provs["sec_2__para_a__subpara_ii"].parent == "sec_2__para_a"
    assert provs["sec_2__para_b"].text == "submit a report."


def test_cli_resolves_references_to_other_workspace_documents(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    other = make_document(
        EU_ACT.replace("2031/77", "2019/790"), "dir.txt", "eu-directive", "Directive (EU) 2019/790"
    )
    ws.save_bundle(_bundle(other))
    code, out = run_cli("-w", str(ws.root), "show", "act", "art_3__para_3")
    assert code == 0 and "dir:art_4" in out
    code, out = run_cli("-w", str(ws.root), "provisions", "--doc", "act", "--json")
    row = next(json.loads(x) for x in out.splitlines() if '"art_3__para_3"' in x)
    assert [r["target_doc"] for r in row["refs"] if r["external"]] == ["dir"]


REF_IDS = {
    "art_5", "art_5__para_1", "art_5__para_1__point_a", "art_5__para_1__point_b",
    "art_5__para_1__point_c", "art_5__para_1__point_d", "art_6", "art_6__para_1",
    "art_6__para_2", "art_7", "art_7__para_1", "art_7__para_1__point_a",
    "art_7__para_1__point_b", "art_7__para_1__point_c", "art_8", "art_9", "art_10",
    "anx_XI", "anx_XII", "chp_III", "chp_III__sec_2",
}  # fmt: skip


@pytest.mark.parametrize(
    ("text", "targets", "externals"),
    [
        ("Article 5 or 6", ["art_5", "art_6"], []),
        ("Articles 8 to 10", ["art_8", "art_9", "art_10"], []),
        ("Article 6(1) and (2)", ["art_6__para_1", "art_6__para_2"], []),
        ("paragraph 1, points (a) and (b), shall", ["art_7__para_1__point_a", "art_7__para_1__point_b"], []),
        ("points (a) to (c) of paragraph 1", ["art_7__para_1__point_a", "art_7__para_1__point_b", "art_7__para_1__point_c"], []),
        ("point (a) of the first subparagraph of Article 5(1)", ["art_5__para_1__point_a"], []),
        ("Article 5(1), points (b) and (d)", ["art_5__para_1__point_b", "art_5__para_1__point_d"], []),
        ("Annexes XI and XII", ["anx_XI", "anx_XII"], []),
        ("Chapter III, Section 2", ["chp_III__sec_2"], []),
        ("Section 2 of Chapter III", ["chp_III__sec_2"], []),
        ("Article 4(3) of Directive (EU) 2019/790", [], ["Article 4(3) of Directive (EU) 2019/790"]),
        ("point (c) of Article 5(1) of Regulation (EU) 2016/679", [], ["point (c) of Article 5(1) of Regulation (EU) 2016/679"]),
        ("Articles 16 and 114 thereof", [], ["Articles 16 and 114"]),
        ("Article 114 TFEU", [], ["Article 114"]),
        ("Directive 95/46/EC", [], ["Directive 95/46/EC"]),
    ],
)  # fmt: skip
def test_reference_patterns(text: str, targets: list[str], externals: list[str]) -> None:
    from corpus_tool.segment.refs import find_references

    p = Provision(
        "f", "d", "art_7__para_2", "c", "paragraph", "art_7", "", (), (1, 1), 0, 0, text, 0
    )
    refs = find_references(p, REF_IDS)
    assert [r.target for r in refs if r.target] == targets
    assert [r.external for r in refs if r.external] == externals
    assert all(text[r.start : r.end] == r.text for r in refs)


def test_act_keys_match_citation_styles() -> None:
    from corpus_tool.segment.refs import act_key

    assert act_key("Regulation (EU) 2016/679") == act_key("Article 6 of Regulation (EU) 2016/679")
    assert act_key("Directive 95/46/EC") == ("directive", 1995, 46)
    assert act_key("Regulation (EC) No 45/2001") == ("regulation", 2001, 45)
    assert act_key("Executive Order 14110") == ("executive-order", 0, 14110)
    assert act_key("COM(2022) 496 final") == ("com", 2022, 496)
    assert act_key("the Treaty") is None


def test_quote_marks_on_their_own_lines_and_an_article_without_heading() -> None:
    text = (
        EU_ACT.replace(
            "Article 5\nEntry into force\n",
            "Article 5\n",
        )
        .replace(
            "In Regulation (EU) 2020/1, the following Article is inserted:\n‘Article 7a\n",
            "In Regulation (EU) 2020/1, the following table is inserted:\n‘\nArticle 7a\n",
        )
        .replace("2. So does this one.’\n", "2. So does this one.\n’\n")
    )
    provs = by_id(segment_document(make_document(text, "act.txt", "eu-regulation")))
    assert collections.Counter(p.kind for p in provs.values())["article"] == 5
    assert "So does this one." in provs["art_4"].text
    assert provs["art_5"].heading == ""
    assert provs["art_5"].text.startswith("This Regulation shall enter into force")


def test_statement_after_the_signatures_is_an_appendix_and_letter_annexes() -> None:
    text = (
        EU_ACT.replace(
            "Done at Brussels, 1 March 2031.\n",
            "Done at Brussels, 1 March 2031.\nFor the Council\nThe President\n"
            "LEGISLATIVE FINANCIAL STATEMENT\n1. FRAMEWORK OF THE PROPOSAL\n"
            "The proposal costs nothing.\n",
        )
        .replace("ANNEX I\n", "ANNEX A\n")
        .replace("ANNEX II\n", "ANNEX B\n")
    )
    provs = by_id(segment_document(make_document(text, "com.txt", "eu-proposal")))
    assert provs["app_1"].heading == "LEGISLATIVE FINANCIAL STATEMENT"
    assert "The proposal costs nothing." in provs["app_1"].text
    assert "costs" not in provs["conclusions"].text
    assert provs["anx_A"].heading == "List of things" and "anx_B" in provs
    assert provs["anx_A__point_1__point_b"].citation == "Annex A, point 1(b)"


def test_footnotes_attach_to_the_provision_holding_their_call() -> None:
    doc = make_document(EU_ACT, "act.txt", "eu-regulation")
    call = doc.text.index("Regulation (EU) 2016/679.") + len("Regulation (EU) 2016/679")
    note = Footnote("1", "Regulation (EU) 2016/679 (OJ L 119, 4.5.2016, p. 1).", 1, call)
    provs = by_id(segment_document(dataclasses.replace(doc, footnotes=(note,))))
    assert provs["rec_1"].footnotes == (note,)
    assert not provs["rec_2"].footnotes and not provs["title"].footnotes


def test_cli_json_carries_stored_tags(tmp_path: Path) -> None:
    w = Workspace(tmp_path)
    w.ensure()
    doc = make_document(EU_ACT, "act.txt", "eu-regulation")
    provs = tuple(segment_document(doc))
    tag = Tag("act", "art_3__para_2", "oss-exemption", (Evidence(0, 3, "The", "exemption"),),
              "rules.v1:exemption", 0.9, ("art_3__para_1",))  # fmt: skip
    w.save_bundle(DocBundle(doc.meta, provs, (tag,)))
    code, out = run_cli("-w", str(w.root), "provisions", "--json", "--kind", "paragraph")
    assert code == 0
    rows = {json.loads(x)["id"]: json.loads(x) for x in out.splitlines()}
    assert rows["art_3__para_2"]["tags"] == [
        {"label": "oss-exemption", "evidence": [{"start": 0, "end": 3, "text": "The", "role": "exemption",
                                                 "pages": [1], "printed_pages": ["1"]}],
         "source": "rules.v1:exemption", "score": 0.9, "targets": ["art_3__para_1"]}
    ]  # fmt: skip
    assert rows["art_3__para_1"]["tags"] == []
    code, out = run_cli("-w", str(w.root), "show", "act", "art_3__para_2")
    assert code == 0 and "oss-exemption" in out
    assert "exemption: “The” [0:3]" in out and "exempts from: art_3__para_1" in out


def test_generic_numbered_paragraphs_and_wrapped_headings() -> None:
    text = (
        "1 Introduction\n\n1. This paper sets out a framework.\n\n"
        "Part Two: The current regulatory\n\nenvironment\n\n"
        "2.1 Navigating the landscape\n\n"
        "2. The success is due to regulation.\n\n"
        "3. Industry has warned us.\n"
    )
    provs = by_id(segment_document(make_document(text, "wp.txt")))
    headings = [p.heading for p in provs.values() if p.kind == "heading"]
    assert "Part Two: The current regulatory environment" in headings
    assert provs["sec_2_1"].heading == "Navigating the landscape"
    assert provs["para_2"].text == "The success is due to regulation."
    assert provs["para_3"].citation == "para. 3"  # as lawyers cite guidance (decisions.md s.2)
    assert provs["para_2"].parent == "sec_2_1"


def test_headings_on_the_article_and_annex_line() -> None:
    text = EU_ACT.replace("Article 1\nSubject matter\n", "Article 1 — Subject matter\n").replace(
        "ANNEX II\nOther things\n", "ANNEX II — Other things\n"
    )
    provs = by_id(segment_document(make_document(text, "act.txt", "eu-regulation")))
    assert provs["art_1"].heading == "Subject matter"
    assert provs["art_1"].text == "This Regulation lays down rules on segmenters."
    assert provs["anx_II"].heading == "Other things"


def test_margin_number_extracted_after_its_line_is_put_back() -> None:
    # "(2)" is printed in the margin beside "Second recital starts", but extraction
    # emitted it as a line of its own after that line (its baseline a point lower).
    lines = [
        (67, "Whereas:"),
        (67, "(1) First recital that"),
        (93, "ends here."),
        (93, "Second recital starts"),
        (67, "(2)"),
        (93, "and ends here."),
        (67, "HAVE ADOPTED THIS REGULATION:"),
        (67, "Article 1"),
        (67, "This Regulation applies."),
    ]
    doc = make_boxed_document(lines, "eu.pdf", tops={4: 100.0 + 12.0 * 3 + 0.8, 5: 148.0})
    provs = by_id(segment_document(doc))
    assert provs["rec_1"].text == "First recital that ends here."
    assert provs["rec_2"].text == "Second recital starts and ends here."
