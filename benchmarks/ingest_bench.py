"""Ingest speed and memory: our pipeline beside plain pdfplumber and pypdfium2 on the same pages.

Usage::

    .venv/bin/python benchmarks/ingest_bench.py [CORPUS_DIR] [--jobs N] [--scale 100,400]
        [--docs NAME,NAME] [--engines ENGINE,ENGINE] [--cluster [ADDRESS]]

Each engine runs in a fresh child process so that its peak resident memory
(``ru_maxrss``) is its own. Printed per engine: pages, seconds, pages/s and
peak RSS. Engines:

* ``pdfplumber`` - ``page.extract_text()`` on every page (pages closed as we go);
* ``pypdfium2`` - ``get_text_range()`` on every page;
* ``ours-extract`` - :func:`corpus_tool.ingest.extract_document` (clean text,
  boxes, footnotes, metadata) in one process;
* ``ours-check`` - the quality check alone on documents extracted beforehand
  (untimed): pypdfium2's reading, the word counts and the token-sequence
  findings of :func:`corpus_tool.ingest.check.compare_document`;
* ``ours-ingest-1`` / ``ours-ingest-N`` - the whole ``ingest`` (extraction,
  pypdfium2 check, segmentation, tagging, bundles, index) with 1 and N worker
  processes, into a fresh workspace;
* ``ours-cluster-N`` (with ``--cluster``) - the same ``ingest`` with its
  per-document work sent to a Dask ``LocalCluster`` of N worker processes (one
  thread each) started for the run, or to the scheduler at ADDRESS. The
  cluster is started before the clock starts (a team's cluster is already
  running); its start-up time is printed apart. "peak MiB" is then the
  largest of this process and of each worker (asked of the workers).

``--docs`` keeps only the PDFs whose file names start with the given prefixes
(a few documents make a run of minutes); ``--engines`` runs only the named
engines (``ours-ingest-N`` and ``ours-cluster-N`` name their worker count).
Each row ends with the 1-minute load average read when the engine finished:
the machine may be shared, and the figures mean little without it.

``--scale`` builds PDFs of the given page counts by repeating the pages of the
largest corpus PDF and reports our extraction's peak memory for each, to show
how memory grows with the page count (with the text, not pdfplumber's pages),
and (unless ``--skip-ingest``) the peak of the whole ingest of that PDF in one
process: extraction cache write, segmentation, tagging, bundle and index.
With ``--phases`` it also runs the stages of that ingest one after the other in
one fresh process (extraction, check, extraction cache, segmentation, tagging,
bundle, index) and prints each stage's peak resident memory (the kernel's
high-water mark, reset before each stage where ``/proc/self/clear_refs``
allows it, else the running peak), the memory resident after it and its CPU
seconds: which stage sets the peak, and which grows with the pages.

With N > 1 workers each worker extracts, checks, segments, tags and stores a
whole document; "peak MiB" is then the largest resident set of the main
process or of any one worker.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))
DEFAULT_CORPUS = PROJECT.parent / "shared" / "corpus"


def _pdfplumber(paths: list[str]) -> int:
    import pdfplumber

    pages = 0
    for path in paths:
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                page.extract_text()
                page.close()
                pages += 1
    return pages


def _pypdfium2(paths: list[str]) -> int:
    import pypdfium2

    pages = 0
    for path in paths:
        pdf = pypdfium2.PdfDocument(path)
        for i in range(len(pdf)):
            page = pdf[i]
            textpage = page.get_textpage()
            textpage.get_text_range()
            textpage.close()
            page.close()
            pages += 1
        pdf.close()
    return pages


def _ours_extract(paths: list[str]) -> int:
    from corpus_tool.ingest import extract_document

    return sum(max(extract_document(Path(p)).meta.pages, 1) for p in paths)


def _ours_check(paths: list[str]) -> tuple[int, float]:
    from corpus_tool.ingest.check import compare_document
    from corpus_tool.ingest.document import extract_with_details

    extracted = [(Path(p), *extract_with_details(Path(p))) for p in paths]
    started = time.perf_counter()
    pages = 0
    for path, doc, ext in extracted:
        compare_document(path, doc, ext.removed if ext is not None else [])
        pages += max(doc.meta.pages, 1)
    return pages, time.perf_counter() - started


def _ours_ingest(paths: list[str], jobs: int) -> int:
    from corpus_tool.build import ingest
    from corpus_tool.workspace import Workspace

    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace(tmp)
        report = ingest(ws, paths, jobs=jobs)
        return sum(r.pages for r in report.results)


PHASES = ("extract", "check", "cache", "segment", "tag", "bundle", "index")


def _status_mib() -> tuple[int, int]:
    """(high-water mark, resident now) of this process in MiB, from /proc/self/status."""
    found = {}
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(("VmHWM:", "VmRSS:")):
                key, value = line.split(":", 1)
                found[key] = int(value.split()[0]) // 1024
    return found.get("VmHWM", 0), found.get("VmRSS", 0)


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")  # resets VmHWM to the current resident set
        return True
    except OSError:
        return False


def _ours_phases(paths: list[str]) -> list[tuple[str, int, int, float]]:
    """The ingest's stages of one PDF in turn: (stage, peak MiB, resident after, CPU s) each.

    The stages are those of ``build_document`` and of the index update after it.
    """
    import contextlib
    import gc

    from corpus_tool.build.document import segmented, tagged
    from corpus_tool.index import update_index
    from corpus_tool.ingest.check import compare_document
    from corpus_tool.ingest.document import extract_with_details
    from corpus_tool.workspace import Workspace

    rows: list[tuple[str, int, int, float]] = []

    @contextlib.contextmanager
    def stage(name: str) -> Any:
        _reset_peak()
        started = time.process_time()
        yield
        peak, now = _status_mib()
        rows.append((name, peak, now, time.process_time() - started))

    path = Path(paths[0])
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace(tmp)
        ws.ensure()
        with stage("extract"):
            doc, ext = extract_with_details(path)
            removed = ext.removed if ext is not None else []
            del ext
        with stage("check"):
            compare_document(path, doc, removed)
        with stage("cache"):
            ws.save_extraction(doc)
        with stage("segment"):
            bundle = segmented(doc)
            del doc  # as build_document does: the tagger reads only the provisions
            gc.collect()
        with stage("tag"):
            bundle = tagged(bundle)
        with stage("bundle"):
            ws.save_bundle(bundle)
            gc.collect()
        with stage("index"):
            update_index(ws, [bundle])
    return rows


def _worker_peak_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _ours_cluster(paths: list[str], jobs: int, address: str) -> tuple[int, float, float]:
    """Ingest with the per-document work on a Dask cluster; (pages, seconds, workers' peak KiB)."""
    import distributed

    from corpus_tool.build import ingest
    from corpus_tool.workspace import Workspace

    local = None
    started = time.perf_counter()
    if address == "local":
        local = distributed.LocalCluster(
            n_workers=jobs,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",  # no fixed port: the machine may be shared
            silence_logs=40,
        )
        address = local.scheduler_address
    client = distributed.Client(address)
    client.wait_for_workers(1)
    print(
        f"  (cluster at {address}: {len(client.scheduler_info()['workers'])} workers, "
        f"ready in {time.perf_counter() - started:.1f} s, not counted)",
        flush=True,
    )
    try:
        with tempfile.TemporaryDirectory() as tmp:
            ws = Workspace(tmp)
            started = time.perf_counter()
            report = ingest(ws, paths, cluster=address)
            seconds = time.perf_counter() - started
            for failure in report.failed:
                print(
                    f"  cluster ingest failed: {failure.file}: {failure.message}", file=sys.stderr
                )
            pages = sum(r.pages for r in report.results)
        peaks = client.run(_worker_peak_kib)
        return pages, seconds, float(max(peaks.values(), default=0))
    finally:
        client.close()
        if local is not None:
            local.close()


def _child(engine: str, paths: list[str], jobs: int, out: mp.Queue, address: str = "") -> None:
    started = time.perf_counter()
    if engine == "ours-cluster":
        pages, seconds, workers_kib = _ours_cluster(paths, jobs, address)
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        out.put((pages, seconds, max(own, workers_kib) / 1024))
        return
    if engine == "ours-phases":
        out.put(_ours_phases(paths))
        return
    if engine == "pdfplumber":
        pages = _pdfplumber(paths)
    elif engine == "pypdfium2":
        pages = _pypdfium2(paths)
    elif engine == "ours-extract":
        pages = _ours_extract(paths)
    elif engine == "ours-check":
        pages, checked = _ours_check(paths)
        started = time.perf_counter() - checked  # only the check is timed
    else:
        pages = _ours_ingest(paths, jobs)
    seconds = time.perf_counter() - started
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out.put((pages, seconds, max(own, kids) / 1024))


def run(engine: str, paths: list[str], jobs: int = 1, address: str = "") -> Any:
    ctx = mp.get_context("spawn")  # a fresh interpreter: memory is the engine's own
    queue: mp.Queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(engine, paths, jobs, queue, address))
    proc.start()
    result = queue.get()
    proc.join()
    return result


def scaled_pdf(source: Path, pages: int, dest: Path) -> Path:
    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(source)
    writer = PdfWriter()
    n = len(reader.pages)
    for i in range(pages):
        writer.add_page(reader.pages[i % n])
    with dest.open("wb") as fh:
        writer.write(fh)
    return dest


def machine() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = os.getloadavg()[0]
    return f"{os.cpu_count()} cores, {model or 'unknown CPU'}, {mem:.0f} GiB RAM, load average {load:.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--scale", default="", help="page counts for the memory test, e.g. 100,400")
    parser.add_argument("--skip-ingest", action="store_true", help="only the extraction engines")
    parser.add_argument(
        "--phases", action="store_true", help="with --scale: peak memory of each ingest stage"
    )
    parser.add_argument(
        "--docs", default="", help="only PDFs whose names start with these, comma-separated"
    )
    parser.add_argument("--engines", default="", help="only these engines, comma-separated")
    parser.add_argument(
        "--cluster",
        nargs="?",
        const="local",
        default=None,
        help="also ingest on a Dask cluster: a LocalCluster of --jobs workers, or ADDRESS",
    )
    args = parser.parse_args()
    paths = sorted(str(p) for p in args.corpus.glob("*.pdf"))
    if args.docs:
        prefixes = tuple(d.strip() for d in args.docs.split(",") if d.strip())
        paths = [p for p in paths if Path(p).name.startswith(prefixes)]
    if not paths:
        print(
            f"no PDFs in {args.corpus}" + (f" matching {args.docs}" if args.docs else ""),
            file=sys.stderr,
        )
        return 2
    print(f"machine: {machine()}")
    print(f"corpus: {args.corpus} ({len(paths)} PDFs: {', '.join(Path(p).name for p in paths)})")
    print(f"{'engine':<16}{'pages':>7}{'seconds':>10}{'pages/s':>10}{'peak MiB':>10}{'load':>7}")
    engines = ["pdfplumber", "pypdfium2", "ours-extract", "ours-check"]
    if not args.skip_ingest:
        engines += ["ours-ingest-1", f"ours-ingest-{args.jobs}"]
    if args.cluster is not None:
        engines.append(f"ours-cluster-{args.jobs}")
    if args.engines:
        wanted = [e.strip() for e in args.engines.split(",") if e.strip()]
        counted = ("ours-ingest-", "ours-cluster-")
        unknown = [
            e
            for e in wanted
            if e not in engines[:4]
            and not (e.startswith(counted) and e.rsplit("-", 1)[1].isdigit())
        ]
        if unknown:
            print(f"unknown engine(s): {', '.join(unknown)}", file=sys.stderr)
            return 2
        if any(e.startswith("ours-cluster-") for e in wanted) and args.cluster is None:
            args.cluster = "local"
        engines = wanted
    for engine in engines:
        jobs = (
            int(engine.rsplit("-", 1)[1])
            if engine.startswith(("ours-ingest", "ours-cluster"))
            else 1
        )
        name = (
            engine.rsplit("-", 1)[0]
            if engine.startswith(("ours-ingest", "ours-cluster"))
            else engine
        )
        pages, seconds, peak = run(name, paths, jobs, args.cluster or "")
        print(
            f"{engine:<16}{pages:>7}{seconds:>10.1f}{pages / seconds:>10.1f}{peak:>10.0f}"
            f"{os.getloadavg()[0]:>7.1f}",
            flush=True,
        )
    if args.scale:
        biggest = max(paths, key=lambda p: Path(p).stat().st_size)
        print(f"\nmemory vs page count (our extraction; pages repeated from {Path(biggest).name})")
        with tempfile.TemporaryDirectory() as tmp:
            for count in (int(c) for c in args.scale.split(",")):
                pdf = scaled_pdf(Path(biggest), count, Path(tmp) / f"scaled-{count}.pdf")
                pages, seconds, peak = run("ours-extract", [str(pdf)])
                print(
                    f"{count:>6} pages  {seconds:7.1f} s  {pages / seconds:6.1f} pages/s  "
                    f"peak {peak:6.0f} MiB  (extraction)  load {os.getloadavg()[0]:.1f}",
                    flush=True,
                )
                if not args.skip_ingest:  # the whole build, cache write and index included
                    pages, seconds, peak = run("ours-ingest", [str(pdf)], 1)
                    print(
                        f"{count:>6} pages  {seconds:7.1f} s  {pages / seconds:6.1f} pages/s  "
                        f"peak {peak:6.0f} MiB  (whole ingest, 1 process)"
                        f"  load {os.getloadavg()[0]:.1f}",
                        flush=True,
                    )
                if args.phases:
                    for name, top, after, cpu in run("ours-phases", [str(pdf)]):
                        print(
                            f"{count:>6} pages  {name:<8} peak {top:5d} MiB  "
                            f"after {after:5d} MiB  {cpu:6.1f} s CPU  load {os.getloadavg()[0]:.1f}",
                            flush=True,
                        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
