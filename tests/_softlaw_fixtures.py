"""Soft law of our own making: Commission-style guidelines and a code of practice.

The guidelines number their paragraphs (1) … (7) through their sections and print a
cover page, a table of contents and a back page; the code of practice states
Commitments, each carried out by Measures. Both are fictional.
"""

from __future__ import annotations

GUIDELINES_PAGES = [
    [
        "EUROPEAN COMMISSION",
        "",
        "Brussels, 18.7.2031",
        "C(2031) 1234 final",
        "",
        "COMMISSION GUIDELINES",
        "on the testing of segmenters",
    ],
    [
        "Table of contents",
        "",
        "1. Introduction ........................................ 3",
        "1.1. Background ......................................... 3",
        "1.2. Scope .............................................. 3",
        "2. Open-source segmenters .............................. 4",
        "2.1. Monetisation ....................................... 4",
    ],
    [
        "1. Introduction",
        "",
        "1.1. Background",
        "",
        "(1) These guidelines explain how segmenters split legal texts into provisions so",
        "that lawyers can cite them.",
        "",
        "(2) They are not binding. Only the Court of Justice can interpret the law",
        "authoritatively.",
        "",
        "1.2. Scope",
        "",
        "(3) These guidelines apply to:",
        "",
        "(a) segmenters placed on the market; and",
        "",
        "(b) segmenters put into service for own use.",
        "",
        "They do not apply to segmenters used only for research.",
    ],
    [
        "2. Open-source segmenters",
        "",
        "(4) A segmenter released under a free and open-source licence is exempt from",
        "the documentation obligations, unless it is monetised.",
        "",
        "(5) The licence must allow access, use, modification and distribution.",
        "",
        "2.1. Monetisation",
        "",
        "(6) Monetisation covers charging a price for the segmenter itself.",
        "",
        "(7) The monetisation aspect is considered absent for transactions between",
        "microenterprises.",
    ],
    [
        "ISBN 978-92-00-00000-0",
        "doi:10.0000/000000",
    ],
]

CODE_OF_PRACTICE = """\
CODE OF PRACTICE FOR SEGMENTERS

Transparency chapter

Commitment 1 Documentation

Signatories commit to documenting their segmenters as set out in the Measures below.

Measure 1.1 Drawing up and keeping up-to-date documentation

Signatories will draw up documentation containing:

(a) the provisions the segmenter finds; and

(b) the citations it gives.

Signatories will keep the documentation up to date.

Measure 1.2 Providing relevant information

Signatories will publish contact information.

Commitment 2 Copyright policy

Signatories commit to putting in place a copyright policy.

Measure 2.1 Drawing up a copyright policy

Signatories will draw up and implement a copyright policy, except for segmenters
released under a free and open-source licence.
"""
