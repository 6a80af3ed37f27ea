"""The on-disk Whoosh index: its schema, entries built from DocBundles, and safe writes.

Safety rests on Whoosh's commit protocol: a commit writes new segment files,
then a new table-of-contents file (``_<name>_<generation>.toc``) under a temporary
name and renames it into place. A reader opens the newest complete TOC, so it
sees the old index or the new one, never half of one; a writer killed before the
rename leaves the previous generation in force. One writer at a time holds an
OS file lock (released by the kernel if the writer dies); a second writer waits
up to ``lock_timeout()`` seconds, then gets a StoreError.

The index format pickles Python objects (Whoosh's design): never open an index
folder that came from someone else — rebuild it with ``corpus-tool index --rebuild``.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from whoosh import fields, index
from whoosh.analysis import Composable
from whoosh.filedb.filestore import FileStorage
from whoosh.index import EmptyIndexError, LockError
from whoosh.writing import CLEAR

from corpus_tool.errors import StoreError
from corpus_tool.index.analysis import LegalTokenizer, exact_analyzer, stemmed_analyzer
from corpus_tool.index.units import indexed_text, lead_in_text
from corpus_tool.model import Provision
from corpus_tool.workspace import DocBundle, Workspace, atomic_write_bytes

# Bump when the schema or the analysis changes: an index of another format is
# ignored and rebuilt from the stored bundles.
INDEX_FORMAT = 3
INDEX_NAME = f"corpus{INDEX_FORMAT}"
LOCK_TIMEOUT_ENV = "CORPUS_TOOL_INDEX_LOCK_TIMEOUT"
DEFAULT_LOCK_TIMEOUT = 60.0
KEY_SEP = "\x1f"


def lock_timeout() -> float:
    try:
        return float(os.environ.get(LOCK_TIMEOUT_ENV, DEFAULT_LOCK_TIMEOUT))
    except ValueError:
        return DEFAULT_LOCK_TIMEOUT


def _cite_analyzer() -> Composable:
    from whoosh.analysis import LowercaseFilter

    return LegalTokenizer() | LowercaseFilter()


def make_schema() -> fields.Schema:
    stemmed, exact = stemmed_analyzer(), exact_analyzer()
    return fields.Schema(
        key=fields.ID(stored=True, unique=True),
        doc_id=fields.ID(stored=True, sortable=True),
        file=fields.ID(stored=True),
        pid=fields.ID(),  # lower-cased provision id, for id: restrictors
        family=fields.ID(),
        jurisdiction=fields.ID(),
        date=fields.ID(),
        kind=fields.ID(sortable=True),
        cite=fields.TEXT(analyzer=_cite_analyzer(), phrase=True),
        heading=fields.TEXT(analyzer=stemmed, phrase=True),
        heading_exact=fields.TEXT(analyzer=exact, phrase=True),
        text=fields.TEXT(analyzer=stemmed, phrase=True),
        exact=fields.TEXT(analyzer=exact, phrase=True),
        tag=fields.KEYWORD(commas=True, lowercase=True, scorable=False),
        label=fields.KEYWORD(commas=True, lowercase=True, scorable=False),
        order=fields.NUMERIC(sortable=True),
        # Everything needed to show a hit and to rewrite the entry (labels change).
        payload=fields.STORED(),
    )


def storage(ws: Workspace) -> FileStorage:
    return FileStorage(str(ws.index_dir))


def exists(ws: Workspace) -> bool:
    """Whether an index of this format has a committed generation (never reads it)."""
    if not ws.index_dir.is_dir():
        return False
    return index.TOC._latest_generation(storage(ws), INDEX_NAME) >= 0


def open_index(ws: Workspace) -> index.Index:
    """The index for reading (StoreError when missing or unreadable)."""
    try:
        return index.open_dir(str(ws.index_dir), indexname=INDEX_NAME)
    except EmptyIndexError as exc:
        raise StoreError(
            f"no search index in {ws.index_dir}; run 'corpus-tool ingest' or "
            "'corpus-tool index --rebuild'"
        ) from exc
    except Exception as exc:  # a damaged or foreign index: Whoosh raises many types
        raise StoreError(
            f"the search index in {ws.index_dir} is unreadable ({exc}); "
            "run 'corpus-tool index --rebuild'"
        ) from exc


def _open_or_create(ws: Workspace) -> index.Index:
    ws.index_dir.mkdir(parents=True, exist_ok=True)
    if exists(ws):
        return open_index(ws)
    st = storage(ws)
    # Two processes may race to create: the write lock decides, the loser opens.
    lock = st.lock(f"{INDEX_NAME}_CREATE")
    if not _acquire(lock, lock_timeout()):
        raise _busy(ws)
    try:
        if exists(ws):
            return open_index(ws)
        return st.create_index(make_schema(), indexname=INDEX_NAME)
    finally:
        lock.release()


def _acquire(lock: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        if lock.acquire(blocking=False):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)


def _busy(ws: Workspace) -> StoreError:
    return StoreError(
        f"the search index in {ws.index_dir} is being written by another corpus-tool "
        f"process (waited {lock_timeout():.0f} s); try again when it has finished"
    )


@contextlib.contextmanager
def writer(ws: Workspace, *, clear: bool = False, timeout: float | None = None) -> Iterator[Any]:
    """A Whoosh writer holding the index write lock; commits on success, cancels on error."""
    ix = _open_or_create(ws)
    try:
        w = ix.writer(
            timeout=lock_timeout() if timeout is None else timeout, delay=0.1, limitmb=128
        )
    except LockError as exc:
        raise _busy(ws) from exc
    try:
        yield w
    except BaseException:
        w.cancel()
        raise
    if clear:
        w.commit(mergetype=CLEAR)
    else:
        w.commit()


# --- entries -------------------------------------------------------------------


def entry_key(doc_id: str, provision_id: str) -> str:
    return f"{doc_id}{KEY_SEP}{provision_id}"


def _ancestor_headings(p: Provision, by_id: Mapping[str, Provision]) -> list[str]:
    headings = []
    seen = set()
    parent = p.parent
    while parent and parent in by_id and parent not in seen:
        seen.add(parent)
        anc = by_id[parent]
        if anc.heading:
            headings.append(anc.heading)
        parent = anc.parent
    headings.reverse()
    return headings


def bundle_entries(
    bundle: DocBundle, labels: Mapping[tuple[str, str], Sequence[str]]
) -> Iterator[dict[str, Any]]:
    """The index entries of one document: its searchable provisions."""
    meta = bundle.meta
    by_id = {p.id: p for p in bundle.provisions}
    tags: dict[str, set[str]] = {}
    for t in bundle.tags:
        tags.setdefault(t.provision_id, set()).add(t.label)
    for p in bundle.provisions:
        if not p.searchable:
            continue
        payload = {
            "file": p.file or meta.file,
            "doc_id": str(p.doc_id or meta.doc_id),
            "id": p.id,
            "citation": p.citation,
            "kind": p.kind,
            "heading": p.heading,
            "parent_headings": _ancestor_headings(p, by_id),
            "path": list(p.path),
            "pages": list(p.pages),
            "text": p.text,
            "lead_in": lead_in_text(p, by_id),
            "order": p.order,
            "family": meta.family,
            "jurisdiction": meta.jurisdiction,
            "date": meta.date,
            "tags": sorted(tags.get(p.id, ())),
        }
        yield entry_fields(payload, labels.get((str(payload["doc_id"]), p.id), ()))


def entry_fields(payload: Mapping[str, Any], labels: Sequence[str]) -> dict[str, Any]:
    """The Whoosh fields of one entry, from its stored payload and its human labels."""
    headings = [*payload["parent_headings"], payload["heading"]]
    heading_text = "\n".join(h for h in headings if h)
    cite_lines = [*payload["path"], payload["citation"]]
    stored = dict(payload)
    stored["labels"] = sorted(set(labels))
    doc: dict[str, Any] = {
        "key": entry_key(payload["doc_id"], payload["id"]),
        "doc_id": payload["doc_id"],
        "file": payload["file"],
        "pid": payload["id"].lower(),
        "family": payload["family"] or "",
        "jurisdiction": (payload["jurisdiction"] or "").lower(),
        "date": payload["date"] or "",
        "kind": (payload["kind"] or "").lower(),
        "cite": "\n".join(c for c in cite_lines if c),
        "heading": heading_text,
        "heading_exact": heading_text,
        "text": indexed_text(payload.get("lead_in", ""), payload["text"]),
        "exact": indexed_text(payload.get("lead_in", ""), payload["text"]),
        "order": int(payload["order"]),
        "payload": stored,
    }
    if payload["tags"]:
        doc["tag"] = ",".join(payload["tags"])
    if stored["labels"]:
        doc["label"] = ",".join(stored["labels"])
    return {k: v for k, v in doc.items() if v != ""}


def human_labels(ws: Workspace) -> dict[tuple[str, str], tuple[str, ...]]:
    """Annotation labels per (doc_id, provision_id); none until the annotations module exists."""
    try:
        from corpus_tool.annotations import current_labels  # type: ignore[attr-defined]
    except ImportError:
        return {}
    try:
        return dict(current_labels(ws))
    except Exception:  # labels are best effort: a broken store must not block indexing
        return {}


# --- writes ----------------------------------------------------------------------


def update_index(ws: Workspace, bundles: Iterable[DocBundle], removed: Iterable[str] = ()) -> None:
    """Replace the entries of these documents (and drop ``removed`` documents)."""
    bundles = list(bundles)
    removed = list(removed)
    if not exists(ws):
        # A first index, or one of an older format: build it whole from the store,
        # then add any given bundle that is not stored (yet).
        rebuild_index(ws)
        stored = set(ws.doc_ids())
        bundles = [b for b in bundles if b.meta.doc_id not in stored]
        if not bundles:
            return
    labels = human_labels(ws)
    with writer(ws) as w:
        for doc_id in {*removed, *(b.meta.doc_id for b in bundles)}:
            w.delete_by_term("doc_id", doc_id)
        for bundle in bundles:
            for entry in bundle_entries(bundle, labels):
                w.add_document(**entry)
        pending = _read_pending(ws)
        fresh = {b.meta.doc_id for b in bundles} | set(removed)
        stale = {k: v for k, v in pending.items() if k[0] not in fresh}
        if stale:
            _apply_labels(ws, w, stale)
    _pending_path(ws).unlink(missing_ok=True)


def rebuild_index(ws: Workspace, *, show_progress: bool = False) -> int:
    """Rebuild the whole index from the stored bundles (no PDF is read); returns entries written."""
    labels = human_labels(ws)
    doc_ids = ws.doc_ids()
    written = 0
    progress = None
    if show_progress:
        from rich.progress import Progress

        progress = Progress(transient=True)
        progress.start()
        task = progress.add_task("indexing", total=len(doc_ids))
    try:
        with writer(ws, clear=True) as w:
            for doc_id in doc_ids:
                bundle = ws.load_bundle(doc_id)
                if bundle is not None:
                    for entry in bundle_entries(bundle, labels):
                        w.add_document(**entry)
                        written += 1
                if progress is not None:
                    progress.advance(task)
    finally:
        if progress is not None:
            progress.stop()
    _pending_path(ws).unlink(missing_ok=True)  # current_labels() above already had them
    _remove_other_formats(ws)
    return written


def _remove_other_formats(ws: Workspace) -> None:
    """Delete files of indexes built by other index formats (they are never read)."""
    for path in ws.index_dir.iterdir():
        name = path.name
        if name.startswith("_") and name.endswith(".toc"):
            base = name[1:].rsplit("_", 1)[0]
        elif "_" in name and name.endswith(".seg"):
            base = name.split("_", 1)[0]
        else:
            continue
        if base != INDEX_NAME:
            with contextlib.suppress(OSError):
                path.unlink()


PENDING_LABELS = "pending-labels.json"
QUICK_LABEL_TIMEOUT = 0.5


def _pending_path(ws: Workspace) -> Path:
    return ws.index_dir / PENDING_LABELS


def _read_pending(ws: Workspace) -> dict[tuple[str, str], list[str]]:
    try:
        raw = json.loads(_pending_path(ws).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return {(d, p): list(labels) for d, p, labels in raw}


def _write_pending(ws: Workspace, pending: Mapping[tuple[str, str], Sequence[str]]) -> None:
    rows = [[d, p, list(labels)] for (d, p), labels in sorted(pending.items())]
    atomic_write_bytes(_pending_path(ws), json.dumps(rows).encode("utf-8"))


def _apply_labels(ws: Workspace, w: Any, labels: Mapping[tuple[str, str], Sequence[str]]) -> None:
    """Rewrite these entries with new labels inside an open writer session."""
    with open_index(ws).searcher() as s:
        for (doc_id, pid), names in labels.items():
            stored = s.document(key=entry_key(doc_id, pid))
            if stored is not None:
                w.update_document(**entry_fields(stored["payload"], names))


def set_labels(ws: Workspace, labels: Mapping[tuple[str, str], Sequence[str]]) -> None:
    """Set the human annotation labels of these (doc_id, provision_id) entries.

    Never blocks a person for long: when another process is writing the index,
    the labels are kept in a pending file that the next index write applies, and
    a background thread applies them as soon as the writer is done.
    """
    if not labels or not exists(ws):
        return
    pending = {**_read_pending(ws), **{k: list(v) for k, v in labels.items()}}
    try:
        with writer(ws, timeout=QUICK_LABEL_TIMEOUT) as w:
            _apply_labels(ws, w, pending)
        _pending_path(ws).unlink(missing_ok=True)
    except StoreError:
        _write_pending(ws, pending)
        threading.Thread(target=_apply_pending_later, args=(ws,), daemon=True).start()


def _apply_pending_later(ws: Workspace) -> None:
    with contextlib.suppress(Exception), writer(ws) as w:
        _apply_pending(ws, w)


def _apply_pending(ws: Workspace, w: Any) -> None:
    pending = _read_pending(ws)
    if pending:
        _apply_labels(ws, w, pending)
        _pending_path(ws).unlink(missing_ok=True)
