"""Saved searches live in the core (the annotation log) and the CLI lists, runs, renames and deletes them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _search_helpers import make_workspace

from corpus_tool.annotations import searches
from corpus_tool.cli import main
from corpus_tool.errors import StoreError
from corpus_tool.index import forget
from corpus_tool.workspace import Workspace


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    monkeypatch.setenv("CORPUS_TOOL_AUTHOR", "test-author")
    made = make_workspace(tmp_path / "ws")
    yield made
    forget(made)


def _cli(ws: Workspace, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    status = main(["-w", str(ws.root), *argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_saved_searches_are_events_in_the_annotation_log(ws: Workspace) -> None:
    searches.save_search(ws, "exemptions", "open source", filters={"tag": "oss-exemption"})
    searches.save_search(ws, "scope", "applies", dialect="westlaw")
    searches.save_search(ws, "exemptions", "free /s open")  # the same name replaces
    got = searches.saved_searches(ws)
    assert [(s.name, s.query, s.dialect) for s in got] == [
        ("scope", "applies", "westlaw"),
        ("exemptions", "free /s open", "lexis"),
    ]
    events = [json.loads(x) for x in (ws.annotations_dir / "events.jsonl").read_text().splitlines()]
    assert [e["event"] for e in events] == ["search-save"] * 3
    assert events[0]["search"] == {
        "name": "exemptions",
        "query": "open source",
        "dialect": "lexis",
        "filters": {"tag": "oss-exemption"},
    }
    assert events[0]["by"] == "test-author"


def test_searches_saved_in_the_old_file_still_load_as_lexis(ws: Workspace) -> None:
    old = {"searches": [{"name": "old", "query": "licen!", "filters": {"doc": "act-a"}}]}
    ws.annotations_dir.mkdir(parents=True, exist_ok=True)
    (ws.annotations_dir / "saved-searches.json").write_text(json.dumps(old))
    (only,) = searches.saved_searches(ws)
    assert (only.name, only.dialect, only.filters) == ("old", "lexis", {"doc": "act-a"})
    searches.rename_search(ws, "old", "licences")
    assert [s.name for s in searches.saved_searches(ws)] == ["licences"]
    (ws.annotations_dir / "saved-searches.json").write_text("{not json")
    with pytest.raises(StoreError, match=r"saved-searches\.json"):
        searches.saved_searches(ws)


def test_cli_saved_list_run_rename_delete(
    ws: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = _cli(ws, capsys, "saved", "list")
    assert status == 0 and "No saved searches" in out
    assert _cli(ws, capsys, "saved", "save", "lic", "licen!", "--doc", "act-a")[0] == 0
    searches.save_search(ws, "third", '"third parties"')
    status, out, _ = _cli(ws, capsys, "saved", "list", "--json")
    listed = [json.loads(line) for line in out.splitlines()]
    assert [s["name"] for s in listed] == ["lic", "third"]
    assert listed[0] == {
        "name": "lic",
        "query": "licen!",
        "dialect": "lexis",
        "filters": {"doc": "act-a"},
    }

    status, out, _ = _cli(ws, capsys, "saved", "run", "lic", "--json", "--limit", "0")
    run = [json.loads(line) for line in out.splitlines()]
    status2, direct, _ = _cli(
        ws, capsys, "search", "licen!", "--doc", "act-a", "--json", "--limit", "0"
    )
    assert status == status2 == 0
    assert run == [json.loads(line) for line in direct.splitlines()] and run
    assert {h["doc_id"] for h in run} == {"act-a"}

    assert _cli(ws, capsys, "saved", "rename", "third", "parties")[0] == 0
    status, out, _ = _cli(ws, capsys, "saved", "run", "parties", "--json")
    assert status == 0 and [json.loads(x)["id"] for x in out.splitlines()] == ["art_25__para_4"]
    status, _, err = _cli(ws, capsys, "saved", "rename", "parties", "lic")
    assert status == 2 and "already named 'lic'" in err

    assert _cli(ws, capsys, "saved", "delete", "lic")[0] == 0
    assert [s.name for s in searches.saved_searches(ws)] == ["parties"]
    status, _, err = _cli(ws, capsys, "saved", "run", "lic")
    assert status == 2 and err.count("\n") == 1 and "no saved search 'lic'" in err
    assert "Traceback" not in err


def test_history_is_kept_by_the_core(ws: Workspace) -> None:
    searches.save_history(ws, [f"q{n}" for n in range(searches.HISTORY_LIMIT + 5)])
    history = searches.load_history(ws)
    assert (
        len(history) == searches.HISTORY_LIMIT and history[-1] == f"q{searches.HISTORY_LIMIT + 4}"
    )
