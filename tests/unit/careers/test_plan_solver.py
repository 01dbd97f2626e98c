"""The plan's item choice against brute force on random small instances."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from recsvc.recommend.careers.plan_solver import PlanProblem, closed_value, reached, solve


def random_problem(rng: np.random.Generator) -> PlanProblem:
    """2-3 skills with 1-3 milestone levels each, 4-10 items, a few prerequisites."""
    values: list[float] = []
    below: list[int] = []
    for _ in range(int(rng.integers(2, 4))):
        prev = -1
        for _ in range(int(rng.integers(1, 4))):
            values.append(float(rng.uniform(0.1, 2.0)))
            below.append(prev)
            prev = len(values) - 1
    n_m = len(values)
    n_i = int(rng.integers(4, 11))
    covers = [
        sorted({int(m) for m in rng.choice(n_m, size=int(rng.integers(0, 3)), replace=False)})
        for _ in range(n_i)
    ]
    requires = [(i, j) for i in range(n_i) for j in range(i) if rng.random() < 0.12]
    duration = rng.integers(10, 200, size=n_i).astype(float)
    budget = float(rng.uniform(0.2, 0.8) * duration.sum())
    return PlanProblem(duration, covers, np.asarray(values), np.asarray(below), requires, budget)


def brute_force(problem: PlanProblem) -> float:
    best = 0.0
    for bits in itertools.product((False, True), repeat=problem.n_items):
        best = max(best, closed_value(problem, np.asarray(bits)))
    return best


@pytest.mark.parametrize("seed", range(40))
def test_milp_matches_brute_force_on_small_instances(seed: int) -> None:
    problem = random_problem(np.random.default_rng(seed))
    chosen = solve(problem)
    optimum = brute_force(problem)
    got = closed_value(problem, chosen)
    assert got >= 0.98 * optimum - 1e-9, (got, optimum)
    # the choice itself is feasible: within budget, prerequisites kept
    assert problem.duration[chosen].sum() <= problem.budget + 1e-6
    assert all(chosen[j] for i, j in problem.requires if chosen[i])
    # and holds nothing that reaches no milestone and enables nothing
    useful = reached(problem, chosen)
    for i in np.flatnonzero(chosen).tolist():
        enables = any(a == i or (b == i and chosen[a]) for a, b in problem.requires)
        assert any(useful[m] for m in problem.covers[i]) or enables


def test_levels_are_reached_in_order() -> None:
    # level 2 (milestone 1) needs level 1 (milestone 0): the item for level 2 alone is worth 0
    problem = PlanProblem(
        duration=np.array([100.0, 30.0]),
        covers=[[0], [1]],
        value=np.array([1.0, 1.0]),
        below=np.array([-1, 0]),
        budget=120.0,
    )
    assert solve(problem).tolist() == [True, False]
    assert closed_value(problem, np.array([False, True])) == 0.0
