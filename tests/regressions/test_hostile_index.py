"""Regression: a crafted index received with a shared workspace must run no code.

Whoosh pickles its schema into the table-of-contents file. A workspace that
arrived from someone else may carry an ``.corpus_tool/index`` whose TOC file
unpickles to a call of the attacker's choosing. The tool must never open an
index it did not sign, and must rebuild it from the stored provisions.
"""

from __future__ import annotations

import builtins
import pickle
from pathlib import Path

import pytest

from corpus_tool.cli import main
from corpus_tool.index import forget
from tests._search_helpers import make_workspace


class _Payload:
    """Unpickling this creates ``marker``: proof that code ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self) -> tuple:
        return (builtins.open, (self.marker, "w"))


def _plant_crafted_toc(index_dir: Path, marker: Path, generation: int = 99) -> Path:
    """Write a TOC file of a newer generation whose pickled schema is the payload."""
    from whoosh.filedb.filestore import FileStorage
    from whoosh.index import _CURRENT_TOC_VERSION, _FLOAT_SIZE, _INT_SIZE, _LONG_SIZE

    from corpus_tool.index.store import INDEX_NAME

    st = FileStorage(str(index_dir))
    name = f"_{INDEX_NAME}_{generation}.toc"  # the name the current index format reads
    stream = st.create_file(name)
    stream.write_varint(_INT_SIZE)
    stream.write_varint(_LONG_SIZE)
    stream.write_varint(_FLOAT_SIZE)
    stream.write_int(-12345)
    stream.write_int(_CURRENT_TOC_VERSION)
    for n in (2, 7, 5):
        stream.write_varint(n)
    stream.write_string(pickle.dumps(_Payload(marker)))
    stream.write_int(generation)
    stream.write_int(0)
    stream.write_pickle([])
    stream.close()
    return index_dir / name


@pytest.fixture
def crafted(tmp_path: Path) -> tuple[Path, Path]:
    ws = make_workspace(tmp_path / "ws")
    forget(ws)
    marker = tmp_path / "pwned"
    _plant_crafted_toc(ws.index_dir, marker)
    return ws.root, marker


def test_crafted_toc_runs_no_code_in_search(crafted, capsys) -> None:
    root, marker = crafted
    status = main(["-w", str(root), "search", "licence", "--json"])
    forget_root(root)
    assert not marker.exists(), "the crafted TOC's pickle ran"
    assert status == 0
    captured = capsys.readouterr()
    assert '"doc_id"' in captured.out  # searched the rebuilt index
    assert "rebuil" in captured.err  # with a one-line notice


def test_crafted_toc_runs_no_code_in_annotate(crafted, capsys) -> None:
    root, marker = crafted
    status = main(["-w", str(root), "annotate", "act-a", "art_53__para_2", "--label", "carve-back"])
    forget_root(root)
    assert not marker.exists(), "the crafted TOC's pickle ran"
    assert status == 0, capsys.readouterr().err


def test_crafted_toc_runs_no_code_in_index_rebuild(crafted, capsys) -> None:
    root, marker = crafted
    status = main(["-w", str(root), "index", "--rebuild"])
    forget_root(root)
    assert not marker.exists(), "the crafted TOC's pickle ran"
    assert status == 0, capsys.readouterr().err
    status = main(["-w", str(root), "search", "licence", "--json"])
    forget_root(root)
    assert not marker.exists()
    assert status == 0


def test_tampered_segment_is_not_read(tmp_path: Path, capsys) -> None:
    """Changing any byte of a signed index file makes the tool rebuild, not read it."""
    ws = make_workspace(tmp_path / "ws")
    forget(ws)
    segs = [p for p in ws.index_dir.iterdir() if p.suffix == ".seg"]
    assert segs
    data = bytearray(segs[0].read_bytes())
    data[len(data) // 2] ^= 0xFF
    segs[0].write_bytes(bytes(data))
    status = main(["-w", str(ws.root), "search", "licence", "--json"])
    forget(ws)
    captured = capsys.readouterr()
    assert status == 0, captured.err
    assert "rebuil" in captured.err
    assert '"doc_id"' in captured.out


def test_own_index_opens_without_notice(tmp_path: Path, capsys) -> None:
    ws = make_workspace(tmp_path / "ws")
    forget(ws)
    capsys.readouterr()
    assert main(["-w", str(ws.root), "search", "licence", "--json"]) == 0
    forget(ws)
    assert "rebuil" not in capsys.readouterr().err


def forget_root(root: Path) -> None:
    from corpus_tool.workspace import Workspace

    forget(Workspace(root))
