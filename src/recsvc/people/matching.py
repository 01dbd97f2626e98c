"""Stable many-to-one matching when both sides rank partners by the same weight.

Mentees rank mentors by the need a mentor would meet for them; mentors rank mentees by the
need they would meet. Both orders come from one weight per pair ``w[m, t] > 0`` (0: the pair
is not acceptable), so the market is *globally ranked*: with ties broken by one fixed
order, the stable matching is **unique**, and the greedy procedure finds it (take pairs by
falling weight; keep a pair when the mentee is still free and the mentor has a seat).

Why greedy is stable: a pair (m, t) left out was reached while m already had a partner of
at least its weight, or t was full of mentees of at least its weight, so neither would
leave for the other. Why it is the only stable matching: the heaviest acceptable pair must
be in every stable matching (else it blocks), and so on down the order.

So "the stable matching that meets the most need" is this one. Stability has a price:
a matching that ignored stability could meet more need in total (at most twice as much:
greedy is a 1/2-approximation of the maximum-weight b-matching) or match more mentees
(every stable matching matches the same people, the rural hospitals theorem). We choose
stability, because an unstable pair is a mentee and a mentor who would both rather work
with each other and can see it; :func:`max_need_bound` measures what it costs on each
instance, and the answer of ``POST /mentors/match`` reports both.

Ties are broken toward the mentee with fewer acceptable mentors, which matches more
people without breaking stability (it only refines the order among equal weights).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.optimize import linear_sum_assignment

__all__ = ["Matching", "blocking_pairs", "max_need_bound", "stable_match"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Matching:
    """``mentor_of[m]``: the mentor index of mentee m (-1: unmatched)."""

    mentor_of: IntArray
    need_met: float

    def load(self, n_mentors: int) -> IntArray:
        """Mentees assigned to each mentor."""
        matched = self.mentor_of[self.mentor_of >= 0]
        return np.bincount(matched, minlength=n_mentors).astype(np.int64)


def _check(weights: FloatArray, capacity: IntArray) -> tuple[FloatArray, IntArray]:
    w = np.asarray(weights, dtype=np.float64)
    cap = np.asarray(capacity, dtype=np.int64)
    if w.ndim != 2 or cap.shape != (w.shape[1],):
        raise ValueError(f"weights {w.shape} and capacity {cap.shape} disagree")
    if not np.isfinite(w).all():
        raise ValueError("weights must be finite")
    return w, cap


def stable_match(weights: FloatArray, capacity: IntArray) -> Matching:
    """The unique stable matching (mentees x mentors weights; capacity per mentor).

    Pairs with weight <= 0 are never matched; a mentor with capacity 0 takes nobody.
    Equal weights: the mentee with fewer acceptable mentors first, then lower indices.
    """
    w, cap = _check(weights, capacity)
    n_m, _ = w.shape
    rows, cols = np.nonzero(w > 0)
    options = np.bincount(rows, minlength=n_m)
    order = np.lexsort((cols, rows, options[rows], -w[rows, cols]))
    mentor_of = np.full(n_m, -1, dtype=np.int64)
    seats = cap.copy()
    total = 0.0
    for j in order.tolist():
        m, t = int(rows[j]), int(cols[j])
        if mentor_of[m] < 0 and seats[t] > 0:
            mentor_of[m] = t
            seats[t] -= 1
            total += float(w[m, t])
    return Matching(mentor_of, total)


def blocking_pairs(
    weights: FloatArray, capacity: IntArray, mentor_of: IntArray
) -> list[tuple[int, int]]:
    """Pairs (mentee, mentor) that would both rather be together than with their match.

    Acceptable and not matched together; the mentee is free or weighs its mentor lower;
    the mentor has a free seat or weighs its weakest mentee lower. Strict preferences
    only (ties never block), so this checks stability under any tie-breaking.
    """
    w, cap = _check(weights, capacity)
    mentor_of = np.asarray(mentor_of, dtype=np.int64)
    n_m, n_t = w.shape
    if n_m == 0 or n_t == 0:
        return []
    mine = np.where(mentor_of >= 0, w[np.arange(n_m), np.maximum(mentor_of, 0)], 0.0)
    load = np.bincount(mentor_of[mentor_of >= 0], minlength=n_t)
    weakest = np.full(n_t, np.inf)
    for m, t in enumerate(mentor_of.tolist()):
        if t >= 0:
            weakest[t] = min(weakest[t], w[m, t])
    mentor_wants = np.where(load < cap, 0.0, weakest)  # beat this to get a seat
    rows, cols = np.nonzero(w > 0)
    wp = w[rows, cols]
    blocks = (mentor_of[rows] != cols) & (wp > mine[rows]) & (wp > mentor_wants[cols])
    blocks &= cap[cols] > 0
    return [(int(m), int(t)) for m, t in zip(rows[blocks], cols[blocks], strict=True)]


def max_need_bound(weights: FloatArray, capacity: IntArray) -> tuple[float, int]:
    """(need met, mentees matched) by a maximum-weight matching that ignores stability.

    Each mentor is expanded into one column per seat and the assignment problem solved
    exactly (``scipy.optimize.linear_sum_assignment``); the stable matching's need met is
    at least half of this.
    """
    w, cap = _check(weights, capacity)
    seats = np.repeat(np.arange(w.shape[1]), np.maximum(cap, 0))
    if w.shape[0] == 0 or len(seats) == 0:
        return 0.0, 0
    expanded = np.maximum(w[:, seats], 0.0)
    rows, cols = linear_sum_assignment(expanded, maximize=True)
    got = expanded[rows, cols]
    return float(got.sum()), int((got > 0).sum())
