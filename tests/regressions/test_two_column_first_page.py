"""The first page of an act printed in two columns: title across, then columns read in turn.

Issue 11, item 4: the old Official Journal sets the title across both columns
and the citations and recitals in two columns below it; the columns were read
across each other there ("Having regard to the proposal from the Commission
(1), (5) Technological development ...") and two recitals went missing.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from corpus_tool.ingest.pdf import extract_pdf
from tests._text_helpers import real_doc
from tests.conftest import GOLD

INFOSOC = "eu-infosoc-directive-2001-29.pdf"

CITATIONS = [
    "Having regard to the Treaty establishing the European Community, and in particular "
    "Articles 47(2), 55 and 95 thereof,",
    "Having regard to the proposal from the Commission (1),",
    "Having regard to the opinion of the Economic and Social Committee (2),",
    "Acting in accordance with the procedure laid down in Article 251 of the Treaty (3),",
    "Whereas:",
]


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.shared
def test_infosoc_citations_whole_and_in_order_on_the_first_page() -> None:
    doc = real_doc(INFOSOC)
    first_page = flat(doc.text[doc.pages[0].start : doc.pages[0].end])
    at = [first_page.find(c) for c in CITATIONS]
    assert -1 not in at, [c for c, a in zip(CITATIONS, at, strict=True) if a < 0]
    assert at == sorted(at)


@pytest.mark.shared
def test_infosoc_recitals_of_the_first_page_whole_and_in_order() -> None:
    doc = real_doc(INFOSOC)
    text = flat(doc.text)
    starts = [m.start() for n in range(1, 8) for m in [re.search(rf"\({n}\) [A-Z]", text)] if m]
    assert len(starts) == 7 and starts == sorted(starts)
    # Recital 4 runs on from the foot of the left column to the top of the right one.
    assert (
        "lead in turn to growth and increased competitiveness of European industry, both in "
        "the area of content provision and information technology" in text
    )


@pytest.mark.shared
def test_infosoc_recital_texts_of_the_pending_gold_appear_whole() -> None:
    path = GOLD / "pending" / "provision-text.jsonl"
    if not path.is_file():
        pytest.skip(f"no pending gold at {path}")
    items = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    items = [i for i in items if i["doc"] == INFOSOC]
    text = flat(real_doc(INFOSOC).text)
    assert items and [i["id"] for i in items if flat(i["text"]) not in text] == []


# --- a two-column first page of our own making ----------------------------------------


def make_two_column_act(path: Path) -> tuple[list[str], list[str]]:
    """A first page in the old OJ style; returns the citations and recitals as set."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    width, height = A4
    c = Canvas(str(path), pagesize=A4)
    size, lead = 9, 11
    c.setFont("Times-Roman", 8)
    c.drawString(50, height - 40, "L 99/1 EN Official Journal of the European Communities 1.2.2001")
    c.setFont("Times-Bold", 11)
    title = [
        "DIRECTIVE 2001/99/EC OF THE EUROPEAN PARLIAMENT AND OF THE COUNCIL",
        "of 1 February 2001",
        "on common rules for the exchange of software between public administrations",
    ]
    y = height - 80
    for line in title:
        c.drawCentredString(width / 2, y, line)
        y -= 16
    citations = [
        "Having regard to the Treaty establishing the European Community, and in particular Article 95 thereof,",
        "Having regard to the proposal from the Commission,",
        "Having regard to the opinion of the Economic and Social Committee,",
        "Whereas:",
    ]
    recitals = [
        f"({n}) Recital {n} explains why public bodies share their code and keep it safe."
        for n in range(1, 19)
    ]
    # Two columns; every paragraph sits on a grid of four lines (up to three of text
    # and a blank), so blank lines of the two columns meet across the gutter, as
    # they do on a real page: a reader that cuts the page at full-width white
    # bands first reads the columns across each other.
    columns = [50, 310]
    y_top, bottom = y - 20, 80
    c.setFont("Times-Roman", size)
    rows_per_column = int((y_top - bottom) // (4 * lead))

    def words_to_lines(text: str) -> list[str]:
        lines, current = [], ""
        for word in text.split():
            if len(current) + len(word) + 1 > 44:
                lines.append(current)
                current = word
            else:
                current = f"{current} {word}".strip()
        return [*lines, current]

    for b, block in enumerate([*citations, *recitals]):
        col, row = divmod(b, rows_per_column)
        lines = words_to_lines(block)
        assert len(lines) <= 3 and col < 2
        for i, line in enumerate(lines):
            c.drawString(columns[col], y_top - (4 * row + i) * lead, line)
    c.showPage()
    c.save()
    return citations, recitals


def test_two_column_fixture_reads_title_then_each_column_top_to_bottom(tmp_path: Path) -> None:
    path = tmp_path / "two-column-act.pdf"
    citations, recitals = make_two_column_act(path)
    text = flat(extract_pdf(path).text)
    title = "DIRECTIVE 2001/99/EC OF THE EUROPEAN PARLIAMENT AND OF THE COUNCIL of 1 February 2001"
    assert 0 <= text.find(title) < text.find(citations[0])
    at = [text.find(flat(p)) for p in [*citations, *recitals]]
    assert -1 not in at, [p[:40] for p, a in zip([*citations, *recitals], at, strict=True) if a < 0]
    assert at == sorted(at)
