"""The bulk posting writer writes what Whoosh's own writer writes, as Whoosh's reader reads it.

The same entries are written once by Whoosh's ``SegmentWriter`` (its analysis
chain, posting pool and codec, one posting per call) and once by
``FastSegmentWriter`` (one-pass analysis, postings gathered per term, whole
posting lists written as blocks); both segments are then opened with
Whoosh's reader and compared term by term: entries, weights, positions, the
term statistics kept per term and per block, stored fields, field lengths and
columns.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from whoosh import formats
from whoosh.filedb.filestore import FileStorage

from corpus_tool.index import store, writers
from corpus_tool.workspace import DocBundle
from tests._search_helpers import act_bundle, order_bundle

ODD_TEXT = (
    "The provider’s İstanbul ΣΟΦΙΑ licence, Sec. 4.6(a) and 1,000 users. "
    "Straße  e.g. the U.S. Code; (b) open-source models' weights! shall shall shall. "
    # several words of one stem in one sentence and across sentences
    "Providers provide; the provider's providing. The provider provides."
)


def _renamed(bundle: DocBundle, doc_id: str) -> DocBundle:
    return DocBundle(
        dataclasses.replace(bundle.meta, doc_id=doc_id),
        tuple(dataclasses.replace(p, doc_id=doc_id) for p in bundle.provisions),
        bundle.tags,
    )


def _entries(copies: int) -> list[dict[str, Any]]:
    """The fixture documents (and odd text) under ``copies`` doc ids: common words span several blocks."""
    sources = [act_bundle(), order_bundle(), act_bundle({"art_80": ODD_TEXT})]
    entries = []
    for i in range(copies):
        for k, bundle in enumerate(sources):
            entries.extend(store.bundle_entries(_renamed(bundle, f"doc-{k}-{i}")))
    return entries


def _write_whoosh(folder: Path, entries: list[dict[str, Any]]) -> Any:
    folder.mkdir()
    ix = FileStorage(str(folder)).create_index(store.make_schema(), indexname="ref")
    w = ix.writer()
    for e in entries:
        w.add_document(**e)
    w.commit()
    return ix


def _write_ours(folder: Path, entries: list[dict[str, Any]], limitmb: int) -> Any:
    folder.mkdir()
    ix = FileStorage(str(folder)).create_index(store.make_schema(), indexname="ours")
    w = writers.FastSegmentWriter(ix, limitmb=limitmb)
    for e in entries:
        w.add_document(**e)
    w.commit()
    return ix


def _snapshot(ix: Any) -> dict[str, Any]:
    """Everything a search reads from the index, through Whoosh's own reader."""
    out: dict[str, Any] = {}
    with ix.reader() as r:
        assert r.is_atomic(), "one segment each"
        terms: dict[tuple[str, bytes], Any] = {}
        for fieldname, btext in r.all_terms():
            info = r.term_info(fieldname, btext)
            fmt = r.schema[fieldname].format
            m = r.postings(fieldname, btext)
            postings = []
            while m.is_active():
                value = m.value()
                positions = m.value_as("positions") if type(fmt) is formats.Positions else None
                postings.append((m.id(), m.weight(), value, positions))
                m.next()
            blocks = []
            m = r.postings(fieldname, btext)
            while m.is_active():
                blocks.append(
                    (
                        m.block_min_length(),
                        m.block_max_length(),
                        m.block_max_weight(),
                        m._blocklength,
                    )
                )
                m._next_block()
            terms[(fieldname, btext)] = (
                (info.weight(), info.doc_frequency(), info.min_length(), info.max_length()),
                (info.max_weight(), info.min_id(), info.max_id()),
                postings,
                blocks,
            )
        out["terms"] = terms
        out["stored"] = list(r.all_stored_fields())
        names = r.schema.names()
        out["lengths"] = {
            n: [r.doc_field_length(d, n) for d in range(r.doc_count_all())] for n in names
        }
        out["field_length"] = {n: r.field_length(n) for n in names}
        out["columns"] = {n: list(r.column_reader(n)) for n in names if r.has_column(n)}
    return out


@pytest.mark.parametrize("limitmb", [writers.POOL_MB, 0], ids=["in-memory", "spill-every-entry"])
def test_bulk_writer_matches_whooshs_writer(tmp_path: Path, limitmb: int) -> None:
    entries = _entries(copies=30)
    ref = _snapshot(_write_whoosh(tmp_path / "ref", entries))
    ours = _snapshot(_write_ours(tmp_path / "ours", entries, limitmb))
    # the corpus is big enough to test what matters: several blocks per common word
    assert max(len(v[3]) for v in ref["terms"].values()) >= 3
    assert len(ref["stored"]) == len(entries)
    assert sorted(ours["terms"]) == sorted(ref["terms"])
    for key, value in ref["terms"].items():
        assert ours["terms"][key] == value, key
    for part in ("stored", "lengths", "field_length", "columns"):
        assert ours[part] == ref[part], part


def test_length_bytes_round_trip() -> None:
    """Block lengths are kept as the codec's length bytes: min/max of the bytes is min/max of the lengths."""
    from whoosh.util.numeric import byte_to_length, length_to_byte

    assert byte_to_length(0) == 0
    for b in range(1, 256):
        assert byte_to_length(b) > byte_to_length(b - 1)
        assert length_to_byte(byte_to_length(b)) == b


def test_bulk_writer_matches_whooshs_writer_on_the_shared_corpus(shared_ws, tmp_path: Path) -> None:
    """Every provision of the real corpus, with the pool spilling (1 MiB) as a large build does."""
    entries = [e for b in shared_ws.bundles() for e in store.bundle_entries(b)]
    assert len(entries) > 1_000
    ref = _snapshot(_write_whoosh(tmp_path / "ref", entries))
    ours = _snapshot(_write_ours(tmp_path / "ours", entries, limitmb=1))
    assert sorted(ours["terms"]) == sorted(ref["terms"])
    differing = [k for k, v in ref["terms"].items() if ours["terms"][k] != v]
    assert not differing, differing[:5]
    for part in ("stored", "lengths", "field_length", "columns"):
        assert ours[part] == ref[part], part


def _raw_postings(ix: Any) -> dict[tuple[str, bytes], bytes]:
    """Each term's posting bytes as stored (block headers, pickled and compressed blocks)."""
    out: dict[tuple[str, bytes], bytes] = {}
    with ix.reader() as r:
        postfile = r._terms._postfile  # the segment's postings file, as Whoosh reads it
        for fieldname, btext in r.all_terms():
            info = r.term_info(fieldname, btext)
            inlined = getattr(info, "_inlined", None)
            if inlined is not None:
                out[(fieldname, btext)] = repr(inlined).encode()
            else:
                # the term info keeps its extent as read from disk (a 1-tuple after a round trip)
                offset, length = (v[0] if isinstance(v, tuple) else v for v in info.extent())
                postfile.seek(offset)
                out[(fieldname, btext)] = postfile.read(length)
    return out


def test_regression_repeated_positions_are_pickled_in_full_as_whoosh_does(tmp_path: Path) -> None:
    """A cached one-position encoding repeated in a block was pickled as a memo
    reference: Whoosh read it back the same, but the bytes differed from Whoosh's
    writer, and search's bulk block reader (which reads values from the bytes)
    fell back to unpickling every block of such a word."""
    entries = _entries(copies=30)
    ref = _raw_postings(_write_whoosh(tmp_path / "ref", entries))
    ours = _raw_postings(_write_ours(tmp_path / "ours", entries, writers.POOL_MB))
    assert sorted(ours) == sorted(ref)
    differ = [key for key in ref if ours[key] != ref[key]]
    assert not differ, f"{len(differ)} of {len(ref)} terms stored differently, e.g. {differ[:3]}"
