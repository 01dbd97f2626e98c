"""The level fit prefers one level above; the ranker learns real signal, not noise."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from recsvc.models import LogisticRanker
from recsvc.models.skill_gap import difficulty_fit, need_weights


def test_need_weights_use_importance_and_strategy() -> None:
    current = np.array([1.0, 4.0, 0.0], np.float32)
    required = np.array([3.0, 3.0, 0.0], np.float32)
    w = need_weights(
        required, np.array([0.5, 1.0, 1.0], np.float32), np.array([1.0, 0.0, 1.0], np.float32)
    )
    assert w.tolist() == [1.0, 1.0, 0.0]  # 0.5 * (1 + 1); nothing required: no weight
    gap = np.clip(required - current, 0.0, None)
    assert (gap * w).tolist() == [2.0, 0.0, 0.0]  # 2 levels of gap * 0.5 * (1 + 1)


def test_difficulty_fit_shape() -> None:
    f = difficulty_fit(np.array([-1.0, 0.0, 0.5, 1.0, 2.0, 3.0]), 0.6)
    assert f[3] == pytest.approx(1.0)
    assert f[0] == f[1] == 0
    assert f[3] > f[2] > 0 and f[3] > f[4] > f[5]


def test_ranker_learns_informative_feature_and_ignores_noise() -> None:
    rng = np.random.default_rng(0)
    signal = rng.normal(size=4000)
    noise = rng.normal(size=4000)
    constant = np.ones(4000)
    y = (signal + 0.3 * rng.normal(size=4000) > 0.5).astype(np.int8)
    x = np.column_stack([signal, noise, constant])
    ranker = LogisticRanker().fit(x, y, ["signal", "noise", "constant"])
    w = ranker.weights()
    assert w["signal"] > 2.0
    assert abs(w["noise"]) < 0.15
    assert w["constant"] == 0.0
    clone = LogisticRanker.from_arrays(ranker.to_arrays(), ["signal", "noise", "constant"])
    np.testing.assert_allclose(clone.decision_function(x), ranker.decision_function(x), rtol=1e-5)
    auc_like = np.mean(
        ranker.decision_function(x[y == 1])[:, None]
        > ranker.decision_function(x[y == 0])[None, :200]
    )
    assert auc_like > 0.9


def test_unfitted_models_say_so() -> None:
    with pytest.raises(NotFittedError, match="call fit"):
        LogisticRanker().decision_function(np.zeros((1, 1)))
