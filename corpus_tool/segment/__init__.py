"""Split a Document into its Provisions: the units lawyers cite, with ids and references.

``segment_document(doc)`` returns the provisions in document order. Ids follow
the Akoma Ntoso-like convention of ../shared/gold/README.md (``rec_102``,
``art_53__para_2__point_a``, ``anx_III``, ``sec_4__subsec_6__para_a``) and are
built from the numbers printed in the document — for unnumbered text, from its
heading's number or words and its place under that heading, or from the term it
defines — never from a counter running over the whole document, so they survive
re-ingests and edits elsewhere.

Which family parser runs is decided from the text itself (an "Article 1" with a
preamble or enacting formula is an EU act; an enacting clause then "SECTION 1."
a US state bill; "Section 1." then "Sec. 2." an executive order; numbered
clauses a licence), with ``DocumentMeta.family`` only as a tie-breaker, so
mislabelled documents are still split correctly.

Searchable provisions (``Provision.searchable``) are the units a lawyer
searches, and every piece of text lies in exactly one of them: recitals,
article paragraphs (or the article when it has none), annex points (or the
annex), executive-order subsections and paragraphs, licence clauses, points
(a), (i) of every family, statute subsections of state bills, paragraphs of
other documents. A unit with points keeps only its own text (its lead-in and
closing words: ``Node.lead_in``), so units never overlap (docs/decisions.md,
section 2). Containers (chapters, sections, articles with paragraphs) carry
their whole text and ``searchable=False``.
"""

from __future__ import annotations

import dataclasses

from corpus_tool.model import Document, Provision
from corpus_tool.segment import eu, generic, statebill, usorder
from corpus_tool.segment.common import defined_term
from corpus_tool.segment.lines import Line, attach_margin_labels, split_lines
from corpus_tool.segment.outline import Node, to_provisions
from corpus_tool.segment.refs import find_references, resolve_external_refs, resolver

SEGMENTER_VERSION = "1.6"

__all__ = ["SEGMENTER_VERSION", "detect_family", "resolve_external_refs", "segment_document"]

# Kinds whose text can define a term ("‘provider’ means …").
_DEFINING_KINDS = {"point", "paragraph", "article", "definition", "clause", "subpara", "item"}


def detect_family(doc: Document, lines: list[Line] | None = None) -> str:
    """Which parser fits: "eu", "order", "state-bill", "notice", "licence" or "generic"."""
    lines = lines if lines is not None else split_lines(doc)
    family = doc.meta.family or ""
    if statebill.looks_like_state_bill(statebill.strip_line_numbers(lines)[0]):
        return "state-bill"
    if eu.looks_like_eu(lines):
        return "eu"
    if usorder.looks_like_order(lines):
        return "order"
    if family == "us-federal-register-notice":
        return "notice"
    if family == "licence" or (doc.boxes is None and generic.looks_like_licence(lines)):
        return "licence"
    return "generic"


def _parse(doc: Document) -> tuple[list[Node], list[tuple[int, int]]]:
    lines = attach_margin_labels(split_lines(doc))
    if not lines:
        return [], []
    moved = [ln.moved_label for ln in lines if ln.moved_label is not None]
    family = detect_family(doc, lines)
    if family == "eu":
        return eu.segment_eu(doc, lines), moved
    if family == "order":
        return usorder.segment_order(doc, lines), moved
    if family == "state-bill":
        nodes, noise = statebill.segment_state_bill(doc, lines)
        return nodes, moved + noise
    if family == "licence":
        return generic.segment_licence(doc, lines), moved
    nodes, skips = generic.segment_generic(doc, lines, questions=family == "notice")
    return nodes, moved + skips


def segment_document(doc: Document) -> list[Provision]:
    """The provisions of ``doc`` in document order (see the module docstring)."""
    nodes, moved_labels = _parse(doc)
    provisions = to_provisions(doc, nodes, moved_labels)
    ids = resolver(p.id for p in provisions)
    has_children = {p.parent for p in provisions if p.parent}
    out: list[Provision] = []
    for p in provisions:
        changes: dict[str, object] = {}
        leafish = p.id not in has_children or p.kind in ("paragraph", "point", "definition")
        if p.defined_term is None and p.kind in _DEFINING_KINDS and leafish:
            term = defined_term(p.text)
            if term:
                changes["defined_term"] = term
        # Containers repeat their children's text: their references are the children's.
        if p.searchable or p.id not in has_children or p.kind == "point":
            refs = find_references(p, ids)
            if refs:
                changes["refs"] = refs
        out.append(dataclasses.replace(p, **changes) if changes else p)  # type: ignore[arg-type]
    return out
