"""Events written and replayed: the shared PostgreSQL store beside the file log; prints a Markdown table.

    .venv/bin/python benchmarks/store_bench.py [--events N] [--writers K]

Starts a throw-away PostgreSQL server (as the tests do), writes N events with
each backend (each event acknowledged: fsynced to the file, committed on the
server), then reads them all back. With --writers K, K processes write N/K
events each at once, as a team would.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from corpus_tool.annotations import pg_store  # noqa: E402
from tests._pg_helpers import pg_server, pg_unavailable_reason  # noqa: E402


def record(author: str, n: int) -> dict:
    return {
        "v": 2,
        "eid": f"{time.time_ns():020d}{secrets.token_hex(3)}",
        "event": "create",
        "at": "2026-11-25T00:00:00.000Z",
        "by": author,
        "annotation": {"id": f"ann_{n:08x}", "labels": ["oss-exemption"], "note": "x" * 80},
    }


def file_append(path: Path, rec: dict) -> None:
    """The file log's write: one line, appended and fsynced (as AnnotationStore does)."""
    data = (json.dumps(rec, separators=(",", ":")) + "\n").encode()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def _file_writer(path: str, count: int, author: str) -> None:
    for n in range(count):
        file_append(Path(path), record(author, n))


def _pg_writer(url: str, journal: str, count: int, author: str) -> None:
    log = pg_store.PgEventLog(url, Path(journal))
    for n in range(count):
        log.append(record(author, n))
    log.close()


def run_writers(target, args_of, writers: int) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    procs = [mp.Process(target=target, args=args_of(i)) for i in range(writers)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--writers", type=int, default=1)
    args = parser.parse_args()
    reason = pg_unavailable_reason()
    if reason:
        sys.exit(f"store_bench: {reason}")
    n, k = args.events, args.writers
    rows = []
    with tempfile.TemporaryDirectory() as tmp, pg_server() as srv:
        pg_store.migrate(srv.url())
        log_path = Path(tmp) / "events.jsonl"
        t = run_writers(_file_writer, lambda i: (str(log_path), n // k, "Bench"), k)
        start = time.perf_counter()
        lines = [json.loads(x) for x in log_path.read_bytes().splitlines()]
        t_read = time.perf_counter() - start
        rows.append(("file log", n / t, len(lines), t_read))
        url = srv.url()  # the owner role: no author check to look up
        t = run_writers(_pg_writer, lambda i: (url, str(Path(tmp) / f"j{i}"), n // k, "Bench"), k)
        log = pg_store.PgEventLog(url, Path(tmp))
        start = time.perf_counter()
        got = log.read_after(0)
        t_read = time.perf_counter() - start
        log.close()
        rows.append(("PostgreSQL (local server)", n / t, len(got), t_read))
    load = os.getloadavg()[0]
    print(f"{n} events, {k} writer process(es), load average {load:.2f}, {os.cpu_count()} cores\n")
    print("| backend | written events/s (each acknowledged) | replayed | replay time |")
    print("|---|---|---|---|")
    for name, rate, count, secs in rows:
        print(f"| {name} | {rate:,.0f} | {count:,} | {secs * 1000:,.0f} ms |")


if __name__ == "__main__":
    main()
