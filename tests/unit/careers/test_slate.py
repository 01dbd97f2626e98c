"""Time-budget slates: the most learning value that fits, not the list cut where time runs out."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from careers_org import ANA, JUN
from recsvc.recommend import Context, Query, Recommender
from recsvc.recommend.slate import best_fitting_set


def brute_best(value: np.ndarray, minutes: np.ndarray, budget: float, k: int) -> float:
    best = 0.0
    n = len(value)
    for size in range(min(k, n) + 1):
        for combo in itertools.combinations(range(n), size):
            idx = list(combo)
            if minutes[idx].sum() <= budget + 1e-9:
                best = max(best, float(value[idx].sum()))
    return best


@pytest.mark.parametrize("seed", range(30))
def test_knapsack_matches_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 12))
    value = rng.uniform(0.0, 1.0, n).astype(np.float32)
    minutes = rng.integers(5, 120, n).astype(np.float32)
    budget = float(rng.uniform(30, 300))
    k = int(rng.integers(1, 6))
    chosen = best_fitting_set(np.arange(n), value, minutes, budget, k)
    assert len(chosen) <= k and minutes[chosen].sum() <= budget + 1e-6
    assert float(value[chosen].sum()) == pytest.approx(
        brute_best(value, minutes, budget, k), abs=1e-5
    )


def test_greedy_truncation_is_beaten() -> None:
    # by value: a (0.9, 100 min) first; greedy takes it and nothing else fits 120 minutes;
    # b + c (0.6 + 0.5, 60 min each) are worth more together
    value = np.array([0.9, 0.6, 0.5], np.float32)
    minutes = np.array([100.0, 60.0, 60.0], np.float32)
    assert sorted(best_fitting_set(np.arange(3), value, minutes, 120.0, 10).tolist()) == [1, 2]


@pytest.mark.parametrize("employee", [ANA, JUN])
@pytest.mark.parametrize("budget", [130.0, 250.0, 400.0])
def test_recommend_returns_the_best_fitting_set(
    careers_recommender: Recommender, employee: str, budget: float
) -> None:
    everything = careers_recommender.recommend(Query(employee, k=100, explain=False))
    valued = [i for i in everything.items if i.learning_value > 0 and i.duration_minutes]
    value = np.array([i.learning_value for i in valued])
    minutes = np.array([i.duration_minutes for i in valued])
    k = 4
    answer = careers_recommender.recommend(
        Query(employee, k=k, context=Context(time_budget_minutes=budget))
    )
    got = [i for i in answer.items if i.learning_value > 0]
    assert sum(i.duration_minutes or 0.0 for i in answer.items) <= budget + 1e-6
    assert sum(i.learning_value for i in got) == pytest.approx(
        brute_best(value, minutes, budget, k), abs=2e-3
    )
