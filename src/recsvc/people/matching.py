"""Mentor matching: pair the most mentees, then meet the most need, with no unstable pair.

The preferences (the product model; the mentor section of docs/api.md says why):

- a **mentee** prefers the mentor who meets more of their need (``weights[m, t]``, the
  need as the answer reports it, to 4 decimals); mentors who meet the same need (they cover
  the same skills) are equal to them;
- a **mentor** is indifferent among the mentees they qualify for: they volunteered seats,
  not a ranking of colleagues, and the need a pair meets is the programme's goal, not the
  mentor's wish. A mentor still prefers a mentee they qualify for to an empty seat.

So a pair (mentee m, mentor t) is *unstable* when m would rather have t than their match
(or than nobody) and t has a free seat: a full mentor never takes anyone in exchange.

Why this model matches the most people: a stable matching that pairs as many mentees as
any matching does always exists, and the matching that pairs the most mentees and, among
those, meets the most need is one. Were m to prefer a mentor t with a free seat, moving m
to t would pair as many people and meet more need. So "0 unstable pairs" costs no pairing
at all. With strict preferences on the mentor side it would: a mentor's favourite mentee
can take the only seat another mentee could use, in every stable matching (the rural
hospitals theorem), which is why the mentor side is not given preferences the data does
not hold.

The matching is solved exactly as an assignment problem (one column per seat; one more
mentee is worth more than any need, so the most mentees come first, then the most need):
``scipy.sparse.csgraph.min_weight_full_bipartite_matching``, in whole units of need, so no
rounding decides anything. An integer program over the stability constraints
(``scipy.optimize.milp``) finds the same matching but took 11 s for 100 mentees where this
takes 15 ms. Any unstable pair left would then be moved (each move keeps the count and
raises the need met; none is expected), and :func:`blocking_pairs` checks the answer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

__all__ = ["NEED_RESOLUTION", "Matching", "blocking_pairs", "match", "most_need"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: need differences below this are ties (the answer reports need met to 4 decimals)
NEED_RESOLUTION = 1e-4


@dataclass(frozen=True)
class Matching:
    """``mentor_of[m]``: the mentor index of mentee m (-1: unmatched)."""

    mentor_of: IntArray
    need_met: float

    def load(self, n_mentors: int) -> IntArray:
        """Mentees assigned to each mentor."""
        matched = self.mentor_of[self.mentor_of >= 0]
        return np.bincount(matched, minlength=n_mentors).astype(np.int64)


def _check(weights: FloatArray, capacity: IntArray) -> tuple[IntArray, IntArray]:
    """Weights in whole units of :data:`NEED_RESOLUTION` (exact ties), and capacities."""
    w = np.asarray(weights, dtype=np.float64)
    cap = np.asarray(capacity, dtype=np.int64)
    if w.ndim != 2 or cap.shape != (w.shape[1],):
        raise ValueError(f"weights {w.shape} and capacity {cap.shape} disagree")
    if not np.isfinite(w).all():
        raise ValueError("weights must be finite")
    if (cap < 0).any():
        raise ValueError("capacity must be 0 or more")
    units = np.rint(np.maximum(w, 0.0) / NEED_RESOLUTION).astype(np.int64)
    units[:, cap == 0] = 0  # a mentor without seats is nobody's option
    return units, cap


def _assign(units: IntArray, cap: IntArray, *, count_first: bool) -> IntArray:
    """``mentor_of`` of the matching with the most need, after the most mentees if
    ``count_first``: an exact assignment over one column per seat (a dummy per mentee: nobody).

    Values are whole units, so float64 sums are exact: ``big`` exceeds any total need, so
    one more mentee outweighs any need (lexicographic order, exactly).
    """
    n_m, n_t = units.shape
    mentor_of = np.full(n_m, -1, dtype=np.int64)
    rows, cols = np.nonzero(units > 0)
    if not len(rows):
        return mentor_of
    reps = cap[cols]
    first_seat = np.cumsum(cap) - cap
    edge_start = np.repeat(np.cumsum(reps) - reps, reps)
    seat = np.repeat(first_seat[cols], reps) + np.arange(int(reps.sum())) - edge_start
    big = float(units.max(axis=1).sum() + 1) if count_first else 0.0
    value = np.repeat(units[rows, cols], reps).astype(np.float64) + big
    top = float(value.max()) + 1.0  # costs top - value > 0: sparse zeros mean "no edge"
    n_seats = int(cap.sum())
    graph = sparse.csr_array(
        (
            np.concatenate([top - value, np.full(n_m, top)]),
            (
                np.concatenate([np.repeat(rows, reps), np.arange(n_m)]),
                np.concatenate([seat, n_seats + np.arange(n_m)]),
            ),
        ),
        shape=(n_m, n_seats + n_m),
    )
    got_rows, got_cols = min_weight_full_bipartite_matching(graph)
    real = got_cols < n_seats
    mentor_of[got_rows[real]] = np.repeat(np.arange(n_t), cap)[got_cols[real]]
    return mentor_of


def _settle(units: IntArray, cap: IntArray, mentor_of: IntArray) -> None:
    """Move mentees to a preferred mentor with a free seat until none is left (in place)."""
    load = np.bincount(mentor_of[mentor_of >= 0], minlength=len(cap))
    while True:
        moved = False
        for m, t in _blocking(units, cap, mentor_of, load):
            if load[t] < cap[t] and units[m, t] > _mine(units, mentor_of)[m]:
                if mentor_of[m] >= 0:
                    load[mentor_of[m]] -= 1
                mentor_of[m] = t
                load[t] += 1
                moved = True
        if not moved:
            return


def match(weights: FloatArray, capacity: IntArray) -> Matching:
    """The matching pairing the most mentees, then meeting the most need; it is stable.

    ``weights``: mentees x mentors, the need a pair meets (<= 0: not acceptable);
    ``capacity``: seats per mentor (0: takes nobody).
    """
    units, cap = _check(weights, capacity)
    mentor_of = _assign(units, cap, count_first=True)
    _settle(units, cap, mentor_of)
    return Matching(mentor_of, _need(units, mentor_of))


def most_need(weights: FloatArray, capacity: IntArray) -> tuple[float, int]:
    """(need met, mentees matched) by the matching that meets the most need, whatever it
    pairs: what putting the number of mentees first costs in need."""
    units, cap = _check(weights, capacity)
    mentor_of = _assign(units, cap, count_first=False)
    return _need(units, mentor_of), int((mentor_of >= 0).sum())


def _need(units: IntArray, mentor_of: IntArray) -> float:
    return float(_mine(units, mentor_of).sum()) * NEED_RESOLUTION


def _mine(units: IntArray, mentor_of: IntArray) -> IntArray:
    """Need units each mentee's match meets (0: unmatched)."""
    if units.shape[1] == 0:
        return np.zeros(units.shape[0], dtype=np.int64)
    got = units[np.arange(units.shape[0]), np.maximum(mentor_of, 0)]
    return np.where(mentor_of >= 0, got, 0)


def _blocking(
    units: IntArray, cap: IntArray, mentor_of: IntArray, load: IntArray
) -> list[tuple[int, int]]:
    free = load < cap
    better = (units > _mine(units, mentor_of)[:, None]) & free[None, :] & (units > 0)
    if units.shape[0]:
        better[mentor_of >= 0, mentor_of[mentor_of >= 0]] = False
    return [(int(m), int(t)) for m, t in zip(*np.nonzero(better), strict=True)]


def blocking_pairs(
    weights: FloatArray, capacity: IntArray, mentor_of: IntArray
) -> list[tuple[int, int]]:
    """Unstable pairs: the mentee prefers the mentor (a need met larger by at least
    :data:`NEED_RESOLUTION`) to their match or to nobody, and the mentor has a free seat."""
    units, cap = _check(weights, capacity)
    mentor_of = np.asarray(mentor_of, dtype=np.int64)
    load = np.bincount(mentor_of[mentor_of >= 0], minlength=len(cap))
    return _blocking(units, cap, mentor_of, load)
