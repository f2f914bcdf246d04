"""Stored embedding vectors: compact, faithful enough to rank, and refused when damaged."""

from __future__ import annotations

import math

import pytest

from bot.questions.vectors import dot, fuse, nearest, pack, unit, unpack


def test_vectors_survive_storage_closely_enough_to_rank_the_same() -> None:
    vectors = [unit([math.sin(i * 0.37 + j) for j in range(96)]) for i in range(40)]
    blob = pack(vectors)
    assert len(blob) == 8 + 40 * 96 * 2  # float16: a 400-passage paper at 768 dims is 600 KiB
    back = unpack(blob)
    assert all(
        abs(a - b) < 1e-3
        for v, w in zip(vectors, back, strict=True)
        for a, b in zip(v, w, strict=True)
    )
    query = unit([math.cos(j) for j in range(96)])
    assert nearest(query, back, 5) == nearest(query, vectors, 5)


@pytest.mark.parametrize("blob", [b"", b"\x01\x00\x00\x00", pack([[0.5, 0.5]]) + b"\x00\x00"])
def test_damaged_records_are_refused(blob: bytes) -> None:
    with pytest.raises(ValueError):
        unpack(blob)


def test_vectors_of_different_lengths_are_not_packed_together() -> None:
    with pytest.raises(ValueError):
        pack([[1.0, 0.0], [1.0]])


def test_unit_vectors_make_dot_a_cosine() -> None:
    assert dot(unit([3.0, 4.0]), unit([6.0, 8.0])) == pytest.approx(1.0)
    assert dot(unit([1.0, 0.0]), unit([0.0, 2.0])) == pytest.approx(0.0)
    assert list(unit([0.0, 0.0])) == [0.0, 0.0]  # no division by zero


def test_nearest_ranks_by_similarity() -> None:
    vectors = [unit([1.0, 0.0]), unit([0.0, 1.0]), unit([1.0, 1.0])]
    assert nearest(unit([1.0, 0.1]), vectors, 2) == [0, 2]
    assert nearest(unit([1.0, 0.1]), vectors, 0) == []


def test_fusion_favours_items_both_rankings_agree_on() -> None:
    fused = [item for item, _ in fuse([[1, 2, 3], [4, 3, 1]])]
    assert fused[:2] == [1, 3]  # in both lists, near the top
    assert set(fused) == {1, 2, 3, 4}
    assert fuse([]) == []
