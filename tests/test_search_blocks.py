"""Posting blocks and positions read in bulk (corpus_tool.index.blocks) give what Whoosh reads.

The bulk reader locates each posting's value in the bytes of Whoosh's block
pickles and decodes the positions of all entries at once; anything it does not
recognise is unpickled as Whoosh does. These tests hold it to Whoosh's own
per-posting reading on a real index with the bulk path forced on for every
word, and to ``pickle`` on values built to trip each of its checks.
"""

from __future__ import annotations

import pickle
import random
from collections.abc import Iterator

import numpy as np
import pytest
from whoosh import formats
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.util.numeric import byte_to_length

from corpus_tool.index import blocks, forget, scoring, update_index
from corpus_tool.index import postings as bulk
from corpus_tool.index.searching import _searcher, clear_result_cache
from corpus_tool.workspace import Workspace
from tests._search_helpers import act_bundle, make_workspace

FIELDS = ("exact", "text", "cite", "heading", "heading_exact", "kind", "doc_id")


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    ws = make_workspace(tmp_path_factory.mktemp("blocks_ws"))
    yield ws
    forget(ws)


def _whoosh_reading(reader, field: str, word: bytes, positional: bool):  # type: ignore[no-untyped-def]
    m = reader.postings(field, word)
    ids, weights, positions = [], [], []
    while m.is_active():
        ids.append(m.id())
        weights.append(m.weight())
        if positional:
            positions.append(list(m.value_as("positions")))
        m.next()
    return ids, weights, positions


def _check_every_word(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch, most_common: int | None = None
) -> int:
    # every positional word through the bulk reader, however few its blocks
    monkeypatch.setattr(blocks, "BULK_MIN_BLOCKS", 0)
    bulk.ARRAYS.clear()
    checked = 0
    for sub, _offset in _searcher(ws).searcher.leaf_searchers():
        reader = sub.reader()
        for field in FIELDS:
            if field not in reader.schema:
                continue
            words = list(reader.lexicon(field))
            if most_common is not None:
                words.sort(key=lambda w: -reader.doc_frequency(field, w))
                words = words[:most_common]
            for word in words:
                arrays = bulk.term_arrays(sub, field, word)
                assert arrays is not None
                ids, weights, positions = _whoosh_reading(reader, field, word, arrays.positional)
                assert arrays.ids.tolist() == ids, (field, word)
                assert arrays.weights.tolist() == weights, (field, word)
                if arrays.positional:
                    offsets, flat = arrays.positions()
                    got = [flat[offsets[i] : offsets[i + 1]].tolist() for i in range(len(ids))]
                    assert got == positions, (field, word)
                checked += 1
    bulk.ARRAYS.clear()
    clear_result_cache()
    return checked


def test_every_word_read_in_bulk_equals_whoosh_reading(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _check_every_word(ws, monkeypatch) > 100


def test_every_word_of_the_sample_corpus_read_in_bulk_equals_whoosh_reading(
    sample_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _check_every_word(sample_ws, monkeypatch) > 500


def test_common_words_of_the_shared_corpus_read_in_bulk_equal_whoosh_reading(
    shared_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Words of many blocks (the layout's memo indexes pass 255 in every full block)."""
    assert _check_every_word(shared_ws, monkeypatch, most_common=40) > 100


def test_field_lengths_read_in_one_piece_equal_the_per_entry_column(ws: Workspace) -> None:
    for sub, _offset in _searcher(ws).searcher.leaf_searchers():
        reader = sub.reader()
        for field in ("exact", "text", "cite", "heading"):
            column = reader._perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
            expected = [byte_to_length(b) if b else 1 for b in column]
            array = scoring.field_length_array(reader, field)
            assert array is not None and array.tolist() == expected
            assert scoring._field_lengths(reader, field) == expected


# --- values built to trip each check ---------------------------------------------------------


def _encode(positions: list[int]) -> bytes:
    return formats.Positions().encode(positions)


def _block(values: list[bytes]) -> bytes:
    """A block pickle as Whoosh's posting writer makes it (protocol 2, values as bytes)."""
    ids = tuple([3] + [1] * (len(values) - 1))
    weights = tuple(float(i % 3 + 1) for i in range(len(values)))
    return pickle.dumps((ids, weights, tuple(values)), 2)


def _read(pickles: list[bytes]) -> list[bytes]:
    cuts = [p.find(blocks._VALUES_START) for p in pickles]
    counts = np.array([len(pickle.loads(p)[0]) for p in pickles], dtype=np.int64)
    buf, starts, ends = blocks.latin1(*blocks._values(pickles, cuts, [None] * len(pickles), counts))
    return [buf[s:e].tobytes() for s, e in zip(starts.tolist(), ends.tolist(), strict=True)]


def test_values_found_in_block_pickles_are_the_pickled_values() -> None:
    rng = random.Random(15)
    values = []
    for _ in range(300):
        n = rng.choice([1, 1, 2, 3, 7])
        positions = sorted(rng.sample(range(1, 1 << 22), n))
        values.append(_encode(positions))
    # 128 values a block makes memo indexes past 255 (4-byte memo opcodes)
    pickles = [_block(values[i : i + 128]) for i in range(0, len(values), 128)]
    assert _read(pickles) == values


def test_a_value_that_looks_like_the_next_one_sends_its_block_to_pickle() -> None:
    """Bytes inside a value that read as a value's start ("h", the memo index, "X")
    break the chain check: the block is unpickled and the values are still right."""
    plain = [_encode([5, 9]) for _ in range(4)]
    tricky = _encode([5]) + b"h\x02X\x03\x00\x00\x00abc"  # not a real Positions value
    pickles = [_block(plain), _block([*plain[:2], tricky, plain[3]])]
    assert _read(pickles) == [*plain, *plain[:2], tricky, plain[3]]


def test_positions_decoded_in_bulk_equal_those_whoosh_decodes() -> None:
    rng = random.Random(4)
    lists = [
        [0],
        [255, 256, 65_535, 65_536],  # each width of gap: 1, 2 and 4 bytes
        list(range(0, 200, 3)),  # more than _STEPPED_MAX positions: unpickled alone
        list(range(1_500)),  # over 1,000: the pickle's appends come in batches
        [1 << 30, (1 << 31) + 5],  # a gap past 2**31 - 1 takes another opcode
        *[sorted(rng.sample(range(1 << 21), rng.randint(1, 40))) for _ in range(200)],
    ]
    encoded = [_encode(p) for p in lists]
    # the trailing "." may have been dropped; Whoosh adds it back before unpickling
    encoded[7] = encoded[7][:-1]
    fmt = formats.Positions()
    buf = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    sizes = np.array([len(e) for e in encoded], dtype=np.int64)
    ends = np.cumsum(sizes)
    counts, flat = blocks.decode_positions(buf, ends - sizes, ends)
    offsets = np.concatenate(([0], np.cumsum(counts)))
    got = [flat[offsets[i] : offsets[i + 1]].tolist() for i in range(len(encoded))]
    assert got == [fmt.decode_positions(e) for e in encoded]


def test_the_values_of_a_real_word_are_read_without_unpickling_them(
    sample_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bulk path is taken (not only its fallback): each block of a word is
    unpickled only up to its values, once."""
    monkeypatch.setattr(blocks, "BULK_MIN_BLOCKS", 0)
    calls: list[bytes] = []
    real_loads = blocks.loads

    def counting_loads(data: bytes):  # type: ignore[no-untyped-def]
        calls.append(data)
        return real_loads(data)

    monkeypatch.setattr(blocks, "loads", counting_loads)
    bulk.ARRAYS.clear()
    sub = next(s for s, _ in _searcher(sample_ws).searcher.leaf_searchers())
    reader = sub.reader()
    word = max(reader.lexicon("exact"), key=lambda w: reader.doc_frequency("exact", w))
    arrays = bulk.term_arrays(sub, "exact", word)
    assert arrays is not None
    assert len(calls) == -(-len(arrays.ids) // 128)  # one call per block
    # each on the ids and weights only, closed as a pair ("\x86" TUPLE2, then STOP)
    assert all(c.endswith(b"\x86.") and blocks._VALUES_START not in c for c in calls)
    offsets, _flat = arrays.positions()
    assert len(offsets) == len(arrays.ids) + 1
    bulk.ARRAYS.clear()


# --- the per-generation columns (facets, document order) -----------------------------------


def _columns_one_entry_at_a_time(searcher):  # type: ignore[no-untyped-def]
    """doc_id, kind, order and tags of every entry as the code before bulk reading read
    them: each value's postings stepped through, the order column read entry by entry."""
    reader = searcher.reader()
    n = reader.doc_count_all()
    out: dict[str, list] = {"doc_id": [""] * n, "kind": [""] * n}
    for fieldname, target in out.items():
        for value in reader.field_terms(fieldname):
            for docnum in reader.postings(fieldname, value).all_ids():
                target[docnum] = value
    tags: dict[int, list[str]] = {}
    if "tag" in reader.indexed_field_names():
        for value in reader.field_terms("tag"):
            for docnum in reader.postings("tag", value).all_ids():
                tags.setdefault(docnum, []).append(value)
    order_col = reader.column_reader("order")
    order = [int(order_col[d]) for d in range(n)]
    live = [d for d in range(n) if not reader.is_deleted(d)]
    return out["doc_id"], out["kind"], order, tags, live


@pytest.mark.parametrize("which", ["bulk_ws", "sample_ws"])
def test_columns_read_in_bulk_equal_those_read_entry_by_entry(
    which: str, request: pytest.FixtureRequest
) -> None:
    from corpus_tool.index import searching

    ws = request.getfixturevalue(which)
    opened = searching._searcher(ws)
    opened.columns = None
    cols = searching._columns(opened)
    doc_id, kind, order, tags, live = _columns_one_entry_at_a_time(opened.searcher)
    # deleted entries never match; every live one has its document and kind
    assert [cols.doc_names[cols.doc_codes[d]] for d in live] == [doc_id[d] for d in live]
    assert [cols.kind_names[cols.kind_codes[d]] for d in live] == [kind[d] for d in live]
    assert cols.order.tolist() == order
    assert {d: v for d, v in cols.tags.items() if d in set(live)} == {
        d: v for d, v in tags.items() if d in set(live)
    }
    ranked = sorted(range(len(doc_id)), key=lambda d: (doc_id[d], order[d]))
    rank = searching._doc_rank(cols)
    live_set = set(live)
    assert [d for d in np.argsort(rank).tolist() if d in live_set] == [
        d for d in ranked if d in live_set
    ]


@pytest.fixture(scope="module")
def bulk_ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    """Two segments, entries deleted in the first (as tests.test_search_bulk's index)."""
    ws = make_workspace(tmp_path_factory.mktemp("blocks_bulk_ws"))
    changed = act_bundle({"art_70": "A zebra licence. The provider shall not apply it."})
    ws.save_bundle(changed)
    update_index(ws, [changed])
    reader = _searcher(ws).searcher.reader()
    assert reader.has_deletions() and len(list(_searcher(ws).searcher.leaf_searchers())) > 1
    yield ws
    forget(ws)


def test_code_column_reads_every_real_segment_from_its_column(bulk_ws: Workspace) -> None:
    """The facet codes come from the columns' bytes, not from one posting list per value."""
    from corpus_tool.index import searching

    opened = searching._searcher(bulk_ws)
    for sub, _offset in opened.searcher.leaf_searchers():
        size = sub.reader().doc_count_all()
        for fieldname in ("doc_id", "kind"):
            known: dict[str, int] = {"": 0}
            assert searching._code_column(sub, fieldname, size, known) is not None


_LONG_A = "abcdefgh" + "M" * 10 + "ijklmnop"
_LONG_B = "abcdefgh" + "N" * 10 + "ijklmnop"


@pytest.mark.parametrize(
    "values",
    [
        ["axb", "axb", "ayb", "axb", "", "é-1", "é-1", "azb"],  # short runs: compared row by row
        ["axb"] * 200 + ["ayb"] + ["axb"] * 200 + ["", "b"],
        # over 16 bytes, equal in the first and last 8: long runs checked run by run...
        [_LONG_A] * 200 + [_LONG_B] + [_LONG_A] * 200 + ["", "b"],
        # ...and short runs compared entry by entry
        [_LONG_A, _LONG_B, _LONG_A, _LONG_A, "", _LONG_B, "é" * 12],
    ],
)
def test_code_column_splits_runs_that_differ_only_inside(values: list[str]) -> None:
    """Neighbouring values of the same length, first and last byte are still told apart."""
    from whoosh import fields as wf
    from whoosh.filedb.filestore import RamStorage

    from corpus_tool.index import searching

    ix = RamStorage().create_index(wf.Schema(doc_id=wf.ID(sortable=True), n=wf.STORED()))
    w = ix.writer()
    for i, v in enumerate(values):
        if v:
            w.add_document(doc_id=v, n=i)
        else:
            w.add_document(n=i)
    w.commit()
    with ix.searcher() as s:
        (sub, _offset), *_ = list(s.leaf_searchers())
        known: dict[str, int] = {"": 0}
        codes = searching._code_column(sub, "doc_id", len(values), known)
    assert codes is not None
    names = list(known)
    assert [names[c] for c in codes.tolist()] == values


@pytest.mark.parametrize("which", ["bulk_ws", "sample_ws"])
def test_facets_of_few_matches_equal_those_counted_from_the_columns(
    which: str, request: pytest.FixtureRequest
) -> None:
    """The doc and kind facets read from the matches' own column values (a first search
    with few matches) are the counts, and the order, of those from the whole columns."""
    from corpus_tool.index import searching

    ws = request.getfixturevalue(which)
    opened = searching._searcher(ws)
    reader = opened.searcher.reader()
    live = np.array(
        [d for d in range(reader.doc_count_all()) if not reader.is_deleted(d)], dtype=np.int64
    )
    rng = random.Random(15)
    samples = [live, live[:1], live[-3:], np.empty(0, dtype=np.int64)]
    samples += [
        np.array(sorted(rng.sample(live.tolist(), min(25, len(live) // 2))), dtype=np.int64)
        for _ in range(5)
    ]
    cols = searching._columns(opened)
    for matched in samples:
        opened.facet_readers = None
        direct = searching._direct_facets(opened, matched)
        assert direct is not None
        expected = searching._facets(cols, matched)
        assert direct == expected
        assert [list(v) for v in direct.values()] == [list(v) for v in expected.values()]
