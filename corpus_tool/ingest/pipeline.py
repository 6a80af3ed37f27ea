"""Files to Documents: which files a run reads, one file's extraction and check, ingest records.

This module knows nothing of segmentation, tagging or the index: the build
(:mod:`corpus_tool.build`) calls :func:`extract_file` for each file and does the
rest. What it keeps on disk beside the derived data is the ingest state
(``state.json``: which file content each document was built from, with which
versions, and its check result) and, per file content, the lines the cleaner
removed (running heads and feet, which ``check`` needs).
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from corpus_tool.ingest.check import CheckResult, compare_document
from corpus_tool.ingest.document import PDF_SUFFIXES, TEXT_SUFFIXES, extract_with_details
from corpus_tool.model import Document
from corpus_tool.workspace import Workspace, atomic_write_bytes, doc_id_for

# Bumped whenever the cleaning changes what text comes out, so cached
# extractions are made again.
EXTRACTOR_VERSION = "3"
# Files in a corpus folder that describe the folder rather than belong to it.
FOLDER_NOTES = {"readme.md", "readme.txt", "sources.md", "changelog.md", "license.md", "notice.txt"}


@dataclass
class FileResult:
    """What happened to one input file."""

    file: str
    doc_id: str
    status: str  # ingested | unchanged | failed | warning
    message: str = ""
    pages: int = 0
    seconds: float = 0.0
    check: CheckResult | None = None


@dataclass
class IngestReport:
    results: list[FileResult] = field(default_factory=list)

    @property
    def failed(self) -> list[FileResult]:
        return [r for r in self.results if r.status == "failed"]

    @property
    def warnings(self) -> list[FileResult]:
        return [r for r in self.results if r.status == "warning"]


# --- state kept beside the derived data ----------------------------------------


def state_path(ws: Workspace) -> Path:
    return ws.derived_dir / "ingest" / "state.json"


def removed_path(ws: Workspace, sha256: str) -> Path:
    return ws.derived_dir / "ingest" / "removed" / f"{sha256}.v{EXTRACTOR_VERSION}.json"


def load_state(ws: Workspace) -> dict[str, Any]:
    try:
        data = json.loads(state_path(ws).read_text("utf-8"))
    except (OSError, ValueError):
        return {"docs": {}, "extractions": {}}
    if not isinstance(data, dict):
        return {"docs": {}, "extractions": {}}
    data.setdefault("docs", {})
    data.setdefault("extractions", {})
    return data


def save_state(ws: Workspace, state: dict[str, Any]) -> None:
    atomic_write_bytes(state_path(ws), json.dumps(state, indent=1, sort_keys=True).encode("utf-8"))


def save_removed(ws: Workspace, sha256: str, removed: list[str]) -> None:
    atomic_write_bytes(removed_path(ws, sha256), json.dumps(removed).encode("utf-8"))


def load_removed(ws: Workspace, sha: str) -> list[str]:
    try:
        return list(json.loads(removed_path(ws, sha).read_text("utf-8")))
    except (OSError, ValueError, TypeError):
        return []


# --- inputs ----------------------------------------------------------------------


def collect_files(
    ws: Workspace, paths: Sequence[str | Path] | None, skipped: list[FileResult] | None = None
) -> tuple[list[Path], list[Path]]:
    """Files to ingest, and the folders that were scanned (for noticing deletions).

    A symlink found in a scanned folder that leads outside it (a received
    ``corpus/`` holding a link to ``/etc/passwd``) is not read: it goes to
    ``skipped`` as a warning. Named explicitly, a link is read like any file.
    """
    targets = [Path(p) for p in paths] if paths else [ws.corpus_dir]
    files: list[Path] = []
    folders: list[Path] = []
    suffixes = PDF_SUFFIXES | set(TEXT_SUFFIXES)
    for target in targets:
        target = target.expanduser()
        if target.is_dir():
            root = target.resolve()
            folders.append(root)
            for f in sorted(target.rglob("*")):
                rel = f.relative_to(target)
                if any(part.startswith(".") for part in rel.parts):
                    continue
                # Also files under a linked folder: rglob walks into those.
                if not f.resolve().is_relative_to(root):
                    if skipped is not None and f.suffix.lower() in suffixes and not f.is_dir():
                        skipped.append(
                            FileResult(
                                f.name,
                                doc_id_for(f),
                                "warning",
                                f"{f}: skipped, a symbolic link to {f.resolve()}, outside "
                                f"{target}; name it explicitly to ingest it",
                            )
                        )
                    continue
                if (
                    f.is_file()
                    and f.suffix.lower() in suffixes
                    and f.name.lower() not in FOLDER_NOTES
                ):
                    files.append(f)
        else:
            files.append(target)  # a missing or odd file is reported by extraction
    seen: set[Path] = set()
    unique = []
    for f in files:
        key = f.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(f)
    return unique, folders


def is_under(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder)
    except ValueError:
        return False
    return True


# --- one file -----------------------------------------------------------------------


@dataclass
class Extracted:
    """One file's Document, the lines the cleaner removed, and the independent check."""

    document: Document
    removed: list[str]
    check: CheckResult | None
    seconds: float


def extract_file(
    path: Path, sha256: str | None = None, *, timeout: float | None = None
) -> Extracted:
    """Extract one file and compare it with an independent reader (InputError for bad input).

    ``sha256``, when the caller has already hashed the file, saves hashing it again.
    """
    started = time.perf_counter()
    doc, ext = extract_with_details(path, timeout=timeout, sha256=sha256)
    removed = ext.removed if ext is not None else []
    check = compare_document(path, doc, removed) if ext is not None else None
    return Extracted(doc, removed, check, time.perf_counter() - started)


def relocate(doc: Document, path: Path, doc_id: str) -> Document:
    """A cached extraction reused for a file of the same content under another name."""
    if doc.meta.file == path.name and doc.meta.source == str(path.resolve()):
        return doc
    meta = replace(doc.meta, file=path.name, doc_id=doc_id, source=str(path.resolve()))
    return replace(doc, meta=meta)
