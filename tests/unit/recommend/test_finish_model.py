"""Level-step bins and the completion probability read from them."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from recsvc.recommend.finish import N_BINS, STEP_EDGES, FinishModel, step_bins


def test_edges_are_half_levels_from_minus_to_plus_two_and_three_quarters() -> None:
    np.testing.assert_allclose(STEP_EDGES, np.arange(-2.75, 2.76, 0.5))
    assert N_BINS == len(STEP_EDGES) + 2 == 14


@pytest.mark.parametrize(
    ("step", "expected"),
    [
        (-9.0, 0),  # open-ended below the first edge
        (-2.75, 1),  # an edge belongs to the bin above it
        (-0.3, 5),
        (0.0, 6),  # [-0.25, 0.25): at the level
        (0.25, 7),
        (1.0, 8),  # [0.75, 1.25): one level above
        (2.74, 11),
        (2.75, 12),
        (9.0, 12),  # open-ended above the last edge
        (np.nan, 13),  # no skill: the last bin
    ],
)
def test_step_bins(step: float, expected: int) -> None:
    assert step_bins(np.array([step], dtype=np.float32)).tolist() == [expected]


def test_probability_reads_the_bin_of_the_main_skill() -> None:
    rates = (np.arange(N_BINS) / 100.0).astype(np.float32)  # bin b -> b / 100
    # item 0: skill 0 at 3 (weight 1) and skill 1 at 5 (0.5): skill 0 is the main one;
    # item 1: skill 1 at 2; item 2: no skills
    weight = sp.csr_matrix(np.array([[1.0, 0.5], [0.0, 1.0], [0.0, 0.0]], dtype=np.float32))
    level = sp.csr_matrix(np.array([[3.0, 5.0], [0.0, 2.0], [0.0, 0.0]], dtype=np.float32))
    model = FinishModel(rates, weight, level)
    p = model.probability(np.array([2.0, 2.0], dtype=np.float32))
    # item 0: step 1 -> bin 8; item 1: step 0 -> bin 6; item 2: the untagged bin 13
    np.testing.assert_allclose(p, [0.08, 0.06, 0.13], rtol=1e-6)
    p = model.probability(np.array([0.0, 4.0], dtype=np.float32))
    # item 0: step 3 -> bin 12; item 1: step -2 -> bin 2
    np.testing.assert_allclose(p, [0.12, 0.02, 0.13], rtol=1e-6)
