"""Signed index files read a verified chunk at a time, without a copy of the whole file.

Whoosh unpickles parts of its files, so no byte of an index file may reach it
before it is known to be what this installation signed (``corpus_tool.trust``).
Checking a file's signature means reading it whole; at a million provisions
that is 2.2 GiB at every start, and Whoosh then copied each part of each file
into memory as it opened it. Here a file is served to Whoosh as a
:class:`VerifiedFile`: every read is answered from chunks that were each read
once (``os.pread``, into memory of this process) and compared with their
SHA-256 digest before any of their bytes is returned. The digests come either
from reading the whole file and checking its signature in this process, or
from a record written when that was last done (``trust.load_chunk_digests``).
Bytes are never served from the file after their check (no memory map a writer
could change under us): the checked copy is what Whoosh reads.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Iterator
from typing import Any

from whoosh.filedb.structfile import StructFile

from corpus_tool.trust import CHUNK_DIGEST

_PEEK = 4096


class ChunkMismatch(Exception):
    """A chunk of a signed file does not match its digest (the file changed or is damaged)."""


class Chunks:
    """One open index file and the digests of its chunks; chunks read and checked on demand."""

    def __init__(
        self,
        fd: int,
        size: int,
        digests: bytes,
        chunk_bytes: int,
        on_mismatch: Callable[[], BaseException],
        name: str = "",
    ) -> None:
        shift = chunk_bytes.bit_length() - 1
        if 1 << shift != chunk_bytes or len(digests) != -(-size // chunk_bytes) * CHUNK_DIGEST:
            raise ValueError("chunk digests do not fit the file")
        self.shift = shift
        self.name = name
        self.fd = fd
        self.size = size
        self.digests = digests
        self.loaded: dict[int, bytes] = {}
        self._on_mismatch = on_mismatch
        self._lock = threading.Lock()
        self.closed = False

    def chunk(self, i: int) -> bytes:
        data = self.loaded.get(i)
        if data is not None:
            return data
        with self._lock:
            data = self.loaded.get(i)
            if data is None:
                data = self._read_checked(i)
                self.loaded[i] = data
        return data

    def _read_checked(self, i: int) -> bytes:
        if self.closed:
            # Never pread a closed descriptor: its number may belong to another file now.
            raise OSError(f"index file read after it was closed (chunk {i})")
        start = i << self.shift
        want = min(1 << self.shift, self.size - start)
        if want <= 0:
            raise self._on_mismatch()
        data = os.pread(self.fd, want, start)
        expected = self.digests[i * CHUNK_DIGEST : (i + 1) * CHUNK_DIGEST]
        if len(data) != want or hashlib.sha256(data).digest() != expected:
            raise self._on_mismatch()
        return data

    def read(self, start: int, end: int) -> bytes:
        """Bytes ``start:end`` of the file (each chunk checked before its first use)."""
        if end <= start:
            return b""
        shift = self.shift
        first, last = start >> shift, (end - 1) >> shift
        if first == last:
            base = first << shift
            return self.chunk(first)[start - base : end - base]
        parts = [self.chunk(first)[start - (first << shift) :]]
        parts.extend(self.chunk(i) for i in range(first + 1, last))
        parts.append(self.chunk(last)[: end - (last << shift)])
        return b"".join(parts)

    def close(self) -> None:
        with self._lock:
            if not self.closed:
                self.closed = True
                self.loaded = {}
                os.close(self.fd)


class VerifiedFile(StructFile):
    """A Whoosh ``StructFile`` over a range of a :class:`Chunks` file (the whole file, or a
    part of a compound segment file); reads go through the chunk checks, nothing else."""

    def __init__(self, chunks: Chunks, base: int, length: int, name: str, owner: bool) -> None:
        # StructFile's own readers (read_pickle, read_varint, ...) call self.file's
        # methods: this object is its own file. No ``fileno``: Whoosh must not mmap it.
        self.file = self
        self._chunks = chunks
        self._base = base
        self._length = length
        self._pos = 0
        self._name = name
        self._owner = owner
        self.onclose = None
        self.is_real = False
        self.is_closed = False

    # -- file protocol (what Whoosh and pickle call) --

    def read(self, n: int | None = -1) -> bytes:
        pos = self._pos
        end = self._length
        if n is not None and n >= 0 and pos + n < end:
            end = pos + n
        if end <= pos:
            return b""
        self._pos = end
        return self.get(pos, end - pos)

    def peek(self, n: int = 0) -> bytes:
        # pickle's C unpickler reads ahead through peek() when the file has one,
        # then read()s what it used: two calls per pickle instead of one per opcode.
        # It asks for 128 KiB; a Whoosh pickle (a block header, a stored entry) is
        # far shorter, and what a short peek misses it read()s.
        return self.get(self._pos, min(max(n, 1), _PEEK))

    def readinto(self, buf: Any) -> int:
        data = self.read(len(memoryview(buf)))
        memoryview(buf)[: len(data)] = data
        return len(data)

    def readline(self, limit: int | None = -1) -> bytes:
        out = bytearray()
        while limit is None or limit < 0 or len(out) < limit:
            step = 256 if limit is None or limit < 0 else min(256, limit - len(out))
            piece = self.read(step)
            if not piece:
                break
            cut = piece.find(b"\n")
            if cut >= 0:
                out += piece[: cut + 1]
                self._pos -= len(piece) - cut - 1
                break
            out += piece
        return bytes(out)

    def __iter__(self) -> Iterator[bytes]:
        while True:
            line = self.readline()
            if not line:
                return
            yield line

    def seek(self, offset: int, whence: int = 0) -> int:
        if whence == 1:
            offset += self._pos
        elif whence == 2:
            offset += self._length
        if offset < 0:
            raise ValueError(f"negative seek position {offset}")
        self._pos = offset
        return offset

    def tell(self) -> int:
        return self._pos

    def write(self, *args: Any, **kwargs: Any) -> Any:
        raise OSError(f"{self._name}: index files are opened read-only")

    def flush(self) -> None:
        return None

    def close(self) -> None:
        if self.is_closed:
            return
        self.is_closed = True
        if self._owner:
            self._chunks.close()

    # -- StructFile's positional reads (BufferFile's semantics: clamped to the end) --

    def get(self, position: int, length: int) -> bytes:
        start = self._base + position
        end = self._base + min(position + length, self._length)
        if end <= start:
            return b""
        chunks = self._chunks
        shift = chunks.shift
        i = start >> shift
        if i == (end - 1) >> shift:
            data = chunks.loaded.get(i)
            if data is None:
                data = chunks.chunk(i)
            base = i << shift
            return data[start - base : end - base]
        return self._chunks.read(start, end)

    def subset(self, position: int, length: int, name: str | None = None) -> VerifiedFile:
        return VerifiedFile(self._chunks, self._base + position, length, name or self._name, False)
