"""The plan's choice of items as a mixed-integer program, solved with HiGHS (scipy milp).

Maximise the value of :mod:`~recsvc.recommend.careers.plan_problem` within the budget,
prerequisites kept (``x_i <= x_j``), ``x`` binary. Per skill ``sum_k p_k min(g_sk, D)`` is
concave and piecewise linear in D (breaks at the node gaps), written as segments ``u_sj``
of decreasing slope with ``sum_j u_sj <= D_s``. The climb of level L is a binary ``z_sL``
(``threshold * z_sL <=`` what lower levels deliver) and its extra ``E_sL <= sum (climb -
gain) x`` and ``E_sL <= M z_sL`` (M: that sum at most, capped by the largest node gap:
delivering more is worth nothing).

Solving: the linear relaxation gives an upper bound on any plan's value and, rounded (the
items it takes whole less the idle ones, then greedily the most value per minute; or, on
problems of at most :data:`GREEDY_MAX_ITEMS` items, greedy alone if worth more), a quick
plan. If that is within :data:`MIP_REL_GAP` of the bound it is kept; otherwise, on
problems of at most :data:`EXACT_MAX_ITEMS` items, HiGHS branches for at most
:data:`TIME_LIMIT_S` and the better plan is kept. ``Solution.gap`` is the distance to the
best bound proven (the LP's, or HiGHS's): an upper bound on the distance to the optimum,
reported with every plan.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from recsvc.recommend.careers.plan_problem import (
    N_LEVELS,
    PlanProblem,
    Tally,
    closed_by_skill,
    closed_value,
    credited_rows,
)

__all__ = ["EXACT_MAX_ITEMS", "MIP_REL_GAP", "TIME_LIMIT_S", "Solution", "best_bound", "solve"]

#: a plan proven within this share of the optimum is kept
MIP_REL_GAP = 1e-2
#: past this, HiGHS returns its best plan so far and the gap it proved
TIME_LIMIT_S = 0.05
#: greedy alone is tried beside the rounded relaxation up to this many items (on the
#: 2,000-employee sample it sometimes won; at 20,000 items it costs more than the rest)
GREEDY_MAX_ITEMS = 1000
#: the relaxation is first solved over this many items (the most value per minute), then
#: up to PRICING_STEP more per round that would improve it, for at most PRICING_ROUNDS
#: (at 20,000 items, 500 needed a second round for 1 plan in 5; 300 for 2 in 3; 150 for all)
PRICING_START = 500
PRICING_STEP = 500
PRICING_ROUNDS = 50
#: items whose value is computed again together in the greedy fill
LAZY_BATCH = 32
#: HiGHS branches only on problems this small (after pruning): larger ones did not finish
#: within the time limit on the sample and never beat the rounded plan, which the long
#: runs of ``benchmarks/plan_quality.py --exact`` find within a few % of the optimum
EXACT_MAX_ITEMS = 60

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Solution:
    chosen: BoolArray
    value: float  # weighted gap closed in expectation
    gap: float  # proven relative distance to the optimum (0 up to MIP_REL_GAP)


def _segments(problem: PlanProblem) -> tuple[list[int], list[float], list[float]]:
    """Per skill, the concave curve ``sum_k p_k min(g_k, T)`` as (skill, width, slope)."""
    owner: list[int] = []
    width: list[float] = []
    slope: list[float] = []
    for s in range(len(problem.weight)):
        gaps = np.asarray(problem.gap[s], np.float64)
        prev = 0.0
        for g in np.unique(gaps[gaps > 1e-9]).tolist():
            owner.append(s)
            width.append(g - prev)
            slope.append(float(problem.weight[s] * problem.node_weight[gaps >= g - 1e-12].sum()))
            prev = g
    return owner, width, slope


def _without_idle(problem: PlanProblem, chosen: BoolArray, min_value: float) -> BoolArray:
    """Drop chosen items that add less than ``min_value`` (nothing, for 0) and that no
    chosen item needs (longest first).

    In rounds: every item left is tried alone; of those that may go, the longest ones
    go together as long as all of them together lose less than ``min_value``; then the
    rest are tried again, until none may go. (Many short items covering one gap several
    times over go in a round or two, not one by one.)"""
    out = chosen.copy()
    rows, gains = credited_rows(problem, out)
    delivered = gains.sum(axis=0)
    now = closed_by_skill(problem, delivered) @ problem.weight
    less = np.minimum(problem.gap[None, :, :], (delivered[None, :] - gains)[:, :, None])
    # what removing each item alone loses at least (lower levels may then climb less too)
    loses = now - (less @ problem.node_weight) @ problem.weight
    needed = np.zeros(len(out), dtype=bool)
    if problem.requires:
        pairs = np.asarray(problem.requires, dtype=np.int64)
        needed[pairs[out[pairs[:, 0]], 1]] = True
    maybe = rows[~needed[rows] & (loses < max(min_value, 1e-12))]
    tally = Tally(problem, out)
    value = tally.value()
    floor = max(min_value, 1e-12)
    # (an item no chosen item needs stays so as others are dropped)
    left = maybe[np.argsort(-problem.duration[maybe], kind="stable")]
    while len(left):
        alone = tally.values_without(left)
        fine = left[alone >= value - floor]
        if len(fine) == 0:
            break
        # the first goes (as tried alone), then the longest prefix losing too little
        short = np.flatnonzero(tally.values_without(fine, together=True) < value - floor)
        for i in fine[: max(int(short[0]) if len(short) else len(fine), 1)].tolist():
            tally.add(i, -1.0)
            out[i] = False
        value = tally.value()
        left = left[out[left]]
    return out


@dataclass(frozen=True)
class _Program:
    c: FloatArray
    constraints: list[LinearConstraint]
    integrality: FloatArray
    bounds: Bounds
    eps: float


def _program(problem: PlanProblem) -> _Program | None:
    """The mixed-integer program of the module docstring (None: nothing to gain)."""
    n_i = problem.n_items
    if n_i == 0 or not (problem.weight > 0).any() or not (problem.climb > 0).any():
        return None
    owner, width, slope = _segments(problem)
    n_u = len(owner)
    if n_u == 0:
        return None
    n_s = len(problem.weight)
    pairs = problem.climbs()
    n_p = len(pairs)
    # columns: x (items), u (segments), z (climbs), e (climb extras)
    u0, z0, e0 = n_i, n_i + n_u, n_i + n_u + n_p
    n_col = e0 + n_p
    rows: list[npt.NDArray[np.int64]] = []
    cols: list[npt.NDArray[np.int64]] = []
    vals: list[FloatArray] = []

    def put(r: IntArray, c: IntArray, v: float | FloatArray) -> None:
        rows.append(np.asarray(r, np.int64))
        cols.append(np.asarray(c, np.int64))
        vals.append(np.broadcast_to(np.asarray(v, np.float64), rows[-1].shape))

    # per skill: sum_j u_sj - sum_i gain_is x_i - sum_L e_sL <= 0
    g = sp.coo_matrix(problem.gain)
    put(g.col, g.row, -g.data)
    put(np.asarray(owner), u0 + np.arange(n_u), 1.0)
    top = problem.top
    ps = np.asarray([s for s, _ in pairs], dtype=np.int64)
    pl = np.asarray([lv for _, lv in pairs], dtype=np.int64)
    pair = np.full((n_s, N_LEVELS), -1, dtype=np.int64)
    pair[ps, pl] = np.arange(n_p)
    e_col, z_col = e0 + np.arange(n_p), z0 + np.arange(n_p)
    r_cap, r_top, r_thr = (
        n_s + 3 * np.arange(n_p),
        n_s + 3 * np.arange(n_p) + 1,
        n_s + 3 * np.arange(n_p) + 2,
    )
    put(ps, e_col, -1.0)
    # e <= sum (climb - gain) x over the items of its skill and level
    i_at, s_at = np.nonzero(problem.climb > problem.gain)
    p_at = pair[s_at, problem.level[i_at, s_at]]
    extra = problem.climb[i_at, s_at] - problem.gain[i_at, s_at]
    put(r_cap, e_col, 1.0)
    put(r_cap[p_at], i_at, -extra)
    # e <= M z (M: that sum at most, capped by the largest node gap)
    big_m = np.minimum(top[ps], np.bincount(p_at, extra, minlength=n_p))
    put(r_top, e_col, 1.0)
    put(r_top, z_col, -big_m)
    # threshold z <= what lower levels deliver (their gains and climb extras)
    put(r_thr, z_col, pl - 1 - problem.start[ps] - problem.reach_tol)
    for lv in range(1, N_LEVELS):
        has = pair[:, lv] >= 0
        i_lo, s_lo = np.nonzero((problem.level < lv) & (problem.gain > 0) & has[None, :])
        put(r_thr[pair[s_lo, lv]], i_lo, -problem.gain[i_lo, s_lo])
        for below in range(1, lv):
            both = np.flatnonzero(has & (pair[:, below] >= 0))
            put(r_thr[pair[both, lv]], e_col[pair[both, below]], -1.0)
    row = n_s + 3 * n_p
    req = np.asarray(problem.requires, dtype=np.int64).reshape(-1, 2)
    r_req = row + np.arange(len(req))
    put(r_req, req[:, 0], 1.0)
    put(r_req, req[:, 1], -1.0)
    n_row = row + len(req)
    a = sp.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(n_row, n_col),
    )
    upper_rows = np.zeros(n_row)
    if math.isfinite(problem.budget):  # one matrix: scipy converts each constraint again
        a = sp.vstack(
            [a, sp.csr_matrix((problem.duration, (np.zeros(n_i), np.arange(n_i))), (1, n_col))],
            format="csr",
        )
        upper_rows = np.r_[upper_rows, problem.budget]
    constraints = [LinearConstraint(a, -np.inf, upper_rows)]
    # a tiny cost per minute keeps items adding nothing out (never trades real value)
    eps = 1e-7 * float(np.dot(width, slope)) / max(float(problem.duration.sum()), 1.0)
    c = np.zeros(n_col)
    c[:n_i] = eps * problem.duration
    c[u0:z0] = -np.asarray(slope)
    upper = np.concatenate([np.ones(n_i), width, np.ones(n_p), top[ps]])
    integrality = np.zeros(n_col)
    integrality[:n_i] = 1
    integrality[z0:e0] = 1
    return _Program(c, constraints, integrality, Bounds(np.zeros(n_col), upper), eps)


def _fill(problem: PlanProblem, chosen: BoolArray, min_value: float = 0.0) -> BoolArray:
    """``chosen`` plus, greedily, the item adding the most value per minute that fits
    (its prerequisites already in), until none adds any (nor ``min_value`` or more): a
    quick good plan. Lazy: an item's value per minute is computed again only when it
    comes up first, as value added only shrinks as items are added (but for climbs: a
    heuristic either way). Work per step is a pass over arrays, not Python per item."""
    out = np.asarray(chosen, dtype=bool).copy()
    n, d = problem.n_items, problem.duration
    per = np.maximum(d, 1.0)
    left = problem.budget - float(d[out].sum())
    pairs = np.asarray(problem.requires, dtype=np.int64).reshape(-1, 2)
    missing = np.bincount(pairs[~out[pairs[:, 1]], 0], minlength=n)  # prerequisites not in
    tally = Tally(problem, out)
    z, _, delivered = tally.state()
    closed = closed_by_skill(problem, delivered)

    def added(items: IntArray) -> FloatArray:
        # over the (item, skill) pairs it teaches only: most items teach one goal skill
        row, col = np.nonzero(problem.climb[items] > 0)
        i = items[row]
        gain = problem.gain[i, col]
        more = gain + (problem.climb[i, col] - gain) * z[col, problem.level[i, col]]
        after = np.minimum(problem.gap[col], (delivered[col] + more)[:, None])
        up = (after @ problem.node_weight - closed[col]) * problem.weight[col]
        return np.asarray(np.bincount(row, up, len(items)), dtype=np.float64)

    def worth(items: IntArray) -> FloatArray:
        """Value added per minute; -inf where it is not worth adding (never again)."""
        more = added(items)
        ratio = more / per[items]
        return np.where((ratio > 1e-15) & (more >= min_value), ratio, -np.inf)

    est = np.full(n, -np.inf)  # each item's last value per minute: an upper bound
    idx = np.flatnonzero(~out & (d <= left + 1e-9))
    est[idx] = worth(idx)
    while True:
        est[d > left + 1e-9] = -np.inf  # no longer fits (the budget only shrinks)
        ready = np.flatnonzero((est > -np.inf) & (missing == 0))
        if len(ready) == 0:
            return out
        # the first few by their last value per minute, computed again together: take the
        # best if it still beats every other's last figure
        if len(ready) > LAZY_BATCH:
            top = np.argpartition(-est[ready], LAZY_BATCH - 1)[:LAZY_BATCH]
            batch, others = ready[top], np.delete(ready, top)
        else:
            batch, others = ready, ready[:0]
        est[batch] = worth(batch)
        k = int(np.argmax(est[batch]))
        i = int(batch[k])
        if est[i] == -np.inf or (len(others) and est[i] < est[others].max() - 1e-15):
            continue
        out[i], est[i] = True, -np.inf
        left -= float(d[i])
        missing -= np.bincount(pairs[pairs[:, 1] == i, 0], minlength=n)
        tally.add(i)
        z, _, delivered = tally.state()
        closed = closed_by_skill(problem, delivered)


def _relaxation(problem: PlanProblem, program: _Program) -> tuple[FloatArray, float] | None:
    """The linear relaxation's solution and optimum, by pricing: solved over the items
    worth most per minute first, adding the items whose reduced cost says they would
    improve it, until none would (then it is the optimum over all items, exactly)."""
    n_i = problem.n_items
    constraint = program.constraints[0]
    a = sp.csc_matrix(constraint.A)
    upper_rows = np.asarray(constraint.ub, dtype=np.float64)
    lower, upper = np.asarray(program.bounds.lb), np.asarray(program.bounds.ub)
    rest = np.arange(n_i, len(program.c))
    worth = (problem.climb @ problem.weight) / np.maximum(problem.duration, 1.0)
    inside = np.zeros(n_i, dtype=bool)
    inside[np.argsort(-worth, kind="stable")[:PRICING_START]] = True
    for _ in range(PRICING_ROUNDS):
        cols = np.concatenate([np.flatnonzero(inside), rest])
        result = linprog(
            program.c[cols],
            A_ub=a[:, cols],
            b_ub=upper_rows,
            bounds=np.column_stack([lower[cols], upper[cols]]),
            method="highs",
            # small LPs solved many times: presolve costs more than it saves (40% at 500 items)
            options={"presolve": False},
        )
        if result.x is None:
            return None
        duals = np.asarray(result.ineqlin.marginals, dtype=np.float64)
        reduced = program.c[:n_i] - a[:, :n_i].T @ duals
        better = np.flatnonzero(~inside & (reduced < -1e-9))
        if len(better) == 0:
            x = np.zeros(len(program.c))
            x[cols] = result.x
            return x, float(result.fun)
        inside[better[np.argsort(reduced[better], kind="stable")[:PRICING_STEP]]] = True
    return None


def solve(
    problem: PlanProblem,
    *,
    time_limit_s: float = TIME_LIMIT_S,
    min_value: float = 0.0,
    exact_max_items: int = EXACT_MAX_ITEMS,
) -> Solution:
    """The chosen items of an optimal plan (see the module docstring).

    First the linear relaxation (an upper bound on any plan's value) and a quick plan
    (see the module docstring). When that plan is within :data:`MIP_REL_GAP` of the bound
    it is proven good enough; otherwise, on small problems, HiGHS solves the program.
    Items adding less than ``min_value`` (none that another item needs) are then dropped:
    a plan lists nothing not worth the learner's time.
    """
    n_i = problem.n_items
    none = Solution(np.zeros(n_i, dtype=bool), 0.0, 0.0)
    program = _program(problem)
    if program is None:
        return none
    spent = min(problem.budget, float(problem.duration.sum()))
    relaxed = _relaxation(problem, program)
    if relaxed is None:  # cannot happen (x = 0 is feasible, pricing converges); be safe
        return none
    x_lp, objective = relaxed
    bound = -objective + program.eps * spent
    # two quick plans: the relaxation's whole items (idle ones out: the LP may take many
    # short items covering a gap over and over) filled greedily, and greedy alone
    chosen, value = none.chosen, 0.0
    starts = [_without_idle(problem, np.asarray(x_lp[:n_i] > 1.0 - 1e-6), min_value)]
    if n_i <= GREEDY_MAX_ITEMS:
        starts.append(none.chosen)
    for start in starts:
        candidate = _fill(problem, start, min_value)
        if (got := closed_value(problem, candidate)) > value:
            chosen, value = candidate, got
    if value < (1.0 - MIP_REL_GAP) * bound and n_i <= exact_max_items:
        result = milp(
            program.c,
            constraints=program.constraints,
            integrality=program.integrality,
            bounds=program.bounds,
            options={"time_limit": time_limit_s, "mip_rel_gap": MIP_REL_GAP},
        )
        if result.x is not None:
            exact = np.asarray(result.x[:n_i] > 0.5)
            if closed_value(problem, exact) > value:
                chosen, value = exact, closed_value(problem, exact)
        dual = getattr(result, "mip_dual_bound", None)
        if dual is not None and np.isfinite(dual):
            bound = min(bound, -float(dual) + program.eps * spent)
    chosen = _without_idle(problem, chosen, min_value)
    value = closed_value(problem, chosen)
    return Solution(chosen, value, max(0.0, (bound - value) / max(bound, 1e-12)))


def best_bound(problem: PlanProblem, *, time_limit_s: float = 60.0) -> tuple[float, float]:
    """(value of HiGHS's best plan, proven upper bound on any plan's value) with a long
    time limit and a 0.01% gap: what the benchmarks measure the served plans against."""
    program = _program(problem)
    if program is None:
        return 0.0, 0.0
    result = milp(
        program.c,
        constraints=program.constraints,
        integrality=program.integrality,
        bounds=program.bounds,
        options={"time_limit": time_limit_s, "mip_rel_gap": 1e-4},
    )
    best = closed_value(problem, np.asarray(result.x[: problem.n_items] > 0.5))
    spent = min(problem.budget, float(problem.duration.sum()))
    dual = getattr(result, "mip_dual_bound", None)
    bound = -float(dual) + program.eps * spent if dual is not None else float("inf")
    return best, max(bound, best)
