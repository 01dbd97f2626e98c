"""The factor models' fit budget: iterations cut to what the two fits afford, the tuner scoring
what will be fitted, and a candidate that cannot afford a minimal fit left out, with reasons."""

from __future__ import annotations

import pytest

from recsvc.dataset import Dataset, build_dataset
from recsvc.sample import generate_sample
from recsvc.training.assemble import WARM_ITERATIONS, Hyperparams
from recsvc.training.holdout import make_holdout
from recsvc.training.mf_budget import MIN_BUDGET_S, MIN_ITERATIONS, US_PER_INTERACTION, MfBudget
from recsvc.training.tune import tune


def test_estimate_grows_with_interactions_iterations_and_factors() -> None:
    b = MfBudget(1_000_000, 1_400_000, 100.0)
    assert b.seconds("bpr", 64, 100) == pytest.approx(2 * b.seconds("bpr", 64, 50))
    assert b.seconds("bpr", 128, 50) > b.seconds("bpr", 64, 50)
    assert MfBudget(2_000_000, 2_800_000, 100.0).seconds("bpr", 64, 50) == pytest.approx(
        2 * b.seconds("bpr", 64, 50)
    )
    # ALS's full fit starts from the holdout fit's factors: more iterations cost only on the
    # holdout's part; BPR pays them on both fits
    train_only = MfBudget(1_000_000, 0, 100.0)
    assert b.seconds("als", 64, 25) - b.seconds("als", 64, 15) == pytest.approx(
        train_only.seconds("als", 64, 10)
    )
    assert b.seconds("als", 64, 5) - b.seconds("als", 64, 3) > train_only.seconds("als", 64, 2)
    assert b.seconds("bpr", 64, 25) - b.seconds("bpr", 64, 15) > train_only.seconds("bpr", 64, 10)
    assert WARM_ITERATIONS <= 10


def test_iterations_are_capped_at_the_budget_and_kept_below_it() -> None:
    small = MfBudget(500_000, 650_000, 100.0)
    assert small.seconds("bpr", 64, 100) < small.budget_s
    assert small.iterations("bpr", 64, 100) == 100
    big = MfBudget(3_000_000, 4_000_000, 100.0)
    capped = big.iterations("bpr", 64, 100)
    assert 0 < capped < 100
    assert big.seconds("bpr", 64, capped) <= big.budget_s < big.seconds("bpr", 64, capped + 1)
    assert big.skip_reason("bpr") is None
    huge = MfBudget(200_000_000, 260_000_000, 100.0)
    why = huge.skip_reason("bpr")
    assert why is not None and "260,000,000 interactions" in why
    assert f"{MIN_ITERATIONS['bpr']} iterations" in why


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return build_dataset(generate_sample(400, seed=12).tables)


def test_tuner_scores_and_picks_only_what_the_budget_affords(dataset: Dataset) -> None:
    holdout = make_holdout(dataset, "employee", seed=3)
    n = holdout.train.interacted().nnz
    full = dataset.interacted().nnz
    # a budget that affords BPR only a few dozen epochs at 64 factors
    budget = MfBudget(n, full, budget_s=MfBudget(n, full, 1.0).seconds("bpr", 64, 30))
    result = tune(
        holdout, Hyperparams(), algorithm="bpr", seed=1, budget_s=None, trials=3, fit_budget=budget
    )
    assert result.best.mf_algorithm == "bpr"
    assert budget.seconds("bpr", result.best.n_factors, result.best.n_iter) <= budget.budget_s
    fitted = [t for t in result.trials if t["model"] == "bpr"]
    assert len(fitted) == 3
    for t in fitted:  # every trial asked 50-200 epochs: each was cut and says to what
        n_iter = t.get("fitted_n_iter", t["n_iter"])
        factors = t.get("fitted_n_factors", t["n_factors"])
        assert budget.seconds("bpr", factors, n_iter) <= budget.budget_s
    assert "bpr" in result.budget_notes() and "fit budget" in result.budget_notes()["bpr"]


def test_a_candidate_that_cannot_afford_a_minimal_fit_is_left_out(dataset: Dataset) -> None:
    holdout = make_holdout(dataset, "employee", seed=3)
    n = holdout.train.interacted().nnz
    tight = MfBudget(
        n, n, budget_s=MfBudget(n, n, 1.0).seconds("bpr", 16, MIN_ITERATIONS["bpr"]) / 2
    )
    assert tight.skip_reason("als") is None  # ALS's minimum is cheaper
    result = tune(
        holdout, Hyperparams(), algorithm="auto", seed=1, budget_s=None, trials=1, fit_budget=tight
    )
    assert "bpr" not in result.candidates and "als" in result.candidates
    assert result.mf_skipped["bpr"] == tight.skip_reason("bpr")
    assert result.budget_notes()["bpr"].startswith("bpr skipped: ")
    assert result.best.mf_algorithm == "als"


def test_the_trainers_budget_grows_with_the_interactions_above_a_floor() -> None:
    small = MfBudget.for_data(50_000, 80_000)
    assert small.budget_s == MIN_BUDGET_S  # small data: the whole search
    assert small.iterations("bpr", 64, 100) == 100
    large = MfBudget.for_data(12_000_000, 17_000_000)  # ~a million employees
    assert large.budget_s == pytest.approx(17_000_000 * US_PER_INTERACTION / 1e6)
    assert MfBudget.for_data(24_000_000, 34_000_000).budget_s == pytest.approx(2 * large.budget_s)
