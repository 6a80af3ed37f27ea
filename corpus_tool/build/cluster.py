"""Per-document builds on a Dask distributed cluster; the results are stored where the workspace is.

A cluster's workers need not see the workspace. Each task carries the file's
bytes; the worker builds the document with the one code path
(:func:`~corpus_tool.build.document.build_document`) into a scratch workspace
of its own and sends back the stored files (extraction, bundle, removed
lines) as bytes with the small :class:`Outcome`. This process writes them into
the workspace, pointing the document back at its own file, and the build goes
on as it does with local workers (references, index, state), under the same
journal, so a kill of this process at any instant is finished by the next run.

A worker that dies mid-document (killed, out of memory) loses nothing: the
scheduler gives its task to another worker, and a document is stored only
when its one result arrives here, so it is stored once and whole.

The cluster is trusted infrastructure: Dask moves pickles between the client,
the scheduler and the workers. Only point ``--cluster`` at a scheduler your
team runs.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from corpus_tool.build.document import Outcome, Task
from corpus_tool.errors import CorpusToolError
from corpus_tool.workspace import DERIVED_DIR, Workspace, atomic_write_bytes

CLUSTER_ENV = "CORPUS_TOOL_CLUSTER"


def cluster_address(option: str | None, config: dict[str, Any] | None = None) -> str | None:
    """``--cluster``, then $CORPUS_TOOL_CLUSTER, then ``[ingest] cluster`` of the config."""
    if option:
        return option
    env = os.environ.get(CLUSTER_ENV, "").strip()
    if env:
        return env
    section = (config or {}).get("ingest")
    value = section.get("cluster") if isinstance(section, dict) else None
    return value.strip() if isinstance(value, str) and value.strip() else None


def _distributed() -> Any:
    try:
        import distributed
    except ImportError as exc:
        raise CorpusToolError(
            "ingest on a cluster needs the 'team' extra: pip install 'corpus-tool[team]'"
        ) from exc
    return distributed


def remote_build(name: str, data: bytes, task: Task, max_stream_mb: int | None) -> dict[str, Any]:
    """Run on a worker: build one document in a scratch workspace; return the outcome and its files."""
    from corpus_tool.build.document import build_document

    if max_stream_mb is not None:
        from corpus_tool.ingest.limits import cap_stream_size

        cap_stream_size(max_stream_mb << 20)
    scratch = Path(tempfile.mkdtemp(prefix="corpus-tool-remote-"))
    try:
        source = scratch / "corpus" / name
        source.parent.mkdir(parents=True)
        source.write_bytes(data)
        local = dataclasses.replace(task, path=str(source), from_cache=False, recorded_check=None)
        outcome = build_document(str(scratch), local)
        files: dict[str, bytes] = {}
        derived = scratch / DERIVED_DIR
        if derived.is_dir():
            for path in sorted(derived.rglob("*")):
                if path.is_file() and not path.name.startswith("."):
                    files[path.relative_to(scratch).as_posix()] = path.read_bytes()
        message = outcome.message.replace(str(source), task.path)
        outcome = dataclasses.replace(outcome, message=message)
        return {"outcome": dataclasses.asdict(outcome), "files": files}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _store_files(ws: Workspace, task: Task, files: dict[str, bytes]) -> None:
    """Write a worker's derived files into the workspace; nothing outside its derived folder."""
    from corpus_tool.ingest.pipeline import relocate

    for rel, data in files.items():
        parts = PurePosixPath(rel).parts
        if (
            not parts
            or parts[0] != DERIVED_DIR
            or ".." in parts
            or PurePosixPath(rel).is_absolute()
        ):
            raise CorpusToolError(f"{task.path}: a worker sent a file outside the workspace: {rel}")
        atomic_write_bytes(ws.root.joinpath(*parts), data)
    # The worker built from a scratch copy: point the document back at its own file.
    doc = ws.load_extraction(task.sha256)
    if doc is not None:
        ws.save_extraction(relocate(doc, Path(task.path), task.doc_id))
    bundle = ws.load_bundle(task.doc_id)
    if bundle is not None and doc is not None:
        meta = relocate(doc, Path(task.path), task.doc_id).meta
        ws.save_bundle(dataclasses.replace(bundle, meta=meta))


def run_on_cluster(
    ws: Workspace,
    tasks: Sequence[Task],
    address: str,
    *,
    max_stream_mb: int | None,
    finished: Callable[[Task, Outcome], None],
) -> None:
    """Build ``tasks`` on the cluster at ``address``; store and report each as it arrives."""
    distributed = _distributed()
    try:
        client = distributed.Client(address, timeout="10s")
    except (OSError, TimeoutError) as exc:
        raise CorpusToolError(f"cannot reach the Dask scheduler at {address}: {exc}") from exc
    try:
        futures = {}
        for task in tasks:
            try:
                data = Path(task.path).read_bytes()
            except OSError as exc:
                finished(task, Outcome("failed", f"{task.path}: cannot read ({exc.strerror})"))
                continue
            future = client.submit(
                remote_build,
                Path(task.path).name,
                data,
                task,
                max_stream_mb,
                key=f"corpus-tool-build-{task.doc_id}-{task.sha256[:16]}",
                pure=False,
            )
            futures[future] = task
        for future in distributed.as_completed(list(futures)):
            task = futures[future]
            try:
                result = future.result()
            except Exception as exc:  # the task failed on every worker it was given to
                reason = f"{type(exc).__name__}: {exc}".strip()
                finished(task, Outcome("failed", f"{task.path}: failed on the cluster ({reason})"))
                continue
            outcome = Outcome(**result["outcome"])
            outcome = dataclasses.replace(outcome, warnings=tuple(outcome.warnings))
            try:
                _store_files(ws, task, result["files"])
            except CorpusToolError as exc:
                outcome = Outcome("failed", str(exc))
            finished(task, outcome)
    finally:
        client.close()
