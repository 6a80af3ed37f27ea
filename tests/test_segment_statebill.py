"""US state bills: bill sections, the statute sections they add or amend, their subsections.

Fixtures of our own making in three states' print styles (tests/_statebill_fixtures.py,
one of them a scan with an OCR text layer), then the real Colorado session law.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from _segment_helpers import make_document
from _statebill_fixtures import CALIFORNIA_PAGES, COLORADO_PAGES, NEW_YORK, TEXAS_PAGES, write_pdf

from corpus_tool.ingest import extract_document
from corpus_tool.model import Document, Provision
from corpus_tool.segment import detect_family, segment_document
from corpus_tool.workspace import DocBundle, Workspace


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Document]:
    folder = tmp_path_factory.mktemp("state_bills")
    return {
        "co": extract_document(write_pdf(folder / "co.pdf", COLORADO_PAGES, ocr=True)),
        "ca": extract_document(write_pdf(folder / "ca.pdf", CALIFORNIA_PAGES)),
        "tx": extract_document(write_pdf(folder / "tx.pdf", TEXAS_PAGES)),
    }


def table(provisions: list[Provision]) -> list[tuple[str, str]]:
    return [(p.id, p.citation) for p in provisions]


def texts(provisions: list[Provision]) -> dict[str, str]:
    return {p.id: p.text for p in provisions}


def test_colorado_scan_bill_number_and_family(printed: dict[str, Document]) -> None:
    doc = printed["co"]
    assert doc.meta.family == "us-state-bill"
    assert doc.meta.citation == "Senate Bill 31-077"
    assert detect_family(doc) == "state-bill"


def test_colorado_scan_provisions_and_citations(printed: dict[str, Document]) -> None:
    provisions = segment_document(printed["co"])
    stat = "sec_1__stat_6-1-1901"
    assert table(provisions) == [
        ("preamble", "Title"),
        ("sec_1", "Section 1"),
        (stat, "§ 6-1-1901"),
        (f"{stat}__subsec_1", "§ 6-1-1901(1)"),
        (f"{stat}__subsec_2", "§ 6-1-1901(2)"),
        (f"{stat}__subsec_2__para_a", "§ 6-1-1901(2)(a)"),
        (f"{stat}__subsec_2__para_b", "§ 6-1-1901(2)(b)"),
        (f"{stat}__subsec_2__para_b__subpara_i", "§ 6-1-1901(2)(b)(I)"),
        (f"{stat}__subsec_2__para_b__subpara_ii", "§ 6-1-1901(2)(b)(II)"),
        (f"{stat}__subsec_2__para_b__subpara_ii__item_a", "§ 6-1-1901(2)(b)(II)(A)"),
        (f"{stat}__subsec_2__para_b__subpara_ii__item_b", "§ 6-1-1901(2)(b)(II)(B)"),
        ("sec_1__stat_6-1-1902", "§ 6-1-1902"),
        ("sec_1__stat_6-1-1902__subsec_1", "§ 6-1-1902(1)"),
        ("sec_1__stat_6-1-1902__subsec_1__para_a", "§ 6-1-1902(1)(a)"),
        ("sec_1__stat_6-1-1902__subsec_1__para_b", "§ 6-1-1902(1)(b)"),
        ("sec_1__stat_6-1-1902__subsec_2", "§ 6-1-1902(2)"),
        ("sec_2", "Section 2"),
    ]
    by = {p.id: p for p in provisions}
    assert by[stat].heading == "Definitions"
    assert by["sec_1__stat_6-1-1902"].heading == "Duties of developers - open-source segmenters"
    assert by["sec_2"].heading == "Safety clause"
    assert by[stat].path == ("Section 1", "§ 6-1-1901")
    item = by[f"{stat}__subsec_2__para_b__subpara_ii__item_b"]
    assert item.path == ("Section 1", "§ 6-1-1901", "(2)", "(b)", "(II)", "(B)")
    assert item.parent == f"{stat}__subsec_2__para_b__subpara_ii"


def test_colorado_scan_text_capitals_noise_and_signatures(printed: dict[str, Document]) -> None:
    provisions = segment_document(printed["co"])
    t = texts(provisions)
    stat = "sec_1__stat_6-1-1901"
    # New law in CAPITALS is kept as printed; a lead-in is its provision's own text.
    assert t[stat] == "AS USED IN THIS PART 19, UNLESS THE CONTEXT OTHERWISE REQUIRES:"
    assert t[f"{stat}__subsec_2__para_b__subpara_ii__item_b"] == "SCANNED WITH AN OCR TEXT LAYER."
    # A cross-reference wrapped onto a line of its own is text, not subsection (2).
    assert t["sec_1__stat_6-1-1902__subsec_1"] == (
        "A DEVELOPER OF A SEGMENTER SHALL MAKE AVAILABLE TO EACH USER, "
        "AS DESCRIBED IN SUBSECTION (2) OF THIS SECTION:"
    )
    assert t["sec_2"] == (
        "The general assembly finds, determines, and declares that this act is necessary "
        "for the immediate preservation of the public peace, health, or safety."
    )
    everything = " ".join(t.values())
    for noise in (")))))", "Capital letters", "deletions from existing law", "~", "PAGE 2"):
        assert noise not in everything, noise
    for signature in ("PRESIDENT", "GOVERNOR", "APPROVED", "Ann Example", "____"):
        assert signature not in everything, signature


def test_state_bill_units_do_not_overlap(printed: dict[str, Document]) -> None:
    """Every word of the act is in exactly one searchable provision."""
    for doc in printed.values():
        provisions = segment_document(doc)
        units = [p for p in provisions if p.searchable]
        words = " ".join(p.text for p in units).split()
        assert len(words) == len(set(zip(words, range(len(words)), strict=True)))
        starts = sorted((p.start, p.id) for p in units)
        assert len({s for s, _ in starts}) == len(starts)
        # a container's text is its own: no child unit's text repeats in it
        by = {p.id: p for p in provisions}
        for p in units:
            parent = by.get(p.parent or "")
            if parent is not None and parent.text and len(p.text) > 20:
                assert p.text not in parent.text, (parent.id, p.id)


def test_california_chaptered_bill(printed: dict[str, Document]) -> None:
    doc = printed["ca"]
    assert (doc.meta.family, doc.meta.citation) == ("us-state-bill", "Senate Bill 977")
    provisions = segment_document(doc)
    s12 = "sec_2__stat_22757.12"
    assert table(provisions) == [
        ("preamble", "Title"),
        ("sec_1", "Section 1"),
        ("sec_2", "Section 2"),
        ("sec_2__stat_22757.10", "§ 22757.10"),
        ("sec_2__stat_22757.10__subsec_a", "§ 22757.10(a)"),
        ("sec_2__stat_22757.10__subsec_b", "§ 22757.10(b)"),
        (s12, "§ 22757.12"),
        (f"{s12}__subsec_a", "§ 22757.12(a)"),
        (f"{s12}__subsec_a__para_1", "§ 22757.12(a)(1)"),
        (f"{s12}__subsec_a__para_2", "§ 22757.12(a)(2)"),
        (f"{s12}__subsec_a__para_2__subpara_a", "§ 22757.12(a)(2)(A)"),
        (f"{s12}__subsec_a__para_2__subpara_b", "§ 22757.12(a)(2)(B)"),
        (f"{s12}__subsec_a__para_2__subpara_b__item_i", "§ 22757.12(a)(2)(B)(i)"),
        (f"{s12}__subsec_a__para_2__subpara_b__item_ii", "§ 22757.12(a)(2)(B)(ii)"),
        (f"{s12}__subsec_b", "§ 22757.12(b)"),
        ("sec_3", "Section 3"),
    ]
    t = texts(provisions)
    assert t["sec_2__stat_22757.10"] == "For purposes of this chapter:"
    assert t[f"{s12}__subsec_b"] == (
        "This section does not apply to a segmenter released under an open-source license."
    )


def test_texas_enrolled_bill(printed: dict[str, Document]) -> None:
    doc = printed["tx"]
    assert (doc.meta.family, doc.meta.citation) == ("us-state-bill", "S.B. 2468")
    provisions = segment_document(doc)
    assert table(provisions) == [
        ("preamble", "Title"),
        ("sec_1", "Section 1"),
        ("sec_1__stat_551.001", "§ 551.001"),
        ("sec_1__stat_551.001__subsec_1", "§ 551.001(1)"),
        ("sec_1__stat_551.001__subsec_2", "§ 551.001(2)"),
        ("sec_1__stat_551.001__subsec_2__para_a", "§ 551.001(2)(A)"),
        ("sec_1__stat_551.001__subsec_2__para_b", "§ 551.001(2)(B)"),
        ("sec_1__stat_551.002", "§ 551.002"),
        ("sec_1__stat_551.002__subsec_a", "§ 551.002(a)"),
        ("sec_1__stat_551.002__subsec_b", "§ 551.002(b)"),
        ("sec_2", "Section 2"),
    ]
    by = {p.id: p for p in provisions}
    assert by["sec_1__stat_551.001"].heading == "DEFINITIONS"
    assert by["sec_1__stat_551.001"].text == "In this chapter:"
    assert by["sec_2"].text == "This Act takes effect September 1, 2031."
    assert "President of the Senate" not in " ".join(p.text for p in provisions)


def test_new_york_bill_with_margin_line_numbers() -> None:
    provisions = segment_document(make_document(NEW_YORK, "ny.txt", "us-state-bill"))
    assert table(provisions) == [
        ("preamble", "Title"),
        ("sec_1", "Section 1"),
        ("sec_1__stat_1550", "§ 1550"),
        ("sec_1__stat_1550__subsec_1", "§ 1550(1)"),
        ("sec_1__stat_1550__subsec_2", "§ 1550(2)"),
        ("sec_1__stat_1551", "§ 1551"),
        ("sec_1__stat_1551__subsec_1", "§ 1551(1)"),
        ("sec_1__stat_1551__subsec_1__para_a", "§ 1551(1)(a)"),
        ("sec_1__stat_1551__subsec_1__para_b", "§ 1551(1)(b)"),
        ("sec_1__stat_1551__subsec_2", "§ 1551(2)"),
        ("sec_2", "Section 2"),
    ]
    t = texts(provisions)
    # the margin's line numbers are not text: "… adding a new article 45 …", not "… 2 45"
    assert t["sec_1"].startswith(
        "The general business law is amended by adding a new article 45 to read as follows:"
    )
    assert t["sec_2"] == (
        "This act shall take effect on the ninetieth day after it shall have become a law."
    )
    assert {p.id: p.heading for p in provisions}["sec_1__stat_1551"] == "Duties of developers"


def test_capitals_are_searchable_in_lower_case(
    printed: dict[str, Document], tmp_path: Path
) -> None:
    from corpus_tool.index import rebuild_index, search

    doc = printed["co"]
    ws = Workspace(tmp_path / "ws")
    ws.ensure()
    ws.save_bundle(DocBundle(doc.meta, tuple(segment_document(doc)), ()))
    rebuild_index(ws)
    hits = search(ws, "scanned /s ocr", limit=None).hits
    assert [h.citation for h in hits] == ["§ 6-1-1901(2)(b)(II)(B)"]


# --- the real Colorado session law ------------------------------------------------

COLORADO = "us-co-sb26-189-session-law-ch131-2026.pdf"


@pytest.fixture(scope="module")
def colorado(shared_corpus: Path) -> list[Provision]:
    path = shared_corpus / COLORADO
    if not path.is_file():
        pytest.skip(f"{COLORADO} is not in the shared corpus")
    doc = extract_document(path)
    assert doc.meta.citation == "Senate Bill 26-189"
    return segment_document(doc)


@pytest.mark.shared
def test_colorado_act_sections_statutes_and_subsections(colorado: list[Provision]) -> None:
    by = {p.id: p for p in colorado}
    assert [p.id for p in colorado if p.kind == "section"] == [f"sec_{n}" for n in range(1, 7)]
    statutes = [p.citation for p in colorado if p.kind == "statute"]
    assert statutes == [f"§ 6-1-17{n:02d}" for n in range(1, 10)] + [
        "§ 6-1-105",
        "§ 10-3-1104.9",
    ]
    point = by["sec_1__stat_6-1-1702__subsec_1__para_a"]
    assert point.citation == "§ 6-1-1702(1)(a)"
    assert point.searchable and point.text.startswith("A GENERAL STATEMENT DESCRIBING")
    lead = by["sec_1__stat_6-1-1702__subsec_1"]
    assert lead.searchable and lead.text.endswith(
        "PROTECTED FROM DISCLOSURE BY STATE OR FEDERAL LAW:"
    )
    item = by["sec_1__stat_6-1-1701__subsec_2__para_b__subpara_i__item_i"]
    assert (item.citation, item.text) == ("§ 6-1-1701(2)(b)(I)(I)", "NETWORKING;")
    assert (
        by["sec_2__stat_6-1-105__subsec_1__para_uuuu"].text == "VIOLATES PART 17 OF THIS ARTICLE 1."
    )
    assert by["sec_3__stat_10-3-1104.9__subsec_3__para_e"].citation == "§ 10-3-1104.9(3)(e)"
    assert by["sec_5__subsec_2"].citation == "Section 5(2)"
    assert by["sec_1__stat_6-1-1704"].heading.endswith("accessibility - rules")


@pytest.mark.shared
def test_colorado_act_publisher_note_is_not_text(colorado: list[Provision]) -> None:
    """The first page's note on capitals sits inside § 6-1-1701(1)(b); it is not its text."""
    by = {p.id: p for p in colorado}
    text = by["sec_1__stat_6-1-1701__subsec_1__para_b"].text
    assert re.search(r"SELECTION FOR, COMPENSATION FOR, OR THE PROVISION", text)
    assert "Capital letters" not in " ".join(p.text for p in colorado)
    assert ")))))" not in " ".join(p.text for p in colorado)
