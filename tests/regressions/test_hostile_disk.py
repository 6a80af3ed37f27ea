"""Regressions: a read-only workspace, a full disk, a truncated index (issue 17, item 9).

``ingest`` (even with nothing changed), ``index --rebuild`` and ``tag`` ended in
a traceback on a read-only workspace or a full disk. The tests run as any user
(root ignores permissions), so the failure is injected: every attempt to
create or change a file under the workspace fails with the error the kernel
would give.
"""

from __future__ import annotations

import builtins
import errno
import io
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from corpus_tool.cli import main
from corpus_tool.index import forget
from corpus_tool.workspace import Workspace
from tests._search_helpers import make_workspace

LICENCE = (
    "Section 1. Grant.\n\n"
    "(a) The Licensor grants a free and open-source licence to use the Licensed Material.\n"
)

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


@pytest.fixture
def failing_writes(monkeypatch: pytest.MonkeyPatch):
    """``fail(root, code)``: from now on, writes under ``root`` raise OSError(code)."""

    def fail(root: Path, code: int) -> None:
        prefix = str(root)
        real_open, real_os_open = builtins.open, os.open
        real_unlink, real_replace, real_rename = os.unlink, os.replace, os.rename

        def under(path: object) -> bool:
            try:
                return os.path.abspath(os.fsdecode(path)).startswith(prefix)  # type: ignore[arg-type]
            except TypeError:
                return False

        def refuse(path: object) -> OSError:
            return OSError(code, os.strerror(code), os.fsdecode(path))  # type: ignore[arg-type]

        def fake_open(file, mode="r", *args, **kwargs):  # type: ignore[no-untyped-def]
            pathlike = isinstance(file, str | bytes | os.PathLike)
            if pathlike and under(file) and any(c in mode for c in "wax+"):
                raise refuse(file)
            return real_open(file, mode, *args, **kwargs)

        def fake_os_open(path, flags, *args, **kwargs):  # type: ignore[no-untyped-def]
            if flags & _WRITE_FLAGS and under(path):
                raise refuse(path)
            return real_os_open(path, flags, *args, **kwargs)

        def guarded(real):  # type: ignore[no-untyped-def]
            def fake(path, *args, **kwargs):  # type: ignore[no-untyped-def]
                if under(path):
                    raise refuse(path)
                return real(path, *args, **kwargs)

            return fake

        monkeypatch.setattr(builtins, "open", fake_open)
        monkeypatch.setattr(io, "open", fake_open)
        monkeypatch.setattr(os, "open", fake_os_open)
        monkeypatch.setattr(os, "unlink", guarded(real_unlink))
        monkeypatch.setattr(os, "replace", guarded(real_replace))
        monkeypatch.setattr(os, "rename", guarded(real_rename))
        monkeypatch.setattr(tempfile, "_os", os)

    return fail


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    ws = make_workspace(tmp_path / "ws")
    forget(ws)
    yield ws
    forget(ws)


def _run(ws: Workspace, capsys, *argv: str) -> tuple[int, str]:
    status = main(["-w", str(ws.root), *argv])
    forget(ws)
    return status, capsys.readouterr().err


def _assert_one_line(status: int, err: str, code: int) -> None:
    assert status == 2, err
    assert err.count("\n") == 1, err
    assert os.strerror(code) in err


@pytest.mark.parametrize("code", [errno.EROFS, errno.ENOSPC])
def test_ingest_unchanged_on_read_only_or_full_disk(ws, capsys, failing_writes, code) -> None:
    (ws.corpus_dir / "licence.txt").write_text(LICENCE, "utf-8")
    status, err = _run(ws, capsys, "ingest", "--jobs", "1")
    assert status == 0, err
    failing_writes(ws.root, code)
    status, err = _run(ws, capsys, "ingest", "--jobs", "1")
    assert "Traceback" not in err
    assert status in (0, 2), err
    if status == 2:
        _assert_one_line(status, err, code)


@pytest.mark.parametrize("code", [errno.EROFS, errno.ENOSPC])
def test_ingest_new_file_on_read_only_or_full_disk(ws, capsys, failing_writes, code) -> None:
    (ws.corpus_dir / "licence.txt").write_text(LICENCE, "utf-8")
    failing_writes(ws.root, code)
    status, err = _run(ws, capsys, "ingest", "--jobs", "1")
    assert status in (1, 2), err
    assert "Traceback" not in err
    assert os.strerror(code) in err


@pytest.mark.parametrize("code", [errno.EROFS, errno.ENOSPC])
def test_index_rebuild_on_read_only_or_full_disk(ws, capsys, failing_writes, code) -> None:
    failing_writes(ws.root, code)
    status, err = _run(ws, capsys, "index", "--rebuild")
    _assert_one_line(status, err, code)


@pytest.mark.parametrize("code", [errno.EROFS, errno.ENOSPC])
def test_tag_on_read_only_or_full_disk(ws, capsys, failing_writes, code) -> None:
    failing_writes(ws.root, code)
    status, err = _run(ws, capsys, "tag")
    _assert_one_line(status, err, code)


def test_truncated_toc_then_index_rebuild_works(ws, capsys) -> None:
    for toc in ws.index_dir.glob("_*.toc"):
        toc.write_bytes(toc.read_bytes()[:20])
    status, err = _run(ws, capsys, "index", "--rebuild")
    assert status == 0, err
    status, err = _run(ws, capsys, "search", "licence", "--json")
    assert status == 0, err
    assert "rebuilding" not in err  # the rebuilt index is trusted


def test_truncated_segment_gives_notice_not_traceback(ws, capsys) -> None:
    for seg in ws.index_dir.glob("*.seg"):
        seg.write_bytes(seg.read_bytes()[:100])
    status, err = _run(ws, capsys, "search", "licence", "--json")
    assert status == 0, err
    assert err.count("\n") == 1 and "rebuilding" in err
    status, err = _run(ws, capsys, "index", "--rebuild")
    assert status == 0, err
