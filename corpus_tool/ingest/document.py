"""One file to one Document: PDFs through the layout cleaner, .txt/.md as text."""

from __future__ import annotations

import contextlib
import hashlib
import signal
import threading
from collections.abc import Iterator
from pathlib import Path

from corpus_tool.errors import InputError
from corpus_tool.ingest.metadata import detect_metadata
from corpus_tool.ingest.pdf import SOFT_HYPHEN, Extraction, extract_pdf
from corpus_tool.model import Document, DocumentMeta, Footnote, PageInfo
from corpus_tool.workspace import doc_id_for

TEXT_SUFFIXES = {".txt": "text/plain", ".md": "text/markdown"}
PDF_SUFFIXES = {".pdf"}
SUPPORTED = tuple(sorted(PDF_SUFFIXES | set(TEXT_SUFFIXES)))


class ExtractionTimeout(InputError):
    """A document that took longer than the configured time limit."""


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@contextlib.contextmanager
def time_limit(path: Path, seconds: float | None) -> Iterator[None]:
    """Raise ExtractionTimeout after ``seconds`` (only where signals can be used)."""
    usable = (
        seconds is not None
        and seconds > 0
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise ExtractionTimeout(
            str(path), f"took longer than the time limit of {seconds:g} s (raise it with --timeout)"
        )

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, float(seconds))  # type: ignore[arg-type]
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _check_readable(path: Path) -> None:
    if not path.exists():
        raise InputError(str(path), "no such file")
    if not path.is_file():
        raise InputError(str(path), "not a file")
    if path.stat().st_size == 0:
        raise InputError(str(path), "empty file (0 bytes)")


# Byte-order marks, longest first (the UTF-32-LE mark begins with UTF-16-LE's).
_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


def _decode_with_bom(path: Path, raw: bytes) -> str | None:
    """The text of a UTF-16/32 file that says so with a BOM (Notepad writes them), else None."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            try:
                return raw[len(bom) :].decode(encoding)
            except UnicodeDecodeError as exc:
                raise InputError(
                    str(path), f"starts with a {encoding} byte-order mark but is not {encoding}"
                ) from exc
    return None


def read_text_file(path: Path) -> str:
    raw = path.read_bytes()
    text = _decode_with_bom(path, raw)
    if text is not None:
        return _normalise_text(text)
    if b"\x00" in raw[:4096]:
        raise InputError(str(path), "binary data in a text file")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes nearly everything
        raise InputError(str(path), "cannot decode the text (not UTF-8 or Windows-1252)")
    return _normalise_text(text)


def _normalise_text(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace(SOFT_HYPHEN, "")
    text = text.expandtabs(4)
    lines = [line.rstrip() for line in text.split("\n")]
    return _split_long_paragraphs("\n".join(lines).strip("\n"))


# A paragraph becomes a provision, and spaCy refuses a text of more than a
# million characters (E088); no real paragraph comes near this.
MAX_PARAGRAPH = 100_000


def _split_long_paragraphs(text: str, limit: int = MAX_PARAGRAPH) -> str:
    """Break paragraphs longer than ``limit`` at a sentence end (else a space) into several."""
    if len(text) <= limit:
        return text
    out: list[str] = []
    for para in text.split("\n\n"):
        while len(para) > limit:
            cut = max(para.rfind(". ", 0, limit), para.rfind(".\n", 0, limit))
            cut = cut + 1 if cut > limit // 2 else para.rfind(" ", 0, limit)
            if cut <= 0:
                cut = limit
            out.append(para[:cut].rstrip())
            para = para[cut:].lstrip()
        out.append(para)
    return "\n\n".join(out)


def extract_with_details(
    path: Path, *, timeout: float | None = None, sha256: str | None = None
) -> tuple[Document, Extraction | None]:
    """The Document, and for PDFs the extraction details (removed lines) used by `check`.

    ``sha256``: the file's hash when the caller already has it (the file is hashed once).
    """
    path = Path(path)
    _check_readable(path)
    suffix = path.suffix.lower()
    sha = sha256 or file_sha256(path)
    if suffix in TEXT_SUFFIXES:
        text = read_text_file(path)
        if not text.strip():
            raise InputError(str(path), "the text file contains only white space")
        meta = detect_metadata(text[:3000], text, is_text=True)
        doc = Document(
            meta=_meta(path, sha, meta, pages=0, media_type=TEXT_SUFFIXES[suffix]),
            text=text,
            pages=(PageInfo(1, 0.0, 0.0, 0, len(text)),),
        )
        return doc, None
    if suffix not in PDF_SUFFIXES:
        raise InputError(
            str(path), f"unsupported file type {suffix or '(none)'}; use {', '.join(SUPPORTED)}"
        )
    with path.open("rb") as fh:
        head = fh.read(1024)
    if b"%PDF-" not in head:
        raise InputError(str(path), "not a PDF (no %PDF header): the file is of another type")
    with time_limit(path, timeout):
        ext = extract_pdf(path)
    opening = ext.text[: ext.pages[min(1, len(ext.pages) - 1)].end]
    meta = detect_metadata(
        ext.front,
        ext.text,
        extra="\n".join(ext.removed),
        pdf_title=ext.pdf_title,
        opening=opening,
    )
    doc = Document(
        meta=_meta(path, sha, meta, pages=len(ext.pages)),
        text=ext.text,
        pages=tuple(ext.pages),
        footnotes=tuple(ext.footnotes),
        boxes=ext.boxes,
        warnings=tuple(ext.warnings),
        page_labels=ext.page_labels,
    )
    return doc, ext


def extract_document(path: Path, *, timeout: float | None = None) -> Document:
    """Clean, page-mapped text and metadata of one file; InputError for bad input."""
    return extract_with_details(path, timeout=timeout)[0]


def _meta(
    path: Path, sha: str, meta: object, *, pages: int, media_type: str = "application/pdf"
) -> DocumentMeta:
    from corpus_tool.ingest.metadata import Metadata

    assert isinstance(meta, Metadata)
    return DocumentMeta(
        file=path.name,
        doc_id=doc_id_for(path),
        sha256=sha,
        title=meta.title,
        family=meta.family,
        jurisdiction=meta.jurisdiction,
        date=meta.date,
        citation=meta.citation,
        eli=meta.eli,
        pages=pages,
        source=str(path.resolve()),
        media_type=media_type,
        publication=meta.publication,
    )


__all__ = [
    "ExtractionTimeout",
    "Footnote",
    "extract_document",
    "extract_with_details",
    "file_sha256",
]
