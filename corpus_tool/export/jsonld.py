"""W3C Web Annotation Data Model (JSON-LD): people's annotations and machine tags.

Each provision is a web resource ``urn:corpus-tool:DOC_ID:PROVISION_ID``; a span of
it is addressed with a TextQuoteSelector and a TextPositionSelector whose offsets
are into the provision's text.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from corpus_tool.export.selection import ExportItem, Selection
from corpus_tool.model import Annotation, Tag, TextQuote
from corpus_tool.workspace import atomic_write_bytes

CONTEXT = "http://www.w3.org/ns/anno.jsonld"
SOURCE_PREFIX = "urn:corpus-tool:"


def source_iri(doc_id: str, provision_id: str) -> str:
    return f"{SOURCE_PREFIX}{doc_id}:{provision_id}"


def _selectors(quote: TextQuote, start: int, end: int) -> list[dict[str, Any]]:
    return [
        {
            "type": "TextQuoteSelector",
            "exact": quote.exact,
            "prefix": quote.prefix,
            "suffix": quote.suffix,
        },
        {"type": "TextPositionSelector", "start": start, "end": end},
    ]


def _target(
    item: ExportItem, quote: TextQuote | None, position: tuple[int, int] | None
) -> dict[str, Any]:
    p = item.provision
    target: dict[str, Any] = {
        "source": source_iri(p.doc_id, p.id),
        "type": "Text",
        "format": "text/plain",
        "scope": item.meta.eli or f"{SOURCE_PREFIX}{item.meta.doc_id}",
    }
    if quote is not None and position is not None:
        target["selector"] = _selectors(quote, *position)
    return target


def _person(a: Annotation, item: ExportItem) -> dict[str, Any]:
    bodies: list[dict[str, Any]] = [
        {"type": "TextualBody", "purpose": "tagging", "value": label} for label in a.labels
    ]
    if a.decision:
        bodies.append(
            {
                "type": "TextualBody",
                "purpose": "assessing",
                "value": f"{a.decision} {a.tag_label}",
            }
        )
    if a.note:
        bodies.append(
            {
                "type": "TextualBody",
                "purpose": "commenting",
                "value": a.note,
                "format": "text/plain",
            }
        )
    motivation = "assessing" if a.decision else ("tagging" if a.labels else "commenting")
    return {
        "id": f"{SOURCE_PREFIX}annotation:{a.id}",
        "type": "Annotation",
        "motivation": motivation,
        "creator": {"type": "Person", "name": a.author},
        "created": a.created,
        "modified": a.modified,
        "body": bodies,
        "target": _target(item, a.quote, a.position),
    }


def _machine(tag: Tag, item: ExportItem) -> dict[str, Any]:
    text = item.provision.text
    targets: list[dict[str, Any]] = []
    for e in tag.evidence:
        if 0 <= e.start < e.end <= len(text):
            quote = TextQuote(
                text[e.start : e.end],
                text[max(0, e.start - 32) : e.start],
                text[e.end : e.end + 32],
            )
            targets.append(_target(item, quote, (e.start, e.end)))
    decision = item.decisions.get(tag.tag_id)
    annotation: dict[str, Any] = {
        "id": f"{SOURCE_PREFIX}tag:{tag.tag_id}",
        "type": "Annotation",
        "motivation": "classifying",
        "creator": {"type": "Software", "name": tag.source},
        "body": [{"type": "TextualBody", "purpose": "classifying", "value": tag.label}],
        "target": targets or [_target(item, None, None)],
    }
    if decision:
        annotation["body"].append(
            {"type": "TextualBody", "purpose": "assessing", "value": decision}
        )
    return annotation


def render(selection: Selection) -> bytes:
    items: list[dict[str, Any]] = []
    for item in selection.items:
        items.extend(_machine(t, item) for t in item.effective_tags)
        for a in item.annotations:
            person = _person(a, item)
            # Where the annotated span (or provision) is printed: fields added beside the model's.
            start, end = a.position or (0, len(item.provision.text))
            person.update(selection.locator.span_fields(item.meta, item.provision, start, end))
            items.append(person)
    collection = {
        "@context": CONTEXT,
        "id": f"{SOURCE_PREFIX}export",
        "type": "AnnotationCollection",
        "label": f"corpus-tool export: {selection.description}",
        "total": len(items),
        "first": {"type": "AnnotationPage", "startIndex": 0, "items": items},
    }
    return (json.dumps(collection, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def write(selection: Selection, path: Path, **_: Any) -> None:
    atomic_write_bytes(path, render(selection))
