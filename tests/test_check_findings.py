"""`check` detectors, each first proven on text we damage on purpose (issue 11, item 8).

A clean report must mean clean text, not a muted check: every detector is
shown to fire on a seeded error in a real extraction of our sample regulation
and to stay silent on the undamaged text.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from corpus_tool.ingest.check import FINDING_KINDS, find_differences, reference_pages
from corpus_tool.ingest.document import extract_with_details
from corpus_tool.model import Document
from tests._text_helpers import damaged

REGULATION = (
    Path(__file__).resolve().parent.parent / "corpus" / "sample" / "sample-regulation-2031-77.pdf"
)


@pytest.fixture(scope="module")
def sample() -> tuple[Document, list[str]]:
    doc, _ = extract_with_details(REGULATION)
    return doc, reference_pages(REGULATION)


def kinds(doc: Document, ref: list[str]) -> list[str]:
    return [f.kind for f in find_differences(doc, ref)]


def test_undamaged_text_has_no_finding(sample) -> None:
    doc, ref = sample
    assert find_differences(doc, ref) == []


@pytest.mark.parametrize(
    ("old", "new", "kind"),
    [
        ("communities of volunteers", "commu nities of volunteers", "split-word"),
        ("freely across the internal", "freelyacross the internal", "glued-word"),
        ("documentation duties as", "documen-tation duties as", "hyphen-kept"),
        ("open-source", "opensource", "hyphen-dropped"),
        (
            "Member States should be able",
            "Member States should be able ,",
            "space-before-punctuation",
        ),
        ("study, change", "study , change", "space-before-punctuation"),
    ],
)
def test_each_seeded_error_is_found_with_page_and_snippet(
    sample, old: str, new: str, kind: str
) -> None:
    doc, ref = sample
    if old not in doc.text:
        pytest.fail(f"the sample no longer contains {old!r}; pick another place to damage")
    findings = find_differences(damaged(doc, old, new), ref)
    assert [f.kind for f in findings] == [kind]
    at = doc.text.index(old)
    assert findings[0].page == doc.page_at(at)
    assert new.split()[0].rstrip(",") in findings[0].snippet


def test_a_run_of_words_out_of_reading_order_is_found(sample) -> None:
    doc, ref = sample
    run = "Uniform rules are needed so that those components\ncirculate freely across the internal market."
    assert run in doc.text
    moved = doc.text.replace(run, "", 1)
    target = "HAVE ADOPTED THIS REGULATION:"
    moved = moved.replace(target, run + "\n" + target, 1)
    found = [
        f
        for f in find_differences(dataclasses.replace(doc, text=moved), ref)
        if f.kind == "reading-order"
    ]
    assert len(found) == 1 and "Uniform rules are needed" in found[0].snippet


def test_the_kinds_are_the_documented_ones() -> None:
    assert set(FINDING_KINDS) == {
        "split-word",
        "glued-word",
        "hyphen-kept",
        "hyphen-dropped",
        "space-before-punctuation",
        "reading-order",
    }
