"""The scale corpora of the search and index benchmarks: real provisions, replicated.

``search_bench.py`` and ``index_bench.py`` each keep their own folders under
``benchmarks/_work`` (``scale-N`` and ``index-scale-N``) so the two scripts never
fight over one, but build them the same way, here.
"""

from __future__ import annotations

import dataclasses
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from corpus_tool.workspace import DocBundle, Workspace  # noqa: E402

WORK = HERE / "_work"


def source_workspace(arg: str | None) -> Workspace:
    """The given workspace, else ../shared/corpus ingested once into _work/source."""
    if arg:
        return Workspace(arg)
    ws = Workspace(WORK / "source")
    if not ws.doc_ids():
        from corpus_tool.build import ingest

        ws.ensure()
        ingest(ws, [HERE.parent.parent / "shared" / "corpus"])
    return ws


def renamed(
    bundle: DocBundle, doc_id: str, room: int | None = None, *, tags: bool = True
) -> DocBundle:
    """``bundle`` under another doc id (at most ``room`` searchable provisions; tags kept or not)."""
    provisions = []
    for p in bundle.provisions:
        if p.searchable and room is not None:
            if room == 0:
                continue
            room -= 1
        provisions.append(dataclasses.replace(p, doc_id=doc_id))
    return DocBundle(
        dataclasses.replace(bundle.meta, doc_id=doc_id),
        tuple(provisions),
        bundle.tags if tags else (),
    )


def scale_workspace(source: list[DocBundle], size: int, folder: str, *, tags: bool) -> Workspace:
    """A workspace of ``size`` searchable provisions under _work/``folder``, built once."""
    ws = Workspace(WORK / folder)
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
            copy = renamed(bundle, f"{bundle.meta.doc_id}-r{replica}", size - count, tags=tags)
            ws.save_bundle(copy)
            count += sum(1 for p in copy.provisions if p.searchable)
        replica += 1
    marker.write_text("ok")
    return ws
