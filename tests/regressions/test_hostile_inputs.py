"""Regressions: files a workspace holds are read defensively (issue 17, item 9).

A ``corpus-tool.toml`` or ``labels.toml`` in Latin-1, and ``events.jsonl``
lines that are valid JSON with the wrong types, used to end in a traceback;
an event of a future kind was dropped without a word.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corpus_tool.cli import main
from corpus_tool.index import forget
from corpus_tool.workspace import Workspace
from tests._search_helpers import make_workspace


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    ws = make_workspace(tmp_path / "ws")
    forget(ws)
    yield ws
    forget(ws)


def _run(ws: Workspace, capsys, *argv: str) -> tuple[int, str, str]:
    status = main(["-w", str(ws.root), *argv])
    forget(ws)
    out, err = capsys.readouterr()
    return status, out, err


def test_config_in_latin1_gives_one_line_error(ws, capsys, monkeypatch) -> None:
    monkeypatch.delenv("CORPUS_TOOL_AUTHOR")
    config = ws.root / "corpus-tool.toml"
    config.write_bytes('[annotations]\nauthor = "Müller"\n'.encode("latin-1"))
    status, _out, err = _run(
        ws, capsys, "annotate", "act-a", "art_53__para_2", "--label", "carve-back"
    )
    assert status == 2, err
    assert err.count("\n") == 1 and str(config) in err


def test_label_scheme_in_latin1_gives_one_line_error(ws, capsys) -> None:
    labels = ws.root / "labels.toml"
    labels.write_bytes(
        '[labels.frei]\nkey = "f"\ncolour = "#112233"\ndescription = "Gebühr"\n'.encode("latin-1")
    )
    status, _out, err = _run(ws, capsys, "annotations", "labels")
    assert status == 2, err
    assert err.count("\n") == 1 and str(labels) in err


def _event(created: object = "2026-11-25T10:00:00.000Z", note: object = "", **extra) -> dict:
    annotation = {
        "id": extra.pop("id", "ann_0000000000000001"),
        "author": "A",
        "created": created,
        "modified": "2026-11-25T10:00:00.000Z",
        "file": "act-a.pdf",
        "doc_id": "act-a",
        "sha256": "0" * 64,
        "provision_id": "art_53__para_2",
        "labels": ["carve-back"],
        "note": note,
    }
    return {"event": "create", "at": "2026-11-25T10:00:00.000Z", "annotation": annotation, **extra}


@pytest.fixture
def bad_log(ws: Workspace) -> Path:
    log = ws.annotations_dir / "events.jsonl"
    lines = [
        _event(),  # line 1: good
        _event(created=None, id="ann_0000000000000002"),  # line 2: created null
        _event(note=5, id="ann_0000000000000003"),  # line 3: note is a number
        {"v": 2, "event": "merge", "at": "2026-11-25T10:00:00.000Z"},  # line 4: future kind
        {**_event(id="ann_0000000000000004"), "v": 3},  # line 5: future version
        {"event": "delete", "id": 7},  # line 6: delete with a numeric id
    ]
    log.write_text("".join(json.dumps(x) + "\n" for x in lines), "utf-8")
    return log


@pytest.mark.parametrize(
    "argv",
    [
        ("annotations", "list"),
        ("annotations", "check"),
        ("export", "{tmp}/out.csv", "--all"),
        ("export", "{tmp}/out.jsonl", "--all"),
    ],
)
def test_event_lines_with_wrong_types_are_skipped_with_a_warning(
    ws, bad_log, capsys, tmp_path, argv
) -> None:
    argv = tuple(a.replace("{tmp}", str(tmp_path)) for a in argv)
    status, out, err = _run(ws, capsys, *argv)
    assert status == 0, err
    for line in (2, 3, 6):
        assert f"events.jsonl:{line}:" in err, err
    assert "ann_0000000000000002" not in out and "ann_0000000000000003" not in out


def test_future_event_kinds_are_warned_not_silently_dropped(ws, bad_log, capsys) -> None:
    status, _out, err = _run(ws, capsys, "annotations", "check")
    assert status == 0, err
    assert "events.jsonl:4:" in err and "merge" in err
    assert "events.jsonl:5:" in err
    assert bad_log.read_text("utf-8").count("\n") == 6  # the lines are kept


def test_good_event_still_read_among_bad_ones(ws, bad_log, capsys) -> None:
    status, out, err = _run(ws, capsys, "annotations", "list", "--json")
    assert status == 0, err
    ids = [json.loads(line)["id"] for line in out.splitlines()]
    assert ids == ["ann_0000000000000001"]


@pytest.mark.parametrize("payload", [[1, 2], {"format": 1, "meta": 5}, {"format": 1}])
def test_stored_bundle_of_the_wrong_shape_gives_one_line_error(ws, capsys, payload) -> None:
    """A received workspace's .corpus_tool/docs is plain JSON, but not necessarily ours."""
    import gzip

    (ws.docs_dir / "zz-odd.json.gz").write_bytes(gzip.compress(json.dumps(payload).encode()))
    status, _out, err = _run(ws, capsys, "provisions", "--doc", "zz-odd")
    assert status == 2, err
    assert err.count("\n") == 1 and "zz-odd.json.gz" in err
