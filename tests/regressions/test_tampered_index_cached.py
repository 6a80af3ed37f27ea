"""Regression: an index file changed after a process recorded its chunks is still refused.

A freshly started process no longer reads every index file whole against its
signature: it uses the chunk digests recorded (and MACed) in the user's
configuration folder the last time the file was read whole, and checks each
chunk as it is first read (``corpus_tool.index.verified``). Someone who can
write the workspace but not the key may change a byte and restore the file's
mtime; the changed chunk must still be refused before anything of it is
unpickled, at open, at the first query and later, and the index rebuilt with
the one-line notice.
"""

from __future__ import annotations

import builtins
import contextlib
import hashlib
import hmac
import json
import os
import pickle
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest

from corpus_tool import trust
from corpus_tool.cli import main
from corpus_tool.index import forget, search, searching, store
from corpus_tool.index.verified import Chunks, VerifiedFile
from tests._search_helpers import make_workspace

SMALL_CHUNK = 4096


class _Payload:
    """Unpickling this creates ``marker``: proof that code ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self) -> tuple:
        return (builtins.open, (self.marker, "w"))


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Records for every file and many chunks per test segment, as at scale."""
    monkeypatch.setattr(trust, "CHUNK_BYTES", SMALL_CHUNK)
    monkeypatch.setattr(store, "RECORD_MIN_BYTES", 0)


def _records() -> list[Path]:
    folder = trust.config_dir() / trust.VERIFIED_DIR
    return sorted(folder.glob("*.json")) if folder.is_dir() else []


def _search_from_the_shell(ws, capsys):  # type: ignore[no-untyped-def]
    """``corpus-tool search licence --json`` on ``ws`` after a tampering: what it printed."""
    capsys.readouterr()
    assert main(["-w", str(ws.root), "search", "licence", "--json"]) == 0
    forget(ws)
    return capsys.readouterr()


@contextlib.contextmanager
def _files_read_whole() -> Iterator[list[str]]:
    """The names of the index files read whole (against their signature) inside the block."""
    names: list[str] = []
    real = trust.sign_fd_chunks

    def spy(key: bytes, name: str, fd: int, chunk_bytes: int) -> tuple[str, bytes]:
        names.append(name)
        return real(key, name, fd, chunk_bytes)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(trust, "sign_fd_chunks", spy)
        yield names


def _warm(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A workspace whose index files were read whole once, so their chunks are recorded."""
    ws = make_workspace(tmp_path / "ws")
    forget(ws)
    assert search(ws, "licence").total > 0
    forget(ws)
    segs = sorted(p for p in ws.index_dir.iterdir() if p.suffix == ".seg")
    assert segs
    names = {json.loads(p.read_text())["name"] for p in _records()}
    assert {p.name for p in segs} <= names, "the first open recorded no chunks"
    return ws, segs


def _rewrite_keeping_times(path: Path, at: int, data: bytes) -> None:
    st = path.stat()
    with open(path, "r+b") as fh:
        fh.seek(at)
        fh.write(data)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size
    assert path.stat().st_mtime_ns == st.st_mtime_ns


def test_record_is_used_and_an_unchanged_index_opens_without_notice(
    tmp_path: Path, small_chunks: None, capsys: pytest.CaptureFixture[str]
) -> None:
    ws, _segs = _warm(tmp_path)
    with _files_read_whole() as calls:
        capsys.readouterr()
        assert main(["-w", str(ws.root), "search", "licence", "--json"]) == 0
        forget(ws)
    assert "rebuil" not in capsys.readouterr().err
    # only files without a record (the small TOC: below the size of a record) read whole
    assert not [n for n in calls if n.endswith(".seg")], calls


def test_records_are_written_when_the_index_is_signed(tmp_path: Path, small_chunks: None) -> None:
    """The writer records each new file's chunk digests from the read that signs it,
    so the first process after a build reads no index file whole again."""
    ws = make_workspace(tmp_path / "ws")
    forget(ws)
    segs = sorted(p for p in ws.index_dir.iterdir() if p.suffix == ".seg")
    assert segs
    signed = store.read_signatures(ws.index_dir)
    key = trust.load_key(create=False)
    assert key is not None
    for seg in segs:
        data = seg.read_bytes()
        digests = trust.load_chunk_digests(
            key, ws.index_dir, seg.name, signed[seg.name], len(data), SMALL_CHUNK
        )
        assert digests is not None, f"{seg.name}: no record written when it was signed"
        chunks = [data[i : i + SMALL_CHUNK] for i in range(0, len(data), SMALL_CHUNK)]
        assert digests == b"".join(hashlib.sha256(c).digest() for c in chunks)
    with _files_read_whole() as read_whole:
        assert search(ws, "licence").total > 0
        forget(ws)
    assert not [n for n in read_whole if n.endswith(".seg")], read_whole


def test_changed_byte_with_mtime_restored_is_refused_at_first_query(
    tmp_path: Path, small_chunks: None, capsys: pytest.CaptureFixture[str]
) -> None:
    ws, _segs = _warm(tmp_path)
    # Which chunks a new process reads when it opens the index, and which only
    # when it searches: change a byte in one of the latter.
    phase = ["open"]
    reads: dict[str, set[tuple[str, int]]] = {"open": set(), "search": set()}
    real = Chunks._read_checked

    def spy(self: Chunks, i: int) -> bytes:
        reads[phase[0]].add((self.name, i))
        return real(self, i)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Chunks, "_read_checked", spy)
        searching._searcher(ws)
        phase[0] = "search"
        assert search(ws, "licence").total > 0
        forget(ws)
    later = sorted(
        (name, i) for name, i in reads["search"] - reads["open"] if name.endswith(".seg")
    )
    assert later, "a search read no chunk beyond those read at open"
    name, i = later[len(later) // 2]
    seg = ws.index_dir / name
    at = i * SMALL_CHUNK + 7
    original = seg.read_bytes()[at : at + 1]
    _rewrite_keeping_times(seg, at, bytes([original[0] ^ 0xFF]))
    captured = _search_from_the_shell(ws, capsys)
    assert "rebuil" in captured.err
    assert "does not match its signature" in captured.err
    assert len(captured.err.strip().splitlines()) == 1
    assert '"doc_id"' in captured.out


def test_crafted_segment_directory_runs_no_code_with_a_cached_record(
    tmp_path: Path, small_chunks: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """The compound segment's directory is a pickle read at open: replace it with a payload."""
    ws, segs = _warm(tmp_path)
    marker = tmp_path / "pwned"
    seg = segs[0]
    head = seg.read_bytes()[:12]
    (diroffset,) = struct.unpack("!q", head[:8])
    payload = pickle.dumps(_Payload(marker))
    assert diroffset + len(payload) <= seg.stat().st_size
    _rewrite_keeping_times(seg, diroffset, payload)
    capsys.readouterr()
    assert main(["-w", str(ws.root), "search", "licence", "--json"]) == 0
    forget(ws)
    assert not marker.exists(), "the crafted segment directory's pickle ran"
    captured = capsys.readouterr()
    assert "rebuil" in captured.err
    assert '"doc_id"' in captured.out


def test_forged_record_is_not_trusted(
    tmp_path: Path, small_chunks: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """A record whose digests describe changed bytes but whose MAC is not ours is ignored."""
    ws, segs = _warm(tmp_path)
    seg = segs[0]
    size = seg.stat().st_size
    at = size // 2
    data = bytearray(seg.read_bytes())
    data[at] ^= 0xFF
    _rewrite_keeping_times(seg, 0, bytes(data))
    for path in _records():
        record = json.loads(path.read_text())
        if record["name"] != seg.name:
            continue
        chunks = [bytes(data[i : i + SMALL_CHUNK]) for i in range(0, len(data), SMALL_CHUNK)]
        record["digests"] = b"".join(hashlib.sha256(c).digest() for c in chunks).hex()
        body = {k: v for k, v in record.items() if k != "mac"}
        record["mac"] = hmac.new(
            b"not the user's key", json.dumps(body, sort_keys=True).encode(), hashlib.sha256
        ).hexdigest()
        path.write_text(json.dumps(record))
    captured = _search_from_the_shell(ws, capsys)
    assert "rebuil" in captured.err
    assert '"doc_id"' in captured.out


def test_changed_chunk_is_never_returned(
    tmp_path: Path, small_chunks: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At the file level: clean chunks are served, the changed one raises before any byte of it
    is returned, and its record is dropped so the next open reads the file whole."""
    ws, segs = _warm(tmp_path)
    seg = segs[0]
    st = store.SignedStorage(ws.index_dir, trust.load_key(create=False))
    f = st.open_file(seg.name)
    assert isinstance(f, VerifiedFile)
    clean = seg.read_bytes()
    bad_chunk = (len(clean) // 2) // SMALL_CHUNK
    at = bad_chunk * SMALL_CHUNK + 10
    _rewrite_keeping_times(seg, at, bytes([clean[at] ^ 0xFF]))
    assert f.get(0, 100) == clean[:100]  # an unchanged chunk is served
    with pytest.raises(store.UntrustedIndexError, match="does not match its signature"):
        f.get(at - 5, 20)
    with pytest.raises(store.UntrustedIndexError):
        f.seek(at)
        pickle.load(f)
    f.close()
    assert seg.name not in {json.loads(p.read_text())["name"] for p in _records()}
    fresh = store.SignedStorage(ws.index_dir, trust.load_key(create=False))
    with pytest.raises(store.UntrustedIndexError):
        fresh.open_file(seg.name)  # read whole against the signature again
    forget(ws)


def test_verified_file_reads_as_the_file_does(tmp_path: Path, small_chunks: None) -> None:
    """Reads across chunk edges, seeks, lines and pickles give the file's own bytes."""
    ws, segs = _warm(tmp_path)
    seg = segs[0]
    raw = seg.read_bytes()
    st = store.SignedStorage(ws.index_dir, trust.load_key(create=False))
    f = st.open_file(seg.name)
    n = len(raw)
    for start, length in [(0, 1), (SMALL_CHUNK - 3, 10), (5, 3 * SMALL_CHUNK), (n - 7, 50)]:
        assert f.get(start, length) == raw[start : start + length]
    f.seek(SMALL_CHUNK - 2)
    assert f.read(5) == raw[SMALL_CHUNK - 2 : SMALL_CHUNK + 3]
    assert f.tell() == SMALL_CHUNK + 3
    f.seek(-4, 2)
    assert f.read() == raw[-4:]
    sub = f.subset(100, 2 * SMALL_CHUNK)
    assert sub.get(0, 2 * SMALL_CHUNK + 50) == raw[100 : 100 + 2 * SMALL_CHUNK]
    sub.seek(SMALL_CHUNK)
    rest = raw[100 + SMALL_CHUNK : 100 + 2 * SMALL_CHUNK]
    cut = rest.find(b"\n")
    assert sub.readline() == (rest[: cut + 1] if cut >= 0 else rest)
    sub.close()
    f.close()
    forget(ws)


def test_a_part_read_after_its_file_was_closed_is_an_os_error(
    tmp_path: Path, small_chunks: None
) -> None:
    """A reader left over from an old generation must not pread a reused descriptor."""
    ws, segs = _warm(tmp_path)
    st = store.SignedStorage(ws.index_dir, trust.load_key(create=False))
    f = st.open_file(segs[0].name)
    sub = f.subset(0, 3 * SMALL_CHUNK)
    f.close()
    with pytest.raises(OSError):
        sub.get(2 * SMALL_CHUNK, 10)
    forget(ws)


def test_segment_parts_are_views_of_the_verified_file(tmp_path: Path, small_chunks: None) -> None:
    """Whoosh neither maps nor copies a signed segment: its parts read through the chunks."""
    ws, _segs = _warm(tmp_path)
    opened = searching._searcher(ws)
    for sub, _offset in opened.searcher.leaf_searchers():
        terms = sub.reader()._terms  # a part of the compound segment file
        assert isinstance(terms._dbfile, VerifiedFile)
    forget(ws)
