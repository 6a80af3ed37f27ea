"""Collapsed provision text keeps a map back to document offsets (corpus_tool.offsets)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from corpus_tool.model import Provision
from corpus_tool.offsets import collapse_mapped, to_document
from corpus_tool.segment.outline import collapse

TEXTS = st.text(alphabet="ab \n\t\u00a0.-", max_size=60)


def _old_way(text: str, start: int, end: int, skips: list[tuple[int, int]]) -> str:
    """outline.to_provisions before the map: skipped spans became one space, then collapse."""
    raw = text[start:end]
    for s, e in reversed(sorted(skips)):
        if start <= s < e <= end:
            raw = raw[: s - start] + " " + raw[e - start :]
    return collapse(raw)


@given(TEXTS, st.data())
def test_the_collapsed_text_is_as_before_and_every_character_maps_back(text: str, data) -> None:
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    cut = data.draw(st.integers(start, end))
    skips = [(cut, data.draw(st.integers(cut, end)))]
    skips = [(s, e) for s, e in skips if s < e]
    got, runs = collapse_mapped(text, start, end, skips)
    assert got == _old_way(text, start, end, skips)
    for i, char in enumerate(got):
        d = to_document(runs, i)
        assert d is not None and start <= d < end
        # A space stands for whitespace there, or for a left-out span starting there.
        in_skip = any(s <= d < e for s, e in skips)
        assert not in_skip or (char == " " and any(s == d for s, _ in skips))
        assert text[d] == char or (char == " " and (text[d].isspace() or in_skip))
    assert to_document(runs, len(got)) is None


def test_a_margin_number_left_out_still_maps_words_after_it() -> None:
    text = "1.   The provider\n  shall 12 act."
    skip = (text.index("12"), text.index("12") + 3)
    got, runs = collapse_mapped(text, 4, len(text), [skip])
    assert got == "The provider shall act."
    assert text[to_document(runs, got.index("act")) :].startswith("act.")
    assert text[to_document(runs, got.index("shall")) :].startswith("shall")


def test_locate_falls_back_to_alignment_for_bundles_without_a_map() -> None:
    from corpus_tool.locate import document_span
    from corpus_tool.model import Document, DocumentMeta

    text = "Article 5\n\nProviders   shall\nact now."
    meta = DocumentMeta("f.txt", "f", "0", "", "other", "", "", "", "", 0)
    doc = Document(meta, text)
    old = Provision(
        file="f.txt", doc_id="f", id="art_5", citation="Article 5", kind="article", parent=None,
        heading="", path=("Article 5",), pages=(1, 1), start=0, end=len(text),
        text="Providers shall act now.", order=0,
    )  # fmt: skip
    s, e = document_span(doc, old, old.text.index("act"), len(old.text))
    assert text[s:e] == "act now."
    s, e = document_span(doc, old, 0, len("Providers shall"))
    assert text[s:e] == "Providers   shall"
