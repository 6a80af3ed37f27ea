"""The citation parser: spellings lawyers type, resolved on the real corpus, in show and annotate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corpus_tool.citations import (
    CitationError,
    DocumentIndex,
    ProvisionKey,
    find_in_bundle,
    parse_citation,
    parse_provision,
    resolve,
    short_names,
)
from corpus_tool.cli import main
from corpus_tool.model import DocumentMeta
from corpus_tool.workspace import Workspace
from tests._annotations_helpers import tricky_workspace

# --- the grammar, without a corpus -------------------------------------------------

PROVISION_FORMS = [
    ("Art. 53(2)", ("article", "53", ("2",))),
    ("Article 53(2)", ("article", "53", ("2",))),
    ("art 53 (2)", ("article", "53", ("2",))),
    ("ARTICLE 53(2)", ("article", "53", ("2",))),
    ("53(2)", (None, "53", ("2",))),
    ("Article 53(1)(a)", ("article", "53", ("1", "a"))),
    ("Article 53(1), point (a)", ("article", "53", ("1", "a"))),
    ("point (a) of Article 53(1)", ("article", "53", ("1", "a"))),
    ("paragraph 2 of Article 53", ("article", "53", ("2",))),
    ("Article 5(1), first subparagraph, point (a)", ("article", "5", ("1", "a"))),
    ("Recital 15", ("recital", "15", ())),
    ("rec. 15", ("recital", "15", ())),
    ("Annex XI", ("annex", "xi", ())),
    ("Annex III, point 1", ("annex", "iii", ("1",))),
    ("Sec. 4.6(a)", ("section", "4.6", ("a",))),
    ("§ 4.6", ("section", "4.6", ())),
    ("§4.6", ("section", "4.6", ())),
    ("section 4.6", ("section", "4.6", ())),
    ("subsection 4.6", ("section", "4.6", ())),
    ("Section 1(b)", ("section", "1", ("b",))),
    ("§ 6-1-1702(1)(a)", ("section", "6-1-1702", ("1", "a"))),
    ("§ 6–1–1702", ("section", "6-1-1702", ())),  # en dashes pasted from a PDF
    ("para. 12", ("paragraph", "12", ())),
    ("¶ 12", ("paragraph", "12", ())),
    ("Chapter III, Section 2", ("chapter", "iii", ("2",))),
    ("Sec. 4.1(a)(i)(A)", ("section", "4.1", ("a", "i", "a"))),
]


@pytest.mark.parametrize(("typed", "key"), PROVISION_FORMS, ids=[t for t, _ in PROVISION_FORMS])
def test_provision_forms_parse_to_one_key(typed: str, key: tuple) -> None:
    assert parse_provision(typed) == ProvisionKey(*key)


@pytest.mark.parametrize("typed", ["Article V", "X", "open source", "Article", "53(2) foo", ""])
def test_what_is_not_a_provision_citation_is_refused(typed: str) -> None:
    assert parse_provision(typed) is None


def meta(doc_id: str, title: str, citation: str = "") -> DocumentMeta:
    return DocumentMeta(
        file=f"{doc_id}.pdf",
        doc_id=doc_id,
        sha256="0" * 64,
        title=title,
        family="other",
        jurisdiction="",
        date="",
        citation=citation,
        eli="",
        pages=1,
    )


def test_short_names_come_from_the_title_not_a_list() -> None:
    assert {"Artificial Intelligence Act", "AI Act"} <= short_names(
        "REGULATION (EU) 2024/1689 … laying down harmonised rules … (Artificial Intelligence Act)"
    )
    assert "GDPR" in short_names("Regulation … (General Data Protection Regulation)")
    assert "Zebra Crossing Act" in short_names("An Act about roads (Zebra Crossing Act)")
    assert "ZC Act" in short_names("An Act about roads (Zebra Crossing Act)")  # invented: no list
    assert "Apache License" in short_names("Apache License, Version 2.0")
    assert "Apache 2.0" in short_names("Apache License, Version 2.0")
    assert "GPL" in short_names("GNU GENERAL PUBLIC LICENSE")
    # A bracketed remark is not a name.
    assert "web-ready PDF" not in short_names("A white paper (web-ready PDF)")


def test_document_part_before_or_after_and_ambiguity() -> None:
    index = DocumentIndex(
        [
            meta("act", "Regulation … (Artificial Intelligence Act)", "Regulation (EU) 2024/1689"),
            meta("eo", "Safe AI", "Executive Order 14110"),
        ]
    )
    for typed in (
        "AI Act 53(2)",
        "AI Act, Art. 53(2)",
        "Art. 53(2) AI Act",
        "Article 53(2) of the AI Act",
        "Regulation (EU) 2024/1689, Article 53(2)",
        "Regulation 2024/1689 Art 53(2)",
    ):
        cite = parse_citation(typed, index)
        assert cite.provision is not None, typed
        assert cite.provision.matches(ProvisionKey("article", "53", ("2",))), typed
        assert cite.document is not None and index.lookup(cite.document) == ["act"], typed
    assert index.lookup("eo 14110") == index.lookup("E.O. 14110") == ["eo"]
    with pytest.raises(CitationError, match="cannot read the citation"):
        parse_citation("AI Act flurb", index)


# --- the real corpus: ≥ 40 spellings across EU, US and licence documents ------------

AI = "eu-ai-act-2024-1689"
GDPR = "eu-gdpr-2016-679"
EO = "us-eo-14110-fr-2023-24283"
CORPUS_TABLE = [
    # EU regulation: articles, paragraphs, points, recitals, annexes, chapters
    ("AI Act 53(2)", AI, "art_53__para_2"),
    ("AI Act, Art. 53(2)", AI, "art_53__para_2"),
    ("Art. 53(2) AI Act", AI, "art_53__para_2"),
    ("Article 53(2) of the AI Act", AI, "art_53__para_2"),
    ("Regulation (EU) 2024/1689, Article 53(2)", AI, "art_53__para_2"),
    ("Regulation 2024/1689 art 53(2)", AI, "art_53__para_2"),
    ("2024/1689, Art. 53(2)", AI, "art_53__para_2"),
    ("Artificial Intelligence Act Article 53(2)", AI, "art_53__para_2"),
    ("AI Act Article 53", AI, "art_53"),
    ("AI Act 53(1)(a)", AI, "art_53__para_1__point_a"),
    ("point (a) of Article 53(1) of the AI Act", AI, "art_53__para_1__point_a"),
    ("AI Act Article 53(1), point (a)", AI, "art_53__para_1__point_a"),
    ("AI Act Article 2(6)", AI, "art_2__para_6"),
    ("AI Act 2(12)", AI, "art_2__para_12"),
    ("AI Act Art. 3(14)", AI, "art_3__point_14"),
    ("AI Act, Recital 15", AI, "rec_15"),
    ("AI Act rec. 102", AI, "rec_102"),
    ("recital 104 of the AI Act", AI, "rec_104"),
    ("AI Act Annex XI", AI, "anx_XI"),
    ("AI Act Chapter III, Section 2", AI, "chp_III__sec_2"),
    ("GDPR Art. 5(1)(a)", GDPR, "art_5__para_1__point_a"),
    ("GDPR Article 25", GDPR, "art_25"),
    ("General Data Protection Regulation, Article 2(2)(c)", GDPR, "art_2__para_2__point_c"),
    ("Regulation (EU) 2016/679, Recital 4", GDPR, "rec_4"),
    ("DSA Art. 3", "eu-digital-services-act-2022-2065", "art_3"),
    (
        "Digital Services Act, Article 1(2)(a)",
        "eu-digital-services-act-2022-2065",
        "art_1__para_2__point_a",
    ),
    ("DGA Article 1(1)(b)", "eu-data-governance-act-2022-868", "art_1__para_1__point_b"),
    (
        "Directive 2001/29/EC, Article 5(2)(b)",
        "eu-infosoc-directive-2001-29",
        "art_5__para_2__point_b",
    ),
    (
        "AI Liability Directive Article 1(1)(a)",
        "eu-com-2022-496-ai-liability-directive-proposal",
        "art_1__para_1__point_a",
    ),
    # US executive orders and a state statute
    ("EO 14110 Sec. 4.6(a)", EO, "sec_4__subsec_6__para_a"),
    ("EO 14110 § 4.6", EO, "sec_4__subsec_6"),
    ("E.O. 14110, section 4.6", EO, "sec_4__subsec_6"),
    ("Executive Order 14110, Sec. 2(a)", EO, "sec_2__para_a"),
    ("EO 14110 subsection 4.1", EO, "sec_4__subsec_1"),
    ("EO 14110 Sec. 4.1(a)(i)(A)", EO, "sec_4__subsec_1__para_a__subpara_i__clause_A"),
    ("EO 14110 § 3(k)(ii)", EO, "sec_3__para_k__subpara_ii"),
    ("EO 14179 Sec. 5(a)", "us-eo-14179-fr-2025-02172", "sec_5__para_a"),
    (
        "Executive Order 14179 section 6(a)(i)",
        "us-eo-14179-fr-2025-02172",
        "sec_6__para_a__subpara_i",
    ),
    # licences
    ("Llama 3.1 Section 1(b)", "llama-3.1-community-license", "sec_1__para_b"),
    ("Llama 3.1 § 1(b)(ii)", "llama-3.1-community-license", "sec_1__para_b__subpara_ii"),
    ("Apache License Section 4(b)", "apache-2.0", "sec_4__para_b"),
    ("Apache License § 4(a)", "apache-2.0", "sec_4__para_a"),
    ("GPL Section 4", "gpl-3.0", "sec_4"),
    ("gpl-3.0 Section 0", "gpl-3.0", "sec_0"),
]


@pytest.mark.parametrize(
    ("typed", "doc_id", "provision_id"), CORPUS_TABLE, ids=[t for t, _, _ in CORPUS_TABLE]
)
def test_spellings_resolve_on_the_shared_corpus(
    shared_ws: Workspace, typed: str, doc_id: str, provision_id: str
) -> None:
    found = resolve(shared_ws, typed)
    assert [(r.doc_id, r.provision_id) for r in found] == [(doc_id, provision_id)]


def test_the_table_covers_at_least_forty_spellings() -> None:
    assert len(CORPUS_TABLE) >= 40


STATUTE = "us-co-sb26-189-session-law-ch131-2026"


@pytest.mark.parametrize(
    ("typed", "provision_id", "citation"),
    [
        ("§ 6-1-1702", "sec_1__stat_6-1-1702", "§ 6-1-1702"),
        ("§ 6-1-1702(1)(a)", "sec_1__stat_6-1-1702__subsec_1__para_a", "§ 6-1-1702(1)(a)"),
        ("section 6-1-1702(2)(a)", "sec_1__stat_6-1-1702__subsec_2__para_a", "§ 6-1-1702(2)(a)"),
        ("§ 6-1-1702(3)", "sec_1__stat_6-1-1702__subsec_3", "§ 6-1-1702(3)"),
        ("6-1-1702(1)", "sec_1__stat_6-1-1702__subsec_1", "§ 6-1-1702(1)"),
        ("Section 1", "sec_1", "Section 1"),
    ],
)
def test_statute_sections_in_a_session_law(
    shared_ws: Workspace, typed: str, provision_id: str, citation: str
) -> None:
    # The state-bill family makes each statute section and subdivision a provision.
    found = resolve(shared_ws, typed, doc=STATUTE)
    assert [(f.provision_id, f.citation) for f in found] == [(provision_id, citation)]


def test_documents_by_short_name_and_citation(shared_ws: Workspace) -> None:
    for name, doc_id in [
        ("AI Act", AI),
        ("GDPR", GDPR),
        ("EO 14110", EO),
        ("Executive Order 14110", EO),
        ("Regulation (EU) 2024/1689", AI),
        ("Data Governance Act", "eu-data-governance-act-2022-868"),
        ("AI RMF", "us-nist-ai-100-1-ai-rmf-1.0"),
    ]:
        found = resolve(shared_ws, name)
        assert [(r.doc_id, r.provision_id) for r in found] == [(doc_id, None)], name


def test_a_bare_number_prefers_the_article_over_the_recital(shared_ws: Workspace) -> None:
    bundle = shared_ws.load_bundle(AI)
    assert bundle is not None
    assert find_in_bundle(bundle, "15").id == "art_15"
    assert find_in_bundle(bundle, "Recital 15").id == "rec_15"


def test_unknown_citations_are_one_line_errors(shared_ws: Workspace) -> None:
    bundle = shared_ws.load_bundle(AI)
    assert bundle is not None
    with pytest.raises(CitationError, match=r"no provision 'Article 53\(9\)'.*there is Article 53"):
        find_in_bundle(bundle, "Article 53(9)")
    with pytest.raises(CitationError, match="no document 'Regulation 1999/1'"):
        resolve(shared_ws, "Regulation 1999/1 Article 5")


def test_cli_show_takes_short_names_and_typed_citations(
    shared_ws: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    for args in (
        ["AI Act", "Art. 53(2)"],
        ["Regulation (EU) 2024/1689", "Article 53(2)"],
        ["AI Act 53(2)"],
        ["eu-ai-act-2024-1689", "art_53__para_2"],
    ):
        assert main(["-w", str(shared_ws.root), "show", *args, "--json"]) == 0, args
        record = json.loads(capsys.readouterr().out)
        assert (record["doc_id"], record["id"]) == (AI, "art_53__para_2"), args
    assert main(["-w", str(shared_ws.root), "show", "53(2)"]) == 2
    err = capsys.readouterr().err
    assert "several documents" in err and len(err.strip().splitlines()) == 1


def test_cli_annotate_takes_citations(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ws = tricky_workspace(tmp_path / "ws")
    # The helper's act "act-one" is titled "The act-one Act" with citation "Regulation (EU) act-one".
    status = main(["-w", str(ws.root), "annotate", "act-one", "Art. 3", "-l", "relevant", "--json"])
    assert status == 0
    assert json.loads(capsys.readouterr().out)["provision_id"] == "art_3"
    status = main(["-w", str(ws.root), "annotate", "act-two Article 1", "-l", "relevant", "--json"])
    assert status == 0
    created = json.loads(capsys.readouterr().out)
    assert (created["doc_id"], created["provision_id"]) == ("act-two", "art_1")
    assert main(["-w", str(ws.root), "annotate", "act-one", "Recital 9", "-l", "relevant"]) == 2
    assert "no provision 'Recital 9'" in capsys.readouterr().err


def test_provision_ids_cover_what_a_lawyer_means(shared_ws: Workspace) -> None:
    from corpus_tool.citations import provision_ids

    covered = provision_ids(shared_ws, "AI Act Article 53")
    assert (AI, "art_53") in covered and (AI, "art_53__para_1__point_a") in covered
    assert all(pid.startswith("art_53") for _, pid in covered)
    assert provision_ids(shared_ws, "AI Act Article 53", descendants=False) == {(AI, "art_53")}
    assert len(provision_ids(shared_ws, "EO 14110")) == len(
        shared_ws.load_bundle(EO).provisions  # type: ignore[union-attr]
    )
