"""TUI figures: keystroke -> updated results table, and start-up to a usable screen.

    python benchmarks/tui_bench.py [--workspace DIR] [--runs 5]

The workspace defaults to benchmarks/_work/tui_ws, ingested from ../shared/corpus
the first time. Keystroke latency is measured in-process (Textual's headless
driver, which still lays out and renders every frame): the time from a key press
to the moment the results table has been refilled and repainted. Start-up is the
real ``corpus-tool tui`` in tmux: from spawning the process to the search screen
appearing on the terminal (read with capture-pane).
"""

from __future__ import annotations

import argparse
import asyncio
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
    from corpus_tool.ingest import ingest

    ws.ensure()
    print(f"ingesting {shared} into {path} (once)…", file=sys.stderr)
    ingest(ws, [shared], show_progress=True)
    return ws


async def wait_painted(screen: SearchScreen, since: float, timeout: float = 5.0) -> float:
    table = screen.results
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if screen.shown_generation == screen.generation and table.painted_at > since:
            return table.painted_at
        await asyncio.sleep(0.0005)
    raise TimeoutError("results table never updated")


async def keystrokes(
    ws: Workspace, gap: float, burst_gap: float
) -> tuple[list[float], list[float], float]:
    """(per-key latencies with pauses, last-key-of-burst latencies, warm-up seconds)."""
    app = CorpusApp(ws, show_timings=False)
    per_key: list[float] = []
    bursts: list[float] = []
    async with app.run_test(size=SIZE) as pilot:
        started = time.perf_counter()
        await pilot.pause()
        await app.workers.wait_for_complete()
        warm = time.perf_counter() - started
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        bar = screen.search_bar.input

        # A query of the corpus's own vocabulary first, so the searcher is open (as in use).
        bar.value = "regulation"
        await pilot.pause(0.4)
        await app.workers.wait_for_complete()

        for query in QUERIES:
            bar.value = ""
            await pilot.pause(0.3)
            await app.workers.wait_for_complete()
            for ch in query:
                before = screen.generation
                t0 = time.perf_counter()
                await pilot.press(ch if ch != " " else "space")
                if screen.generation == before:
                    continue  # an unfinished query (syntax error): nothing to search
                painted = await wait_painted(screen, t0)
                per_key.append(painted - t0)
                await pilot.pause(gap)

        for query in QUERIES:
            bar.value = ""
            await pilot.pause(0.3)
            await app.workers.wait_for_complete()
            t0 = 0.0
            for ch in query:
                t0 = time.perf_counter()
                await pilot.press(ch if ch != " " else "space")
                await asyncio.sleep(burst_gap)
            painted = await wait_painted(screen, t0)
            bursts.append(painted - t0)
    return per_key, bursts, warm


def startup_in_tmux(ws: Workspace, runs: int) -> list[float]:
    tmux = shutil.which("tmux")
    if tmux is None:
        print("tmux not found: start-up not measured", file=sys.stderr)
        return []
    script = Path(sys.executable).with_name("corpus-tool")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "corpus_tool"]
    times = []
    for _ in range(runs):
        socket = f"tui-bench-{uuid.uuid4().hex[:8]}"
        line = f"env TERM=xterm-256color {shlex.join([*command, '-w', str(ws.root), 'tui'])}"
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
                    break
                if time.perf_counter() - t0 > 30:
                    raise TimeoutError("the TUI did not come up within 30 s")
                time.sleep(0.005)
        finally:
            subprocess.run([tmux, "-L", socket, "kill-server"], capture_output=True)
        time.sleep(0.5)
    return times


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
    parser.add_argument("--burst-gap", type=float, default=0.04, help="key gap in a burst (s)")
    args = parser.parse_args()

    ws = ensure_workspace(args.workspace)
    docs = ws.doc_ids()
    provisions = sum(len(b.provisions) for b in ws.bundles())
    per_key, bursts, warm = asyncio.run(keystrokes(ws, args.gap, args.burst_gap))
    starts = startup_in_tmux(ws, args.runs)

    ms = lambda s: f"{s * 1000:.0f} ms"  # noqa: E731
    print(f"machine: {machine()}")
    print(f"workspace: {ws.root} ({len(docs)} documents, {provisions} provisions)")
    print(f"background warm-up (load every bundle): {ms(warm)}")
    print("| measure | n | p50 | p95 | max |")
    print("|---|---|---|---|---|")
    print(
        f"| keystroke -> results table repainted (keys {args.gap * 1000:.0f} ms apart) "
        f"| {len(per_key)} | {ms(statistics.median(per_key))} | {ms(percentile(per_key, 95))} "
        f"| {ms(max(per_key))} |"
    )
    print(
        f"| last key of a burst ({args.burst_gap * 1000:.0f} ms apart) -> repainted, incl. debounce "
        f"| {len(bursts)} | {ms(statistics.median(bursts))} | {ms(percentile(bursts, 95))} "
        f"| {ms(max(bursts))} |"
    )
    if starts:
        print(
            f"| start-up: process spawn -> search screen on the terminal (tmux) | {len(starts)} "
            f"| {ms(statistics.median(starts))} | {ms(percentile(starts, 95))} | {ms(max(starts))} |"
        )


if __name__ == "__main__":
    main()
