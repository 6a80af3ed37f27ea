"""Hand-built provisions for the tagging and eval tests."""

from __future__ import annotations

from corpus_tool.model import Provision, Reference


def provision(
    text: str,
    pid: str = "p_1",
    *,
    kind: str = "paragraph",
    parent: str | None = None,
    refs: tuple[Reference, ...] = (),
    searchable: bool = True,
    doc_id: str = "test-act",
    citation: str | None = None,
    order: int = 0,
) -> Provision:
    return Provision(
        file=f"{doc_id}.pdf",
        doc_id=doc_id,
        id=pid,
        citation=citation or pid,
        kind=kind,
        parent=parent,
        heading="",
        path=(),
        pages=(1, 1),
        start=0,
        end=len(text),
        text=text,
        order=order,
        refs=refs,
        searchable=searchable,
    )


def ref(text: str, phrase: str, target: str) -> Reference:
    """A resolved reference to ``target`` at the first occurrence of ``phrase`` in ``text``."""
    start = text.index(phrase)
    return Reference(text=phrase, start=start, end=start + len(phrase), target=target)
