"""Guidance, codes of practice, standards frameworks and white papers (issue 18 item 1).

Fixtures of our own making (tests/_softlaw_fixtures.py) for guidelines numbered through
their sections and for a code of practice; the NIST AI RMF and the UK white paper from
the shared corpus.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from _segment_helpers import make_document
from _softlaw_fixtures import CODE_OF_PRACTICE, GUIDELINES_PAGES
from _statebill_fixtures import write_pdf

from corpus_tool.ingest import extract_document
from corpus_tool.model import Document, Provision
from corpus_tool.segment import segment_document
from corpus_tool.workspace import DocBundle, Workspace


@pytest.fixture(scope="module")
def guidelines(tmp_path_factory: pytest.TempPathFactory) -> Document:
    folder = tmp_path_factory.mktemp("guidelines")
    return extract_document(write_pdf(folder / "guidelines.pdf", GUIDELINES_PAGES))


def test_guidelines_paragraphs_numbered_through_sections(guidelines: Document) -> None:
    assert guidelines.meta.citation == "C(2031) 1234"
    provisions = segment_document(guidelines)
    units = [(p.id, p.citation, p.path) for p in provisions if p.searchable]
    assert units == [
        ("para_1", "para. 1", ("Section 1", "Section 1.1", "para. 1")),
        ("para_2", "para. 2", ("Section 1", "Section 1.1", "para. 2")),
        ("para_3", "para. 3", ("Section 1", "Section 1.2", "para. 3")),
        ("para_3__point_a", "para. 3(a)", ("Section 1", "Section 1.2", "para. 3", "para. 3(a)")),
        ("para_3__point_b", "para. 3(b)", ("Section 1", "Section 1.2", "para. 3", "para. 3(b)")),
        ("para_4", "para. 4", ("Section 2", "para. 4")),
        ("para_5", "para. 5", ("Section 2", "para. 5")),
        ("para_6", "para. 6", ("Section 2", "Section 2.1", "para. 6")),
        ("para_7", "para. 7", ("Section 2", "Section 2.1", "para. 7")),
    ]
    by = {p.id: p for p in provisions}
    assert by["sec_2_1"].heading == "Monetisation"
    assert by["para_3"].text == (
        "These guidelines apply to: They do not apply to segmenters used only for research."
    )
    assert by["para_7"].text == (
        "The monetisation aspect is considered absent for transactions between microenterprises."
    )


def test_guidelines_cover_contents_and_back_page_are_no_provisions(guidelines: Document) -> None:
    provisions = segment_document(guidelines)
    everything = " ".join(p.text + " " + p.heading for p in provisions)
    for printed in ("Table of contents", "....", "EUROPEAN COMMISSION", "C(2031)", "ISBN", "doi:"):
        assert printed not in everything, printed
    assert [p.id for p in provisions if p.kind == "heading"] == [
        "sec_1",
        "sec_1_1",
        "sec_1_2",
        "sec_2",
        "sec_2_1",
    ]


def test_p_stays_inside_one_numbered_paragraph(guidelines: Document, tmp_path: Path) -> None:
    from corpus_tool.index import rebuild_index, search

    ws = Workspace(tmp_path / "ws")
    ws.ensure()
    ws.save_bundle(DocBundle(guidelines.meta, tuple(segment_document(guidelines)), ()))
    rebuild_index(ws)

    def cites(query: str) -> list[str]:
        return [h.citation for h in search(ws, query, limit=None, sort="doc").hits]

    # The words meet in para. 4 only; para. 5 says "licence", paras 6 and 7 "monetisation".
    assert cites("monetis! /p licence") == ["para. 4"]
    assert cites("monetis! /p microenterprises") == ["para. 7"]
    assert cites("charging /p microenterprises") == []  # para. 6 and para. 7: two units


def test_code_of_practice_commitments_and_measures() -> None:
    provisions = segment_document(make_document(CODE_OF_PRACTICE, "code.txt"))
    units = [(p.id, p.citation, p.kind, p.path, p.heading) for p in provisions if p.searchable]
    assert units == [
        ("commitment_1", "Commitment 1", "commitment", ("Commitment 1",), "Documentation"),
        (
            "measure_1_1",
            "Measure 1.1",
            "measure",
            ("Commitment 1", "Measure 1.1"),
            "Drawing up and keeping up-to-date documentation",
        ),
        (
            "measure_1_1__point_a",
            "Measure 1.1(a)",
            "point",
            ("Commitment 1", "Measure 1.1", "Measure 1.1(a)"),
            "",
        ),
        (
            "measure_1_1__point_b",
            "Measure 1.1(b)",
            "point",
            ("Commitment 1", "Measure 1.1", "Measure 1.1(b)"),
            "",
        ),
        (
            "measure_1_2",
            "Measure 1.2",
            "measure",
            ("Commitment 1", "Measure 1.2"),
            "Providing relevant information",
        ),
        ("commitment_2", "Commitment 2", "commitment", ("Commitment 2",), "Copyright policy"),
        (
            "measure_2_1",
            "Measure 2.1",
            "measure",
            ("Commitment 2", "Measure 2.1"),
            "Drawing up a copyright policy",
        ),
    ]
    t = {p.id: p.text for p in provisions}
    assert t["commitment_1"] == (
        "Signatories commit to documenting their segmenters as set out in the Measures below."
    )
    assert t["measure_1_1"] == (
        "Signatories will draw up documentation containing: "
        "Signatories will keep the documentation up to date."
    )
    assert t["measure_1_1__point_b"] == "the citations it gives."
    assert t["measure_2_1"] == (
        "Signatories will draw up and implement a copyright policy, except for segmenters "
        "released under a free and open-source licence."
    )


# --- the shared corpus ---------------------------------------------------------------


def _segment(shared_corpus: Path, name: str) -> tuple[Document, list[Provision]]:
    path = shared_corpus / name
    if not path.is_file():
        pytest.skip(f"{name} is not in the shared corpus")
    doc = extract_document(path)
    return doc, segment_document(doc)


@pytest.fixture(scope="module")
def nist(shared_corpus: Path) -> tuple[Document, list[Provision]]:
    return _segment(shared_corpus, "us-nist-ai-100-1-ai-rmf-1.0.pdf")


@pytest.fixture(scope="module")
def white_paper(shared_corpus: Path) -> tuple[Document, list[Provision]]:
    return _segment(shared_corpus, "uk-ai-regulation-white-paper-2023.pdf")


@pytest.mark.shared
def test_nist_functions_categories_subcategories(nist: tuple[Document, list[Provision]]) -> None:
    doc, provisions = nist
    assert doc.meta.citation == "NIST AI 100-1"
    by = {p.citation: p for p in provisions}
    functions = [p.citation for p in provisions if p.kind == "function"]
    assert functions == ["GOVERN", "MAP", "MEASURE", "MANAGE"]
    per_function = {
        f: sum(1 for p in provisions if p.kind == "subcategory" and p.citation.startswith(f + " "))
        for f in functions
    }
    assert per_function == {"GOVERN": 19, "MAP": 18, "MEASURE": 22, "MANAGE": 13}
    govern_1_1 = by["GOVERN 1.1"]
    assert govern_1_1.text == (
        "Legal and regulatory requirements involving AI are understood, managed, and documented."
    )
    assert govern_1_1.searchable and govern_1_1.path[-3:] == ("GOVERN", "GOVERN 1", "GOVERN 1.1")
    assert by["GOVERN 1"].heading.startswith("Policies, processes, procedures, and practices")
    # a category statement continued on the next page of its table is whole in its heading
    assert by["GOVERN 4"].heading == (
        "Organizational teams are committed to a culture that considers and communicates AI risk."
    )
    assert by["MAP 5.2"].text.startswith("Practices and personnel for supporting regular")
    assert by["MEASURE 2.5"].text.startswith(
        "The AI system to be deployed is demonstrated to be valid and reliable. Limitations"
    )
    assert by["MANAGE 4.3"].text.startswith("Incidents and errors are communicated")
    assert by["MANAGE 4.3"].text.endswith("are followed and documented.")
    furniture = re.compile(r"Continued on next page|Table \d: Categories|^Subcategories")
    assert not [p.id for p in provisions if p.searchable and furniture.search(p.text)]


@pytest.mark.shared
def test_nist_contents_and_lists_are_no_provisions(nist: tuple[Document, list[Provision]]) -> None:
    _, provisions = nist
    headings = {p.heading for p in provisions}
    assert not {"Table of Contents", "List of Tables", "List of Figures"} & headings
    assert not [p.id for p in provisions if "Framing Risk 4" in p.text]


@pytest.mark.shared
def test_white_paper_contents_and_numbered_paragraphs(
    white_paper: tuple[Document, list[Provision]],
) -> None:
    _, provisions = white_paper
    assert not [p.id for p in provisions if "Contents" in (p.citation, p.heading)]
    assert not [p.id for p in provisions if re.search(r"Executive summary 4\b", p.text)]
    numbered = [p for p in provisions if p.citation.startswith("para. ")]
    assert [p.citation for p in numbered] == [f"para. {n}" for n in range(1, len(numbered) + 1)]
    assert len(numbered) >= 120
    by = {p.citation: p for p in numbered}
    assert by["para. 1"].text.startswith("Artificial intelligence (AI) is already delivering")
    assert by["para. 67"].text.startswith("The proposed regulatory framework is dependent")
    assert by["para. 67"].path[-2:] == ("Section 3.2.6", "para. 67")
    # the correction slip's questions "1." … "4." are not the paper's paragraphs 1 to 4
    assert not by["para. 2"].text.startswith("What other transparency measures")
