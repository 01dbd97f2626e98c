"""Need value@k, waste@k and the greedy need oracle on hand-computed cases."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import scipy.sparse as sp

from recsvc.evaluate.closure import GapProfile, GroundTruth, true_closure
from recsvc.evaluate.need import NeedView, TeachTable, need_view, true_levels, truth_after

# items x skills taught levels (as in test_closure): item 0 teaches skill 0 to 2, item 1
# skill 0 to 4, item 2 skill 1 to 3, item 3 skill 2 to 5 (a skill no role of ours needs),
# item 4 skill 0 to 4 again, item 5 teaches nothing at all
LEVELS = sp.csr_matrix(
    np.array([[2, 0, 0], [4, 0, 0], [0, 3, 0], [0, 0, 5], [4, 0, 0], [0, 0, 0]], dtype=np.float32)
)
GAINS = np.array(
    [[0.3, 0, 0], [0.4, 0, 0], [0, 0.25, 0], [0, 0, 1.0], [0.3, 0, 0], [0, 0, 0]],
    dtype=np.float32,
)
# truth: employee 0 is at 2.5 on skill 0 (gap 0.5), 2.0 on skill 1 (gap 1), 1.0 on skill 2;
# employee 1 has no true level at all (the estimate stands in)
TRUTH = GroundTruth(
    sp.csr_matrix(np.array([[2.5, 2.0, 1.0], [0, 0, 0]], dtype=np.float32)),
    sp.csr_matrix(np.array([[1, 1, 1], [0, 0, 0]], dtype=np.float32)),
    sp.csr_matrix(GAINS),
    # two years earlier employee 0 was at 1.0 on skill 0 and 4.8 on skill 2
    start_levels=sp.csr_matrix(np.array([[1.0, 2.0, 4.8], [0, 0, 0]], dtype=np.float32)),
)
PROFILE = GapProfile(  # skill 0: 3 required, weight 2; skill 1: 3 required, weight 1
    skills=np.array([0, 1]),
    required=np.array([3.0, 3.0], np.float32),
    weight=np.array([2.0, 1.0], np.float32),
    current=np.array([1.0, 2.0], np.float32),
)
ESTIMATE = np.array([1.0, 2.0, 4.9], np.float32)


def _view(employee: int = 0) -> NeedView:
    level, _ = true_levels(TRUTH, employee, ESTIMATE)
    return need_view(PROFILE, level, TeachTable.build(LEVELS, TRUTH))


def _items(*idx: int) -> np.ndarray:
    return np.array(idx, dtype=np.int64)


def test_true_levels_fall_back_to_the_estimate() -> None:
    level, known = true_levels(TRUTH, 1, ESTIMATE)
    np.testing.assert_array_equal(level, ESTIMATE)
    assert not known.any()
    level, known = true_levels(TRUTH, 0, ESTIMATE)
    np.testing.assert_array_equal(level, [2.5, 2.0, 1.0])


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        ((1, 2), 2 * 0.4 + 1 * 0.25),  # room 1 on both: the gains themselves
        ((1, 4), 2 * 0.5),  # 0.4 + 0.3 on skill 0, capped at its true gap 0.5
        ((0,), 0.0),  # teaches skill 0 to 2 < 2.5: no room
        ((3, 5), 0.0),  # real learning, but on a skill the roles do not need
        ((1, -1, -1), 2 * 0.4),  # -1 padding ignored
    ],
)
def test_need_value_is_the_capped_weighted_true_gain(
    items: tuple[int, ...], expected: float
) -> None:
    view = _view()
    assert view.total == pytest.approx(2 * 0.5 + 1 * 1.0)
    assert view.value(_items(*items)) == pytest.approx(expected)


def test_closure_is_need_value_over_the_gap_and_matches_true_closure() -> None:
    view = _view()
    for items in ((1, 2), (0,), (1, 4, 2), (2,)):
        lst = _items(*items)
        assert view.closure(lst) == pytest.approx(view.value(lst) / view.total)
        assert view.closure(lst) == pytest.approx(true_closure(PROFILE, 0, lst, TRUTH, LEVELS))


def test_waste_counts_items_that_teach_nothing_new_on_any_skill() -> None:
    view = _view()
    np.testing.assert_array_equal(view.useful, [False, True, True, True, True, False])
    # item 3 is useful (skill 2, level 1 -> room 1), though not for the roles' need
    assert view.waste(_items(0, 1, 3, 5)) == pytest.approx(2 / 4)
    assert np.isnan(view.waste(_items(-1, -1)))
    # employee 1 is estimated at 4.9 on skill 2: item 3 (level 5) has room 0.6, still useful
    assert _view(1).waste(_items(3)) == 0.0


def test_no_true_gap_gives_nan() -> None:
    one = np.ones(1, np.float32)
    done = GapProfile(np.array([1]), 2 * one, one, one)  # skill 1: true 2.0, required 2.0
    level, _ = true_levels(TRUTH, 0, ESTIMATE)
    view = need_view(done, level, TeachTable.build(LEVELS, TRUTH))
    assert np.isnan(view.value(_items(2))) and np.isnan(view.closure(_items(2)))
    assert len(view.oracle(np.arange(6), 3)) == 0


def test_oracle_is_greedy_on_capped_gains_and_stops_when_nothing_adds() -> None:
    view = _view()
    # item 1 adds 0.8 (2 x 0.4); then skill 0 has 0.1 left: item 4 adds 2 x 0.1 = 0.2 < item
    # 2's 0.25; then item 4 (0.2); item 0 adds nothing, so the list stops at three
    best = view.oracle(np.arange(6, dtype=np.int64), 5)
    assert best.tolist() == [1, 2, 4]
    assert view.value(best) == pytest.approx(2 * 0.5 + 0.25)  # skill 0 closed, 0.25 of skill 1
    assert view.oracle(np.arange(6, dtype=np.int64), 1).tolist() == [1]
    # only the allowed items are considered
    assert view.oracle(_items(0, 2, 4), 5).tolist() == [4, 2]
    assert view.waste(best) == 0.0


def test_teach_table_reads_dense_and_sparse_gains_alike() -> None:
    dense = replace(TRUTH, gains=GAINS)
    a, b = TeachTable.build(LEVELS, TRUTH), TeachTable.build(LEVELS, dense)
    np.testing.assert_array_equal(a.gain, b.gain)
    assert a.n_items == 6 and len(a.item) == 5  # one row per taught (item, skill)


def _replayed(*completions: tuple[int, int]) -> np.ndarray:
    employee, item = (np.array(col, dtype=np.int64) for col in zip(*completions, strict=True))
    after = truth_after(TRUTH, TeachTable.build(LEVELS, TRUTH), employee, item)
    return np.asarray(sp.csr_matrix(after.levels).toarray())


def test_truth_after_replays_completions_in_order_with_the_room_rule() -> None:
    # skill 0 from 1.0: item 1 (to 4, gain 0.4, room 1) -> 1.4; item 4 (to 4, 0.3) -> 1.7;
    # item 0 (to 2, 0.3, room clip(2.5 - 1.7) = 0.8) -> 1.94
    assert _replayed((0, 1), (0, 4), (0, 0))[0, 0] == pytest.approx(1.94)
    # the easy item first still has full room: 1.3, 1.7, 2.0
    assert _replayed((0, 0), (0, 1), (0, 4))[0, 0] == pytest.approx(2.0)


def test_truth_after_caps_at_five_and_keeps_employees_apart() -> None:
    got = _replayed((0, 3), (1, 1), (0, 2))
    assert got[0, 2] == pytest.approx(5.0)  # 4.8 + 1.0 * clip(5.5 - 4.8) = 5.5, capped
    assert got[0, 1] == pytest.approx(2.25)  # item 2: 2.0 + 0.25
    assert got[0, 0] == pytest.approx(1.0)  # employee 1's completion of item 1 is theirs
    assert not got[1].any()  # and employee 1 has no known cell to raise


def test_truth_after_nothing_is_the_start() -> None:
    none = np.zeros(0, dtype=np.int64)
    after = truth_after(TRUTH, TeachTable.build(LEVELS, TRUTH), none, none)
    start = sp.csr_matrix(TRUTH.start_levels).toarray()
    np.testing.assert_allclose(sp.csr_matrix(after.levels).toarray(), start)
