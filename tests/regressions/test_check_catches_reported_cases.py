"""`check` reports each case of issue 11 as the old extraction printed it, and not the fixed text.

"Before" is the real document's clean text with the one place put back as
the old extraction wrote it; "after" is the text as extracted now.
"""

from __future__ import annotations

import re

import pytest

from corpus_tool.ingest.check import find_differences, reference_pages
from tests._text_helpers import damaged, real_doc, shared_path

pytestmark = pytest.mark.shared

CASES = [
    # (document, the text now, the text as the old extraction wrote it, finding kind)
    ("us-eo-14110-fr-2023-24283.pdf", "employment", "employ-ment", "hyphen-kept"),
    (
        "us-eo-14110-fr-2023-24283.pdf",
        "risks, benefits, other",
        "risks, benefits\n, other",
        "space-before-punctuation",
    ),
    (
        "eu-gdpr-2016-679.pdf",
        "decision-making. It",
        "decision-making\n. It",
        "space-before-punctuation",
    ),
    ("us-nist-ai-100-1-ai-rmf-1.0.pdf", "highlights", "high-lights", "hyphen-kept"),
    ("us-nist-ai-100-1-ai-rmf-1.0.pdf", "formalized", "formal-ized", "hyphen-kept"),
    ("us-nist-ai-100-1-ai-rmf-1.0.pdf", "transferring", "transfer-ring", "hyphen-kept"),
    ("us-nist-ai-100-1-ai-rmf-1.0.pdf", "for example, how", "for exam-\n\nple, how", "split-word"),
]


@pytest.mark.parametrize(
    ("name", "now", "before", "kind"), CASES, ids=[c[2].replace("\n", "/") for c in CASES]
)
def test_reported_case_is_a_finding_before_the_fix_and_not_after(
    name: str, now: str, before: str, kind: str
) -> None:
    doc = real_doc(name)
    ref = reference_pages(shared_path(name))
    pattern = re.escape(now).replace(r"\ ", r"\s+")
    m = re.search(pattern, doc.text)
    assert m is not None, f"{now!r} not in the clean text of {name}"
    old = damaged(doc, m.group(0), before)
    found = [f for f in find_differences(old, ref) if f.kind == kind]
    assert len(found) == 1, found
    assert found[0].page == doc.page_at(m.start())
    after = [f for f in find_differences(doc, ref) if f.kind == kind and f.page == found[0].page]
    assert after == []
