"""Baselines scored in the same run as the hybrid: popularity, in-role, item-kNN, ALS, BPR, EASE,
and the test-tuned ceiling (a reference row)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from typing import Protocol

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from recsvc.evaluate.split import EvalSplit
from recsvc.models.base import FloatArray, binarize
from recsvc.models.cf import MatrixFactorization
from recsvc.models.ease import EASE
from recsvc.recommend.candidates import UserSignals
from recsvc.recommend.state import ModelState
from recsvc.training.assemble import Hyperparams, knn_model
from recsvc.training.fit import FittedHybrid
from recsvc.training.holdout import Holdout
from recsvc.training.tune import tune

__all__ = ["CEILING", "Baseline", "ItemScores", "UserView", "ceiling_baseline", "fit_baselines"]

#: the reference row: best single candidate tuned on the test split (not a model)
CEILING = "ceiling (tuned on test)"

logger = logging.getLogger(__name__)

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class UserView:
    """One evaluated employee as the served path sees them (built once, shared by all models)."""

    employee_idx: int
    signals: UserSignals
    allowed: IntArray  # items every business rule allows, ascending


class ItemScores(Protocol):
    """A score for every item for one employee (higher = recommend first)."""

    def __call__(self, view: UserView) -> FloatArray: ...


@dataclass(frozen=True)
class Baseline:
    """A named baseline; ``scores`` is None when the data cannot support it (``note`` says why)."""

    name: str
    scores: ItemScores | None
    note: str = ""
    params: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class _Constant:
    values: FloatArray

    def __call__(self, view: UserView) -> FloatArray:
        return self.values


@dataclass(frozen=True, eq=False)
class _InRole:
    """Share of the employee's role who took each item; overall popularity breaks ties."""

    role_pop: sp.csr_matrix
    pop_all: FloatArray

    def __call__(self, view: UserView) -> FloatArray:
        out = np.array(self.pop_all, dtype=np.float32)
        role = view.signals.role_idx
        if 0 <= role < self.role_pop.shape[0]:
            lo, hi = self.role_pop.indptr[role], self.role_pop.indptr[role + 1]
            out[self.role_pop.indices[lo:hi]] += 1e3 * self.role_pop.data[lo:hi]
        return out


@dataclass(frozen=True, eq=False)
class _RowProduct:
    """History row (positives) times an items x items matrix: item-kNN and EASE."""

    history: sp.csr_matrix
    weights: sp.csr_matrix | FloatArray

    def __call__(self, view: UserView) -> FloatArray:
        row = self.history[view.employee_idx]
        product = row @ self.weights
        dense = product.toarray() if sp.issparse(product) else product
        return np.asarray(dense, dtype=np.float32).ravel()


@dataclass(frozen=True, eq=False)
class _Factors:
    user_factors: FloatArray
    item_factors: FloatArray

    def __call__(self, view: UserView) -> FloatArray:
        return np.asarray(self.item_factors @ self.user_factors[view.employee_idx], np.float32)


def _factors(fitted: FittedHybrid, state: ModelState, name: str) -> tuple[_Factors, Hyperparams]:
    """The factor model ``name`` with the trainer's tuned settings, on the same training data."""
    hp = fitted.tuned.winners.get(name, replace(Hyperparams(), mf_algorithm=name))  # type: ignore[arg-type]
    if fitted.hyperparams.mf_algorithm == name:
        return _Factors(state.mf_user_factors, state.mf_item_factors), fitted.hyperparams
    model = MatrixFactorization(
        name,  # type: ignore[arg-type]
        hp.n_factors,
        hp.regularization,
        hp.n_iter,
        hp.learning_rate,
        fitted.seed,
    ).fit(fitted.dataset.confidence(hp.confidence))
    return _Factors(model.user_factors_, model.item_factors_), hp


def fit_baselines(fitted: FittedHybrid, state: ModelState) -> list[Baseline]:
    """Every single candidate, tuned by the trainer on the same training data as the hybrid.

    ALS, BPR, EASE and item-kNN use the settings the trainer's Optuna search chose for each
    on its own inner holdout (the hybrid's engagement ranker chose among the same ones).
    Popular-in-role needs employees with roles and is reported as n/a otherwise.
    """
    positive = binarize(state.history)
    out = [Baseline("popularity", _Constant(np.asarray(state.pop_all, np.float32)))]
    if "roles" in state.capabilities:
        out.append(Baseline("popular_in_role", _InRole(state.role_pop, state.pop_all)))
    else:
        out.append(Baseline("popular_in_role", None, "n/a: no employees with roles in the data"))
    hp = fitted.hyperparams
    knn_params: dict[str, object] = {"kind": hp.knn_kind, "n_neighbours": hp.knn_neighbours}
    if hp.knn_kind == "bm25":
        knn_params |= {"k1": round(hp.knn_k1, 3), "b": round(hp.knn_b, 3)}
    out.append(Baseline("item_knn", _RowProduct(positive, state.knn_similarity), params=knn_params))
    for name in ("als", "bpr"):
        factors, mf_hp = _factors(fitted, state, name)
        out.append(Baseline(name, factors, params=_mf_params(mf_hp)))
    if state.ease_weights is not None:
        ease = _RowProduct(positive, np.asarray(state.ease_weights, dtype=np.float32))
        out.append(Baseline("ease", ease, params={"l2": round(hp.ease_l2, 3)}))
    else:
        out.append(Baseline("ease", None, "n/a: catalogue too large for EASE"))
    return out


def ceiling_baseline(
    split: EvalSplit,
    *,
    seed: int,
    time_budget_s: float | None,
    tune_trials: int | None = None,
    label: str = CEILING,
) -> Baseline:
    """REFERENCE, not a model: the best single candidate tuned on the *test* split itself.

    The same Optuna search the trainer runs, but scored on the evaluated employees' test
    items: no honest model can expect to beat it, so ``served / ceiling`` says how much of
    the attainable accuracy the trainer's own choices reach.
    """
    holdout = Holdout(
        0.0, split.train, split.relevant, split.seen, split.users, split.users, "employee"
    )
    tuned = tune(
        holdout,
        Hyperparams(),
        algorithm="auto",
        seed=seed,
        budget_s=time_budget_s,
        trials=tune_trials,
    )
    tunable = {n: c for n, c in tuned.candidates.items() if n in tuned.winners}
    if not tunable:
        return Baseline(label, None, "n/a: too few test employees to tune on")
    best = max(tunable, key=lambda n: tunable[n].ndcg)
    hp = tuned.winners[best]
    x = split.train.confidence(hp.confidence)
    positive = binarize(x)
    scores: ItemScores
    if best in ("als", "bpr"):
        mf = MatrixFactorization(
            best,  # type: ignore[arg-type]
            hp.n_factors,
            hp.regularization,
            hp.n_iter,
            hp.learning_rate,
            seed,
        ).fit(x)
        scores = _Factors(mf.user_factors_, mf.item_factors_)
    elif best == "ease":
        scores = _RowProduct(positive, EASE(l2=hp.ease_l2).fit(x).item_weights_)
    else:
        scores = _RowProduct(positive, knn_model(hp).fit(positive).similarity_)
    params = {
        "model": best,
        "params": tunable[best].params,
        "budget_hit": tuned.budget_hit,
        "test_ndcg@10 per candidate": {n: round(c.ndcg, 4) for n, c in tuned.candidates.items()},
    }
    return Baseline(label, scores, params=params)


def _mf_params(hp: Hyperparams) -> dict[str, object]:
    return {
        "n_factors": hp.n_factors,
        "regularization": round(hp.regularization, 5),
        "n_iter": hp.n_iter,
        "learning_rate": round(hp.learning_rate, 5),
        "alpha": round(hp.alpha, 3),
        "half_life_days": hp.half_life_days,
    }
