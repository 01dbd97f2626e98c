"""The ranking policy on five hand-made items whose order and scores are worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from recsvc.recommend.policy import ENGAGEMENT_FLOOR, Chance, Ranked, rank_items
from recsvc.recommend.value import MIN_VALUE

# value: items 0, 2, 4 have learning value; 1 has none, 3 has a little below MIN_VALUE
VALUE = np.array([0.5, 0.0, 0.3, 0.01, 0.2], dtype=np.float32)
PROB = np.array([0.2, 0.9, 0.9, 0.95, 0.6], dtype=np.float32)
DURATION = np.array([30.0, 10.0, 60.0, 20.0, 40.0], dtype=np.float32)
ALL = np.arange(5, dtype=np.int64)
# one-hot vectors: no two items alike, so diversity changes nothing it should not
VECTORS = np.eye(5, dtype=np.float32)


def _rank(
    objective: str,
    *,
    allowed: np.ndarray = ALL,
    value: np.ndarray = VALUE,
    prob: np.ndarray = PROB,
    k: int = 5,
    diversity: float = 0.0,
    budget: float | None = None,
    vectors: np.ndarray = VECTORS,
) -> Ranked:
    logits = np.log(prob) - np.log1p(-prob)  # slope 1, intercept 0: the chance is prob
    return rank_items(
        allowed,
        value,
        Chance(logits.astype(np.float32)),
        objective=objective,
        k=k,
        diversity=diversity,
        vectors=vectors,
        durations=DURATION,
        budget=budget,
    )


def test_need_puts_items_with_value_first_then_fills_by_probability() -> None:
    r = _rank("need")
    # value * (0.5 + 0.5 * probability / 0.9), 0.9 the likeliest valued item's: item 0
    # 0.306, item 2 0.3, item 4 0.167; then the fill-ins by probability: 3 (0.95), 1 (0.9)
    key = VALUE * (ENGAGEMENT_FLOOR + (1 - ENGAGEMENT_FLOOR) * PROB / 0.9)
    assert r.items.tolist() == [0, 2, 4, 3, 1]
    assert r.has_value.tolist() == [True, True, True, False, False]
    top = key[0]
    expected = [1.0, 0.5 + 0.5 * key[2] / top, 0.5 + 0.5 * key[4] / top, 0.5, 0.5 * 0.9 / 0.95]
    np.testing.assert_allclose(r.scores, expected, rtol=1e-5)


def test_need_lets_engagement_break_near_ties_only() -> None:
    # more than twice the value beats any chance of taking it; equal value goes to the
    # likelier item, and a likelier item beats a little more value
    value = np.array([0.5, 0.24, 0.24, 0.0, 0.0], dtype=np.float32)
    prob = np.array([0.01, 0.9, 0.95, 0.5, 0.5], dtype=np.float32)
    assert _rank("need", value=value, prob=prob).items.tolist()[:3] == [0, 2, 1]
    value = np.array([0.3, 0.24, 0.24, 0.0, 0.0], dtype=np.float32)
    assert _rank("need", value=value, prob=prob).items.tolist()[:3] == [2, 1, 0]


def test_need_counts_an_item_at_exactly_min_value_as_valuable() -> None:
    value = np.array([MIN_VALUE, 0.0, 0.0, 0.0, 0.0], dtype=np.float32)
    r = _rank("need", value=value)
    assert r.items[0] == 0  # lowest probability, yet first: it has value
    assert r.has_value.tolist() == [True, False, False, False, False]


def test_need_tier_holds_with_diversity() -> None:
    # the valued items are alike and the fill-ins unlike them: MMR over one list would pull
    # a fill-in up to second place, but it re-ranks within a tier only
    alike = np.array([[1, 0], [0, 1], [1, 0], [0, 1], [1, 0]], dtype=np.float32)
    r = _rank("need", diversity=0.9, vectors=alike)
    assert set(r.items[:3].tolist()) == {0, 2, 4}
    assert r.has_value.tolist() == [True, True, True, False, False]


def test_engagement_ignores_value() -> None:
    r = _rank("engagement")
    assert r.items.tolist() == [3, 1, 2, 4, 0]  # 1 and 2 tie at 0.9: lower index first
    np.testing.assert_allclose(r.scores, PROB[[3, 1, 2, 4, 0]] / 0.95, rtol=1e-5)
    other = _rank("engagement", value=np.array([0, 9, 0, 0, 5], dtype=np.float32))
    assert other.items.tolist() == r.items.tolist()


def test_balanced_orders_by_the_mean_of_scaled_value_and_probability() -> None:
    r = _rank("balanced")
    key = 0.5 * VALUE / 0.5 + 0.5 * PROB / 0.95  # 0.605, 0.474, 0.774, 0.510, 0.516
    assert r.items.tolist() == [2, 0, 4, 3, 1]
    np.testing.assert_allclose(r.scores, key[[2, 0, 4, 3, 1]], rtol=1e-5)


@pytest.mark.parametrize("objective", ["need", "balanced", "engagement"])
@pytest.mark.parametrize("diversity", [0.0, 0.7])
def test_scores_are_in_unit_interval_and_non_increasing(objective: str, diversity: float) -> None:
    rng = np.random.default_rng(3)
    value = (rng.random(5) * (rng.random(5) > 0.4)).astype(np.float32)
    prob = rng.random(5).astype(np.float32)
    r = _rank(objective, value=value, prob=prob, diversity=diversity)
    assert len(r.items) == 5
    assert ((r.scores >= 0) & (r.scores <= 1)).all()
    assert (np.diff(r.scores) <= 0).all()


def test_time_budget_is_respected_across_both_tiers() -> None:
    r = _rank("need", budget=70.0)
    # item 0 (30 min) first, then 2 (60) no longer fits but 4 (40) does: 70 minutes spent,
    # and no fill-in fits in what is left
    assert r.items.tolist() == [0, 4]
    assert float(DURATION[r.items].sum()) <= 70.0
    # with 80 minutes, the fill-in 1 (10) fits after them
    assert _rank("need", budget=80.0).items.tolist() == [0, 4, 1]
    # balanced: 2 (60) never fits, then 0 (30) and 3 (20); engagement: 3 (20), 1 (10), then
    # nothing else fits in the 20 minutes left
    assert _rank("balanced", budget=50.0).items.tolist() == [0, 3]
    assert _rank("engagement", budget=50.0).items.tolist() == [3, 1]


@pytest.mark.parametrize("objective", ["need", "balanced", "engagement"])
def test_empty_inputs_give_an_empty_list(objective: str) -> None:
    for r in (_rank(objective, allowed=np.zeros(0, np.int64)), _rank(objective, k=0)):
        assert len(r.items) == len(r.scores) == len(r.has_value) == 0


@pytest.mark.parametrize("objective", ["need", "balanced", "engagement"])
def test_k_larger_than_allowed_returns_only_allowed_items(objective: str) -> None:
    allowed = np.array([0, 3, 4], dtype=np.int64)
    r = _rank(objective, allowed=allowed, k=10)
    assert sorted(r.items.tolist()) == [0, 3, 4]
