"""The full-text index behind corpus_tool (issue 4 fills this in).

Contract: ``update_index(ws, bundles, removed=())`` brings the index in step
with the given document bundles (replacing each document's entries);
``search(ws, query, ...) -> SearchResult``.
"""

from __future__ import annotations

from collections.abc import Iterable

from corpus_tool.workspace import DocBundle, Workspace


def update_index(ws: Workspace, bundles: Iterable[DocBundle], removed: Iterable[str] = ()) -> None:
    """Not yet built: the index arrives with issue 4."""
