"""Reciprocal-rank fusion and ranking agreement, checked against hand arithmetic."""

from __future__ import annotations

import math

import pytest

from assistant.retrieval.fusion import agreement, rrf


def _ids(fused: list[tuple[str, float]]) -> list[str]:
    return [doc_id for doc_id, _ in fused]


def test_rrf_hand_computed() -> None:
    fused = dict(rrf([["a", "b", "c"], ["b", "d"]], k=60))
    assert fused["a"] == pytest.approx(1 / 61)
    assert fused["b"] == pytest.approx(1 / 62 + 1 / 61)
    assert fused["c"] == pytest.approx(1 / 63)
    assert fused["d"] == pytest.approx(1 / 62)
    assert _ids(rrf([["a", "b", "c"], ["b", "d"]], k=60)) == ["b", "a", "d", "c"]


def test_rrf_weights_change_the_order() -> None:
    rankings = [["a", "b"], ["b", "a"]]
    assert _ids(rrf(rankings, weights=[2.0, 1.0]))[0] == "a"
    assert _ids(rrf(rankings, weights=[1.0, 2.0]))[0] == "b"
    fused = dict(rrf(rankings, weights=[2.0, 1.0], k=0))
    assert fused["a"] == pytest.approx(2 / 1 + 1 / 2)
    assert fused["b"] == pytest.approx(2 / 2 + 1 / 1)


def test_rrf_zero_weight_switches_a_ranking_off() -> None:
    assert _ids(rrf([["a"], ["x", "a"]], weights=[1.0, 0.0])) == ["a"]


def test_rrf_duplicates_count_once_at_first_position() -> None:
    fused = rrf([["a", "b", "a", "a"], ["c"]], k=1)
    assert _ids(fused) == ["a", "c", "b"]
    assert dict(fused)["a"] == pytest.approx(1 / 2)


def test_rrf_k_effect() -> None:
    # "a" is top in one list only; "b" is second in both.  A small k rewards
    # the single first place, a large k rewards consistency.
    rankings = [["a", "b"], ["c", "b", "d", "e", "a"]]
    assert _ids(rrf(rankings, k=0))[0] == "a"
    assert _ids(rrf(rankings, k=60))[0] == "b"


def test_rrf_ties_best_rank_then_first_appearance() -> None:
    # Symmetric: equal scores and equal best rank -> first appearance wins.
    fused = rrf([["a", "b"], ["b", "a"]], k=60)
    assert fused[0][1] == fused[1][1]
    assert _ids(fused) == ["a", "b"]
    # k=0: d1 = 1/1, z = 1/1, d2 = 1/2 + 1/2 -> a three-way tie.  d1 and z
    # were ranked first somewhere, d2 only second; d1 was seen before z.
    fused = rrf([["d1", "d2"], ["z", "d2"]], k=0)
    assert [s for _, s in fused] == pytest.approx([1.0, 1.0, 1.0])
    assert _ids(fused) == ["d1", "z", "d2"]


def test_rrf_sums_over_rankings() -> None:
    fused = rrf([["p", "q", "r"], ["r", "s", "q"]], k=0)
    assert dict(fused)["q"] == pytest.approx(1 / 2 + 1 / 3)
    assert dict(fused)["r"] == pytest.approx(1 / 3 + 1 / 1)
    assert _ids(fused) == ["r", "p", "q", "s"]


def test_rrf_empty_inputs() -> None:
    assert rrf([]) == []
    assert rrf([[], []]) == []


@pytest.mark.parametrize("weights", [[1.0], [1.0, 2.0, 3.0], [1.0, -0.1], [math.nan, 1.0], [math.inf, 1.0]])
def test_rrf_weight_validation(weights: list[float]) -> None:
    with pytest.raises(ValueError):
        rrf([["a"], ["b"]], weights=weights)


def test_rrf_negative_k() -> None:
    with pytest.raises(ValueError):
        rrf([["a"]], k=-1)


def test_agreement_identical_and_disjoint() -> None:
    ranking = [str(i) for i in range(20)]
    assert agreement(ranking, ranking) == pytest.approx(1.0)
    assert agreement(["a", "b", "c"], ["x", "y", "z"]) == 0.0


def test_agreement_is_top_weighted_and_bounded() -> None:
    a = ["a", "b", "c", "d"]
    same_top = agreement(a, ["a", "x", "y", "z"])
    same_bottom = agreement(a, ["x", "y", "z", "d"])
    assert 0.0 < same_bottom < same_top < 1.0
    # Hand computation: overlaps 1/1, 1/2, 1/3, 1/4 -> mean.
    assert same_top == pytest.approx((1 + 1 / 2 + 1 / 3 + 1 / 4) / 4)


def test_agreement_same_set_different_order() -> None:
    value = agreement(["a", "b"], ["b", "a"])
    assert value == pytest.approx((0 + 2 / 2) / 2)


def test_agreement_depth_and_edge_cases() -> None:
    assert agreement(["a", "b", "x"], ["a", "b", "y"], depth=2) == pytest.approx(1.0)
    assert agreement([], ["a"]) == 0.0
    assert agreement(["a", "a", "b"], ["a", "b"]) == pytest.approx(1.0)
    with pytest.raises(ValueError):
        agreement(["a"], ["a"], depth=0)
