"""The build layer: files -> Documents -> provisions -> tags -> references across documents -> store -> index.

``ingest(ws, paths)`` builds what changed among files and folders;
``rebuild(ws)`` redoes segmentation and tagging from the extraction cache;
``retag(ws, bundles)`` re-tags stored documents with the current rules.
Stage 1 (:mod:`corpus_tool.ingest`) only turns files into Documents; this
layer runs the stages above it and reports progress through a callback (the
command line draws it with Rich, the TUI however it likes).
"""

from __future__ import annotations

from corpus_tool.build.document import Outcome, Task, build_document, make_bundle, versions
from corpus_tool.build.run import (
    ProgressCallback,
    ProgressEvent,
    ingest,
    rebuild,
    resolve_references,
    retag,
)
from corpus_tool.build.workers import Limits
from corpus_tool.ingest.pipeline import FileResult, IngestReport

__all__ = [
    "FileResult",
    "IngestReport",
    "Limits",
    "Outcome",
    "ProgressCallback",
    "ProgressEvent",
    "Task",
    "build_document",
    "ingest",
    "make_bundle",
    "rebuild",
    "resolve_references",
    "retag",
    "versions",
]
