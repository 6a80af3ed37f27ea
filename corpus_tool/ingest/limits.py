"""A cap on how far one compressed PDF stream may expand (a defence against Flate bombs).

pdfminer inflates a stream whole with ``zlib.decompress``: a 4 MB stream of
zeros becomes 4 GiB in memory before any check can look at it. After
:func:`cap_stream_size`, pdfminer's inflation stops at the cap and raises
:class:`StreamTooLarge` instead. It changes pdfminer for the whole process,
so the build calls it only in its worker processes.
"""

from __future__ import annotations

import zlib
from typing import Any


class StreamTooLarge(Exception):
    """A compressed stream that expands beyond the configured cap."""

    def __init__(self, cap: int) -> None:
        super().__init__(
            f"a compressed stream expands beyond the limit of {cap / 2**20:g} MiB "
            "(a decompression bomb?; raise it with --max-stream)"
        )
        self.cap = cap


class _CappedDecompressor:
    """``zlib.decompressobj()`` that refuses to produce more than ``cap`` bytes in all."""

    def __init__(self, cap: int, *args: Any) -> None:
        self._inner = zlib.decompressobj(*args)
        self._cap = cap
        self._produced = 0

    def decompress(self, data: bytes, max_length: int = 0) -> bytes:
        room = self._cap - self._produced + 1
        limit = room if max_length <= 0 else min(max_length, room)
        out = self._inner.decompress(data, limit)
        self._produced += len(out)
        if self._produced > self._cap:
            raise StreamTooLarge(self._cap)
        return out

    def flush(self, *args: Any) -> bytes:
        out = self._inner.flush(*args)
        self._produced += len(out)
        if self._produced > self._cap:
            raise StreamTooLarge(self._cap)
        return out

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class _CappedZlib:
    """The parts of the ``zlib`` module pdfminer uses, with every inflation capped."""

    error = zlib.error

    def __init__(self, cap: int) -> None:
        self.cap = cap

    def decompressobj(self, *args: Any) -> _CappedDecompressor:
        return _CappedDecompressor(self.cap, *args)

    def decompress(self, data: bytes, *args: Any) -> bytes:
        inflater = _CappedDecompressor(self.cap, *args)
        out = inflater.decompress(data)
        if inflater.unconsumed_tail:  # stopped at the cap with input left
            raise StreamTooLarge(self.cap)
        if not inflater.eof:
            # zlib.decompress insists on a complete stream; keep that behaviour
            # (pdfminer then tries its tolerant reader, which is capped too).
            raise zlib.error("Error -5 while decompressing data: incomplete or truncated stream")
        return out

    def __getattr__(self, name: str) -> Any:
        return getattr(zlib, name)


def cap_stream_size(max_bytes: int) -> None:
    """Make pdfminer refuse any stream that inflates to more than ``max_bytes``."""
    import pdfminer.pdftypes as pdftypes

    pdftypes.zlib = _CappedZlib(max_bytes)  # type: ignore[assignment]
