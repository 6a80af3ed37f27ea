"""Ingest documents into clean, page-mapped text (issue 2): stage 1 of the build.

``extract_document(path)`` turns one PDF, .txt or .md file into a
:class:`~corpus_tool.model.Document`; :mod:`corpus_tool.ingest.pipeline` picks the
files of a corpus and keeps the ingest records. Segmentation, tagging and the
index are run by :mod:`corpus_tool.build` (``ingest`` and ``rebuild`` live
there). The text conventions the segmenter relies on are described in
:mod:`corpus_tool.ingest.pdf`.
"""

from __future__ import annotations

from corpus_tool.ingest.check import CheckResult
from corpus_tool.ingest.document import ExtractionTimeout, extract_document, file_sha256
from corpus_tool.ingest.pipeline import EXTRACTOR_VERSION, FileResult, IngestReport

__all__ = [
    "EXTRACTOR_VERSION",
    "CheckResult",
    "ExtractionTimeout",
    "FileResult",
    "IngestReport",
    "extract_document",
    "file_sha256",
]
