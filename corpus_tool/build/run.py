"""The build over a corpus: which files need work, each built once, references resolved, then stored and indexed.

Unchanged files (same SHA-256, same segmenter, tagger and extractor versions)
are not read again; a file whose content is in the extraction cache is not
parsed again. Each document's whole work runs in
:func:`corpus_tool.build.document.build_document`, in worker processes (default:
all cores) or in this process; the main process then resolves references
across documents and indexes everything in one commit. A failure in one file
never touches what was already built for it or for any other file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from corpus_tool.build.document import (
    Outcome,
    Task,
    build_document,
    make_bundle,
    tagged,
    versions,
)
from corpus_tool.build.journal import crash_point, load_journal, save_journal
from corpus_tool.build.workers import Limits, run_in_workers
from corpus_tool.errors import InputError
from corpus_tool.index import update_index
from corpus_tool.ingest.document import file_sha256
from corpus_tool.ingest.pipeline import (
    EXTRACTOR_VERSION,
    FileResult,
    IngestReport,
    collect_files,
    is_under,
    load_state,
    save_state,
)
from corpus_tool.model import DocumentMeta, structure_of
from corpus_tool.segment import resolve_external_refs
from corpus_tool.segment.refs import act_key
from corpus_tool.workspace import DocBundle, Workspace, doc_id_for


@dataclass(frozen=True)
class ProgressEvent:
    """Reported after each file that needed work (and once, with done = 0, before the first)."""

    done: int  # files finished
    total: int  # files that need work in this run
    pages: int  # pages of the finished files
    file: str = ""  # the file just finished
    status: str = ""


ProgressCallback = Callable[[ProgressEvent], None]


def ingest(
    ws: Workspace,
    paths: Sequence[str | Path] | None = None,
    *,
    jobs: int | None = None,
    timeout: float | None = None,
    force: bool = False,
    limits: Limits | None = None,
    progress: ProgressCallback | None = None,
    cluster: str | None = None,
) -> IngestReport:
    """Ingest files and folders into the workspace (see the module docstring).

    ``limits``: time, memory and stream budgets per document; each document then
    runs in a worker process that is killed at the deadline. Without ``limits``,
    ``timeout`` is the time budget (none by default) and workers keep the default
    memory and stream caps; with one job and no timeout the build runs in this
    process with no budget at all (a library call on trusted files).
    """
    if limits is None and timeout is not None:
        limits = Limits(timeout=timeout)
    timeout = limits.timeout if limits is not None else None
    ws.ensure()
    skipped: list[FileResult] = []  # symbolic links leading out of the folder scanned
    files, folders = collect_files(ws, paths, skipped)
    state = load_state(ws)
    state_as_read = json.dumps(state, sort_keys=True)
    dirty = load_journal(ws)
    current = versions()
    report = IngestReport()
    report.results.extend(skipped)
    tasks: list[Task] = []
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
            and all(known.get(k) == v for k, v in current.items())
            and ws.bundle_path(doc_id).exists()
            and doc_id not in dirty  # a build of it was cut short: finish it
        )
        if same and not force:
            report.results.append(
                FileResult(path.name, doc_id, "unchanged", pages=int(known.get("pages", 0)))
            )
            continue
        from_cache = (
            not force
            and state["extractions"].get(sha) == EXTRACTOR_VERSION
            and ws.has_extraction(sha)
        )
        check = known.get("check") if known.get("sha256") == sha else None
        tasks.append(Task(str(path), doc_id, sha, from_cache, check, timeout))

    removed_ids = [
        doc_id
        for doc_id, info in state["docs"].items()
        if doc_id not in claimed
        and any(is_under(Path(info.get("source", "")), folder) for folder in folders)
        and not Path(info.get("source", "")).exists()
    ]
    # Commit point 1: every document this run may touch is named before any write.
    pending = dirty | {t.doc_id for t in tasks} | set(removed_ids)
    if pending != dirty:
        save_journal(ws, pending)
        crash_point("journal")

    built: list[str] = []
    held: dict[str, DocBundle] = {}  # bundles built in this process, as stored
    refused: set[str] = set()  # failed cleanly: nothing of theirs was written

    def record(task: Task, outcome: Outcome) -> None:
        path = Path(task.path)
        if outcome.extraction_cached:
            state["extractions"][task.sha256] = EXTRACTOR_VERSION
        if outcome.status != "ingested":
            if outcome.clean:
                refused.add(task.doc_id)
            report.results.append(
                FileResult(path.name, task.doc_id, outcome.status, outcome.message)
            )
            return
        built.append(task.doc_id)
        if outcome.bundle is not None:
            held[task.doc_id] = outcome.bundle
            outcome.bundle = None  # the Outcome holds no second reference
        state["docs"][task.doc_id] = {
            "sha256": task.sha256,
            "file": path.name,
            "source": str(path.resolve()),
            "pages": outcome.pages,
            "check": outcome.check,
            **current,
        }
        report.results.append(
            FileResult(
                path.name,
                task.doc_id,
                "ingested",
                outcome.message,
                outcome.pages,
                outcome.seconds,
                outcome.check_result,
            )
        )

    _run(ws, tasks, jobs=jobs, limits=limits, record=record, progress=progress, cluster=cluster)

    for doc_id in removed_ids:
        ws.remove_bundle(doc_id)
        del state["docs"][doc_id]
    if removed_ids:
        crash_point("remove")
    changed = resolve_references(ws, built, held)
    held.clear()
    if changed:
        crash_point("resolve")
    # Documents left over from a run that was cut short, and any whose worker
    # died (perhaps after storing): their index entries are made again from
    # whatever the store holds, so index and store agree; they stay journaled
    # until a build of them completes.
    settled = {*built, *removed_ids, *(refused - dirty)}
    replay = sorted(pending - settled)
    replayed = [b for b in (ws.load_bundle(d) for d in replay) if b is not None]
    gone = [*removed_ids, *(d for d in replay if not ws.bundle_path(d).exists())]
    # Commit point 2: the index (Whoosh commits atomically), then the state.
    if changed or replayed or gone:
        update_index(ws, [*changed, *replayed], gone)
        crash_point("index")
    # A run with nothing to do writes nothing (a read-only workspace can be checked).
    if json.dumps(state, sort_keys=True) != state_as_read:
        save_state(ws, state)
        crash_point("state")
    if pending:
        save_journal(ws, pending - settled)
    order = {f.name: i for i, f in enumerate(files)}
    report.results.sort(key=lambda r: order.get(r.file, len(order)))
    return report


def resolve_references(
    ws: Workspace, doc_ids: Sequence[str], given: Mapping[str, DocBundle] | None = None
) -> list[DocBundle]:
    """Point references to other acts at the corpus documents that are those acts.

    Returns the bundles of ``doc_ids`` as resolved and stored. Other documents
    whose references now find one of these acts are stored again too (their
    index entries do not hold references, so they need no re-indexing).

    ``given``: stored bundles the caller holds (just built in this process);
    they are used as they are instead of being read back, which would hold a
    second copy of a large document. The other documents are read one at a
    time: what a reference can find in another document is only that
    document's act citation and provision ids, kept apart from its text.
    """
    if not doc_ids:
        return []
    held = dict(given or {})
    wanted = set(doc_ids)

    def read(doc_id: str) -> DocBundle | None:
        return held[doc_id] if doc_id in held else ws.load_bundle(doc_id)

    # Pass 1: each document's act citation and provision ids (the targets), and
    # whether it cites other acts at all (only those can change).
    order: list[str] = []
    targets: dict[str, _Targets] = {}
    citing: set[str] = set()
    for doc_id in ws.doc_ids():  # the store's order: the first act of a citation wins
        bundle = read(doc_id)
        if bundle is None:
            continue
        order.append(doc_id)
        if act_key(bundle.meta.citation or "") is not None:
            targets[doc_id] = _Targets(
                bundle.meta, tuple(_Id(p.id) for p in structure_of(bundle.provisions))
            )
        if any(r.external for p in structure_of(bundle.provisions) for r in p.refs):
            citing.add(doc_id)
        del bundle
    # Pass 2: one document at a time, resolved against the others' targets.
    out: list[DocBundle] = []
    for doc_id in order:
        if doc_id not in citing and doc_id not in wanted:
            continue
        before = read(doc_id)
        if before is None:
            continue
        after = before
        if doc_id in citing:
            others = [d for d in order if d == doc_id or d in targets]
            here = others.index(doc_id)
            # The resolver reads only ``.meta`` and ``.provisions`` (ids, refs) of each.
            docs = [before if d == doc_id else targets[d] for d in others]
            after = resolve_external_refs(cast(list[DocBundle], docs))[here]
            del docs
        if after is not before:
            ws.save_bundle(after)
        held.pop(doc_id, None)
        del before
        if doc_id in wanted:
            out.append(after)
    return out


class _Id:
    """A provision as a reference's target: its id (it cites nothing here)."""

    __slots__ = ("id",)
    refs: tuple[()] = ()

    def __init__(self, provision_id: str) -> None:
        self.id = provision_id


@dataclass(frozen=True)
class _Targets:
    """What references of other documents can find in one document: its act and provision ids."""

    meta: DocumentMeta
    provisions: tuple[_Id, ...]


def _run(
    ws: Workspace,
    tasks: list[Task],
    *,
    jobs: int | None,
    limits: Limits | None,
    record: Callable[[Task, Outcome], None],
    progress: ProgressCallback | None,
    cluster: str | None = None,
) -> None:
    if not tasks:
        return
    workers = max(1, min(jobs or os.cpu_count() or 1, len(tasks)))
    done = pages = 0

    def finished(task: Task, outcome: Outcome) -> None:
        nonlocal done, pages
        record(task, outcome)
        done += 1
        pages += outcome.pages
        if progress is not None:
            progress(ProgressEvent(done, len(tasks), pages, Path(task.path).name, outcome.status))

    if progress is not None:
        progress(ProgressEvent(0, len(tasks), 0))
    if cluster:
        from corpus_tool.build.cluster import run_on_cluster

        stream_cap = (limits or Limits()).max_stream_mb
        run_on_cluster(ws, tasks, cluster, max_stream_mb=stream_cap, finished=finished)
        return
    if workers == 1 and limits is None:
        for task in tasks:
            finished(task, build_document(str(ws.root), task, keep=True))
        return
    # Largest files first, so one big document does not finish last alone.
    ordered = sorted(tasks, key=lambda t: -_size(t.path))
    run_in_workers(
        str(ws.root),
        ordered,
        workers=workers,
        limits=limits or Limits(timeout=None),
        finished=finished,
    )


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def rebuild(
    ws: Workspace, doc_ids: Sequence[str] | None = None, *, progress: ProgressCallback | None = None
) -> list[DocBundle]:
    """Re-segment and re-tag from the extraction cache only (never reads a PDF)."""
    state = load_state(ws)
    current = versions()
    wanted = list(doc_ids) if doc_ids else sorted(state["docs"]) or ws.doc_ids()
    dirty = load_journal(ws)
    save_journal(ws, dirty | set(wanted))
    rebuilt: dict[str, DocBundle] = {}  # as stored: resolved without being read back
    for n, doc_id in enumerate(wanted, start=1):
        info: dict[str, Any] | None = state["docs"].get(doc_id)
        sha = info.get("sha256") if info else None
        if sha is None:
            existing = ws.load_bundle(doc_id)
            sha = existing.meta.sha256 if existing else None
        doc = ws.load_extraction(sha) if sha else None
        if doc is None:
            raise InputError(doc_id, "no cached extraction; run 'corpus-tool ingest' first")
        bundle = make_bundle(doc)
        ws.save_bundle(bundle)
        rebuilt[doc_id] = bundle
        if info is not None:
            info.update(current)
        if progress is not None:
            progress(ProgressEvent(n, len(wanted), bundle.meta.pages, bundle.meta.file, "rebuilt"))
    bundles = resolve_references(ws, list(rebuilt), rebuilt)
    rebuilt_ids = set(rebuilt)
    rebuilt.clear()
    if bundles:
        update_index(ws, bundles, ())
    save_state(ws, state)
    save_journal(ws, dirty - rebuilt_ids)
    return bundles


def retag(
    ws: Workspace,
    bundles: Sequence[DocBundle],
    *,
    progress: ProgressCallback | None = None,
) -> list[DocBundle]:
    """Re-tag stored documents with the current rules (provisions kept as they are), store and index.

    Journaled like ``ingest``: a kill part-way leaves the next ``ingest`` to re-index them.
    """
    doc_ids = {b.meta.doc_id for b in bundles}
    dirty = load_journal(ws)
    save_journal(ws, dirty | doc_ids)
    retagged: list[DocBundle] = []
    pages = 0
    for n, bundle in enumerate(bundles, start=1):
        new = tagged(bundle)
        ws.save_bundle(new)
        crash_point("bundle")
        retagged.append(new)
        pages += new.meta.pages
        if progress is not None:
            progress(ProgressEvent(n, len(bundles), pages, new.meta.file, "tagged"))
    if retagged:
        update_index(ws, retagged, ())
        crash_point("index")
    state = load_state(ws)
    tagger = versions()["tagger"]
    for doc_id in doc_ids:
        info = state["docs"].get(doc_id)
        if info is not None:
            info["tagger"] = tagger
    save_state(ws, state)
    crash_point("state")
    save_journal(ws, dirty - doc_ids)
    return retagged
