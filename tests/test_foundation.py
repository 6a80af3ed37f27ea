"""The shared data model, the workspace store and the CLI shell."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from array import array
from pathlib import Path

import pytest

from corpus_tool.cli import main
from corpus_tool.errors import StoreError
from corpus_tool.model import (
    Box,
    CharBoxes,
    Document,
    DocumentMeta,
    Evidence,
    Footnote,
    PageInfo,
    Provision,
    Reference,
    Tag,
    from_dict,
    to_dict,
)
from corpus_tool.workspace import (
    DocBundle,
    Workspace,
    atomic_write_bytes,
    doc_id_for,
    resolve_workspace,
)


def _meta(doc_id: str = "reg-1") -> DocumentMeta:
    return DocumentMeta(
        file=f"{doc_id}.pdf",
        doc_id=doc_id,
        sha256="ab" * 32,
        title="Regulation on widgets",
        family="eu-regulation",
        jurisdiction="EU",
        date="2024-07-12",
        citation="Regulation (EU) 2099/1",
        eli="",
        pages=2,
    )


def _provision(pid: str, text: str, order: int) -> Provision:
    return Provision(
        file="reg-1.pdf",
        doc_id="reg-1",
        id=pid,
        citation=pid,
        kind="paragraph",
        parent="art_1",
        heading="Scope",
        path=("Article 1", pid),
        pages=(1, 2),
        start=0,
        end=len(text),
        text=text,
        order=order,
        footnotes=(Footnote("1", "OJ C 1.", 1, 3),),
        refs=(Reference("paragraph 2", 5, 16, target="art_1__para_2"),),
    )


def test_document_round_trips_through_json_with_char_boxes() -> None:
    boxes = CharBoxes()
    for i, _ch in enumerate("Hi\nyou"):
        boxes.append(Box(1 if i < 3 else 2, float(i), 10.0, float(i) + 5, 20.0))
    doc = Document(
        meta=_meta(),
        text="Hi\nyou",
        pages=(PageInfo(1, 595.0, 842.0, 0, 3), PageInfo(2, 595.0, 842.0, 3, 6)),
        footnotes=(Footnote("1", "A note.", 2, None),),
        boxes=boxes,
        warnings=("w",),
    )
    back = from_dict(Document, json.loads(json.dumps(to_dict(doc))))
    assert back == doc
    assert back.boxes is not None and back.boxes.locate(4) == Box(2, 4.0, 10.0, 9.0, 20.0)
    assert back.page_at(1) == 1 and back.page_at(5) == 2
    assert back.boxes.pages_of(1, 5) == (1, 2)


def test_char_boxes_clamp_offsets_and_plain_text_pages() -> None:
    boxes = CharBoxes(
        array("H", [3]), array("f", [1]), array("f", [2]), array("f", [3]), array("f", [4])
    )
    assert boxes.locate(99).page == 3 and boxes.locate(-5).page == 3
    doc = Document(meta=_meta(), text="abc", pages=(PageInfo(1, 0, 0, 0, 3),))
    assert doc.page_at(2) == 1


def test_bundle_round_trip_and_lookup(tmp_path: Path) -> None:
    ws = Workspace(tmp_path)
    ws.ensure()
    prov = _provision("art_1__para_1", "This paragraph 2 applies.", 1)
    tag = Tag("reg-1", prov.id, "oss-mention", (Evidence(0, 4, "This", "mention"),), "r:v1", 0.5)
    ws.save_bundle(DocBundle(_meta(), (prov,), (tag,)))
    assert ws.doc_ids() == ["reg-1"]
    found = ws.find_doc("reg-1.pdf")
    assert found.provision("art_1__para_1") == prov
    assert found.tags[0].tag_id == "reg-1:art_1__para_1:oss-mention"
    with pytest.raises(StoreError, match="no document 'nope'"):
        ws.find_doc("nope")


def test_corrupt_bundle_is_a_clear_error_not_a_traceback(tmp_path: Path) -> None:
    ws = Workspace(tmp_path)
    ws.ensure()
    ws.bundle_path("bad").write_bytes(b"not gzip at all")
    with pytest.raises(StoreError, match="unreadable"):
        ws.load_bundle("bad")


def test_bundle_of_another_format_is_ignored(tmp_path: Path) -> None:
    ws = Workspace(tmp_path)
    ws.ensure()
    ws.bundle_path("old").write_bytes(gzip.compress(json.dumps({"format": -1}).encode()))
    assert ws.load_bundle("old") is None


def test_atomic_write_replaces_whole_file_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "f.bin"
    atomic_write_bytes(target, b"one")
    atomic_write_bytes(target, b"two")
    assert target.read_bytes() == b"two"
    assert [p.name for p in target.parent.iterdir()] == ["f.bin"]


def test_doc_ids_are_stable_slugs() -> None:
    assert doc_id_for("/x/eu-ai-act-2024-1689.pdf") == "eu-ai-act-2024-1689"
    assert doc_id_for("Llama 3.1 Community License.txt") == "llama-3.1-community-license"
    assert doc_id_for("!!!.pdf") == "document"


def test_workspace_resolution_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert resolve_workspace() == tmp_path.resolve()
    monkeypatch.setenv("CORPUS_TOOL_WORKSPACE", str(tmp_path / "env"))
    assert resolve_workspace() == (tmp_path / "env").resolve()
    assert resolve_workspace(tmp_path / "arg") == (tmp_path / "arg").resolve()


def test_cli_without_command_prints_help_and_fails(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "usage: corpus-tool" in capsys.readouterr().out


def test_cli_reports_store_errors_in_one_line(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    (ws / ".corpus_tool" / "docs").mkdir(parents=True)
    (ws / ".corpus_tool" / "docs" / "x.json.gz").write_bytes(b"garbage")
    env = {**os.environ, "CORPUS_TOOL_WORKSPACE": str(ws)}
    out = subprocess.run(
        [sys.executable, "-m", "corpus_tool", "show", "x", "art_1"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert out.returncode == 2, out.stderr
    assert "Traceback" not in out.stderr
    assert out.stderr.startswith("corpus-tool: error:") and "x.json.gz" in out.stderr
