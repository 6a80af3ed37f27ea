"""The on-disk Whoosh index: its schema, entries built from DocBundles, and safe writes.

Safety rests on Whoosh's commit protocol: a commit writes new segment files,
then a new table-of-contents file (``_<name>_<generation>.toc``) under a temporary
name and renames it into place. A reader opens the newest complete TOC, so it
sees the old index or the new one, never half of one; a writer killed before the
rename leaves the previous generation in force. One writer at a time holds an
OS file lock (released by the kernel if the writer dies); a second writer waits
up to ``lock_timeout()`` seconds, then gets a StoreError.

The index format pickles Python objects (Whoosh's design), so no index file is
read unless this installation signed it (``corpus_tool.trust``): every file a
writer commits is recorded in ``signatures.json`` with an HMAC under the user's
key, and an index that does not verify is rebuilt from the stored provisions.

Speed (``corpus_tool.index.writers``): a rebuild writes one segment per core
in parallel (worker processes that only create files; the parent commits and
signs them); an update writes only the changed documents' entries and never
merges the large segments; a document whose entries are exactly those already
indexed (same fingerprint, in the ``entryfp`` field) is not written again, and
of a changed document only the provisions that changed are rewritten.
A segment writer writes each word's whole posting list at once, in Whoosh's
own block format. Files written beside the segments at commit (by a
``COMMIT_HOOKS`` function, under the writer's lock) are signed with them.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import multiprocessing as mp
import os
import pickle
import shutil
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import FIRST_EXCEPTION, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from whoosh import fields, index
from whoosh.analysis import Composable
from whoosh.filedb.filestore import FileStorage
from whoosh.index import EmptyIndexError, LockError
from whoosh.writing import CLEAR

from corpus_tool import trust
from corpus_tool.errors import StoreError
from corpus_tool.index.analysis import LegalTokenizer, exact_analyzer, stemmed_analyzer
from corpus_tool.index.units import indexed_text, lead_in_text
from corpus_tool.index.verified import Chunks, VerifiedFile
from corpus_tool.index.writers import (
    POOL_MB,
    FastSegmentWriter,
    SegmentResult,
    merge_small,
    pool_mb,
    write_segment,
)
from corpus_tool.model import Provision, structure_of, text_reader
from corpus_tool.workspace import DocBundle, Workspace, atomic_write_bytes

# Bump when the schema or the analysis changes: an index of another format is
# ignored and rebuilt from the stored bundles.
INDEX_FORMAT = 4
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
        # key, doc_id and file are searched or sorted, never shown: a hit is
        # shown from its payload, so they are not stored twice.
        key=fields.ID(unique=True),
        doc_id=fields.ID(sortable=True),
        file=fields.ID(),
        # key + hash of the entry's payload: an update leaves an entry that is
        # already indexed exactly so where it is.
        entryfp=fields.ID(),
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
        order=fields.NUMERIC(sortable=True),
        # Everything needed to show a hit. Human labels are never written here:
        # corpus_tool.index.human joins them from the annotation store at query time.
        payload=fields.STORED(),
    )


def storage(ws: Workspace) -> FileStorage:
    return FileStorage(str(ws.index_dir))


def exists(ws: Workspace) -> bool:
    """Whether an index of this format has a committed generation (never reads it)."""
    if not ws.index_dir.is_dir():
        return False
    return index.TOC._latest_generation(storage(ws), INDEX_NAME) >= 0


# --- trust: only signed files are ever opened ------------------------------------

SIGNATURES = "signatures.json"
SIGN_LOCK = f"{INDEX_NAME}_SIGNLOCK"


class UntrustedIndexError(StoreError):
    """An index file that this installation did not sign (or that changed since)."""

    def __init__(self, ws_index: Path, name: str, reason: str) -> None:
        super().__init__(
            f"the search index file {ws_index / name} {reason}; run 'corpus-tool index --rebuild'"
        )
        self.name = name
        self.reason = reason


class SignedStorage(FileStorage):
    """A Whoosh file storage that serves only files signed with the installation's key.

    Files this storage object created (a writer's new segments and TOC) are
    trusted without a signature until :func:`_sign` records them; every other
    file must match its entry in ``signatures.json`` (an HMAC of its name and
    bytes) before Whoosh may read, and so unpickle, anything from it. It is
    served as a ``verified.VerifiedFile``: each chunk is checked against its
    digest when first read, the digests coming from reading the file whole
    against its signature, here or (recorded in the user's configuration folder,
    ``trust.load_chunk_digests``) in an earlier process. So an unchanged index
    is not read whole at every start, and no byte that differs from what was
    signed is ever returned, whatever the file's size, mtime or inode say.
    """

    def __init__(self, folder: Path, key: bytes | None) -> None:
        # A VerifiedFile has no fileno(), so Whoosh never maps it: a compound
        # segment's parts become views of it (Whoosh's ``subset``). A writer's own
        # new files are opened as Whoosh opens them.
        super().__init__(str(folder))
        self.index_dir = folder
        self.key = key
        self.mine: set[str] = set()
        # name -> (signature, size, chunk size, chunk digests) checked in this process
        self._digests: dict[str, tuple[str, int, int, bytes]] = {}

    def create_file(self, name: str, *args: Any, **kwargs: Any) -> Any:
        f = super().create_file(name, *args, **kwargs)
        self.mine.add(name)
        return f

    def rename_file(self, oldname: str, newname: str, safe: bool = False) -> None:
        super().rename_file(oldname, newname, safe)
        if oldname in self.mine:
            self.mine.discard(oldname)
            self.mine.add(newname)

    def open_file(self, name: str, *args: Any, **kwargs: Any) -> Any:
        if name in self.mine:
            return super().open_file(name, *args, **kwargs)
        fd = os.open(self._fpath(name), os.O_RDONLY)
        try:
            chunks = self._chunks(name, fd)
        except BaseException:
            os.close(fd)
            raise
        return VerifiedFile(chunks, 0, chunks.size, name, owner=True)

    def _chunks(self, name: str, fd: int) -> Chunks:
        if self.key is None:
            raise UntrustedIndexError(self.index_dir, name, "is not signed by this installation")
        expected = read_signatures(self.index_dir).get(name)
        if expected is None:
            raise UntrustedIndexError(self.index_dir, name, "is not signed by this installation")
        size = os.fstat(fd).st_size
        chunk_bytes = trust.CHUNK_BYTES
        digests = self._known_digests(name, expected, size, chunk_bytes)
        if digests is None:
            signature, digests = trust.sign_fd_chunks(self.key, name, fd, chunk_bytes)
            if not trust.same(signature, expected):
                raise UntrustedIndexError(
                    self.index_dir, name, "does not match its signature (changed or damaged)"
                )
            if size > RECORD_MIN_BYTES:
                trust.save_chunk_digests(
                    self.key, self.index_dir, name, expected, size, chunk_bytes, digests
                )
                trust.prune_chunk_digests(self.index_dir, read_signatures(self.index_dir))
            self._digests[name] = (expected, size, chunk_bytes, digests)

        def mismatch() -> UntrustedIndexError:
            # The record described other bytes than the file holds now: forget it,
            # so the next open reads the file whole again (and rebuilds the index).
            self._digests.pop(name, None)
            trust.drop_chunk_digests(self.index_dir, name, expected)
            return UntrustedIndexError(
                self.index_dir, name, "does not match its signature (changed or damaged)"
            )

        return Chunks(fd, size, digests, chunk_bytes, mismatch, name)

    def _known_digests(self, name: str, expected: str, size: int, chunk_bytes: int) -> bytes | None:
        known = self._digests.get(name)
        if known is not None and known[:3] == (expected, size, chunk_bytes):
            return known[3]
        if size <= RECORD_MIN_BYTES:
            return None
        assert self.key is not None
        digests = trust.load_chunk_digests(
            self.key, self.index_dir, name, expected, size, chunk_bytes
        )
        if digests is not None:
            self._digests[name] = (expected, size, chunk_bytes, digests)
        return digests


# Files up to this size (the TOC, small segments) are read whole at each open:
# a record would cost more to keep than the read it saves.
RECORD_MIN_BYTES = 1 << 20


def read_signatures(index_dir: Path) -> dict[str, str]:
    """``signatures.json``: file name -> HMAC (plain JSON; anything malformed counts as none)."""
    try:
        raw = json.loads((index_dir / SIGNATURES).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    files = raw.get("files") if isinstance(raw, dict) else None
    if not isinstance(files, dict):
        return {}
    return {k: v for k, v in files.items() if isinstance(k, str) and isinstance(v, str)}


def _sign(st: SignedStorage) -> None:
    """Record signatures of the files this session wrote; drop those of deleted files."""
    assert st.key is not None
    present = set(os.listdir(st.index_dir))
    signed = {k: v for k, v in read_signatures(st.index_dir).items() if k in present}
    for name in sorted(st.mine & present):
        signed[name] = _sign_and_record(st.key, st.index_dir, name)
    payload = {"format": 1, "files": dict(sorted(signed.items()))}
    atomic_write_bytes(st.index_dir / SIGNATURES, json.dumps(payload, indent=0).encode("utf-8"))
    st.mine.clear()
    trust.prune_chunk_digests(st.index_dir, signed)


def _sign_and_record(key: bytes, index_dir: Path, name: str) -> str:
    """A new file's signature; for a large one, also its chunk digests, from the same read.

    The digests are recorded as an open that read the file whole would record
    them, so the first process after a build does not read every new index
    file whole once more (3.3 s of CPU at a million provisions). They describe
    the very bytes signed: no later change passes either check.
    """
    fd = os.open(index_dir / name, os.O_RDONLY)
    try:
        size = os.fstat(fd).st_size
        if size <= RECORD_MIN_BYTES:
            return trust.sign_fd(key, name, fd)
        chunk_bytes = trust.CHUNK_BYTES
        signature, digests = trust.sign_fd_chunks(key, name, fd, chunk_bytes)
    finally:
        os.close(fd)
    # A file whose size changed while it was read gets no record (the digests
    # would not fit it); it is read whole at its first open, as before.
    if len(digests) == trust.chunk_count(size, chunk_bytes) * trust.CHUNK_DIGEST:
        trust.save_chunk_digests(key, index_dir, name, signature, size, chunk_bytes, digests)
    return signature


@contextlib.contextmanager
def _signing_lock(ws: Workspace, timeout: float) -> Iterator[None]:
    """Held by every writer from opening the index until its new files are signed."""
    ws.inside(ws.index_dir / SIGNATURES)  # a linked folder must not take the index elsewhere
    try:
        ws.index_dir.mkdir(parents=True, exist_ok=True)
        lock = storage(ws).lock(SIGN_LOCK)
        acquired = _acquire(lock, timeout)
    except OSError as exc:
        raise _unwritable(ws, exc) from exc
    if not acquired:
        raise _busy(ws)
    try:
        yield
    except OSError as exc:
        raise _unwritable(ws, exc) from exc
    finally:
        lock.release()


def _unwritable(ws: Workspace, exc: OSError) -> StoreError:
    return StoreError(f"cannot write the search index in {ws.index_dir}: {exc.strerror or exc}")


def _writer_active(ws: Workspace) -> bool:
    lock = storage(ws).lock(SIGN_LOCK)
    try:
        if lock.acquire(blocking=False):
            lock.release()
            return False
    except OSError:
        return False
    return True


def _notice(message: str) -> None:
    print(f"corpus-tool: notice: {message}", file=sys.stderr)


def _open_verified(ws: Workspace) -> index.Index:
    """Open and verify the newest generation (TOC and every segment file); raises on failure."""
    st = SignedStorage(ws.index_dir, trust.load_key(create=False))
    ix = st.open_index(INDEX_NAME)
    # Opens every segment file now, not mid-search: a file without a record of
    # its chunks is read whole against its signature here; the others have their
    # header and directory checked now and each further chunk when first read.
    ix.reader().close()
    return ix


def open_index(ws: Workspace, *, locked: bool = False) -> index.Index:
    """The index for reading, opened only if this installation signed it.

    An index it did not sign (received with a shared workspace, written by an
    older version, damaged) is never read: it is rebuilt from the stored
    provisions, with a one-line notice. ``locked``: the caller holds the signing
    lock (a writer), so there is no other writer to wait for.
    """
    deadline = time.monotonic() + lock_timeout()
    while True:
        try:
            return _open_verified(ws)
        except (EmptyIndexError, UntrustedIndexError, FileNotFoundError) as exc:
            # A writer between its commit and its signature, or mid-rebuild: wait for it.
            if not locked and _writer_active(ws) and time.monotonic() < deadline:
                time.sleep(0.05)
                continue
            if isinstance(exc, EmptyIndexError):
                raise StoreError(
                    f"no search index in {ws.index_dir}; run 'corpus-tool ingest' or "
                    "'corpus-tool index --rebuild'"
                ) from exc
            problem = str(exc) if isinstance(exc, UntrustedIndexError) else f"{exc}"
            break
        except StoreError:
            raise
        except Exception as exc:  # a damaged file that was signed: Whoosh raises many types
            problem = f"the search index in {ws.index_dir} is unreadable ({exc})"
            break
    if locked:
        _replace_untrusted(ws, problem)
    else:
        with _signing_lock(ws, lock_timeout()):
            with contextlib.suppress(Exception):
                return _open_verified(ws)  # another process rebuilt it meanwhile
            _replace_untrusted(ws, problem)
    return _open_verified(ws)


def _replace_untrusted(ws: Workspace, problem: str) -> None:
    what = problem.split("; run")[0]
    if not ws.doc_ids():
        raise StoreError(
            f"{what}, and there are no stored provisions to rebuild it from; "
            "run 'corpus-tool ingest'"
        )
    _notice(f"{what}; not opening it: rebuilding the index from the stored provisions")
    _rebuild_locked(ws)


def _clear_index_dir(ws: Workspace) -> None:
    """Remove every index file without reading any (lock files stay: others may hold them)."""
    ws.index_dir.mkdir(parents=True, exist_ok=True)
    for path in ws.index_dir.iterdir():
        if path.name.endswith("LOCK"):
            continue
        if path.is_dir() and not path.is_symlink():
            # A writer's scratch folder ("<index>.<id>.tmp"), left by a killed build.
            if path.name.startswith(f"{INDEX_NAME}.") and path.name.endswith(".tmp"):
                shutil.rmtree(path, ignore_errors=True)
            continue
        path.unlink(missing_ok=True)


def _create(ws: Workspace) -> index.Index:
    st = SignedStorage(ws.index_dir, trust.load_key(create=True))
    return st.create_index(make_schema(), indexname=INDEX_NAME)


def _open_or_create(ws: Workspace) -> index.Index:
    """The index for writing; the caller holds the signing lock."""
    ws.index_dir.mkdir(parents=True, exist_ok=True)
    if exists(ws):
        return open_index(ws, locked=True)
    _clear_index_dir(ws)
    return _create(ws)


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
    """A Whoosh writer holding the index write lock; commits and signs on success, cancels on error."""
    wait = lock_timeout() if timeout is None else timeout
    with _signing_lock(ws, wait):
        ix = _open_or_create(ws)
        with _session(ix, ws, clear=clear, timeout=wait) as w:
            yield w


# Called after each commit, before its files are signed, with the index's
# storage and the segments the new TOC lists; a hook returns the names of the
# files it wrote in the index folder (e.g. posting arrays kept beside each
# segment), which are signed with the segments'. The writer's lock is still
# held, so a hook writes alone. None is registered today.
CommitHook = Callable[[SignedStorage, list[Any]], Iterable[str]]
COMMIT_HOOKS: list[CommitHook] = []


@contextlib.contextmanager
def _session(
    ix: index.Index, ws: Workspace, *, clear: bool, timeout: float, limitmb: int = POOL_MB
) -> Iterator[Any]:
    st = ix.storage
    if not isinstance(st, SignedStorage) or st.key is None:
        st.key = trust.load_key(create=True)
    try:
        w = FastSegmentWriter(ix, timeout=timeout, delay=0.1, limitmb=limitmb)
    except LockError as exc:
        raise _busy(ws) from exc
    try:
        yield w
    except BaseException:
        _cancel(w, st)
        raise
    if w.unchanged and not clear:
        _cancel(w, st)  # nothing changed: no new generation, nothing to sign
        return
    extra: list[SegmentResult] = w.extra_segments
    committed = w.commit_with(
        [r.segment for r in extra if r.segment is not None], CLEAR if clear else merge_small
    )
    for result in extra:
        st.mine.update(result.files)
    for hook in COMMIT_HOOKS:
        st.mine.update(hook(st, committed))
    _sign(st)


def _cancel(w: FastSegmentWriter, st: Any) -> None:
    """Cancel a writer and remove the files of the segment it had begun (never listed in a TOC)."""
    w.cancel()
    own = w.newsegment.segment_id()
    for name in [n for n in st.mine if n.startswith(own)]:
        with contextlib.suppress(OSError):
            st.delete_file(name)
        st.mine.discard(name)


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


def bundle_entries(bundle: DocBundle) -> Iterator[dict[str, Any]]:
    """The index entries of one document: its searchable provisions.

    Every entry carries its fingerprint (``entryfp``): its key and a hash of its
    payload (everything shown and indexed derives from it), so an update can
    tell an entry that is indexed exactly as it would be written again.
    """
    for payload in _payloads(bundle):
        entry = entry_fields(payload)
        digest = hashlib.sha256(
            json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8", "surrogatepass")
        ).hexdigest()[:32]
        entry["entryfp"] = entry_key(entry["key"], digest)
        yield entry


def _payloads(bundle: DocBundle) -> Iterator[dict[str, Any]]:
    meta = bundle.meta
    # A bundle being built holds its provisions packed: they are walked without
    # their texts, and one text at a time is read (issue 15).
    text_of = text_reader(bundle.provisions)
    provisions = structure_of(bundle.provisions)
    by_id = {p.id: p for p in provisions}
    tags: dict[str, set[str]] = {}
    for t in bundle.tags:
        tags.setdefault(t.provision_id, set()).add(t.label)
    for p in provisions:
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
            "text": text_of(p),
            "lead_in": lead_in_text(p, by_id, text_of),
            "order": p.order,
            "family": meta.family,
            "jurisdiction": meta.jurisdiction,
            "date": meta.date,
            "tags": sorted(tags.get(p.id, ())),
        }
        yield payload


def entry_fields(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The Whoosh fields of one entry, from its stored payload."""
    headings = [*payload["parent_headings"], payload["heading"]]
    heading_text = "\n".join(h for h in headings if h)
    cite_lines = [*payload["path"], payload["citation"]]
    stored = dict(payload)
    doc: dict[str, Any] = {
        "key": entry_key(payload["doc_id"], payload["id"]),
        "doc_id": payload["doc_id"],
        # A file name that is not UTF-8 holds lone surrogates, which Whoosh cannot index.
        "file": payload["file"].encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
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
    return {k: v for k, v in doc.items() if v != ""}


# --- writes ----------------------------------------------------------------------

# A rebuild starts worker processes only when the stored bundles (gzipped JSON)
# hold at least this much: below it, starting an interpreter costs more than
# the work it would take over.
PARALLEL_MIN_BYTES = 1 << 20


def _live_count(reader: Any, fieldname: str, value: str) -> int:
    """Documents not deleted that hold ``value`` in ``fieldname``."""
    if (fieldname, value) not in reader:
        return 0
    return sum(1 for d in reader.postings(fieldname, value).all_ids() if not reader.is_deleted(d))


def update_index(ws: Workspace, bundles: Iterable[DocBundle], removed: Iterable[str] = ()) -> None:
    """Replace the entries of these documents (and drop ``removed`` documents).

    A document whose entries are already in the index exactly as they would be
    written (same fingerprint, same count) is left alone; when nothing changes
    at all no new generation is committed.
    """
    bundles = list(bundles)
    removed = list(removed)
    if not exists(ws):
        # A first index, or one of an older format: build it whole from the store,
        # then add any given bundle that is not stored (yet). A given bundle that
        # is stored is the one the caller has just stored: it is indexed as given
        # instead of being read back, which would hold a second copy of a large
        # document while it is indexed.
        stored = set(ws.doc_ids())
        given = {b.meta.doc_id: b for b in bundles if b.meta.doc_id in stored}
        with _signing_lock(ws, lock_timeout()):
            _rebuild_locked(ws, given=given)
        del given
        bundles = [b for b in bundles if b.meta.doc_id not in stored]
        if not bundles:
            return
    with writer(ws) as w:
        reader = w.searcher().reader()
        changed = False
        for doc_id in removed:
            if _live_count(reader, "doc_id", doc_id):
                w.delete_by_term("doc_id", doc_id)
                changed = True
        for bundle in bundles:
            if _replace_document(w, reader, bundle):
                changed = True
        w.unchanged = not changed


def _replace_document(w: Any, reader: Any, bundle: DocBundle) -> bool:
    """Make the index hold exactly ``bundle``'s entries, writing only those that differ.

    Returns whether anything was written. An entry whose fingerprint is live is
    kept; a changed entry replaces the one of its key; when the index holds
    entries of the document that are in neither group (a provision removed or
    renumbered), the whole document is written again.
    """
    doc_id = bundle.meta.doc_id
    # Two passes over the entries, so a large document's entries are never all
    # held at once: the first keeps only each entry's key and fingerprint to
    # decide what to write, the second makes the entries again (the same: they
    # derive from the bundle alone) and writes the ones decided.
    marks = [(e["key"], e["entryfp"]) for e in bundle_entries(bundle)]
    indexed = _live_count(reader, "doc_id", doc_id)
    if not marks and not indexed:
        return False
    fresh = [n for n, (_, fp) in enumerate(marks) if _live_count(reader, "entryfp", fp) != 1]
    if not fresh and indexed == len(marks):
        return False  # indexed exactly so already
    replaced = sum(_live_count(reader, "key", marks[n][0]) for n in fresh)
    unique = len({key for key, _ in marks}) == len(marks)
    if unique and indexed == len(marks) - len(fresh) + replaced:
        for n in fresh:
            w.delete_by_term("key", marks[n][0])
        wanted = set(fresh)
    else:
        w.delete_by_term("doc_id", doc_id)
        wanted = set(range(len(marks)))
    del marks, fresh
    for n, e in enumerate(bundle_entries(bundle)):
        if n in wanted:
            w.add_document(**e)
    return True


def rebuild_index(
    ws: Workspace,
    *,
    progress: Callable[[int, int], None] | None = None,
    jobs: int | None = None,
) -> int:
    """Rebuild the whole index from the stored bundles (no PDF is read); returns entries written.

    The old index is never opened: its files are removed and a new one is built,
    so a damaged or crafted index cannot stop (or exploit) its own repair.
    ``progress(done, total)`` is called as documents are indexed (the CLI draws
    it; the core draws nothing). ``jobs``: processes writing segments side by
    side (default: every core, for a store large enough to gain from it).
    """
    with _signing_lock(ws, lock_timeout()):
        return _rebuild_locked(ws, progress=progress, jobs=jobs)


def _shares(ws: Workspace, doc_ids: list[str], n: int) -> list[list[str]]:
    """``doc_ids`` in ``n`` shares of about equal stored size, largest documents first."""
    sizes = {}
    for doc_id in doc_ids:
        try:
            sizes[doc_id] = ws.bundle_path(doc_id).stat().st_size
        except OSError:
            sizes[doc_id] = 0
    shares: list[list[str]] = [[] for _ in range(n)]
    loads = [0] * n
    for doc_id in sorted(doc_ids, key=lambda d: -sizes[d]):
        k = loads.index(min(loads))
        shares[k].append(doc_id)
        loads[k] += sizes[doc_id]
    return shares


# benchmarks/index_bench.py --profile: each build worker writes its cProfile here.
PROFILE_WORKERS_ENV = "CORPUS_TOOL_PROFILE_WORKERS"

_worker_done: Any = None  # a shared counter of documents indexed by the workers


def _init_worker(counter: Any) -> None:
    global _worker_done
    _worker_done = counter


def _stored_entries(
    ws: Workspace,
    doc_ids: Iterable[str],
    done: Callable[[], None],
    given: Mapping[str, DocBundle] | None = None,
) -> Iterator[dict[str, Any]]:
    """The entries of stored documents, one document read at a time (``given``: already read)."""
    for doc_id in doc_ids:
        bundle = given.get(doc_id) if given else None
        if bundle is None:
            bundle = ws.load_bundle(doc_id)
        if bundle is not None:
            yield from bundle_entries(bundle)
        del bundle  # before the next one is read
        done()


def _write_share(root: str, doc_ids: list[str]) -> SegmentResult:
    """In a worker process: one new segment holding these stored documents' entries."""
    ws = Workspace(root)

    def done() -> None:
        with _worker_done.get_lock():
            _worker_done.value += 1

    entries = _stored_entries(ws, doc_ids, done)
    limitmb = pool_mb(len(doc_ids))
    folder = os.environ.get(PROFILE_WORKERS_ENV)
    if not folder:
        return write_segment(str(ws.index_dir), INDEX_NAME, make_schema(), entries, limitmb)
    import cProfile

    prof = cProfile.Profile()
    try:
        return prof.runcall(
            write_segment, str(ws.index_dir), INDEX_NAME, make_schema(), entries, limitmb
        )
    finally:
        prof.dump_stats(os.path.join(folder, f"{os.getpid()}.prof"))


def _workers_for(ws: Workspace, doc_ids: list[str], jobs: int | None) -> int:
    if jobs is not None:
        return max(1, min(jobs, len(doc_ids)))
    total = 0
    for doc_id in doc_ids:
        with contextlib.suppress(OSError):
            total += ws.bundle_path(doc_id).stat().st_size
    if total < PARALLEL_MIN_BYTES:
        return 1
    return max(1, min(os.cpu_count() or 1, len(doc_ids)))


def _rebuild_locked(
    ws: Workspace,
    *,
    progress: Callable[[int, int], None] | None = None,
    jobs: int | None = None,
    given: Mapping[str, DocBundle] | None = None,
) -> int:
    """The rebuild under the signing lock; ``given``: stored bundles the caller holds already.

    A given document in this process's share is indexed from the caller's copy
    instead of being read again (a worker reads its share from the store, as
    always); the shares and their order are those of any rebuild.
    """
    doc_ids = ws.doc_ids()
    _clear_index_dir(ws)
    ix = _create(ws)
    n = _workers_for(ws, doc_ids, jobs)
    shares = _shares(ws, doc_ids, n)
    own, others = shares[0], [s for s in shares[1:] if s]
    total = len(doc_ids)
    own_done = 0
    ctx = mp.get_context("spawn")  # a fresh interpreter: no lock or thread of ours is copied
    counter = ctx.Value("q", 0)

    def own_step() -> None:
        nonlocal own_done
        own_done += 1
        if progress is not None:
            progress(own_done + counter.value, total)

    written = 0
    with _session(ix, ws, clear=True, timeout=lock_timeout(), limitmb=pool_mb(len(own))) as w:
        pool = (
            ProcessPoolExecutor(
                max_workers=len(others),
                mp_context=ctx,
                initializer=_init_worker,
                initargs=(counter,),
            )
            if others
            else None
        )
        try:
            futures: list[Future[SegmentResult]] = (
                [pool.submit(_write_share, str(ws.root), share) for share in others]
                if pool is not None
                else []
            )
            for entry in _stored_entries(ws, own, own_step, given):
                w.add_document(**entry)
                written += 1
            while futures:
                finished, _ = wait(futures, timeout=0.5, return_when=FIRST_EXCEPTION)
                if progress is not None:
                    progress(own_done + counter.value, total)
                if any(f.exception() is not None for f in finished):
                    break
                if len(finished) == len(futures):
                    break
            results = [f.result() for f in futures]  # a worker's error is raised here
        except (BrokenProcessPool, OSError, pickle.PicklingError) as exc:
            raise StoreError(
                f"cannot build the search index in {ws.index_dir}: a build process failed "
                f"({type(exc).__name__}: {exc})"
            ) from exc
        finally:
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
        w.extra_segments = results
        written += sum(r.entries for r in results)
    return written
