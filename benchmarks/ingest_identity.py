"""Ingest output fingerprints: one hash per PDF of its extraction, check, provisions and tags.

Usage::

    .venv/bin/python benchmarks/ingest_identity.py [CORPUS_DIR] --write before.json
    .venv/bin/python benchmarks/ingest_identity.py [CORPUS_DIR] --compare before.json

Work on the ingest's memory must not change what it produces. This script runs
the stages of one document's build (extraction, the check against pypdfium2,
segmentation, tagging, index) on every PDF of the corpus and hashes, per PDF,
the extraction as the cache stores it (text, pages, footnotes, boxes, labels,
metadata), the lines the cleaner removed, the check result, the provisions, the
tags, the index built from the document's bundle as an ingest builds it (every
field's terms with their postings, weights and encoded positions, stored fields
and field lengths, as Whoosh reads them back), the stored bundle's bytes and the
hits of a few searches. The bundle is tagged, stored and indexed in the form a
build holds it in (its provisions packed, ``corpus_tool.build.document.packed``). ``--write`` records the hashes of the code as it is; ``--compare``
runs again and prints every PDF and part whose hash differs (exit status 1),
so a change can be checked against the code before it.
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import hashlib
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))
DEFAULT_CORPUS = PROJECT.parent / "shared" / "corpus"


def _digest(value: Any) -> str:
    raw = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


# Searches run on each document's index: terms, a phrase, connectors (/s, /p, /n)
# and a heading; hits are compared whole (citation, score, highlights, pages).
QUERIES = (
    "shall",
    '"open source"',
    "provider /s obligation",
    "data /p processing",
    "risk /5 system",
    "article",
)


def _index_contents(ws: Any) -> str:
    """The hash of everything Whoosh reads back from the workspace's index."""
    from corpus_tool.index.store import open_index

    ix = open_index(ws)
    contents: list[Any] = []
    with ix.reader() as reader:
        contents.append(reader.doc_count_all())
        contents.append([sorted(stored.items()) for stored in reader.all_stored_fields()])
        for fieldname in sorted(reader.indexed_field_names()):
            lengths = [reader.doc_field_length(d, fieldname) for d in reader.all_doc_ids()]
            contents.append((fieldname, lengths))
            for term in reader.lexicon(fieldname):
                m = reader.postings(fieldname, term)
                postings = []
                while m.is_active():
                    value = m.value()
                    postings.append((m.id(), m.weight(), value.hex() if value else ""))
                    m.next()
                contents.append((fieldname, term.hex(), postings))
    ix.close()
    return _digest(contents)


def _index_digests(bundle: Any) -> dict[str, str]:
    """The index of ``bundle`` built as a first ingest builds it and as an update adds it.

    ``index``: a workspace's first index (written from the stored bundle);
    ``index_update``: the bundle added to an existing, empty index; ``search``:
    the hits of ``QUERIES`` on the first.
    """
    import tempfile

    from corpus_tool.index import search, update_index
    from corpus_tool.index.searching import forget
    from corpus_tool.model import to_dict
    from corpus_tool.workspace import Workspace

    out: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace(tmp)
        ws.ensure()
        ws.save_bundle(bundle)
        stored = gzip.decompress(ws.bundle_path(bundle.meta.doc_id).read_bytes())
        out["stored"] = hashlib.sha256(stored).hexdigest()
        del stored
        update_index(ws, [bundle])
        out["index"] = _index_contents(ws)
        out["search"] = _digest([to_dict(search(ws, q, limit=None)) for q in QUERIES])
        forget(ws)
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace(tmp)
        ws.ensure()
        update_index(ws, [])  # an empty index first: the bundle is then an update
        ws.save_bundle(bundle)
        update_index(ws, [bundle])
        out["index_update"] = _index_contents(ws)
    return out


def fingerprints(path: Path) -> dict[str, str]:
    """The hash of each part of one PDF's build (see the module docstring)."""
    from corpus_tool.ingest.pipeline import extract_file
    from corpus_tool.model import to_dict
    from corpus_tool.segment import segment_document
    from corpus_tool.tagging import tag_provisions
    from corpus_tool.workspace import DocBundle

    try:  # the form a build holds a document in (issue 15); older code has none
        from corpus_tool.build.document import packed
    except ImportError:

        def packed(bundle: Any) -> Any:
            return bundle

    extracted = extract_file(path)
    doc = extracted.document
    meta = to_dict(doc.meta)
    meta.pop("source", None)  # where the corpus lies, not what was read
    provisions = segment_document(doc)
    # Tagged, stored and indexed in the form an ingest holds it in.
    bundle = packed(
        DocBundle(
            meta=doc.meta,
            provisions=tuple(provisions),
            tags=(),
            footnote_count=len(doc.footnotes),
            warnings=doc.warnings,
        )
    )
    tags = tag_provisions(bundle.provisions)
    bundle = dataclasses.replace(bundle, tags=tuple(tags))
    return {
        "extraction": _digest({**to_dict(doc), "meta": meta}),
        "removed": _digest(extracted.removed),
        "check": _digest(extracted.check.to_dict() if extracted.check else None),
        "provisions": _digest(to_dict(provisions)),
        "tags": _digest(to_dict(tags)),
        **_index_digests(bundle),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", type=Path, help="record the hashes in this JSON file")
    group.add_argument("--compare", type=Path, help="compare with the hashes in this JSON file")
    args = parser.parse_args()
    paths = sorted(args.corpus.glob("*.pdf"))
    if not paths:
        print(f"no PDFs in {args.corpus}", file=sys.stderr)
        return 2
    expected: dict[str, dict[str, str]] = {}
    if args.compare:
        try:
            expected = json.loads(args.compare.read_text("utf-8"))
        except (OSError, ValueError) as exc:
            print(f"{args.compare}: cannot read the recorded hashes ({exc})", file=sys.stderr)
            return 2
    found: dict[str, dict[str, str]] = {}
    differ = 0
    for path in paths:
        started = time.process_time()
        found[path.name] = fingerprints(path)
        seconds = time.process_time() - started
        if args.compare:
            before = expected.get(path.name)
            bad = [k for k, v in found[path.name].items() if before is None or before.get(k) != v]
            differ += bool(bad)
            verdict = "same" if not bad else f"DIFFERS: {', '.join(bad)}"
        else:
            verdict = "recorded"
        print(
            f"{path.name:<60} {verdict}  ({seconds:.1f} s CPU, load {os.getloadavg()[0]:.1f})",
            flush=True,
        )
    if args.write:
        args.write.write_text(json.dumps(found, indent=1, sort_keys=True) + "\n", "utf-8")
        print(f"{len(found)} PDFs recorded in {args.write}")
        return 0
    missing = sorted(set(expected) - set(found))
    for name in missing:
        print(f"{name:<60} recorded but not in the corpus now")
    print(f"{len(found) - differ} of {len(found)} PDFs identical")
    return 1 if differ or missing else 0


if __name__ == "__main__":
    sys.exit(main())
