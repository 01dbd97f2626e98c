"""The plan's item choice against brute force on random small instances."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.optimize import milp

from recsvc.recommend.careers import plan_solver
from recsvc.recommend.careers.plan_problem import PlanProblem, closed_value, credited, prune
from recsvc.recommend.careers.plan_solver import MIP_REL_GAP, solve
from recsvc.recommend.value import NODE_WEIGHTS


def random_problem(rng: np.random.Generator, n_items: tuple[int, int] = (4, 11)) -> PlanProblem:
    """2-3 skills (levels now 0-3, uncertain), items teaching one or two of them at levels
    1-5 with gains that grow once the levels below are reached, a few prerequisites."""
    n_s = int(rng.integers(2, 4))
    start = rng.uniform(0.0, 3.0, n_s)
    required = np.minimum(start + rng.uniform(0.3, 2.5, n_s), 5.0)
    sd = rng.uniform(0.05, 0.8, n_s)
    nodes = np.asarray([-2.857, -1.356, 0.0, 1.356, 2.857])
    x = np.clip(start[:, None] + sd[:, None] * nodes[None, :], 0.0, 5.0)
    gap = np.maximum(required[:, None] - x, 0.0)
    n_i = int(rng.integers(*n_items))
    gain = np.zeros((n_i, n_s))
    climb = np.zeros((n_i, n_s))
    level = np.zeros((n_i, n_s), dtype=np.int64)
    for i in range(n_i):
        for s in rng.choice(n_s, size=int(rng.integers(1, 3)), replace=False).tolist():
            lv = int(rng.integers(max(1, int(np.ceil(start[s]))), 6))
            full = float(rng.uniform(0.2, 1.2))
            step = lv - start[s]
            level[i, s] = lv
            climb[i, s] = full
            gain[i, s] = full if step <= 1.0 else full * float(rng.uniform(0.0, 0.5))
    requires = [(i, j) for i in range(n_i) for j in range(i) if rng.random() < 0.12]
    duration = rng.integers(10, 200, size=n_i).astype(float)
    budget = float(rng.uniform(0.2, 0.8) * duration.sum())
    return PlanProblem(
        duration=duration,
        gain=gain,
        climb=climb,
        level=level,
        start=start,
        gap=gap,
        node_weight=NODE_WEIGHTS.astype(np.float64),
        weight=rng.uniform(0.5, 2.0, n_s),
        requires=requires,
        budget=budget,
        reach_tol=float(rng.choice([0.0, 0.05])),
    )


def brute_force(problem: PlanProblem) -> float:
    best = 0.0
    for bits in itertools.product((False, True), repeat=problem.n_items):
        best = max(best, closed_value(problem, np.asarray(bits)))
    return best


@pytest.mark.parametrize("seed", range(40))
def test_milp_matches_brute_force_on_small_instances(seed: int) -> None:
    problem = random_problem(np.random.default_rng(seed))
    # time enough to prove the optimum (the service's short limit reports its gap instead)
    solution = solve(problem, time_limit_s=30.0)
    chosen = solution.chosen
    optimum = brute_force(problem)
    got = closed_value(problem, chosen)
    assert got >= 0.98 * optimum - 1e-9, (got, optimum)
    assert solution.value == pytest.approx(got) and solution.gap <= MIP_REL_GAP + 1e-9
    # the choice itself is feasible: within budget, prerequisites kept
    assert problem.duration[chosen].sum() <= problem.budget + 1e-6
    assert all(chosen[j] for i, j in problem.requires if chosen[i])
    # and holds nothing that adds no value and enables nothing
    for i in np.flatnonzero(chosen).tolist():
        enables = any(b == i and chosen[a] for a, b in problem.requires)
        without = chosen.copy()
        without[i] = False
        assert enables or closed_value(problem, without) < got - 1e-12


@pytest.mark.parametrize("seed", range(40))
def test_the_reported_gap_bounds_the_distance_to_the_optimum(seed: int) -> None:
    # without branching (as on large problems) the plan is the rounded relaxation, and its
    # gap is measured against the relaxation's bound: never less than the true distance
    problem = random_problem(np.random.default_rng(2000 + seed))
    solution = solve(problem, exact_max_items=0)
    optimum = brute_force(problem)
    assert solution.value <= optimum + 1e-9
    if optimum > 0:
        assert (optimum - solution.value) / optimum <= solution.gap + 1e-9
    assert problem.duration[solution.chosen].sum() <= problem.budget + 1e-6
    assert all(solution.chosen[j] for i, j in problem.requires if solution.chosen[i])


@pytest.mark.parametrize("seed", range(40))
def test_pruning_keeps_an_optimal_plan(seed: int) -> None:
    # many items of few levels, so that some are beaten and left out
    rng = np.random.default_rng(1000 + seed)
    problem = random_problem(rng, n_items=(8, 15))
    keep = prune(problem)
    kept = np.flatnonzero(keep)
    new = np.cumsum(keep) - 1
    sub = PlanProblem(
        duration=problem.duration[keep],
        gain=problem.gain[keep],
        climb=problem.climb[keep],
        level=problem.level[keep],
        start=problem.start,
        gap=problem.gap,
        node_weight=problem.node_weight,
        weight=problem.weight,
        requires=[(int(new[i]), int(new[j])) for i, j in problem.requires if keep[i]],
        budget=problem.budget,
        reach_tol=problem.reach_tol,
    )
    assert all(keep[j] for i, j in problem.requires if keep[i])
    full = np.zeros(problem.n_items, dtype=bool)
    full[kept[solve(sub, time_limit_s=30.0).chosen]] = True
    best = brute_force(problem)
    assert closed_value(problem, full) >= (1 - MIP_REL_GAP) * best - 1e-9


def test_pruning_leaves_out_beaten_items() -> None:
    # ten equal items on one skill whose gap two of them close: the budget holds all ten
    problem = PlanProblem(
        duration=np.full(10, 30.0),
        gain=np.full((10, 1), 0.6),
        climb=np.full((10, 1), 0.6),
        level=np.full((10, 1), 2, dtype=np.int64),
        start=np.array([1.0]),
        gap=np.full((1, 5), 1.0),
        node_weight=NODE_WEIGHTS.astype(np.float64),
        weight=np.array([1.0]),
        budget=300.0,
    )
    assert prune(problem).tolist() == [True, True] + [False] * 8
    assert solve(problem).chosen.sum() == 2


def test_a_far_item_climbs_only_after_the_levels_below() -> None:
    # level 1 now; item 1 teaches level 3: 0.1 from here, 1.0 once item 0 brings level 2
    problem = PlanProblem(
        duration=np.array([60.0, 60.0]),
        gain=np.array([[1.0], [0.1]]),
        climb=np.array([[1.0], [1.0]]),
        level=np.array([[2], [3]], dtype=np.int64),
        start=np.array([1.0]),
        gap=np.full((1, 5), 2.0),
        node_weight=NODE_WEIGHTS.astype(np.float64),
        weight=np.array([1.0]),
        budget=120.0,
    )
    assert credited(problem, np.array([False, True]))[1, 0] == pytest.approx(0.1)
    assert credited(problem, np.array([True, True]))[1, 0] == pytest.approx(1.0)
    assert closed_value(problem, np.array([True, True])) == pytest.approx(2.0)
    assert solve(problem).chosen.tolist() == [True, True]
    # with time for one item only, the one at the level above now is worth more
    short = PlanProblem(**{**problem.__dict__, "budget": 60.0})
    assert solve(short).chosen.tolist() == [True, False]


def test_gains_on_one_skill_are_capped_by_its_gap() -> None:
    # two items each closing the whole gap: the second adds nothing and is left out
    problem = PlanProblem(
        duration=np.array([60.0, 50.0]),
        gain=np.array([[1.0], [1.0]]),
        climb=np.array([[1.0], [1.0]]),
        level=np.array([[2], [2]], dtype=np.int64),
        start=np.array([1.0]),
        gap=np.full((1, 5), 0.8),
        node_weight=NODE_WEIGHTS.astype(np.float64),
        weight=np.array([2.0]),
    )
    solution = solve(problem)
    assert solution.chosen.tolist() == [False, True]
    assert solution.value == pytest.approx(1.6)


@pytest.mark.parametrize("seed", range(20))
def test_pricing_finds_the_relaxations_optimum(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # start from 2 items and add 1 per round: the priced optimum is the full relaxation's
    problem = random_problem(np.random.default_rng(3000 + seed), n_items=(10, 30))
    program = plan_solver._program(problem)
    assert program is not None
    full = milp(
        program.c,
        constraints=program.constraints,
        integrality=np.zeros_like(program.integrality),
        bounds=program.bounds,
    )
    monkeypatch.setattr(plan_solver, "PRICING_START", 2)
    monkeypatch.setattr(plan_solver, "PRICING_STEP", 1)
    monkeypatch.setattr(plan_solver, "PRICING_ROUNDS", 100)
    priced = plan_solver._relaxation(problem, program)
    assert priced is not None
    assert priced[1] == pytest.approx(full.fun, abs=1e-7)
