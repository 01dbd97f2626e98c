"""Learn the ranker on the tuning users' holdout enrolments, with the serving feature function."""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from recsvc.models.base import top_k
from recsvc.models.ranker import LogisticRanker
from recsvc.recommend.candidates import build_signals
from recsvc.recommend.query import Context
from recsvc.recommend.score import FEATURE_NAMES, SIGNAL_FEATURES, FeatureBuilder
from recsvc.recommend.state import ModelState
from recsvc.training.assemble import default_ranker
from recsvc.training.holdout import Holdout

__all__ = ["HARD_NEGATIVES", "RANDOM_NEGATIVES", "fit_ranker", "ranker_examples"]

logger = logging.getLogger(__name__)

HARD_NEGATIVES = 0  # per source feature: the items each signal alone would have shown
RANDOM_NEGATIVES = 200


def ranker_examples(
    state: ModelState,
    holdout: Holdout,
    *,
    seed: int,
    on_user: Callable[[], None] = lambda: None,
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int8]]:
    """Feature rows and labels: holdout enrolments (1) vs hard and random negatives (0).

    Hard negatives are the top items of each component score, the mistakes the blend must
    learn to avoid; features come from :class:`FeatureBuilder`, exactly as at serving.
    """
    builder = FeatureBuilder(state)
    rng = np.random.default_rng(seed)
    active = np.asarray(state.content_active, dtype=bool)
    cols = [FEATURE_NAMES.index(s) for s in SIGNAL_FEATURES]
    xs: list[npt.NDArray[np.float32]] = []
    ys: list[npt.NDArray[np.int8]] = []
    for u in holdout.tune_users:
        signals = build_signals(state, state.employees.id_of(int(u)), Context())
        feats = builder.features(signals)
        allowed = active & ~signals.excluded
        lo, hi = holdout.relevant.indptr[u], holdout.relevant.indptr[u + 1]
        pos = holdout.relevant.indices[lo:hi]
        pos = pos[allowed[pos]]
        on_user()
        if len(pos) == 0:
            continue
        cand = np.flatnonzero(allowed)
        # (skipped when off: gathering every source's column cost ~5% of the rank stage)
        picks = [cand[top_k(feats[cand, j], HARD_NEGATIVES)] for j in cols if HARD_NEGATIVES]
        picks.append(rng.choice(cand, size=min(RANDOM_NEGATIVES, len(cand)), replace=False))
        neg = np.setdiff1d(np.concatenate(picks), pos)
        xs.append(feats[np.concatenate([pos, neg])])
        ys.append(np.concatenate([np.ones(len(pos), np.int8), np.zeros(len(neg), np.int8)]))
    if not xs:
        return np.zeros((0, len(FEATURE_NAMES)), np.float32), np.zeros(0, np.int8)
    return np.vstack(xs), np.concatenate(ys)


def fit_ranker(
    state: ModelState, holdout: Holdout, *, seed: int, on_user: Callable[[], None] = lambda: None
) -> tuple[LogisticRanker, int]:
    """The learned ranker and its number of training rows (default ranker if too few)."""
    x, y = ranker_examples(state, holdout, seed=seed, on_user=on_user)
    if len(y) < 20 or y.min() == y.max():
        logger.warning(
            "too few holdout examples (%d) to learn the ranker; using equal weights", len(y)
        )
        return default_ranker(), int(len(y))
    return LogisticRanker(seed=seed).fit(x, y, FEATURE_NAMES), int(len(y))
