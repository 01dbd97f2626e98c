"""Skill-state accuracy on synthetic data whose answer is known."""

from __future__ import annotations

import numpy as np
import pytest

from recsvc.evaluate.skill_state import (
    EVIDENCE_KINDS,
    SkillPairs,
    expected_calibration_error,
    pass_probability,
    skill_state_rows,
    skill_state_scores,
)


def _calibrated(n: int = 20_000, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """True levels drawn from exactly the Normal(mean, sd) the estimate claims."""
    rng = np.random.default_rng(seed)
    mean = rng.uniform(0.5, 4.5, n)
    sd = rng.uniform(0.2, 1.2, n)
    return mean, sd, rng.normal(mean, sd)


def test_pass_probability_is_one_minus_the_normal_cdf() -> None:
    assert pass_probability([3.0], [1.0], 3)[0] == pytest.approx(0.5)
    assert pass_probability([3.0], [1.0], 2)[0] == pytest.approx(0.841345, abs=1e-5)
    assert pass_probability([3.0], [0.0], 4)[0] == 0.0  # sd 0: a step, not a division by 0


def test_ece_by_hand() -> None:
    prob = [0.05, 0.05, 0.95, 0.95]
    # bin 0: predicted 0.05, observed 0.5 (half the weight); bin 9: 0.95 vs 1.0
    assert expected_calibration_error(prob, [0, 1, 1, 1]) == pytest.approx(0.5 * 0.45 + 0.5 * 0.05)
    assert expected_calibration_error([1.0, 0.0], [1, 0]) == 0.0  # p = 1 lands in the top bin
    assert np.isnan(expected_calibration_error([], []))


def test_a_calibrated_estimate_has_ece_near_zero() -> None:
    mean, sd, true = _calibrated()
    row = skill_state_scores(mean, sd, true)
    assert row.ece < 0.015
    assert 0.5 < row.auc < 1.0
    assert row.mae == pytest.approx(np.sqrt(2 / np.pi) * sd.mean(), rel=0.05)


def test_an_overconfident_estimate_is_miscalibrated_with_the_same_mean() -> None:
    mean, sd, true = _calibrated()
    good = skill_state_scores(mean, sd, true)
    bad = skill_state_scores(mean, sd / 5, true)
    assert bad.mae == good.mae and bad.ece > 0.05 > 0.01 > good.ece


def test_exact_estimates_rank_perfectly() -> None:
    true = np.array([0.3, 1.2, 2.7, 3.1, 4.6, 4.9, 2.2])
    row = skill_state_scores(true, np.full(len(true), 0.01), true)
    assert row.auc == 1.0 and row.mae == 0.0 and row.rmse == 0.0
    assert row.ece < 1e-6 and row.n == len(true)


def test_mae_and_rmse_by_hand() -> None:
    true = np.array([1.0, 2.0, 3.0, 4.0])
    row = skill_state_scores(true + np.array([0.5, -0.5, 1.0, -1.0]), np.ones(4), true)
    assert row.mae == pytest.approx(0.75)
    assert row.rmse == pytest.approx(np.sqrt((0.25 + 0.25 + 1 + 1) / 4))


def test_auc_is_nan_with_one_class_and_empty_input_is_nan() -> None:
    assert np.isnan(skill_state_scores([5.0], [1.0], [5.0]).auc)  # passes every L
    empty = skill_state_scores([], [], [])
    assert empty.n == 0 and np.isnan(empty.mae) and np.isnan(empty.ece)


def test_rows_break_down_by_evidence_kind_only_when_reported() -> None:
    mean, sd, true = _calibrated(n=400)
    evidence = np.where(np.arange(400) < 100, 3, 1).astype(np.int8)
    rows = skill_state_rows(SkillPairs(mean, sd, true, evidence))
    assert [(r.group, r.n) for r in rows] == [
        ("all", 400),
        (EVIDENCE_KINDS[1], 300),
        (EVIDENCE_KINDS[3], 100),
    ]
    unknown = SkillPairs(mean, sd, true, np.full(400, -1, dtype=np.int8))
    assert [r.group for r in skill_state_rows(unknown)] == ["all"]
    assert skill_state_rows(SkillPairs.concat([]))[0].n == 0
    both = SkillPairs.concat([unknown, unknown])
    assert len(both.mean) == 800 and rows[0].to_dict()["n"] == 400
