"""Measured gains reach the ranking: an item whose takers learn nothing sinks in learning value."""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from recsvc.recommend.gain_curve import default_curve
from recsvc.recommend.value import LearningValue, SkillNeed
from recsvc.training.did import net_gains
from recsvc.training.gains import item_effects


def test_an_item_that_teaches_nothing_sinks_below_one_that_teaches() -> None:
    # items 0 and 1 both teach skill 0 at level 3 to 30 learners one level below; item 0's
    # tests move by noise around 0 (+-0.3), item 1's by 1 level
    n = 30
    noise = np.where(np.arange(n) % 2 == 0, 0.3, -0.3)
    pairs = pd.DataFrame(
        {
            "e": np.arange(2 * n),
            "i": np.repeat([0, 1], n),
            "s": 0,
            "before": 2.0,
            "step": 1.0,
            "gain": np.concatenate([noise, 1.0 + noise]),
            "days": 10.0,
        }
    )
    # non-takers drifted 0.01 levels a day: 0.1 of each taker's change was not the course's
    trend = pd.DataFrame({"i": [0, 1], "s": [0, 0], "control_rate": [0.01, 0.01]})
    curve = default_curve(0.6)
    effects = item_effects(net_gains(pairs, trend), curve, (2, 1))
    # summed unclipped: noise does not make a useless item look half-useful
    assert effects[0, 0] < 0.1
    assert 0.85 < effects[1, 0] < 0.95  # (30 * 0.9 + 3) / (30 * 1 + 3)
    weight = sp.csr_matrix(np.ones((2, 1), np.float32))
    level = sp.csr_matrix(np.full((2, 1), 3.0, np.float32))
    value = LearningValue(weight, level, effects, curve)
    need = SkillNeed(
        current=np.array([2.0], np.float32),
        sd=np.array([0.3], np.float32),
        required=np.array([3.0], np.float32),
        weight=np.array([1.0], np.float32),
        proven=np.zeros(1, np.float32),
    )
    v = value.values(need)
    assert v[0] < 0.15 * v[1]
