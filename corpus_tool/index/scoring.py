"""BM25F with field lengths read once per segment, so scoring a common word stays fast.

Whoosh's BM25F looks up each matching entry's field length through its column
reader, which costs more than the rest of scoring together. Segments never
change once written, so their length tables are cached by segment id.
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


def _field_lengths(reader: Any, fieldname: str) -> list[int] | None:
    segment = getattr(reader, "segment", None)
    if segment is None:
        return None
    key = (segment().segment_id(), fieldname)
    cached = _LENGTHS.get(key)
    if cached is not None:
        _LENGTHS.move_to_end(key)
        return cached
    perdoc = getattr(reader, "_perdoc", None)
    if perdoc is None or not hasattr(perdoc, "_cached_reader"):
        return None
    column = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    if column is None:
        return None
    table = [byte_to_length(b) if b else 1 for b in column]
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
    table = _field_lengths(reader, fieldname)
    if table is None:
        return None
    array = np.array(table, dtype=np.float64)
    _ARRAYS[key] = array
    if len(_ARRAYS) > _MAX_CACHED:
        _ARRAYS.popitem(last=False)
    return array


class CachedBM25F(BM25F):
    """BM25F (Whoosh's defaults) over cached per-segment field-length tables."""

    def scorer(self, searcher: Any, fieldname: str, text: bytes, qf: int = 1) -> Any:
        scorer = super().scorer(searcher, fieldname, text, qf=qf)
        if isinstance(scorer, BM25FScorer):
            table = _field_lengths(searcher.reader(), fieldname)
            if table is not None:
                scorer.dfl = table.__getitem__
        return scorer
