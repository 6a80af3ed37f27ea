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

from corpus_tool import shapes
from corpus_tool.annotations.labels import (
    Label,
    LabelScheme,
    default_scheme,
    parse_scheme,
    scheme_path,
)
from corpus_tool.annotations.store import AnnotationStore
from corpus_tool.errors import InputError, StoreError
from corpus_tool.export.selection import ExportItem, Selection
from corpus_tool.index import update_index
from corpus_tool.model import Annotation, DocumentMeta, Provision, Tag, from_dict, to_dict
from corpus_tool.workspace import DocBundle, Workspace, atomic_write_bytes, doc_id_problem

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


def _decode_lines(name: str, raw: bytes) -> list[tuple[int, dict[str, Any]]]:
    """The file's records with their line numbers; a one-line InputError for anything else."""
    try:
        text = raw.decode("utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        bad_line = raw.count(b"\n", 0, exc.start) + 1
        raise InputError(name, f"line {bad_line} is not UTF-8 (byte {exc.start})") from exc
    records: list[tuple[int, dict[str, Any]]] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        if "\x00" in line:
            raise InputError(name, f"line {number} contains a NUL character")
        try:
            record = json.loads(line)
        except RecursionError as exc:
            raise InputError(name, f"line {number} nests JSON too deeply") from exc
        except ValueError as exc:
            raise InputError(name, f"line {number} is not JSON ({exc})") from exc
        if not isinstance(record, dict) or not isinstance(record.get("record"), str):
            raise InputError(name, f"line {number} is not a corpus-tool export record")
        records.append((number, record))
    return records


class _Parsed:
    """The validated content of an export file, before anything is written."""

    def __init__(self) -> None:
        self.scheme: LabelScheme | None = None
        self.documents: dict[str, dict[str, Any]] = {}
        self.provisions: dict[str, dict[str, Provision]] = {}
        self.tags: dict[str, list[Tag]] = {}
        self.annotations: dict[str, Annotation] = {}
        self.duplicates = 0  # records that repeat earlier ones and add nothing
        self.new_in_record = self.repeat_in_record = False
        self._seen: dict[tuple[str, ...], tuple[int, Any]] = {}

    def once(self, key: tuple[str, ...], value: Any, number: int, what: str) -> bool:
        """True the first time ``key`` is met; a repeat of the same value is counted, not kept."""
        if key not in self._seen:
            self._seen[key] = (number, value)
            self.new_in_record = True
            return True
        first, old = self._seen[key]
        if old != value:
            raise ValueError(
                f"{what} {key[-1]!r} again, with other content (first on line {first})"
            )
        self.repeat_in_record = True
        return False


def _checked(tp: Any, value: Any, where: str) -> Any:
    reason = shapes.problem(tp, value, where)
    if reason:
        raise ValueError(reason)
    return from_dict(tp, value)


def _checked_id(doc_id: Any) -> str:
    reason = doc_id_problem(doc_id)
    if reason:
        raise ValueError(reason)
    return str(doc_id)


def _parse_records(records: list[tuple[int, dict[str, Any]]]) -> _Parsed:
    out = _Parsed()
    for number, record in records[1:]:
        out.new_in_record = out.repeat_in_record = False
        try:
            _parse_record(out, number, record)
        except ValueError as exc:
            raise ValueError(f"line {number}: {exc}") from exc
        if out.repeat_in_record and not out.new_in_record:
            out.duplicates += 1
    return out


def _parse_record(out: _Parsed, number: int, record: dict[str, Any]) -> None:
    kind = record["record"]
    if kind == "label-scheme":
        labels = record.get("labels")
        if not isinstance(labels, list):
            raise ValueError("labels must be a list")
        scheme = LabelScheme(tuple(_checked(Label, x, "labels[]") for x in labels))
        # What import writes must load again: run it through the reader's own checks.
        try:
            out.scheme = parse_scheme(scheme.to_toml(), "label scheme")
        except StoreError as exc:
            raise ValueError(str(exc)) from exc
    elif kind == "document":
        meta = _checked(DocumentMeta, record.get("meta"), "meta")
        doc_id = _checked_id(meta.doc_id)
        extra = {k: record.get(k) for k in ("footnote_count", "warnings")}
        reason = shapes.problem(dict[str, int | tuple[str, ...] | None], extra, "document")
        if reason:
            raise ValueError(reason)
        if out.once(("document", doc_id), record, number, "document"):
            out.documents[doc_id] = {**record, "meta": meta}
    elif kind == "provision":
        doc_id = _checked_id(record.get("doc_id"))
        provision = _checked(Provision, record.get("provision"), "provision")
        tags = [_checked(Tag, t, "tags[]") for t in _list(record, "tags")]
        annotations = [
            _checked(Annotation, a, "annotations[]") for a in _list(record, "annotations")
        ]
        if out.once(("provision", doc_id, provision.id), record["provision"], number, "provision"):
            out.provisions.setdefault(doc_id, {})[provision.id] = provision
            out.tags.setdefault(doc_id, []).extend(tags)
        for a in annotations:
            _add_annotation(out, a, number)
    elif kind == "annotation":
        _add_annotation(out, _checked(Annotation, record.get("annotation"), "annotation"), number)
    else:
        raise ValueError(f"unknown record type {kind[:40]!r}")


def _list(record: dict[str, Any], key: str) -> list[Any]:
    value = record.get(key, [])
    if not isinstance(value, list):
        raise ValueError(f"{key} must be a list")
    return value


def _add_annotation(out: _Parsed, a: Annotation, number: int) -> None:
    _checked_id(a.doc_id)
    if out.once(("annotation", a.id), a, number, "annotation"):
        out.annotations[a.id] = a


def import_jsonl(ws: Workspace, path: Path) -> dict[str, int]:
    """Rebuild documents, provisions, tags and annotations from a JSON Lines export.

    Only into an empty workspace (no documents, no annotations): merging two
    histories of the same annotations is a person's decision, not the tool's.
    The whole file is checked before anything is written, and a failed write
    removes what was written: all or nothing. Lines repeated word for word are
    imported once and counted in ``duplicates``.
    """
    name = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(name, f"cannot read ({exc.strerror})") from exc
    records = _decode_lines(name, raw)
    if not records or records[0][1] != HEADER:
        raise InputError(name, "not a corpus-tool JSON Lines export (its first line is wrong)")
    try:
        parsed = _parse_records(records)
    except RecursionError as exc:
        raise InputError(name, "a record nests too deeply") from exc
    except ValueError as exc:
        raise InputError(name, str(exc)) from exc
    if not parsed.documents:
        raise InputError(name, "holds no documents; nothing to import")
    missing = sorted(set(parsed.provisions) - set(parsed.documents))
    if missing:
        raise InputError(name, f"provisions of {', '.join(missing)} come without their document")
    if ws.doc_ids() or AnnotationStore(ws, author="-").all():
        raise InputError(
            name, f"workspace {ws.root} is not empty; import only into an empty workspace"
        )
    bundles = [
        DocBundle(
            meta=doc["meta"],
            provisions=tuple(
                sorted(parsed.provisions.get(doc_id, {}).values(), key=lambda p: p.order)
            ),
            tags=tuple(parsed.tags.get(doc_id, [])),
            footnote_count=int(doc.get("footnote_count") or 0),
            warnings=tuple(doc.get("warnings") or ()),
        )
        for doc_id, doc in parsed.documents.items()
    ]
    restored = _write_all(ws, name, parsed, bundles)
    # The index is derived data: best effort, 'corpus-tool index' rebuilds it.
    with contextlib.suppress(Exception):
        update_index(ws, bundles)
    counts = {
        "documents": len(bundles),
        "provisions": sum(len(b.provisions) for b in bundles),
        "tags": sum(len(b.tags) for b in bundles),
        "annotations": restored,
    }
    if parsed.duplicates:
        counts["duplicates"] = parsed.duplicates
    return counts


def _write_all(ws: Workspace, name: str, parsed: _Parsed, bundles: list[DocBundle]) -> int:
    """Write the scheme, bundles and annotations; on any failure remove them again."""
    written: list[Path] = []
    events = AnnotationStore(ws, author="-").path
    events_size = events.stat().st_size if events.exists() else None
    try:
        ws.ensure()
        scheme = parsed.scheme
        if scheme is not None and scheme.labels != default_scheme().labels:
            target = scheme_path(ws)
            ws.write_bytes(target, scheme.to_toml().encode("utf-8"))
            written.append(target)
        for bundle in bundles:
            ws.save_bundle(bundle)
            written.append(ws.bundle_path(bundle.meta.doc_id))
        annotations = sorted(parsed.annotations.values(), key=_annotation_order)
        return AnnotationStore(ws, author="-").restore(annotations)
    except BaseException as exc:
        for p in written:
            p.unlink(missing_ok=True)
        if events.exists():
            if events_size is None:
                events.unlink(missing_ok=True)
            else:
                with open(events, "r+b") as fh:
                    fh.truncate(events_size)
        if isinstance(exc, OSError):
            raise InputError(
                name, f"cannot import: {exc.strerror or exc}; nothing imported"
            ) from exc
        if isinstance(exc, StoreError):
            raise InputError(name, f"{exc}; nothing imported") from exc
        raise
