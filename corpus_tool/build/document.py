"""One document's build: file -> Document (or the extraction cache) -> provisions -> tags -> bundle.

:func:`build_document` is the only code path for a document's work, whether it
runs in a worker process or in the calling process. It stores what it makes
(extraction cache, removed lines, bundle) itself and returns only a small
:class:`Outcome`, so no Document or bundle ever travels through a pipe.
"""

from __future__ import annotations

import ctypes
import dataclasses
import functools
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from corpus_tool.build.journal import crash_point
from corpus_tool.errors import CorpusToolError
from corpus_tool.ingest.check import CheckResult
from corpus_tool.ingest.limits import StreamTooLarge
from corpus_tool.ingest.pdf import NoTextLayer
from corpus_tool.ingest.pipeline import (
    EXTRACTOR_VERSION,
    extract_file,
    relocate,
    save_removed,
)
from corpus_tool.model import Document, PackedProvisions
from corpus_tool.segment import SEGMENTER_VERSION, segment_document
from corpus_tool.tagging import TAGGER_VERSION, tag_provisions
from corpus_tool.workspace import DocBundle, Workspace

# Set in a worker process that runs under an address-space cap, for the message
# of a document that needs more.
memory_limit_mb: int | None = None


def versions() -> dict[str, str]:
    """The versions a stored bundle depends on: a change of any one rebuilds it."""
    return {
        "segmenter": str(SEGMENTER_VERSION),
        "tagger": str(TAGGER_VERSION),
        "extractor": EXTRACTOR_VERSION,
    }


@dataclass(frozen=True)
class Task:
    """One file to build (plain data: it goes to a worker as it is)."""

    path: str
    doc_id: str
    sha256: str
    from_cache: bool = False  # the extraction cache holds this content
    recorded_check: dict[str, Any] | None = None  # the check made when it was extracted
    timeout: float | None = None  # seconds for the extraction


@dataclass
class Outcome:
    """What building one file gave: small, whatever the document's size."""

    status: str  # ingested | failed | warning
    message: str = ""
    pages: int = 0
    seconds: float = 0.0
    check: dict[str, Any] | None = None
    extraction_cached: bool = False  # the extraction is in the cache (even if a later step failed)
    warnings: tuple[str, ...] = field(default_factory=tuple)
    clean: bool = True  # False: the build was cut short (worker died), it may have stored part
    # The stored bundle itself, only when built in the caller's process with
    # ``keep``: the caller resolves and indexes it without reading it back (a
    # second copy of a large document). Never set in a worker: it stays small.
    bundle: DocBundle | None = field(default=None, repr=False, compare=False)

    @property
    def check_result(self) -> CheckResult | None:
        return CheckResult.from_dict(self.check) if self.check else None


def make_bundle(doc: Document) -> DocBundle:
    """Segment and tag one Document."""
    return tagged(segmented(doc))


def segmented(doc: Document) -> DocBundle:
    """One Document's provisions, not yet tagged: everything a bundle needs of the Document.

    Tagging reads only the provisions, so a caller that drops the Document
    here frees its text (and the boxes' temporary files) before the tagger's
    model and its parsed texts take their memory.
    """
    return DocBundle(
        meta=doc.meta,
        provisions=tuple(segment_document(doc)),
        tags=(),
        footnote_count=len(doc.footnotes),
        warnings=doc.warnings,
    )


def packed(bundle: DocBundle) -> DocBundle:
    """``bundle`` with its provisions' long texts held compressed until it is dropped.

    Tagging, storing, resolving and indexing read them one at a time
    (:class:`~corpus_tool.model.PackedProvisions`), so a long document's texts
    are not all held whole while the tagger's model and the index writer take
    their memory (issue 15). What is stored and indexed is the same.
    """
    return dataclasses.replace(bundle, provisions=PackedProvisions(bundle.provisions))


def tagged(bundle: DocBundle) -> DocBundle:
    """``bundle`` with the tags of its provisions."""
    tags = tag_provisions(bundle.provisions, family=bundle.meta.family)
    return dataclasses.replace(bundle, tags=tuple(tags))


def build_document(root: str, task: Task, *, keep: bool = False) -> Outcome:
    """Build one file into its stored bundle; every bad input becomes an Outcome, never a raise.

    ``keep``: the Outcome also carries the bundle as stored (in-process builds only).
    """
    keep_large_blocks_apart()
    ws = Workspace(root)
    path = Path(task.path)
    started = time.perf_counter()
    doc: Document | None = None
    check = task.recorded_check
    cached = False
    removed: list[str] = []
    extracted = None
    if task.from_cache:
        doc = ws.load_extraction(task.sha256)
        cached = doc is not None
        if doc is not None:
            doc = relocate(doc, path, task.doc_id)
    if doc is None:
        try:
            extracted = extract_file(path, task.sha256, timeout=task.timeout)
        except NoTextLayer as exc:
            return Outcome("warning", str(exc))
        except MemoryError:
            return Outcome("failed", _out_of_memory(path))
        except Exception as exc:  # a bug in the reader must not stop the other files
            cap = _stream_cap(exc)
            if cap is not None:
                return Outcome("failed", f"{path}: refused: {cap}")
            if isinstance(exc, CorpusToolError):
                return Outcome("failed", str(exc))
            return Outcome("failed", f"{path}: {type(exc).__name__}: {exc}")
        doc, removed = extracted.document, extracted.removed
        check = extracted.check.to_dict() if extracted.check else None
    try:
        if not cached:
            ws.save_extraction(doc)
            save_removed(ws, task.sha256, removed)
            cached = True
            crash_point("extraction")
        bundle = segmented(doc)
        del doc, extracted  # not needed to tag: freed before the tagger runs
        bundle = packed(bundle)
        bundle = tagged(bundle)
        give_back_freed_memory()
        ws.save_bundle(bundle)
        crash_point("bundle")
    except CorpusToolError as exc:
        return Outcome("failed", str(exc), extraction_cached=cached)
    except MemoryError:
        return Outcome("failed", _out_of_memory(path), extraction_cached=cached)
    except Exception as exc:  # a bug in a later stage must not stop the other files
        return Outcome(
            "failed",
            f"{path}: processing failed ({type(exc).__name__}: {exc})",
            extraction_cached=cached,
        )
    return Outcome(
        "ingested",
        "; ".join(bundle.warnings),
        bundle.meta.pages,
        time.perf_counter() - started,
        check,
        cached,
        tuple(bundle.warnings),
        bundle=bundle if keep else None,
    )


def give_back_freed_memory() -> None:
    """Return the heap memory freed so far to the system (glibc only; elsewhere nothing).

    The tagger's parsed texts of a long document are freed when it ends, but the
    C library keeps their memory for the process; what comes next (storing,
    the index writer) would otherwise grow the peak from that high-water mark
    instead of reusing it (issue 15: about 10 MiB at 1,000 pages).
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


# glibc's mallopt parameter for the size from which a block gets its own mapping.
_M_MMAP_THRESHOLD = -3
LARGE_BLOCK = 128 * 1024


@functools.cache
def keep_large_blocks_apart() -> bool:
    """Give every block of 128 KiB or more its own mapping, returned when freed (glibc only).

    By default glibc raises that size each time a mapped block is freed (up to
    32 MiB), so after extraction frees its large buffers the tagger's token
    arrays of a long provision (about 14 MiB for a 266,000-character text) come
    from the shared heap instead, where whether they fit in freed space or grow
    it depends on the heap's layout: the peak of a 1,000-page ingest was
    185-186 or 192-193 MiB from one run to the next (issue 15). A fixed size
    keeps such arrays out of the heap: 183 MiB in every run. Set once a process,
    unless the user chose the threshold (``MALLOC_MMAP_THRESHOLD_`` or
    ``glibc.malloc.mmap_threshold`` in ``GLIBC_TUNABLES``).
    """
    chosen = "MALLOC_MMAP_THRESHOLD_" in os.environ or "glibc.malloc.mmap_threshold" in (
        os.environ.get("GLIBC_TUNABLES", "")
    )
    if chosen:
        return False
    mallopt = _libc_function("mallopt")
    return mallopt is not None and bool(mallopt(_M_MMAP_THRESHOLD, LARGE_BLOCK))


def _libc_function(name: str) -> Callable[..., int] | None:
    try:
        return cast("Callable[..., int]", getattr(ctypes.CDLL(None), name))
    except (OSError, AttributeError):  # not glibc
        return None


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    return _libc_function("malloc_trim")


def _out_of_memory(path: Path) -> str:
    if memory_limit_mb is None:
        return f"{path}: refused: not enough memory to read it"
    return (
        f"{path}: refused: it needs more than the memory limit of {memory_limit_mb} MiB "
        "(raise it with --memory-limit)"
    )


def _stream_cap(exc: BaseException) -> StreamTooLarge | None:
    """The StreamTooLarge behind ``exc``, however the PDF readers wrapped it."""
    seen: set[int] = set()
    todo: list[object] = [exc]
    while todo:
        item = todo.pop()
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, StreamTooLarge):
            return item
        todo.extend([item.__cause__, item.__context__, *item.args])
    return None
