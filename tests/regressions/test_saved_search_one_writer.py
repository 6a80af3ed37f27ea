"""Regression (issue 13): two writers of ``search-save`` events checked different things.

``AnnotationStore.save_search`` wrote a search with no query or an unknown filter
that ``annotations.searches.save_search`` refused; now the latter calls the former.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corpus_tool.annotations import AnnotationStore, searches
from corpus_tool.errors import StoreError
from corpus_tool.workspace import Workspace


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    monkeypatch.setenv("CORPUS_TOOL_AUTHOR", "tester")
    workspace = Workspace(tmp_path / "ws")
    workspace.ensure()
    return workspace


def _search_events(ws: Workspace) -> list[dict]:
    lines = (ws.annotations_dir / "events.jsonl").read_text("utf-8").splitlines()
    return [e for e in map(json.loads, lines) if e["event"] == "search-save"]


def test_both_names_write_the_same_event(ws: Workspace) -> None:
    store = AnnotationStore(ws)
    store.save_search("a", "open source", filters={"tag": "oss-exemption", "doc": None})
    searches.save_search(ws, "b", "open source", filters={"tag": "oss-exemption", "doc": None})
    first, second = (e["search"] for e in _search_events(ws))
    assert {**first, "name": "b"} == second
    assert first["filters"] == {"tag": "oss-exemption"}  # an empty filter is not kept
    assert [s.name for s in searches.saved_searches(ws)] == ["a", "b"]
    assert list(store.saved_searches()) == ["a", "b"]


@pytest.mark.parametrize(
    ("name", "query", "filters", "message"),
    [
        ("  ", "x", None, "needs a name"),
        ("empty", "   ", None, "needs a query"),
        ("odd", "x", {"colour": "red"}, "unknown filter colour"),
    ],
)
def test_both_names_refuse_the_same_bad_search(
    ws: Workspace, name: str, query: str, filters: dict | None, message: str
) -> None:
    with pytest.raises(StoreError, match=message):
        AnnotationStore(ws).save_search(name, query, filters=filters)
    with pytest.raises(StoreError, match=message):
        searches.save_search(ws, name, query, filters=filters)
    assert not (ws.annotations_dir / "events.jsonl").exists()
