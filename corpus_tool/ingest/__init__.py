"""Ingest documents into clean, page-mapped text (issue 2).

``extract_document(path)`` turns one PDF, .txt or .md file into a
:class:`~corpus_tool.model.Document`; ``ingest(ws, paths)`` runs the whole
pipeline (extract -> segment -> tag -> store -> index) over files and folders;
``rebuild(ws)`` redoes segmentation and tagging from the extraction cache.
The text conventions the segmenter relies on are described in
:mod:`corpus_tool.ingest.pdf`.
"""

from __future__ import annotations

from corpus_tool.ingest.check import CheckResult
from corpus_tool.ingest.document import ExtractionTimeout, extract_document, file_sha256
from corpus_tool.ingest.pipeline import (
    EXTRACTOR_VERSION,
    FileResult,
    IngestReport,
    ingest,
    rebuild,
)

__all__ = [
    "EXTRACTOR_VERSION",
    "CheckResult",
    "ExtractionTimeout",
    "FileResult",
    "IngestReport",
    "extract_document",
    "file_sha256",
    "ingest",
    "rebuild",
]
