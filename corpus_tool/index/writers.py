"""Fast Whoosh segment writing: postings gathered per term and written a posting list at a time, segments written in parallel processes, and a merge policy that leaves large segments alone.

The files written are ordinary Whoosh segments (same codec, schema, blocks
and positions), so Whoosh's reader cannot tell how they were made
(``tests/test_index_bulk_writer.py`` compares everything it reads back with a
segment Whoosh's own writer wrote). What differs is the work of writing them:

* :class:`FastSegmentWriter` analyses our legal-word fields in one pass
  (each text's words grouped with their positions once, shared by its stemmed
  and exact fields; an ID field's one term made directly) and puts the
  postings in a :class:`_TermPool`, one flat list per term, since entries
  arrive in order and so do a term's postings. Beyond its memory limit the
  pool spills sorted runs of terms; at the end the runs are merged term by
  term and :func:`write_postings` writes each term's whole posting list as the
  codec's blocks, instead of Whoosh's sort of every posting and one codec
  call per posting.
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
import heapq
import os
import pickle
import zlib
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import groupby
from operator import sub
from typing import Any

from whoosh import fields, formats
from whoosh.analysis import IDTokenizer
from whoosh.codec.whoosh3 import (
    LENGTHS_COLUMN,
    WHOOSH3_HEADER_MAGIC,
    W3FieldWriter,
    W3TermInfo,
)
from whoosh.filedb.filestore import FileStorage
from whoosh.reading import SegmentReader
from whoosh.system import pack_ushort
from whoosh.util import random_name
from whoosh.util.numeric import byte_to_length
from whoosh.writing import SegmentWriter

from corpus_tool.index import analysis

# Postings pickled per spill record: big enough that pickle's per-call cost
# vanishes, small enough that the merge, which holds one record of every run,
# stays small.
SPILL_BATCH = 4_096
# Memory for a writer's posting pool before it spills a sorted run (MiB, by
# Whoosh's estimate). Spills cost little once batched: 10k provisions in one
# segment took the same CPU time with 32 as with 128 (15.9 s against 17.8 s,
# loaded machine) and peaked at 81 MiB instead of 193; 37k provisions took the
# same CPU time with 8 as with 32 (41.5-44.7 s against 42.8-43.3 s, load 4-6).
# A writer of one document's entries (an update, or a rebuild of a store that
# holds one document: an ingest's index step) pools POOL_MB, so that step does
# not grow with a large document: 1,000 pages of the AI Act added 17 MiB to
# the resident set with 8 (14 MiB at 100 pages), 44 MiB with 32. A rebuild's
# share of several documents pools REBUILD_POOL_MB: the final merge holds one
# record of every run, so a small pool over a large store would hold more.
POOL_MB = 8
REBUILD_POOL_MB = 32
# A segment is "small" (merged at the next commit) below this share of the
# largest segment's documents, or below SMALL_DOCS documents whatever the rest.
SMALL_SHARE = 0.05
SMALL_DOCS = 2_000
# Small segments are merged only once there are this many of them, so most
# commits merge nothing and write only their own segment.
MERGE_AT = 6


class _TermPool:
    """A segment's postings gathered per term as they are added, spilled in sorted runs.

    Whoosh's pool keeps one tuple per posting, sorts them all and hands them
    to the codec one call per posting. Documents are added in entry order, so
    each term's postings already come sorted: here a term's postings are one
    flat list ``[entry, weight, value, entry, weight, value, ...]`` and only
    the terms are sorted. When the pool's estimate passes its limit, the terms
    are written to a run file in order; the final pass merges runs term by term
    (the postings of a term in a later run follow those of an earlier one).
    It also takes single postings (``add``), as Whoosh's pool does, for the
    entries a merge copies from other segments.
    """

    # Bytes per posting (three list slots, the value usually shared) and per new
    # term (its list, key and dict slot), for the spill limit.
    POSTING_BYTES = 40
    TERM_BYTES = 200

    def __init__(self, tempstore: Any, limitmb: int) -> None:
        self.tempstore = tempstore
        self.limit = limitmb * 1024 * 1024
        self.size = 0
        self.fields: dict[str, dict[bytes, list[Any]]] = {}
        self.runs: list[str] = []
        self.fieldnames: set[str] = set()

    def terms_of(self, fieldname: str) -> dict[bytes, list[Any]]:
        terms = self.fields.get(fieldname)
        if terms is None:
            terms = self.fields[fieldname] = {}
            self.fieldnames.add(fieldname)
        return terms

    def grew(self, postings: int, new_terms: int) -> None:
        self.size += postings * self.POSTING_BYTES + new_terms * self.TERM_BYTES
        if self.size > self.limit:
            self._spill()

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        fieldname, btext, docnum, weight, vbytes = item
        terms = self.terms_of(fieldname)
        acc = terms.get(btext)
        if acc is None:
            terms[btext] = [docnum, weight, vbytes]
            self.grew(1, 1)
        else:
            acc += (docnum, weight, vbytes)
            self.grew(1, 0)

    def _spill(self) -> None:
        path = f"{random_name()}.run"
        f = self.tempstore.create_file(path).raw_file()
        try:
            # Records of about SPILL_BATCH postings (not terms: the final merge
            # holds one record of every run, and a record of common terms'
            # postings read back costs some 80 bytes a posting).
            batch: list[Any] = []
            postings = 0
            for item in self._sorted_memory():
                batch.append(item)
                postings += len(item[2])
                if postings >= 3 * SPILL_BATCH:
                    pickle.dump(batch, f, pickle.HIGHEST_PROTOCOL)
                    batch, postings = [], 0
            if batch:
                pickle.dump(batch, f, pickle.HIGHEST_PROTOCOL)
        finally:
            f.close()
        self.runs.append(path)
        self.fields = {}
        self.size = 0

    def _sorted_memory(self) -> Iterator[tuple[str, bytes, list[Any]]]:
        for fieldname in sorted(self.fields):
            terms = self.fields[fieldname]
            for btext in sorted(terms):
                yield fieldname, btext, terms[btext]

    def _read_run(self, path: str) -> Iterator[tuple[str, bytes, list[Any]]]:
        f = self.tempstore.open_file(path).raw_file()
        try:
            while True:
                try:
                    batch = pickle.load(f)
                except EOFError:
                    return
                yield from batch
        finally:
            f.close()
            self.tempstore.delete_file(path)

    def iter_terms(self) -> Iterator[tuple[str, bytes, list[Any]]]:
        """Every term's whole posting list (fieldname, term bytes, flat list), in order."""
        if not self.runs:
            yield from self._sorted_memory()
            return
        sources = [self._read_run(path) for path in self.runs]
        sources.append(self._sorted_memory())
        self.runs = []
        # heapq.merge is stable: a term's lists come in run order, which is entry order.
        merged = heapq.merge(*sources, key=lambda item: (item[0], item[1]))
        for (fieldname, btext), group in groupby(merged, key=lambda item: (item[0], item[1])):
            parts = [item[2] for item in group]
            acc = parts[0] if len(parts) == 1 else [x for part in parts for x in part]
            yield fieldname, btext, acc

    def iter_postings(self) -> Iterator[tuple[str, bytes, int, float, bytes | None]]:
        """Whoosh's pool interface: one posting at a time, in order."""
        for fieldname, btext, acc in self.iter_terms():
            for i in range(0, len(acc), 3):
                yield fieldname, btext, acc[i], acc[i + 1], acc[i + 2]

    def cleanup(self) -> None:
        for path in self.runs:
            with contextlib.suppress(OSError):
                self.tempstore.delete_file(path)
        self.runs = []
        self.fields = {}


def _length_bytes(pdr: Any, fieldname: str, doc_count: int) -> bytes | None:
    """The length byte of every entry in ``fieldname`` (as the codec reads it per posting), or None."""
    if pdr is None:
        return None
    reader = pdr._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN)
    if reader is None:
        return None
    try:
        raw = reader._dbfile.get(reader._basepos, reader._count)
    except AttributeError:  # another column layout: ask per entry
        return bytes(reader[d] for d in range(doc_count))
    return bytes(raw) + bytes(doc_count - len(raw))


def _distinct(values: list[bytes]) -> list[bytes]:
    """``values`` with no object twice (equal bytes may repeat as distinct objects).

    pickle writes an object it has already written in a block as a memo
    reference; Whoosh's own writer has a fresh bytes per posting, so its blocks
    hold every value in full. The cached one-position encodings (``_value``)
    repeat one object; copied here, the block's bytes are Whoosh's, which the
    search side's bulk block reader (``index/blocks.py``) depends on.
    """
    seen: set[int] = set()
    out: list[bytes] = []
    for v in values:
        if id(v) in seen:
            v = bytes(bytearray(v))
        else:
            seen.add(id(v))
        out.append(v)
    return out


def write_postings(
    fieldwriter: Any, schema: Any, pdr: Any, doc_count: int, pool: _TermPool
) -> None:
    """Write every term of ``pool`` through ``fieldwriter``'s files, a whole posting list at a time.

    The bytes are those of Whoosh's ``W3PostingsWriter`` (blocks of the codec's
    size, each a pickled, compressed tuple of gap-coded entry numbers, weights
    and values, with the same block header and term info), built from slices
    of the term's list instead of one ``add`` call per posting. Block weights,
    lengths and maxima are computed as Whoosh computes them, in the same order,
    so the term infos are equal to the last bit (``tests/test_index_build.py``
    reads both back with Whoosh's reader).
    """
    codec = fieldwriter._codec
    blocklimit = codec._blocklimit
    level = codec._compression
    postfile = fieldwriter._postfile
    tindex = fieldwriter._tindex
    lastfield = None
    prefix = b""
    fmt: Any = None
    lengths: bytes | None = None
    for fieldname, btext, acc in pool.iter_terms():
        if fieldname != lastfield:
            if lastfield is not None:
                fieldwriter.finish_field()
            fieldobj = schema[fieldname]
            fieldwriter.start_field(fieldname, fieldobj)
            prefix = pack_ushort(fieldwriter._fieldid)
            fmt = fieldobj.format
            fixed = fmt.fixed_value_size()
            lengths = _length_bytes(pdr, fieldname, doc_count)
            lastfield = fieldname
        ids = acc[0::3]
        weights = acc[1::3]
        values = acc[2::3]
        info = W3TermInfo()
        start = postfile.tell()
        postfile.write(WHOOSH3_HEADER_MAGIC)
        count = len(ids)
        for b in range(0, count, blocklimit):
            e = min(b + blocklimit, count)
            bids = ids[b:e]
            bweights = array("f", weights[b:e])
            maxweight = max(0, max(weights[b:e]))  # as Whoosh keeps it: from 0, first of ties
            # Whoosh reads each entry's length back from its length byte and
            # writes the block's least and greatest as length bytes again: the
            # bytes themselves (a test checks the round trip), zero = no length.
            minbyte = maxbyte = 0
            if lengths is not None:
                lbs = [lengths[d] for d in bids]
                maxbyte = max(lbs)
                if maxbyte:
                    minbyte = min(lb for lb in lbs if lb)
            minlength = byte_to_length(minbyte) if minbyte else None
            maxlength = byte_to_length(maxbyte)
            # the term's statistics, block by block as TermInfo.add_block adds them
            info._weight += sum(bweights)
            info._df += e - b
            if info._minlength is None:
                info._minlength = minlength
            elif minlength is not None:
                info._minlength = min(info._minlength, minlength)
            info._maxlength = max(info._maxlength, maxlength)
            info._maxweight = max(info._maxweight, maxweight)
            if info._minid is None:
                info._minid = bids[0]
            info._maxid = bids[-1]
            gaps = tuple(map(sub, bids, [0, *bids[:-1]]))
            if all(w == 1.0 for w in bweights):
                mini_weights: Any = None
            elif all(w == bweights[0] for w in bweights):
                mini_weights = bweights[0]
            else:
                mini_weights = tuple(bweights)
            kept = _distinct([v for v in values[b:e] if v])
            if fixed is None or fixed < 0:
                mini_values: Any = tuple(kept)
            elif fixed == 0:
                mini_values = None
            else:
                mini_values = b"".join(kept)
            databytes = pickle.dumps((gaps, mini_weights, mini_values), 2)
            if level:
                databytes = zlib.compress(databytes, level)
            infobytes = pickle.dumps(
                (
                    e - b,
                    bids[-1],
                    maxweight,
                    level,
                    minbyte,
                    maxbyte,
                ),
                2,
            )
            blocklength = len(infobytes) + len(databytes)
            postfile.write_int(-blocklength if e == count else blocklength)
            postfile.write(infobytes)
            postfile.write(databytes)
        info.set_extent(start, postfile.tell() - start)
        tindex.add(prefix + btext, info.to_bytes())
    if lastfield is not None:
        fieldwriter.finish_field()


# Encoded positions of a term found once in an entry, by position: most
# postings are of such terms, and the same few thousand positions recur in
# every entry. Cleared when full (it only saves work).
_ONE_POSITION: dict[int, bytes] = {}
_ONE_POSITION_MAX = 1 << 16


@lru_cache(maxsize=4)
def _word_groups(text: str) -> dict[str, int | list[int]]:
    """Each word of ``text`` (first seen first) with its position, or its positions if several.

    Cached: text and exact (heading and heading_exact) group the same value in
    turn, then map the words to their own terms. Never modified by callers.
    """
    groups: dict[str, Any] = {}
    for word, pos in analysis.word_positions(text):
        got = groups.get(word)
        if got is None:
            groups[word] = pos
        elif type(got) is int:
            groups[word] = [got, pos]
        else:
            got.append(pos)
    return groups


class _FastField:
    """A schema field whose ``index`` analyses our legal-word fields in one pass.

    Whoosh runs every word through a chain of generators (tokenizer, lower-case,
    stemmer) and then groups positions per word; for the fields analysed by
    :mod:`corpus_tool.index.analysis` this computes the same postings (same
    terms, frequencies, weights and encoded positions: a test compares them on
    real provisions) from the (word, position) pairs of
    ``analysis.word_positions``, with each word's term bytes and each single
    position's encoding computed once. Everything else is the field's own.
    """

    def __init__(self, field: fields.FieldType, stemmed: bool) -> None:
        self._field = field
        self._stemmed = stemmed
        self._encode = field.format.encode
        self._boost = float(field.format.field_boost)
        self._terms: dict[str, bytes] = {}  # word -> term bytes (stemmed or not)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._field, name)

    def _term(self, word: str) -> bytes:
        # Whoosh's chain lower-cases the tokenizer's (already lower-cased) word again
        lowered = word.lower()
        text = analysis.stem(lowered) if self._stemmed else lowered
        btext = self._terms[word] = text.encode("utf-8")
        return btext

    def _grouped(self, value: str) -> dict[bytes, Any]:
        """Term bytes -> position (or sorted positions) of every term of ``value``, first seen first."""
        terms = self._terms
        poses: dict[bytes, Any] = {}
        for word, got in _word_groups(value).items():
            btext = terms.get(word)
            if btext is None:
                btext = self._term(word)
            had = poses.get(btext)
            if had is None:
                poses[btext] = got
            else:  # two words, one term (one stem): their positions in order
                both: list[int] = [had] if type(had) is int else list(had)
                both.extend([got] if isinstance(got, int) else got)
                poses[btext] = sorted(both)
        return poses

    def _value(self, got: Any) -> bytes:
        if type(got) is not int:
            return self._encode(got)
        one = _ONE_POSITION
        vbytes = one.get(got)
        if vbytes is None:
            if len(one) >= _ONE_POSITION_MAX:
                one.clear()
            vbytes = one[got] = self._encode([got])
        return vbytes

    def postings(self, value: str) -> list[tuple[bytes, int, float, bytes]]:
        """``(term bytes, frequency, weight, encoded positions)`` of every term of ``value``."""
        out = []
        boost = self._boost
        for btext, got in self._grouped(value).items():
            n = 1 if type(got) is int else len(got)
            out.append((btext, n, float(n) * boost, self._value(got)))
        return out

    def add_to(
        self, terms: dict[bytes, list[Any]], docnum: int, value: str, fieldboost: float
    ) -> tuple[int, int, int]:
        """Add the postings of ``value`` to a pool's terms; returns (length, postings, new terms).

        The same postings as ``postings`` (weights times ``fieldboost``, as
        Whoosh's writer multiplies them), without a tuple per posting between.
        """
        boost = self._boost
        one_weight = boost * fieldboost
        length = new = 0
        poses = self._grouped(value)
        for btext, got in poses.items():
            if type(got) is int:
                length += 1
                weight = one_weight
            else:
                n = len(got)
                length += n
                weight = float(n) * boost * fieldboost
            vbytes = self._value(got)
            acc = terms.get(btext)
            if acc is None:
                terms[btext] = [docnum, weight, vbytes]
                new += 1
            else:
                acc += (docnum, weight, vbytes)
        return length, len(poses), new

    def index(self, value: Any, **kwargs: Any) -> Iterator[tuple[bytes, int, float, bytes]]:
        if kwargs or not isinstance(value, str):
            yield from self._field.index(value, **kwargs)
            return
        yield from self.postings(value)


class _IdField:
    """An ``ID`` field (the whole value is the one term, no frequency): its posting without the analyser."""

    def __init__(self, field: fields.FieldType) -> None:
        self._field = field
        self._boost = field.format.field_boost

    def __getattr__(self, name: str) -> Any:
        return getattr(self._field, name)

    def postings(self, value: str) -> list[tuple[bytes, int, float, bytes]]:
        return [(value.encode("utf-8"), 1, self._boost, b"")]

    def index(self, value: Any, **kwargs: Any) -> Iterator[tuple[bytes, int, float, bytes]]:
        if kwargs or not isinstance(value, str):
            yield from self._field.index(value, **kwargs)
            return
        yield from self.postings(value)


class _FastSchema:
    """The writer's view of the schema while adding a document (the TOC keeps the real one)."""

    def __init__(self, schema: fields.Schema) -> None:
        stemmed, exact = analysis.stemmed_analyzer(), analysis.exact_analyzer()
        self.fields: dict[str, Any] = {}
        for name, field in schema.items():
            analyzer = getattr(field, "analyzer", None)
            # exactly Positions: a subclass (Characters) encodes other values
            fast = type(field.format) is formats.Positions and not field.vector
            if fast and analyzer == stemmed:
                self.fields[name] = _FastField(field, stemmed=True)
            elif fast and analyzer == exact:
                self.fields[name] = _FastField(field, stemmed=False)
            elif (
                type(field) is fields.ID
                and type(field.format) is formats.Existence
                and type(analyzer) is IDTokenizer
            ):
                self.fields[name] = _IdField(field)
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
        self.pool: Any = _TermPool(self._tempstorage, limitmb)
        # Set by the caller before the commit: segments written by other
        # processes (committed with this writer's own), and whether nothing
        # changed (then the writer is cancelled instead of committed).
        self.extra_segments: list[Any] = []
        self.unchanged = False
        self._fast_schema: Any = _FastSchema(me.schema)
        # Whoosh's own add_document for what ours does not do (spelling words,
        # term vectors): none of our fields has either.
        self._plain = any(f.separate_spelling() or f.vector for _, f in me.schema.items())

    def add_document(self, **fields: Any) -> None:
        """Whoosh's ``SegmentWriter.add_document``, handing each field's postings to the pool whole.

        Same stored values, lengths and columns, in the same order; our
        legal-word fields are analysed by :class:`_FastField`. A schema with
        spelling or vector fields (not ours) goes through Whoosh's own method.
        """
        me: Any = self
        if self._plain:
            schema = me.schema
            me.schema = self._fast_schema
            try:
                super().add_document(**fields)
            finally:
                me.schema = schema
            return
        me._check_state()
        schema = me.schema
        fast = self._fast_schema
        pdw = me.perdocwriter
        pool = self.pool
        docnum = me.docnum
        docboost = me._doc_boost(fields)
        fieldnames = sorted(name for name in fields if not name.startswith("_"))
        me._check_fields(schema, fieldnames)
        pdw.start_doc(docnum)
        try:
            for fieldname in fieldnames:
                value = fields.get(fieldname)
                if value is None:
                    continue
                field = schema[fieldname]
                length = 0
                if field.indexed:
                    fieldboost = me._field_boost(fields, fieldname, docboost)
                    fastfield = fast[fieldname]
                    terms = pool.terms_of(fieldname)
                    items: Any = ()
                    if type(fastfield) is _FastField and type(value) is str:
                        length, added, new = fastfield.add_to(terms, docnum, value, fieldboost)
                        pool.grew(added, new)
                        if not field.scorable:
                            length = 0
                    elif type(fastfield) is _IdField and type(value) is str:
                        items = fastfield.postings(value)
                    else:
                        items = field.index(value)
                    scorable = field.scorable
                    added = new = 0
                    for tbytes, freq, weight, vbytes in items:
                        if fieldboost != 1.0:
                            weight *= fieldboost
                        if scorable:
                            length += freq
                        acc = terms.get(tbytes)
                        if acc is None:
                            terms[tbytes] = [docnum, weight, vbytes]
                            new += 1
                        else:
                            acc += (docnum, weight, vbytes)
                        added += 1
                    pool.grew(added, new)
                customval = fields.get(f"_stored_{fieldname}", value)
                pdw.add_field(fieldname, field, customval if field.stored else None, length)
                column = field.column_type
                if column and customval is not None:
                    pdw.add_column_value(fieldname, column, field.to_column_value(customval))
        except Exception:
            pdw.cancel_doc()
            raise
        pdw.finish_doc()
        me._added = True
        me.docnum += 1

    def _finish(self) -> None:
        super()._finish()
        # Whoosh's shared scratch folder, made again by any writer that started
        # after another had removed it: empty once every writer is done.
        with contextlib.suppress(OSError):
            os.rmdir(os.path.join(self.storage.folder, f"{self.indexname}.tmp"))

    def _flush_segment(self) -> None:
        me: Any = self
        me.perdocwriter.close()
        pdr = me.per_document_reader() if me.codec.length_stats else None
        try:
            if isinstance(me.fieldwriter, W3FieldWriter):
                write_postings(me.fieldwriter, me.schema, pdr, me.docnum, self.pool)
            else:  # another codec: its own writer, one posting at a time
                me.fieldwriter.add_postings(me.schema, pdr, self.pool.iter_postings())
            me.fieldwriter.close()
        finally:
            if pdr is not None:
                pdr.close()

    def commit_with(self, segments: list[Any], mergetype: Any) -> list[Any]:
        """Commit this writer's work plus ``segments`` written elsewhere, in one new TOC.

        As Whoosh's own multiprocessing writer does: the merge policy first, then
        the segments of the other writers, then this writer's own segment.
        Returns the segments the new TOC lists.
        """
        final = list(self._merge_segments(mergetype, False, True))
        final.extend(segments)
        if self._added:
            final.append(self._finalize_segment())
        else:
            self._close_segment()
        self._commit_toc(final)
        self._finish()
        return final


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


def pool_mb(documents: int) -> int:
    """The pool limit of a writer of ``documents`` documents' entries (see POOL_MB)."""
    return REBUILD_POOL_MB if documents > 1 else POOL_MB


def write_segment(
    index_dir: str,
    indexname: str,
    schema: fields.Schema,
    entries: Iterable[dict[str, Any]],
    limitmb: int | None = None,
) -> SegmentResult:
    """Write ``entries`` into one new segment in ``index_dir`` (not yet listed in any TOC)."""
    storage = _RecordingStorage(index_dir)
    w = FastSegmentWriter(
        _NewIndex(storage, indexname, schema), _lk=False, limitmb=limitmb or POOL_MB
    )
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
