"""Ingest output fingerprints: one hash per PDF of its extraction, check, provisions and tags.

Usage::

    .venv/bin/python benchmarks/ingest_identity.py [CORPUS_DIR] --write before.json
    .venv/bin/python benchmarks/ingest_identity.py [CORPUS_DIR] --compare before.json

Work on the ingest's memory must not change what it produces. This script runs
the stages of one document's build (extraction, the check against pypdfium2,
segmentation, tagging) on every PDF of the corpus and hashes, per PDF, the
extraction as the cache stores it (text, pages, footnotes, boxes, labels,
metadata), the lines the cleaner removed, the check result, the provisions and
the tags. ``--write`` records the hashes of the code as it is; ``--compare``
runs again and prints every PDF and part whose hash differs (exit status 1),
so a change can be checked against the code before it.
"""

from __future__ import annotations

import argparse
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


def fingerprints(path: Path) -> dict[str, str]:
    """The hash of each part of one PDF's build (see the module docstring)."""
    from corpus_tool.ingest.pipeline import extract_file
    from corpus_tool.model import to_dict
    from corpus_tool.segment import segment_document
    from corpus_tool.tagging import tag_provisions

    extracted = extract_file(path)
    doc = extracted.document
    meta = to_dict(doc.meta)
    meta.pop("source", None)  # where the corpus lies, not what was read
    provisions = segment_document(doc)
    tags = tag_provisions(provisions)
    return {
        "extraction": _digest({**to_dict(doc), "meta": meta}),
        "removed": _digest(extracted.removed),
        "check": _digest(extracted.check.to_dict() if extracted.check else None),
        "provisions": _digest(to_dict(provisions)),
        "tags": _digest(to_dict(tags)),
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
