"""Printed pages and pinpoint citations: formats as data, checked on real provisions."""

from __future__ import annotations

import dataclasses

import pytest

from corpus_tool.model import DocumentMeta, Provision
from corpus_tool.pinpoint import pin_page, pinpoint, printed_pages
from tests._text_helpers import real_doc, real_provision, real_provisions


def meta(
    family: str, citation: str = "", publication: str = "", pages: int = 10, title: str = "T"
) -> DocumentMeta:
    return DocumentMeta(
        file="x.pdf",
        doc_id="x",
        sha256="0",
        title=title,
        family=family,
        jurisdiction="",
        date="",
        citation=citation,
        eli="",
        pages=pages,
        publication=publication,
    )


def provision(citation: str, pages: tuple[int, int] = (2, 2)) -> Provision:
    return Provision("x.pdf", "x", "id", citation, "article", None, "", (), pages, 0, 1, "t", 0)


def test_official_journal_style_from_publication_and_printed_label() -> None:
    m = meta("eu-regulation", "Regulation (EU) 2016/679", "OJ L 119, 4.5.2016")
    p = provision("Article 6(1)")
    assert pinpoint(m, p, ("L 119/35", "L 119/36")) == (
        "Regulation (EU) 2016/679, Art. 6(1), OJ L 119, 4.5.2016, p. 36"
    )
    assert printed_pages(dataclasses.replace(p, pages=(1, 2)), ("L 119/35", "L 119/36")) == [
        "L 119/35",
        "L 119/36",
    ]


def test_without_publication_or_labels_falls_back_to_what_is_known() -> None:
    m = meta("eu-regulation", "Regulation (EU) 2016/679")
    assert pinpoint(m, provision("Recital 4")) == "Regulation (EU) 2016/679, recital 4"
    # No printed label: the PDF page stands in for it.
    assert printed_pages(provision("Recital 4", (3, 4)), ("", "", "", "")) == ["3", "4"]


def test_bluebook_executive_order() -> None:
    m = meta("us-executive-order", "Executive Order 14110", "88 FR 75191, November 1, 2023")
    labels = tuple(str(75191 + i) for i in range(20))
    assert pinpoint(m, provision("Sec. 4.6", (13, 13)), labels) == (
        "Exec. Order No. 14110, § 4.6, 88 Fed. Reg. 75191, 75203 (Nov. 1, 2023)"
    )


def test_state_bill_and_licence_and_text_files_have_no_page() -> None:
    bill = meta("us-state-bill", "Senate Bill 24-205")
    assert pinpoint(bill, provision("§ 6-1-1702(1)", (5, 5)), ("", "", "", "", "5")) == (
        "S.B. 24-205, § 6-1-1702(1), p. 5"
    )
    licence = meta("licence", title="Apache License", pages=0)
    assert pinpoint(licence, provision("Section 4(d)", (1, 1))) == "Apache License, Section 4(d)"
    assert pinpoint(licence, provision("Apache License ¶1", (1, 1))) == "Apache License, ¶1"


def test_state_bill_statute_section_cited_in_the_code_it_amends() -> None:
    bill = meta("us-state-bill", "Senate Bill 24-205", "Colo. Rev. Stat.")
    labels = ("", "", "", "", "5")
    assert pinpoint(bill, provision("§ 6-1-1702(1)(a)", (5, 5)), labels) == (
        "Colo. Rev. Stat. § 6-1-1702(1)(a) (as enacted by S.B. 24-205, p. 5)"
    )
    # A section of the bill itself is cited in the bill.
    assert pinpoint(bill, provision("Section 2", (5, 5)), labels) == "S.B. 24-205, § 2, p. 5"


def test_state_bill_code_read_from_the_text() -> None:
    from corpus_tool.ingest.metadata import detect_metadata

    text = "SENATE BILL 24-205\nAN ACT\nSECTION 1. In Colorado Revised Statutes, add part 17"
    m = detect_metadata(text, text)
    assert (m.family, m.citation, m.publication) == (
        "us-state-bill",
        "Senate Bill 24-205",
        "Colo. Rev. Stat.",
    )


def test_pin_page_of_labels() -> None:
    assert [pin_page(x) for x in ("L 119/36", "75203", "85", "iv")] == ["36", "75203", "85", "iv"]


# --- the real documents ---------------------------------------------------------------

REAL = [
    (
        "eu-gdpr-2016-679.pdf",
        "Article 6(1)",
        ["L 119/36"],
        "Regulation (EU) 2016/679, Art. 6(1), OJ L 119, 4.5.2016, p. 36",
    ),
    (
        "eu-ai-act-2024-1689.pdf",
        "Article 53(2)",
        ["85"],
        "Regulation (EU) 2024/1689, Art. 53(2), OJ L, 12.7.2024, p. 85",
    ),
    (
        "us-eo-14110-fr-2023-24283.pdf",
        "Sec. 4.6",
        ["75203"],
        "Exec. Order No. 14110, § 4.6, 88 Fed. Reg. 75191, 75203 (Nov. 1, 2023)",
    ),
    (
        "us-eo-14179-fr-2025-02172.pdf",
        "Sec. 4(a)",
        ["8741"],
        "Exec. Order No. 14179, § 4(a), 90 Fed. Reg. 8741, 8741 (Jan. 31, 2025)",
    ),
    (
        "us-copyright-office-ai-noi-fr-2023-18624.pdf",
        "Question 6",
        ["59946"],
        "Artificial Intelligence and Copyright, 88 Fed. Reg. 59942, 59946 (Aug. 30, 2023) (Question 6)",
    ),
    (
        "eu-data-governance-act-2022-868.pdf",
        "Article 6(1)",
        ["L 152/24"],
        "Regulation (EU) 2022/868, Art. 6(1), OJ L 152, 3.6.2022, p. 24",
    ),
    (
        "eu-digital-services-act-2022-2065.pdf",
        "Article 6(1)",
        ["L 277/45"],
        "Regulation (EU) 2022/2065, Art. 6(1), OJ L 277, 27.10.2022, p. 45",
    ),
    (
        "eu-infosoc-directive-2001-29.pdf",
        "Article 6(1)",
        ["L 167/17"],
        "Directive 2001/29/EC, Art. 6(1), OJ L 167, 22.6.2001, p. 17",
    ),
]


@pytest.mark.shared
@pytest.mark.parametrize(
    ("name", "citation", "printed", "expected"), REAL, ids=[r[0] for r in REAL]
)
def test_printed_pages_and_pinpoint_of_real_provisions(
    name: str, citation: str, printed: list[str], expected: str
) -> None:
    doc = real_doc(name)
    p = real_provision(name, citation)
    assert printed_pages(p, doc.page_labels) == printed
    assert pinpoint(doc.meta, p, doc.page_labels) == expected


@pytest.mark.shared
@pytest.mark.parametrize(
    ("name", "first", "last"),
    [
        ("us-eo-14179-fr-2025-02172.pdf", 8741, 8742),
        ("us-copyright-office-ai-noi-fr-2023-18624.pdf", 59942, 59949),
    ],
)
def test_federal_register_documents_cite_federal_register_pages(
    name: str, first: int, last: int
) -> None:
    doc = real_doc(name)
    assert doc.page_labels == tuple(str(n) for n in range(first, last + 1))
    for p in real_provisions(name):
        for label in printed_pages(p, doc.page_labels):
            assert first <= int(label) <= last, (p.citation, label)


@pytest.mark.shared
def test_proposal_state_bill_and_guidance_cite_their_printed_pages() -> None:
    # A Commission proposal numbers its pages from the explanatory memorandum ("EN 1 EN").
    com = real_doc("eu-com-2022-496-ai-liability-directive-proposal.pdf")
    assert com.page_labels[:3] == ("", "1", "2")
    p = next(q for q in real_provisions(com.meta.file) if q.pages[0] == 4 and q.searchable)
    assert pinpoint(com.meta, p, com.page_labels) == f"COM(2022) 496 final, {p.citation}, p. 3"
    # Colorado's session laws number pages through the volume.
    bill = real_doc("us-co-sb26-189-session-law-ch131-2026.pdf")
    assert bill.meta.citation == "Senate Bill 26-189"
    assert bill.page_labels[0] == "569" and bill.page_labels[-1] == str(569 + len(bill.pages) - 1)
    q = next(q for q in real_provisions(bill.meta.file) if q.pages[0] == 3 and q.searchable)
    # cited by its code section, "… (as enacted by S.B. 26-189, p. 571)"
    assert ", p. 571)" in pinpoint(bill.meta, q, bill.page_labels)
    # NIST's framework: roman front matter unread, arabic body from PDF page 6.
    nist = real_doc("us-nist-ai-100-1-ai-rmf-1.0.pdf")
    assert nist.page_labels[5:8] == ("1", "2", "3")


# --- the JSON interfaces ----------------------------------------------------------------


def test_provisions_and_search_json_add_printed_pages_and_pinpoint(
    tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json
    import shutil
    from pathlib import Path

    from corpus_tool.cli import main

    sample = Path(__file__).resolve().parent.parent / "corpus" / "sample"
    shutil.copytree(sample, tmp_path / "ws" / "corpus")
    ws = str(tmp_path / "ws")
    assert main(["--workspace", ws, "ingest", "--quiet", "--jobs", "1"]) == 0
    capsys.readouterr()
    assert main(["--workspace", ws, "provisions", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rows and all(isinstance(r["printed_pages"], list) and r["pinpoint"] for r in rows)
    # The fields are added: the existing ones are all still there.
    assert {"citation", "pages", "text", "tags"} <= set(rows[0])
    for r in rows:
        first, last = r["pages"]
        assert len(r["printed_pages"]) == last - first + 1
        assert r["citation"].split()[-1] in r["pinpoint"] or r["citation"] in r["pinpoint"]
    order = next(
        r for r in rows if r["doc_id"] == "sample-executive-order-99001" and r["id"] == "sec_1"
    )
    assert order["pinpoint"].startswith("Exec. Order No. 99001, § 1")
    assert main(["--workspace", ws, "search", "licence", "--json"]) == 0
    hits = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert hits and all(h["pinpoint"] and h["printed_pages"] for h in hits)
