"""Regressions: ``corpus-tool export`` to a target it must not replace.

Exporting to ``/dev/full``, a FIFO or a symlink used to report success and put
a new regular file in place of the target; every export was created mode 0600.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from corpus_tool.cli import main
from corpus_tool.index import forget
from tests._search_helpers import make_workspace

FORMATS = ["csv", "jsonl", "markdown", "html", "jsonld"]


@pytest.fixture
def ws_root(tmp_path: Path) -> Path:
    ws = make_workspace(tmp_path / "ws")
    forget(ws)
    return ws.root


def _export(root: Path, target: Path | str, fmt: str, capsys) -> tuple[int, str]:
    status = main(["-w", str(root), "export", str(target), "--format", fmt, "--all"])
    forget_all(root)
    return status, capsys.readouterr().err


def forget_all(root: Path) -> None:
    from corpus_tool.workspace import Workspace

    forget(Workspace(root))


@pytest.fixture
def dev_full(tmp_path: Path) -> Path:
    """/dev/full itself, or (as root, who could replace the real one) a twin node in tmp."""
    if os.geteuid() != 0:
        if not Path("/dev/full").exists():
            pytest.skip("no /dev/full on this system")
        return Path("/dev/full")
    twin = tmp_path / "full"
    try:
        os.mknod(twin, 0o666 | stat.S_IFCHR, os.makedev(1, 7))
    except OSError as exc:
        pytest.skip(f"cannot make a /dev/full twin here ({exc.strerror})")
    return twin


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_to_dev_full_is_refused(ws_root: Path, dev_full: Path, fmt: str, capsys) -> None:
    before = os.stat(dev_full)
    status, err = _export(ws_root, dev_full, fmt, capsys)
    assert status == 2, err
    assert err.count("\n") == 1 and str(dev_full) in err
    after = os.stat(dev_full)
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev


def test_export_to_fifo_is_refused(ws_root: Path, tmp_path: Path, capsys) -> None:
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    status, err = _export(ws_root, fifo, "csv", capsys)
    assert status == 2, err
    assert str(fifo) in err
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_export_to_directory_is_refused(ws_root: Path, tmp_path: Path, capsys) -> None:
    folder = tmp_path / "out.csv"
    folder.mkdir()
    status, err = _export(ws_root, folder, "csv", capsys)
    assert status == 2, err
    assert folder.is_dir() and list(folder.iterdir()) == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_to_symlink_is_refused_and_target_untouched(
    ws_root: Path, tmp_path: Path, fmt: str, capsys
) -> None:
    real = tmp_path / "precious.txt"
    real.write_text("keep me\n")
    link = tmp_path / "link.out"
    link.symlink_to(real)
    status, err = _export(ws_root, link, fmt, capsys)
    assert status == 2, err
    assert err.count("\n") == 1 and str(link) in err
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text() == "keep me\n"


def test_export_follows_the_umask(ws_root: Path, tmp_path: Path, capsys) -> None:
    old = os.umask(0o022)
    try:
        target = tmp_path / "out.csv"
        status, err = _export(ws_root, target, "csv", capsys)
    finally:
        os.umask(old)
    assert status == 0, err
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_export_replaces_a_regular_file_atomically(ws_root: Path, tmp_path: Path, capsys) -> None:
    target = tmp_path / "out.jsonl"
    target.write_text("old\n")
    os.chmod(target, 0o640)
    status, err = _export(ws_root, target, "jsonl", capsys)
    assert status == 0, err
    assert target.read_text().startswith('{"record":"corpus-tool-export"')
    assert stat.S_IMODE(target.stat().st_mode) == 0o640  # the file's own mode is kept
