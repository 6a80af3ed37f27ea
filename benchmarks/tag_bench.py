"""Tagging throughput (provisions/s) over every provision of an ingested corpus, on one core.

Usage::

    .venv/bin/python benchmarks/tag_bench.py [--workspace DIR] [--corpus DIR] [--repeat N]

Without --workspace the corpus (default ../shared/corpus) is ingested once into
benchmarks/_work/tag_ws and reused. Prints the figures; the timing covers
tag_provisions only (the pipeline is built before the clock starts, and its
build time is printed apart).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        ram = f", {kb / 1024 / 1024:.1f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return f"{os.cpu_count()} CPUs ({cpu}){ram}, Python {platform.python_version()}"


def main(argv: list[str] | None = None) -> int:
    from corpus_tool.build import ingest
    from corpus_tool.tagging import TAGGER_VERSION, Tagger
    from corpus_tool.workspace import Workspace

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workspace", type=Path, help="an ingested workspace to read bundles from")
    ap.add_argument("--corpus", type=Path, default=HERE.parent.parent / "shared" / "corpus")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)

    # One core: the figure must not depend on how many cores the machine lends us.
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    if args.workspace:
        ws = Workspace(args.workspace)
    else:
        ws = Workspace(HERE / "_work" / "tag_ws")
        ws.ensure()
        report = ingest(ws, [args.corpus], jobs=1)
        if report.failed:
            print("ingest failures:", [r.message for r in report.failed], file=sys.stderr)
    provisions = [p for b in ws.bundles() for p in b.provisions]
    if not provisions:
        print("no provisions: ingest a corpus first", file=sys.stderr)
        return 2

    t0 = time.perf_counter()
    tagger = Tagger()
    build = time.perf_counter() - t0
    raw = Tagger(prefilter=False)

    # CPU time beside wall-clock time: on a machine shared with other work the
    # wall clock measures the load as much as the tagger.
    cpu: dict[int, float] = {}

    def best(t: Tagger) -> tuple[float, list]:
        times, cpus, tags = [], [], []
        for _ in range(args.repeat):
            start, start_cpu = time.perf_counter(), time.process_time()
            tags = t.tag(provisions)
            times.append(time.perf_counter() - start)
            cpus.append(time.process_time() - start_cpu)
        cpu[id(t)] = min(cpus)
        return min(times), tags

    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    seconds, tags = best(tagger)
    raw_seconds, raw_tag_list = best(raw)
    load_after = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    n_tags, raw_tags = len(tags), len(raw_tag_list)
    candidates = sum(1 for p in provisions if p.searchable and tagger.could_match(p.text))
    chars = sum(len(p.text) for p in provisions if p.searchable)

    print(f"tagger {TAGGER_VERSION}; machine: {machine()}; pinned to one core")
    print(f"corpus: {len(provisions)} provisions ({chars:,} characters in searchable ones)")
    print(f"pipeline build: {build:.2f} s")
    print(
        f"with prefilter:    {len(provisions) / seconds:10,.0f} provisions/s "
        f"({seconds:.3f} s, {candidates} through spaCy, {n_tags} tags); "
        f"CPU time {cpu[id(tagger)]:.3f} s = {len(provisions) / cpu[id(tagger)]:,.0f}/s"
    )
    print(
        f"without prefilter: {len(provisions) / raw_seconds:10,.0f} provisions/s "
        f"({raw_seconds:.3f} s, {raw_tags} tags)"
    )
    # The prefilter must change no result: compare the tags themselves, not their count.
    print(f"same tags with and without the prefilter: {tags == raw_tag_list}")
    print(f"load average (1 min) before / after the runs: {load_before:.1f} / {load_after:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
