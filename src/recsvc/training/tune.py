"""Tune every candidate model on the warm tuning employees with Optuna, seeded.

Candidates: ALS and BPR (the factor model slot takes the better), EASE (when the catalogue
allows), item-kNN (cosine or BM25) and popularity in role (nothing to tune). Each gets a
fixed number of trials from a TPE sampler seeded by the training seed, its defaults tried
first; the time budget only caps the trials, so the same data and seed give the same
winners whenever the budget is not reached (the manifest records whether it was). A fixed
``trials`` per candidate replaces the budget where the result must not depend on how busy
the machine is (tests, reproducible runs).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp

from recsvc import metrics as m
from recsvc.models.base import binarize
from recsvc.models.cf import MatrixFactorization
from recsvc.models.ease import EASE, ease_skip_reason
from recsvc.models.knn import KNN_KINDS
from recsvc.models.popularity import GroupPopularity
from recsvc.training.assemble import Hyperparams, knn_model
from recsvc.training.attributes import employee_attributes
from recsvc.training.holdout import Holdout, K, top_k_rows
from recsvc.training.mf_budget import FEWEST_FACTORS, MIN_ITERATIONS, MfBudget

__all__ = ["TRIALS", "CfAlgorithm", "Candidate", "TuneResult", "tune"]

logger = logging.getLogger(__name__)

CfAlgorithm = Literal["auto", "als", "bpr", "ease"]
#: trials per candidate (the first is always the default settings)
TRIALS = {"als": 16, "bpr": 12, "ease": 8, "item_knn": 10}
#: fit trials on at most this many employees (all tuning users included): keeps each trial
#: seconds long on big organisations while the winner still transfers to the full fit
MAX_TUNE_ROWS = 30_000


@dataclass
class Candidate:
    """One candidate's best validation score and settings on the tuning employees."""

    name: str
    ndcg: float
    params: dict[str, Any]
    trials: int = 0
    budget_hit: bool = False


@dataclass
class TuneResult:
    best: Hyperparams
    candidates: dict[str, Candidate] = field(default_factory=dict)
    trials: list[dict[str, Any]] = field(default_factory=list)
    budget_hit: bool = False
    ease_skipped: str | None = None  # why EASE is off although the algorithm allowed it
    #: each tuned candidate's winning settings (the evaluation fits them as single models)
    winners: dict[str, Hyperparams] = field(default_factory=dict)
    #: factor models the fit budget left out, and why (``mf_budget``)
    mf_skipped: dict[str, str] = field(default_factory=dict)
    #: factor models whose winning settings the fit budget cut down, and how
    mf_capped: dict[str, str] = field(default_factory=dict)

    def budget_notes(self) -> dict[str, str]:
        """What the fit budget changed, per factor model (for the manifest and the summary)."""
        notes = {name: f"{name} skipped: {why}" for name, why in self.mf_skipped.items()}
        return notes | self.mf_capped

    @property
    def mf_ndcg(self) -> float:
        c = self.candidates.get(self.best.mf_algorithm)
        return c.ndcg if c is not None else float("nan")

    @property
    def ease_ndcg(self) -> float:
        c = self.candidates.get("ease")
        return c.ndcg if c is not None else float("nan")

    def summary(self) -> dict[str, dict[str, Any]]:
        """Per candidate: validation nDCG@10, chosen settings, trials run (for the manifest)."""
        return {
            name: {
                "ndcg@10": round(c.ndcg, 6),
                "params": c.params,
                "trials": c.trials,
                "budget_hit": c.budget_hit,
            }
            for name, c in self.candidates.items()
        }


@dataclass(frozen=True)
class _Sample:
    """Rows the tuner fits on: every tuning user plus, on big data, a random subset of others."""

    rows: np.ndarray  # employee idx of each matrix row
    users: np.ndarray  # positions of the tuning users among ``rows``
    seen: sp.csr_matrix
    relevant: sp.csr_matrix

    def ndcg(self, score: Callable[[np.ndarray], Any]) -> float:
        recs = top_k_rows(score, self.users, self.seen, K)
        return m.mean_over_users(m.ndcg_at_k(recs, self.relevant[self.users], K))


def _sample(holdout: Holdout, rng: np.random.Generator, max_rows: int) -> _Sample:
    n = holdout.train.n_employees
    if n <= max_rows:
        rows = np.arange(n)
    else:
        others = np.setdiff1d(np.arange(n), holdout.tune_users)
        extra = rng.choice(others, size=max(0, max_rows - len(holdout.tune_users)), replace=False)
        rows = np.sort(np.concatenate([holdout.tune_users, extra]))
    users = np.searchsorted(rows, holdout.tune_users)
    return _Sample(rows, users, holdout.seen[rows], holdout.relevant[rows])


def _mf_params(trial: Any, algorithm: str) -> dict[str, Any]:
    factors = trial.suggest_categorical("n_factors", [16, 32, 64, 128])
    if algorithm == "bpr":
        return {
            "n_factors": factors,
            "learning_rate": trial.suggest_float("learning_rate", 0.003, 0.1, log=True),
            "regularization": trial.suggest_float("regularization", 1e-4, 0.1, log=True),
            "n_iter": trial.suggest_categorical("n_iter", [50, 100, 200]),
        }
    return {
        "n_factors": factors,
        "regularization": trial.suggest_float("regularization", 0.01, 30.0, log=True),
        "n_iter": trial.suggest_categorical("n_iter", [10, 15, 25]),
        "alpha": trial.suggest_float("alpha", 1.0, 50.0, log=True),
        "half_life_days": trial.suggest_categorical("half_life_days", [0.0, 90.0, 365.0, 1095.0]),
    }


def _knn_params(trial: Any) -> dict[str, Any]:
    kind = trial.suggest_categorical("knn_kind", list(KNN_KINDS))
    params: dict[str, Any] = {
        "knn_kind": kind,
        "knn_neighbours": trial.suggest_categorical("knn_neighbours", [20, 50, 100, 200]),
    }
    if kind == "bm25":
        params["knn_k1"] = trial.suggest_float("knn_k1", 0.3, 3.0)
        params["knn_b"] = trial.suggest_float("knn_b", 0.0, 1.0)
    return params


class _Objectives:
    """Fit one candidate with one trial's settings and score it on the tuning employees."""

    def __init__(self, holdout: Holdout, base: Hyperparams, sample: _Sample, seed: int) -> None:
        self.train = holdout.train
        self.sample = sample
        self.seed = seed
        self.x = self.train.confidence(base.confidence)[sample.rows]
        self.xb = binarize(self.x)

    def mf(self, hp: Hyperparams) -> float:
        history = self.train.confidence(hp.confidence)[self.sample.rows]
        mf = MatrixFactorization(
            hp.mf_algorithm, hp.n_factors, hp.regularization, hp.n_iter, hp.learning_rate, self.seed
        ).fit(history)
        return self.sample.ndcg(partial(_dot_scores, mf.user_factors_, mf.item_factors_))

    def ease(self, hp: Hyperparams) -> float:
        b = EASE(l2=hp.ease_l2).fit(self.x).item_weights_
        return self.sample.ndcg(partial(_row_scores, self.xb, b))

    def knn(self, hp: Hyperparams) -> float:
        sim = knn_model(hp).fit(self.xb).similarity_
        return self.sample.ndcg(partial(_row_scores, self.xb, sim))

    def popular_in_role(self) -> tuple[str, float]:
        """Share of the person's role who took each item (overall popularity without roles)."""
        role, _, _, _ = employee_attributes(self.train)
        role = role[self.sample.rows]
        overall = np.asarray(self.xb.sum(axis=0), dtype=np.float32).ravel()
        overall /= max(float(overall.max()), 1.0)
        if (role < 0).all():
            return "popularity", self.sample.ndcg(lambda u: np.tile(overall, (len(u), 1)))
        share = GroupPopularity(int(role.max()) + 1).fit(self.xb, role).share_.toarray()

        def score(users: np.ndarray) -> np.ndarray:
            r = role[users]
            out = np.tile(overall * 1e-3, (len(users), 1))
            out[r >= 0] += share[r[r >= 0]]
            return np.asarray(out, dtype=np.float32)

        return "popular_in_role", self.sample.ndcg(score)


def tune(
    holdout: Holdout,
    base: Hyperparams,
    *,
    algorithm: CfAlgorithm,
    seed: int,
    budget_s: float | None,
    trials: int | None = None,
    on_trial: Callable[[], None] = lambda: None,
    fit_budget: MfBudget | None = None,
) -> TuneResult:
    """Tune each candidate by its own nDCG@10 on the warm tuning users; return the winners.

    ``trials`` caps the trials per candidate and drops the deadline, so the same data and
    seed give the same winners on any machine; ``budget_s`` None means no deadline either.
    ``fit_budget`` (default: from ``holdout.train`` alone) caps the factor models'
    iterations, trials and winners alike, to what their final fits can afford.
    """
    import optuna

    if trials is not None and trials < 1:
        raise ValueError(f"trials must be at least 1, got {trials}")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    train = holdout.train
    ease_skipped = ease_skip_reason(train.n_items) if algorithm in ("auto", "ease") else None
    use_ease = algorithm in ("auto", "ease") and ease_skipped is None
    mf_algorithms = {"auto": ["als", "bpr"], "als": ["als"], "bpr": ["bpr"], "ease": []}[algorithm]
    if fit_budget is None:
        n = train.interacted().nnz
        fit_budget = MfBudget.for_data(n, n)
    base = replace(base, use_ease=use_ease)
    result = TuneResult(best=base, ease_skipped=ease_skipped)
    for name in list(mf_algorithms):
        why = fit_budget.skip_reason(name)
        if why is not None and len(mf_algorithms) > 1:  # the last one is fitted, capped
            result.mf_skipped[name] = why
            mf_algorithms.remove(name)
    if not holdout.ok:
        logger.info("holdout too small to tune; using default hyper-parameters")
        result.best = _affordable(base, fit_budget, result)
        return result
    rng = np.random.default_rng(seed)
    objectives = _Objectives(holdout, base, _sample(holdout, rng, MAX_TUNE_ROWS), seed)
    name, score = objectives.popular_in_role()
    result.candidates[name] = Candidate(name, score, {}, 0)

    plans: list[tuple[str, Callable[[Any], Hyperparams], Callable[[Hyperparams], float]]] = []
    for algo in mf_algorithms:
        plans.append(
            (
                algo,
                partial(_mf_trial, base, algo, fit_budget),
                objectives.mf,
            )
        )
    if use_ease:
        plans.append(
            (
                "ease",
                lambda t: replace(base, ease_l2=t.suggest_float("l2", 1.0, 5000.0, log=True)),
                objectives.ease,
            )
        )
    plans.append(("item_knn", lambda t: replace(base, **_knn_params(t)), objectives.knn))

    no_deadline = trials is not None or budget_s is None
    deadline = np.inf if no_deadline else time.perf_counter() + float(budget_s or 0.0)
    winners = result.winners
    for i, (name, suggest, evaluate) in enumerate(plans):
        left = max(deadline - time.perf_counter(), 0.0) / (len(plans) - i)
        winners[name], result.candidates[name] = _study(
            name,
            suggest,
            evaluate,
            base,
            seed=seed + i,
            n_trials=TRIALS[name] if trials is None else min(trials, TRIALS[name]),
            timeout=None if no_deadline else left,
            result=result,
            on_trial=on_trial,
        )
        result.budget_hit |= result.candidates[name].budget_hit
    if result.budget_hit:
        logger.info("tuning budget of %.0f s reached", budget_s)
    mf_pick = max(mf_algorithms, key=lambda a: result.candidates[a].ndcg, default=None)
    for algo in mf_algorithms:
        asked = result.candidates[algo].params
        won = winners[algo]
        if (won.n_factors, won.n_iter) != (asked["n_factors"], asked["n_iter"]):
            result.mf_capped[algo] = fit_budget.cap_note(
                algo, asked["n_factors"], asked["n_iter"], won.n_factors, won.n_iter
            )
    best = winners[mf_pick] if mf_pick else _affordable(base, fit_budget, result)
    if "ease" in winners:
        best = replace(best, ease_l2=winners["ease"].ease_l2)
    knn = winners["item_knn"]
    result.best = replace(
        best,
        use_ease=use_ease,
        knn_kind=knn.knn_kind,
        knn_neighbours=knn.knn_neighbours,
        knn_k1=knn.knn_k1,
        knn_b=knn.knn_b,
    )
    return result


def _study(
    name: str,
    suggest: Callable[[Any], Hyperparams],
    evaluate: Callable[[Hyperparams], float],
    base: Hyperparams,
    *,
    seed: int,
    n_trials: int,
    timeout: float | None,
    result: TuneResult,
    on_trial: Callable[[], None],
) -> tuple[Hyperparams, Candidate]:
    """Run one candidate's seeded study: its defaults first, then TPE, ``n_trials`` trials."""
    import optuna

    sampler = optuna.samplers.TPESampler(seed=seed, n_startup_trials=4)
    study = optuna.create_study(direction="maximize", sampler=sampler)
    study.enqueue_trial(_defaults(name, base), skip_if_exists=True)
    chosen: dict[int, Hyperparams] = {}

    def objective(trial: Any) -> float:
        hp = suggest(trial)
        chosen[trial.number] = hp
        score = evaluate(hp)
        record = {"model": name, **trial.params, "ndcg@10": score}
        if name in ("als", "bpr") and (hp.n_factors, hp.n_iter) != (
            trial.params["n_factors"],
            trial.params["n_iter"],
        ):  # cut down by the fit budget: what was fitted and scored
            record |= {"fitted_n_factors": hp.n_factors, "fitted_n_iter": hp.n_iter}
        result.trials.append(record)
        on_trial()
        return score

    study.optimize(
        objective, n_trials=n_trials, timeout=None if timeout is None else max(timeout, 1e-3)
    )
    hit = len(study.trials) < n_trials
    best = study.best_trial
    value = float(best.value) if best.value is not None else float("nan")
    candidate = Candidate(name, value, dict(best.params), len(study.trials), hit)
    return chosen[best.number], candidate


def _mf_trial(base: Hyperparams, algorithm: str, budget: MfBudget, trial: Any) -> Hyperparams:
    """The trial's settings, cut to what the fit budget affords (the trial scores those)."""
    params = _mf_params(trial, algorithm)
    hp = replace(base, mf_algorithm=algorithm, **params)  # type: ignore[arg-type]
    return _within(hp, budget)


def _within(hp: Hyperparams, budget: MfBudget) -> Hyperparams:
    """``hp`` with fewer iterations, then fewer factors, until its fits fit the budget."""
    algo, factors = hp.mf_algorithm, hp.n_factors
    n_iter = budget.iterations(algo, factors, hp.n_iter)
    while n_iter < min(MIN_ITERATIONS[algo], hp.n_iter) and factors > FEWEST_FACTORS:
        factors //= 2
        n_iter = budget.iterations(algo, factors, hp.n_iter)
    return replace(hp, n_factors=factors, n_iter=max(n_iter, 1))


def _affordable(hp: Hyperparams, budget: MfBudget, result: TuneResult) -> Hyperparams:
    """``hp`` within the fit budget, noting in ``result`` when that cut it down."""
    fitted = _within(hp, budget)
    if fitted != hp:
        result.mf_capped[hp.mf_algorithm] = budget.cap_note(
            hp.mf_algorithm, hp.n_factors, hp.n_iter, fitted.n_factors, fitted.n_iter
        )
    return fitted


def _defaults(name: str, base: Hyperparams) -> dict[str, Any]:
    """The default settings as a first trial, in the search space's parameter names."""
    if name == "als":
        return {
            "n_factors": base.n_factors,
            "regularization": base.regularization,
            "n_iter": base.n_iter,
            "alpha": base.alpha,
            "half_life_days": base.half_life_days,
        }
    if name == "bpr":
        return {
            "n_factors": base.n_factors,
            "learning_rate": base.learning_rate,
            "regularization": 0.01,
            "n_iter": 100,
        }
    if name == "ease":
        return {"l2": base.ease_l2}
    return {"knn_kind": base.knn_kind, "knn_neighbours": base.knn_neighbours}


def _dot_scores(uf: np.ndarray, itf: np.ndarray, users: np.ndarray) -> np.ndarray:
    return np.asarray(uf[users] @ itf.T, dtype=np.float32)


def _row_scores(x: sp.csr_matrix, b: Any, users: np.ndarray) -> np.ndarray:
    product = x[users] @ b
    dense = product.toarray() if sp.issparse(product) else product
    return np.asarray(dense, dtype=np.float32)
