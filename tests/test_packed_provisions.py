"""A document built in the caller's process holds its provisions packed (issue 15).

``PackedProvisions`` keeps long texts compressed between segmentation and the
index; everything read from it — the provisions, the tags, the stored bundle,
the index entries, the resolved references — must be what the plain tuple gives.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from corpus_tool.index.store import _payloads, bundle_entries
from corpus_tool.model import (
    PACK_MIN_CHARS,
    DocumentMeta,
    PackedProvisions,
    Provision,
    Reference,
    structure_of,
    text_reader,
)
from corpus_tool.segment import resolve_external_refs, segment_document
from corpus_tool.tagging import tag_provisions
from corpus_tool.workspace import DocBundle, Workspace
from tests._segment_helpers import make_document

# A law-like text whose containers repeat their children, with lead-ins that read
# into points, a character beyond Latin-1 and open-source exemptions to tag.
ACT = """\
REGULATION (EU) 2031/77 OF THE EUROPEAN PARLIAMENT AND OF THE COUNCIL
of 1 March 2031
on software components
THE EUROPEAN PARLIAMENT AND THE COUNCIL OF THE EUROPEAN UNION,
Whereas:
(1) Products with digital elements should be secure throughout their lifetime.
HAVE ADOPTED THIS REGULATION:
Article 1
Scope
1. This Regulation applies to products with digital elements made available on the market, \
including their remote data processing solutions and any component placed on the market \
separately by its manufacturer.
2. This Regulation does not apply to:
(a) products developed exclusively for national security or defence purposes, or products \
specifically designed to process classified information;
(b) free and open-source software that is developed or supplied outside the course of a \
commercial activity, unless it is monetised by the manufacturer’s provision of technical \
support services or by the use of personal data for reasons other than security.
Article 2
Obligations
1. Manufacturers shall ensure that products are designed, developed and produced in \
accordance with the essential requirements set out in Annex I and that the obligations of \
paragraph 2 are met for the whole expected product lifetime.
2. Paragraph 1 shall not apply to open-source software stewards referred to in Article 1(2), \
point (b), which shall instead put in place a cybersecurity policy that fosters the voluntary \
reporting of vulnerabilities by the developers and users of the components they support.
"""


def _provisions() -> list[Provision]:
    return segment_document(
        make_document(ACT, "act.txt", "eu-regulation", "Regulation (EU) 2031/77")
    )


def _bundle(provisions: object) -> DocBundle:
    doc = make_document(ACT, "act.txt", "eu-regulation", "Regulation (EU) 2031/77")
    return DocBundle(meta=doc.meta, provisions=provisions, tags=())  # type: ignore[arg-type]


def _odd(pid: str, text: str, runs: tuple[tuple[int, int, int], ...] = ()) -> Provision:
    return Provision(
        "a.txt", "a", pid, pid, "paragraph", None, "", (), (1, 1), 0, len(text), text, 1,
        offset_map=runs,
    )  # fmt: skip


@pytest.mark.parametrize("min_chars", [0, PACK_MIN_CHARS])
def test_packed_provisions_read_back_as_the_tuple(min_chars: int) -> None:
    plain = (
        *_provisions(),
        # beyond Latin-1, a lone surrogate (a file name from the OS), offsets past 2**31
        _odd("x1", "Ä’\U0001f600 " * 200, ((0, 5, 3), (7, 2**40, 9))),
        _odd("x2", "\udcff" + "x" * 300),
        _odd("x3", ""),
    )
    packed = PackedProvisions(plain, min_chars=min_chars, keep=4)
    assert packed == plain and list(packed) == list(plain)
    assert packed[-1] == plain[-1] and packed[2:5] == plain[2:5] and len(packed) == len(plain)
    assert packed._packed, "nothing was packed: the test would not test packing"
    read = text_reader(packed)
    for light, whole in zip(structure_of(packed), plain, strict=True):
        assert read(light) == whole.text
        assert light.id == whole.id and light.refs == whole.refs
    # only a few unpacked provisions are kept
    assert len(packed._cache) <= 4
    # a long text is held without its text in the structure
    assert any(not p.text and w.text for p, w in zip(packed.structure, plain, strict=True))


def test_a_packed_bundle_is_stored_byte_for_byte_as_its_tuple(tmp_path: Path) -> None:
    plain = _bundle(tuple(_provisions()))
    packed = _bundle(PackedProvisions(plain.provisions, min_chars=0))
    ws = Workspace(tmp_path)
    ws.ensure()
    ws.save_bundle(plain)
    written = ws.bundle_path("act").read_bytes()
    ws.save_bundle(packed)
    assert ws.bundle_path("act").read_bytes() == written
    loaded = ws.load_bundle("act")
    assert loaded is not None
    assert isinstance(loaded.provisions, tuple) and loaded.provisions == plain.provisions


@pytest.mark.parametrize("min_chars", [0, PACK_MIN_CHARS])
def test_tags_and_index_entries_of_a_packed_bundle_are_the_tuple_s(min_chars: int) -> None:
    plain = tuple(_provisions())
    packed = PackedProvisions(plain, min_chars=min_chars)
    tags = tag_provisions(plain, family="eu-regulation")
    assert {t.provision_id for t in tags if t.label == "oss-exemption"} >= {
        "art_1__para_2__point_b"
    }, "the fixture must be tagged through a lead-in for this test to mean anything"
    assert tag_provisions(packed, family="eu-regulation") == tags
    with_tags = dataclasses.replace(_bundle(plain), tags=tuple(tags))
    packed_tags = dataclasses.replace(_bundle(packed), tags=tuple(tags))
    payloads = list(_payloads(with_tags))
    assert any(p["lead_in"] for p in payloads), "no lead-in was indexed: the test would be weak"
    assert list(_payloads(packed_tags)) == payloads
    assert list(bundle_entries(packed_tags)) == list(bundle_entries(with_tags))


def test_references_resolved_on_a_packed_bundle_stay_packed() -> None:
    cited = DocBundle(
        meta=DocumentMeta("b.txt", "b", "0" * 64, "", "eu-directive", "EU", "", "Directive (EU) 2019/790", "", 1),
        provisions=(dataclasses.replace(_odd("art_4", "text of article 4"), doc_id="b", file="b.txt"),),
        tags=(),
    )  # fmt: skip
    citing_text = "As laid down in Article 4 of Directive (EU) 2019/790, " + "y" * 300
    ref = Reference(
        "Article 4 of Directive (EU) 2019/790",
        15,
        52,
        external="Article 4 of Directive (EU) 2019/790",
    )
    plain = (dataclasses.replace(_odd("art_1", citing_text), refs=(ref,)), _odd("art_2", "z" * 300))
    expected = resolve_external_refs([_bundle(plain), cited])[0]
    assert expected.provisions[0].refs[0].target_doc == "b"
    resolved = resolve_external_refs([_bundle(PackedProvisions(plain)), cited])[0]
    assert isinstance(resolved.provisions, PackedProvisions)
    assert resolved.provisions == expected.provisions


def test_packed_texts_wait_in_a_temporary_file_not_in_memory() -> None:
    """Seventh/eighth session (issue 15): the compressed texts themselves are spilled.

    Held in memory, 3.7 MiB of compressed text stayed live through tagging and
    indexing of a 1,000-page act; in the spill file only three integers a
    provision do. Texts of random letters barely compress, so holding them in
    memory in any form would show here.
    """
    import pickle
    import random
    import tracemalloc

    rng = random.Random(15)

    def made() -> Iterator[Provision]:
        for i in range(100):
            text = "".join(rng.choices("abcdefghijklmnopqrstuvwxyz ", k=40_000))
            yield Provision(
                "a.pdf", "a", f"art_{i}", f"Article {i}", "article", None, "", (),
                (1, 1), 0, len(text), text, i, offset_map=((0, 0, 10),),
            )  # fmt: skip

    rng.seed(15)
    texts = [p.text for p in made()]
    rng.seed(15)
    tracemalloc.start()
    try:
        packed = PackedProvisions(made())
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert held < sum(map(len, texts)) // 10, held
    assert [p.text for p in packed] == texts
    assert packed[7].offset_map == ((0, 0, 10),)
    assert [packed.text_of(p) for p in packed.structure] == texts
    # Another process gets the provisions themselves (a file descriptor does not cross).
    copy = pickle.loads(pickle.dumps(packed))
    assert isinstance(copy, tuple) and copy == packed
    # A replacement made after packing reads from the same file; the original is intact.
    changed = packed.replacing({3: dataclasses.replace(packed[3], text="x" * 500)})
    assert changed[3].text == "x" * 500 and packed[3].text == texts[3]
    assert [p.text for i, p in enumerate(changed) if i != 3] == texts[:3] + texts[4:]
