"""Calibrate the engagement model's log-odds to a probability among plausible candidates.

The ranker learns from each person's real enrolments against random catalogue items, so its
log-odds separate "anything plausible" from "anything at all": differences between two
plausible items come out far larger than the data supports. The need-first order weighs
learning value by this probability, so it must be calibrated where lists are made: among
each validation employee's top ``CANDIDATES`` items by the ranker, a one-feature logistic
regression of "enrolled in the holdout" on the log-odds gives ``P = sigmoid(a * z + b)``.
A slope ``a`` below 1 says how much of the ranker's spread is real.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from recsvc.models.base import top_k
from recsvc.recommend.candidates import build_signals
from recsvc.recommend.query import Context
from recsvc.recommend.score import Engagement, FeatureBuilder
from recsvc.recommend.state import ModelState
from recsvc.training.holdout import Holdout

__all__ = ["CANDIDATES", "calibrate_engagement"]

#: the candidate population per employee: about what a list is chosen from
CANDIDATES = 100
#: fewest positives among the candidates to learn a calibration; else slope 1, intercept 0
MIN_POSITIVES = 20


def calibrate_engagement(
    state: ModelState, holdout: Holdout, *, on_user: Callable[[], None] = lambda: None
) -> tuple[float, float]:
    """``(slope, intercept)`` of the calibrated engagement probability (see module doc)."""
    from sklearn.linear_model import LogisticRegression

    builder = FeatureBuilder(state)
    engagement = Engagement(state, builder)
    active = np.asarray(state.content_active, dtype=bool)
    xs: list[npt.NDArray[np.float32]] = []
    ys: list[npt.NDArray[np.bool_]] = []
    for u in holdout.tune_users:
        signals = build_signals(state, state.employees.id_of(int(u)), Context())
        logits, _ = engagement.logits(signals)
        cand = np.flatnonzero(active & ~signals.excluded)
        top = cand[top_k(logits[cand], CANDIDATES)]
        lo, hi = holdout.relevant.indptr[u], holdout.relevant.indptr[u + 1]
        xs.append(logits[top])
        ys.append(np.isin(top, holdout.relevant.indices[lo:hi]))
        on_user()
    if not xs:
        return 1.0, 0.0
    x, y = np.concatenate(xs).astype(np.float64), np.concatenate(ys)
    if y.sum() < MIN_POSITIVES or y.all():
        return 1.0, 0.0
    model = LogisticRegression(C=100.0).fit(x[:, None], y)
    return float(model.coef_[0, 0]), float(model.intercept_[0])
