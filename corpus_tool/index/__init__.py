"""The full-text index of provisions and its search (terms and connectors), behind one API.

A Whoosh index under ``.corpus_tool/index`` holds one entry per searchable
provision of the stored DocBundles. Never open an index folder from an
untrusted source: Whoosh stores Python pickles in it. It can always be rebuilt
from the bundles with ``rebuild_index`` (``corpus-tool index --rebuild``).
"""

from __future__ import annotations

from corpus_tool.index.searching import FACETS, SORTS, SearchResult, forget, search
from corpus_tool.index.store import INDEX_FORMAT, rebuild_index, update_index
from corpus_tool.query import validate_query

__all__ = [
    "FACETS",
    "INDEX_FORMAT",
    "SORTS",
    "SearchResult",
    "forget",
    "rebuild_index",
    "search",
    "update_index",
    "validate_query",
]
