"""Old kept states stored small, and given back bit for bit (step back's far past).

A packed state is the ``state_dict`` with each array replaced by a
``PackedArray``: its bytes compressed losslessly (zlib) in blocks. A block
that is the same in the same array of the older packed state is not stored
again but shared (the same object): the loss history's exact head and its
buckets only grow at the end between two far states, so most of it is shared
and each far state costs little more than the history's newest part.
``unpack`` gives the state back with fresh, writable arrays.
"""

from __future__ import annotations

import sys
import zlib

import numpy as np

LEVEL = 1  # zlib level: the loss values hardly compress at any level; the steps and weights do at 1
BLOCK = 512  # elements per chunk: blocks the older state has the same are shared


class Chunk:
    """Compressed bytes of ``length`` consecutive elements; shared between packed arrays, never changed."""

    __slots__ = ("data", "length")

    def __init__(self, data: bytes, length: int):
        self.data, self.length = data, length


class PackedArray:
    __slots__ = ("dtype", "shape", "chunks")

    def __init__(self, dtype: np.dtype, shape: tuple[int, ...], chunks: tuple[Chunk, ...]):
        self.dtype, self.shape, self.chunks = dtype, shape, chunks

    def unpack(self) -> np.ndarray:
        size = self.dtype.itemsize
        parts = [np.frombuffer(zlib.decompress(c.data), dtype=np.uint8).reshape(size, c.length).T for c in self.chunks]
        if not parts:
            return np.empty(self.shape, self.dtype)
        flat = np.ascontiguousarray(np.concatenate(parts)).view(self.dtype)  # a copy: writable
        return flat.reshape(self.shape)


def pack_array(arr: np.ndarray, older: PackedArray | None = None) -> PackedArray:
    """``arr`` compressed in blocks of ``BLOCK`` elements; a block equal to ``older``'s there (bit for bit) is shared."""
    flat = np.ascontiguousarray(arr).reshape(-1)
    old = None
    if older is not None and older.dtype == flat.dtype and older.chunks:
        old = older.unpack().reshape(-1)
    chunks = []
    for i, start in enumerate(range(0, max(flat.size, 1), BLOCK)):
        block = flat[start : start + BLOCK]
        if old is not None and i < len(older.chunks) and older.chunks[i].length == block.size \
                and old[start : start + BLOCK].tobytes() == block.tobytes():
            chunks.append(older.chunks[i])
        else:
            # byte planes (every element's first byte, then every second …): the exponents and the
            # steps' high bytes repeat, so they compress far better than interleaved
            planes = block.view(np.uint8).reshape(block.size, flat.itemsize).T.tobytes()
            chunks.append(Chunk(zlib.compress(planes, LEVEL), block.size))
    return PackedArray(flat.dtype, arr.shape, tuple(chunks))


def pack(state, older=None):
    """A state (nested dicts of arrays and plain values) with its arrays packed against ``older``'s."""
    if isinstance(state, np.ndarray) and not state.dtype.hasobject:
        return pack_array(state, older if isinstance(older, PackedArray) else None)
    if isinstance(state, dict):
        older = older if isinstance(older, dict) else {}
        return {key: pack(value, older.get(key)) for key, value in state.items()}
    return state


def unpack(state):
    """The state ``pack`` was given, with fresh arrays of the same bytes."""
    if isinstance(state, PackedArray):
        return state.unpack()
    if isinstance(state, dict):
        return {key: unpack(value) for key, value in state.items()}
    return state


def chunks(state):
    """Every chunk a packed state holds (shared ones included)."""
    pending = [state]
    while pending:
        item = pending.pop()
        if isinstance(item, PackedArray):
            yield from item.chunks
        elif isinstance(item, dict):
            pending.extend(item.values())


_trim = None


def release_free_memory() -> None:
    """Hand memory freed by dropped states back to the OS (glibc's ``malloc_trim``; nothing elsewhere).

    Freed small blocks otherwise stay in the process's heap: the resident size
    would keep the high-water mark of every state ever kept.
    """
    global _trim
    if _trim is None:
        _trim = False
        if sys.platform.startswith("linux"):
            import ctypes

            try:
                fn = ctypes.CDLL(None).malloc_trim  # absent from musl: AttributeError
                fn.argtypes, fn.restype = [ctypes.c_size_t], ctypes.c_int
                _trim = fn
            except (OSError, AttributeError):
                pass
    if _trim:
        _trim(0)
