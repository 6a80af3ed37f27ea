"""Titles of licences and text files come from their own title line (issue 11, item 7)."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus_tool.ingest import extract_document
from tests._text_helpers import shared_path


@pytest.mark.shared
def test_markdown_policy_title_without_its_bold_marks() -> None:
    doc = extract_document(shared_path("llama-3.2-acceptable-use-policy.md"))
    assert doc.meta.title == "Llama 3.2 Acceptable Use Policy"


@pytest.mark.shared
@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("llama-3.3-community-license.txt", "LLAMA 3.3 COMMUNITY LICENSE AGREEMENT"),
        ("mit-license-deepseek-v3.txt", "MIT License"),
        ("apache-2.0.txt", "Apache License"),
    ],
)
def test_licence_titles_from_their_first_title_line(name: str, title: str) -> None:
    assert extract_document(shared_path(name)).meta.title == title


def test_openrail_licence_title_skips_the_copyright_line_and_the_date(tmp_path: Path) -> None:
    # The OpenRAIL-M licence as distributed opens with its copyright line; its title
    # is the line after it, followed by a date line.
    path = tmp_path / "LICENSE.txt"
    path.write_text(
        "Copyright (c) 2022 Robin Rombach and Patrick Esser and contributors\n\n"
        "CreativeML Open RAIL-M\ndated August 22, 2022\n\n"
        "Section I: PREAMBLE\n\nMultimodal generative models are being widely adopted.\n"
    )
    assert extract_document(path).meta.title == "CreativeML Open RAIL-M"


def test_markdown_heading_link_and_last_updated_line(tmp_path: Path) -> None:
    path = tmp_path / "policy.md"
    path.write_text(
        "_Last updated: May 1, 2024_\n\n# [Model *Acceptable* Use Policy](https://example.org)\n\n"
        "You agree not to use the model to violate the law.\n"
    )
    assert extract_document(path).meta.title == "Model Acceptable Use Policy"
