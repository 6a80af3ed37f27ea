"""Exports read each document's extraction once, however many fields need it.

The page labels of a selection (printed pages, pinpoints) and the span
locations of the JSON exports each loaded the extraction cache — text and a
box per character — so a JSON Lines or W3C export of a long act read and
decompressed it twice.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from corpus_tool.export import FORMATS, export
from corpus_tool.workspace import Workspace


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_export_reads_each_extraction_once(
    fmt: str, sample_ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: Counter[str] = Counter()
    load = Workspace.load_extraction

    def counting(self: Workspace, sha256: str):  # type: ignore[no-untyped-def]
        reads[sha256] += 1
        return load(self, sha256)

    monkeypatch.setattr(Workspace, "load_extraction", counting)
    export(sample_ws, fmt, tmp_path / f"out.{fmt}", everything=True)
    assert reads, "the export read no extraction: the sample has PDFs, so it must"
    assert max(reads.values()) == 1, dict(reads)
