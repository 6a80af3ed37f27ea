"""The annotation commands as a script would use them."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from corpus_tool.annotations import AnnotationStore, tag_decisions
from corpus_tool.cli import main
from tests._annotations_helpers import tricky_workspace


def run(ws_root: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["-w", str(ws_root), *args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_annotate_list_show_delete(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ws = tricky_workspace(tmp_path / "ws")
    status, out, _ = run(
        ws.root,
        capsys,
        "annotate",
        "act-one",
        "art_3",
        "--label",
        "oss-exemption,condition",
        "--quote",
        "free and open-source licence",
        "--note",
        "core exemption",
        "--json",
    )
    assert status == 0
    created = json.loads(out)
    assert (
        created["labels"] == ["oss-exemption", "condition"] and created["author"] == "test-author"
    )
    assert created["quote"]["exact"] == "free and open-source licence"
    status, out, _ = run(
        ws.root, capsys, "annotate", "act-two.txt", "art_2", "-l", "obligation", "--author", "b"
    )
    assert status == 0 and out.split()[1:3] == ["act-two", "art_2"]

    status, out, _ = run(ws.root, capsys, "annotations", "list", "--json")
    listed = [json.loads(line) for line in out.splitlines()]
    assert listed[0]["id"] == created["id"] and len(listed) == 2
    status, out, _ = run(ws.root, capsys, "annotations", "list", "--author", "b", "--json")
    assert [json.loads(line)["provision_id"] for line in out.splitlines()] == ["art_2"]
    status, out, _ = run(ws.root, capsys, "annotations", "list")
    assert status == 0 and "2 annotations" in out

    status, out, _ = run(ws.root, capsys, "annotations", "show", created["id"][:9])
    assert status == 0 and "[free and open-source licence]" in out and "core exemption" in out

    status, out, _ = run(ws.root, capsys, "annotations", "delete", created["id"])
    assert status == 0 and out.startswith(f"deleted {created['id']}")
    assert [a.provision_id for a in AnnotationStore(ws).all()] == ["art_2"]
    # The history stays in the log.
    assert len((ws.annotations_dir / "events.jsonl").read_text().splitlines()) == 3


def test_errors_are_one_line_with_exit_status_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = tricky_workspace(tmp_path / "ws")
    status, _, err = run(ws.root, capsys, "annotate", "act-one", "art_3", "-l", "exempt")
    assert status == 2
    assert err.strip().splitlines() == [
        "corpus-tool: error: unknown label 'exempt'; the label scheme has: relevant, oss-exemption,"
        " carve-back, condition, obligation, definition, not-relevant, needs-review"
    ]
    status, _, err = run(ws.root, capsys, "annotations", "show", "ann_nothing")
    assert status == 2 and "no annotation 'ann_nothing'" in err


def test_review_reads_tag_ids_from_stdin(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = tricky_workspace(tmp_path / "ws")
    ids = "act-one:art_3:oss-exemption\nact-two:art_1:carve-back\n"
    monkeypatch.setattr("sys.stdin", io.StringIO(ids))
    status, out, _ = run(ws.root, capsys, "review", "reject", "-", "--note", "mention only")
    assert status == 0 and out.count("rejected ") == 2
    assert tag_decisions(ws) == {
        "act-one:art_3:oss-exemption": "reject",
        "act-two:art_1:carve-back": "reject",
    }
    status, out, err = run(
        ws.root, capsys, "review", "accept", "act-one:art_3:oss-exemption", "act-one:art_2:nope"
    )
    assert status == 1  # one of two failed
    assert "accepted act-one:art_3:oss-exemption" in out and "has no machine tag 'nope'" in err
