"""Seeded random search of CF and EASE hyper-parameters on the holdout's tuning users.

Trials are drawn from a generator seeded by the training seed, so the same data and seed
give the same trials and the same winner. The time budget only caps how many trials run:
results stay deterministic whenever the budget is not reached (the manifest records
whether it was). A fixed number of trials (``trials``) replaces the budget where the result
must not depend on how busy the machine is (tests, reproducible runs).
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
from recsvc.training.assemble import Hyperparams
from recsvc.training.holdout import Holdout, K, top_k_rows

__all__ = ["CfAlgorithm", "TuneResult", "tune"]

logger = logging.getLogger(__name__)

CfAlgorithm = Literal["auto", "als", "bpr", "ease"]
MF_TRIALS = 16
EASE_TRIALS = 8
#: fit trials on at most this many employees (all tuning users included): keeps each trial
#: seconds long on big organisations while the winner still transfers to the full fit
MAX_TUNE_ROWS = 30_000


@dataclass
class TuneResult:
    best: Hyperparams
    mf_ndcg: float = float("nan")
    ease_ndcg: float = float("nan")
    trials: list[dict[str, Any]] = field(default_factory=list)
    budget_hit: bool = False
    ease_skipped: str | None = None  # why EASE is off although the algorithm allowed it


def _log_uniform(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(np.exp(rng.uniform(np.log(lo), np.log(hi))))


def _sample_mf(rng: np.random.Generator, base: Hyperparams) -> Hyperparams:
    factors = int(rng.choice([8, 16, 32, 64, 128]))
    if base.mf_algorithm == "bpr":
        return replace(
            base,
            n_factors=factors,
            learning_rate=_log_uniform(rng, 0.003, 0.1),
            regularization=_log_uniform(rng, 1e-4, 0.1),
            n_iter=int(rng.choice([50, 100, 200])),
        )
    return replace(
        base,
        n_factors=factors,
        regularization=_log_uniform(rng, 0.01, 30.0),
        n_iter=int(rng.choice([10, 15, 25])),
        alpha=_log_uniform(rng, 1.0, 50.0),
        half_life_days=float(rng.choice([0.0, 90.0, 365.0, 1095.0])),
    )


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


def tune(
    holdout: Holdout,
    base: Hyperparams,
    *,
    algorithm: CfAlgorithm,
    seed: int,
    budget_s: float | None,
    trials: int | None = None,
    on_trial: Callable[[], None] = lambda: None,
) -> TuneResult:
    """Pick MF and EASE settings by nDCG@10 of each model alone on the tuning users.

    ``trials`` caps the trials per model family (MF, EASE) and drops the deadline, so the
    same data and seed give the same winner on any machine; ``budget_s`` None means no
    deadline either.
    """
    if trials is not None and trials < 1:
        raise ValueError(f"trials must be at least 1, got {trials}")
    train = holdout.train
    rng = np.random.default_rng(seed)
    ease_skipped = ease_skip_reason(train.n_items) if algorithm in ("auto", "ease") else None
    use_ease = algorithm in ("auto", "ease") and ease_skipped is None
    tune_mf = algorithm != "ease"
    base = replace(base, mf_algorithm="bpr" if algorithm == "bpr" else "als", use_ease=use_ease)
    result = TuneResult(best=base, ease_skipped=ease_skipped)
    if not holdout.ok:
        logger.info("holdout too small to tune; using default hyper-parameters")
        return result
    mf_queue = [base] + [_sample_mf(rng, base) for _ in range(MF_TRIALS - 1)] if tune_mf else []
    ease_queue = (
        [base.ease_l2] + [_log_uniform(rng, 1.0, 5000.0) for _ in range(EASE_TRIALS - 1)]
        if use_ease
        else []
    )
    if trials is not None:  # drawn in full first, so trial i is the same whatever the cap
        mf_queue, ease_queue, budget_s = mf_queue[:trials], ease_queue[:trials], None
    sample = _sample(holdout, rng, MAX_TUNE_ROWS)
    binary_cache: dict[str, sp.csr_matrix] = {}
    best_mf, best_ease = base, base.ease_l2
    deadline = time.perf_counter() + (budget_s if budget_s is not None else np.inf)
    while mf_queue or ease_queue:
        if time.perf_counter() > deadline:
            result.budget_hit = True
            logger.info("tuning budget of %.0f s reached", budget_s)
            break
        if mf_queue:
            hp = mf_queue.pop(0)
            history = train.confidence(hp.confidence)[sample.rows]
            mf = MatrixFactorization(
                hp.mf_algorithm, hp.n_factors, hp.regularization, hp.n_iter, hp.learning_rate, seed
            ).fit(history)
            uf, itf = mf.user_factors_, mf.item_factors_
            score = sample.ndcg(partial(_dot_scores, uf, itf))
            result.trials.append({"model": hp.mf_algorithm, **_mf_params(hp), "ndcg@10": score})
            if np.isnan(result.mf_ndcg) or score > result.mf_ndcg:
                result.mf_ndcg, best_mf = score, hp
            on_trial()
        if ease_queue:
            l2 = ease_queue.pop(0)
            if "x" not in binary_cache:
                binary_cache["x"] = train.confidence(base.confidence)[sample.rows]
            x = binary_cache["x"]
            ease = EASE(l2=l2).fit(x)
            xb = binarize(x)
            score = sample.ndcg(partial(_row_scores, xb, ease.item_weights_))
            result.trials.append({"model": "ease", "l2": l2, "ndcg@10": score})
            if np.isnan(result.ease_ndcg) or score > result.ease_ndcg:
                result.ease_ndcg, best_ease = score, l2
            on_trial()
    result.best = replace(best_mf, use_ease=use_ease, ease_l2=best_ease)
    return result


def _dot_scores(uf: np.ndarray, itf: np.ndarray, users: np.ndarray) -> np.ndarray:
    return np.asarray(uf[users] @ itf.T, dtype=np.float32)


def _row_scores(x: sp.csr_matrix, b: np.ndarray, users: np.ndarray) -> np.ndarray:
    return np.asarray(x[users] @ b, dtype=np.float32)


def _mf_params(hp: Hyperparams) -> dict[str, Any]:
    return {
        "n_factors": hp.n_factors,
        "regularization": hp.regularization,
        "n_iter": hp.n_iter,
        "learning_rate": hp.learning_rate,
        "alpha": hp.alpha,
        "half_life_days": hp.half_life_days,
    }
