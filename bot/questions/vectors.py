"""Embedding vectors as paperbot keeps them: unit length, packed as float16, ranked by cosine.

In memory a vector is an ``array('f')``: 4 bytes a value, where a tuple of floats takes about 32.
"""

from __future__ import annotations

import math
import operator
import struct
from array import array
from collections.abc import Sequence
from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:  # array is generic to type checkers only (subscriptable from Python 3.12)
    Vector: TypeAlias = array[float]  # typecode "f" (float32)
else:
    Vector = array

RRF_K = 60  # reciprocal rank fusion's constant: ranks below ~60 weigh about the same


def unit(values: Sequence[float]) -> Vector:
    """``values`` scaled to length 1 (a zero vector stays zero), so a dot product is a cosine."""
    norm = math.sqrt(math.fsum(v * v for v in values))
    return array("f", (v / norm for v in values) if norm > 0.0 else (0.0 for _ in values))


def pack(vectors: Sequence[Sequence[float]]) -> bytes:
    """Vectors of one length as little-endian float16 after a 4-byte count and a 4-byte length."""
    dims = len(vectors[0]) if vectors else 0
    if any(len(v) != dims for v in vectors):
        raise ValueError("vectors of different lengths cannot be packed together")
    flat = [x for v in vectors for x in v]
    return struct.pack(f"<II{len(flat)}e", len(vectors), dims, *flat)


def unpack(blob: bytes) -> list[Vector]:
    """The vectors ``pack`` stored; ValueError when the bytes are not such a record."""
    if len(blob) < 8:
        raise ValueError("a packed vector record is shorter than its header")
    count, dims = struct.unpack_from("<II", blob)
    if len(blob) != 8 + 2 * count * dims:
        raise ValueError("a packed vector record has the wrong size")
    flat = array("f", struct.unpack_from(f"<{count * dims}e", blob, 8))
    return [flat[i * dims : (i + 1) * dims] for i in range(count)]


def dot(a: Sequence[float], b: Sequence[float]) -> float:
    """The dot product (the cosine for unit vectors)."""
    return float(sum(map(operator.mul, a, b)))


def nearest(query: Sequence[float], vectors: Sequence[Sequence[float]], k: int) -> list[int]:
    """Indexes of the ``k`` vectors most similar to ``query``, best first (ties: lower index)."""
    scored = sorted(range(len(vectors)), key=lambda i: (-dot(query, vectors[i]), i))
    return scored[: max(k, 0)]


def fuse(rankings: Sequence[Sequence[int]], k: int = RRF_K) -> list[tuple[int, float]]:
    """Reciprocal rank fusion: items by the sum of 1/(k + rank) over the rankings they are in."""
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, 1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))
