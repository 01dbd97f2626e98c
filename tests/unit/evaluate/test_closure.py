"""Skill-gap closure@k on hand-computed cases."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from recsvc.evaluate.closure import GapProfile, GroundTruth, estimated_closure, true_closure

# items x skills taught levels: item 0 teaches skill 0 to 2, item 1 skill 0 to 4,
# item 2 skill 1 to 3, item 3 teaches nothing the profile needs (skill 2)
LEVELS = sp.csr_matrix(np.array([[2, 0, 0], [4, 0, 0], [0, 3, 0], [0, 0, 5]], dtype=np.float32))


def _profile() -> GapProfile:
    """Skill 0: level 1 of 3 required (weight 2); skill 1: level 2 of 3 (weight 1)."""
    return GapProfile(
        skills=np.array([0, 1]),
        required=np.array([3.0, 3.0], np.float32),
        weight=np.array([2.0, 1.0], np.float32),
        current=np.array([1.0, 2.0], np.float32),
    )


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        ([0], 2 * 1 / 5),  # lifts skill 0 from 1 to 2: one of two levels, weight 2
        ([1], 2 * 2 / 5),  # reaches 4, capped at the required 3
        ([1, 2], 1.0),  # both gaps closed
        ([0, 1], 2 * 2 / 5),  # the best item per skill counts, not the sum
        ([3], 0.0),
        ([], 0.0),
    ],
)
def test_estimated_closure(items: list[int], expected: float) -> None:
    got = estimated_closure(_profile(), np.array(items, dtype=np.int64), LEVELS)
    assert got == pytest.approx(expected)


def test_no_gap_gives_nan() -> None:
    done = GapProfile(np.array([0]), np.array([2.0]), np.array([1.0]), np.array([3.0]))
    assert np.isnan(estimated_closure(done, np.array([1]), LEVELS))


def test_true_closure_uses_true_levels_and_gains() -> None:
    # truth: employee 0 is really at 2.5 on skill 0 (gap 0.5) and 2.0 on skill 1 (gap 1)
    levels = sp.csr_matrix(np.array([[2.5, 2.0, 0.0]], dtype=np.float32))
    known = sp.csr_matrix(np.array([[1.0, 1.0, 0.0]], dtype=np.float32))
    gains = sp.csr_matrix(
        np.array([[0.3, 0, 0], [0.4, 0, 0], [0, 0.25, 0], [0, 0, 1.0]], dtype=np.float32)
    )
    truth = GroundTruth(levels, known, gains, start_levels=levels)
    # item 1 (level 4, room clip(4.5 - 2.5) = 1): gain 0.4 of the 0.5 gap on skill 0 (w 2)
    # item 2 (level 3, room clip(3.5 - 2.0) = 1): gain 0.25 of the 1.0 gap on skill 1 (w 1)
    got = true_closure(_profile(), 0, np.array([1, 2]), truth, LEVELS)
    assert got == pytest.approx((2 * 0.4 + 1 * 0.25) / (2 * 0.5 + 1 * 1.0))
    # item 0 teaches skill 0 to level 2 < 2.5 true level: room 0, no gain
    assert true_closure(_profile(), 0, np.array([0]), truth, LEVELS) == pytest.approx(0.0)
