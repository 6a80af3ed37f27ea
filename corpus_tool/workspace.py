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

import base64
import contextlib
import dataclasses
import gzip
import hashlib
import io
import json
import os
import re
import sys
import tempfile
import tomllib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from corpus_tool.errors import StoreError
from corpus_tool.model import (
    CharBoxes,
    Document,
    DocumentMeta,
    PackedProvisions,
    Provision,
    Tag,
    from_dict,
    to_dict,
)

WORKSPACE_ENV = "CORPUS_TOOL_WORKSPACE"
DERIVED_DIR = ".corpus_tool"
CONFIG_FILE = "corpus-tool.toml"
# Bumped when the stored shape of derived data changes, so old caches are rebuilt.
DERIVED_FORMAT = 1


def resolve_workspace(arg: str | os.PathLike[str] | None = None) -> Path:
    """``--workspace`` wins, then $CORPUS_TOOL_WORKSPACE, then the current directory."""
    chosen = arg or os.environ.get(WORKSPACE_ENV) or os.getcwd()
    return Path(chosen).expanduser().resolve()


# A doc id names files under .corpus_tool/docs: one path component of a fixed
# character set, short enough for any file system with the suffixes added.
DOC_ID_MAX = 128
_DOC_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\Z")


def doc_id_for(path: str | os.PathLike[str]) -> str:
    """A stable document id from a file name: lower-case stem, runs of other chars as '-'.

    A very long name keeps its first characters and gains a hash of the rest,
    so it stays unique and fits in a file name.
    """
    stem = Path(path).stem.lower()
    slug = re.sub(r"[^a-z0-9.]+", "-", stem).strip("-.") or "document"
    if len(slug) > DOC_ID_MAX:
        digest = hashlib.sha256(slug.encode("utf-8")).hexdigest()[:16]
        slug = f"{slug[: DOC_ID_MAX - 17].rstrip('-.')}-{digest}"
    return slug


def doc_id_problem(doc_id: object) -> str | None:
    """Why ``doc_id`` cannot name a document (and so a file), or None when it can."""
    if not isinstance(doc_id, str):
        return "a doc_id must be a string"
    if len(doc_id) > DOC_ID_MAX:
        return f"doc_id of {len(doc_id)} characters (at most {DOC_ID_MAX})"
    if not _DOC_ID.match(doc_id) or ".." in doc_id:
        return (
            f"doc_id {doc_id[:60]!r} may hold only letters, digits, '.', '_' and '-' "
            "and must start with a letter or digit"
        )
    return None


def _temp_prefix(path: Path) -> str:
    # A temporary name built from a long final name would pass the 255-byte limit.
    return f".{path.name[:40]}."


def write_error(path: Path, exc: OSError) -> StoreError:
    """One line naming the file the user knows (not a temporary name) and the reason."""
    return StoreError(f"cannot write {path}: {exc.strerror or exc}")


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` so that readers see the old file or the new one, never a torn one.

    A read-only workspace or a full disk is a StoreError naming ``path``.
    """
    try:
        _atomic_write_bytes(path, data)
    except OSError as exc:
        raise write_error(path, exc) from exc


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(path), suffix=".tmp", dir=path.parent)
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


def _write_json_gz(path: Path, payload: Any, boxes: CharBoxes | None = None) -> None:
    """Stream ``payload`` as gzipped JSON into a temporary file, then rename it in place.

    Streaming keeps one copy of a large document in memory (the payload) instead of
    three (the JSON string, its bytes, the compressed bytes). ``boxes`` are
    written as the payload's ``"boxes"`` member, as ``to_dict`` would give them,
    straight from their arrays a slice at a time (their base64 text, a third
    larger than the arrays, is never held whole).
    """
    try:
        _stream_json_gz(path, payload, boxes)
    except OSError as exc:
        raise write_error(path, exc) from exc


# Bytes of an array encoded per write: a multiple of 3, so the base64 of the
# slices joined is the base64 of the whole.
_B64_SLICE = 3 << 16


def _dump_with_boxes(payload: dict[str, Any], boxes: CharBoxes, out: io.TextIOBase) -> None:
    chunks = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).iterencode(payload)
    last = next(chunks)
    for chunk in chunks:
        out.write(last)
        last = chunk
    assert last.endswith("}")
    out.write(last[:-1])
    out.write(',"boxes":{' if payload else '"boxes":{')
    for i, name in enumerate(CharBoxes.__slots__):
        values = getattr(boxes, name)
        # Slices of the array, not a view of it: a fresh extraction's arrays wait
        # in a temporary file (ingest.boxfile) and are read a slice at a time.
        step = _B64_SLICE // values.itemsize
        out.write(f'{"," if i else ""}"{name}":"')
        for start in range(0, len(values), step):
            part = values[start : start + step]
            if sys.byteorder != "little":
                part.byteswap()
            out.write(base64.b64encode(part.tobytes()).decode("ascii"))
        out.write('"')
    out.write("}}")


class _OneAtATime(list[Any]):
    """A JSON array of model objects, each made a dict only as the encoder reaches it.

    ``json.dump`` encodes a list item by item (the pure-Python encoder it uses
    for a stream), so the array is written without its dicts ever being held
    together. The list itself stays empty; only encoding may read it.
    """

    def __init__(self, items: Sequence[Any]) -> None:
        super().__init__()
        self._items = items

    def __len__(self) -> int:
        return len(self._items)

    def __bool__(self) -> bool:
        return bool(len(self._items))

    def __iter__(self) -> Iterator[Any]:
        for item in self._items:
            yield to_dict(item)


def _stream_json_gz(path: Path, payload: Any, boxes: CharBoxes | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(path), suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as raw:
            with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=5, mtime=0) as gz:
                # surrogatepass: a file name that is not UTF-8 (lone surrogates
                # from the OS) is stored and read back exactly.
                text = io.TextIOWrapper(
                    gz, encoding="utf-8", errors="surrogatepass", write_through=False
                )
                if boxes is None:
                    json.dump(payload, text, ensure_ascii=False, separators=(",", ":"))
                else:
                    _dump_with_boxes(payload, boxes, text)
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
            return json.loads(fh.read().decode("utf-8", errors="surrogatepass"))
    except (OSError, EOFError, ValueError) as exc:
        raise StoreError(
            f"{path}: derived data is unreadable ({exc}); run 'corpus-tool ingest --force'"
        ) from exc


def _from_stored(cls: type, data: Any, path: Path) -> Any:
    """A model object from stored JSON; data of another shape (a received workspace) is an error.

    Only the outer shape is checked here (checking every field of a large bundle
    on every read would cost more than it saves); anything else that does not
    fit the model is caught as it is rebuilt.
    """
    try:
        if not isinstance(data, dict):
            raise TypeError(f"an object was expected, not {type(data).__name__}")
        return from_dict(cls, data)
    except (TypeError, KeyError, ValueError, AttributeError, IndexError) as exc:
        raise StoreError(
            f"{path}: derived data of the wrong shape ({exc}); run 'corpus-tool ingest --force'"
        ) from exc


@dataclass(frozen=True)
class DocBundle:
    """Everything derived for one document, as stored under ``.corpus_tool/docs``."""

    meta: DocumentMeta
    # A tuple, except while a document is built in the caller's process: then
    # ``PackedProvisions`` (texts compressed, read one at a time; issue 15).
    provisions: tuple[Provision, ...] | PackedProvisions
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

    def inside(self, path: Path) -> Path:
        """``path`` if writing it stays inside the workspace, else a StoreError.

        Every write of derived or imported data goes through here: a name taken
        from data (``../../x``, ``/tmp/x``) or a folder of a received workspace
        that is a symlink to elsewhere must not make the tool write outside.
        """
        parent = path.parent.resolve()
        target = parent / path.name
        if path.name in ("", ".", "..") or not target.is_relative_to(self.root):
            raise StoreError(f"refusing to write {path}: it is outside the workspace {self.root}")
        return target

    def write_bytes(self, path: Path, data: bytes) -> None:
        """Atomically write derived or imported data at ``path``, inside the workspace only."""
        atomic_write_bytes(self.inside(path), data)

    def config(self) -> dict[str, Any]:
        """The workspace's ``corpus-tool.toml`` ({} when there is none).

        One reader for every section (``[annotations]``, ``[search]``, ``[store]``,
        ``[ingest]``), so a file in another encoding or with a syntax error is the
        same one-line error naming it wherever it is read.
        """
        path = self.root / CONFIG_FILE
        if not path.is_file():
            return {}
        try:
            data = tomllib.loads(path.read_text("utf-8"))
        except UnicodeDecodeError as exc:
            raise StoreError(
                f"{path}: cannot read the workspace config (not UTF-8 at byte {exc.start});"
                " save it as UTF-8"
            ) from exc
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise StoreError(f"{path}: cannot read the workspace config ({exc})") from exc
        return data

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
        path = self.inside(self.extraction_path(doc.meta.sha256))
        if doc.boxes is None:
            _write_json_gz(path, to_dict(doc))
            return
        # The boxes are the bulk of a PDF's extraction: streamed from their arrays.
        payload = to_dict(dataclasses.replace(doc, boxes=None))
        del payload["boxes"]
        _write_json_gz(path, payload, doc.boxes)

    def load_extraction(self, sha256: str) -> Document | None:
        path = self.extraction_path(sha256)
        if not path.exists():
            return None
        return _from_stored(Document, _read_json_gz(path), path)

    # --- per-document bundles ----------------------------------------------
    def bundle_path(self, doc_id: str) -> Path:
        return self.docs_dir / f"{doc_id}.json.gz"

    def save_bundle(self, bundle: DocBundle) -> None:
        reason = doc_id_problem(bundle.meta.doc_id)
        if reason:
            raise StoreError(f"cannot store document {bundle.meta.doc_id[:60]!r}: {reason}")
        # The provisions are written one at a time (``_OneAtATime``): a long
        # document's provisions as dicts are never all held at once (issue 15).
        payload: dict[str, Any] = {"format": DERIVED_FORMAT}
        for f in dataclasses.fields(bundle):
            value = getattr(bundle, f.name)
            payload[f.name] = _OneAtATime(value) if f.name == "provisions" else to_dict(value)
        _write_json_gz(self.inside(self.bundle_path(bundle.meta.doc_id)), payload)

    def load_bundle(self, doc_id: str) -> DocBundle | None:
        if doc_id_problem(doc_id):
            return None  # no file can hold it
        path = self.bundle_path(doc_id)
        if not path.exists():
            return None
        data = _read_json_gz(path)
        if isinstance(data, dict) and data.get("format") != DERIVED_FORMAT:
            return None  # an older format: the next ingest rebuilds it
        return _from_stored(DocBundle, data, path)

    def remove_bundle(self, doc_id: str) -> None:
        if not doc_id_problem(doc_id):
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
