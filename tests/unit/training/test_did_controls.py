"""DiD control candidates per skill: capped by a systematic sample along the level before,
which keeps the estimate (the sample stands in for the rest) at a bounded cost per item."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from recsvc.recommend.gain_curve import default_curve
from recsvc.training import did
from recsvc.training.did import ControlPairs, did_gains


def _controls(n: int, rng: np.random.Generator, first_employee: int) -> ControlPairs:
    """``n`` non-takers' assessment pairs of skill 0 drifting 0.01 levels a day."""
    days = rng.uniform(20, 60, n)
    return ControlPairs(
        e=np.arange(first_employee, first_employee + n, dtype=np.int64),
        s=np.zeros(n, np.int64),
        before=np.round(rng.uniform(0.5, 3.5, n), 2),
        change=0.01 * days + rng.normal(0, 0.2, n),
        days=days,
    )


def _estimate(controls: ControlPairs, n_takers: int, rng: np.random.Generator) -> pd.Series:
    """One item whose takers gain 1 level on top of the same drift."""
    days = rng.uniform(20, 60, n_takers)
    pairs = pd.DataFrame(
        {
            "e": np.arange(n_takers),
            "i": 0,
            "s": 0,
            "before": rng.uniform(1.0, 3.0, n_takers),
            "step": 1.0,
            "gain": 1.0 + 0.01 * days + rng.normal(0, 0.2, n_takers),
            "days": days,
        }
    )
    n_employees = n_takers + len(controls.e)
    enrolled = sp.csr_matrix(
        (np.ones(n_takers), (np.arange(n_takers), np.zeros(n_takers))), shape=(n_employees, 1)
    )
    return did_gains(pairs, controls, enrolled, default_curve(0.6)).iloc[0]


def test_candidates_beyond_the_cap_are_a_sample_spread_over_levels(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = np.random.default_rng(0)
    controls = _controls(5000, rng, first_employee=100)
    full = _estimate(controls, 100, np.random.default_rng(1))
    monkeypatch.setattr(did, "MAX_CONTROLS_PER_SKILL", 500)
    cand = did._Candidates.of_skill(controls, 0)
    assert len(cand.rows) == 500
    assert (np.diff(cand.rows) > 0).all()  # the pairs' own order, no repeats
    levels = controls.before[cand.rows]
    everyone = controls.before
    assert abs(np.median(levels) - np.median(everyone)) < 0.05
    assert levels.min() == everyone.min() and levels.max() == everyone.max()
    sampled = _estimate(controls, 100, np.random.default_rng(1))
    assert sampled["n_controls"] < full["n_controls"]
    # the drift read from a tenth of the pairs: the same within sampling error
    assert sampled["control_rate"] == pytest.approx(0.01, abs=0.002)
    assert sampled["att"] == pytest.approx(full["att"], abs=0.05)
    assert sampled["att"] == pytest.approx(1.0, abs=0.15)


def test_below_the_cap_every_candidate_is_used() -> None:
    controls = _controls(300, np.random.default_rng(2), first_employee=50)
    cand = did._Candidates.of_skill(controls, 0)
    np.testing.assert_array_equal(cand.rows, np.arange(300))
    assert (np.diff(controls.before[cand.rows_by_level]) >= 0).all()
