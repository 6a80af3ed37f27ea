"""Search latency (p50/p95) and index build throughput at 10k and 100k provisions, beside tantivy.

The scale corpus is made of the real provisions of an ingested workspace
(default: ingest ../shared/corpus into benchmarks/_work/source), replicated
under varied doc ids until it holds the wanted number of provisions. Each size
gets its own workspace under benchmarks/_work. Whoosh is timed through
corpus_tool's own ``search()`` (parse, compile, total, facets, snippets and
highlights for the top 20); tantivy (reference only, never used by the
product) runs the closest query its language can express and returns the top
20 with a count.

    .venv/bin/python benchmarks/search_bench.py [--source WS] [--sizes 10000,100000]
"""

from __future__ import annotations

import argparse
import dataclasses
import platform
import shutil
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

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


def source_workspace(arg: str | None) -> Workspace:
    if arg:
        return Workspace(arg)
    ws = Workspace(WORK / "source")
    if not ws.doc_ids():
        from corpus_tool.build import ingest

        ws.ensure()
        ingest(ws, [HERE.parent.parent / "shared" / "corpus"])
    return ws


def scale_workspace(source: list[DocBundle], size: int) -> Workspace:
    """A workspace of ``size`` searchable provisions: the real ones, replicated."""
    ws = Workspace(WORK / f"scale-{size}")
    marker = ws.derived_dir / f"built-{size}"
    if marker.exists():
        return ws
    if ws.root.exists():
        shutil.rmtree(ws.root)
    ws.ensure()
    count, replica = 0, 0
    while count < size:
        for bundle in source:
            if count >= size:
                break
            doc_id = f"{bundle.meta.doc_id}-r{replica}"
            room = size - count
            provisions = []
            for p in bundle.provisions:
                if p.searchable:
                    if room == 0:
                        continue
                    room -= 1
                provisions.append(dataclasses.replace(p, doc_id=doc_id))
            meta = dataclasses.replace(bundle.meta, doc_id=doc_id)
            ws.save_bundle(DocBundle(meta, tuple(provisions), ()))
            count += sum(1 for p in provisions if p.searchable)
        replica += 1
    marker.write_text("ok")
    return ws


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[k]


def bench_whoosh(
    ws: Workspace, repeat: int, reuse: bool = False
) -> tuple[float | None, dict[str, list[float]]]:
    forget(ws)
    rate = None
    if reuse and index_exists(ws):
        print("  whoosh: reusing the index built by an earlier run (no build figure)")
    else:
        started = time.perf_counter()
        written = rebuild_index(ws)
        build = time.perf_counter() - started
        rate = written / build
        print(f"  whoosh: indexed {written} provisions in {build:.1f} s ({rate:.0f}/s)")
    forget(ws)
    search(ws, "warm")  # open the searcher and read facet columns once
    times: dict[str, list[float]] = {}
    for _kind, q, _t in QUERIES:
        search(ws, q)  # first run fills caches, like a user's first keystroke
        for _ in range(repeat):
            clear_result_cache()  # time the search, not the UI's memo of repeated queries
            t0 = time.perf_counter()
            search(ws, q, limit=20)
            times.setdefault(q, []).append((time.perf_counter() - t0) * 1000)
    return rate, times


def bench_tantivy(ws: Workspace, repeat: int) -> tuple[float, dict[str, list[float]]]:
    import tantivy

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
    started = time.perf_counter()
    writer = index.writer(heap_size=128_000_000, num_threads=1)
    n = 0
    for bundle in ws.bundles():
        for p in bundle.provisions:
            if not p.searchable:
                continue
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
    print(f"  tantivy: indexed {n} provisions in {build:.1f} s ({n / build:.0f}/s)")
    index.reload()
    searcher = index.searcher()
    times: dict[str, list[float]] = {}
    for _kind, q, tq in QUERIES:
        if tq is None:
            continue
        for _ in range(repeat + 1):
            t0 = time.perf_counter()
            parsed = index.parse_query(tq, ["text"], allow_regexes=True)
            result = searcher.search(parsed, 20, count=True)
            _ = [searcher.doc(addr)["key"] for _score, addr in result.hits]
            times.setdefault(q, []).append((time.perf_counter() - t0) * 1000)
        times[q] = times[q][1:]
    return n / build, times


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--source", help="workspace with ingested bundles (default: ingest ../shared/corpus)"
    )
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per query")
    parser.add_argument(
        "--reuse-index",
        action="store_true",
        help="time searches on the Whoosh index an earlier run built (building 100k takes minutes)",
    )
    args = parser.parse_args()
    source = list(source_workspace(args.source).bundles())
    real = sum(1 for b in source for p in b.provisions if p.searchable)
    print(f"machine: {machine()}")
    print(f"source: {len(source)} documents, {real} searchable provisions; {len(QUERIES)} queries")
    for size in (int(s) for s in args.sizes.split(",")):
        print(f"\n== {size} provisions ==")
        ws = scale_workspace(source, size)
        w_rate, w_times = bench_whoosh(ws, args.repeat, args.reuse_index)
        t_rate, t_times = bench_tantivy(ws, args.repeat)
        all_w = [t for ts in w_times.values() for t in ts]
        all_t = [t for ts in t_times.values() for t in ts]
        print(
            f"{'kind':<11} {'query':<55} {'whoosh p50':>10} {'p95':>7} {'tantivy p50':>11} {'hits':>7}"
        )
        for kind, q, _tq in QUERIES:
            ws_t = w_times[q]
            tt = t_times.get(q)
            total = search(ws, q, limit=1).total
            t50 = f"{statistics.median(tt):.1f}" if tt else "—"
            print(
                f"{kind:<11} {q[:55]:<55} {statistics.median(ws_t):>10.1f} "
                f"{percentile(ws_t, 0.95):>7.1f} {t50:>11} {total:>7}"
            )
        print(
            f"ALL whoosh p50 {percentile(all_w, 0.5):.1f} ms, p95 {percentile(all_w, 0.95):.1f} ms, "
            f"max {max(all_w):.1f} ms | tantivy p50 {percentile(all_t, 0.5):.2f} ms, "
            f"p95 {percentile(all_t, 0.95):.2f} ms | build whoosh "
            f"{f'{w_rate:.0f}/s' if w_rate else 'not timed'}, tantivy {t_rate:.0f}/s"
        )
        forget(ws)


if __name__ == "__main__":
    main()
