"""The last rows of a two-column page, low in the foot margin, end their own columns.

The 2001 copyright directive's page L 167/16 ends each column with a row in
the foot margin; both were read as one line across the gutter, so Article
4(2) was interleaved with Article 5(3)(b).
"""

from __future__ import annotations

import pytest

from corpus_tool.ingest.check import find_differences, reference_pages
from tests._text_helpers import real_doc, shared_path

INFOSOC = "eu-infosoc-directive-2001-29.pdf"

pytestmark = pytest.mark.shared


def test_infosoc_article_4_2_whole_across_the_foot_rows() -> None:
    text = " ".join(real_doc(INFOSOC).text.split())
    assert (
        "2. The distribution right shall not be exhausted within the Community in respect of "
        "the original or copies of the work, except where the first sale or other transfer of "
        "ownership in the Community of that object is made by the rightholder or with his consent."
    ) in text


def test_infosoc_has_no_reading_order_finding() -> None:
    doc = real_doc(INFOSOC)
    found = [f for f in find_differences(doc, reference_pages(shared_path(INFOSOC)))]
    assert [(f.kind, f.page, f.snippet) for f in found] == []
