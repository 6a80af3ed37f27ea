"""Split a Document into its Provisions (issue 3 replaces this fallback).

Contract: ``segment_document(doc) -> list[Provision]`` in document order, ids
unique within the document and stable across re-ingests.
"""

from __future__ import annotations

import re

from corpus_tool.model import Document, Provision

SEGMENTER_VERSION = "0"


def segment_document(doc: Document) -> list[Provision]:
    """Fallback: one provision per blank-line separated paragraph."""
    out: list[Provision] = []
    for n, m in enumerate(re.finditer(r"\S(?:.|\n(?!\s*\n))*", doc.text), start=1):
        out.append(
            Provision(
                file=doc.meta.file,
                doc_id=doc.meta.doc_id,
                id=f"para_{n}",
                citation=f"Paragraph {n}",
                kind="paragraph",
                parent=None,
                heading="",
                path=(),
                pages=(doc.page_at(m.start()), doc.page_at(m.end() - 1)),
                start=m.start(),
                end=m.end(),
                text=" ".join(m.group().split()),
                order=n,
            )
        )
    return out
