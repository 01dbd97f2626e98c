"""The selection rule: the learned blend must beat the best single candidate by more than the
standard error of the paired per-employee difference, or the single candidate is served."""

from __future__ import annotations

import numpy as np
import pytest

from recsvc.training.select import BLEND, Decision, decide


def _options(shift: float, noise: float, n: int = 400, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    ease = rng.uniform(0.0, 0.4, n)
    return {
        "ease": ease,
        "popularity": ease - 0.05,
        BLEND: ease + shift + rng.normal(0.0, noise, n),
    }


def test_a_blend_ahead_by_less_than_one_standard_error_is_not_chosen() -> None:
    options = _options(shift=0.002, noise=0.2)
    decision = decide(options)
    # the blend's mean is ahead, but by less than the paired difference's standard error
    assert 0 < decision.margin < decision.se
    assert decision.chosen == "ease" and decision.best_single == "ease"
    diff = options[BLEND] - options["ease"]
    assert decision.margin == pytest.approx(diff.mean())
    assert decision.se == pytest.approx(diff.std(ddof=1) / np.sqrt(len(diff)))
    assert decision.n_users == 400


def test_a_blend_ahead_by_a_clear_margin_is_chosen() -> None:
    decision = decide(_options(shift=0.03, noise=0.05))
    assert decision.margin > decision.se > 0
    assert decision.chosen == BLEND and decision.best_single == "ease"


def test_a_blend_behind_is_never_chosen_and_the_best_single_wins() -> None:
    options = _options(shift=-0.02, noise=0.01)
    options["item_knn"] = options["ease"] + 0.01
    decision = decide(options)
    assert decision.margin < 0
    assert decision.chosen == decision.best_single == "item_knn"


def test_employees_without_held_out_items_are_left_out() -> None:
    options = _options(shift=0.03, noise=0.05, n=100)
    for values in options.values():
        values[:40] = np.nan  # no held-out items: every option is NaN for them
    decision = decide(options)
    assert decision.n_users == 60 and decision.chosen == BLEND


def test_without_a_blend_the_best_single_is_chosen_with_no_margin() -> None:
    options = _options(shift=0.0, noise=0.0)
    del options[BLEND]
    decision = decide(options)
    assert decision.chosen == "ease" and np.isnan(decision.margin)
    assert "blend_margin" not in decision.summary(str)


def test_the_summary_shows_the_margin_and_its_standard_error() -> None:
    decision = Decision("ease", "mf", 0.0012, 0.0031, 812)
    label = {"mf": "bpr"}.get
    summary = decision.summary(lambda name: label(name) or name)
    assert summary == {
        "best_single": "bpr",
        "employees": 812,
        "blend_margin": 0.0012,
        "blend_margin_se": 0.0031,
    }


def test_no_single_candidate_is_an_error() -> None:
    with pytest.raises(ValueError, match="no single candidate"):
        decide({BLEND: np.ones(3)})
