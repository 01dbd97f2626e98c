"""The plan's choice of items as a mixed-integer program, solved exactly with HiGHS (scipy milp).

A *milestone* is one skill level to reach (skill s, level L). It is reached by completing
an item that teaches s at level L, once the milestone one level below (if the plan has
one) is reached; it is worth ``value[m]`` (need weight x the part of the gap between L - 1
and L). Choose items ``x`` (0/1) and reached milestones ``y`` to

    maximise   sum_m value[m] y[m] - eps sum_i duration[i] x[i]
    subject to y[m] <= sum_{i teaches m} x[i]           (an item reaches it)
               y[m] <= y[below(m)]                       (levels in order)
               x[i] <= x[j]   for each prerequisite j of i still to take
               sum_i duration[i] x[i] <= budget
               x binary, 0 <= y <= 1

``y`` needs no integrality: for integral ``x`` each bound is 0 or 1 and the optimum takes
it. ``eps`` is small enough never to trade any milestone for time: it only keeps items that
reach nothing out of the plan. HiGHS proves its answer within ``MIP_REL_GAP`` (0.01%) of
the most weighted gap closed within the time. :func:`closed_value` scores any choice by the
same rules (brute-force checks in the tests compare against it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

__all__ = ["MIP_REL_GAP", "PlanProblem", "closed_value", "reached", "solve"]

#: HiGHS stops once its plan is proven within this share of the optimum
MIP_REL_GAP = 1e-4

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class PlanProblem:
    """Items, milestones and the rules between them (indices are positions in these lists)."""

    duration: FloatArray  # minutes per item
    covers: list[list[int]]  # milestones each item can reach
    value: FloatArray  # per milestone
    below: npt.NDArray[np.int64]  # per milestone: the milestone one level below, -1 none
    requires: list[tuple[int, int]] = field(default_factory=list)  # (item, item it needs)
    budget: float = float("inf")

    @property
    def n_items(self) -> int:
        return len(self.duration)


def reached(problem: PlanProblem, chosen: BoolArray) -> BoolArray:
    """Milestones a choice reaches: covered by a chosen item, with the level below reached."""
    covered = np.zeros(len(problem.value), dtype=bool)
    for i in np.flatnonzero(chosen).tolist():
        covered[problem.covers[i]] = True
    out = np.zeros_like(covered)
    for m in np.argsort(_depth(problem.below), kind="stable").tolist():
        b = int(problem.below[m])
        out[m] = covered[m] and (b < 0 or out[b])
    return out


def _depth(below: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    depth = np.zeros(len(below), dtype=np.int64)
    for m in range(len(below)):
        b, d = int(below[m]), 0
        while b >= 0:
            b, d = int(below[b]), d + 1
        depth[m] = d
    return depth


def closed_value(problem: PlanProblem, chosen: BoolArray) -> float:
    """Weighted gap a choice closes (0 if it breaks the budget or a prerequisite)."""
    c = np.asarray(chosen, dtype=bool)
    if float(problem.duration[c].sum()) > problem.budget + 1e-6:
        return 0.0
    if any(c[i] and not c[j] for i, j in problem.requires):
        return 0.0
    return float(problem.value[reached(problem, c)].sum())


def solve(problem: PlanProblem, *, time_limit_s: float = 5.0) -> BoolArray:
    """The chosen items of an optimal plan (see the module docstring)."""
    n_i, n_m = problem.n_items, len(problem.value)
    if n_i == 0 or n_m == 0 or not (problem.value > 0).any():
        return np.zeros(n_i, dtype=bool)
    positive = problem.value[problem.value > 0]
    total = float(problem.duration.sum()) or 1.0
    eps = 1e-4 * float(positive.min()) / total
    c = np.concatenate([eps * problem.duration, -problem.value])
    # rows: y[m] - sum x[i teaches m] <= 0; y[m] - y[below] <= 0; x[i] - x[needed] <= 0
    item_of = [(m, i) for i, ms in enumerate(problem.covers) for m in ms]
    chain = [(m, int(b)) for m, b in enumerate(problem.below.tolist()) if b >= 0]
    n_rows = n_m + len(chain) + len(problem.requires)
    r_cover = np.arange(n_m)
    r_chain = n_m + np.arange(len(chain))
    r_req = n_m + len(chain) + np.arange(len(problem.requires))
    chain_a = np.asarray(chain, dtype=np.int64).reshape(-1, 2)
    req_a = np.asarray(problem.requires, dtype=np.int64).reshape(-1, 2)
    cover_a = np.asarray(item_of, dtype=np.int64).reshape(-1, 2)
    rows = np.concatenate([cover_a[:, 0], r_cover, r_chain, r_chain, r_req, r_req])
    cols = np.concatenate(
        [
            cover_a[:, 1],
            n_i + r_cover,
            n_i + chain_a[:, 0],
            n_i + chain_a[:, 1],
            req_a[:, 0],
            req_a[:, 1],
        ]
    )
    vals = np.concatenate(
        [
            -np.ones(len(cover_a)),
            np.ones(n_m),
            np.ones(len(chain_a)),
            -np.ones(len(chain_a)),
            np.ones(len(req_a)),
            -np.ones(len(req_a)),
        ]
    )
    a = sp.csr_matrix((vals, (rows, cols)), shape=(n_rows, n_i + n_m))
    ub = np.zeros(n_rows)
    constraints = [LinearConstraint(a, -np.inf, ub)]
    if np.isfinite(problem.budget):
        budget_row = np.concatenate([problem.duration, np.zeros(n_m)])[None, :]
        constraints.append(LinearConstraint(budget_row, -np.inf, problem.budget))
    result = milp(
        c,
        constraints=constraints,
        integrality=np.concatenate([np.ones(n_i), np.zeros(n_m)]),
        bounds=Bounds(0.0, 1.0),
        options={"time_limit": time_limit_s, "mip_rel_gap": MIP_REL_GAP},
    )
    if result.x is None:
        return np.zeros(n_i, dtype=bool)
    return np.asarray(result.x[:n_i] > 0.5)
