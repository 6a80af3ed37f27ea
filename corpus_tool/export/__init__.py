"""Export tagged provision sets (CSV, JSON Lines, Markdown, HTML, DOCX, W3C JSON-LD, spaCy) and import JSON Lines."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from pathlib import Path

from corpus_tool.errors import StoreError
from corpus_tool.export.jsonl import import_jsonl
from corpus_tool.export.selection import ExportItem, Selection, select
from corpus_tool.workspace import Workspace

# Format name -> (module, usual file suffix, what it is for).
FORMATS: dict[str, tuple[str, str, str]] = {
    "csv": ("csv_format", ".csv", "spreadsheet, one row per provision (Excel-safe)"),
    "jsonl": ("jsonl", ".jsonl", "everything, stable ids; 'corpus-tool import' reads it back"),
    "markdown": ("markdown", ".md", "memo-ready report grouped by document"),
    "html": ("html_report", ".html", "self-contained memo-ready report"),
    "docx": ("docx", ".docx", "Word memo: pinpoint citations, evidence coloured by label"),
    "jsonld": ("jsonld", ".jsonld", "W3C Web Annotation collection (JSON-LD)"),
    "spacy": ("docbin", ".spacy", "spaCy DocBin: doc.cats and doc.spans for training"),
}
_ALIASES = {"md": "markdown", "json-ld": "jsonld", "docbin": "spacy", "htm": "html", "word": "docx"}


def format_for(fmt: str | None, path: Path) -> str:
    """The format asked for, or the one the file's suffix implies."""
    if fmt:
        name = _ALIASES.get(fmt.lower(), fmt.lower())
        if name not in FORMATS:
            raise StoreError(f"unknown export format {fmt!r}; formats: {', '.join(FORMATS)}")
        return name
    suffix = path.suffix.lower()
    for name, (_, ext, _) in FORMATS.items():
        if suffix == ext:
            return name
    if suffix.lstrip(".") in _ALIASES:
        return _ALIASES[suffix.lstrip(".")]
    raise StoreError(
        f"cannot tell the export format from {path.name!r}; use --format ({', '.join(FORMATS)})"
    )


def write_selection(selection: Selection, fmt: str, path: Path, *, bom: bool = False) -> None:
    module = importlib.import_module(f"corpus_tool.export.{FORMATS[fmt][0]}")
    try:
        module.write(selection, path, bom=bom)
    except OSError as exc:
        raise StoreError(f"cannot write {path}: {exc.strerror or exc}") from exc


def export(
    ws: Workspace,
    fmt: str | None,
    path: Path,
    *,
    query: str | None = None,
    tag: str | Sequence[str] | None = None,
    label: str | Sequence[str] | None = None,
    author: str | None = None,
    doc: str | Sequence[str] | None = None,
    bom: bool = False,
    everything: bool = False,
    cite: str | Sequence[str] | None = None,
) -> int:
    """Write the chosen provisions to ``path`` in ``fmt`` (None: from the suffix); returns how many."""
    name = format_for(fmt, Path(path))
    selection = select(
        ws,
        query=query,
        tag=tag,
        label=label,
        author=author,
        doc=doc,
        everything=everything,
        cite=cite,
    )
    write_selection(selection, name, Path(path), bom=bom)
    return len(selection.items)


__all__ = ["FORMATS", "ExportItem", "Selection", "export", "format_for", "import_jsonl", "select"]
