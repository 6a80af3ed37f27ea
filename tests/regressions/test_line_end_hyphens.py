"""Line-end hyphens on the real documents where each reported case occurs (issue 11, item 3).

One test per case. Each looks at the clean text with whitespace collapsed, as
a lawyer reads it and as search sees it.
"""

from __future__ import annotations

import re
from array import array
from collections import Counter

import pytest

from corpus_tool.ingest.layout import Line
from corpus_tool.ingest.pdf import TextBuilder, _append_lines, join_decision
from tests._text_helpers import real_doc

EO_14110 = "us-eo-14110-fr-2023-24283.pdf"
NIST = "us-nist-ai-100-1-ai-rmf-1.0.pdf"
GDPR = "eu-gdpr-2016-679.pdf"
# A word, then a space, then a punctuation mark that closes a clause.
SPACE_BEFORE_PUNCTUATION = re.compile(r"[^\W\d_] [,.;:](?=\s|$)")


def flat(name: str) -> str:
    return " ".join(real_doc(name).text.split())


pytestmark = pytest.mark.shared


def test_eo_14110_employment_joined() -> None:
    text = flat(EO_14110)
    assert "employ-ment" not in text
    assert "employment" in text


def test_eo_14110_no_space_before_punctuation_after_a_joined_break() -> None:
    text = flat(EO_14110)
    assert "benefits , other" not in text and "potential risks, benefits, other" in text
    assert SPACE_BEFORE_PUNCTUATION.findall(text) == []


def test_eo_14110_self_restoration_keeps_its_hyphen_and_programmatic_does_not_get_one() -> None:
    text = flat(EO_14110)
    assert "self-restoration." in text and "selfrestoration" not in text
    assert "programmatic uses" in text and "pro-grammatic" not in text


def test_gdpr_decision_making_then_full_stop() -> None:
    text = flat(GDPR)
    assert "decision-making . It" not in text
    assert "decision-making. It" in text


def test_nist_highlights_joined() -> None:
    text = flat(NIST)
    assert "high-lights" not in text and "highlights" in text


def test_nist_formalized_joined() -> None:
    text = flat(NIST)
    assert "formal-ized" not in text and "formalized" in text


def test_nist_transferring_joined() -> None:
    text = flat(NIST)
    assert "transfer-ring" not in text and "transferring" in text


def test_nist_example_joined_across_a_page_break() -> None:
    text = flat(NIST)
    assert "exam- ple" not in text and "for example, how a human operator" in text


def test_nist_govern_in_capitals_joined() -> None:
    text = flat(NIST)
    assert "GOV- ERN" not in text and "described in the GOVERN function" in text


def test_nist_demographically_joined() -> None:
    text = flat(NIST)
    assert "demo-graphically" not in text and "interdisciplinarity and demographically" in text


def test_nist_no_space_before_punctuation() -> None:
    assert SPACE_BEFORE_PUNCTUATION.findall(flat(NIST)) == []


# --- a compound broken after its second hyphen (no such break in the shared corpus) ---------


def _line(text: str, top: float) -> Line:
    n = len(text)
    xs = array("f", (float(i) for i in range(n)))
    return Line(
        text,
        xs,
        array("f", [top] * n),
        array("f", (x + 1 for x in xs)),
        array("f", [top + 10] * n),
        10.0,
    )


def test_business_to_business_keeps_both_hyphens_when_the_document_writes_it_so() -> None:
    vocab = Counter({"business-to-business": 2, "business": 5})
    assert join_decision("to", "business", False, vocab, "business-") == "-"
    out = TextBuilder()
    lines = [_line("in a business-to-", 0), _line("business context, and", 12)]
    _append_lines(out, [(1, ln) for ln in lines], vocab)
    assert out.text() == "in a business-to-business\ncontext, and"


def test_a_joined_word_takes_its_punctuation_with_it() -> None:
    out = TextBuilder()
    lines = [_line("potential risks, bene-", 0), _line("fits, other implications", 12)]
    _append_lines(out, [(1, ln) for ln in lines], Counter({"benefits": 1}))
    assert out.text() == "potential risks, benefits,\nother implications"
