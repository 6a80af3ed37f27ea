"""Crash consistency of the build: a journal of the documents in flight, and fault-injection points.

Before a build writes anything for a document, its id goes into the journal
(``.corpus_tool/ingest/journal.json``, written atomically). The build then
writes in one order: extraction cache and bundle, index, ingest state; the
journal entry goes last. A kill at any instant therefore leaves every
document either consistent (old or new) or named in the journal, and the next
build treats a journaled document as changed: it is built again (from the
extraction cache when it holds the content) and its index entries are made
again from the store, so search never misses what ``docs`` lists.

``CORPUS_TOOL_CRASH_AT=step`` (or ``step:N`` for the N-th time the step is
reached) makes the process kill itself with SIGKILL right after that write
step, to test the above. Steps: ``journal``, ``extraction``, ``bundle``,
``remove``, ``resolve``, ``index``, ``state``.
"""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

from corpus_tool.workspace import Workspace, atomic_write_bytes

CRASH_ENV = "CORPUS_TOOL_CRASH_AT"
CRASH_STEPS = ("journal", "extraction", "bundle", "remove", "resolve", "index", "state")
_reached: dict[str, int] = {}
# Set in worker processes: a crash there stands for a kill of the whole ingest.
in_worker = False


def journal_path(ws: Workspace) -> Path:
    return ws.derived_dir / "ingest" / "journal.json"


def load_journal(ws: Workspace) -> set[str]:
    """Ids of documents whose bundle, index entries and state may disagree."""
    try:
        data = json.loads(journal_path(ws).read_text("utf-8"))
    except (OSError, ValueError):
        return set()
    ids = data.get("docs") if isinstance(data, dict) else None
    return {d for d in ids if isinstance(d, str)} if isinstance(ids, list) else set()


def save_journal(ws: Workspace, doc_ids: set[str]) -> None:
    path = journal_path(ws)
    if not doc_ids:
        path.unlink(missing_ok=True)
        return
    atomic_write_bytes(path, json.dumps({"docs": sorted(doc_ids)}, indent=1).encode("utf-8"))


def crash_point(step: str) -> None:
    """Kill this ingest here when ``CORPUS_TOOL_CRASH_AT`` names this step (tests only)."""
    spec = os.environ.get(CRASH_ENV)
    if not spec:
        return
    name, _, nth = spec.partition(":")
    if name != step:
        return
    _reached[step] = _reached.get(step, 0) + 1
    if _reached[step] < (int(nth) if nth.isdigit() else 1):
        return
    if in_worker:
        os.kill(os.getppid(), signal.SIGKILL)
    os.kill(os.getpid(), signal.SIGKILL)
