"""Search latency (p50/p95/max) and index build at scale, ours beside tantivy and SQLite FTS5.

The scale corpus is made of the real provisions of an ingested workspace
(default: ingest ../shared/corpus into benchmarks/_work/source), replicated
under varied doc ids until it holds the wanted number of provisions. Each size
gets its own workspace under benchmarks/_work. Whoosh (ours) is timed through
corpus_tool's own ``search()`` (parse, compile, total, facets, snippets and
highlights for the top 20) with the result cache cleared before every run, so
each run evaluates the query afresh; the decoded postings stay in memory as in
a session (the first run of each query, which decodes them, is shown apart as
"first"). tantivy (the reference, never used by the product) and SQLite FTS5 (a
second reference) run the closest query their languages can express ("—"
where they cannot) and return the top 20 with a count. Per size: build
provisions/s, peak RSS of each phase, index size on disk, and the load average
(the machine is shared: wall-clock latencies rise with it, so CPU time is shown
beside them).

    .venv/bin/python benchmarks/search_bench.py [--source WS] [--sizes 10000,100000,1000000]
        [--repeat N] [--reuse-index] [--cold] [--engines whoosh,tantivy,fts5] [--work DIR]

``--cold`` also runs each query once in a process of its own (opening the
index, then the query): the first query a user types, with nothing decoded or
cached yet. Without it, "first" is each query's first run in the benchmark's
own process, after one warm-up search.
"""

from __future__ import annotations

import argparse
import dataclasses
import platform
import shutil
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import scale_corpus  # noqa: E402
from scale_corpus import source_workspace  # noqa: E402

from corpus_tool.index import forget, rebuild_index, search  # noqa: E402
from corpus_tool.index.searching import clear_result_cache  # noqa: E402
from corpus_tool.index.store import exists as index_exists  # noqa: E402
from corpus_tool.workspace import DocBundle, Workspace  # noqa: E402

WORK = HERE / "_work"

# (kind, corpus_tool query, closest tantivy query or None when it has no equivalent)
QUERIES: list[tuple[str, str, str | None]] = [
    ("term", "licence", "text:licence"),
    ("term", "provider", "text:provider"),
    ("term", "shall", "text:shall"),
    ("term", "data", "text:data"),
    ("term", "transparency", "text:transparency"),
    ("terms", "general-purpose AI model", '+text:"general purpose" +text:ai +text:model'),
    ("or", "security OR safety OR robustness", "text:security text:safety text:robustness"),
    ("phrase", '"open source"', 'exact:"open source"'),
    ("phrase", '"shall not apply"', 'exact:"shall not apply"'),
    ("phrase", '"free and open-source licence"', 'exact:"free and open source licence"'),
    ("phrase", '"personal data"', 'exact:"personal data"'),
    ("phrase", '"widely available model weights"', 'exact:"widely available model weights"'),
    ("root", "licen!", "exact:/licen.*/"),
    ("root", "exempt!", "exact:/exempt.*/"),
    ("wildcard", "wom*n", "exact:/wom.n/"),
    ("fuzzy", "robustnes~", None),
    ("/p", "open-source /p exempt!", '+exact:"open source" +exact:/exempt.*/'),
    ("/p", 'commission /p "delegated acts"', '+text:commission +exact:"delegated acts"'),
    (
        "/s",
        '"free and open-source licence" /s "shall not apply"',
        '+exact:"free and open source licence" +exact:"shall not apply"',
    ),
    ("/s", "data /s protection", "+text:data +text:protection"),
    ("/s", 'licen! /s "shall not apply"', '+exact:/licen.*/ +exact:"shall not apply"'),
    (
        "/s",
        "(exempt! OR exception) /s open-source",
        '+(exact:/exempt.*/ exact:exception) +exact:"open source"',
    ),
    (
        "/s",
        "(data OR information) /s (processing OR transfer)",
        "+(text:data text:information) +(text:processing text:transfer)",
    ),
    ("/n", "provider /5 obligation", 'text:"provider obligation"~5'),
    ("/n", "personal /3 data", 'text:"personal data"~3'),
    ("/n", '"high-risk" /10 "AI system"', '+exact:"high risk" +exact:"ai system"'),
    ("+n", "model +3 weights", 'text:"model weights"~3'),
    ("%", 'risk % "high-risk"', '+text:risk -exact:"high risk"'),
    ("restrictor", "kind:recital", "kind:recital"),
    ("restrictor", "kind:recital open-source", '+kind:recital +exact:"open source"'),
    ("restrictor", 'cite:"Article 5"', 'cite:"article 5"'),
    ("restrictor", "jurisdiction:us safety", "+jurisdiction:us +text:safety"),
    ("restrictor", "heading:obligations", "heading:obligations"),
    ("restrictor", "transparency NOT kind:recital", "+text:transparency -kind:recital"),
]

# The closest SQLite FTS5 query (None: FTS5 cannot express it). A row is one
# search unit, so /p is AND; NEAR has no order and no sentences, so +n and /s
# have no equivalent, nor have wildcards inside a word and fuzzy words.
FTS5: dict[str, str | None] = {
    "licence": "exact:licence",
    "provider": "exact:provider",
    "shall": "exact:shall",
    "data": "exact:data",
    "transparency": "exact:transparency",
    "general-purpose AI model": 'exact:"general purpose" AND exact:ai AND exact:model',
    "security OR safety OR robustness": "exact:security OR exact:safety OR exact:robustness",
    '"open source"': 'exact:"open source"',
    '"shall not apply"': 'exact:"shall not apply"',
    '"free and open-source licence"': 'exact:"free and open source licence"',
    '"personal data"': 'exact:"personal data"',
    '"widely available model weights"': 'exact:"widely available model weights"',
    "licen!": "exact:licen*",
    "exempt!": "exact:exempt*",
    "wom*n": None,
    "robustnes~": None,
    "open-source /p exempt!": 'exact:"open source" AND exact:exempt*',
    'commission /p "delegated acts"': 'exact:commission AND exact:"delegated acts"',
    '"free and open-source licence" /s "shall not apply"': None,
    "data /s protection": None,
    'licen! /s "shall not apply"': None,
    "(exempt! OR exception) /s open-source": None,
    "(data OR information) /s (processing OR transfer)": None,
    "provider /5 obligation": "exact:NEAR(provider obligation, 5)",
    "personal /3 data": "exact:NEAR(personal data, 3)",
    '"high-risk" /10 "AI system"': 'exact:NEAR("high risk" "ai system", 10)',
    "model +3 weights": None,
    'risk % "high-risk"': 'exact:risk NOT exact:"high risk"',
    "kind:recital": "kind:recital",
    "kind:recital open-source": 'kind:recital AND exact:"open source"',
    'cite:"Article 5"': 'cite:"article 5"',
    "jurisdiction:us safety": "jurisdiction:us AND exact:safety",
    "heading:obligations": "heading:obligations",
    "transparency NOT kind:recital": "exact:transparency NOT kind:recital",
}


def load() -> str:
    """The load average (1, 5, 15 minutes) as the machine reports it."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        import os

        return " ".join(f"{x:.2f}" for x in os.getloadavg())


def reset_peak_rss() -> bool:
    """Start a new peak-RSS measurement (Linux: clear VmHWM); False where not possible."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def peak_rss_mib() -> float:
    """Peak resident memory since the last reset (VmHWM), else since the process started."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def disk_mib(path: Path) -> float:
    """Size on disk of a file or of every file under a folder."""
    if path.is_file():
        return path.stat().st_size / 2**20
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


@dataclasses.dataclass
class EngineRun:
    """One engine at one size: build figures and per-query latencies (ms)."""

    name: str
    rate: float | None = None  # provisions indexed per second (None: not built this run)
    build_rss: float | None = None  # MiB
    search_rss: float | None = None  # MiB
    disk: float | None = None  # MiB
    times: dict[str, list[float]] = dataclasses.field(default_factory=dict)
    cpu: dict[str, list[float]] = dataclasses.field(default_factory=dict)
    first: dict[str, float] = dataclasses.field(default_factory=dict)
    first_cpu: dict[str, float] = dataclasses.field(default_factory=dict)
    hits: dict[str, int] = dataclasses.field(default_factory=dict)
    # --cold: per query, a new process: (opening the index, the query's first run) wall
    # and CPU ms
    cold: dict[str, tuple[float, float, float, float]] = dataclasses.field(default_factory=dict)
    # --cold: opening the index in a process with no record of its verified chunks (wall, CPU)
    cold_unrecorded: tuple[float, float] | None = None


def scale_workspace(source: list[DocBundle], size: int) -> Workspace:
    """A workspace of ``size`` searchable provisions: the real ones, replicated (no tags)."""
    return scale_corpus.scale_workspace(source, size, f"scale-{size}", tags=False)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[k]


def cold_query(root: str, q: str) -> None:
    """In this fresh process: open the index, then run ``q`` once; print the times as JSON."""
    import json

    from corpus_tool.index.searching import _searcher

    ws = Workspace(root)
    c0, t0 = time.process_time(), time.perf_counter()
    _searcher(ws)  # open and verify the index, as the first search of a session does
    c1, t1 = time.process_time(), time.perf_counter()
    search(ws, q, limit=20)
    c2, t2 = time.process_time(), time.perf_counter()
    print(
        json.dumps(
            {
                "open": (t1 - t0) * 1000,
                "open_cpu": (c1 - c0) * 1000,
                "first": (t2 - t1) * 1000,
                "first_cpu": (c2 - c1) * 1000,
            }
        )
    )


def _cold_process(ws: Workspace, q: str) -> dict[str, float] | None:
    import json
    import subprocess

    done = subprocess.run(
        [
            sys.executable,
            str(Path(__file__).resolve()),
            "--cold-query",
            q,
            "--source",
            str(ws.root),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        print(f"  cold run of {q!r} failed: {done.stderr.strip().splitlines()[-1:]}")
        return None
    got: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return got


def bench_cold(ws: Workspace, run: EngineRun) -> None:
    """Each query's first run in a new process (nothing decoded or cached yet).

    First, once, the first process to open the index after the run built it:
    it finds the chunk records the writer made when it signed the files. Then,
    once, a process with no record of the index files' verified chunks
    (``corpus_tool.trust``): it reads every file whole against its signature, as
    one does whose records were lost (another user's configuration folder, a
    pruned one); the processes timed per query then find the record it left."""
    from corpus_tool import trust

    got = _cold_process(ws, QUERIES[0][1])
    if got is not None:
        print(
            f"  whoosh: first opening after the build {got['open']:.0f} ms "
            f"(CPU {got['open_cpu']:.0f} ms), load {load()}"
        )
    trust.prune_chunk_digests(ws.index_dir, {})
    got = _cold_process(ws, QUERIES[0][1])
    if got is not None:
        run.cold_unrecorded = (got["open"], got["open_cpu"])
        print(
            f"  whoosh: opening the index with no record of its chunks {got['open']:.0f} ms "
            f"(CPU {got['open_cpu']:.0f} ms), load {load()}"
        )
    for _kind, q, _t in QUERIES:
        got = _cold_process(ws, q)
        if got is not None:
            run.cold[q] = (got["open"], got["first"], got["open_cpu"], got["first_cpu"])
    print(f"  whoosh: {len(run.cold)} queries run cold, one process each (load {load()})")


def bench_whoosh(ws: Workspace, repeat: int, reuse: bool = False, cold: bool = False) -> EngineRun:
    forget(ws)
    run = EngineRun("whoosh")
    if reuse and index_exists(ws):
        print("  whoosh: reusing the index built by an earlier run (no build figure)")
    else:
        reset_peak_rss()
        started = time.perf_counter()
        written = rebuild_index(ws)
        build = time.perf_counter() - started
        run.rate = written / build
        run.build_rss = peak_rss_mib()
        print(
            f"  whoosh: indexed {written} provisions in {build:.1f} s ({run.rate:.0f}/s), "
            f"peak RSS {run.build_rss:.0f} MiB, load {load()}"
        )
    forget(ws)
    run.disk = disk_mib(ws.index_dir)
    if cold:
        bench_cold(ws, run)
    reset_peak_rss()
    search(ws, "warm")  # open the searcher and read facet columns once
    for _kind, q, _t in QUERIES:
        clear_result_cache()
        c0, t0 = time.process_time(), time.perf_counter()
        run.hits[q] = search(ws, q).total  # the first run decodes postings, like a first keystroke
        run.first[q] = (time.perf_counter() - t0) * 1000
        run.first_cpu[q] = (time.process_time() - c0) * 1000
        for _ in range(repeat):
            clear_result_cache()  # time the search, not the UI's memo of repeated queries
            c0, t0 = time.process_time(), time.perf_counter()
            search(ws, q, limit=20)
            run.times.setdefault(q, []).append((time.perf_counter() - t0) * 1000)
            run.cpu.setdefault(q, []).append((time.process_time() - c0) * 1000)
    run.search_rss = peak_rss_mib()
    return run


def _provision_rows(ws: Workspace):  # type: ignore[no-untyped-def]
    for bundle in ws.bundles():
        for p in bundle.provisions:
            if p.searchable:
                yield bundle, p


def bench_tantivy(ws: Workspace, repeat: int) -> EngineRun:
    import tantivy

    run = EngineRun("tantivy")
    path = ws.derived_dir / "tantivy"
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("key", stored=True, tokenizer_name="raw")
    sb.add_text_field("text", tokenizer_name="en_stem")
    sb.add_text_field("exact", tokenizer_name="default")
    sb.add_text_field("heading", tokenizer_name="en_stem")
    sb.add_text_field("cite", tokenizer_name="default")
    sb.add_text_field("kind", tokenizer_name="raw")
    sb.add_text_field("jurisdiction", tokenizer_name="raw")
    sb.add_text_field("doc_id", tokenizer_name="raw")
    index = tantivy.Index(sb.build(), path=str(path))
    reset_peak_rss()
    started = time.perf_counter()
    writer = index.writer(heap_size=128_000_000, num_threads=1)
    n = 0
    for bundle, p in _provision_rows(ws):
        writer.add_document(
            tantivy.Document(
                key=f"{p.doc_id}:{p.id}",
                text=p.text,
                exact=p.text,
                heading=p.heading,
                cite="\n".join([*p.path, p.citation]),
                kind=p.kind.lower(),
                jurisdiction=bundle.meta.jurisdiction.lower(),
                doc_id=p.doc_id,
            )
        )
        n += 1
    writer.commit()
    writer.wait_merging_threads()
    build = time.perf_counter() - started
    run.rate, run.build_rss, run.disk = n / build, peak_rss_mib(), disk_mib(path)
    print(f"  tantivy: indexed {n} provisions in {build:.1f} s ({run.rate:.0f}/s)")
    index.reload()
    searcher = index.searcher()
    reset_peak_rss()
    for _kind, q, tq in QUERIES:
        if tq is None:
            continue
        for i in range(repeat + 1):
            c0, t0 = time.process_time(), time.perf_counter()
            parsed = index.parse_query(tq, ["text"], allow_regexes=True)
            result = searcher.search(parsed, 20, count=True)
            _ = [searcher.doc(addr)["key"] for _score, addr in result.hits]
            wall, cpu = (time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000
            if i == 0:
                run.first[q], run.hits[q] = wall, result.count
            else:
                run.times.setdefault(q, []).append(wall)
                run.cpu.setdefault(q, []).append(cpu)
    run.search_rss = peak_rss_mib()
    return run


def bench_fts5(ws: Workspace, repeat: int) -> EngineRun:
    """SQLite FTS5 over the same rows: a second reference (stdlib sqlite3)."""
    import sqlite3

    run = EngineRun("fts5")
    path = ws.derived_dir / "fts5.sqlite"
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path)
    try:
        db.execute(
            "CREATE VIRTUAL TABLE t USING fts5(key UNINDEXED, exact, heading, cite, kind, "
            "jurisdiction, tokenize = 'unicode61')"
        )
    except sqlite3.OperationalError as err:
        print(f"  fts5: not available in this SQLite ({err})")
        db.close()
        return run
    reset_peak_rss()
    started = time.perf_counter()
    n = 0
    with db:
        rows = (
            (
                f"{p.doc_id}:{p.id}",
                p.text,
                p.heading,
                "\n".join([*p.path, p.citation]),
                p.kind.lower(),
                bundle.meta.jurisdiction.lower(),
            )
            for bundle, p in _provision_rows(ws)
        )
        for row in rows:
            db.execute("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)", row)
            n += 1
    db.execute("INSERT INTO t(t) VALUES ('optimize')")
    db.commit()
    build = time.perf_counter() - started
    run.rate, run.build_rss, run.disk = n / build, peak_rss_mib(), disk_mib(path)
    print(f"  fts5: indexed {n} provisions in {build:.1f} s ({run.rate:.0f}/s)")
    reset_peak_rss()
    for _kind, q, _t in QUERIES:
        fq = FTS5.get(q)
        if fq is None:
            continue
        for i in range(repeat + 1):
            c0, t0 = time.process_time(), time.perf_counter()
            count = db.execute("SELECT count(*) FROM t WHERE t MATCH ?", (fq,)).fetchone()[0]
            _ = db.execute(
                "SELECT key FROM t WHERE t MATCH ? ORDER BY rank LIMIT 20", (fq,)
            ).fetchall()
            wall, cpu = (time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000
            if i == 0:
                run.first[q], run.hits[q] = wall, count
            else:
                run.times.setdefault(q, []).append(wall)
                run.cpu.setdefault(q, []).append(cpu)
    run.search_rss = peak_rss_mib()
    db.close()
    return run


def machine() -> str:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = next(
            line
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
        ram = f"{int(mem.split()[1]) / 1024 / 1024:.0f} GiB"
    except (OSError, StopIteration):
        ram = "unknown"
    import os

    return f"{os.cpu_count()} CPUs ({cpu}), {ram} RAM, Python {platform.python_version()}"


def _stats(values: list[float]) -> str:
    if not values:
        return f"{'—':>7} {'—':>7} {'—':>7}"
    return f"{percentile(values, 0.5):>7.1f} {percentile(values, 0.95):>7.1f} {max(values):>7.1f}"


def report(runs: list[EngineRun]) -> None:
    """Per query, per class of query and overall: p50/p95/max of each engine."""
    by = {r.name: r for r in runs}
    ours = by.get("whoosh")
    names = [r.name for r in runs]
    head = " ".join(f"{n + ' p50':>11} {'p95':>7} {'max':>7}" for n in names)
    cold_head = f" {'cold open':>9} {'cold 1st':>8} {'1st cpu':>7}" if ours and ours.cold else ""
    print(f"{'kind':<11} {'query':<44} {head} {'cpu p50':>7} {'first':>7}{cold_head} {'hits':>7}")
    for kind, q, _tq in QUERIES:
        cells = " ".join(f"    {_stats(r.times.get(q, []))}" for r in runs)
        cpu = f"{percentile(ours.cpu[q], 0.5):>7.1f}" if ours and q in ours.cpu else f"{'—':>7}"
        first = f"{ours.first[q]:>7.1f}" if ours and q in ours.first else f"{'—':>7}"
        cold = ""
        if cold_head and ours is not None:
            c = ours.cold.get(q)
            cold = (
                f" {c[0]:>9.1f} {c[1]:>8.1f} {c[3]:>7.1f}" if c else f" {'—':>9} {'—':>8} {'—':>7}"
            )
        hits = ours.hits.get(q, 0) if ours else next((r.hits[q] for r in runs if q in r.hits), 0)
        print(f"{kind:<11} {q[:44]:<44} {cells} {cpu} {first}{cold} {hits:>7}")
    print("\nby class of query (p50 / p95 / max, ms):")
    kinds = list(dict.fromkeys(k for k, _q, _t in QUERIES))
    for kind in kinds:
        qs = [q for k, q, _t in QUERIES if k == kind]
        cells = []
        for r in runs:
            values = [t for q in qs for t in r.times.get(q, [])]
            cells.append(f"{r.name} {_stats(values)}")
        print(f"  {kind:<11} " + " | ".join(cells))
    if ours is not None and ours.first:
        firsts = list(ours.first.values())
        worst = max(ours.first, key=ours.first.__getitem__)
        print(
            f"FIRST RUNS whoosh (in the benchmark's process, after one warm-up search): "
            f"p50 {percentile(firsts, 0.5):.1f} ms, max {max(firsts):.1f} ms ({worst}); "
            f"CPU p50 {percentile(list(ours.first_cpu.values()), 0.5):.1f}, "
            f"max {max(ours.first_cpu.values()):.1f} ms"
        )
    if ours is not None and ours.cold:
        opens = [c[0] for c in ours.cold.values()]
        firsts = [c[1] for c in ours.cold.values()]
        cpus = [c[3] for c in ours.cold.values()]
        worst = max(ours.cold, key=lambda q: ours.cold[q][1])
        print(
            f"COLD whoosh ({len(firsts)} queries, each the first of a new process): "
            f"first run p50 {percentile(firsts, 0.5):.1f} ms, p95 {percentile(firsts, 0.95):.1f}, "
            f"max {max(firsts):.1f} ms ({worst}); CPU p50 {percentile(cpus, 0.5):.1f}, "
            f"max {max(cpus):.1f} ms; opening the index p50 {percentile(opens, 0.5):.0f} ms, "
            f"max {max(opens):.0f} ms"
        )
        if ours.cold_unrecorded is not None:
            print(
                f"COLD whoosh opening with no record of the files' chunks (records lost; the "
                f"writer makes them at a build): {ours.cold_unrecorded[0]:.0f} ms "
                f"(CPU {ours.cold_unrecorded[1]:.0f} ms)"
            )
    for r in runs:
        values = [t for ts in r.times.values() for t in ts]
        cpu = [t for ts in r.cpu.values() for t in ts]
        if not values:
            continue
        build = f"{r.rate:.0f}/s" if r.rate else "not timed"
        rss = " / ".join(f"{x:.0f}" if x is not None else "—" for x in (r.build_rss, r.search_rss))
        print(
            f"ALL {r.name:<8} {len(values)} samples over {len(r.times)} queries: "
            f"p50 {percentile(values, 0.5):.2f} ms, p95 {percentile(values, 0.95):.2f} ms, "
            f"max {max(values):.1f} ms (CPU p50 {percentile(cpu, 0.5):.2f}, "
            f"p95 {percentile(cpu, 0.95):.2f}) | build {build} | peak RSS build/search "
            f"{rss} MiB | on disk {r.disk or 0:.0f} MiB"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--source", help="workspace with ingested bundles (default: ingest ../shared/corpus)"
    )
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument(
        "--repeat",
        type=int,
        default=5,
        help="timed runs per query (5 x 34 queries: 170 samples per size for p95)",
    )
    parser.add_argument(
        "--reuse-index",
        action="store_true",
        help="time searches on the Whoosh index an earlier run built (building 100k takes minutes)",
    )
    parser.add_argument(
        "--cold",
        action="store_true",
        help="also run each query once in a new process (its first run: nothing decoded yet)",
    )
    parser.add_argument(
        "--work",
        help="folder of the scale workspaces (default: benchmarks/_work); one built by another "
        "checkout can be reused with --reuse-index",
    )
    parser.add_argument("--cold-query", help=argparse.SUPPRESS)
    parser.add_argument(
        "--engines",
        default="whoosh,tantivy,fts5",
        help="which of whoosh, tantivy, fts5 to run (default: all three)",
    )
    args = parser.parse_args()
    if args.cold_query is not None:
        cold_query(args.source, args.cold_query)
        return
    if args.work:
        scale_corpus.WORK = Path(args.work).resolve()
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    unknown = set(engines) - {"whoosh", "tantivy", "fts5"}
    if unknown:
        parser.error(f"unknown engine(s): {', '.join(sorted(unknown))}")
    source = list(source_workspace(args.source).bundles())
    real = sum(1 for b in source for p in b.provisions if p.searchable)
    print(f"machine: {machine()}")
    print(f"source: {len(source)} documents, {real} searchable provisions; {len(QUERIES)} queries")
    print(f"load average at start: {load()}")
    for size in (int(s) for s in args.sizes.split(",")):
        print(f"\n== {size} provisions ==  (load {load()})")
        ws = scale_workspace(source, size)
        runs: list[EngineRun] = []
        if "whoosh" in engines:
            runs.append(bench_whoosh(ws, args.repeat, args.reuse_index, args.cold))
        if "tantivy" in engines:
            runs.append(bench_tantivy(ws, args.repeat))
        if "fts5" in engines:
            runs.append(bench_fts5(ws, args.repeat))
        report(runs)
        print(f"load average at the end of {size}: {load()}")
        forget(ws)


if __name__ == "__main__":
    main()
