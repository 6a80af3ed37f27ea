"""US state bills of our own making, printed as PDFs in the styles of three legislatures.

- ``colorado_scan``: a Colorado enrolled act as a scan with an OCR text layer
  (invisible words laid over a page image, baselines a little uneven, OCR debris,
  the enrolled bill's page head "PAGE n-SENATE BILL 31-077", new law in CAPITALS,
  the note on capitals on the first page and a signature page after the last section);
- ``california_chaptered``: a California chaptered bill ("SEC. 2.", statute section
  "22757.12." with subdivisions (a), paragraphs (1), subparagraphs (A), clauses (i));
- ``texas_enrolled``: a Texas enrolled bill ("S.B. No. 2468", "Sec. 551.001. DEFINITIONS.",
  subdivisions (1), paragraphs (A)) ending in the presiding officers' certificate.

The bills are fictional; their drafting follows the printed acts of each state.
"""

from __future__ import annotations

import random
from pathlib import Path

COLORADO_PAGES = [
    [
        "SENATE BILL 31-077",
        "",
        "BY SENATOR(S) Example and Sample, Other;",
        "also REPRESENTATIVE(S) Person and Someone.",
        "",
        "AN ACT",
        "CONCERNING THE TESTING OF SEGMENTERS FOR STATE BILLS.",
        "",
        "Be it enacted by the General Assembly of the State of Colorado:",
        "",
        "SECTION 1. In Colorado Revised Statutes, add part 19 to article 1 of",
        "title 6 as follows:",
        "",
        "PART 19",
        "SEGMENTER TESTING",
        "",
        "6-1-1901. Definitions. AS USED IN THIS PART 19, UNLESS THE CONTEXT",
        "OTHERWISE REQUIRES:",
        "",
        '(1) "SEGMENTER" MEANS A PROGRAM THAT SPLITS AN ACT INTO ITS',
        "PROVISIONS.",
        "",
        '(2) (a) "TEST DOCUMENT" MEANS A DOCUMENT MADE FOR A TEST.',
        "",
        '(b) "TEST DOCUMENT" DOES NOT INCLUDE:',
        "",
        "(I) A DOCUMENT PUBLISHED BY A LEGISLATURE; OR",
        "",
        "(II) A DOCUMENT THAT IS:",
        "",
        "(A) PRINTED ON PAPER; OR",
        "",
        "(B) SCANNED WITH AN OCR TEXT LAYER.",
        "",
        ")))))",
        "Capital letters or bold & italic numbers indicate new material added to existing law; dashes through",
        "words or numbers indicate deletions from existing law and such material is not part of the act.",
    ],
    [
        "PAGE 2-SENATE BILL 31-077",
        "",
        "6-1-1902. Duties of developers - open-source",
        "segmenters. (1) A DEVELOPER OF A SEGMENTER SHALL MAKE AVAILABLE TO",
        "EACH USER, AS DESCRIBED IN SUBSECTION",
        "(2) OF THIS SECTION:",
        "",
        "(a) A STATEMENT OF THE PROVISIONS IT FINDS; AND",
        "",
        "(b) THE CITATIONS IT GIVES.",
        "",
        "(2) THIS SECTION DOES NOT APPLY TO A SEGMENTER RELEASED UNDER A FREE",
        "AND OPEN-SOURCE LICENSE.",
        "",
        "~ ' ., ·",
        "",
        "SECTION 2. Safety clause. The general assembly finds, determines, and",
        "declares that this act is necessary for the immediate preservation of the",
        "public peace, health, or safety.",
    ],
    [
        "PAGE 3-SENATE BILL 31-077",
        "",
        "____________________________ ____________________________",
        "Ann Example Bob Sample",
        "PRESIDENT OF SPEAKER OF THE HOUSE",
        "THE SENATE OF REPRESENTATIVES",
        "",
        "APPROVED________________________________________",
        "(Date and Time)",
        "",
        "_________________________________________",
        "Carla Person",
        "GOVERNOR OF THE STATE OF COLORADO",
    ],
]

CALIFORNIA_PAGES = [
    [
        "Senate Bill No. 977",
        "",
        "CHAPTER 412",
        "",
        "An act to add Chapter 25.2 (commencing with Section 22757.10) to Division 8",
        "of the Business and Professions Code, relating to segmenters.",
        "",
        "The people of the State of California do enact as follows:",
        "",
        "SECTION 1. The Legislature finds and declares that segmenters should",
        "split acts into the provisions lawyers cite.",
        "",
        "SEC. 2. Chapter 25.2 (commencing with Section 22757.10) is added to",
        "Division 8 of the Business and Professions Code, to read:",
        "",
        "CHAPTER 25.2. Segmenters",
        "",
        "22757.10. For purposes of this chapter:",
        '(a) "Developer" means a person that makes a segmenter available.',
        '(b) "Segmenter" means a program that splits an act into its provisions.',
        "22757.12. (a) A developer shall publish all of the following:",
        "(1) The provisions its segmenter finds.",
        "(2) The citations it gives, including both of the following:",
        "(A) The citation of each section.",
        "(B) The citation of each subdivision, except for either of the following:",
        "(i) A subdivision repealed before publication.",
        "(ii) A subdivision held invalid.",
    ],
    [
        "(b) This section does not apply to a segmenter released under an",
        "open-source license.",
        "SEC. 3. No reimbursement is required by this act pursuant to Section 6 of",
        "Article XIII B of the California Constitution.",
    ],
]

TEXAS_PAGES = [
    [
        "S.B. No. 2468",
        "",
        "AN ACT",
        "relating to the testing of segmenters.",
        "BE IT ENACTED BY THE LEGISLATURE OF THE STATE OF TEXAS:",
        "SECTION 1. Subtitle C, Title 11, Business & Commerce Code, is",
        "amended by adding Chapter 551 to read as follows:",
        "CHAPTER 551. SEGMENTERS",
        "Sec. 551.001. DEFINITIONS. In this chapter:",
        '(1) "Segmenter" means a program that splits an act into',
        "its provisions.",
        '(2) "Provision" means:',
        "(A) a section; or",
        "(B) a subdivision of a section.",
        "Sec. 551.002. APPLICABILITY. (a) This chapter applies to a",
        "developer doing business in this state.",
        "(b) This chapter does not apply to a segmenter released under an",
        "open-source license.",
        "SECTION 2. This Act takes effect September 1, 2031.",
    ],
    [
        "______________________________ ______________________________",
        "President of the Senate Speaker of the House",
        "I hereby certify that S.B. No. 2468 passed the Senate on",
        "April 1, 2031, by the following vote: Yeas 31, Nays 0.",
    ],
]


def write_pdf(path: Path, pages: list[list[str]], *, ocr: bool = False, seed: int = 7) -> Path:
    """Print ``pages`` (lines; "" is a blank line) to ``path``.

    ``ocr``: lay the words as an OCR engine does over a scan: a grey page image,
    the text invisible, each word placed on its own with a slightly uneven baseline.
    """
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen.canvas import Canvas

    rnd = random.Random(seed)
    canvas = Canvas(str(path), pagesize=letter)
    width, height = letter
    for lines in pages:
        if ocr:
            canvas.setFillGray(0.93)
            canvas.rect(0, 0, width, height, fill=1, stroke=0)
            canvas.setFillGray(0.0)
        y = height - 72
        for line in lines:
            if not line:
                y -= 8
                continue
            if ocr:
                x = 72.0 + rnd.uniform(-0.6, 0.6)
                for word in line.split():
                    text = canvas.beginText()
                    text.setTextRenderMode(3)  # invisible, as an OCR layer over the image
                    text.setFont("Times-Roman", 11)
                    text.setTextOrigin(x, y + rnd.uniform(-0.7, 0.7))
                    text.textOut(word)
                    canvas.drawText(text)
                    x += canvas.stringWidth(word, "Times-Roman", 11) + rnd.uniform(2.6, 3.6)
            else:
                canvas.setFont("Times-Roman", 11)
                canvas.drawString(72, y, line)
            y -= 14
        canvas.showPage()
    canvas.save()
    return path


# A New York bill as printed for the legislature: line numbers down the margin, "§ 2."
# for the bill's sections as for the statute's, subdivisions numbered "1." and lettered "(a)".
NEW_YORK = """\
                           STATE OF NEW YORK
                                  5640
                      2031-2032 Regular Sessions
                               IN SENATE

AN ACT to amend the general business law, in relation to segmenters

  The People of the State of New York, represented in Senate and  Assem-
bly, do enact as follows:

 1    Section 1. The general business law is amended by adding a new article
 2  45 to read as follows:
 3                                ARTICLE 45
 4                                SEGMENTERS
 5    § 1550. Definitions. As used in this article:
 6    1. "Segmenter" means a program that splits an act into its provisions.
 7    2. "Developer" means a person that makes a segmenter available.
 8    § 1551. Duties of developers. 1. A developer shall publish:
 9    (a) the provisions its segmenter finds; and
10    (b) the citations it gives.
11    2. This section does not apply to a segmenter released under an open-
12  source license.
13    § 2. This act shall take effect on the ninetieth day after it shall have
14  become a law.
"""
