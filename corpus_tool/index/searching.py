"""Run a query against a workspace's index: ranked or document-order hits, snippets, facets.

An open searcher is cached per index folder and reopened only when a writer
has committed a new generation, so the UI can search on every keystroke.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from whoosh import query as wq

from corpus_tool import query as ast
from corpus_tool.errors import StoreError
from corpus_tool.index import human, store
from corpus_tool.index.compile import compile_query, leaf_reader
from corpus_tool.index.evaluate import (
    Matches,
    evaluate_arrays,
    heading_text,
    in_sorted,
    matches_by_entry,
    sorted_union,
)
from corpus_tool.index.highlight import matched_highlights, snippet, unit_highlights
from corpus_tool.index.postings import Unsupported, deleted_entries, evaluate, term_arrays
from corpus_tool.index.scoring import CachedBM25F
from corpus_tool.index.units import indexed_text, split_lead_in
from corpus_tool.model import SearchHit
from corpus_tool.workspace import Workspace, doc_id_for

FACETS = ("doc", "kind", "tag", "label")
SORTS = ("score", "doc")


@dataclass(frozen=True)
class SearchResult:
    """The hits of one query (at most ``limit``), how many matched, and facet counts."""

    query: str
    hits: tuple[SearchHit, ...]
    total: int
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    # One line for each part of the query read otherwise than it was probably meant.
    warnings: tuple[str, ...] = ()
    dialect: str = ast.DEFAULT_DIALECT


@dataclass
class _Columns:
    """Per-entry values for facets and document order, read once per index generation."""

    order: np.ndarray  # each entry's order in its document (int64)
    tags: dict[int, list[str]]
    # each entry's document and kind as codes into a list of names, for counting in bulk
    doc_names: list[str] = field(default_factory=list)
    doc_codes: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    kind_names: list[str] = field(default_factory=list)
    kind_codes: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    doc_rank: np.ndarray | None = None


class _Open:
    def __init__(self, ix: Any) -> None:
        self.ix = ix
        self.searcher = ix.searcher(weighting=CachedBM25F())
        self.columns: _Columns | None = None
        self.tags: dict[int, list[str]] | None = None
        self.tagged: np.ndarray | None = None  # entries with a machine tag, sorted
        # per segment: its first entry, size, doc_id and kind column readers
        self.facet_readers: list[tuple[int, int, Any, Any]] | None = None
        # The UI repeats queries (facet clicks, paging back): results of this
        # index generation, newest last.
        self.results: OrderedDict[tuple[Any, ...], SearchResult] = OrderedDict()

    def remember(self, key: tuple[Any, ...], result: SearchResult) -> None:
        self.results[key] = result
        if len(self.results) > RESULT_CACHE_SIZE:
            self.results.popitem(last=False)

    def refresh(self) -> None:
        if not self.searcher.up_to_date():
            # A fresh searcher, not Searcher.refresh(): that reuses segment readers
            # and keeps their old deletion sets, so replaced entries would linger.
            old = self.searcher
            self.searcher = self.ix.searcher(weighting=CachedBM25F())
            self.columns = None
            self.tags = None
            self.tagged = None
            self.facet_readers = None
            self.results.clear()
            old.close()

    def close(self) -> None:
        self.searcher.close()


RESULT_CACHE_SIZE = 32
_OPEN: dict[str, _Open] = {}
_LOCK = threading.RLock()


def _searcher(ws: Workspace) -> _Open:
    key = str(ws.index_dir)
    cached = _OPEN.get(key)
    if cached is not None:
        try:
            cached.refresh()
            return cached
        except Exception:  # files removed under an old reader: open afresh
            _drop(key)
    if not store.exists(ws):
        if ws.doc_ids():
            store.rebuild_index(ws)
        else:
            raise StoreError(
                f"no search index in {ws.root}: nothing has been ingested yet "
                "(run 'corpus-tool ingest')"
            )
    opened = _Open(store.open_index(ws))
    _OPEN[key] = opened
    return opened


def _drop(key: str) -> None:
    cached = _OPEN.pop(key, None)
    if cached is not None:
        with contextlib.suppress(Exception):
            cached.close()


def forget(ws: Workspace) -> None:
    """Close the cached searcher of ``ws`` (tests; before deleting a workspace)."""
    with _LOCK:
        _drop(str(ws.index_dir))


def clear_result_cache() -> None:
    """Forget remembered results (benchmarks time the search itself)."""
    with _LOCK:
        for opened in _OPEN.values():
            opened.results.clear()


def _columns(opened: _Open) -> _Columns:
    """The columns of the open generation, read segment by segment from each value's
    postings (decoded in bulk, corpus_tool.index.postings) and the order column's
    bytes. The first search after opening pays for it: read one entry at a time it
    took ~3 s at 100k provisions, so ~30 s at a million."""
    if opened.columns is not None:
        return opened.columns
    reader = opened.searcher.reader()
    n = reader.doc_count_all()
    codes = {"doc_id": np.zeros(n, dtype=np.int64), "kind": np.zeros(n, dtype=np.int64)}
    names: dict[str, dict[str, int]] = {"doc_id": {"": 0}, "kind": {"": 0}}
    tags = _tags(opened)
    order = np.zeros(n, dtype=np.int64)
    for sub, offset in opened.searcher.leaf_searchers():
        sub_reader = sub.reader()
        size = sub_reader.doc_count_all()
        for fieldname in ("doc_id", "kind"):
            if fieldname not in sub_reader.indexed_field_names():
                continue
            got = _code_column(sub, fieldname, size, names[fieldname])
            if got is not None:
                codes[fieldname][offset : offset + size] = got
                continue
            for value in sub_reader.field_terms(fieldname):
                entries = _live_entries(sub, fieldname, value) + offset
                known = names[fieldname]
                codes[fieldname][entries] = known.setdefault(value, len(known))
        order[offset : offset + size] = _order_column(sub_reader, size)
    opened.columns = _Columns(
        order,
        tags,
        list(names["doc_id"]),
        codes["doc_id"],
        list(names["kind"]),
        codes["kind"],
    )
    return opened.columns


def _tags(opened: _Open) -> dict[int, list[str]]:
    """Each entry's machine tags, from the tag field's postings (few values), once per
    generation. Labels are human work: corpus_tool.index.human joins them from the store."""
    if opened.tags is not None:
        return opened.tags
    tags: dict[int, list[str]] = {}
    for sub, offset in opened.searcher.leaf_searchers():
        sub_reader = sub.reader()
        if "tag" not in sub_reader.indexed_field_names():
            continue
        for value in sub_reader.field_terms("tag"):
            for docnum in (_live_entries(sub, "tag", value) + offset).tolist():
                tags.setdefault(docnum, []).append(value)
    opened.tags = tags
    return tags


# Up to this many matches, the doc and kind facets are counted from the matches'
# own column values; past it (and for document order) from the whole columns,
# which the first such search of a process builds (~0.25 s at a million).
DIRECT_FACETS_MAX = 4096


def _direct_facets(opened: _Open, matched: np.ndarray) -> dict[str, dict[str, int]] | None:
    """The doc and kind facets of a few matches, each match's values read from the
    columns (the same counts and order as ``_facets``); None where a segment has no
    such column (the caller builds the whole columns)."""
    if opened.facet_readers is None:
        readers = []
        for sub, offset in opened.searcher.leaf_searchers():
            r = sub.reader()
            cols = []
            for fieldname in ("doc_id", "kind"):
                if not r.has_column(fieldname):
                    return None
                cols.append(r.column_reader(fieldname, translate=False))
            readers.append((offset, r.doc_count_all(), cols[0], cols[1]))
        opened.facet_readers = readers
    out: dict[str, dict[str, int]] = {"doc": {}, "kind": {}}
    seen: dict[str, dict[str, int]] = {"doc": {}, "kind": {}}
    starts = np.array([r[0] for r in opened.facet_readers], dtype=np.int64)
    where = np.searchsorted(starts, matched, side="right") - 1
    for i, (docnum, seg) in enumerate(zip(matched.tolist(), where.tolist(), strict=True)):
        offset, _size, doc_col, kind_col = opened.facet_readers[seg]
        for facet, col in (("doc", doc_col), ("kind", kind_col)):
            value = bytes(col[docnum - offset]).decode("utf-8")
            counts = out[facet]
            counts[value] = counts.get(value, 0) + 1
            seen[facet].setdefault(value, i)
    return {
        facet: {v: counts[v] for v in sorted(counts, key=lambda v: (-counts[v], seen[facet][v]))}
        for facet, counts in out.items()
    }


def _code_column(sub: Any, fieldname: str, size: int, known: dict[str, int]) -> np.ndarray | None:
    """Each entry's value of a sortable ID field as a code into ``known`` (extended),
    from the field's column: the values' bytes read at once and coded in array
    operations (``_value_codes``), so the first search of a process does not decode one posting list per document (~4,000
    at a million provisions). Deleted entries get code 0, as no posting holds them.
    None where the column is not Whoosh's variable-bytes layout: the caller reads
    the postings instead."""
    reader = sub.reader()
    if not reader.has_column(fieldname):
        return None
    column = reader.column_reader(fieldname, translate=False)
    dbfile, base = getattr(column, "_dbfile", None), getattr(column, "_basepos", None)
    lengths, offsets = getattr(column, "_lengths", None), getattr(column, "_offsets", None)
    if dbfile is None or not isinstance(base, int) or lengths is None or offsets is None:
        return None
    if len(lengths) != size or len(offsets) != size:
        return None
    lens = np.asarray(lengths, dtype=np.int64)
    offs = np.asarray(offsets, dtype=np.int64)
    if size and (offs[0] != 0 or np.any(offs[1:] != offs[:-1] + lens[:-1])):
        return None  # not one value after another: not the layout read here
    total = int(lens.sum()) if size else 0
    data = bytes(dbfile.get(base, total))
    if len(data) != total:
        return None
    out = _value_codes(data, offs, lens, known)
    if out is None:
        return None
    deleted = deleted_entries(sub)
    if len(deleted):
        out[deleted] = 0
    return out


_ROWS_AT_ONCE = 16384  # entries compared per step (bounds the temporary arrays to a few MB)


def _value_codes(
    data: bytes, offs: np.ndarray, lens: np.ndarray, known: dict[str, int]
) -> np.ndarray | None:
    """Each value (``data[offs[i] : offs[i] + lens[i]]``) as a code into ``known``, exactly,
    in array operations: each value is compared with the one before it (a document's
    entries are written together, so runs are long), then the distinct values among
    the runs' first entries are found with one sort. Values are compared as 8-byte
    words (bytes past a value's end masked off) with the length beside them."""
    n = len(lens)
    if not n:
        return np.zeros(0, dtype=np.int64)
    width = int(lens.max())
    if width == 0:
        return np.zeros(n, dtype=np.int64)
    nwords = -(-width // 8)
    padded = data + bytes(width + 8)
    # Every byte offset seen as the start of a little-endian 8-byte word.
    win = np.ndarray(shape=(len(data) + width + 1,), dtype="<u8", buffer=padded, strides=(1,))

    def words(which: np.ndarray) -> np.ndarray:
        o, size = offs[which], lens[which]
        out = np.empty((len(which), nwords), dtype=np.uint64)
        for k in range(nwords):
            out[:, k] = win[o + 8 * k] & _low_mask(size - 8 * k)
        return out

    def compare(lo: int, hi: int) -> None:
        """Entries lo+1..hi-1: set ``change`` where a value differs from the one before."""
        for a in range(lo, hi - 1, _ROWS_AT_ONCE):
            b = min(hi, a + _ROWS_AT_ONCE + 1)
            block = words(np.arange(a, b))
            same = (lens[a + 1 : b] == lens[a : b - 1]) & np.all(block[1:] == block[:-1], axis=1)
            change[a + 1 : b] = ~same

    # Candidate runs: the same length, first and last 8 bytes as the entry before
    # (document ids of one family often differ only at the end). For values of
    # up to 16 bytes those two words hold every byte, so the comparison is exact;
    # longer ones are checked below.
    first = win[offs] & _low_mask(lens)
    last = np.where(lens >= 8, win[np.maximum(offs + lens - 8, 0)], first)
    change = np.ones(n, dtype=bool)
    change[1:] = (lens[1:] != lens[:-1]) | (first[1:] != first[:-1]) | (last[1:] != last[:-1])
    if width > 16:
        starts = np.flatnonzero(change)
        if len(starts) * 64 < n:
            # Long runs (a document's entries): a run of k values of length L is
            # equal throughout when its bytes repeat with period L; runs that do
            # not are compared entry by entry.
            ends = [*starts[1:].tolist(), n]
            for s, e in zip(starts.tolist(), ends, strict=True):
                size, a = int(lens[s]), int(offs[s])
                k = e - s
                if k > 1 and size and data[a + size : a + k * size] != data[a : a + (k - 1) * size]:
                    compare(s, e)
        else:
            compare(0, n)
    starts = np.flatnonzero(change)
    keys = np.ascontiguousarray(
        np.column_stack([lens[starts].astype(np.uint64), words(starts)]), dtype=np.uint64
    )
    _distinct, where, inverse = np.unique(
        keys.view(np.dtype((np.void, 8 * (nwords + 1)))).ravel(),
        return_index=True,
        return_inverse=True,
    )
    codes = np.empty(len(where), dtype=np.int64)
    for i, row in enumerate(where.tolist()):
        a, size = int(offs[starts[row]]), int(lens[starts[row]])
        codes[i] = known.setdefault(data[a : a + size].decode("utf-8"), len(known)) if size else 0
    return np.repeat(codes[inverse.ravel()], np.diff(np.append(starts, n)))


def _low_mask(lens: np.ndarray) -> np.ndarray:
    """Per value, the mask of its bytes within its first 8-byte word."""
    rest = np.clip(lens, 0, 8)
    low = (np.uint64(1) << (8 * np.minimum(rest, 7)).astype(np.uint64)) - np.uint64(1)
    return np.where(rest >= 8, np.uint64(0xFFFFFFFFFFFFFFFF), low)


def _live_entries(sub: Any, fieldname: str, value: str) -> np.ndarray:
    """A value's entries in one segment, deleted ones left out (as Whoosh's postings)."""
    try:
        arrays = term_arrays(sub, fieldname, value)
    except Unsupported:
        arrays = None
    else:
        if arrays is None:
            return np.empty(0, dtype=np.int64)
        deleted = deleted_entries(sub)
        return arrays.ids[~in_sorted(arrays.ids, deleted)] if len(deleted) else arrays.ids
    reader = sub.reader()
    return np.fromiter(reader.postings(fieldname, value).all_ids(), dtype=np.int64)


def _order_column(reader: Any, size: int) -> np.ndarray:
    """The ``order`` field of a segment's entries: the column's bytes read at once
    where it is Whoosh's fixed-width integer column, else one entry at a time."""
    field_obj = reader.schema["order"]
    column = reader.column_reader("order", translate=False)
    typecode = getattr(field_obj, "sortable_typecode", None)
    fixed = getattr(column, "_fixedlen", None)
    dbfile, base, written = (getattr(column, a, None) for a in ("_dbfile", "_basepos", "_count"))
    if (
        getattr(field_obj, "numtype", None) is int
        and not getattr(field_obj, "decimal_places", 0)
        and typecode is not None
        and fixed == np.dtype(typecode).itemsize <= 4
        and dbfile is not None
        and isinstance(written, int)
    ):
        raw = np.full(size, column._default, dtype=np.int64)
        count = min(written, size)
        if count:
            data = bytes(dbfile.get(base, count * fixed))
            raw[:count] = np.frombuffer(data, dtype=np.dtype(typecode).newbyteorder(">"))
        # whoosh.util.numeric.from_sortable for signed integers
        return raw - (1 << (field_obj.bits - 1)) if field_obj.signed else raw
    translated = reader.column_reader("order")
    return np.fromiter((int(translated[d]) for d in range(size)), dtype=np.int64, count=size)


def _values(value: str | Sequence[str] | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v for v in (x.strip() for x in value.split(",")) if v]
    return [v for v in value if v]


def _filters(doc: Any, kind: Any, tag: Any, label: Any) -> list[wq.Query]:
    out: list[wq.Query] = []
    docs = _values(doc)
    if docs:
        out.append(
            wq.Or(
                [wq.Term("doc_id", d.lower()) for d in docs]
                + [wq.Term("doc_id", doc_id_for(d)) for d in docs]
                + [wq.Term("file", d) for d in docs]
            )
        )
    for fieldname, value in (("kind", kind), ("tag", tag), ("label", label)):
        vals = _values(value)
        if vals:
            out.append(wq.Or([wq.Term(fieldname, v.lower()) for v in vals]))
    return out


def search(
    ws: Workspace,
    query: str,
    *,
    doc: str | Sequence[str] | None = None,
    kind: str | Sequence[str] | None = None,
    tag: str | Sequence[str] | None = None,
    label: str | Sequence[str] | None = None,
    limit: int | None = 20,
    sort: str = "score",
    dialect: str | None = None,
) -> SearchResult:
    """Provisions matching ``query`` (see the query language in README.md).

    ``dialect`` ("lexis": a space means AND; "westlaw": a space means OR) defaults
    to ``[search] dialect`` in the workspace's corpus-tool.toml, else lexis.
    """
    if sort not in SORTS:
        raise StoreError(f"unknown sort {sort!r}; use one of: {', '.join(SORTS)}")
    if dialect is None:
        dialect = configured_dialect(ws)
    parsed = ast.parse_query(query, dialect)
    tree = parsed.tree
    empty = SearchResult(query, (), 0, {f: {} for f in FACETS}, parsed.warnings, dialect)
    if tree is None:
        return empty
    compiled = compile_query(query, tree)
    if compiled is None:
        return empty
    filters = _filters(doc, kind, tag, label)
    q = wq.And([compiled, *filters]) if filters else compiled
    joined = human.state(ws)  # labels and tag decisions as the store holds them now
    key = (
        query,
        dialect,
        repr(doc),
        repr(kind),
        repr(tag),
        repr(label),
        limit,
        sort,
        joined.version,
    )
    with _LOCK:
        for attempt in range(3):
            try:
                opened = _searcher(ws)
                cached = opened.results.get(key)
                if cached is not None:
                    return cached
                result = _run(opened, query, tree, q, limit, sort, joined)
                result = dataclasses.replace(result, warnings=parsed.warnings, dialect=dialect)
                opened.remember(key, result)
                return result
            except store.UntrustedIndexError:
                # A chunk that differs from what was signed, found as it was first
                # read (nothing of it was used): open afresh, which reads the file
                # whole against its signature and rebuilds the index, with a notice.
                _drop(str(ws.index_dir))
                if attempt == 2:
                    raise
            except StoreError:
                raise
            except OSError:
                # a writer removed segment files under an old reader: reopen and retry
                _drop(str(ws.index_dir))
                if attempt == 2:
                    raise
    raise AssertionError("unreachable")


def _run(
    opened: _Open,
    text: str,
    tree: ast.Node,
    q: wq.Query,
    limit: int | None,
    sort: str,
    joined: human.HumanState,
) -> SearchResult:
    searcher = opened.searcher
    q = joined.bind(q, searcher)
    with _no_cyclic_gc():
        matched, scores = _collect_all(searcher, q)
    if sort == "score":
        chosen = _best(matched, scores, limit)
    else:
        # One evaluation gives the matches and their scores (the same as Whoosh's
        # collector would give the chosen ones; see tests/test_search_bulk.py).
        order = np.argsort(_doc_rank(_columns(opened))[matched], kind="stable")
        top = order[:limit] if limit else order
        chosen = list(zip(matched[top].tolist(), scores[top].tolist(), strict=True))
    # A few matches before the columns are built: count their own values instead.
    direct = None
    if opened.columns is None and len(matched) <= DIRECT_FACETS_MAX:
        direct = _direct_facets(opened, matched)
    facets = direct if direct is not None else _facets(_columns(opened), matched)
    facets["tag"], facets["label"] = joined.facets(
        searcher, _may_count(opened, joined, searcher, matched), _tags(opened)
    )
    found = _hit_matches(searcher, tree, [d for d, _ in chosen])
    hits = tuple(
        _hit(searcher.stored_fields(d)["payload"], score, tree, found.get(d)) for d, score in chosen
    )
    return SearchResult(text, hits, len(matched), facets)


def _hit_matches(searcher: Any, tree: ast.Node, docnums: list[int]) -> dict[int, Matches]:
    """The words that satisfied the query in each of these entries, from the index's
    positions, by the evaluator that decided the hits (entries of a segment whose
    postings cannot be read in bulk are left out: their stored text is read)."""
    out: dict[int, Matches] = {}
    if not docnums:
        return out
    wanted = np.array(sorted(docnums), dtype=np.int64)
    for sub, offset in searcher.leaf_searchers():
        size = sub.reader().doc_count_all()
        local = wanted[(wanted >= offset) & (wanted < offset + size)] - offset
        if not len(local):
            continue
        try:
            mask, occ = evaluate_arrays(tree, leaf_reader(sub, local), local)
        except Unsupported:
            continue
        by_entry = matches_by_entry(occ)
        for entry, ok in zip(local.tolist(), mask.tolist(), strict=True):
            out[entry + offset] = by_entry.get(entry, {}) if ok else {}
    return out


def _collect(
    searcher: Any, q: wq.Query, limit: int | None
) -> tuple[list[int], list[tuple[int, float]]]:
    """All matching entries and the ``limit`` best scored, in one pass over the matches.

    Whoosh's own top-N collector plus a second pass for the full set (needed for
    the total and the facets) would run the query twice. Each segment is
    evaluated in bulk where the query allows it (corpus_tool.index.postings),
    else by stepping Whoosh's matcher.
    """
    with _no_cyclic_gc():
        matched, scores = _collect_all(searcher, q)
    return matched.tolist(), _best(matched, scores, limit)


def _best(matched: np.ndarray, scores: np.ndarray, limit: int | None) -> list[tuple[int, float]]:
    """The ``limit`` best (entry, score): highest score first, ties to the earlier entry
    (the order of Whoosh's collector), choosing among the few at or above the
    limit-th score rather than sorting every match."""
    n = len(matched)
    if limit and limit < n:
        threshold = np.partition(scores, n - limit)[n - limit]
        rows = np.flatnonzero(scores >= threshold)
    else:
        rows = np.arange(n)
    order = rows[np.lexsort((matched[rows], -scores[rows]))]
    if limit:
        order = order[:limit]
    return list(zip(matched[order].tolist(), scores[order].tolist(), strict=True))


@contextlib.contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause the cycle collector while a query builds its per-entry lists.

    A common word makes tens of thousands of small lists and tuples that live
    until the query ends; each 700 of them start a collection, and the older
    generations' collections walk the whole heap (the facet columns among it).
    That cost more than the query itself. Nothing made here forms cycles, and
    reference counting still frees everything; the collector runs again after.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _collect_all(searcher: Any, q: wq.Query) -> tuple[np.ndarray, np.ndarray]:
    """Every matching entry in entry order, and the score of each."""
    entries: list[np.ndarray] = []
    scores: list[np.ndarray] = []
    for sub, offset in searcher.leaf_searchers():
        context = sub.context()
        try:
            postings = evaluate(q, sub, context)
        except Unsupported:
            pass
        else:
            if postings is not None:
                entries.append(postings.entry_array() + offset)
                scores.append(postings.score_array())
            continue
        # replace() drops branches that cannot match here (a word absent from the
        # headings, say), so the loop below does not pay for them on every entry.
        m = q.matcher(sub, context).replace()
        ids: list[int] = []
        got: list[float] = []
        while m.is_active():
            ids.append(offset + m.id())
            got.append(m.score())
            m.next()
        entries.append(np.array(ids, dtype=np.int64))
        scores.append(np.array(got, dtype=np.float64))
    if not entries:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64)
    return np.concatenate(entries), np.concatenate(scores)


def _facets(cols: _Columns, matched: np.ndarray) -> dict[str, dict[str, int]]:
    return {
        "doc": _counts(cols.doc_names, cols.doc_codes, matched),
        "kind": _counts(cols.kind_names, cols.kind_codes, matched),
    }


def _counts(names: list[str], codes: np.ndarray, matched: np.ndarray) -> dict[str, int]:
    """How many matches have each value, most first, ties in the order the values first
    appear among the matches (as Counter.most_common lists them)."""
    if not len(matched):
        return {}
    got = codes[matched]
    counts = np.bincount(got, minlength=len(names))
    present = np.flatnonzero(counts)
    first = np.full(len(names), len(got), dtype=np.int64)
    np.minimum.at(first, got, np.arange(len(got)))
    order = present[np.lexsort((first[present], -counts[present]))]
    return {names[v]: c for v, c in zip(order.tolist(), counts[order].tolist(), strict=True)}


def _may_count(
    opened: _Open, joined: human.HumanState, searcher: Any, matched: np.ndarray
) -> list[int]:
    """The matched entries that can add to the tag and label counts, in their order:
    those with a machine tag or with human work on them (the others add nothing,
    and counting them one by one cost more than the search at 100k matches)."""
    if opened.tagged is None:
        opened.tagged = np.array(sorted(_tags(opened)), dtype=np.int64)
    worked = np.array(sorted(joined._top_docnums(searcher).values()), dtype=np.int64)
    return list(matched[in_sorted(matched, sorted_union(opened.tagged, worked))].tolist())


def _doc_rank(cols: _Columns) -> np.ndarray:
    """Each entry's place in document order (document id, then order in it)."""
    if cols.doc_rank is None:
        by_name = np.argsort(np.array(cols.doc_names, dtype=object), kind="stable")
        name_rank = np.empty(len(by_name), dtype=np.int64)
        name_rank[by_name] = np.arange(len(by_name))
        # stable: ties keep entry order, as sorted() over range(n) kept it
        ranked = np.lexsort((cols.order, name_rank[cols.doc_codes]))
        rank = np.empty(len(ranked), dtype=np.int64)
        rank[ranked] = np.arange(len(ranked))
        cols.doc_rank = rank
    return cols.doc_rank


def _hit(
    payload: dict[str, Any], score: float, tree: ast.Node, found: Matches | None = None
) -> SearchHit:
    text = payload["text"]
    lead_in = payload.get("lead_in", "")
    headings = heading_text(payload.get("parent_headings", ()), payload.get("heading", ""))
    if found is not None:
        indexed_spans, heading_spans = matched_highlights(
            indexed_text(lead_in, text), headings, found
        )
    else:
        indexed_spans, heading_spans = unit_highlights(indexed_text(lead_in, text), headings, tree)
    spans, lead_in_spans = split_lead_in(lead_in, indexed_spans)
    pages = payload.get("pages") or [1, 1]
    return SearchHit(
        file=payload["file"],
        doc_id=payload["doc_id"],
        id=payload["id"],
        citation=payload["citation"],
        heading=payload["heading"],
        kind=payload["kind"],
        pages=(int(pages[0]), int(pages[-1])),
        score=round(float(score), 4),
        snippet=snippet(text, spans),
        highlights=spans,
        headings=headings,
        heading_highlights=heading_spans,
        lead_in=lead_in,
        lead_in_highlights=lead_in_spans,
    )


def configured_dialect(ws: Workspace) -> str:
    """``[search] dialect`` of the workspace's corpus-tool.toml (lexis when unset)."""
    from corpus_tool.errors import InputError
    from corpus_tool.workspace import CONFIG_FILE

    data = ws.config()
    section = data.get("search", {})
    dialect = section.get("dialect") if isinstance(section, dict) else None
    if dialect is None:
        return ast.DEFAULT_DIALECT
    if dialect not in ast.DIALECTS:
        raise InputError(
            str(ws.root / CONFIG_FILE),
            f"[search] dialect must be one of {', '.join(ast.DIALECTS)}, not {dialect!r}",
        )
    return str(dialect)
