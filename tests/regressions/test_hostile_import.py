"""Regressions: ``corpus-tool import`` of a hostile or malformed JSON Lines file.

Each case starts from a genuine export, damages it the way the outside test
did, and checks: exit status 2, one line on stderr naming the file, and nothing
written (inside the workspace or outside it).
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
def export_lines(tmp_path: Path) -> list[dict]:
    ws = make_workspace(tmp_path / "src")
    assert (
        main(["-w", str(ws.root), "annotate", "act-a", "art_53__para_2", "--label", "carve-back"])
        == 0
    )
    out = tmp_path / "all.jsonl"
    assert main(["-w", str(ws.root), "export", str(out), "--format", "jsonl", "--all"]) == 0
    forget(ws)
    return [json.loads(line) for line in out.read_text("utf-8").splitlines()]


def _write(tmp_path: Path, records: list[dict] | bytes) -> Path:
    path = tmp_path / "crafted.jsonl"
    if isinstance(records, bytes):
        path.write_bytes(records)
    else:
        path.write_text("".join(json.dumps(r) + "\n" for r in records), "utf-8")
    return path


def _import(tmp_path: Path, path: Path, capsys) -> tuple[int, str, Workspace]:
    dest = Workspace(tmp_path / "dest")
    dest.root.mkdir(exist_ok=True)
    status = main(["-w", str(dest.root), "import", str(path)])
    forget(dest)
    return status, capsys.readouterr().err, dest


def _assert_refused(status: int, err: str, dest: Workspace, path: Path) -> None:
    assert status == 2, err
    assert err.count("\n") == 1, err
    assert str(path) in err
    assert dest.doc_ids() == []
    assert not (dest.root / "annotations" / "events.jsonl").exists()
    assert not (dest.root / "labels.toml").exists()


def _with_doc_id(records: list[dict], doc_id: str) -> list[dict]:
    text = json.dumps(records)
    old = records[2]["meta"]["doc_id"]
    return json.loads(text.replace(json.dumps(old), json.dumps(doc_id)))


def test_import_doc_id_absolute_path_writes_nothing_outside(
    tmp_path: Path, export_lines, capsys
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    target = outside / "x"
    path = _write(tmp_path, _with_doc_id(export_lines, str(target)))
    status, err, dest = _import(tmp_path, path, capsys)
    assert list(outside.iterdir()) == []
    _assert_refused(status, err, dest, path)


def test_import_doc_id_dotdot_writes_nothing_outside(tmp_path: Path, export_lines, capsys) -> None:
    path = _write(tmp_path, _with_doc_id(export_lines, "../../x"))
    status, err, dest = _import(tmp_path, path, capsys)
    assert not (tmp_path / "x.json.gz").exists()
    assert not (dest.root / "x.json.gz").exists()
    _assert_refused(status, err, dest, path)


def test_import_300_character_doc_id(tmp_path: Path, export_lines, capsys) -> None:
    path = _write(tmp_path, _with_doc_id(export_lines, "a" * 300))
    _assert_refused(*_import(tmp_path, path, capsys), path)


def test_import_deep_json(tmp_path: Path, export_lines, capsys) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    raw = b"".join(json.dumps(r).encode() + b"\n" for r in export_lines[:2]) + deep + b"\n"
    path = _write(tmp_path, raw)
    _assert_refused(*_import(tmp_path, path, capsys), path)


def test_import_non_utf8_byte(tmp_path: Path, export_lines, capsys) -> None:
    raw = b"".join(json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in export_lines)
    raw = raw.replace(b"licence", b"licen\xe7e", 1)
    path = _write(tmp_path, raw)
    _assert_refused(*_import(tmp_path, path, capsys), path)


def test_import_nul_byte(tmp_path: Path, export_lines, capsys) -> None:
    raw = b"".join(json.dumps(r).encode() + b"\n" for r in export_lines)
    raw = raw.replace(b"licence", b"lic\x00ence", 1)
    path = _write(tmp_path, raw)
    _assert_refused(*_import(tmp_path, path, capsys), path)


def test_import_escaped_nul_in_doc_id(tmp_path: Path, export_lines, capsys) -> None:
    path = _write(tmp_path, _with_doc_id(export_lines, "act\x00a"))
    _assert_refused(*_import(tmp_path, path, capsys), path)


def test_import_string_order(tmp_path: Path, export_lines, capsys) -> None:
    records = [dict(r) for r in export_lines]
    first = next(r for r in records if r["record"] == "provision")
    first["provision"] = {**first["provision"], "order": "3"}
    path = _write(tmp_path, records)
    _assert_refused(*_import(tmp_path, path, capsys), path)


def test_import_non_string_text(tmp_path: Path, export_lines, capsys) -> None:
    records = [dict(r) for r in export_lines]
    first = next(r for r in records if r["record"] == "provision")
    first["provision"] = {**first["provision"], "text": 5}
    path = _write(tmp_path, records)
    _assert_refused(*_import(tmp_path, path, capsys), path)


def test_import_zero_documents(tmp_path: Path, export_lines, capsys) -> None:
    path = _write(tmp_path, export_lines[:2])
    _assert_refused(*_import(tmp_path, path, capsys), path)


def test_import_invalid_label_scheme_is_not_written(tmp_path: Path, export_lines, capsys) -> None:
    records = [dict(r) for r in export_lines]
    records[1] = {
        "record": "label-scheme",
        "labels": [{"name": "x", "key": "too long", "colour": "red", "description": ""}],
    }
    path = _write(tmp_path, records)
    _assert_refused(*_import(tmp_path, path, capsys), path)


def test_import_bad_last_record_writes_nothing(tmp_path: Path, export_lines, capsys) -> None:
    """All or nothing: an error on the last line leaves the workspace untouched."""
    records = [*export_lines, {"record": "annotation", "annotation": {"id": 5}}]
    path = _write(tmp_path, records)
    _assert_refused(*_import(tmp_path, path, capsys), path)


def test_import_conflicting_duplicate_provision_ids(tmp_path: Path, export_lines, capsys) -> None:
    records = [dict(r) for r in export_lines]
    i = next(i for i, r in enumerate(records) if r["record"] == "provision")
    twin = json.loads(json.dumps(records[i]))
    twin["provision"]["text"] = "something else entirely"
    records.insert(i + 1, twin)
    path = _write(tmp_path, records)
    _assert_refused(*_import(tmp_path, path, capsys), path)


def test_import_duplicate_lines_reported_honestly(tmp_path: Path, export_lines, capsys) -> None:
    records = [dict(r) for r in export_lines]
    i = next(i for i, r in enumerate(records) if r["record"] == "provision" and r["annotations"])
    records.insert(i + 1, records[i])
    path = _write(tmp_path, records)
    dest = Workspace(tmp_path / "dest")
    dest.root.mkdir()
    status = main(["-w", str(dest.root), "import", str(path)])
    forget(dest)
    out, err = capsys.readouterr()
    assert status == 0, err
    provisions = sum(1 for r in export_lines if r["record"] == "provision")
    annotations = sum(len(r["annotations"]) for r in export_lines if r["record"] == "provision")
    assert f"{provisions} provisions" in out
    assert f"{annotations} annotations" in out
    assert "1 duplicate" in out + err


def test_import_into_workspace_with_linked_docs_folder_writes_nothing_outside(
    tmp_path: Path, export_lines, capsys
) -> None:
    """A received workspace whose .corpus_tool/docs links elsewhere must not write there."""
    outside = tmp_path / "outside"
    outside.mkdir()
    dest = Workspace(tmp_path / "dest")
    (dest.root / ".corpus_tool").mkdir(parents=True)
    (dest.root / ".corpus_tool" / "docs").symlink_to(outside, target_is_directory=True)
    path = _write(tmp_path, export_lines)
    status = main(["-w", str(dest.root), "import", str(path)])
    forget(dest)
    err = capsys.readouterr().err
    assert status == 2, err
    assert err.count("\n") == 1 and "outside the workspace" in err
    assert list(outside.iterdir()) == []
    assert not (dest.root / "annotations" / "events.jsonl").exists()
