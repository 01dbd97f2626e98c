"""Mentor matching: known answers, and properties on random instances.

The module's model: mentees prefer mentors who meet more of their need (equal need: a
tie); mentors take anyone they qualify for over an empty seat and rank nobody. A pair is
unstable when the mentee prefers a mentor with a free seat to their match (or nobody).

The property tests check, against independent solvers (``linear_sum_assignment`` over
one column per seat), that every answer has 0 unstable pairs, holds every capacity,
pairs as many mentees as any matching can (so 100% whenever a complete matching exists),
and meets the most need among such matchings.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.optimize import linear_sum_assignment

from recsvc.people.matching import NEED_RESOLUTION, _settle, blocking_pairs, match, most_need


def brute_force_unstable(w: np.ndarray, cap: np.ndarray, mentor_of: np.ndarray) -> int:
    """Unstable pairs by the definition, written independently of the module's checker."""
    count = 0
    for m in range(w.shape[0]):
        for t in range(w.shape[1]):
            if w[m, t] <= 0 or mentor_of[m] == t or cap[t] == 0:
                continue
            mine = w[m, mentor_of[m]] if mentor_of[m] >= 0 else 0.0
            free_seat = int((mentor_of == t).sum()) < cap[t]
            count += bool(w[m, t] > mine and free_seat)
    return count


def best_by_assignment(w: np.ndarray, cap: np.ndarray) -> tuple[int, float]:
    """(most mentees any matching pairs, most need among those matchings), by a dense
    assignment over seats with a lexicographic value (independent of the module)."""
    seats = np.repeat(np.arange(w.shape[1]), cap)
    if w.shape[0] == 0 or len(seats) == 0:
        return 0, 0.0
    need = np.maximum(w[:, seats], 0.0)
    big = need.max(axis=1).sum() + 1.0
    value = np.where(need > 0, big + need, 0.0)
    rows, cols = linear_sum_assignment(value, maximize=True)
    got = need[rows, cols]
    return int((got > 0).sum()), float(got.sum())


@st.composite
def instances(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    n_m = draw(st.integers(0, 20))
    n_t = draw(st.integers(0, 8))
    # small integer weights make ties common; 0 means "not acceptable"
    w = draw(arrays(np.float64, (n_m, n_t), elements=st.sampled_from([0.0, 0.0, 1.0, 2.0, 3.5])))
    cap = draw(arrays(np.int64, (n_t,), elements=st.integers(0, 3)))
    return w, cap


def check(w: np.ndarray, cap: np.ndarray) -> float:
    """Assert every property on one instance; the share of matchable mentees matched."""
    result = match(w, cap)
    mentor_of = result.mentor_of
    rounding = NEED_RESOLUTION * max(w.shape[0], 1)  # the module counts need in whole units
    assert brute_force_unstable(w, cap, mentor_of) == 0
    assert blocking_pairs(w, cap, mentor_of) == []
    assert (result.load(len(cap)) <= cap).all()
    matched = np.flatnonzero(mentor_of >= 0)
    assert (w[matched, mentor_of[matched]] > 0).all()  # only acceptable pairs
    assert result.need_met == pytest.approx(w[matched, mentor_of[matched]].sum(), abs=rounding)
    most_mentees, most_need_then = best_by_assignment(w, cap)
    assert len(matched) == most_mentees
    assert result.need_met == pytest.approx(most_need_then, abs=rounding)
    need_only, _ = most_need(w, cap)
    assert result.need_met <= need_only + 1e-9
    return len(matched) / most_mentees if most_mentees else 1.0


@settings(max_examples=400, deadline=None)
@given(instances())
def test_stable_capacity_held_and_the_most_mentees_matched(
    inst: tuple[np.ndarray, np.ndarray],
) -> None:
    check(*inst)


def test_every_mentee_matched_whenever_a_complete_matching_exists() -> None:
    """Random instances where some matching pairs every mentee who has a possible mentor:
    each instance has everyone matched (the Done-when asks >= 95% per instance)."""
    rng = np.random.default_rng(7)
    shares = []
    for _ in range(600):
        n_m, n_t = int(rng.integers(1, 40)), int(rng.integers(1, 15))
        density = rng.uniform(0.05, 0.6)
        w = np.where(rng.random((n_m, n_t)) < density, rng.uniform(0.1, 5, (n_m, n_t)), 0.0)
        cap = rng.integers(0, 4, n_t)
        wanting = int((w[:, cap > 0] > 0).any(axis=1).sum())
        if wanting == 0 or best_by_assignment(w, cap)[0] < wanting:
            continue  # capacity cannot take everyone: the property test covers these
        check(w, cap)
        shares.append(float((match(w, cap).mentor_of >= 0).sum()) / wanting)
    assert len(shares) > 150
    assert min(shares) == 1.0


def test_pairing_more_mentees_comes_before_need() -> None:
    """A needs X much more than Y; B can only use X. Both are paired (A with Y), and the
    answer's most-need figure shows what pairing only A with X would have met."""
    w = np.array([[5.0, 0.5], [1.0, 0.0]])  # mentees A, B x mentors X, Y
    cap = np.array([1, 1])
    result = match(w, cap)
    assert result.mentor_of.tolist() == [1, 0]
    assert result.need_met == pytest.approx(1.5)
    assert most_need(w, cap) == (pytest.approx(5.0), 1)


def test_with_mentor_preferences_no_stable_matching_pairs_both() -> None:
    """Why mentors rank nobody: were mentor X to prefer A (who meets more need with X) to
    B, A-X would be in every stable matching and B, who only fits X, would be left out (the
    rural hospitals theorem). Checked over every matching of the instance above."""
    w = np.array([[5.0, 0.5], [1.0, 0.0]])

    def two_sided_stable(mentor_of: tuple[int, int]) -> bool:
        for m, t in itertools.product(range(2), range(2)):
            if w[m, t] <= 0 or mentor_of[m] == t:
                continue
            mentee_prefers = mentor_of[m] < 0 or w[m, t] > w[m, mentor_of[m]]
            holder = [o for o in range(2) if mentor_of[o] == t]
            mentor_prefers = not holder or w[m, t] > w[holder[0], t]
            if mentee_prefers and mentor_prefers:
                return False
        return True

    options = [(a, b) for a in (-1, 0, 1) for b in (-1, 0) if a < 0 or a != b]
    options = [o for o in options if all(t < 0 or w[m, t] > 0 for m, t in enumerate(o))]
    assert [o for o in options if two_sided_stable(o)] == [(0, -1)]
    assert match(w, np.array([1, 1])).mentor_of.tolist() == [1, 0]  # ours: both


def test_ties_never_block_and_need_below_the_resolution_is_a_tie() -> None:
    w = np.array([[2.0, 2.0]])
    cap = np.array([1, 1])
    assert blocking_pairs(w, cap, np.array([1])) == []  # mentor 0 has a seat, but no better
    near = np.array([[1.0 + NEED_RESOLUTION / 10, 1.0]])
    assert blocking_pairs(near, cap, np.array([1])) == []
    clear = np.array([[1.0 + NEED_RESOLUTION, 1.0]])
    assert blocking_pairs(clear, cap, np.array([1])) == [(0, 0)]


def test_the_checker_finds_an_unstable_pair_and_a_full_mentor_never_blocks() -> None:
    w = np.array([[3.0, 1.0], [2.0, 0.0]])
    # mentee 0 with mentor 1 while mentor 0 has a free seat: unstable
    assert blocking_pairs(w, np.array([2, 1]), np.array([1, 0])) == [(0, 0)]
    assert brute_force_unstable(w, np.array([2, 1]), np.array([1, 0])) == 1
    # mentor 0 full (one seat, taken by mentee 1): mentors rank nobody, so no block
    assert blocking_pairs(w, np.array([1, 1]), np.array([1, 0])) == []
    # an unmatched mentee and a mentor with a free seat block
    assert blocking_pairs(w, np.array([1, 1]), np.array([-1, -1])) == [(0, 0), (0, 1), (1, 0)]


def test_settling_moves_mentees_until_nobody_prefers_a_free_seat() -> None:
    """The safety net after the solver: moves keep every mentee matched and end stable."""
    w = np.array([[1.0, 2.0, 3.0], [3.0, 0.0, 1.0]])
    cap = np.array([1, 1, 1])
    units = np.rint(w / NEED_RESOLUTION).astype(np.int64)
    mentor_of = np.array([0, 2], dtype=np.int64)
    _settle(units, cap, mentor_of)
    assert mentor_of.tolist() == [2, 0]  # each mentee at their best mentor
    assert blocking_pairs(w, cap, mentor_of) == []


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="disagree"):
        match(np.zeros((2, 3)), np.array([1, 1]))
    with pytest.raises(ValueError, match="finite"):
        match(np.array([[np.nan]]), np.array([1]))
    with pytest.raises(ValueError, match="0 or more"):
        match(np.array([[1.0]]), np.array([-1]))
