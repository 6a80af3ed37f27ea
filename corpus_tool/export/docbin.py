"""spaCy DocBin of provisions for training: labels in ``doc.cats``, spans in ``doc.spans``.

``doc.cats`` holds every label of the scheme and every machine tag label (1.0 when
the provision carries it, else 0.0); ``doc.spans["annotations"]`` the spans people
labelled and ``doc.spans["tags"]`` the evidence of machine tags. ``doc.user_data``
names the provision (doc_id, provision_id, citation).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from corpus_tool.export.selection import Selection
from corpus_tool.workspace import atomic_write_bytes

SPAN_KEYS = ("annotations", "tags")


def render(selection: Selection) -> bytes:
    import spacy
    from spacy.tokens import DocBin

    nlp = spacy.blank("en")
    machine = sorted({t.label for item in selection.items for t in item.tags})
    categories = list(selection.scheme.names) + [
        m for m in machine if m not in selection.scheme.names
    ]
    docbin = DocBin(store_user_data=True)
    for item in selection.items:
        doc = nlp.make_doc(item.provision.text)
        labels = set(item.labels(selection.scheme)) | {t.label for t in item.effective_tags}
        doc.cats = {c: 1.0 if c in labels else 0.0 for c in categories}
        spans = []
        for a in item.annotations:
            if a.position:
                span = doc.char_span(
                    *a.position, label=a.labels[0] if a.labels else "note", alignment_mode="expand"
                )
                if span is not None:
                    spans.append(span)
        doc.spans["annotations"] = spans
        evidence = []
        for t in item.effective_tags:
            for e in t.evidence:
                span = doc.char_span(e.start, e.end, label=t.label, alignment_mode="expand")
                if span is not None:
                    evidence.append(span)
        doc.spans["tags"] = evidence
        doc.user_data["doc_id"] = item.provision.doc_id
        doc.user_data["provision_id"] = item.provision.id
        doc.user_data["citation"] = item.provision.citation
        docbin.add(doc)
    return bytes(docbin.to_bytes())


def write(selection: Selection, path: Path, **_: Any) -> None:
    atomic_write_bytes(path, render(selection))
