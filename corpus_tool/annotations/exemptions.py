"""The exemption map as people see it: machine records minus rejected tags, plus people's labels.

``corpus-tool exemptions`` and the TUI's exemption-map screen show the same rows;
this is the one place that joins the annotation store (decisions, labels) with
``tagging.exemption_map.build_exemption_map``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence

from corpus_tool.annotations.store import AnnotationStore, decisions_of, effective_tags
from corpus_tool.model import Annotation
from corpus_tool.tagging.exemption_map import (
    LABEL_FIELDS,
    ExemptionRecord,
    HumanLabel,
    build_exemption_map,
)
from corpus_tool.tagging.labels import LABEL_EXEMPTION
from corpus_tool.workspace import DocBundle, Workspace


def human_labels(annotations: Iterable[Annotation]) -> list[HumanLabel]:
    """People's labels that add to a map field (or make a row: ``oss-exemption``)."""
    wanted = {*LABEL_FIELDS, LABEL_EXEMPTION}
    return [
        HumanLabel(
            doc_id=a.doc_id,
            provision_id=a.provision_id,
            label=label,
            author=a.author,
            start=a.position[0] if a.position else None,
            end=a.position[1] if a.position else None,
            quote=a.quote.exact if a.quote else "",
            note=a.note,
        )
        for a in annotations
        if not a.decision
        for label in a.labels
        if label in wanted
    ]


def exemption_records(
    bundles: Sequence[DocBundle], annotations: Sequence[Annotation]
) -> list[ExemptionRecord]:
    """One record per exemption across ``bundles``: a rejected machine tag drops out (as
    everywhere, ``effective_tags``), an accepted one says so, people's labels are added."""
    decisions = decisions_of(annotations)
    live = [
        dataclasses.replace(b, tags=tuple(t for t, _ in effective_tags(b.tags, decisions)))
        for b in bundles
    ]
    return build_exemption_map(live, decisions=decisions, labels=human_labels(annotations))


def workspace_exemptions(ws: Workspace, doc_ids: Sequence[str] = ()) -> list[ExemptionRecord]:
    """``exemption_records`` over a workspace's documents (all, or those named)."""
    bundles = [ws.find_doc(d) for d in doc_ids] if doc_ids else list(ws.bundles())
    return exemption_records(bundles, AnnotationStore(ws, author="-").all())


__all__ = ["exemption_records", "human_labels", "workspace_exemptions"]
