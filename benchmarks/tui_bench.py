"""TUI figures: keystroke -> updated results table, and start-up to a usable screen.

    python benchmarks/tui_bench.py [--workspace DIR] [--runs 5] [--provisions N]

The workspace defaults to benchmarks/_work/tui_ws, ingested from ../shared/corpus
the first time. ``--provisions N`` measures a larger workspace instead: the real
provisions (and their machine tags) of the default workspace, copied under new
document ids until N searchable provisions are reached, indexed once and kept in
benchmarks/_work/tui_ws-N for later runs. Keystroke latency is measured in-process (Textual's headless
driver, which still lays out and renders every frame): the time from a key press
to the moment the results table has been refilled and repainted. Start-up is the
real ``corpus-tool tui`` in tmux: from spawning the process to the search screen
appearing on the terminal (read with capture-pane).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import itertools
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from textual import events  # noqa: E402
from textual.keys import _character_to_key  # noqa: E402

from corpus_tool.tui.app import CorpusApp  # noqa: E402
from corpus_tool.tui.search_screen import SearchScreen  # noqa: E402
from corpus_tool.workspace import Workspace  # noqa: E402

QUERIES = [
    "open source",
    "exempt*",
    "provider",
    "free /s licen*",
    "general-purpose",
    "data protection",
    "deployer",
    "research w/5 exception",
    "copyright",
    "transparency",
]
SIZE = (160, 48)
SLOWEST: list[tuple[float, str]] = []  # (latency, query after the key), for --verbose


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def ensure_workspace(path: Path) -> Workspace:
    ws = Workspace(path)
    if ws.doc_ids():
        return ws
    shared = Path(os.environ.get("CORPUS_TOOL_SHARED", PROJECT.parent / "shared")) / "corpus"
    if not shared.is_dir():
        sys.exit(f"no workspace at {path} and no shared corpus at {shared}")
    from corpus_tool.build import ingest

    ws.ensure()
    print(f"ingesting {shared} into {path} (once)…", file=sys.stderr)
    ingest(ws, [shared])
    return ws


def scaled_workspace(source: Workspace, provisions: int) -> Workspace:
    """A workspace of ``provisions`` searchable provisions copied from ``source``'s real ones.

    Whole documents are copied in turn (document ``x`` becomes ``x-copy2``...) so
    every copy reads like a real document in the reader; the last copy is cut
    short at the wanted count. Built and indexed once, then reused.
    """
    target = Workspace(source.root.with_name(f"{source.root.name}-{provisions}"))
    done = target.derived_dir / "tui-bench-built"
    if done.exists() and done.read_text() == str(provisions):
        return target
    if target.root.exists():
        shutil.rmtree(target.root)
    target.ensure()
    originals = [b for b in source.bundles() if any(p.searchable for p in b.provisions)]
    if not originals:
        sys.exit(f"{source.root} has no searchable provisions to copy")
    left = provisions
    for copy in itertools.count(1):
        for bundle in originals:
            if left <= 0:
                break
            doc_id = bundle.meta.doc_id if copy == 1 else f"{bundle.meta.doc_id}-copy{copy}"
            kept: list = []
            for p in sorted(bundle.provisions, key=lambda p: p.order):
                if p.searchable:
                    if left <= 0:
                        continue  # keep the containers, drop searchable units past N
                    left -= 1
                kept.append(dataclasses.replace(p, doc_id=doc_id))
            ids = {p.id for p in kept}
            tags = tuple(
                dataclasses.replace(t, doc_id=doc_id) for t in bundle.tags if t.provision_id in ids
            )
            meta = dataclasses.replace(bundle.meta, doc_id=doc_id)
            target.save_bundle(
                dataclasses.replace(bundle, meta=meta, provisions=tuple(kept), tags=tags)
            )
        if left <= 0:
            break
    from corpus_tool.index import rebuild_index

    started = time.perf_counter()
    written = rebuild_index(target)
    print(
        f"built {target.root}: {written} provisions indexed in"
        f" {time.perf_counter() - started:.0f} s",
        file=sys.stderr,
    )
    done.write_text(str(provisions))
    return target


async def wait_painted(
    screen: SearchScreen, before: int, since: float, timeout: float = 10.0
) -> float | None:
    """When the table was repainted with the results of a search started after ``before``."""
    table = screen.results
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if (
            screen.generation > before
            and screen.shown_generation == screen.generation
            and table.painted_at > since
        ):
            return table.painted_at
        if screen.generation == before and time.perf_counter() - since > 1.0:
            return None  # the key started no search (an unfinished query, e.g. an open quote)
        await asyncio.sleep(0.0005)
    raise TimeoutError("results table never updated")


def key_event(ch: str) -> events.Key:
    """The event a terminal driver posts for a typed character."""
    if ch == " ":
        return events.Key("space", " ")
    return events.Key(ch if ch.isalnum() else _character_to_key(ch), ch)


async def keystrokes(
    ws: Workspace, gap: float, burst_gap: float
) -> tuple[list[float], list[float], list[float], float]:
    """Per-key latencies (keys ``gap`` apart), their CPU cost, last-key-of-burst latencies, warm-up.

    Keys are posted to the app the way the terminal driver posts them (not through
    Pilot.press, whose waits for an idle process would be counted as latency).
    """
    app = CorpusApp(ws, show_timings=False)
    per_key: list[float] = []
    cpu: list[float] = []
    bursts: list[float] = []
    async with app.run_test(size=SIZE) as pilot:
        started = time.perf_counter()
        await pilot.pause()
        await app.workers.wait_for_complete()
        warm = time.perf_counter() - started
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        bar = screen.search_bar.input

        async def clear() -> None:
            bar.value = ""
            await asyncio.sleep(0.4)
            await app.workers.wait_for_complete()

        # One query first, so the index searcher is open (as it is after the first key in use).
        bar.value = "regulation"
        await asyncio.sleep(0.4)
        await app.workers.wait_for_complete()

        for query in QUERIES:
            await clear()
            for ch in query:
                before = screen.generation
                t0 = time.perf_counter()
                c0 = time.process_time()
                app.post_message(key_event(ch))
                painted = await wait_painted(screen, before, t0)
                if painted is not None:
                    per_key.append(painted - t0)
                    SLOWEST.append((painted - t0, bar.value))
                await asyncio.sleep(gap)
                await app.workers.wait_for_complete()
                if painted is not None:
                    # Everything the process did for this key (search thread, table,
                    # facets, preview), so it includes work done after the table.
                    cpu.append(time.process_time() - c0)

        for query in QUERIES:
            await clear()
            before = screen.generation
            t0 = 0.0
            for ch in query:
                t0 = time.perf_counter()
                app.post_message(key_event(ch))
                await asyncio.sleep(burst_gap)
            painted = await wait_painted(screen, before, t0)
            if painted is not None:
                bursts.append(painted - t0)
    return per_key, cpu, bursts, warm


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def startup_in_tmux(ws: Workspace, runs: int) -> tuple[list[float], list[float]]:
    tmux = shutil.which("tmux")
    if tmux is None:
        print("tmux not found: start-up not measured", file=sys.stderr)
        return [], []
    script = Path(sys.executable).with_name("corpus-tool")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "corpus_tool"]
    times: list[float] = []
    cpus: list[float] = []
    for _ in range(runs):
        socket = f"tui-bench-{uuid.uuid4().hex[:8]}"
        # A named author: the first-run name prompt is not part of start-up.
        line = (
            "env TERM=xterm-256color CORPUS_TOOL_AUTHOR=tui-bench "
            f"{shlex.join([*command, '-w', str(ws.root), 'tui'])}"
        )
        t0 = time.perf_counter()
        subprocess.run(
            [tmux, "-L", socket, "new-session", "-d", "-s", "b", "-x", "160", "-y", "48", line],
            check=True,
        )
        try:
            while True:
                screen = subprocess.run(
                    [tmux, "-L", socket, "capture-pane", "-p", "-t", "b"],
                    capture_output=True,
                    text=True,
                ).stdout
                if "documents in workspace" in screen:
                    times.append(time.perf_counter() - t0)
                    pid = subprocess.run(
                        [tmux, "-L", socket, "display", "-p", "-t", "b", "#{pane_pid}"],
                        capture_output=True,
                        text=True,
                    ).stdout.strip()
                    with contextlib.suppress(OSError, ValueError, IndexError):
                        cpus.append(process_cpu(int(pid)))
                    break
                if time.perf_counter() - t0 > 30:
                    raise TimeoutError("the TUI did not come up within 30 s")
                time.sleep(0.005)
        finally:
            subprocess.run([tmux, "-L", socket, "kill-server"], capture_output=True)
        time.sleep(0.5)
    return times, cpus


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
        ram = f"{mem_kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, StopIteration, ValueError):
        ram = "RAM unknown"
    return f"{os.cpu_count()} CPUs ({cpu}), {ram}, Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--workspace", type=Path, default=PROJECT / "benchmarks" / "_work" / "tui_ws"
    )
    parser.add_argument("--runs", type=int, default=5, help="start-up runs")
    parser.add_argument("--gap", type=float, default=0.2, help="pause between keys (s)")
    parser.add_argument("--verbose", action="store_true", help="list the slowest keys")
    parser.add_argument("--burst-gap", type=float, default=0.04, help="key gap in a burst (s)")
    parser.add_argument(
        "--provisions",
        type=int,
        default=None,
        help="measure a workspace of N searchable provisions copied from the real ones",
    )
    args = parser.parse_args()

    ws = ensure_workspace(args.workspace)
    if args.provisions:
        ws = scaled_workspace(ws, args.provisions)
    docs = ws.doc_ids()
    bundles = list(ws.bundles())
    provisions = sum(len(b.provisions) for b in bundles)
    searchable = sum(1 for b in bundles for p in b.provisions if p.searchable)
    load_before = os.getloadavg()[0]
    per_key, cpu, bursts, warm = asyncio.run(keystrokes(ws, args.gap, args.burst_gap))
    starts, start_cpu = startup_in_tmux(ws, args.runs)
    load_after = os.getloadavg()[0]

    def ms(s: float) -> str:
        return f"{s * 1000:.0f} ms"

    def row(name: str, values: list[float]) -> str:
        return (
            f"| {name} | {len(values)} | {ms(statistics.median(values))} "
            f"| {ms(percentile(values, 95))} | {ms(max(values))} |"
        )

    print(f"machine: {machine()}")
    print(f"load average (1 min) before/after: {load_before:.1f} / {load_after:.1f}")
    print(
        f"workspace: {ws.root} ({len(docs)} documents, {provisions} provisions,"
        f" {searchable} searchable)"
    )
    print(f"background warm-up (load every bundle): {ms(warm)}")
    print("| measure | n | p50 | p95 | max |")
    print("|---|---|---|---|---|")
    print(
        row(f"keystroke -> results table repainted (keys {args.gap * 1000:.0f} ms apart)", per_key)
    )
    print(row("CPU time the app spent per keystroke (all threads, incl. facets and preview)", cpu))
    print(
        row(
            f"last key of a burst ({args.burst_gap * 1000:.0f} ms apart) -> repainted, incl. debounce",
            bursts,
        )
    )
    if starts:
        print(row("start-up: spawn -> search screen on the terminal (tmux, wall)", starts))
    if start_cpu:
        print(row("start-up: CPU time of the process until then", start_cpu))
    if args.verbose:
        for latency, query in sorted(SLOWEST, reverse=True)[:12]:
            print(f"  {ms(latency):>8}  {query!r}")


if __name__ == "__main__":
    main()
