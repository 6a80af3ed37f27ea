"""Index build throughput and incremental updates at 10k and 100k provisions.

The scale corpus is made of the real provisions of an ingested workspace
(default: ingest ../shared/corpus into benchmarks/_work/source), replicated
under varied doc ids until it holds the wanted number of searchable
provisions, as ``search_bench.py`` does (its own copies live under
benchmarks/_work/index-scale-N so the two scripts never fight over one).

Printed per size, with the 1-minute load average:

* the whole build (``rebuild_index``) in provisions/s and its peak RSS (this
  process and its build workers);
* the build's CPU time (this process and its workers) as provisions per
  CPU-second: on a shared machine the wall-clock rate says more about the
  other processes than about the build;
* one added document on the built index (``update_index`` of a document not in
  it: open, write its entries, commit, sign), for the median and the largest
  source document;
* the same document again, unchanged (it must not be re-indexed);
* that document with one provision changed (only that entry is rewritten);
* with ``--profile``, a cProfile of the build (one process, or each of ``--jobs``
  processes), its CPU summed by stage, and its top functions.

    .venv/bin/python benchmarks/index_bench.py [--source WS] [--sizes 10000,100000]
        [--jobs N] [--profile] [--skip-build]
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import os
import platform
import pstats
import resource
import shutil
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import scale_corpus  # noqa: E402
from scale_corpus import renamed, source_workspace  # noqa: E402

from corpus_tool.index import forget, rebuild_index, search, update_index  # noqa: E402
from corpus_tool.workspace import DocBundle, Workspace  # noqa: E402

WORK = HERE / "_work"


def searchable(bundle: DocBundle) -> int:
    return sum(1 for p in bundle.provisions if p.searchable)


def scale_workspace(source: list[DocBundle], size: int) -> Workspace:
    """A workspace of ``size`` searchable provisions: the real ones, replicated (tags too)."""
    return scale_corpus.scale_workspace(source, size, f"index-scale-{size}", tags=True)


def peak_mib() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / 1024


def load() -> str:
    return f"load {os.getloadavg()[0]:.1f}"


def cpu_split() -> tuple[float, float]:
    """CPU time of this process, and of its finished children (the build workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, kids.ru_utime + kids.ru_stime


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the build workers)."""
    return sum(cpu_split())


def timed_update(ws: Workspace, bundle: DocBundle) -> str:
    ws.save_bundle(bundle)
    forget(ws)  # a new process's first write: nothing of the index is cached
    started, cpu = time.perf_counter(), cpu_seconds()
    update_index(ws, [bundle])
    return f"{time.perf_counter() - started:.2f} s (CPU {cpu_seconds() - cpu:.2f} s)"


def bench(ws: Workspace, source: list[DocBundle], jobs: int | None, skip_build: bool) -> None:
    if not skip_build:
        forget(ws)
        started, (own0, kids0) = time.perf_counter(), cpu_split()
        written = rebuild_index(ws, jobs=jobs)
        seconds = time.perf_counter() - started
        own, kids = cpu_split()
        own, kids = own - own0, kids - kids0
        cpu = own + kids
        print(
            f"  build: {written} provisions in {seconds:.1f} s = {written / seconds:.0f} "
            f"provisions/s (jobs {jobs or os.cpu_count()}); CPU {cpu:.1f} s = "
            f"{written / cpu:.0f} provisions per CPU-second; peak {peak_mib():.0f} MiB, {load()}",
            flush=True,
        )
        # The parent's CPU includes its own share, the wait and the commit; the
        # workers' (shares of about equal size) run beside it. On idle cores the
        # build would take about the longest of them: a projection, not a run.
        workers = max(1, min(jobs or os.cpu_count() or 1, written) - 1)
        longest = max(own, kids / workers)
        print(
            f"    CPU: this process {own:.1f} s, build workers {kids:.1f} s; projected on "
            f"idle cores (longest process's CPU): {written / longest:.0f} provisions/s",
            flush=True,
        )
    by_size = sorted(source, key=searchable)
    for label, bundle in (("median", by_size[len(by_size) // 2]), ("largest", by_size[-1])):
        added = renamed(bundle, f"added-{label}")
        n = searchable(added)
        t = timed_update(ws, added)
        print(f"  one added document ({label}, {n} provisions): {t}, {load()}", flush=True)
        t = timed_update(ws, added)
        print(f"    the same document unchanged: {t}, {load()}", flush=True)
        first = next(i for i, p in enumerate(added.provisions) if p.searchable)
        changed = list(added.provisions)
        changed[first] = dataclasses.replace(changed[first], text=changed[first].text + " zyzzyva")
        t = timed_update(ws, dataclasses.replace(added, provisions=tuple(changed)))
        hits = search(ws, "zyzzyva").total
        forget(ws)
        print(f"    with one provision changed: {t} ({hits} hit), {load()}", flush=True)
        ws.remove_bundle(added.meta.doc_id)
        update_index(ws, [], [added.meta.doc_id])
        forget(ws)


# Where a build's CPU goes: (stage, substrings of "file:function" of the
# functions whose own time counts for it), first match wins; a built-in (no
# file) counts for the stage of the caller that spent most in it.
STAGES = [
    ("bundles and entries (load, payloads, fingerprints)", ["workspace.py", "model.py",
        "store.py:bundle_entries", "store.py:_payloads", "store.py:entry_fields",
        "store.py:_stored_entries", "json/", "gzip", "units.py"]),
    ("analysis (sentences, words, stems, encoding)", ["analysis.py", "writers.py:postings",
        "writers.py:_term", "writers.py:_word_positions", "whoosh/lang", "formats.py",
        "whoosh/analysis", "fields.py"]),
    ("posting pool and spills", ["writers.py:add_document", "writers.py:grew",
        "writers.py:_spill", "writers.py:_sorted_memory", "writers.py:_read_run",
        "writers.py:iter_terms", "writers.py:terms_of", "writers.py:<lambda>", "heapq",
        "writing.py:add_document"]),
    ("postings written as codec blocks", ["writers.py:write_postings",
        "writers.py:_length_bytes", "filetables.py", "structfile.py", "whoosh3.py:W3TermInfo",
        "whoosh3.py:to_bytes", "whoosh3.py:start_field", "whoosh3.py:finish_field"]),
    ("stored fields, lengths, columns", ["whoosh3.py", "columns.py", "compound.py"]),
    ("commit and signing", ["trust.py", "hmac", "store.py:_sign", "index.py", "hashlib"]),
]  # fmt: skip


def _stage(key: tuple[str, int, str]) -> str | None:
    where = f"{key[0]}:{key[2]}"
    for stage, marks in STAGES:
        if any(m in where for m in marks):
            return stage
    return None


def cpu_by_stage(stats: pstats.Stats) -> dict[str, float]:
    """Own time of every profiled function, summed by build stage."""
    table: Any = stats.stats  # type: ignore[attr-defined]
    out: dict[str, float] = {}
    for key, (_, _, own, _, callers) in table.items():
        stage = _stage(key)
        if stage is None and key[0] == "~" and callers:
            top = max(callers.items(), key=lambda kv: kv[1][2])[0]
            stage = _stage(top)
        name = stage or "other"
        out[name] = out.get(name, 0.0) + own
    return out


def profile(ws: Workspace, top: int, jobs: int) -> None:
    """cProfile of a build: with ``jobs`` > 1 every worker is profiled too (by cProfile in it)."""
    forget(ws)
    prof = cProfile.Profile()
    dumps = WORK / "profile"
    shutil.rmtree(dumps, ignore_errors=True)
    dumps.mkdir(parents=True)
    os.environ["CORPUS_TOOL_PROFILE_WORKERS"] = str(dumps)
    try:
        prof.enable()
        written = rebuild_index(ws, jobs=jobs)
        prof.disable()
    finally:
        os.environ.pop("CORPUS_TOOL_PROFILE_WORKERS", None)
    stats = pstats.Stats(prof, stream=sys.stdout)
    parts = [("parent", stats)]
    parts += [
        (f"worker {p.stem}", pstats.Stats(str(p), stream=sys.stdout))
        for p in sorted(dumps.glob("*.prof"))
    ]
    print(f"  cProfile of rebuild_index(jobs={jobs}), {written} provisions (profiled times):")
    for name, st in parts:
        by_stage = cpu_by_stage(st)
        total = sum(by_stage.values())
        print(f"    {name}: {total:.1f} s")
        for stage, seconds in sorted(by_stage.items(), key=lambda kv: -kv[1]):
            print(f"      {seconds:6.1f} s {100 * seconds / total:4.0f} %  {stage}")
    if top:
        stats.sort_stats("tottime").print_stats(top)
    forget(ws)


def machine() -> str:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} CPUs ({cpu}), {mem:.0f} GiB RAM, Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", help="workspace with ingested bundles")
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--jobs", type=int, default=None, help="build processes (default: cores)")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="cProfile a build first (one process, or --jobs N: each worker too), CPU by stage",
    )
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument(
        "--skip-build",
        action="store_true",
        help="time the updates on the index an earlier run built (a 100k build takes minutes)",
    )
    args = parser.parse_args()
    source = list(source_workspace(args.source).bundles())
    real = sum(searchable(b) for b in source)
    print(f"machine: {machine()}, {load()}")
    print(f"source: {len(source)} documents, {real} searchable provisions")
    for size in (int(s) for s in args.sizes.split(",")):
        print(f"\n== {size} provisions ==", flush=True)
        ws = scale_workspace(source, size)
        if args.profile:
            profile(ws, args.top, args.jobs or 1)
        bench(ws, source, args.jobs, args.skip_build)


if __name__ == "__main__":
    main()
