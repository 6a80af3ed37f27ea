"""The workspace: the user's corpus, their annotations, and rebuildable derived data.

Layout of a workspace folder::

    corpus/         the user's documents (PDF, .txt, .md) and manifest.toml
    annotations/    human work: the tool appends, never deletes
    .corpus_tool/   derived data, always rebuildable from the two above
        extract/    extraction cache: one Document per file content (sha256)
        docs/       per document: meta, provisions and machine tags
        index/      the Whoosh full-text index
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from corpus_tool.errors import StoreError
from corpus_tool.model import Document, DocumentMeta, Provision, Tag, from_dict, to_dict

WORKSPACE_ENV = "CORPUS_TOOL_WORKSPACE"
DERIVED_DIR = ".corpus_tool"
# Bumped when the stored shape of derived data changes, so old caches are rebuilt.
DERIVED_FORMAT = 1


def resolve_workspace(arg: str | os.PathLike[str] | None = None) -> Path:
    """``--workspace`` wins, then $CORPUS_TOOL_WORKSPACE, then the current directory."""
    chosen = arg or os.environ.get(WORKSPACE_ENV) or os.getcwd()
    return Path(chosen).expanduser().resolve()


def doc_id_for(path: str | os.PathLike[str]) -> str:
    """A stable document id from a file name: lower-case stem, runs of other chars as '-'."""
    stem = Path(path).stem.lower()
    slug = re.sub(r"[^a-z0-9.]+", "-", stem).strip("-.")
    return slug or "document"


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` so that readers see the old file or the new one, never a torn one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)


def fsync_dir(directory: Path) -> None:
    """Make a rename in ``directory`` durable (no-op where directories cannot be opened)."""
    try:
        dfd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


def _write_json_gz(path: Path, payload: Any) -> None:
    """Stream ``payload`` as gzipped JSON into a temporary file, then rename it in place.

    Streaming keeps one copy of a large document in memory (the payload) instead of
    three (the JSON string, its bytes, the compressed bytes).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as raw:
            with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=5, mtime=0) as gz:
                text = io.TextIOWrapper(gz, encoding="utf-8", write_through=False)
                json.dump(payload, text, ensure_ascii=False, separators=(",", ":"))
                text.flush()
                text.detach()
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)


def _read_json_gz(path: Path) -> Any:
    try:
        with gzip.open(path, "rb") as fh:
            return json.loads(fh.read().decode("utf-8"))
    except (OSError, EOFError, ValueError) as exc:
        raise StoreError(
            f"{path}: derived data is unreadable ({exc}); run 'corpus-tool ingest --force'"
        ) from exc


@dataclass(frozen=True)
class DocBundle:
    """Everything derived for one document, as stored under ``.corpus_tool/docs``."""

    meta: DocumentMeta
    provisions: tuple[Provision, ...]
    tags: tuple[Tag, ...]
    footnote_count: int = 0
    warnings: tuple[str, ...] = ()

    def provision(self, provision_id: str) -> Provision | None:
        for p in self.provisions:
            if p.id == provision_id:
                return p
        return None


class Workspace:
    """Paths and derived-data storage of one workspace folder."""

    def __init__(self, root: str | os.PathLike[str] | None = None) -> None:
        self.root = resolve_workspace(root)

    # --- folders -----------------------------------------------------------
    @property
    def corpus_dir(self) -> Path:
        return self.root / "corpus"

    @property
    def annotations_dir(self) -> Path:
        return self.root / "annotations"

    @property
    def derived_dir(self) -> Path:
        return self.root / DERIVED_DIR

    @property
    def extract_dir(self) -> Path:
        return self.derived_dir / "extract"

    @property
    def docs_dir(self) -> Path:
        return self.derived_dir / "docs"

    @property
    def index_dir(self) -> Path:
        return self.derived_dir / "index"

    def ensure(self) -> None:
        """Create the workspace folders (never touches existing content)."""
        for d in (self.corpus_dir, self.annotations_dir, self.extract_dir, self.docs_dir):
            d.mkdir(parents=True, exist_ok=True)

    # --- extraction cache (keyed by file content) --------------------------
    def extraction_path(self, sha256: str) -> Path:
        return self.extract_dir / f"{sha256}.v{DERIVED_FORMAT}.json.gz"

    def has_extraction(self, sha256: str) -> bool:
        return self.extraction_path(sha256).exists()

    def save_extraction(self, doc: Document) -> None:
        _write_json_gz(self.extraction_path(doc.meta.sha256), to_dict(doc))

    def load_extraction(self, sha256: str) -> Document | None:
        path = self.extraction_path(sha256)
        if not path.exists():
            return None
        return from_dict(Document, _read_json_gz(path))

    # --- per-document bundles ----------------------------------------------
    def bundle_path(self, doc_id: str) -> Path:
        return self.docs_dir / f"{doc_id}.json.gz"

    def save_bundle(self, bundle: DocBundle) -> None:
        payload = {"format": DERIVED_FORMAT, **to_dict(bundle)}
        _write_json_gz(self.bundle_path(bundle.meta.doc_id), payload)

    def load_bundle(self, doc_id: str) -> DocBundle | None:
        path = self.bundle_path(doc_id)
        if not path.exists():
            return None
        data = _read_json_gz(path)
        if data.get("format") != DERIVED_FORMAT:
            return None
        return from_dict(DocBundle, data)

    def remove_bundle(self, doc_id: str) -> None:
        self.bundle_path(doc_id).unlink(missing_ok=True)

    def doc_ids(self) -> list[str]:
        if not self.docs_dir.exists():
            return []
        return sorted(p.name[: -len(".json.gz")] for p in self.docs_dir.glob("*.json.gz"))

    def bundles(self) -> Iterator[DocBundle]:
        for doc_id in self.doc_ids():
            bundle = self.load_bundle(doc_id)
            if bundle is not None:
                yield bundle

    def find_doc(self, ref: str) -> DocBundle:
        """A document by doc_id or file name (as users type either)."""
        ids = self.doc_ids()
        candidates = [ref, doc_id_for(ref)]
        for c in candidates:
            if c in ids:
                bundle = self.load_bundle(c)
                if bundle is not None:
                    return bundle
        for bundle in self.bundles():
            if bundle.meta.file == ref:
                return bundle
        known = ", ".join(ids) or "none (run 'corpus-tool ingest' first)"
        raise StoreError(f"no document {ref!r} in workspace {self.root}; known: {known}")
