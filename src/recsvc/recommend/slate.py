"""Time-budget slates: the set of items with the most learning value that fits the budget.

With ``context.time_budget_minutes`` and the ``need`` objective, taking items in rank order
until the time runs out can leave a better set behind (one long item crowding out two short
ones worth more together). Instead, among the allowed items with learning value, choose

    maximise sum_i value_i x_i   subject to   sum_i minutes_i x_i <= budget,  sum_i x_i <= k

exactly (0/1 knapsack with a cardinality limit, solved by scipy's HiGHS MILP), and let the
ranking policy order that set; items without learning value may still fill the time left.
Values add up per item, as the policy treats them. Before solving, an item is left out when
``k`` other items are each worth at least as much and take no longer: no optimal set needs
it (exact, and it leaves a few dozen candidates even at 20,000 items).
"""

from __future__ import annotations

import bisect

import numpy as np
import numpy.typing as npt
from scipy.optimize import Bounds, LinearConstraint, milp

from recsvc.models.base import FloatArray
from recsvc.recommend.value import MIN_VALUE

__all__ = ["best_fitting_set", "restrict_to_best_fit"]

BoolArray = npt.NDArray[np.bool_]
Int64Array = npt.NDArray[np.int64]


def _undominated(
    candidates: Int64Array, value: FloatArray, minutes: FloatArray, k: int
) -> Int64Array:
    """Candidates that fewer than ``k`` others beat (worth at least as much, no longer)."""
    order = candidates[np.lexsort((candidates, minutes[candidates], -value[candidates]))]
    seen: list[float] = []  # minutes of the items before, sorted
    keep = []
    for i in order.tolist():
        d = float(minutes[i])
        if bisect.bisect_right(seen, d) < k:
            keep.append(i)
        bisect.insort(seen, d)
    return np.asarray(sorted(keep), dtype=np.int64)


def best_fitting_set(
    candidates: Int64Array, value: FloatArray, minutes: FloatArray, budget: float, k: int
) -> Int64Array:
    """The at most ``k`` of ``candidates`` with the largest total value within ``budget``."""
    fits = candidates[minutes[candidates] <= budget]
    if k <= 0 or len(fits) == 0:
        return np.zeros(0, dtype=np.int64)
    pool = _undominated(fits, value, minutes, k)
    if float(minutes[pool].sum()) <= budget and len(pool) <= k:
        return pool
    v = value[pool].astype(np.float64)
    d = minutes[pool].astype(np.float64)
    result = milp(
        -v,
        constraints=[
            LinearConstraint(np.vstack([d, np.ones(len(pool))]), -np.inf, [budget, float(k)])
        ],
        integrality=np.ones(len(pool)),
        bounds=Bounds(0.0, 1.0),
    )
    if result.x is None:  # cannot happen for a knapsack with x = 0 feasible; be safe
        return np.zeros(0, dtype=np.int64)
    return np.asarray(pool[result.x > 0.5], dtype=np.int64)


def restrict_to_best_fit(
    allowed: BoolArray, value: FloatArray, minutes: FloatArray, budget: float, k: int
) -> BoolArray:
    """``allowed`` with its items of learning value cut to the best set fitting ``budget``.

    Items without learning value are left as they are (they only fill leftover time).
    """
    has_value = allowed & (value >= MIN_VALUE)
    best = best_fitting_set(np.flatnonzero(has_value), value, minutes, budget, k)
    out = allowed & ~has_value
    out[best] = True
    return out
