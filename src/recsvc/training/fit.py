"""Fit the hybrid on a Dataset without writing anything: the trainer and the evaluation share it."""

from __future__ import annotations

from dataclasses import dataclass, replace

from recsvc.dataset import Dataset
from recsvc.models.ranker import LogisticRanker
from recsvc.recommend.state import ModelState
from recsvc.training.assemble import ContentParts, Hyperparams, fit_content, fit_state
from recsvc.training.calibrate import calibrate_engagement
from recsvc.training.holdout import Holdout, Protocol, make_holdout
from recsvc.training.mf_budget import MfBudget
from recsvc.training.select import Selection, fold_calibration, select_engagement
from recsvc.training.stages import LoggingProgress, StageTimer
from recsvc.training.tune import CfAlgorithm, TuneResult, tune

__all__ = ["FittedHybrid", "fit_hybrid"]


@dataclass(frozen=True)
class FittedHybrid:
    """Everything one fit produced.

    ``state`` is fitted on the whole ``dataset`` and is what a bundle stores; ``train_state``
    is fitted on ``holdout.train`` only (the ranker learned on it, and the trainer validates
    on it). The evaluation re-learns ablated rankers from the same ``holdout``.
    """

    dataset: Dataset
    content: ContentParts
    holdout: Holdout
    tuned: TuneResult
    selection: Selection
    ranker: LogisticRanker
    n_ranker_examples: int
    train_state: ModelState
    state: ModelState
    seed: int = 42

    @property
    def hyperparams(self) -> Hyperparams:
        return self.tuned.best


def fit_hybrid(
    dataset: Dataset,
    *,
    seed: int = 42,
    time_budget_s: float = 60.0,
    tune_trials: int | None = None,
    cf_algorithm: CfAlgorithm = "auto",
    timer: StageTimer | None = None,
    content: ContentParts | None = None,
    protocol: Protocol = "employee",
) -> FittedHybrid:
    """Features, tuning, base models and the learned ranker, stage by stage.

    Parameters
    ----------
    dataset
        Everything the models may learn from (its ``as_of`` is "now").
    time_budget_s
        Caps the hyper-parameter search; results are reproducible below the cap.
    tune_trials
        Runs this many tuning trials per model family instead (no deadline): the same
        result on any machine, however busy.
    content
        Precomputed content features (time-independent); fitted here when omitted.
    protocol
        How to hold out what tuning and the ranker learn from (``training.holdout``):
        ``"employee"`` (each warm employee's latest items) or ``"time"`` (one global cut).
    """
    timer = timer or StageTimer(LoggingProgress())
    with timer.stage("features"):
        content = content if content is not None else fit_content(dataset)
        holdout = make_holdout(dataset, protocol, seed=seed)
        fit_budget = MfBudget.for_data(holdout.train.interacted().nnz, dataset.interacted().nnz)
    with timer.stage("tune", total=None):
        tuned = tune(
            holdout,
            Hyperparams(),
            algorithm=cf_algorithm,
            seed=seed,
            budget_s=time_budget_s,
            trials=tune_trials,
            on_trial=timer.advance,
            fit_budget=fit_budget,
        )
    hp = tuned.best
    with timer.stage("fit"):
        train_state = fit_state(holdout.train, hp, content, seed=seed)
        full_state = fit_state(dataset, hp, content, seed=seed, warm_start=train_state)
    n_cold = len(holdout.cold_tune_users)
    with timer.stage("rank", total=3 * (len(holdout.tune_users) + n_cold)):
        selection = select_engagement(train_state, holdout, seed=seed, on_user=timer.advance)
        ranker, n_examples = selection.ranker, selection.n_examples
        slope, intercept = calibrate_engagement(
            replace(train_state, ranker=ranker), holdout, on_user=timer.advance
        )
        cold_ranker = selection.cold_ranker
        if cold_ranker is not None:
            cold_users = holdout.tune_users if selection.cold_on_warm else holdout.cold_tune_users
            cold_fit = calibrate_engagement(
                replace(train_state, ranker=cold_ranker),
                replace(holdout, tune_users=cold_users),
                on_user=timer.advance,
            )
            cold_ranker = fold_calibration(cold_ranker, cold_fit, (slope, intercept))

    def finished(state: ModelState) -> ModelState:
        params = replace(state.params, engagement_slope=slope, engagement_intercept=intercept)
        return replace(state, ranker=ranker, cold_ranker=cold_ranker, params=params)

    return FittedHybrid(
        dataset=dataset,
        content=content,
        holdout=holdout,
        tuned=tuned,
        selection=selection,
        ranker=ranker,
        n_ranker_examples=n_examples,
        train_state=finished(train_state),
        state=finished(full_state),
        seed=seed,
    )
