"""Whoosh posting blocks and position values decoded in bulk with numpy.

Whoosh (format ``whoosh3``) stores a word's postings in blocks of up to 128: a
pickled (protocol 2), usually zlib-compressed tuple of the gaps between entry
numbers, the weights, and one encoded value per entry. Under protocol 2 each
value (a bytes object) is pickled as a call ``_codecs.encode(str, "latin1")``,
so ``pickle.loads`` of a block makes ~4 objects and one call per posting: 97 %
of the time of reading a common word's postings, and seconds on the first use
of a common word at a million provisions. Here only the small numeric part of
each block is unpickled; the values are located in the pickle's bytes for all
blocks of a word at once (a fixed number of array operations over the joined
blocks, checked as a chain), and ``decode_positions`` reads the positions of
the entries a query needs, all at once (one round of array operations per
position of the longest entry). Anything not in the expected layout falls back,
block by block or entry by entry, to ``pickle.loads`` as Whoosh reads it, so
the result is always Whoosh's.

Only files of an index this installation signed are read (``store.SignedStorage``):
unpickling runs code, and these bytes come from the same verified files.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from itertools import chain
from pickle import loads
from typing import Any

import numpy as np

_INT_SIZE = 4


class LayoutError(Exception):
    """Postings not in a layout this module reads (the caller reads them as Whoosh does)."""


# Whoosh's Positions value: the count as a 4-byte big-endian int, then the gaps
# between positions pickled (protocol 2) as a list: "\x80\x02" "]" "q\x00", then
# one gap "K"/"M"/"J" + 1/2/4 bytes followed by "a" (append), or "(" gaps "e"
# (appends, in batches of 1,000), and "." (which may have been dropped).
_HEADER = np.frombuffer(b"\x80\x02]q\x00", dtype=np.uint8)
_K, _M, _J = ord("K"), ord("M"), ord("J")
_MARK, _APPEND, _APPENDS, _STOP = ord("("), ord("a"), ord("e"), ord(".")
# Entries with more positions than this are unpickled one by one: stepping all
# entries together costs one round of array operations per position of the longest.
_STEPPED_MAX = 64


def decode_positions(
    buf: np.ndarray, starts: np.ndarray, ends: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(counts, positions) of the Positions values ``buf[starts[i]:ends[i]]``.

    The gaps are read for all entries at once, one gap of every entry per
    round, instead of one ``pickle.loads`` per entry (which made a common
    word's first use cost seconds at a million provisions). Any value not in
    the layout above (another pickler, a count over ``_STEPPED_MAX``) is
    unpickled as Whoosh does.
    """
    n = len(starts)
    if not n:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    # slack so that reading a "J" gap past a damaged value stays in bounds; the
    # bytes stay bytes (a copy as int64 cost 8x the memory traffic), only those
    # read are widened
    padded = np.concatenate((buf, np.zeros(8, dtype=np.uint8)))

    def wide(pos: np.ndarray) -> np.ndarray:
        return padded[pos].astype(np.int64)

    counts = ((wide(starts) << 24) | (wide(starts + 1) << 16) | (wide(starts + 2) << 8)) | wide(
        starts + 3
    )
    ok = ends - starts >= 4 + len(_HEADER) + 1
    for k, byte in enumerate(_HEADER.tolist()):
        ok &= padded[np.minimum(starts + 4 + k, len(buf))] == byte
    ptr = starts + 4 + len(_HEADER)
    many = counts >= 2
    ok &= ~many | (padded[np.minimum(ptr, len(buf))] == _MARK)
    ptr = ptr + many
    ok &= (counts >= 1) & (counts <= _STEPPED_MAX)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    gaps = np.zeros(int(offsets[-1]), dtype=np.int64)
    stepped = np.flatnonzero(ok)
    # longest first, so the entries still reading in round k are a prefix
    stepped = stepped[np.argsort(-counts[stepped], kind="stable")]
    left = counts[stepped]
    p = np.minimum(ptr[stepped], len(buf))
    good = np.ones(len(stepped), dtype=bool)
    rounds = int(left[0]) if len(left) else 0
    for k in range(rounds):
        m = int(np.searchsorted(-left, -k, side="left"))  # entries with more than k gaps
        if not m:
            break
        at = p[:m]
        op = padded[at]
        b1, b2, b3, b4 = wide(at + 1), wide(at + 2), wide(at + 3), wide(at + 4)
        four = b1 | (b2 << 8) | (b3 << 16) | (b4 << 24)
        four = np.where(four >= 1 << 31, four - (1 << 32), four)
        gap = np.where(op == _K, b1, np.where(op == _M, b1 | (b2 << 8), four))
        width = np.where(op == _K, 2, np.where(op == _M, 3, np.where(op == _J, 5, 0)))
        good[:m] &= width > 0
        gaps[offsets[stepped[:m]] + k] = gap
        p[:m] = np.minimum(at + width, len(buf))
    end_op = np.where(counts[stepped] == 1, _APPEND, _APPENDS)
    good &= padded[p] == end_op
    stop = ends[stepped]
    good &= (p + 1 == stop) | ((p + 2 == stop) & (padded[np.minimum(p + 1, len(buf))] == _STOP))
    ok[stepped[~good]] = False
    raw = buf.tobytes() if not ok.all() else b""
    for row in np.flatnonzero(~ok).tolist():
        value = raw[int(starts[row]) : int(ends[row])]
        if not value.endswith(b"."):
            value += b"."
        got = loads(value[_INT_SIZE:])
        if len(got) != counts[row]:
            raise LayoutError("positions whose count disagrees with their list")
        gaps[offsets[row] : offsets[row + 1]] = got
    # each entry's list is a first position and gaps: one running sum over all of
    # them, less the sum reached before the entry starts
    running = np.cumsum(gaps)
    reached = np.concatenate(([0], running))[offsets[:-1]]
    return counts, running - np.repeat(reached, counts)


# The values part of a block pickle: "(" opens the tuple, the first value names
# the codec function once (GLOBAL), later ones fetch it from the memo (BINGET);
# the encoding name is written once and fetched after.
_VALUES_START = b"(c_codecs\nencode\n"
_LATIN1 = np.frombuffer(b"X\x06\x00\x00\x00latin1", dtype=np.uint8)
_BINPUT, _LONG_BINPUT, _BINGET, _LONG_BINGET = ord("q"), ord("r"), ord("h"), ord("j")
_BINUNICODE, _TUPLE2, _REDUCE, _TUPLE = ord("X"), 0x86, ord("R"), ord("t")
# Below this many blocks, unpickling each block whole costs less than locating
# the values (a fixed number of array operations, whatever the word's size).
BULK_MIN_BLOCKS = 8


# Length of a memo opcode by its byte: BINPUT/LONG_BINPUT (1- or 4-byte index), 0 otherwise.
_PUT = np.zeros(256, dtype=np.int64)
_PUT[[_BINPUT, _LONG_BINPUT]] = [2, 5]
_SLACK = 32


def _locate_values(
    buf: np.ndarray, starts: np.ndarray, counts: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(payload starts, payload lengths, good blocks) of the values of each block.

    ``buf[starts[b]:]`` is block ``b``'s values part (see ``_VALUES_START``) holding
    ``counts[b]`` values. Every value is a BINUNICODE opcode ("X", a 4-byte
    length, the text) right after the codec function (GLOBAL + BINPUT for the
    first, BINGET "h" + its memo index after). Such places are found in the whole
    buffer at once (with the memo index of that function); a block is good when it has exactly ``counts[b]`` of them and
    each one's tail (memo put, the encoding's name or a memo get, TUPLE2, put,
    REDUCE, put) ends where the next begins (the last: at the closing TUPLE). A
    text that merely looks like one breaks that chain, and its block is then
    unpickled instead.
    """
    top = len(buf)
    b = np.concatenate((buf, np.zeros(_SLACK, dtype=np.uint8)))
    # "X" bytes first (about one a value), then what precedes them: one pass over
    # the buffer instead of several
    x = np.flatnonzero(b[2:top] == _BINUNICODE) + 2
    before = b[x - 2]
    x = x[(before == _BINGET) | (before == _BINPUT)]
    block = np.searchsorted(starts, x, side="right") - 1
    inside = block >= 0
    x, block = x[inside], block[inside]
    # the codec function's memo index (its BINPUT after the GLOBAL): a value's "X"
    # follows it, the encoding's name follows the next index
    memo = b[np.minimum(starts + len(_VALUES_START) + 1, top)]
    ours = b[x - 1] == memo[block]
    x, block = x[ours], block[ours]
    n = len(starts)
    found = np.bincount(block, minlength=n)
    first = np.ones(len(x), dtype=bool)
    first[1:] = block[1:] != block[:-1]
    b1, b2, b3, b4 = (b[x + k].astype(np.int64) for k in (1, 2, 3, 4))
    size = b1 | (b2 << 8) | (b3 << 16) | (b4 << 24)
    bad = (b[x - 2] == _BINPUT) != first
    bad |= first & (x != starts[block] + len(_VALUES_START) + 2)
    e = np.minimum(x + 5 + size, top)
    w = _PUT[b[e]]
    bad |= w == 0
    e = e + w
    for j, byte in enumerate(_LATIN1.tolist()):  # the first names the encoding
        bad |= first & (b[np.minimum(e + j, top)] != byte)
    get = np.where(b[e] == _BINGET, 2, np.where(b[e] == _LONG_BINGET, 5, 0))
    w = np.where(first, len(_LATIN1) + _PUT[b[np.minimum(e + len(_LATIN1), top)]], get)
    bad |= np.where(first, w == len(_LATIN1), w == 0)
    e = np.minimum(e + w, top)
    bad |= b[e] != _TUPLE2
    w = _PUT[b[e + 1]]
    bad |= w == 0
    e = np.minimum(e + 1 + w, top)
    bad |= b[e] != _REDUCE
    w = _PUT[b[e + 1]]
    bad |= w == 0
    e = np.minimum(e + 1 + w, top)
    last = np.ones(len(x), dtype=bool)
    last[:-1] = block[1:] != block[:-1]
    nxt = np.empty_like(x)
    nxt[:-1] = x[1:]
    bad |= last & (b[e] != _TUPLE)
    bad |= ~last & (e + 2 != nxt)  # the next value's "h" + memo index
    good = found == counts
    good[block[bad]] = False
    keep = good[block]
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    rows = np.repeat(good, counts)
    payload = np.zeros(int(offsets[-1]), dtype=np.int64)
    length = np.zeros(int(offsets[-1]), dtype=np.int64)
    payload[rows], length[rows] = x[keep] + 5, size[keep]
    return payload, length, good


def read_blocks(m: Any, positional: bool, postings: int) -> tuple[np.ndarray, np.ndarray, Any]:
    """(entry numbers, weights, encoded values) of every posting block of one word.

    ``m`` is Whoosh's leaf matcher for the word, at its first block; ``postings``
    its number of postings (to choose how to read the values). The values are
    ``None`` (not positional) or ``(buffer, starts, ends)``: entry ``i``'s encoded
    Positions value is ``buffer[starts[i]:ends[i]]``.
    """
    id_gaps: list[Sequence[int]] = []
    weights: list[np.ndarray] = []
    lengths: list[int] = []
    pickles: list[bytes] = []  # each block's pickle (bulk), or b"" (unpickled)
    cuts: list[int] = []  # where its values part starts
    unpickled: list[Sequence[bytes] | None] = []
    many = positional and postings >= 128 * BULK_MIN_BLOCKS
    while m.is_active():
        data = m._postfile.get(m._dataoffset, m._nextoffset - m._dataoffset)
        if m._compression:
            data = zlib.decompress(data)
        n = m._blocklength
        cut = data.find(_VALUES_START) if many else -1
        if cut > 0:
            # ids and weights only: the stack then holds their two tuples
            gaps, block_weights = loads(data[:cut] + b"\x86.")
            pickles.append(data)
            cuts.append(cut)
            unpickled.append(None)
        else:
            gaps, block_weights, block_values = loads(data)
            pickles.append(b"")
            cuts.append(0)
            if positional:
                if not isinstance(block_values, tuple) or len(block_values) != n:
                    raise LayoutError("position values of another layout")
                unpickled.append(block_values)
        if len(gaps) != n:
            raise LayoutError("a posting block of another layout")
        id_gaps.append(gaps)
        lengths.append(n)
        if block_weights is None:
            weights.append(np.ones(n, dtype=np.float64))
        elif isinstance(block_weights, float):
            # Whoosh reads a block's one weight into an array("f") of it
            weights.append(np.full(n, np.float32(block_weights), dtype=np.float64))
        else:
            weights.append(np.asarray(block_weights, dtype=np.float64))
        m._next_block()
    total = sum(lengths)
    counts = np.array(lengths, dtype=np.int64)
    # each block's first gap is its first entry number: a running sum restarted per block
    running = np.cumsum(np.fromiter(chain.from_iterable(id_gaps), dtype=np.int64, count=total))
    block_starts = np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.int64)
    reached = np.concatenate(([0], running))[block_starts]
    ids = running - np.repeat(reached, counts)
    weight_array = np.concatenate(weights) if weights else np.zeros(0, dtype=np.float64)
    if not positional:
        return ids, weight_array, None
    return ids, weight_array, _values(pickles, cuts, unpickled, counts)


def _values(
    pickles: list[bytes],
    cuts: list[int],
    unpickled: list[Sequence[bytes] | None],
    counts: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every entry's encoded value as (buffer, starts, ends), blocks in order.

    The buffer holds each value as the pickle wrote it: latin-1 text as UTF-8
    (see ``latin1``, which turns the values a query needs back into bytes); a
    block read by unpickling has its values written the same way after it.
    """
    bulk = [i for i, u in enumerate(unpickled) if u is None]
    if bulk:
        sizes = np.fromiter(map(len, pickles), dtype=np.int64, count=len(pickles))
        part_starts = np.cumsum(sizes) - sizes + np.array(cuts, dtype=np.int64)
        buf = np.frombuffer(b"".join(pickles), dtype=np.uint8)
        where = np.array(bulk, dtype=np.int64)
        payload, length, good = _locate_values(buf, part_starts[where], counts[where])
        for b, ok in zip(bulk, good.tolist(), strict=True):
            if not ok:  # not in the expected layout: read this block as Whoosh does
                block_values = loads(pickles[b])[2]
                if not isinstance(block_values, tuple) or len(block_values) != counts[b]:
                    raise LayoutError("position values of another layout")
                unpickled[b] = block_values
        keep = np.repeat(good, counts[where])
        bulk_starts, bulk_ends = payload[keep], payload[keep] + length[keep]
        bulk_rows = [b for b, ok in zip(bulk, good.tolist(), strict=True) if ok]
    else:
        buf = np.zeros(0, dtype=np.uint8)
        bulk_starts = bulk_ends = np.zeros(0, dtype=np.int64)
        bulk_rows = []
    # the blocks read by unpickling, appended after the bulk ones; then every
    # entry's (start, end) put back in block order
    extra = [v.decode("latin-1").encode("utf-8") for u in unpickled if u is not None for v in u]
    extra_sizes = np.fromiter(map(len, extra), dtype=np.int64, count=len(extra))
    extra_ends = np.cumsum(extra_sizes) + len(buf)
    buffer = np.concatenate((buf, np.frombuffer(b"".join(extra), dtype=np.uint8))) if extra else buf
    from_bulk = np.zeros(len(counts), dtype=bool)
    from_bulk[bulk_rows] = True
    rows_bulk = np.repeat(from_bulk, counts)
    starts = np.empty(int(counts.sum()), dtype=np.int64)
    ends = np.empty_like(starts)
    starts[rows_bulk], ends[rows_bulk] = bulk_starts, bulk_ends
    starts[~rows_bulk], ends[~rows_bulk] = extra_ends - extra_sizes, extra_ends
    return buffer, starts, ends


def latin1(
    buf: np.ndarray, starts: np.ndarray, ends: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The values ``buf[starts[i]:ends[i]]`` (latin-1 text written as UTF-8, where a
    byte over 127 takes two) as bytes again: (buffer, starts, ends). Done for the
    values a query reads, not for every value of a word when it is first read."""
    length = ends - starts
    total = int(length.sum())
    if not total:
        return np.zeros(0, dtype=np.uint8), np.zeros_like(starts), np.zeros_like(ends)
    out_ends = np.cumsum(length)
    gather = np.repeat(starts - (out_ends - length), length) + np.arange(total)
    utf8 = buf[gather]
    continuation = (utf8 & 0xC0) == 0x80
    lead = np.zeros(len(utf8), dtype=bool)
    lead[:-1] = continuation[1:]
    # a latin-1 character over 127 is 0xC2 or 0xC3 then a continuation byte
    if (lead & (utf8 != 0xC2) & (utf8 != 0xC3)).any() or (
        (utf8 >= 0x80) & ~continuation & ~lead
    ).any():
        raise LayoutError("position values that are not latin-1 text")
    latin = utf8.copy()
    at = np.flatnonzero(lead)
    latin[at] = ((utf8[at] & 0x03) << 6) | (utf8[at + 1] & 0x3F)
    # each value's characters: its bytes less its continuation bytes (few: count
    # them where they are rather than summing over every byte)
    of_value = np.searchsorted(out_ends, np.flatnonzero(continuation), side="right")
    chars = length - np.bincount(of_value, minlength=len(length))
    new_ends = np.cumsum(chars)
    return latin[~continuation], new_ends - chars, new_ends
