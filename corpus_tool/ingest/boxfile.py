"""Arrays of character boxes kept in a temporary file: what an extraction holds instead of RAM.

A PDF's clean text carries one box per character (page and four coordinates,
18 bytes a character: 72 MB for 1,000 pages), and the build keeps that
Document from extraction through the check, segmentation and tagging. The
segmenter reads only a box per line and the cache writer reads the arrays
once, in order, so the values wait in an anonymous temporary file and are read
back with ``os.pread`` a block at a time: the process's memory holds a block
and the unwritten tail, whatever the page count. (Reading with ``pread``
rather than mapping the file keeps the pages read out of the process's
resident set; the kernel's page cache keeps them as long as memory allows.)

:class:`SpilledArray` answers the part of ``array.array``'s interface the
boxes are used through (length, index, slices, iteration, equality, append,
extend, deleting the tail, ``tobytes``); a pickle or copy of it is a plain
``array``, so a Document sent to another process carries its values.
"""

from __future__ import annotations

import os
import tempfile
from array import array
from collections.abc import Iterable, Iterator
from typing import Any

# Items read from the file at a time, and kept as the one cached block: the
# segmenter reads the boxes of line starts in document order, so nearly every
# read after the first of a block is a hit.
BLOCK = 16_384
# Items gathered in memory before they are written out.
FLUSH = 65_536


class SpilledArray:
    """An append-mostly ``array.array`` of one type code whose values live in a temporary file."""

    __slots__ = ("_block", "_block_start", "_fd", "_file", "_flushed", "_tail", "typecode")

    def __init__(self, typecode: str, values: Iterable[Any] = ()) -> None:
        self.typecode = typecode
        # Closed when this array is collected (TemporaryFile's own finaliser).
        self._file = tempfile.TemporaryFile(prefix="corpus-tool-boxes-")  # noqa: SIM115
        self._fd = self._file.fileno()
        self._flushed = 0  # items in the file
        self._tail = array(typecode)  # items after them, not yet written
        self._block = array(typecode)
        self._block_start = -1
        self.extend(values)

    @property
    def itemsize(self) -> int:
        return self._tail.itemsize

    # --- writing -------------------------------------------------------------------

    def append(self, value: Any) -> None:
        self._tail.append(value)
        if len(self._tail) >= FLUSH:
            self._flush()

    def extend(self, values: Iterable[Any]) -> None:
        self._tail.extend(values if isinstance(values, array) else array(self.typecode, values))
        if len(self._tail) >= FLUSH:
            self._flush()

    def _flush(self) -> None:
        data = memoryview(self._tail).cast("B")
        offset = self._flushed * self.itemsize
        while data:
            written = os.pwrite(self._fd, data, offset)
            data, offset = data[written:], offset + written
        self._flushed += len(self._tail)
        self._tail = array(self.typecode)

    def __delitem__(self, key: slice) -> None:
        """Only ``del a[n:]``: forget the values from ``n`` on (a line-end hyphen joined)."""
        if not isinstance(key, slice) or key.step not in (None, 1) or key.stop is not None:
            raise TypeError("a SpilledArray can only drop its tail: del a[n:]")
        start = key.indices(len(self))[0]
        if start >= self._flushed:
            del self._tail[start - self._flushed :]
            return
        self._tail = array(self.typecode)
        self._flushed = start
        os.ftruncate(self._fd, start * self.itemsize)
        self._block, self._block_start = array(self.typecode), -1

    # --- reading -------------------------------------------------------------------

    def __len__(self) -> int:
        return self._flushed + len(self._tail)

    def _read(self, start: int, stop: int) -> array:
        """Items ``[start, stop)`` of the file part as an array (0 <= start <= stop <= flushed)."""
        out = array(self.typecode)
        size = (stop - start) * self.itemsize
        offset = start * self.itemsize
        while size > 0:
            chunk = os.pread(self._fd, size, offset)
            if not chunk:
                raise OSError(f"temporary box file ended early at byte {offset}")
            out.frombytes(chunk)
            size -= len(chunk)
            offset += len(chunk)
        return out

    def __getitem__(self, key: int | slice) -> Any:
        n = len(self)
        if isinstance(key, slice):
            start, stop, step = key.indices(n)
            if step != 1:
                return self[start:stop][::step] if stop > start else array(self.typecode)
            return self._slice(start, max(stop, start))
        i = key + n if key < 0 else key
        if not 0 <= i < n:
            raise IndexError("array index out of range")
        if i >= self._flushed:
            return self._tail[i - self._flushed]
        offset = i - self._block_start
        if self._block_start < 0 or not 0 <= offset < len(self._block):
            self._block_start = i - i % BLOCK
            self._block = self._read(
                self._block_start, min(self._block_start + BLOCK, self._flushed)
            )
            offset = i - self._block_start
        return self._block[offset]

    def _slice(self, start: int, stop: int) -> array:
        flushed = self._flushed
        if start >= flushed:
            return self._tail[start - flushed : stop - flushed]
        out = self._read(start, min(stop, flushed))
        if stop > flushed:
            out.extend(self._tail[: stop - flushed])
        return out

    def chunks(self, size: int = BLOCK) -> Iterator[array]:
        """The values in order, ``size`` at a time."""
        for start in range(0, len(self), size):
            yield self._slice(start, min(start + size, len(self)))

    def __iter__(self) -> Iterator[Any]:
        for chunk in self.chunks():
            yield from chunk

    def tobytes(self) -> bytes:
        return self._slice(0, len(self)).tobytes()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, (array, SpilledArray)):
            return NotImplemented
        if len(self) != len(other):
            return False
        for start in range(0, len(self), FLUSH):
            stop = min(start + FLUSH, len(self))
            if self._slice(start, stop) != other[start:stop]:
                return False
        return True

    __hash__ = None  # type: ignore[assignment]  # mutable, as array is

    def __reduce__(self) -> tuple[Any, ...]:
        # A copy or pickle (a Document sent to a worker) is a plain array of the values.
        return (array, (self.typecode, self._slice(0, len(self))))

    def __repr__(self) -> str:
        return f"SpilledArray({self.typecode!r}, {len(self)} items)"

    def close(self) -> None:
        self._file.close()
