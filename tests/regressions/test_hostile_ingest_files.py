"""Regressions: corpus files of unusual encodings, sizes, names and links (issue 17, item 9).

UTF-16 text with a BOM was refused as "binary"; a text too long for spaCy
failed with its internal E088 message; file names of 250 bytes or not valid
UTF-8 failed on a temporary file; a symlink in ``corpus/`` to a file outside it
(``/etc/passwd``) was ingested without a word.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from corpus_tool.cli import main
from corpus_tool.index import forget
from corpus_tool.workspace import Workspace

LICENCE = (
    "Section 1. Definitions.\n\n"
    "(a) Licensed Material means the model weights and the software under this licence.\n\n"
    "Section 2. Grant.\n\n"
    "(a) The Licensor grants a free and open-source licence to use the Licensed Material.\n"
)


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    ws = Workspace(tmp_path / "ws")
    ws.ensure()
    yield ws
    forget(ws)


def _ingest(ws: Workspace, capsys, *paths: str) -> tuple[int, str, str]:
    status = main(["-w", str(ws.root), "ingest", "--jobs", "1", *paths])
    forget(ws)
    out, err = capsys.readouterr()
    return status, out, err


def _docs(ws: Workspace, capsys) -> list[dict]:
    assert main(["-w", str(ws.root), "docs", "--json"]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32", "utf-32-be"])
def test_text_with_bom_is_decoded(ws, capsys, encoding) -> None:
    raw = LICENCE.encode(encoding)
    if encoding.endswith("-be"):  # the codec without an explicit order writes no BOM
        raw = ("\ufeff" + LICENCE).encode(encoding)
    (ws.corpus_dir / "licence.txt").write_bytes(raw)
    status, _out, err = _ingest(ws, capsys)
    assert status == 0, err
    assert main(["-w", str(ws.root), "search", "grants", "--json"]) == 0
    forget(ws)
    hits = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert hits and "free and open-source licence" in hits[0]["snippet"].replace("«", "").replace(
        "»", ""
    )


def test_text_too_long_for_spacy_is_split_not_refused(ws, capsys) -> None:
    # One paragraph of ~1.1 million characters: above spaCy's default max_length.
    sentence = "The Licensor grants a free and open-source licence to everyone. "
    body = sentence * (1_100_000 // len(sentence) + 1)
    (ws.corpus_dir / "huge.txt").write_text("Section 1. Grant.\n\n" + body + "\n", "utf-8")
    status, _out, err = _ingest(ws, capsys)
    assert status == 0, err
    assert "E088" not in err
    assert [d["doc_id"] for d in _docs(ws, capsys)] == ["huge"]


def test_file_name_of_250_bytes(ws, capsys) -> None:
    name = "a" * 246 + ".txt"
    (ws.corpus_dir / name).write_text(LICENCE, "utf-8")
    status, _out, err = _ingest(ws, capsys)
    assert status == 0, err
    docs = _docs(ws, capsys)
    assert len(docs) == 1 and docs[0]["file"] == name
    assert len(docs[0]["doc_id"]) <= 128


def test_file_name_not_valid_utf8(ws, capsys) -> None:
    raw_name = b"licence-caf\xe9.txt"
    with open(os.path.join(os.fsencode(ws.corpus_dir), raw_name), "wb") as fh:
        fh.write(LICENCE.encode("utf-8"))
    status, _out, err = _ingest(ws, capsys)
    assert status == 0, err
    docs = _docs(ws, capsys)
    assert len(docs) == 1


def test_symlink_out_of_corpus_is_skipped_with_a_warning(ws, capsys, tmp_path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text(LICENCE.replace("Licensor", "Secretkeeper"), "utf-8")
    (ws.corpus_dir / "link.txt").symlink_to(secret)
    (ws.corpus_dir / "own.txt").write_text(LICENCE, "utf-8")
    status, _out, err = _ingest(ws, capsys)
    assert status == 0, err
    flat = err.replace("\n", "")  # Rich wraps long paths at the console width
    assert "link.txt" in flat and "outside" in flat
    assert [d["doc_id"] for d in _docs(ws, capsys)] == ["own"]


def test_symlink_named_explicitly_is_ingested(ws, capsys, tmp_path) -> None:
    secret = tmp_path / "elsewhere.txt"
    secret.write_text(LICENCE, "utf-8")
    link = ws.corpus_dir / "link.txt"
    link.symlink_to(secret)
    status, _out, err = _ingest(ws, capsys, str(link))
    assert status == 0, err
    assert [d["doc_id"] for d in _docs(ws, capsys)] == ["link"]
