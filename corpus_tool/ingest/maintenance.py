"""Workspace-level checks over what ingest stored (``corpus-tool check``)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from corpus_tool.errors import StoreError
from corpus_tool.ingest.check import CheckResult, compare_document
from corpus_tool.ingest.document import file_sha256
from corpus_tool.ingest.pipeline import load_removed, load_state
from corpus_tool.workspace import Workspace


def check_workspace(ws: Workspace, docs: Sequence[str] | None = None) -> list[CheckResult]:
    """Compare every ingested PDF (or the named ones) with pypdfium2's reading of it.

    Uses the cached clean text and the source file; when the source has moved
    or changed, the result recorded at ingest time is shown instead.
    """
    state = load_state(ws)
    bundles = [ws.find_doc(d) for d in docs] if docs else list(ws.bundles())
    results: list[CheckResult] = []
    for bundle in bundles:
        meta = bundle.meta
        if meta.media_type != "application/pdf":
            continue
        source = Path(meta.source)
        recorded = state["docs"].get(meta.doc_id, {}).get("check")
        doc = ws.load_extraction(meta.sha256)
        if doc is not None and source.is_file() and file_sha256(source) == meta.sha256:
            results.append(compare_document(source, doc, load_removed(ws, meta.sha256)))
        elif recorded:
            results.append(CheckResult.from_dict(recorded))
        else:
            raise StoreError(
                f"{meta.file}: cannot check: the source {source} is gone or changed; run 'corpus-tool ingest'"
            )
    return results
