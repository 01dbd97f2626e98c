"""The exposure floor: known answers for the re-ranking and for calibrating it across groups."""

from __future__ import annotations

import numpy as np
import pytest

from recsvc.evaluate.exposure import MAX_LOSS, Pools, calibrate_floor
from recsvc.recommend.exposure_floor import emphasise_value


def test_emphasis_moves_the_list_from_the_policys_order_to_learning_value() -> None:
    scores = np.array([1.0, 0.9, 0.8, 0.7, 0.6])
    values = np.array([0.1, 0.2, 0.0, 0.9, 0.5])
    pos, key = emphasise_value(scores, values, 3, 0.0)
    assert pos.tolist() == [0, 1, 2] and key.tolist() == [1.0, 0.9, 0.8]
    pos, key = emphasise_value(scores, values, 3, 1.0)
    assert pos.tolist() == [3, 4, 1]  # by value alone
    assert key.tolist() == pytest.approx([1.0, 0.5 / 0.9, 0.2 / 0.9])
    pos, key = emphasise_value(scores, values, 5, 0.5)
    assert (np.diff(key) <= 0).all() and 0.0 <= key.min() <= key.max() <= 1.0


def _pools(n: int, buried: np.ndarray) -> Pools:
    """Pools of 30 items with values 0..1; for ``buried`` people the policy ranks the
    valuable items last (as if it favoured what they are likely to take), for the rest first."""
    value = np.linspace(1.0, 0.0, 30)
    scores, values = [], []
    for u in range(n):
        scores.append(np.linspace(1.0, 0.0, 30))
        values.append(value[::-1].copy() if buried[u] else value.copy())
    return Pools(10, scores, values, np.ones(n))


def test_the_floor_lifts_an_under_exposed_group_into_the_band() -> None:
    n = 80
    group = np.array(["a"] * 40 + ["b"] * 40, dtype=object)
    # half of group b (and nobody in a) gets its valuable items buried by the policy
    buried = np.zeros(n, dtype=bool)
    buried[40:60] = True
    audit, emphasis = calibrate_floor(_pools(n, buried), {"audit_x": group})
    rows = {g.group: g for g in audit.groups["audit_x"]}
    assert rows["b"].ratio_before < 0.8 and not audit.in_band_before
    assert 0.8 <= rows["b"].ratio_after <= 1.25 and audit.in_band_after
    assert rows["a"].emphasis == 0.0 and rows["b"].emphasis > 0.0
    assert (emphasis[:40] == 0).all() and (emphasis[40:] == rows["b"].emphasis).all()
    assert audit.loss <= MAX_LOSS  # more value shown: nothing is given up
    # already in the band: the floor does nothing
    fair, none = calibrate_floor(_pools(n, np.zeros(n, bool)), {"audit_x": group})
    assert fair.in_band_before and fair.steps == 0 and not none.any()


def test_an_unreachable_band_is_reported_not_forced() -> None:
    n = 80
    group = np.array(["a"] * 40 + ["b"] * 40, dtype=object)
    pools = _pools(n, np.zeros(n, bool))
    pools.need[40:] = 10.0  # b needs ten times as much: no list can show enough
    audit, emphasis = calibrate_floor(pools, {"audit_x": group})
    assert not audit.in_band_after
    assert (emphasis[:40] == 0).all()  # the well-served group was not touched
    with pytest.raises(ValueError, match="contain 1.0"):
        calibrate_floor(pools, {"audit_x": group}, band=(1.1, 1.2))
