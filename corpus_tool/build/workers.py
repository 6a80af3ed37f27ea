"""Worker processes for the build: a hard time limit per document, a memory cap, death with the parent.

Each worker is a fresh interpreter (``spawn``) that builds one document at a
time and answers with a small :class:`~corpus_tool.build.document.Outcome`
over its own pipe; documents and bundles go through the workspace files, never
through the pipe. The parent:

* kills a worker whose document runs past the time limit (SIGKILL: it holds
  even inside a pdfminer loop that never returns to Python's signal checks),
  reports the document as refused and starts a fresh worker for the rest;
* reports a worker that dies (memory cap, crash) as a refused document.

A worker limits its own address space (``RLIMIT_AS``) and the size any PDF
stream may inflate to, and it exits as soon as its parent is gone: Linux's
parent-death signal where there is one, and a watch on its parent's pid
everywhere.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

from corpus_tool.build.document import Outcome, Task

# Time between the soft time limit inside a worker (a clean message from the
# extraction) and the parent's SIGKILL.
KILL_GRACE = 2.0
PARENT_POLL = 0.5


@dataclass(frozen=True)
class Limits:
    """Budgets for one document; ``None`` means no limit."""

    timeout: float | None = 300.0  # seconds for a document's whole build
    memory_mb: int | None = 2048  # address space of a worker process
    max_stream_mb: int | None = 256  # how far one compressed PDF stream may inflate

    @property
    def any(self) -> bool:
        return any(v is not None for v in (self.timeout, self.memory_mb, self.max_stream_mb))


# --- the worker side -----------------------------------------------------------------


def _die_with_parent(parent: int) -> None:
    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            pr_set_pdeathsig = 1
            libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(PARENT_POLL)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _apply_limits(limits: Limits) -> None:
    import corpus_tool.build.document as document

    if limits.memory_mb is not None:
        with contextlib.suppress(ImportError, ValueError, OSError):
            import resource

            cap = limits.memory_mb << 20
            _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
            if hard != resource.RLIM_INFINITY:
                cap = min(cap, hard)
            resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
            document.memory_limit_mb = limits.memory_mb
    if limits.max_stream_mb is not None:
        from corpus_tool.ingest.limits import cap_stream_size

        cap_stream_size(limits.max_stream_mb << 20)


def worker_main(conn: Connection, parent: int, root: str, limits: Limits) -> None:
    """A worker's life: build the documents the parent sends until it sends None or goes away."""
    _die_with_parent(parent)
    # One document at a time needs no numeric thread pools, whose per-thread
    # buffers would count against the address-space cap on many-core machines.
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")
    import corpus_tool.build.journal as journal
    from corpus_tool.build.document import build_document

    journal.in_worker = True
    _apply_limits(limits)
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        conn.send(build_document(root, task))


# --- the parent side -----------------------------------------------------------------


@dataclass
class _Slot:
    process: Any
    conn: Connection
    task: Task | None = None
    started: float = 0.0


def run_in_workers(
    root: str,
    tasks: Sequence[Task],
    *,
    workers: int,
    limits: Limits,
    finished: Callable[[Task, Outcome], None],
) -> None:
    """Build ``tasks`` in up to ``workers`` processes; call ``finished`` for each, in this process."""
    ctx = mp.get_context("spawn")
    queue = deque(tasks)
    slots: list[_Slot] = []

    def start() -> _Slot:
        parent_end, child_end = ctx.Pipe(duplex=True)
        proc = ctx.Process(
            target=worker_main,
            args=(child_end, os.getpid(), root, limits),
            name="corpus-tool-build",
            daemon=True,
        )
        proc.start()
        child_end.close()
        return _Slot(proc, parent_end)

    def assign(slot: _Slot) -> bool:
        if not queue:
            return False
        slot.task = queue.popleft()
        slot.started = time.monotonic()
        try:
            slot.conn.send(slot.task)
        except OSError:
            return True  # the worker is gone; its sentinel reports it
        return True

    def retire(slot: _Slot, *, kill: bool) -> None:
        if kill and slot.process.is_alive():
            slot.process.kill()
        else:
            with contextlib.suppress(OSError):
                slot.conn.send(None)
        slot.process.join(5)
        if slot.process.is_alive():
            slot.process.kill()
            slot.process.join()
        slot.conn.close()
        slots.remove(slot)

    def replace(slot: _Slot) -> None:
        retire(slot, kill=True)
        if queue:
            fresh = start()
            slots.append(fresh)
            assign(fresh)

    try:
        for _ in range(min(workers, len(queue))):
            slot = start()
            slots.append(slot)
            assign(slot)
        while slots:
            busy = [s for s in slots if s.task is not None]
            if not busy:
                for slot in list(slots):
                    retire(slot, kill=False)
                break
            wait_for = _next_deadline(busy, limits.timeout)
            ready = wait(
                [s.conn for s in busy] + [s.process.sentinel for s in busy], timeout=wait_for
            )
            now = time.monotonic()
            for slot in busy:
                task = slot.task
                assert task is not None
                if slot.conn in ready:
                    try:
                        outcome = slot.conn.recv()
                    except (EOFError, OSError):
                        outcome = _died(task, slot.process, limits)
                        finished(task, outcome)
                        replace(slot)
                        continue
                    finished(task, outcome)
                    slot.task = None
                    if not assign(slot):
                        retire(slot, kill=False)
                elif slot.process.sentinel in ready:
                    slot.process.join()
                    finished(task, _died(task, slot.process, limits))
                    replace(slot)
                elif (
                    limits.timeout is not None and now - slot.started > limits.timeout + KILL_GRACE
                ):
                    finished(task, _timed_out(task, limits.timeout))
                    replace(slot)
    finally:
        for slot in list(slots):
            if slot.process.is_alive():
                slot.process.kill()
            slot.process.join()


def _next_deadline(busy: list[_Slot], timeout: float | None) -> float | None:
    if timeout is None:
        return None
    now = time.monotonic()
    return max(0.05, min(s.started + timeout + KILL_GRACE - now for s in busy))


def _timed_out(task: Task, timeout: float) -> Outcome:
    return Outcome(
        "failed",
        f"{task.path}: refused: took longer than the time limit of {timeout:g} s "
        "(raise it with --timeout)",
        clean=False,
    )


def _died(task: Task, process: Any, limits: Limits) -> Outcome:
    code = process.exitcode
    how = f"signal {-code}" if isinstance(code, int) and code < 0 else f"exit status {code}"
    hint = (
        f"; over the memory limit of {limits.memory_mb} MiB? (raise it with --memory-limit)"
        if limits.memory_mb is not None
        else ""
    )
    return Outcome(
        "failed",
        f"{task.path}: refused: the process reading it died ({how}){hint}",
        clean=False,
    )
