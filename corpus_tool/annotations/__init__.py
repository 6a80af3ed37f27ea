"""Human annotations: the append-only store, label schemes, re-anchoring and agreement."""

from __future__ import annotations

from corpus_tool.annotations.agreement import AgreementReport, agreement, cohen_kappa
from corpus_tool.annotations.anchoring import (
    ANCHORED,
    MOVED,
    ORPHANED,
    AnchorResult,
    anchor,
    apply_anchors,
    check_anchors,
)
from corpus_tool.annotations.history import Action, History
from corpus_tool.annotations.labels import Label, LabelScheme, default_scheme, load_label_scheme
from corpus_tool.annotations.store import (
    AnnotationStore,
    DuplicateLabelError,
    current_labels,
    decisions_of,
    default_author,
    effective_tags,
    review,
    tag_decisions,
)

__all__ = [
    "ANCHORED",
    "MOVED",
    "ORPHANED",
    "Action",
    "AgreementReport",
    "AnchorResult",
    "AnnotationStore",
    "DuplicateLabelError",
    "History",
    "Label",
    "LabelScheme",
    "agreement",
    "anchor",
    "apply_anchors",
    "check_anchors",
    "cohen_kappa",
    "current_labels",
    "decisions_of",
    "default_author",
    "default_scheme",
    "effective_tags",
    "load_label_scheme",
    "review",
    "tag_decisions",
]
