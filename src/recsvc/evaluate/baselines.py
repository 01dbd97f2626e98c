"""Baselines scored in the same run as the hybrid: popularity, in-role, item-kNN, ALS, BPR, EASE."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from typing import Protocol

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from recsvc.models.base import FloatArray, binarize
from recsvc.models.cf import MatrixFactorization
from recsvc.models.knn import ItemKNN
from recsvc.recommend.candidates import UserSignals
from recsvc.recommend.state import ModelState
from recsvc.training.assemble import Hyperparams
from recsvc.training.fit import FittedHybrid
from recsvc.training.tune import tune

__all__ = ["Baseline", "ItemScores", "UserView", "fit_baselines"]

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


def _bpr(
    fitted: FittedHybrid, *, seed: int, time_budget_s: float, tune_trials: int | None
) -> tuple[_Factors, dict[str, object]]:
    """BPR tuned on the hybrid's own inner holdout, so it gets the same chance as ALS."""
    tuned = tune(
        fitted.holdout,
        Hyperparams(),
        algorithm="bpr",
        seed=seed,
        budget_s=time_budget_s,
        trials=tune_trials,
    )
    hp = replace(tuned.best, use_ease=False)
    model = MatrixFactorization(
        "bpr", hp.n_factors, hp.regularization, hp.n_iter, hp.learning_rate, seed
    ).fit(fitted.dataset.confidence(hp.confidence))
    params = {**_mf_params(hp), "trials": len(tuned.trials), "budget_hit": tuned.budget_hit}
    return _Factors(model.user_factors_, model.item_factors_), params


def fit_baselines(
    fitted: FittedHybrid,
    state: ModelState,
    *,
    seed: int,
    time_budget_s: float,
    tune_trials: int | None = None,
) -> list[Baseline]:
    """Every baseline, fitted on the same training data as the hybrid.

    ALS is the hybrid's own tuned factor model scored alone; BPR is tuned for up to
    ``time_budget_s`` (or ``tune_trials`` trials) on the same inner holdout; EASE is the
    hybrid's tuned EASE alone.
    Popular-in-role needs employees with roles and is reported as n/a otherwise.
    """
    positive = binarize(state.history)
    out = [Baseline("popularity", _Constant(np.asarray(state.pop_all, np.float32)))]
    if "roles" in state.capabilities:
        out.append(Baseline("popular_in_role", _InRole(state.role_pop, state.pop_all)))
    else:
        out.append(Baseline("popular_in_role", None, "n/a: no employees with roles in the data"))
    knn = ItemKNN().fit(positive)
    out.append(
        Baseline("item_knn", _RowProduct(positive, knn.similarity_), params={"n_neighbours": 100})
    )
    hp = fitted.hyperparams
    if hp.mf_algorithm == "als":
        als = _Factors(state.mf_user_factors, state.mf_item_factors)
        als_hp = hp
    else:
        als_hp = Hyperparams()
        model = MatrixFactorization(n_factors=als_hp.n_factors, seed=seed).fit(
            fitted.dataset.confidence(als_hp.confidence)
        )
        als = _Factors(model.user_factors_, model.item_factors_)
    out.append(Baseline("als", als, params=_mf_params(als_hp)))
    bpr, bpr_params = _bpr(fitted, seed=seed, time_budget_s=time_budget_s, tune_trials=tune_trials)
    out.append(Baseline("bpr", bpr, params=bpr_params))
    if state.ease_weights is not None:
        ease = _RowProduct(positive, np.asarray(state.ease_weights, dtype=np.float32))
        out.append(Baseline("ease", ease, params={"l2": hp.ease_l2}))
    else:
        out.append(Baseline("ease", None, "n/a: catalogue too large for EASE"))
    return out


def _mf_params(hp: Hyperparams) -> dict[str, object]:
    return {
        "n_factors": hp.n_factors,
        "regularization": round(hp.regularization, 5),
        "n_iter": hp.n_iter,
        "learning_rate": round(hp.learning_rate, 5),
        "alpha": round(hp.alpha, 3),
        "half_life_days": hp.half_life_days,
    }
