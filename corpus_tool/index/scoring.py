"""BM25F with field lengths read once per segment, so scoring a common word stays fast.

Whoosh's BM25F looks up each matching entry's field length through its column
reader, which costs more than the rest of scoring together. Segments never
change once written, so their length tables are cached by segment id. The
table is read from the column's bytes in one piece (one byte per entry) and
turned into lengths with a 256-entry table, instead of one column read per
entry: at a million provisions that per-entry loop alone took ~0.7 s per field
on a query's first run.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.scoring import BM25F, BM25FScorer
from whoosh.util.numeric import byte_to_length

_LENGTHS: OrderedDict[tuple[str, str], list[int]] = OrderedDict()
_ARRAYS: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
_MAX_CACHED = 64

# Length byte -> length, as the per-entry path reads it (a missing length, byte 0, counts as 1).
_BYTE_LENGTHS = np.array([byte_to_length(b) if b else 1 for b in range(256)], dtype=np.int64)


def _column(reader: Any, fieldname: str) -> Any:
    perdoc = getattr(reader, "_perdoc", None)
    if perdoc is None or not hasattr(perdoc, "_cached_reader"):
        return None
    return perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)


def _length_bytes(column: Any, doccount: int) -> np.ndarray:
    """Every entry's length byte, read from the column in one piece where its layout
    allows (Whoosh's fixed-width column: entries past the written ones hold the
    default), else one entry at a time."""
    fixedlen = getattr(column, "_fixedlen", None)
    dbfile, base, written = (getattr(column, a, None) for a in ("_dbfile", "_basepos", "_count"))
    default = getattr(column, "_defaultbytes", None)
    if fixedlen == 1 and dbfile is not None and isinstance(written, int) and default is not None:
        codes = np.full(doccount, default[0], dtype=np.uint8)
        n = min(written, doccount)
        if n:
            codes[:n] = np.frombuffer(bytes(dbfile.get(base, n)), dtype=np.uint8)
        return codes
    return np.fromiter(column, dtype=np.uint8, count=doccount)


def _length_ints(reader: Any, fieldname: str) -> np.ndarray | None:
    column = _column(reader, fieldname)
    if column is None:
        return None
    return _BYTE_LENGTHS[_length_bytes(column, reader.doc_count_all())]


def _field_lengths(reader: Any, fieldname: str) -> list[int] | None:
    """The field length of every entry as a list (for Whoosh's per-entry scorer)."""
    segment = getattr(reader, "segment", None)
    if segment is None:
        return None
    key = (segment().segment_id(), fieldname)
    cached = _LENGTHS.get(key)
    if cached is not None:
        _LENGTHS.move_to_end(key)
        return cached
    array = field_length_array(reader, fieldname)
    if array is None:
        return None
    table = array.astype(np.int64).tolist()
    _LENGTHS[key] = table
    if len(_LENGTHS) > _MAX_CACHED:
        _LENGTHS.popitem(last=False)
    return table


def field_length_array(reader: Any, fieldname: str) -> np.ndarray | None:
    """The field lengths of a segment's entries as a float64 array (scoring many at once)."""
    segment = getattr(reader, "segment", None)
    if segment is None:
        return None
    key = (segment().segment_id(), fieldname)
    cached = _ARRAYS.get(key)
    if cached is not None:
        _ARRAYS.move_to_end(key)
        return cached
    lengths = _length_ints(reader, fieldname)
    if lengths is None:
        return None
    array = lengths.astype(np.float64)
    _ARRAYS[key] = array
    if len(_ARRAYS) > _MAX_CACHED:
        _ARRAYS.popitem(last=False)
    return array


class CachedBM25F(BM25F):
    """BM25F (Whoosh's defaults) over cached per-segment field-length tables."""

    def scorer(self, searcher: Any, fieldname: str, text: bytes, qf: int = 1) -> Any:
        scorer = super().scorer(searcher, fieldname, text, qf=qf)
        if isinstance(scorer, BM25FScorer):
            reader = searcher.reader()
            if _column(reader, fieldname) is not None:
                # the per-entry table is made only if Whoosh's matchers score with it:
                # the array path (postings.py) reads field_length_array instead
                table: list[list[int]] = []

                def dfl(docnum: int) -> float:
                    if not table:
                        got = _field_lengths(reader, fieldname)
                        assert got is not None
                        table.append(got)
                    return table[0][docnum]

                scorer.dfl = dfl
        return scorer
