"""Small generated documents in the layouts of each family, for the segmenter's tests."""

from __future__ import annotations

import dataclasses

from corpus_tool.model import Box, CharBoxes, Document, DocumentMeta, PageInfo

EU_ACT = """\
REGULATION (EU) 2031/77 OF THE EUROPEAN PARLIAMENT AND OF THE COUNCIL
of 1 March 2031
on the testing of segmenters
THE EUROPEAN PARLIAMENT AND THE COUNCIL OF THE EUROPEAN UNION,
Having regard to the Treaty on the Functioning of the European Union, and in particular Article 114
thereof,
Having regard to the proposal from the European Commission,
Whereas:
(1) Segmenters should split acts into provisions. This recital refers to Article 4 of
Regulation (EU) 2016/679.
(2) Numbers at the start of a wrapped line must not open a recital, as in the line that follows
(5) which continues the second recital.
(3) Free software deserves a clear exemption.
HAVE ADOPTED THIS REGULATION:
CHAPTER I
GENERAL PROVISIONS
Article 1
Subject matter
This Regulation lays down rules on segmenters.
Article 2
Definitions
For the purposes of this Regulation, the following definitions apply:
(1) ‘segmenter’ means a program that splits a document into its provisions;
(2) ‘provision’ means a citable unit of a legal act.
CHAPTER II
OBLIGATIONS
SECTION 1
Obligations of providers of
segmenters
Article 3
Obligations of providers
1. Providers shall:
(a) keep ids stable;
(b) keep headings, including:
(i) article headings; and
(ii) annex headings;
(c) report errors.
The obligations set out in this paragraph apply from the date of application.
2. The obligations set out in paragraph 1, points (a) and (b), shall not apply to providers of
free and open-source segmenters, unless they fall under Article 1 or 2.
3. Paragraph 2 is without prejudice to Annex I and Article 4(3) of Directive (EU) 2019/790.
Article 4
Amendment to Regulation (EU) 2020/1
In Regulation (EU) 2020/1, the following Article is inserted:
‘Article 7a
Inserted heading
1. This quoted paragraph belongs to the amending article.
2. So does this one.’
Article 5
Entry into force
This Regulation shall enter into force on the twentieth day following that of its publication.
This Regulation shall be binding in its entirety and directly applicable in all Member States.
Done at Brussels, 1 March 2031.
ANNEX I
List of things
1. First item, as referred to in Article 3(1), point (a):
(a) sub-item one;
(b) sub-item two.
2. Second item.
ANNEX II
Other things
Text of the second annex.
"""

US_ORDER = """\
Executive Order 99999 of January 1, 2031
Testing Segmenters
By the authority vested in me as President by the Constitution and the laws of the United
States of America, it is hereby ordered:
Section 1. Purpose. Orders are split into sections.
Sec. 2. Policy and Principles. It is the policy of my Administration that:
(a) ids are stable; and
(b) headings are kept, as described in subsection 3.2(a) of this order.
Sec. 3. Actions. The agencies shall act.
3.1. First Subsection Heading. (a) Within 90 days the Secretary shall:
(i) report; and
(ii) publish.
(b) The report shall be public.
3.2. Second Subsection With a Long
Wrapped Heading. (a) The Secretary shall consult.
Sec. 4. General Provisions. (a) Nothing in this order shall be construed to impair section 2.
THE WHITE HOUSE,
January 1, 2031.
"""

LICENCE = """\
EXAMPLE COMMUNITY LICENSE AGREEMENT

“Agreement” means the terms and conditions set forth herein.

“Licensee” or “you” means the person accepting this Agreement.

1. License Rights.
\ta. Grant of Rights. You may use the materials.
\tb. Redistribution.
\t\ti. You shall keep this notice.
\t\tii. You shall not remove marks.

2. Additional Commercial Terms. If you have more than 700 million users you must ask.

3. Disclaimer of Warranty. THE MATERIALS ARE PROVIDED AS IS.
"""

GENERIC = """\
A Report on Things

Introduction

This report describes things. It has two paragraphs in its introduction.

The second paragraph of the introduction.

Findings

One finding only.
"""


def make_document(text: str, file: str, family: str = "other", citation: str = "") -> Document:
    doc_id = file.rsplit(".", 1)[0]
    meta = DocumentMeta(
        file=file,
        doc_id=doc_id,
        sha256="0" * 64,
        title="",
        family=family,
        jurisdiction="",
        date="",
        citation=citation,
        eli="",
        pages=1,
        media_type="text/plain",
    )
    return Document(meta, text, (PageInfo(1, 0.0, 0.0, 0, len(text)),))


def make_boxed_document(
    lines: list[tuple[float, str]], file: str, tops: dict[int, float] | None = None
) -> Document:
    """A one-page "PDF" Document whose lines start at the given x positions (points).

    Line k sits at 100 + 12k points from the top unless ``tops`` says otherwise.
    """
    text = ""
    boxes = CharBoxes()
    for k, (x0, line) in enumerate(lines):
        top = (tops or {}).get(k, 100.0 + 12.0 * k)
        for j, _ch in enumerate(line + "\n"):
            boxes.append(Box(1, x0 + 5.0 * j, top, x0 + 5.0 * (j + 1), top + 10.0))
        text += line + "\n"
    doc = make_document(text, file)
    meta = dataclasses.replace(doc.meta, media_type="application/pdf")
    return Document(meta, text, doc.pages, boxes=boxes)
