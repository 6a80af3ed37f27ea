"""JSON Lines export with everything (documents, provisions, tags, annotations) and its import.

The file is self-describing and deterministic, so that export -> import into an
empty workspace -> export gives the same bytes::

    {"record": "corpus-tool-export", "format": 1}
    {"record": "label-scheme", "labels": [...]}
    {"record": "document", "meta": {...}, "footnote_count": 0, "warnings": []}
    {"record": "provision", "doc_id": ..., "provision": {...}, "tags": [...],
     "decisions": {...}, "labels": [...], "annotations": [...]}
    {"record": "annotation", "annotation": {...}, "orphaned": true}
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

from corpus_tool.annotations.labels import Label, LabelScheme, default_scheme, scheme_path
from corpus_tool.annotations.store import AnnotationStore
from corpus_tool.errors import InputError
from corpus_tool.export.selection import ExportItem, Selection
from corpus_tool.index import update_index
from corpus_tool.model import Annotation, DocumentMeta, Provision, Tag, from_dict, to_dict
from corpus_tool.workspace import DocBundle, Workspace, atomic_write_bytes

FORMAT_VERSION = 1
HEADER = {"record": "corpus-tool-export", "format": FORMAT_VERSION}


def _line(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"


def _annotation_order(a: Annotation) -> tuple[str, str]:
    return (a.created, a.id)


def _tag(selection: Selection, item: ExportItem, tag: Tag) -> dict[str, Any]:
    """A tag with the pages of each evidence span (fields added; import ignores them)."""
    record = to_dict(tag)
    for ev, out in zip(tag.evidence, record["evidence"], strict=True):
        out.update(selection.locator.span_fields(item.meta, item.provision, ev.start, ev.end))
    return record


def _annotation(selection: Selection, item: ExportItem, a: Annotation) -> dict[str, Any]:
    """An annotation with the pages of its span, or of the whole provision."""
    record = to_dict(a)
    start, end = a.position or (0, len(item.provision.text))
    record.update(selection.locator.span_fields(item.meta, item.provision, start, end))
    return record


def render(selection: Selection) -> bytes:
    lines = [_line(HEADER)]
    lines.append(
        _line({"record": "label-scheme", "labels": [to_dict(x) for x in selection.scheme.labels]})
    )
    orphans_of: dict[str, list[Annotation]] = {}
    for a in selection.orphans:
        orphans_of.setdefault(a.doc_id, []).append(a)
    for meta, items in selection.by_document():
        bundle = selection.bundles[meta.doc_id]
        lines.append(
            _line(
                {
                    "record": "document",
                    "meta": to_dict(meta),
                    "footnote_count": bundle.footnote_count,
                    "warnings": list(bundle.warnings),
                }
            )
        )
        for item in items:
            lines.append(
                _line(
                    {
                        "record": "provision",
                        "doc_id": meta.doc_id,
                        "provision": to_dict(item.provision),
                        "tags": [_tag(selection, item, t) for t in item.tags],
                        "decisions": dict(sorted(item.decisions.items())),
                        "labels": list(item.labels(selection.scheme)),
                        "annotations": [
                            _annotation(selection, item, a)
                            for a in sorted(item.annotations, key=_annotation_order)
                        ],
                    }
                )
            )
        for a in sorted(orphans_of.get(meta.doc_id, []), key=_annotation_order):
            lines.append(
                _line({"record": "annotation", "annotation": to_dict(a), "orphaned": True})
            )
    return "".join(lines).encode("utf-8")


def write(selection: Selection, path: Path, **_: Any) -> None:
    atomic_write_bytes(path, render(selection))


def import_jsonl(ws: Workspace, path: Path) -> dict[str, int]:
    """Rebuild documents, provisions, tags and annotations from a JSON Lines export.

    Only into an empty workspace (no documents, no annotations): merging two
    histories of the same annotations is a person's decision, not the tool's.
    """
    name = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(name, f"cannot read ({exc.strerror})") from exc
    records: list[dict[str, Any]] = []
    for number, line in enumerate(raw.decode("utf-8", errors="strict").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as exc:
            raise InputError(name, f"line {number} is not JSON ({exc})") from exc
        if not isinstance(record, dict) or "record" not in record:
            raise InputError(name, f"line {number} is not a corpus-tool export record")
        records.append(record)
    if not records or records[0] != HEADER:
        raise InputError(name, "not a corpus-tool JSON Lines export (its first line is wrong)")
    if ws.doc_ids() or AnnotationStore(ws, author="-").all():
        raise InputError(
            name, f"workspace {ws.root} is not empty; import only into an empty workspace"
        )
    scheme: LabelScheme | None = None
    documents: dict[str, dict[str, Any]] = {}
    provisions: dict[str, list[Provision]] = {}
    tags: dict[str, list[Tag]] = {}
    annotations: list[Annotation] = []
    try:
        for record in records[1:]:
            kind = record["record"]
            if kind == "label-scheme":
                scheme = LabelScheme(tuple(from_dict(Label, x) for x in record["labels"]))
            elif kind == "document":
                meta = from_dict(DocumentMeta, record["meta"])
                documents[meta.doc_id] = {**record, "meta": meta}
            elif kind == "provision":
                doc_id = record["doc_id"]
                provisions.setdefault(doc_id, []).append(from_dict(Provision, record["provision"]))
                tags.setdefault(doc_id, []).extend(from_dict(Tag, t) for t in record["tags"])
                annotations.extend(from_dict(Annotation, a) for a in record["annotations"])
            elif kind == "annotation":
                annotations.append(from_dict(Annotation, record["annotation"]))
            else:
                raise InputError(name, f"unknown record type {kind!r}")
    except (KeyError, TypeError) as exc:
        raise InputError(name, f"a record is missing a field ({exc})") from exc
    missing = sorted(set(provisions) - set(documents))
    if missing:
        raise InputError(name, f"provisions of {', '.join(missing)} come without their document")

    ws.ensure()
    if scheme is not None and scheme.labels != default_scheme().labels:
        atomic_write_bytes(scheme_path(ws), scheme.to_toml().encode("utf-8"))
    bundles = []
    for doc_id, doc in documents.items():
        bundle = DocBundle(
            meta=doc["meta"],
            provisions=tuple(sorted(provisions.get(doc_id, []), key=lambda p: p.order)),
            tags=tuple(tags.get(doc_id, [])),
            footnote_count=int(doc.get("footnote_count", 0)),
            warnings=tuple(doc.get("warnings", ())),
        )
        ws.save_bundle(bundle)
        bundles.append(bundle)
    restored = AnnotationStore(ws, author="-").restore(sorted(annotations, key=_annotation_order))
    # The index is derived data: best effort, 'corpus-tool index' rebuilds it.
    with contextlib.suppress(Exception):
        update_index(ws, bundles)
    return {
        "documents": len(bundles),
        "provisions": sum(len(b.provisions) for b in bundles),
        "tags": sum(len(b.tags) for b in bundles),
        "annotations": restored,
    }
