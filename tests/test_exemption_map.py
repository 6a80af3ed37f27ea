"""The exemption map: field by field on provisions of our own, through a person's review
and labels, in every output format and on the AI Act itself."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corpus_tool.cli import main
from corpus_tool.model import DocumentMeta
from corpus_tool.tagging import tag_provisions
from corpus_tool.tagging.exemption_formats import FORMATS, register_format, to_html
from corpus_tool.tagging.exemption_map import HumanLabel, build_exemption_map, rule_family
from corpus_tool.workspace import DocBundle, Workspace
from tests._tagging_helpers import provision, ref

EXEMPT = (
    "The obligations set out in paragraph 1, points (a) and (b), shall not apply to developers "
    "of AI models that are released under a free and open-source licence that allows anyone to "
    "use, study, modify and distribute the model, and whose weights are made publicly available. "
    "This exemption shall not apply to models that present systemic risks."
)
WHOLE = (
    "This Directive does not apply to software components released under an open-source "
    "licence, unless they are monetised."
)
LIMIT = "The exemption referred to in paragraph 2 shall not apply where the model is sold."
RECITAL = (
    "Developers of AI models released under a free and open-source licence whose weights are "
    "made publicly available should benefit from an exemption from certain obligations."
)


def _meta(doc_id: str = "test-act") -> DocumentMeta:
    return DocumentMeta(
        file=f"{doc_id}.pdf",
        doc_id=doc_id,
        sha256="1" * 64,
        title="Test act",
        family="eu-regulation",
        jurisdiction="EU",
        date="",
        citation="",
        eli="",
        pages=3,
    )


def _provisions() -> tuple:
    point = "Providers shall draw up technical documentation."
    return (
        provision(RECITAL, "rec_7", kind="recital", citation="Recital 7", order=1),
        provision("", "art_9", kind="article", searchable=False, citation="Article 9", order=2),
        provision(
            f"Providers shall: (a) {point} (b) keep records.",
            "art_9__para_1",
            parent="art_9",
            citation="Article 9(1)",
            order=3,
        ),
        provision(
            point,
            "art_9__para_1__point_a",
            kind="point",
            parent="art_9__para_1",
            searchable=False,
            citation="Article 9(1)(a)",
            order=4,
        ),
        provision(
            "keep records.",
            "art_9__para_1__point_b",
            kind="point",
            parent="art_9__para_1",
            searchable=False,
            citation="Article 9(1)(b)",
            order=5,
        ),
        provision(
            EXEMPT,
            "art_9__para_2",
            parent="art_9",
            citation="Article 9(2)",
            order=6,
            refs=(
                ref(EXEMPT, "paragraph 1, points (a) and (b)", "art_9__para_1__point_a"),
                ref(EXEMPT, "paragraph 1, points (a) and (b)", "art_9__para_1__point_b"),
            ),
        ),
        provision(
            LIMIT,
            "art_9__para_3",
            parent="art_9",
            citation="Article 9(3)",
            order=7,
            refs=(ref(LIMIT, "paragraph 2", "art_9__para_2"),),
        ),
        provision(WHOLE, "art_10", kind="article", citation="Article 10", order=8),
    )


def _bundle() -> DocBundle:
    ps = _provisions()
    return DocBundle(_meta(), ps, tuple(tag_provisions(ps)))


def _texts(values: list) -> list[str]:
    return [v.text for v in values]


def test_a_record_field_by_field() -> None:
    records = {r.provision_id: r for r in build_exemption_map([_bundle()])}
    # the limit is folded into the exemption it limits, not a row of its own
    assert set(records) == {"rec_7", "art_9__para_2", "art_10"}
    r = records["art_9__para_2"]
    assert _texts(r.beneficiary) == ["developers of AI models"]
    assert _texts(r.subject) == ["AI models"]
    assert [(x.id, x.citation, x.text) for x in r.exempted_from] == [
        ("art_9__para_1__point_a", "Article 9(1)(a)", "paragraph 1, points (a) and (b)"),
        ("art_9__para_1__point_b", "Article 9(1)(b)", "paragraph 1, points (a) and (b)"),
    ]
    kinds = {v.kind: v.text for v in r.conditions}
    assert kinds["open-source"] == "free and open-source licence"
    assert "use, study, modify and distribute" in kinds["licence-freedoms"]
    assert kinds["public-release"].endswith("made publicly available")
    carve = [(v.text, v.kind, v.provision_id) for v in r.carve_backs]
    assert carve[0] == (
        "This exemption shall not apply to models that present systemic risks",
        "systemic-risk",
        "art_9__para_2",
    )
    # stated in another provision: that provision is named
    assert carve[1][2] == "art_9__para_3" and "shall not apply" in carve[1][0]
    assert [x.id for x in r.related] == ["rec_7"]
    # every span value is the provision's own words at its offsets
    for v in [*r.beneficiary, *r.subject, *r.conditions, *r.carve_backs]:
        text = {p.id: p.text for p in _provisions()}[v.provision_id]
        assert text[v.start : v.end] == v.text
    assert r.family == "object:not-apply" == rule_family(r.source)


def test_the_whole_act_and_fields_left_empty() -> None:
    r = {r.provision_id: r for r in build_exemption_map([_bundle()])}["art_10"]
    assert [(x.id, x.citation, x.why) for x in r.exempted_from] == [
        (None, "This Directive", "whole act")
    ]
    assert r.beneficiary == []  # no actor is named: nothing is guessed
    assert _texts(r.subject) == ["software components"]
    assert [(v.text, v.kind) for v in r.carve_backs] == [
        ("unless they are monetised", "monetisation")
    ]


def test_a_rejected_tag_removes_its_row_and_a_persons_labels_add_to_fields() -> None:
    b = _bundle()
    decisions = {"test-act:art_10:oss-exemption": "reject"}
    labels = [
        HumanLabel("test-act", "art_9__para_2", "carve-back", "counsel", 0, 15, "The obligations"),
        HumanLabel("test-act", "art_9__para_1", "oss-exemption", "counsel"),
        HumanLabel("test-act", "art_9__para_1", "condition", "counsel", quote="keep records"),
    ]
    records = {
        r.provision_id: r for r in build_exemption_map([b], decisions=decisions, labels=labels)
    }
    assert "art_10" not in records
    mine = [v for v in records["art_9__para_2"].carve_backs if v.by == "person"]
    assert [(v.text, v.author) for v in mine] == [("The obligations", "counsel")]
    person_row = records["art_9__para_1"]
    assert person_row.by == "person" and person_row.tag_id == ""
    assert [(v.text, v.by) for v in person_row.conditions] == [("keep records", "person")]
    # a rejected carve-back tag takes its values away
    decisions["test-act:art_9__para_2:carve-back"] = "reject"
    r = {r.provision_id: r for r in build_exemption_map([b], decisions=decisions)}["art_9__para_2"]
    assert all(v.provision_id != "art_9__para_2" for v in r.carve_backs)


def test_formats_link_each_cell_to_its_provision_and_page() -> None:
    records = build_exemption_map([_bundle()])
    html = to_html(records)
    assert html.count('<section class="provision"') == 3
    assert 'href="#test-act--art_9__para_2"' in html and "p. 1" in html
    assert "<script" not in FORMATS["html"](records).lower()
    lines = FORMATS["jsonl"](records).splitlines()
    assert [json.loads(x)["provision_id"] for x in lines] == ["rec_7", "art_9__para_2", "art_10"]
    csv = FORMATS["csv"](records)
    assert csv.splitlines()[0].startswith("doc_id,document,citation,provision_id")
    md = FORMATS["md"](records)
    assert "[Article 9(2)](#test-act--art_9__para_2)" in md


def test_html_escapes_what_it_quotes() -> None:
    text = "This Directive does not apply to <script>alert(1)</script> open-source tools & code."
    ps = (provision(text, "art_1", kind="article"),)
    html = to_html(build_exemption_map([DocBundle(_meta(), ps, tuple(tag_provisions(ps)))]))
    assert "<script>" not in html and "&lt;script&gt;" in html


# --- the command -----------------------------------------------------------------------


@pytest.fixture()
def ws(tmp_path: Path) -> Workspace:
    ws = Workspace(tmp_path / "ws")
    ws.ensure()
    ws.save_bundle(_bundle())
    return ws


def test_exemptions_json_is_one_object_per_exemption(
    ws: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["-w", str(ws.root), "exemptions", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["citation"] for r in rows] == ["Recital 7", "Article 9(2)", "Article 10"]
    keys = {
        "doc_id",
        "file",
        "provision_id",
        "citation",
        "beneficiary",
        "subject",
        "exempted_from",
        "conditions",
        "carve_backs",
        "related",
        "tag_id",
        "by",
    }
    assert keys <= set(rows[1])
    assert rows[1]["beneficiary"][0]["text"] == "developers of AI models"


def test_exemptions_table_and_files(
    ws: Workspace,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "220")
    assert main(["-w", str(ws.root), "exemptions", "--doc", "test-act"]) == 0
    out = capsys.readouterr().out
    assert "Open-source exemptions (3)" in out and "Article 9(2)" in out
    path = tmp_path / "map.html"
    assert main(["-w", str(ws.root), "exemptions", "--format", "html", "-o", str(path)]) == 0
    assert path.read_text().startswith("<!DOCTYPE html>")


def test_an_unknown_format_is_one_line(ws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-w", str(ws.root), "exemptions", "--format", "pdf"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown format 'pdf'" in err and "html" in err


def test_a_registered_binary_format_needs_an_output_file(
    ws: Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    register_format("bin-test", lambda records: b"%d" % len(records))
    try:
        assert main(["-w", str(ws.root), "exemptions", "--format", "bin-test"]) == 2
        assert "--output" in capsys.readouterr().err
        out = tmp_path / "x.bin"
        assert main(["-w", str(ws.root), "exemptions", "--format", "bin-test", "-o", str(out)]) == 0
        assert out.read_bytes() == b"3"
    finally:
        FORMATS.pop("bin-test")


def test_a_review_in_the_store_removes_the_row(
    ws: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["-w", str(ws.root), "review", "reject", "test-act:art_10:oss-exemption"]) == 0
    capsys.readouterr()
    assert (
        main(
            [
                "-w",
                str(ws.root),
                "annotate",
                "test-act",
                "art_9__para_2",
                "--label",
                "carve-back",
                "--quote",
                "systemic risks",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["-w", str(ws.root), "exemptions", "--json"]) == 0
    rows = {r["provision_id"]: r for r in map(json.loads, capsys.readouterr().out.splitlines())}
    assert "art_10" not in rows
    people = [v for v in rows["art_9__para_2"]["carve_backs"] if v["by"] == "person"]
    assert [v["text"] for v in people] == ["systemic risks"]


# --- the AI Act ---------------------------------------------------------------------------


@pytest.mark.shared
@pytest.mark.slow
def test_ai_act_exemption_map(shared_ws) -> None:
    bundle = shared_ws.find_doc("eu-ai-act-2024-1689.pdf")
    records = {r.provision_id: r for r in build_exemption_map([bundle])}

    r = records["art_53__para_2"]
    assert _texts(r.beneficiary) == ["providers of AI models"]
    assert _texts(r.subject) == ["AI models"]
    assert [(x.id, x.citation) for x in r.exempted_from] == [
        ("art_53__para_1__point_a", "Article 53(1)(a)"),
        ("art_53__para_1__point_b", "Article 53(1)(b)"),
    ]
    kinds = {v.kind: v.text for v in r.conditions}
    assert kinds["open-source"] == "free and open-source licence"
    assert (
        kinds["licence-freedoms"] == "allows for the access, usage, modification, and distribution"
    )
    assert "parameters, including the weights" in kinds["public-release"]
    assert [(v.text, v.kind) for v in r.carve_backs] == [
        (
            "This exception shall not apply to general-purpose AI models with systemic risks",
            "systemic-risk",
        ),
    ]
    assert "general-purpose AI models with systemic risks" in r.carve_backs[0].text
    assert {"rec_102", "rec_104"} <= {x.id for x in r.related}

    r = records["art_54__para_6"]
    assert _texts(r.beneficiary) == ["providers of general-purpose AI models"]
    assert _texts(r.subject) == ["general-purpose AI models"]
    assert [(x.id, x.text) for x in r.exempted_from] == [("art_54", "this Article")]
    assert {"open-source", "licence-freedoms", "public-release"} <= {v.kind for v in r.conditions}
    assert [(v.text, v.kind) for v in r.carve_backs] == [
        ("unless the general-purpose AI models present systemic risks", "systemic-risk")
    ]

    r = records["art_2__para_12"]
    assert r.beneficiary == []
    assert _texts(r.subject) == ["AI systems"]
    assert [(x.id, x.citation) for x in r.exempted_from] == [(None, "This Regulation")]
    assert [v.kind for v in r.conditions] == ["open-source"]
    (carve,) = r.carve_backs
    assert carve.text.startswith("unless they are placed on the market")
    assert carve.text.endswith("falls under Article 5 or 50")

    r = records["art_25__para_4"]
    assert _texts(r.beneficiary) == ["third parties"]
    assert _texts(r.subject) == ["tools, services, processes, or components"]
    assert [(x.id, x.text) for x in r.exempted_from] == [("art_25__para_4", "This paragraph")]
    assert "free and open-source licence" in _texts(r.conditions)
    assert ("other than general-purpose AI models", "general-purpose-model") in [
        (v.text, v.kind) for v in r.carve_backs
    ]
    # regression: "… integrated into high-risk AI systems" in the next sentence describes
    # the supply chain; it is no carve-back (only "as (part of) a high-risk …" is)
    assert all(v.kind != "high-risk" for v in r.carve_backs)


def test_exemptions_docx_reads_back_one_row_per_exemption(
    ws: Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from docx import Document

    path = tmp_path / "map.docx"
    assert main(["-w", str(ws.root), "exemptions", "--format", "docx", "-o", str(path)]) == 0
    table = Document(str(path)).tables[0]
    header = [c.text for c in table.rows[0].cells]
    assert header[:3] == ["Provision", "Who is exempt", "What"]
    rows = [[c.text for c in r.cells] for r in table.rows[1:]]
    assert [r[0].split(",")[0] for r in rows] == ["Recital 7", "Article 9(2)", "Article 10"]
    assert "developers of AI models" in rows[1][1]
    # A symlink is refused like any export target, and left as it was.
    link = tmp_path / "link.docx"
    link.symlink_to(tmp_path / "elsewhere.docx")
    assert main(["-w", str(ws.root), "exemptions", "--format", "docx", "-o", str(link)]) == 2
    assert link.is_symlink() and not (tmp_path / "elsewhere.docx").exists()


# --- the fields on the wordings of other laws (issue 12) -------------------------------


def _one(text: str):
    p = provision(text, "p_1")
    (record,) = build_exemption_map([DocBundle(_meta(), (p,), tuple(tag_provisions([p])))])
    return record


def test_a_liability_shift_names_whom_it_protects_not_who_takes_over() -> None:
    r = _one(
        "Where free and open-source software is integrated into a product, the manufacturer "
        "that integrates it, and not the developer of the open-source component, shall bear "
        "the obligations laid down in Article 13."
    )
    assert _texts(r.beneficiary) == ["developer of the open-source component"]
    r = _one("Liability for harm caused by open-source software shall rest with the person who "
             "monetises it rather than with its original developer.")  # fmt: skip
    assert _texts(r.beneficiary) == ["original developer"]
    assert _texts(r.subject) == ["open-source software"]
    # whoever takes the burden over is the sentence's subject: never the beneficiary
    r = _one(
        "Any person who modifies a free and open-source component and places it on the market "
        "shall be considered the manufacturer of that component."
    )
    assert r.beneficiary == []
    assert _texts(r.subject) == ["open-source component"]


def test_an_opening_derogation_or_the_exemptions_own_noun_is_not_the_beneficiary() -> None:
    r = _one(
        "By way of derogation from Article 16, providers of free and open-source AI components "
        "shall only be required to publish a summary of the content used for training."
    )
    assert _texts(r.beneficiary) == ["providers of free and open-source AI components"]
    r = _one(
        "The relief afforded to stewards of open-source software shall cease to apply where the "
        "steward monetises the software."
    )
    assert _texts(r.beneficiary) == ["stewards of open-source software"]
    assert [v.kind for v in r.carve_backs] == ["monetisation"]


def test_us_wording_subject_and_conditions() -> None:
    r = _one(
        "A DEVELOPER IS NOT REQUIRED TO COMPLY WITH SUBSECTION (c) WITH RESPECT TO AN "
        "OPEN-SOURCE MODEL THAT IS MADE AVAILABLE TO THE PUBLIC WITHOUT RESTRICTION."
    )
    assert _texts(r.beneficiary) == ["DEVELOPER"]
    assert _texts(r.subject) == ["OPEN-SOURCE MODEL"]
    kinds = {v.kind: v.text for v in r.conditions}
    assert kinds["public-release"] == "IS MADE AVAILABLE TO THE PUBLIC"
    assert kinds["unrestricted"] == "WITHOUT RESTRICTION"
    r = _one(
        "The term covered model does not include an artificial intelligence model whose "
        "weights are widely available to the public."
    )
    assert "public-release" in {v.kind for v in r.conditions}


def test_a_carve_back_stated_on_its_own_waives_nothing() -> None:
    r = _one(
        "Free and open-source components sold for a fee shall remain subject to this "
        "Regulation, notwithstanding the exemption in Article 4."
    )
    assert r.family == "reinclusion:reinclusion"
    assert r.exempted_from == []  # it brings open source back under the Regulation
    assert [(v.text, v.kind) for v in r.carve_backs] == [
        ("sold for a fee", "monetisation"),
        ("notwithstanding the exemption", "overrides-exemption"),
    ]


def test_regression_a_relative_clause_is_not_the_subject_and_against_starts_the_actor() -> None:
    # the thing was read from "who share their models", and the beneficiary of an
    # enforcement waiver began at "ENFORCEMENT ACTION AGAINST …"
    r = _one(
        "Developers who share their models openly on code hosting platforms need not appoint "
        "an authorised representative."
    )
    assert _texts(r.beneficiary) == ["Developers"]
    assert _texts(r.subject) == ["models"]
    r = _one(
        "THE ATTORNEY GENERAL SHALL REFRAIN FROM BRINGING AN ENFORCEMENT ACTION AGAINST THE "
        "DEVELOPER OF AN OPEN-SOURCE MODEL."
    )
    assert _texts(r.beneficiary) == ["DEVELOPER OF AN OPEN-SOURCE MODEL"]
    assert _texts(r.subject) == ["OPEN-SOURCE MODEL"]


def test_an_exemption_limited_in_its_own_sentence_is_a_row_with_its_carve_back() -> None:
    # The exemption's own phrase names open source and who benefits ("for developers
    # who …"); what it no longer reaches is the carve-back; it waives nothing itself.
    r = _one(
        "(b) Limitation.—The safe harbor under subsection (a) for developers who release model "
        "weights publicly shall not apply to a developer that offers the model for a fee."
    )
    assert r.family == "limited-exemption:exemption-limited"
    assert _texts(r.beneficiary) == ["developers"]
    assert _texts(r.subject) == ["model weights"]
    assert "to a developer that offers the model for a fee" in _texts(r.carve_backs)
    assert r.exempted_from == []


def test_regression_a_definition_exclusion_names_who_in_its_own_clause() -> None:
    # The beneficiary was read from the definition before the ";" ("'importer' means a
    # person established …"), not from the clause that excludes.
    r = _one(
        "'importer' means a person established in the Union who places a product on the "
        "market; a contributor who only shares free and open-source software shall not be "
        "regarded as an importer."
    )
    assert _texts(r.beneficiary) == ["contributor"]
    assert _texts(r.subject) == ["open-source software"]
