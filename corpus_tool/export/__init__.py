"""Export tagged provision sets (CSV, JSON Lines, Markdown, HTML, DOCX, W3C JSON-LD, spaCy) and import JSON Lines."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType

from corpus_tool.errors import StoreError
from corpus_tool.export.jsonl import import_jsonl
from corpus_tool.export.selection import ExportItem, Selection, select
from corpus_tool.workspace import Workspace, fsync_dir

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


def _umask() -> int:
    """The process umask, read without changing it where the system allows."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def check_target(path: Path) -> int:
    """The mode an export to ``path`` gets; a StoreError when ``path`` must not be replaced.

    Only a regular file (or nothing) is replaced. A symlink is refused rather
    than followed or replaced silently; a device (``/dev/full``), a FIFO, a
    socket or a directory is refused too: renaming a new file over it would
    report success while the data never went where the user meant.
    """
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return 0o666 & ~_umask()
    except OSError as exc:
        raise StoreError(f"cannot write {path}: {exc.strerror or exc}") from exc
    if stat.S_ISLNK(st.st_mode):
        raise StoreError(
            f"refusing to export to {path}: it is a symbolic link (to {os.readlink(path)}); "
            "name the real file or remove the link"
        )
    if not stat.S_ISREG(st.st_mode):
        kind = (
            "a directory"
            if stat.S_ISDIR(st.st_mode)
            else "a device"
            if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)
            else "a FIFO"
            if stat.S_ISFIFO(st.st_mode)
            else "not a regular file"
        )
        raise StoreError(f"refusing to export to {path}: it is {kind}, not a regular file")
    return stat.S_IMODE(st.st_mode)


def write_selection(selection: Selection, fmt: str, path: Path, *, bom: bool = False) -> None:
    """Write an export safely (see :func:`write_safely`)."""
    module = _format_module(fmt)
    write_safely(Path(path), lambda tmp: module.write(selection, tmp, bom=bom))


def write_safely(path: Path, write: Callable[[Path], object]) -> None:
    """Write a file the user named: into a temporary file beside ``path``, then rename it.

    Readers see the old file or the new one; the new file gets the old file's
    mode, or the user's umask (0644 by default), not the 0600 of a temporary file;
    a symbolic link, device, FIFO or folder at ``path`` is refused (``check_target``).
    """
    path = Path(path)
    mode = check_target(path)
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)  # as before: the folder is made
        fd, tmp = tempfile.mkstemp(
            prefix=f".{path.name[:40]}.", suffix=".export", dir=path.parent or "."
        )
        os.close(fd)
        write(Path(tmp))
        os.chmod(tmp, mode)
        check_target(path)  # again: it may have changed while the export was written
        os.replace(tmp, path)
        tmp = None
        fsync_dir(path.parent)
    except OSError as exc:
        raise StoreError(f"cannot write {path}: {exc.strerror or exc}") from exc
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _format_module(fmt: str) -> ModuleType:
    """The writer of one format, imported when first used (spaCy is slow to import)."""
    if fmt == "csv":
        from corpus_tool.export import csv_format

        return csv_format
    if fmt == "jsonl":
        from corpus_tool.export import jsonl

        return jsonl
    if fmt == "markdown":
        from corpus_tool.export import markdown

        return markdown
    if fmt == "html":
        from corpus_tool.export import html_report

        return html_report
    if fmt == "docx":
        from corpus_tool.export import docx

        return docx
    if fmt == "jsonld":
        from corpus_tool.export import jsonld

        return jsonld
    if fmt == "spacy":
        from corpus_tool.export import docbin

        return docbin
    raise StoreError(f"unknown export format {fmt!r}; formats: {', '.join(FORMATS)}")


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
