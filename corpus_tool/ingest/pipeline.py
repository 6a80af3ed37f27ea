"""The ingest pipeline: files -> clean Documents -> provisions -> tags -> bundles -> index.

Each document's whole work (extraction, check, extraction cache, segmentation,
tagging, bundle) runs in a worker process (default: all cores), one document
per task, each under an optional time limit; only the small bundle comes back,
and the main process indexes everything in one commit at the end. Unchanged files (same SHA-256, same
segmenter, tagger and extractor versions) are not read again; a file whose
content is in the extraction cache is not parsed again. A failure in one file
never touches what was already ingested for it or for any other file.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corpus_tool.errors import CorpusToolError, InputError
from corpus_tool.ingest.check import CheckResult, compare_document
from corpus_tool.ingest.document import (
    PDF_SUFFIXES,
    TEXT_SUFFIXES,
    extract_with_details,
    file_sha256,
)
from corpus_tool.ingest.pdf import NoTextLayer
from corpus_tool.model import Document
from corpus_tool.workspace import DocBundle, Workspace, atomic_write_bytes, doc_id_for

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
    data.setdefault("docs", {})
    data.setdefault("extractions", {})
    return data  # type: ignore[no-any-return]


def save_state(ws: Workspace, state: dict[str, Any]) -> None:
    atomic_write_bytes(state_path(ws), json.dumps(state, indent=1, sort_keys=True).encode("utf-8"))


def _versions() -> dict[str, str]:
    from corpus_tool.segment import SEGMENTER_VERSION
    from corpus_tool.tagging import TAGGER_VERSION

    return {
        "segmenter": str(SEGMENTER_VERSION),
        "tagger": str(TAGGER_VERSION),
        "extractor": EXTRACTOR_VERSION,
    }


# --- inputs ----------------------------------------------------------------------


def collect_files(
    ws: Workspace, paths: Sequence[str | Path] | None
) -> tuple[list[Path], list[Path]]:
    """Files to ingest, and the folders that were scanned (for noticing deletions)."""
    targets = [Path(p) for p in paths] if paths else [ws.corpus_dir]
    files: list[Path] = []
    folders: list[Path] = []
    suffixes = PDF_SUFFIXES | set(TEXT_SUFFIXES)
    for target in targets:
        target = target.expanduser()
        if target.is_dir():
            folders.append(target.resolve())
            for f in sorted(target.rglob("*")):
                rel = f.relative_to(target)
                if any(part.startswith(".") for part in rel.parts):
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


# --- worker side -------------------------------------------------------------------


@dataclass
class Extracted:
    document: Document
    removed: list[str]
    check: CheckResult | None
    seconds: float


@dataclass
class Failure:
    """A bad input, carried back from a worker as plain data (InputError does not pickle)."""

    kind: str  # "failed" | "warning"
    message: str
    cached: bool = False  # the extraction was stored before a later stage failed


@dataclass
class Ingested:
    """A worker's finished document: its bundle is stored, its extraction cached.

    Only the bundle travels back to the main process, not the Document with its
    per-character boxes, so the main process never holds a whole extraction.
    """

    bundle: DocBundle
    check: CheckResult | None
    seconds: float


def _extract_task(path: str, timeout: float | None) -> Extracted | Failure:
    """Run in a worker process: extract one file and compare it with an independent reader."""
    try:
        return _extract(path, timeout)
    except NoTextLayer as exc:
        return Failure("warning", str(exc))
    except InputError as exc:
        return Failure("failed", str(exc))


def _ingest_task(root: str, path: str, sha: str, timeout: float | None) -> Ingested | Failure:
    """Run in a worker process: extract, cache, segment, tag and store one file.

    Segmentation and tagging run here rather than in the main process so that
    every worker does a whole document's work and the main process is never the
    bottleneck while workers wait.
    """
    ws = Workspace(root)
    extracted = _extract_task(path, timeout)
    if isinstance(extracted, Failure):
        return extracted
    doc = extracted.document
    cached = False
    try:
        ws.save_extraction(doc)
        atomic_write_bytes(removed_path(ws, sha), json.dumps(extracted.removed).encode("utf-8"))
        cached = True
        bundle = _process(ws, doc)
        ws.save_bundle(bundle)
    except CorpusToolError as exc:
        return Failure("failed", str(exc), cached)
    except Exception as exc:  # a bug in a later stage must not stop the other files
        return Failure("failed", f"{path}: processing failed ({type(exc).__name__}: {exc})", cached)
    return Ingested(bundle, extracted.check, extracted.seconds)


def _extract(path: str, timeout: float | None) -> Extracted:
    started = time.perf_counter()
    doc, ext = extract_with_details(Path(path), timeout=timeout)
    removed = ext.removed if ext is not None else []
    check = compare_document(Path(path), doc, removed) if ext is not None else None
    return Extracted(doc, removed, check, time.perf_counter() - started)


# --- the pipeline --------------------------------------------------------------------


def _process(ws: Workspace, doc: Document) -> DocBundle:
    from corpus_tool.segment import segment_document
    from corpus_tool.tagging import tag_provisions

    provisions = segment_document(doc)
    tags = tag_provisions(provisions)
    return DocBundle(
        meta=doc.meta,
        provisions=tuple(provisions),
        tags=tuple(tags),
        footnote_count=len(doc.footnotes),
        warnings=doc.warnings,
    )


def ingest(
    ws: Workspace,
    paths: Sequence[str | Path] | None = None,
    *,
    jobs: int | None = None,
    timeout: float | None = None,
    force: bool = False,
    show_progress: bool = False,
) -> IngestReport:
    """Ingest files and folders into the workspace (see the module docstring)."""
    ws.ensure()
    files, folders = collect_files(ws, paths)
    state = load_state(ws)
    versions = _versions()
    report = IngestReport()
    todo: list[tuple[Path, str, str]] = []  # (path, doc_id, sha256)
    from_cache: list[tuple[Path, str, str]] = []
    claimed: dict[str, Path] = {}
    for path in files:
        doc_id = doc_id_for(path)
        if doc_id in claimed:
            report.results.append(
                FileResult(
                    path.name,
                    doc_id,
                    "failed",
                    f"{path}: same document id as {claimed[doc_id]}; rename one",
                )
            )
            continue
        claimed[doc_id] = path
        try:
            if not path.is_file():
                raise InputError(str(path), "no such file")
            sha = file_sha256(path)
        except (OSError, InputError) as exc:
            msg = (
                str(exc) if isinstance(exc, InputError) else f"{path}: cannot read ({exc.strerror})"
            )
            report.results.append(FileResult(path.name, doc_id, "failed", msg))
            continue
        known = state["docs"].get(doc_id, {})
        same = (
            known.get("sha256") == sha
            and all(known.get(k) == v for k, v in versions.items())
            and ws.bundle_path(doc_id).exists()
        )
        if same and not force:
            report.results.append(
                FileResult(path.name, doc_id, "unchanged", pages=int(known.get("pages", 0)))
            )
            continue
        if (
            not force
            and state["extractions"].get(sha) == EXTRACTOR_VERSION
            and ws.has_extraction(sha)
        ):
            from_cache.append((path, doc_id, sha))
        else:
            todo.append((path, doc_id, sha))

    changed: list[DocBundle] = []

    def record(
        path: Path,
        doc_id: str,
        sha: str,
        bundle: DocBundle,
        check: CheckResult | None,
        seconds: float,
    ) -> None:
        changed.append(bundle)
        state["docs"][doc_id] = {
            "sha256": sha,
            "file": path.name,
            "source": str(path.resolve()),
            "pages": bundle.meta.pages,
            "check": check.to_dict() if check else None,
            **versions,
        }
        report.results.append(
            FileResult(
                path.name,
                doc_id,
                "ingested",
                "; ".join(bundle.warnings),
                bundle.meta.pages,
                seconds,
                check,
            )
        )

    def finish(
        path: Path,
        doc_id: str,
        sha: str,
        extracted: Extracted | Ingested | Failure | None,
        error: Exception | None,
    ) -> None:
        if isinstance(extracted, Failure):
            if extracted.cached:
                state["extractions"][sha] = EXTRACTOR_VERSION
            report.results.append(FileResult(path.name, doc_id, extracted.kind, extracted.message))
            return
        if isinstance(extracted, Ingested):
            state["extractions"][sha] = EXTRACTOR_VERSION
            record(path, doc_id, sha, extracted.bundle, extracted.check, extracted.seconds)
            return
        if error is not None:
            status = "warning" if isinstance(error, NoTextLayer) else "failed"
            message = (
                str(error)
                if isinstance(error, CorpusToolError)
                else f"{path}: {type(error).__name__}: {error}"
            )
            report.results.append(FileResult(path.name, doc_id, status, message))
            return
        assert extracted is not None
        doc = extracted.document
        try:
            ws.save_extraction(doc)
            if extracted.removed is not None:
                atomic_write_bytes(
                    removed_path(ws, sha), json.dumps(extracted.removed).encode("utf-8")
                )
            state["extractions"][sha] = EXTRACTOR_VERSION
            bundle = _process(ws, doc)
            ws.save_bundle(bundle)
        except CorpusToolError as exc:
            report.results.append(FileResult(path.name, doc_id, "failed", str(exc)))
            return
        except Exception as exc:  # a bug in a later stage must not stop the other files
            report.results.append(
                FileResult(
                    path.name,
                    doc_id,
                    "failed",
                    f"{path}: processing failed ({type(exc).__name__}: {exc})",
                )
            )
            return
        record(path, doc_id, sha, bundle, extracted.check, extracted.seconds)

    for path, doc_id, sha in from_cache:
        cached = ws.load_extraction(sha)
        if cached is None:
            todo.append((path, doc_id, sha))
            continue
        removed = _load_removed(ws, sha)
        check = state["docs"].get(doc_id, {}).get("check")
        finish(
            path,
            doc_id,
            sha,
            Extracted(
                _relocate(cached, path, doc_id),
                removed,
                CheckResult.from_dict(check) if check else None,
                0.0,
            ),
            None,
        )

    _run_extractions(
        ws, todo, jobs=jobs, timeout=timeout, show_progress=show_progress, finish=finish
    )

    removed_ids: list[str] = []
    for doc_id, info in list(state["docs"].items()):
        source = Path(info.get("source", ""))
        if (
            any(_is_under(source, folder) for folder in folders)
            and not source.exists()
            and doc_id not in claimed
        ):
            ws.remove_bundle(doc_id)
            del state["docs"][doc_id]
            removed_ids.append(doc_id)
    save_state(ws, state)
    if changed or removed_ids:
        from corpus_tool.index import update_index

        update_index(ws, changed, removed_ids)
    order = {f.name: i for i, f in enumerate(files)}
    report.results.sort(key=lambda r: order.get(r.file, len(order)))
    return report


def _is_under(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder)
    except ValueError:
        return False
    return True


def _relocate(doc: Document, path: Path, doc_id: str) -> Document:
    """A cached extraction reused for a file of the same content under another name."""
    from dataclasses import replace

    if doc.meta.file == path.name and doc.meta.source == str(path.resolve()):
        return doc
    meta = replace(doc.meta, file=path.name, doc_id=doc_id, source=str(path.resolve()))
    return replace(doc, meta=meta)


def _load_removed(ws: Workspace, sha: str) -> list[str]:
    try:
        return list(json.loads(removed_path(ws, sha).read_text("utf-8")))
    except (OSError, ValueError):
        return []


def _page_count(path: Path) -> int:
    if path.suffix.lower() not in PDF_SUFFIXES:
        return 1
    try:
        import pypdfium2

        pdf = pypdfium2.PdfDocument(str(path))
        try:
            return len(pdf)
        finally:
            pdf.close()
    except Exception:
        return 1


def _run_extractions(
    ws: Workspace,
    todo: list[tuple[Path, str, str]],
    *,
    jobs: int | None,
    timeout: float | None,
    show_progress: bool,
    finish: Callable[
        [Path, str, str, Extracted | Ingested | Failure | None, Exception | None], None
    ],
) -> None:
    if not todo:
        return
    workers = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
    progress = _progress(todo, show_progress)
    try:
        if workers == 1:
            for path, doc_id, sha in todo:
                try:
                    result, error = _extract_task(str(path), timeout), None
                except Exception as exc:
                    result, error = None, exc
                finish(path, doc_id, sha, result, error)
                progress.advance(path)
            return
        # Largest files first, so one big document does not finish last alone.
        ordered = sorted(todo, key=lambda t: -t[0].stat().st_size if t[0].exists() else 0)
        with ProcessPoolExecutor(max_workers=workers) as pool:
            pending: dict[Future[Ingested | Failure], tuple[Path, str, str]] = {}
            for item in ordered:
                fut = pool.submit(_ingest_task, str(ws.root), str(item[0]), item[2], timeout)
                pending[fut] = item
            while pending:
                done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
                for fut in done:
                    path, doc_id, sha = pending.pop(fut)
                    outcome: Ingested | Failure | None = None
                    error = None
                    try:
                        outcome = fut.result()
                    except Exception as exc:
                        error = exc
                    finish(path, doc_id, sha, outcome, error)
                    progress.advance(path)
    finally:
        progress.close()


class _Progress:
    """A Rich progress bar over pages (no-op when not shown)."""

    def __init__(self, todo: Iterable[tuple[Path, str, str]], show: bool) -> None:
        self.pages = {path: _page_count(path) for path, _, _ in todo} if show else {}
        self.bar: Any = None
        if show:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            self.bar = Progress(
                TextColumn("[bold]ingest[/]"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("pages"),
                TextColumn("{task.fields[rate]}"),
                TimeElapsedColumn(),
                TextColumn("{task.fields[current]}"),
                transient=False,
            )
            self.bar.start()
            self.task = self.bar.add_task(
                "ingest", total=sum(self.pages.values()), rate="", current=""
            )
            self.started = time.perf_counter()
            self.done = 0

    def advance(self, path: Path) -> None:
        if self.bar is None:
            return
        self.done += self.pages.get(path, 1)
        elapsed = max(time.perf_counter() - self.started, 1e-6)
        self.bar.update(
            self.task,
            completed=self.done,
            rate=f"{self.done / elapsed:.1f} pages/s",
            current=path.name,
        )

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def _progress(todo: list[tuple[Path, str, str]], show: bool) -> _Progress:
    return _Progress(todo, show)


def rebuild(
    ws: Workspace, doc_ids: Sequence[str] | None = None, *, show_progress: bool = False
) -> list[DocBundle]:
    """Re-segment and re-tag from the extraction cache only (never reads a PDF)."""
    state = load_state(ws)
    versions = _versions()
    wanted = list(doc_ids) if doc_ids else sorted(state["docs"]) or ws.doc_ids()
    bundles: list[DocBundle] = []
    for doc_id in wanted:
        info = state["docs"].get(doc_id)
        sha = info.get("sha256") if info else None
        if sha is None:
            existing = ws.load_bundle(doc_id)
            sha = existing.meta.sha256 if existing else None
        doc = ws.load_extraction(sha) if sha else None
        if doc is None:
            raise InputError(doc_id, "no cached extraction; run 'corpus-tool ingest' first")
        bundle = _process(ws, doc)
        ws.save_bundle(bundle)
        bundles.append(bundle)
        if info is not None:
            info.update(versions)
    save_state(ws, state)
    if bundles:
        from corpus_tool.index import update_index

        update_index(ws, bundles, ())
    return bundles
