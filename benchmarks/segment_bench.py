"""Segmentation speed: segment every document of a corpus and print the figures.

Usage::

    python benchmarks/segment_bench.py [CORPUS_DIR] [--repeat N] [--cache DIR]

Extraction (the slow PDF part) happens once and is cached as pickles under
``--cache`` (default benchmarks/_work/segment); only ``segment_document`` is timed.
"""

from __future__ import annotations

import argparse
import pickle
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from corpus_tool.segment import segment_document  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("corpus", nargs="?", default=str(ROOT.parent / "shared" / "corpus"))
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--cache", default=str(ROOT / "benchmarks" / "_work" / "segment"))
    args = ap.parse_args()
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    docs = []
    for path in sorted(Path(args.corpus).iterdir()):
        if path.suffix.lower() not in (".pdf", ".txt", ".md"):
            continue
        pkl = cache / f"{path.name}.pkl"
        if pkl.exists() and pkl.stat().st_mtime >= path.stat().st_mtime:
            doc = pickle.loads(pkl.read_bytes())
        else:
            from corpus_tool.ingest import extract_document  # only when not cached

            doc = extract_document(path)
            pkl.write_bytes(pickle.dumps(doc))
        docs.append(doc)
    chars = sum(len(d.text) for d in docs)
    per_doc: dict[str, list[float]] = {d.meta.file: [] for d in docs}
    totals = []
    provisions = 0
    for _ in range(args.repeat):
        start = time.perf_counter()
        provisions = 0
        for d in docs:
            t0 = time.perf_counter()
            provisions += len(segment_document(d))
            per_doc[d.meta.file].append(time.perf_counter() - t0)
        totals.append(time.perf_counter() - start)
    print(f"python {platform.python_version()} on {platform.machine()}")
    print(f"documents: {len(docs)}  characters: {chars:,}  provisions: {provisions:,}")
    print(
        f"whole corpus: best {min(totals):.3f}s  median {statistics.median(totals):.3f}s "
        f"over {args.repeat} runs  ({chars / min(totals) / 1e6:.2f} M chars/s)"
    )
    for name, ts in sorted(per_doc.items(), key=lambda kv: -min(kv[1]))[:8]:
        print(f"  {min(ts):7.3f}s  {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
