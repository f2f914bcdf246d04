"""A deterministic stand-in for a real embedding model, shared by the fake LLM servers.

Usage::

    vector = bag_embedding("Attention is all you need", dimensions=64)
    cosine(bag_embedding("graph neural networks"), bag_embedding("neural networks on graphs"))

``bag_embedding`` hashes lower-cased words (two characters or more) into signed buckets and
normalises the result to unit length, so texts that share words have a higher cosine than
unrelated texts. It uses blake2b, not ``hash()``, so a vector is the same in every process.
"""

from __future__ import annotations

import hashlib
import math
import re
import struct
from collections.abc import Callable, Sequence

Embedder = Callable[[str, int], list[float]]  # (text, dimensions) -> vector

DEFAULT_DIMENSIONS = 64
_WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    """The lower-cased word tokens of ``text`` that count: two characters or more."""
    return [w for w in _WORD.findall(text.lower()) if len(w) >= 2]


def bag_embedding(text: str, dimensions: int = DEFAULT_DIMENSIONS) -> list[float]:
    """A unit-length feature-hashed bag of words; ``[1.0, 0.0, …]`` when no word counts."""
    if dimensions < 1:
        raise ValueError(f"dimensions must be at least 1, not {dimensions}")
    vector = [0.0] * dimensions
    for word in words(text):
        digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
        bucket = int.from_bytes(digest[:4], "little") % dimensions
        vector[bucket] += 1.0 if digest[4] & 1 else -1.0
    norm = math.sqrt(sum(v * v for v in vector))
    if norm == 0.0:  # no words, or every word cancelled another out
        return [1.0] + [0.0] * (dimensions - 1)
    return [v / norm for v in vector]


def as_float32(vector: Sequence[float]) -> list[float]:
    """The vector rounded to float32, as real embedding APIs send it."""
    return list(struct.unpack(f"<{len(vector)}f", struct.pack(f"<{len(vector)}f", *vector)))


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    """The cosine similarity of two equally long vectors (0.0 when either is all zeros)."""
    if len(a) != len(b):
        raise ValueError(f"vectors differ in length: {len(a)} and {len(b)}")
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norms = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norms if norms else 0.0
