"""Fast Whoosh segment writing: a writer with cheaper spills, segments written in parallel processes, and a merge policy that leaves large segments alone.

The files written are ordinary Whoosh segments (same codec, schema and
positions), so a reader cannot tell how they were made. What differs is the
work of writing them:

* :class:`FastSegmentWriter` analyses our legal-word fields in one pass over
  the cached words (not a chain of generators per word), spills its posting
  pool to disk in pickled batches rather than one pickle per posting, and
  reads each field length once per document rather than once per posting when
  it writes the postings.
* :func:`write_segment` builds one complete segment from stored bundles; a
  build on several cores runs it in worker processes (``spawn``), each on its
  share of the documents, while the parent writes its own share. A worker
  never reads an index file (it only creates new ones), so it needs no key:
  the parent signs the files it reports once the new table of contents that
  lists them has been committed.
* :func:`merge_small` is the commit's merge policy: only segments far smaller
  than the largest are merged, so adding one document to a large index writes
  that document's entries (and perhaps a few small segments), never a rewrite
  of the big ones.
"""

from __future__ import annotations

import contextlib
import os
import pickle
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from whoosh import fields, formats
from whoosh.filedb.filestore import FileStorage
from whoosh.reading import SegmentReader
from whoosh.util import random_name
from whoosh.writing import PostingPool, SegmentWriter

from corpus_tool.index import analysis

# Postings pickled per spill record: big enough that pickle's per-call cost
# vanishes, small enough that the merge, which holds one record of every run,
# stays small.
SPILL_BATCH = 4_096
# Memory for a writer's posting pool before it spills a sorted run (MiB, by
# Whoosh's estimate). Spills cost little once batched: 10k provisions in one
# segment took the same CPU time with 32 as with 128 (15.9 s against 17.8 s,
# loaded machine) and peaked at 81 MiB instead of 193, so an ingest's index
# step no longer grows with a large document.
POOL_MB = 32
# A segment is "small" (merged at the next commit) below this share of the
# largest segment's documents, or below SMALL_DOCS documents whatever the rest.
SMALL_SHARE = 0.05
SMALL_DOCS = 2_000
# Small segments are merged only once there are this many of them, so most
# commits merge nothing and write only their own segment.
MERGE_AT = 6


class _BatchedPool(PostingPool):
    """Whoosh's posting pool, spilling runs as pickled lists of postings."""

    def _write_run(self, f: Any, items: Iterable[Any]) -> None:
        batch: list[Any] = []
        for item in items:
            batch.append(item)
            if len(batch) >= SPILL_BATCH:
                pickle.dump(batch, f, pickle.HIGHEST_PROTOCOL)
                batch = []
        if batch:
            pickle.dump(batch, f, pickle.HIGHEST_PROTOCOL)
        f.close()

    def _read_run(self, path: str) -> Iterator[Any]:
        f = self._open_run(path)
        try:
            while True:
                try:
                    batch = pickle.load(f)
                except EOFError:
                    return
                yield from batch
        finally:
            f.close()
            self._remove_run(path)


class _Lengths:
    """A segment's per-document field lengths, each read once (the posting writer asks per posting)."""

    def __init__(self, reader: Any, doc_count: int) -> None:
        self.reader = reader
        self.doc_count = doc_count
        self.by_field: dict[str, list[int]] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int:
        column = self.by_field.get(fieldname)
        if column is None:
            read = self.reader.doc_field_length
            column = [read(d, fieldname, 0) for d in range(self.doc_count)]
            self.by_field[fieldname] = column
        return column[docnum] if 0 <= docnum < len(column) else default


class _FastField:
    """A schema field whose ``index`` analyses our legal-word fields in one pass.

    Whoosh runs every word through a chain of generators (tokenizer, lower-case,
    stemmer) and then groups positions per word; for the fields analysed by
    :mod:`corpus_tool.index.analysis` this computes the same postings (same
    terms, frequencies, weights and encoded positions: a test compares them on
    real provisions) from the words the tokenizer already caches, with the
    format's own encoder. Everything else is the field's own.
    """

    def __init__(self, field: fields.FieldType, stemmed: bool) -> None:
        self._field = field
        self._stemmed = stemmed
        self._encode = field.format.encode
        self._boost = float(field.format.field_boost)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._field, name)

    def index(self, value: Any, **kwargs: Any) -> Iterator[tuple[bytes, int, float, bytes]]:
        if kwargs or not isinstance(value, str):
            yield from self._field.index(value, **kwargs)
            return
        poses: dict[str, list[int]] = {}
        if self._stemmed:
            for w in analysis.cached_words(value):
                poses.setdefault(analysis.stem(w.text.lower()), []).append(w.pos)
        else:
            for w in analysis.cached_words(value):
                poses.setdefault(w.text.lower(), []).append(w.pos)
        encode, boost = self._encode, self._boost
        for text, positions in poses.items():
            n = len(positions)
            yield text.encode("utf-8"), n, float(n) * boost, encode(positions)


class _FastSchema:
    """The writer's view of the schema while adding a document (the TOC keeps the real one)."""

    def __init__(self, schema: fields.Schema) -> None:
        stemmed, exact = analysis.stemmed_analyzer(), analysis.exact_analyzer()
        self.fields: dict[str, Any] = {}
        for name, field in schema.items():
            analyzer = getattr(field, "analyzer", None)
            fast = isinstance(field.format, formats.Positions) and not field.vector
            if fast and analyzer == stemmed:
                self.fields[name] = _FastField(field, stemmed=True)
            elif fast and analyzer == exact:
                self.fields[name] = _FastField(field, stemmed=False)
            else:
                self.fields[name] = field

    def __contains__(self, name: str) -> bool:
        return name in self.fields

    def __getitem__(self, name: str) -> Any:
        return self.fields[name]


class FastSegmentWriter(SegmentWriter):
    """A SegmentWriter writing ordinary Whoosh segments with less Python work per posting."""

    def __init__(self, ix: Any, **kwargs: Any) -> None:
        limitmb = kwargs.setdefault("limitmb", POOL_MB)
        super().__init__(ix, **kwargs)
        # Whoosh names every writer's scratch folder after the index, and a
        # writer that finishes empties it: writers running side by side need
        # their own (the shared one, still empty, is removed).
        me: Any = self  # Whoosh is untyped: its attributes are Any here
        shared = me._tempstorage
        self._tempstorage = self.storage.temp_storage(f"{self.indexname}.{random_name()}.tmp")
        with contextlib.suppress(OSError):
            os.rmdir(shared.folder)
        self.pool = _BatchedPool(self._tempstorage, self.newsegment, limitmb=limitmb)
        # Set by the caller before the commit: segments written by other
        # processes (committed with this writer's own), and whether nothing
        # changed (then the writer is cancelled instead of committed).
        self.extra_segments: list[Any] = []
        self.unchanged = False
        self._fast_schema: Any = _FastSchema(me.schema)

    def add_document(self, **fields: Any) -> None:
        me: Any = self
        schema = me.schema
        me.schema = self._fast_schema
        try:
            super().add_document(**fields)
        finally:
            me.schema = schema

    def _finish(self) -> None:
        super()._finish()
        # Whoosh's shared scratch folder, made again by any writer that started
        # after another had removed it: empty once every writer is done.
        with contextlib.suppress(OSError):
            os.rmdir(os.path.join(self.storage.folder, f"{self.indexname}.tmp"))

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        pdr = self.per_document_reader() if self.codec.length_stats else None
        lengths = _Lengths(pdr, self.docnum) if pdr is not None else None
        self.fieldwriter.add_postings(self.schema, lengths, self.pool.iter_postings())
        self.fieldwriter.close()
        if pdr is not None:
            pdr.close()

    def commit_with(self, segments: list[Any], mergetype: Any) -> None:
        """Commit this writer's work plus ``segments`` written elsewhere, in one new TOC.

        As Whoosh's own multiprocessing writer does: the merge policy first, then
        the segments of the other writers, then this writer's own segment.
        """
        final = list(self._merge_segments(mergetype, False, True))
        final.extend(segments)
        if self._added:
            final.append(self._finalize_segment())
        else:
            self._close_segment()
        self._commit_toc(final)
        self._finish()


def merge_small(writer: SegmentWriter, segments: list[Any]) -> list[Any]:
    """Merge policy: merge the small segments into the new one once there are MERGE_AT of them.

    Large segments are never read or rewritten by a commit (only by a rebuild),
    so one document's update costs its own entries whatever the index's size.
    """
    if not segments:
        return segments
    largest = max(s.doc_count_all() for s in segments)
    limit = max(SMALL_DOCS, int(largest * SMALL_SHARE))
    small = [s for s in segments if s.doc_count_all() - s.deleted_count() < limit]
    if len(small) < MERGE_AT:
        return segments
    for seg in small:
        reader = SegmentReader(writer.storage, writer.schema, seg)
        writer.add_reader(reader)
        reader.close()
    return [s for s in segments if s not in small]


# --- segments written by worker processes ------------------------------------------


class _RecordingStorage(FileStorage):
    """A file storage that remembers the files it created (the parent signs them)."""

    def __init__(self, folder: str) -> None:
        super().__init__(folder)
        self.created: list[str] = []

    def create_file(self, name: str, *args: Any, **kwargs: Any) -> Any:
        f = super().create_file(name, *args, **kwargs)
        self.created.append(name)
        return f


@dataclass
class _Toc:
    generation: int
    schema: fields.Schema
    segments: list[Any]


class _NewIndex:
    """What a SegmentWriter needs of an index to write a fresh segment: no index file is read."""

    def __init__(self, storage: FileStorage, indexname: str, schema: fields.Schema) -> None:
        self.storage = storage
        self.indexname = indexname
        self.schema = schema

    def _read_toc(self) -> _Toc:
        return _Toc(-1, self.schema, [])


@dataclass
class SegmentResult:
    """A segment written by :func:`write_segment` (plain data: it comes back from a worker)."""

    segment: Any  # a whoosh Segment, or None when no entry was written
    files: list[str]  # names of the files created in the index folder
    entries: int


def write_segment(
    index_dir: str, indexname: str, schema: fields.Schema, entries: Iterable[dict[str, Any]]
) -> SegmentResult:
    """Write ``entries`` into one new segment in ``index_dir`` (not yet listed in any TOC)."""
    storage = _RecordingStorage(index_dir)
    w = FastSegmentWriter(_NewIndex(storage, indexname, schema), _lk=False)
    count = 0
    try:
        for entry in entries:
            w.add_document(**entry)
            count += 1
        if w._added:
            segment = w._finalize_segment()
        else:
            segment = None
            w._close_segment()
    except BaseException:
        w.cancel()
        raise
    w._finish()
    return SegmentResult(segment, storage.created, count)
